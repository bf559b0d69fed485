#pragma once
// The deployment's secrets: one small file each, in a directory only piket's
// own user can read (mode 0700, files 0600). The TOML configuration never
// holds a secret; it names the directory (`[secrets] dir`, default "secrets"
// beside the configuration file). docs/secrets.md lists every file.
//
// SecretStore reads them and refuses a file that others could read, so a
// mistake in deployment is a start-up failure, not a leak.
// ensure_deployment_secrets() makes the ones that are missing (the local
// stack and `piket-secrets init` call it); it never overwrites a file.

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::common {

class SecretError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The services that hold their own credentials, each under its own name.
inline constexpr std::string_view kSecretHolders[] = {"ingest", "dispatch", "notify", "inbound",
                                                      "cases",  "web",      "ops"};
// Redis users of Redis itself, with a password each but nothing else: the replicas log in
// to the primary as `replication`, the sentinels to the nodes as `sentinel`
// (docs/availability.md; rules in common/redis_acl.hpp).
inline constexpr std::string_view kRedisInfraUsers[] = {"replication", "sentinel"};

// File names inside the secrets directory; the one place they are spelt.
namespace secret_file {
// The password of Redis user `user` (a service name, or "ops" for operators'
// tools and the tests' inspection connection).
std::string redis_password(std::string_view user);
// Kannel calls piket back (get-url, dlr-url) with this secret in the URL.
inline constexpr std::string_view kannel_callback = "kannel-callback.secret";
// Kannel bearerbox admin interface.
inline constexpr std::string_view kannel_admin = "kannel-admin.password";
// Kannel smsbox sendsms-user password (notify sends with it).
inline constexpr std::string_view kannel_sendsms = "kannel-sendsms.password";
// ZeroMQ CURVE key pair of a service (Z85, 40 characters each).
std::string zmq_secret_key(std::string_view service);
std::string zmq_public_key(std::string_view service);
// The VAPID signing key of Web Push (RFC 8292): a P-256 private scalar in
// base64url. notify signs with it; web hands its public key to the app.
inline constexpr std::string_view vapid_private_key = "vapid-private.key";
}  // namespace secret_file

class SecretStore {
 public:
  explicit SecretStore(std::filesystem::path dir);
  const std::filesystem::path& dir() const { return dir_; }

  // The file's content without trailing whitespace. Throws SecretError naming
  // the file when it is missing, empty, larger than 4 KiB, or readable or
  // writable by group or others.
  std::string read(std::string_view name) const;
  bool exists(std::string_view name) const;

 private:
  std::filesystem::path dir_;
};

// A random secret of `n` characters from [A-Za-z0-9] (libsodium).
std::string random_secret(std::size_t n = 40);

// A CURVE key pair in Z85 (libzmq's zmq_curve_keypair).
struct CurveKeyPair {
  std::string public_key;
  std::string secret_key;
};
CurveKeyPair generate_curve_keypair();

// Puts the secrets of service `service` (one of kSecretHolders) into `config`,
// read from config.secrets_dir: its Redis user and password, then what `more`
// reads for the sections that hold secrets of their own (the Kannel callback
// secret and sendsms password: config::load_secrets), then — except for
// "ops" — its ZeroMQ key pair and every peer's public key. Throws SecretError
// naming the first file that is missing or not private.
void load_service_secrets(SharedConfig& config, std::string_view service,
                          const std::function<void(const SecretStore&)>& more = {});

// Creates `dir` (0700) and every secret file that is missing (0600): the Redis
// passwords of kSecretHolders, the Kannel secrets, a CURVE key pair per
// service and the VAPID key. Returns the names of the files it created.
std::vector<std::string> ensure_deployment_secrets(const std::filesystem::path& dir);

}  // namespace piket::common
