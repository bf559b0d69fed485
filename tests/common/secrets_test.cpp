#include "piket/common/secrets.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "../support/temp_dir.hpp"
#include "piket/config/config.hpp"
#include "piket/push/vapid.hpp"

namespace piket::common {
namespace {

// The whole file is assembled by piket_config; its sections are their owners'.
using config::Config;
using config::load_config;
using config::parse_config;
using rota::ContactChannel;
using rota::PersonConfig;
using rota::StaffRole;
namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& s, fs::perms perms) {
  std::ofstream(p) << s;
  fs::permissions(p, perms, fs::perm_options::replace);
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(SecretStore, ReadsAPrivateFileWithoutTrailingNewline) {
  test::TempDir dir;
  write(dir / "kannel-callback.secret", "s3cret\n", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(SecretStore(dir.path()).read("kannel-callback.secret"), "s3cret");
}

TEST(SecretStore, RefusesAFileOthersCanRead) {
  test::TempDir dir;
  write(dir / "redis-ingest.password", "pw",
        fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  try {
    SecretStore(dir.path()).read("redis-ingest.password");
    FAIL() << "a world-readable secret was accepted";
  } catch (const SecretError& e) {
    EXPECT_NE(std::string(e.what()).find("mode 0600"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("redis-ingest.password"), std::string::npos);
  }
}

TEST(SecretStore, MissingEmptyOversizedAndBadNamesAreErrorsNamingTheFile) {
  test::TempDir dir;
  SecretStore store(dir.path());
  EXPECT_THROW(store.read("absent.secret"), SecretError);
  write(dir / "empty.secret", "\n", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THROW(store.read("empty.secret"), SecretError);
  write(dir / "big.secret", std::string(5000, 'x'), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THROW(store.read("big.secret"), SecretError);
  EXPECT_THROW(store.read("../escape"), SecretError);
  EXPECT_THROW(store.read(".hidden"), SecretError);
  EXPECT_FALSE(store.exists("../escape"));
}

TEST(DeploymentSecrets, CreatesEveryFilePrivateAndNeverOverwrites) {
  test::TempDir tmp;
  const auto dir = tmp.path() / "secrets";
  const auto created = ensure_deployment_secrets(dir);
  EXPECT_EQ(mode_of(dir), 0700u);
  SecretStore store(dir);
  std::set<std::string> names(created.begin(), created.end());
  for (auto holder : kSecretHolders) {
    EXPECT_TRUE(names.count(secret_file::redis_password(holder))) << holder;
    EXPECT_EQ(mode_of(dir / secret_file::redis_password(holder)), 0600u);
    EXPECT_GE(store.read(secret_file::redis_password(holder)).size(), 32u);
  }
  for (auto user : kRedisInfraUsers) {
    EXPECT_TRUE(names.count(secret_file::redis_password(user))) << user;
    EXPECT_EQ(mode_of(dir / secret_file::redis_password(user)), 0600u);
    EXPECT_GE(store.read(secret_file::redis_password(user)).size(), 32u);
  }
  EXPECT_EQ(store.read(secret_file::zmq_public_key("dispatch")).size(), 40u);
  EXPECT_EQ(store.read(secret_file::zmq_secret_key("dispatch")).size(), 40u);
  EXPECT_EQ(mode_of(dir / secret_file::vapid_private_key), 0600u);
  EXPECT_TRUE(push::vapid_key_from_secret(store.read(std::string(secret_file::vapid_private_key))));
  EXPECT_NE(store.read(secret_file::redis_password("ingest")),
            store.read(secret_file::redis_password("dispatch")));
  const auto before = store.read(std::string(secret_file::kannel_callback));
  EXPECT_TRUE(ensure_deployment_secrets(dir).empty());
  EXPECT_EQ(store.read(std::string(secret_file::kannel_callback)), before);
}

TEST(DeploymentSecrets, TheConfigNamesTheDirectoryRelativeToItself) {
  auto c = parse_config(
      "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n[[regions]]\nid = \"g\"\nname = "
      "\"G\"\n[secrets]\ndir = "
      "\"keys\"\n",
      "/etc/piket/piket.toml");
  EXPECT_EQ(c.secrets_dir, fs::path("/etc/piket/keys"));
  auto d = parse_config(
      "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n[[regions]]\nid = \"g\"\nname = "
      "\"G\"\n",
      "/etc/piket/piket.toml");
  EXPECT_EQ(d.secrets_dir, fs::path("/etc/piket/secrets"));
}

}  // namespace
}  // namespace piket::common
