#pragma once
// Test support: throwaway certificates made with the `openssl` command-line
// tool in a TempDir — a CA, server certificates for 127.0.0.1/localhost and
// client certificates — and run_command() for the real clients (curl,
// openssl s_client) the TLS tests speak through.

#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "temp_dir.hpp"

namespace piket::test {

struct CommandResult {
  int exit_code = -1;  // the command's exit status; -1 if it did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh, stdin from /dev/null.
inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen(("(" + command + ") </dev/null 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = ::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

// Single-quoted for /bin/sh.
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A throwaway public-key infrastructure (P-256 keys, valid two days).
class TestPki {
 public:
  struct Pair {
    std::filesystem::path cert;
    std::filesystem::path key;
  };

  TestPki() : dir_("piket-pki") { ca_ = make_ca("ca", "piket test CA"); }

  const std::filesystem::path& dir() const { return dir_.path(); }
  const Pair& ca() const { return ca_; }

  // Another CA (a client certificate from it must be refused).
  Pair make_ca(const std::string& name, const std::string& common_name) {
    Pair p{dir_ / (name + ".crt"), dir_ / (name + ".key")};
    write(name + ".ext",
          "basicConstraints=critical,CA:TRUE\n"
          "keyUsage=critical,keyCertSign,cRLSign\n"
          "subjectKeyIdentifier=hash\n");
    openssl("req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + q(p.key) +
            " -out " + q(dir_ / (name + ".csr")) + " -subj " + shell_quote("/CN=" + common_name));
    openssl("x509 -req -in " + q(dir_ / (name + ".csr")) + " -signkey " + q(p.key) +
            " -days 2 -sha256 -extfile " + q(dir_ / (name + ".ext")) + " -out " + q(p.cert));
    return p;
  }

  // A server certificate for 127.0.0.1 and localhost, signed by `issuer` (the CA by default).
  Pair server(const std::string& name, const Pair* issuer = nullptr) {
    return sign(name, "localhost",
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
                issuer ? *issuer : ca_);
  }

  // A client certificate with this common name, signed by `issuer` (the CA by default).
  Pair client(const std::string& name, const std::string& common_name,
              const Pair* issuer = nullptr) {
    return sign(name, common_name,
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=clientAuth\n",
                issuer ? *issuer : ca_);
  }

  // The certificate's SHA-256 fingerprint: lower-case hex of its DER (what
  // `openssl x509 -outform DER | sha256sum` prints).
  static std::string fingerprint(const std::filesystem::path& cert) {
    const auto r = run_command("openssl x509 -in " + q(cert) + " -noout -fingerprint -sha256");
    const auto eq = r.output.find('=');
    if (r.exit_code != 0 || eq == std::string::npos)
      throw std::runtime_error("openssl x509 -fingerprint: " + r.output);
    std::string hex;
    for (char c : r.output.substr(eq + 1))
      if (std::isxdigit(static_cast<unsigned char>(c)))
        hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hex;
  }

  static std::string q(const std::filesystem::path& p) { return shell_quote(p.string()); }

 private:
  Pair sign(const std::string& name, const std::string& common_name, const std::string& ext,
            const Pair& issuer) {
    Pair p{dir_ / (name + ".crt"), dir_ / (name + ".key")};
    write(name + ".ext", ext);
    openssl("req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + q(p.key) +
            " -out " + q(dir_ / (name + ".csr")) + " -subj " + shell_quote("/CN=" + common_name));
    openssl("x509 -req -in " + q(dir_ / (name + ".csr")) + " -CA " + q(issuer.cert) + " -CAkey " +
            q(issuer.key) + " -set_serial " + std::to_string(++serial_) +
            " -days 2 -sha256 -extfile " + q(dir_ / (name + ".ext")) + " -out " + q(p.cert));
    return p;
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  static void openssl(const std::string& args) {
    const auto r = run_command("openssl " + args);
    if (r.exit_code != 0) throw std::runtime_error("openssl " + args + ": " + r.output);
  }

  TempDir dir_;
  Pair ca_;
  int serial_ = 1000;
};

}  // namespace piket::test
