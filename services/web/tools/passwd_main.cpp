// piket-passwd: makes the Argon2id hash for [[people]] password_argon2.
// Reads the password from the terminal (twice, not echoed) or, when stdin is
// not a terminal, its first line; prints the encoded hash.
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>

#include "piket/web/password.hpp"

namespace {

std::string read_hidden(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return line;
}

int usage(int code) {
  (code ? std::cerr : std::cout)
      << "usage: piket-passwd [--time-cost N] [--memory-kib N]\n"
         "Reads a password (from the terminal, or the first line of stdin) and prints its\n"
         "Argon2id hash for password_argon2 in [[people]]. Defaults: --time-cost 3\n"
         "--memory-kib 65536. Passwords shorter than 12 characters are refused.\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  piket::web::Argon2Params params;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") return usage(0);
    if ((a == "--time-cost" || a == "--memory-kib") && i + 1 < argc) {
      try {
        const auto v = std::stoul(argv[++i]);
        if (a == "--time-cost") {
          if (v < 1 || v > 100) return usage(2);
          params.time_cost = static_cast<std::uint32_t>(v);
        } else {
          if (v < 8 * 1024 || v > 4 * 1024 * 1024) return usage(2);
          params.memory_kib = static_cast<std::uint32_t>(v);
        }
      } catch (const std::exception&) {
        return usage(2);
      }
      continue;
    }
    return usage(2);
  }
  std::string password;
  if (isatty(STDIN_FILENO)) {
    password = read_hidden("password: ");
    if (read_hidden("again: ") != password) {
      std::cerr << "piket-passwd: the two entries differ\n";
      return 1;
    }
  } else {
    std::getline(std::cin, password);
  }
  if (password.size() < 12) {
    std::cerr << "piket-passwd: a password needs at least 12 characters\n";
    return 1;
  }
  try {
    std::cout << piket::web::hash_password(password, params) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "piket-passwd: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
