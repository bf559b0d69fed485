// deploy/backup and deploy/restore against a real, private redis-server
// (label redis): a store with pending deadline and escalation timers, keys
// with expiry times and a multi-part AOF (a base and an increment) is backed
// up; restored onto a fresh data directory, from the AOF and from the RDB
// snapshot, a redis-server on it holds exactly the same keys — every value,
// every expiry instant (PEXPIRETIME) and the due sets. The scripts refuse a
// data directory that is not fresh and a backup that does not match its
// checksums.
//
// Not covered here (docs/operations.md says so): the services started on the
// restored store firing each pending deadline once.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/launch/redis_server.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"
#include "temp_dir.hpp"

namespace piket::test {
namespace {

namespace fs = std::filesystem;
const fs::path kDeploy = fs::path(PIKET_SOURCE_DIR) / "deploy";

// Runs a command line through the shell; its exit status (-1 if it did not exit).
int run(const std::string& cmd) {
  const int status = std::system((cmd + " >>" + "/dev/stderr 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

// A reply in one line: strings as they are, arrays in brackets.
std::string flat(const common::RedisReply& r) {
  if (r.type == common::RedisReply::Type::array) {
    std::string s = "[";
    for (const auto& e : r.elements) s += flat(e) + ",";
    return s + "]";
  }
  if (r.type == common::RedisReply::Type::integer) return std::to_string(r.integer);
  if (r.is_nil()) return "(nil)";
  return r.str;
}

// Every key: its type, its expiry instant (PEXPIRETIME: -1 none) and its value.
std::map<std::string, std::string> keyspace(common::RedisConnection& c) {
  std::map<std::string, std::string> out;
  std::string cursor = "0";
  do {
    const auto page = c.command({"SCAN", cursor, "COUNT", "1000"});
    cursor = page.elements.at(0).str;
    for (const auto& k : page.elements.at(1).elements) {
      const auto& key = k.str;
      const auto type = c.command({"TYPE", key}).str;
      std::string value;
      if (type == "string") {
        value = c.command({"GET", key}).str;
      } else if (type == "hash" || type == "set") {
        auto items = c.command({type == "hash" ? "HGETALL" : "SMEMBERS", key}).element_strings();
        if (type == "hash") {  // field=value pairs, sorted by field
          std::vector<std::string> pairs;
          for (std::size_t i = 0; i + 1 < items.size(); i += 2)
            pairs.push_back(items[i] + "=" + items[i + 1]);
          items = std::move(pairs);
        }
        std::sort(items.begin(), items.end());
        for (const auto& i : items) value += i + ",";
      } else if (type == "list") {
        value = flat(c.command({"LRANGE", key, "0", "-1"}));
      } else if (type == "zset") {
        value = flat(c.command({"ZRANGE", key, "0", "-1", "WITHSCORES"}));
      } else if (type == "stream") {
        value = flat(c.command({"XRANGE", key, "-", "+"}));
      } else {
        value = "unexpected type";
      }
      out[key] = type + " expires " + std::to_string(c.command({"PEXPIRETIME", key}).integer) +
                 " " + value;
    }
  } while (cursor != "0");
  return out;
}

void wait_rewrite_done(common::RedisConnection& c) {
  for (int i = 0; i < 500; ++i) {
    const auto info = c.command({"INFO", "persistence"}).str;
    if (info.find("aof_rewrite_in_progress:0") != std::string::npos &&
        info.find("aof_rewrite_scheduled:0") != std::string::npos)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  FAIL() << "AOF rewrite did not finish";
}

// A store as piket leaves it, in two halves: before and after an AOF rewrite,
// so that the AOF has a base file and an increment.
void seed(common::RedisConnection& c, int from, int to) {
  const long long due_base = 1'900'000'000'000;   // 2030: every timer still pending
  const long long expire_at = 4'000'000'000'000;  // far ahead: nothing expires meanwhile
  for (int i = from; i < to; ++i) {
    const auto id = "C" + std::to_string(10'000'000 + i);
    const auto page = "P" + std::to_string(20'000'000 + i);
    c.command({"HSET", store::case_key(id), "region", "groningen", "phase", "intensive", "n",
               std::to_string(i)});
    c.command({"RPUSH", store::case_timeline_key(id), "{\"event\":\"registered\"}",
               "{\"event\":\"assigned\"}"});
    c.command({"ZADD", std::string(store::kDeadlinesDue), std::to_string(due_base + i * 60'000),
               id + "|first_contact"});
    c.command({"HSET", store::page_key(page), "case", id, "state", "sent"});
    c.command({"PEXPIREAT", store::page_key(page), std::to_string(expire_at + i)});
    c.command(
        {"ZADD", std::string(store::kEscalationsDue), std::to_string(due_base + i * 1000), page});
    c.command({"SET", store::ackcode_key("icm-" + std::to_string(i % 6), std::to_string(1000 + i)),
               page, "PXAT", std::to_string(expire_at + 7 * i)});
    c.command({"SADD", std::string(store::kCasesOpen), id});
    c.command({"XADD", store::push_key("icm-" + std::to_string(i % 6)), "*", "page", page});
  }
}

std::vector<launch::RedisAclUser> users_of(const fs::path& secrets_dir) {
  std::vector<launch::RedisAclUser> users;
  for (auto& u : common::deployment_redis_users(secrets_dir))
    users.push_back({std::move(u.name), std::move(u.password), std::move(u.rules)});
  return users;
}

class BackupRestoreRedis : public ::testing::Test {
 protected:
  PrivateRedis redis_{"piket-backup"};
  TempDir dir_{"piket-backup-out"};

  std::string backup_command(const fs::path& out) const {
    return quoted(kDeploy / "backup") + " --port " + std::to_string(redis_.config().address.port) +
           " --user ops --password-file " +
           quoted(redis_.secrets_dir() / common::secret_file::redis_password("ops")) + " " +
           quoted(out);
  }

  // Restores `backup` onto the fresh directory `data` (--from `from`), starts a
  // redis-server on it with the deployment's users and returns its keyspace.
  std::map<std::string, std::string> restore_and_read(const fs::path& backup, const fs::path& data,
                                                      const std::string& from) {
    EXPECT_EQ(run(quoted(kDeploy / "restore") + " --from " + from + " " + quoted(backup) + " " +
                  quoted(data)),
              0);
    launch::RedisServer restored(
        launch::RedisServerConfig{0, data, users_of(redis_.secrets_dir())});
    restored.start();
    auto cfg = redis_.config();
    cfg.address.port = restored.port();
    common::RedisConnection c(cfg);
    auto keys = keyspace(c);
    restored.stop();
    return keys;
  }
};

TEST_F(BackupRestoreRedis, EveryKeyValueExpiryAndDueTimerSurvivesFromAofAndFromRdb) {
  common::RedisConnection ops(redis_.config());
  seed(ops, 0, 300);
  ops.command({"BGREWRITEAOF"});
  wait_rewrite_done(ops);
  seed(ops, 300, 600);
  const auto before = keyspace(ops);
  ASSERT_EQ(ops.command({"ZCARD", std::string(store::kDeadlinesDue)}).integer, 600);
  ASSERT_EQ(ops.command({"ZCARD", std::string(store::kEscalationsDue)}).integer, 600);
  ASSERT_GT(before.size(), 1800u);

  const auto backup = dir_ / "backup";
  ASSERT_EQ(run(backup_command(backup)), 0);
  for (const auto* f : {"MANIFEST", "SHA256SUMS", "dump.rdb"})
    EXPECT_TRUE(fs::exists(backup / f)) << f;
  ASSERT_TRUE(fs::is_directory(backup / "appendonlydir"));
  std::size_t bases = 0, increments = 0;
  for (const auto& e : fs::directory_iterator(backup / "appendonlydir")) {
    const auto name = e.path().filename().string();
    bases += name.find(".base.") != std::string::npos;
    increments += name.find(".incr.") != std::string::npos;
  }
  EXPECT_EQ(bases, 1u);
  EXPECT_GE(increments, 1u);
  EXPECT_EQ(fs::status(backup).permissions() & fs::perms::all, fs::perms::owner_all);

  // Written after the backup: in neither copy.
  ops.command({"SET", store::case_key("C99999999"), "later"});

  for (const char* from_c : {"aof", "rdb"}) {
    const std::string from = from_c;
    SCOPED_TRACE("restore --from " + from);
    const auto data = dir_ / ("restored-" + from);
    const auto after = restore_and_read(backup, data, from);
    EXPECT_EQ(after.size(), before.size());
    for (const auto& [key, value] : before) {
      auto it = after.find(key);
      if (it == after.end()) {
        ADD_FAILURE() << key << " is missing";
        continue;
      }
      EXPECT_EQ(it->second, value) << key;
    }
    EXPECT_FALSE(after.contains(store::case_key("C99999999")));
    EXPECT_EQ(fs::status(data).permissions() & fs::perms::all, fs::perms::owner_all);
  }
}

TEST_F(BackupRestoreRedis, RestoreRefusesADirectoryInUseAndADamagedBackup) {
  common::RedisConnection ops(redis_.config());
  seed(ops, 0, 20);
  const auto backup = dir_ / "backup";
  ASSERT_EQ(run(backup_command(backup)), 0);
  EXPECT_NE(run(backup_command(backup)), 0) << "backup must not overwrite a backup";

  const auto data = dir_ / "data";
  ASSERT_EQ(run(quoted(kDeploy / "restore") + " " + quoted(backup) + " " + quoted(data)), 0);
  EXPECT_NE(run(quoted(kDeploy / "restore") + " " + quoted(backup) + " " + quoted(data)), 0)
      << "restore must not overwrite a data directory";

  {
    std::ofstream rdb(backup / "dump.rdb", std::ios::app | std::ios::binary);
    rdb << "x";
  }
  EXPECT_NE(run(quoted(kDeploy / "restore") + " --from rdb " + quoted(backup) + " " +
                quoted(dir_ / "data2")),
            0)
      << "a backup that does not match SHA256SUMS is refused";
  EXPECT_FALSE(fs::exists(dir_ / "data2" / "dump.rdb"));
}

}  // namespace
}  // namespace piket::test
