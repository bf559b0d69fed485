// Integration tests (label redis): piket's Redis as every deployment runs it — the ACL users of
// common/redis_acl.hpp, no usable `default` user, maxmemory with noeviction, private files.
// Each test starts its own redis-server (tests/support/private_redis.hpp).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/common/secrets.hpp"
#include "piket/launch/redis_server.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "private_redis.hpp"
#include "temp_dir.hpp"

namespace piket {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using common::RedisConnection;
using test::PrivateRedis;

// The reply error of `cmd`, or "" when Redis accepted it.
std::string refusal(RedisConnection& c, const std::vector<std::string>& cmd) {
  try {
    c.command(cmd);
    return "";
  } catch (const common::RedisReplyError& e) {
    return e.what();
  }
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

common::RedisConfig anonymous(const PrivateRedis& redis) {
  auto c = redis.config();
  c.user.clear();  // RedisConnection sends no AUTH
  c.password.clear();
  return c;
}

// What an attacker on the machine would try first, and what piket never needs.
const std::vector<std::vector<std::string>> kForbiddenToServices = {
    {"FLUSHALL"},
    {"FLUSHDB"},
    {"CONFIG", "GET", "*"},
    {"CONFIG", "SET", "appendonly", "no"},
    {"CONFIG", "REWRITE"},
    {"SHUTDOWN", "NOSAVE"},
    {"DEBUG", "SLEEP", "0"},
    {"KEYS", "*"},
    {"MONITOR"},
    {"SCRIPT", "FLUSH"},
    {"SCRIPT", "KILL"},
    {"FUNCTION", "FLUSH"},
    {"ACL", "LIST"},
    {"ACL", "SETUSER", "intruder", "on", ">pw", "+@all", "~*"},
    {"MODULE", "LIST"},
    {"REPLICAOF", "127.0.0.1", "1"},
    {"SLAVEOF", "127.0.0.1", "1"},
    {"MIGRATE", "127.0.0.1", "1", store::incident_key("I1"), "0", "100"},
    {"SAVE"},
    {"BGSAVE"},
    {"BGREWRITEAOF"},
    {"SWAPDB", "0", "1"},
    {"SELECT", "1"},
    {"CLIENT", "LIST"},
    {"CLIENT", "KILL", "TYPE", "normal"},
    {"INFO"},
    {"DUMP", store::incident_key("I1")},
    {"RESTORE", "copy", "0", "x"},
    {"RENAME", store::incident_key("I1"), "gone"},
    {"EVAL", "return 1", "0"},
    {"SUBSCRIBE", std::string(store::kClockChanged)},
};

class RedisSecurity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new PrivateRedis("piket-redis-security"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  RedisSecurity() : ops_(redis_->config()) {
    ops_.command({"FLUSHALL"});
    ops_.command({"HSET", store::incident_key("I1"), "body", "synthetic person data"});
  }
  static PrivateRedis* redis_;
  RedisConnection ops_;
};
PrivateRedis* RedisSecurity::redis_ = nullptr;

TEST_F(RedisSecurity, AConnectionWithoutCredentialsIsRefusedEverything) {
  RedisConnection anon(anonymous(*redis_));
  for (const auto& cmd :
       std::vector<std::vector<std::string>>{{"HGETALL", store::incident_key("I1")},
                                             {"GET", "anything"},
                                             {"KEYS", "*"},
                                             {"SCAN", "0"},
                                             {"FLUSHALL"},
                                             {"CONFIG", "GET", "*"},
                                             {"SET", "x", "y"}})
    EXPECT_TRUE(starts_with(refusal(anon, cmd), "NOAUTH")) << cmd[0] << ": " << refusal(anon, cmd);
  EXPECT_EQ(ops_.command({"HGET", store::incident_key("I1"), "body"}).str, "synthetic person data");
  EXPECT_EQ(ops_.command({"EXISTS", "x"}).integer, 0);
}

TEST_F(RedisSecurity, TheDefaultUserCannotBeUsedWithAnyPassword) {
  const common::SecretStore store(redis_->secrets_dir());
  std::vector<std::string> guesses = {"", "default", "nopass", "redis", "piket", "password"};
  for (auto holder : common::kSecretHolders)
    guesses.push_back(store.read(common::secret_file::redis_password(holder)));
  RedisConnection anon(anonymous(*redis_));
  for (const auto& g : guesses) {
    EXPECT_TRUE(starts_with(refusal(anon, {"AUTH", "default", g}), "WRONGPASS")) << g;
    // One-argument AUTH is AUTH as `default`.
    EXPECT_TRUE(starts_with(refusal(anon, {"AUTH", g}), "WRONGPASS")) << g;
  }
  EXPECT_TRUE(starts_with(refusal(anon, {"HGETALL", store::incident_key("I1")}), "NOAUTH"));
  // A service user with another service's password is refused too.
  EXPECT_TRUE(starts_with(refusal(anon, {"AUTH", "notify", guesses.back()}), "WRONGPASS"));
}

// Redis's own users (issue 13): a replica's login may only replicate, a sentinel's only
// watch and reconfigure replication — neither reads or writes a key, runs a script or
// administers anything else.
TEST_F(RedisSecurity, TheReplicationAndSentinelUsersReachNoData) {
  const std::vector<std::vector<std::string>> data = {{"HGETALL", store::incident_key("I1")},
                                                      {"GET", "x"},
                                                      {"SET", "x", "y"},
                                                      {"SCAN", "0"},
                                                      {"EVAL", "return 1", "0"},
                                                      {"FLUSHALL"},
                                                      {"CONFIG", "GET", "*"},
                                                      {"ACL", "LIST"}};
  for (const std::string user : {"replication", "sentinel"}) {
    RedisConnection c(redis_->config_as(user));
    EXPECT_EQ(c.command({"PING"}).str, "PONG") << user;
    for (const auto& cmd : data)
      EXPECT_TRUE(starts_with(refusal(c, cmd), "NOPERM"))
          << user << " may run " << cmd[0] << ": " << refusal(c, cmd);
  }
  RedisConnection replication(redis_->config_as("replication"));
  EXPECT_TRUE(starts_with(refusal(replication, {"INFO"}), "NOPERM"));
  RedisConnection sentinel(redis_->config_as("sentinel"));
  EXPECT_EQ(sentinel.command({"ROLE"}).elements.at(0).str, "master");
  EXPECT_NE(sentinel.command({"INFO", "replication"}).str.find("role:master"), std::string::npos);
  EXPECT_EQ(ops_.command({"HGET", store::incident_key("I1"), "body"}).str, "synthetic person data");
  EXPECT_EQ(ops_.command({"EXISTS", "x"}).integer, 0);
}

TEST_F(RedisSecurity, NoServiceUserMayFlushConfigureEnumerateOrAdminister) {
  ASSERT_EQ(common::redis_service_rules().size(), 6u);
  for (const auto& rules : common::redis_service_rules()) {
    RedisConnection service(redis_->config_as(rules.user));
    ASSERT_EQ(service.command({"PING"}).str, "PONG") << rules.user;
    for (const auto& cmd : kForbiddenToServices) {
      const auto why = refusal(service, cmd);
      // DEBUG and MODULE are switched off for everyone (enable-debug-command no,
      // enable-module-command no): Redis says so before it looks at the ACL.
      const bool off_for_all = (cmd[0] == "DEBUG" || cmd[0] == "MODULE") &&
                               why.find("command not allowed") != std::string::npos;
      EXPECT_TRUE(starts_with(why, "NOPERM") || off_for_all)
          << rules.user << " may run " << cmd[0] << (cmd.size() > 1 ? " " + cmd[1] : "") << ": "
          << (why.empty() ? "accepted" : why);
    }
  }
  // Nothing happened: the data is there, the server runs with its configuration.
  EXPECT_EQ(ops_.command({"HGET", store::incident_key("I1"), "body"}).str, "synthetic person data");
  EXPECT_EQ(ops_.command({"CONFIG", "GET", "appendonly"}).elements.at(1).str, "yes");
  EXPECT_EQ(ops_.command({"EXISTS", "copy"}).integer, 0);
  // …and every refusal is in Redis's ACL log for the operator to see.
  EXPECT_GT(ops_.command({"ACL", "LOG"}).elements.size(), 0u);
}

TEST_F(RedisSecurity, AScriptMayNotDoWhatItsCallerMayNot) {
  // Redis 7 checks every redis.call() of a script against the caller's ACL.
  for (const auto& rules : common::redis_service_rules()) {
    RedisConnection service(redis_->config_as(rules.user));
    // (CONFIG, SHUTDOWN, ACL, MONITOR and the like may not run in a script at all.)
    for (const char* body :
         {"return redis.call('FLUSHALL')", "return redis.call('FLUSHDB')",
          "return redis.call('KEYS', '*')", "return redis.call('RENAME', KEYS[1], 'gone')"}) {
      const common::RedisScript script{body};
      try {
        service.eval(script, {store::incident_key("I1")}, {});
        ADD_FAILURE() << rules.user << " ran " << body;
      } catch (const common::RedisReplyError& e) {
        const std::string why = e.what();
        EXPECT_NE(why.find("user executing the script can't run this command"), std::string::npos)
            << rules.user << ": " << why;
      }
    }
  }
  EXPECT_EQ(ops_.command({"HGET", store::incident_key("I1"), "body"}).str, "synthetic person data");
  EXPECT_EQ(ops_.command({"EXISTS", "gone"}).integer, 0);
}

TEST_F(RedisSecurity, OnlyIngestMayPublishAndOnlyOnTheClockChannel) {
  RedisConnection ingest(redis_->config_as("ingest"));
  EXPECT_EQ(refusal(ingest, {"PUBLISH", std::string(store::kClockChanged), "1"}), "");
  EXPECT_TRUE(starts_with(refusal(ingest, {"PUBLISH", "other", "1"}), "NOPERM"));
  RedisConnection notify(redis_->config_as("notify"));
  EXPECT_TRUE(
      starts_with(refusal(notify, {"PUBLISH", std::string(store::kClockChanged), "1"}), "NOPERM"));
}

TEST_F(RedisSecurity, TheRulesInRedisAreTheTablesRules) {
  // What the launcher rendered is what Redis enforces (ACL GETUSER, as ops).
  for (const auto& rules : common::redis_service_rules()) {
    const auto user = ops_.command({"ACL", "GETUSER", std::string(rules.user)});
    std::string commands;
    for (std::size_t i = 0; i + 1 < user.elements.size(); i += 2)
      if (user.elements[i].str == "commands") commands = user.elements[i + 1].str;
    ASSERT_FALSE(commands.empty()) << rules.user;
    EXPECT_TRUE(starts_with(commands, "-@all")) << rules.user << ": " << commands;
    // Redis describes the rules in its own words (e.g. "+@hash -hscan …" once
    // most of a category is allowed), so ask it whether each command may run:
    // ACL DRYRUN with as many arguments as the command's arity wants.
    for (auto c : rules.commands) {
      const std::string name(c);
      const auto info = ops_.command({"COMMAND", "INFO", name});
      ASSERT_EQ(info.elements.size(), 1u) << name;
      ASSERT_GE(info.elements[0].elements.size(), 2u) << name << " is not a Redis command";
      const long long arity = info.elements[0].elements[1].integer;
      std::vector<std::string> dry{"ACL", "DRYRUN", std::string(rules.user)};
      const auto bar = name.find('|');
      dry.push_back(name.substr(0, bar));
      if (bar != std::string::npos) dry.push_back(name.substr(bar + 1));
      const auto args = static_cast<std::size_t>(arity < 0 ? -arity : arity);
      // PUBLISH names a channel the user may publish on.
      if (name == "publish" && !rules.channels.empty())
        dry.push_back(std::string(rules.channels[0]));
      while (dry.size() - 3 < args) dry.push_back("1");
      EXPECT_EQ(ops_.command(dry).str, "OK") << rules.user << " may not run " << name;
    }
  }
}

// ---------------------------------------------------------------- durability under the ACL

TEST(RedisAclDurability, WhatServicesAndTheirScriptsWroteSurvivesKill9AndRestart) {
  // Redis 7.0 replays the AOF as the `default` user; every script's effects are a MULTI/EXEC
  // there. With a `default` user that may not run them, they were refused at start-up and the
  // data was lost: this proves the shipped ACL keeps it.
  PrivateRedis redis("piket-redis-durable");
  {
    RedisConnection ingest(redis.config_as("ingest"));
    const common::RedisScript accept{R"lua(
redis.call('HSET', KEYS[1], 'status', 'accepted', 'case_id', ARGV[2])
redis.call('RPUSH', KEYS[2], '{"type":"incident_accepted"}')
redis.call('ZADD', KEYS[3], 1, ARGV[1])
redis.call('SET', KEYS[4], ARGV[1])
return 1
)lua"};
    for (int i = 0; i < 20; ++i) {
      const auto incident = "I" + std::to_string(i), case_id = "C" + std::to_string(i);
      ingest.eval(accept,
                  {store::incident_key(incident), store::case_timeline_key(case_id),
                   store::outbox_due_key("dispatch"), store::idempotency_key("police", "R1")},
                  {incident, case_id});
    }
    RedisConnection notify(redis.config_as("notify"));
    notify.command({"HSET", store::delivery_key("P1", "sms"), "state", "accepted"});
  }
  auto check = [&](const char* when) {
    RedisConnection ops(redis.config());
    EXPECT_EQ(ops.command({"ZCARD", store::outbox_due_key("dispatch")}).integer, 20) << when;
    EXPECT_EQ(ops.command({"HGET", store::incident_key("I19"), "case_id"}).str, "C19") << when;
    EXPECT_EQ(ops.command({"LLEN", store::case_timeline_key("C7")}).integer, 1) << when;
    EXPECT_EQ(ops.command({"HGET", store::delivery_key("P1", "sms"), "state"}).str, "accepted")
        << when;
  };
  redis.server().kill9();
  redis.server().start();
  check("after kill -9");
  redis.server().stop();
  redis.server().start();
  check("after a clean restart");
  // A rewritten AOF (base RDB + increments) loads too.
  {
    RedisConnection ops(redis.config());
    ops.command({"BGREWRITEAOF"});
    for (int i = 0; i < 500; ++i) {
      const auto info = ops.command({"INFO", "persistence"}).str;
      if (info.find("aof_rewrite_in_progress:0") != std::string::npos &&
          info.find("aof_rewrite_scheduled:0") != std::string::npos)
        break;
      std::this_thread::sleep_for(10ms);
    }
  }
  redis.server().kill9();
  redis.server().start();
  check("after an AOF rewrite and kill -9");
  std::ifstream in(redis.server().log_path());
  const std::string log{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(log.find("NOPERM"), std::string::npos) << log;
}

// ---------------------------------------------------------------- files

TEST(RedisFiles, DataDirectoryAndEveryFileInItAreOnlyForPiketsUser) {
  test::TempDir dir("piket-redis-files");
  common::ensure_deployment_secrets(dir / "secrets");
  launch::RedisServerConfig cfg{0, dir / "redis"};
  for (auto& u : common::deployment_redis_users(dir / "secrets"))
    cfg.users.push_back({u.name, u.password, u.rules});
  // A log left readable by an older version is made private on start.
  fs::create_directories(dir / "redis");
  { std::ofstream(dir / "redis" / "redis.log") << "old\n"; }
  fs::permissions(dir / "redis" / "redis.log", fs::perms(0644));
  launch::RedisServer server(cfg);
  server.start();
  {
    common::RedisConfig rc{{"127.0.0.1", server.port()}, 2000ms};
    rc.user = "ops";
    rc.password =
        common::SecretStore(dir / "secrets").read(common::secret_file::redis_password("ops"));
    RedisConnection ops(rc);
    ops.command({"HSET", store::incident_key("I1"), "body", "synthetic person data"});
    ops.command({"BGREWRITEAOF"});  // a base RDB file beside the AOF
    for (int i = 0; i < 500; ++i) {
      if (ops.command({"INFO", "persistence"}).str.find("aof_rewrite_in_progress:0") !=
          std::string::npos)
        break;
      std::this_thread::sleep_for(10ms);
    }
    ops.command({"HSET", store::incident_key("I2"), "body", "more"});
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir / "redis")) files.push_back(e.path());
  ASSERT_GE(files.size(), 6u);  // conf, acl, log, appendonlydir, manifest, base, incr
  const auto mode = [](const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  };
  EXPECT_EQ(mode(dir / "redis"), 0700u);
  bool saw_aof = false;
  for (const auto& f : files) {
    EXPECT_EQ(mode(f) & 077, 0u) << f << " is mode " << std::oct << mode(f);
    saw_aof = saw_aof || f.filename().string().find(".aof") != std::string::npos;
  }
  EXPECT_TRUE(saw_aof);
  EXPECT_EQ(mode(dir / "redis" / "users.acl"), 0600u);
  EXPECT_EQ(mode(dir / "redis" / "redis.conf"), 0600u);
  EXPECT_EQ(mode(dir / "redis" / "redis.log"), 0600u);
  EXPECT_EQ(mode(dir / "secrets"), 0700u);

  // And as another local account: `nobody` can read none of it.
  if (::geteuid() == 0 && fs::exists("/usr/sbin/runuser")) {
    for (const auto& f : files) {
      if (fs::is_directory(f)) continue;
      const auto cmd =
          "/usr/sbin/runuser -u nobody -- /bin/cat '" + f.string() + "' >/dev/null 2>&1";
      EXPECT_NE(std::system(cmd.c_str()), 0) << "nobody read " << f;
    }
  }
}

// ---------------------------------------------------------------- memory limit

// The facts of Redis 7.0.15 that piket relies on at maxmemory (docs/data-model.md, "Memory
// limit"): writes are refused, reads are not; a script is refused whole or runs whole.
class RedisFull : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new PrivateRedis("piket-redis-full", 4ULL << 20); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  RedisFull() : ops_(redis_->config()), ingest_(redis_->config_as("ingest")) {
    ops_.command({"FLUSHALL"});
    ops_.command({"SET", "before", "1"});
    filled_ = test::fill_to_maxmemory(ops_);
  }
  ~RedisFull() override { ops_.command({"FLUSHALL"}); }

  long long exists(const std::string& key) { return ops_.command({"EXISTS", key}).integer; }

  static PrivateRedis* redis_;
  RedisConnection ops_;
  RedisConnection ingest_;
  int filled_ = 0;
};
PrivateRedis* RedisFull::redis_ = nullptr;

TEST_F(RedisFull, WritesAreRefusedReadsAnsweredAndTheHealthProbeSaysSo) {
  ASSERT_GT(filled_, 0);
  EXPECT_THROW(ingest_.command({"SET", "x", "1"}), common::RedisFullError);
  EXPECT_THROW(ingest_.command({"HSET", "h", "f", "v"}), common::RedisFullError);
  EXPECT_EQ(ingest_.command({"GET", "before"}).str, "1");
  EXPECT_EQ(common::redis_health_problem(ingest_), std::string(common::kRedisFullProblem));
  // Nothing was evicted (noeviction): every filled key is still there.
  EXPECT_EQ(ops_.command({"DBSIZE"}).integer, filled_ + 1);

  test::free_filled(ops_, filled_);
  EXPECT_EQ(common::redis_health_problem(ingest_), std::nullopt);
  EXPECT_EQ(ingest_.command({"SET", "x", "1"}).str, "OK");
}

TEST_F(RedisFull, AFlaggedScriptIsRefusedUpFrontAndWritesNothing) {
  // `#!lua` without `no-writes`: checked before it runs, whatever it writes first.
  const common::RedisScript script{R"lua(#!lua
redis.call('DEL', 'nothing')
redis.call('HSET', 'a', 'f', 'v')
redis.call('HSET', 'b', 'f', 'v')
return 1
)lua"};
  EXPECT_THROW(ingest_.eval(script, {}, {}), common::RedisFullError);
  EXPECT_EQ(exists("a") + exists("b"), 0);
}

TEST_F(RedisFull, AnUnflaggedScriptIsRefusedAtItsFirstWriteBeforeAnythingIsWritten) {
  const common::RedisScript script{R"lua(
local v = redis.call('GET', 'before')
redis.call('HSET', 'a', 'f', v)
redis.call('RPUSH', 'b', v)
return 1
)lua"};
  EXPECT_THROW(ingest_.eval(script, {}, {}), common::RedisFullError);
  EXPECT_EQ(exists("a") + exists("b"), 0);
}

TEST_F(RedisFull, AnUnflaggedScriptThatHasWrittenOnceRunsWhole) {
  // Its first write does not grow memory (ZREM), so Redis lets it start; from then on it may
  // not stop half-way, and it does not: every later write is applied. Never half-applied.
  const common::RedisScript script{R"lua(
redis.call('ZREM', 'q', 'x')
redis.call('HSET', 'a', 'f', 'v')
redis.call('RPUSH', 'b', 'v')
return 1
)lua"};
  EXPECT_EQ(ingest_.eval(script, {}, {}).integer, 1);
  EXPECT_EQ(exists("a") + exists("b"), 2);
}

TEST_F(RedisFull, AnAllowOomScriptRecordsWhatHappened) {
  const common::RedisScript script{R"lua(#!lua flags=allow-oom
redis.call('HSET', 'a', 'f', 'v')
return 1
)lua"};
  EXPECT_EQ(ingest_.eval(script, {}, {}).integer, 1);
  EXPECT_EQ(exists("a"), 1);
}

}  // namespace
}  // namespace piket
