#include "piket/common/secrets.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <zmq.h>

#include <fstream>
#include <sstream>

#include "piket/push/vapid.hpp"

namespace piket::common {
namespace fs = std::filesystem;

namespace secret_file {
std::string redis_password(std::string_view user) {
  return "redis-" + std::string(user) + ".password";
}
std::string zmq_secret_key(std::string_view service) {
  return "zmq-" + std::string(service) + ".secret";
}
std::string zmq_public_key(std::string_view service) {
  return "zmq-" + std::string(service) + ".public";
}
}  // namespace secret_file

namespace {

constexpr std::uintmax_t kMaxSecretBytes = 4096;

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

void write_private(const fs::path& file, const std::string& content) {
  const auto tmp = file.string() + ".tmp";
  {
    const auto old = ::umask(077);
    std::ofstream out(tmp, std::ios::trunc);
    ::umask(old);
    if (!out) throw SecretError("secrets: cannot write " + tmp);
    out << content << '\n';
    out.flush();
    if (!out) throw SecretError("secrets: cannot write " + tmp);
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  fs::rename(tmp, file);
}

}  // namespace

SecretStore::SecretStore(fs::path dir) : dir_(std::move(dir)) {}

bool SecretStore::exists(std::string_view name) const {
  return valid_name(name) && fs::exists(dir_ / std::string(name));
}

std::string SecretStore::read(std::string_view name) const {
  if (!valid_name(name))
    throw SecretError("secrets: invalid secret name '" + std::string(name) + "'");
  const auto file = dir_ / std::string(name);
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw SecretError("secrets: " + file.string() + " is missing (piket-secrets init makes it)");
  if (!S_ISREG(st.st_mode)) throw SecretError("secrets: " + file.string() + " is not a file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    throw SecretError("secrets: " + file.string() +
                      " can be read or written by others; it must be mode 0600");
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxSecretBytes)
    throw SecretError("secrets: " + file.string() + " is larger than 4 KiB");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw SecretError("secrets: " + file.string() + " cannot be read");
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string s = buf.str();
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  if (s.empty()) throw SecretError("secrets: " + file.string() + " is empty");
  return s;
}

std::string random_secret(std::size_t n) {
  if (sodium_init() < 0) throw SecretError("libsodium could not be initialised");
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(n, 'A');
  for (auto& c : out)
    c = alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))];
  return out;
}

CurveKeyPair generate_curve_keypair() {
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    throw SecretError("secrets: libzmq cannot make CURVE keys (built without libsodium?)");
  CurveKeyPair k{std::string(pub, 40), std::string(sec, 40)};
  sodium_memzero(sec, sizeof sec);
  return k;
}

void load_service_secrets(SharedConfig& config, std::string_view service,
                          const std::function<void(const SecretStore&)>& more) {
  bool known = false;
  for (auto h : kSecretHolders) known = known || h == service;
  if (!known) throw SecretError("secrets: no secrets for '" + std::string(service) + "'");
  const SecretStore store(config.secrets_dir);
  config.redis.user = std::string(service);
  config.redis.password = store.read(secret_file::redis_password(service));
  if (more) more(store);
  if (service == "ops") return;
  config.zmq.public_key = store.read(secret_file::zmq_public_key(service));
  config.zmq.secret_key = store.read(secret_file::zmq_secret_key(service));
  for (auto peer : kSecretHolders)
    if (peer != "ops")
      config.zmq.peers[std::string(peer)] = store.read(secret_file::zmq_public_key(peer));
}

std::vector<std::string> ensure_deployment_secrets(const fs::path& dir) {
  std::vector<std::string> created;
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  auto ensure = [&](const std::string& name, auto make) {
    const auto file = dir / name;
    if (fs::exists(file)) return;
    write_private(file, make());
    created.push_back(name);
  };
  for (auto holder : kSecretHolders)
    ensure(secret_file::redis_password(holder), [] { return random_secret(); });
  for (auto user : kRedisInfraUsers)
    ensure(secret_file::redis_password(user), [] { return random_secret(); });
  ensure(std::string(secret_file::kannel_callback), [] { return random_secret(); });
  ensure(std::string(secret_file::kannel_admin), [] { return random_secret(); });
  ensure(std::string(secret_file::kannel_sendsms), [] { return random_secret(); });
  ensure(std::string(secret_file::vapid_private_key),
         [] { return push::vapid_key_to_secret(push::P256Key::generate()); });
  for (auto holder : kSecretHolders) {
    if (holder == "ops") continue;
    const auto sec = dir / secret_file::zmq_secret_key(holder);
    const auto pub = dir / secret_file::zmq_public_key(holder);
    if (fs::exists(sec) && fs::exists(pub)) continue;
    const auto k = generate_curve_keypair();
    write_private(pub, k.public_key);
    write_private(sec, k.secret_key);
    created.push_back(secret_file::zmq_public_key(holder));
    created.push_back(secret_file::zmq_secret_key(holder));
  }
  return created;
}

}  // namespace piket::common
