// piket-secrets: makes a deployment's secrets directory (common/secrets.hpp,
// docs/secrets.md). `piket-secrets init DIR` creates every missing file with
// mode 0600 in a 0700 directory and never overwrites one; it prints the names
// it created, never the secrets. Wiring only.
#include <iostream>
#include <string>

#include "piket/common/secrets.hpp"

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "init") {
    std::cerr << "usage: piket-secrets init DIR\n"
                 "  creates DIR (0700) and every missing secret file in it (0600)\n";
    return 2;
  }
  try {
    const auto created = piket::common::ensure_deployment_secrets(argv[2]);
    for (const auto& name : created) std::cout << "created " << name << "\n";
    if (created.empty()) std::cout << "nothing to do: every secret exists\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "piket-secrets: " << e.what() << "\n";
    return 1;
  }
}
