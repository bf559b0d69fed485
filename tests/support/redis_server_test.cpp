// Integration tests (label redis;kannel): a private redis-server, its AOF across kill -9.

#include "piket/launch/redis_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "piket/launch/ports.hpp"
#include "temp_dir.hpp"

namespace piket::launch {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using piket::test::TempDir;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Context connect(std::uint16_t port) {
  timeval tv{2, 0};
  Context c(redisConnectWithTimeout("127.0.0.1", port, tv));
  if (!c || c->err) throw std::runtime_error("cannot connect to redis on " + std::to_string(port));
  return c;
}

Reply command(redisContext* c, const char* fmt, const std::string& a = {},
              const std::string& b = {}) {
  return Reply(static_cast<redisReply*>(redisCommand(c, fmt, a.c_str(), b.c_str())));
}

std::optional<std::string> get(std::uint16_t port, const std::string& key) {
  auto c = connect(port);
  auto r = command(c.get(), "GET %s", key);
  if (!r || r->type != REDIS_REPLY_STRING) return std::nullopt;
  return std::string(r->str, r->len);
}

std::string config_get(std::uint16_t port, const std::string& name) {
  auto c = connect(port);
  auto r = command(c.get(), "CONFIG GET %s", name);
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return "<none>";
  return std::string(r->element[1]->str, r->element[1]->len);
}

TEST(RedisIntegration, AcknowledgedWriteSurvivesKill9) {
  TempDir dir("piket-redis");
  RedisServer redis({0, dir / "redis"});
  ASSERT_GT(redis.port(), 0);
  const auto t0 = Clock::now();
  redis.start();
  std::cout << "[ timing   ] redis start " << (Clock::now() - t0) / 1ms << " ms\n";
  ASSERT_TRUE(redis.running());
  EXPECT_TRUE(redis_ping(redis.port(), 1s));

  // The rendered config is what the server runs with.
  EXPECT_EQ(config_get(redis.port(), "appendonly"), "yes");
  EXPECT_EQ(config_get(redis.port(), "appendfsync"), "always");
  EXPECT_EQ(config_get(redis.port(), "save"), "");
  EXPECT_EQ(config_get(redis.port(), "bind"), "127.0.0.1");
  EXPECT_EQ(config_get(redis.port(), "dir"), (dir / "redis").string());

  {
    auto c = connect(redis.port());
    auto r = command(c.get(), "SET %s %s", "piket:test", "acknowledged value");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->type, REDIS_REPLY_STATUS);
    EXPECT_STREQ(r->str, "OK");
  }

  const pid_t old_pid = redis.pid();
  redis.kill9();
  EXPECT_FALSE(redis.running());
  ASSERT_TRUE(redis.process().exit_status().has_value());
  EXPECT_EQ(*redis.process().exit_status(), (ExitStatus{true, SIGKILL}));
  EXPECT_FALSE(redis_ping(redis.port(), 200ms));

  redis.restart();
  EXPECT_NE(redis.pid(), old_pid);
  EXPECT_EQ(get(redis.port(), "piket:test"), std::optional<std::string>("acknowledged value"));

  const auto t1 = Clock::now();
  redis.stop();
  std::cout << "[ timing   ] redis stop " << (Clock::now() - t1) / 1ms << " ms\n";
  EXPECT_FALSE(redis.running());
  EXPECT_EQ(redis.process().exit_status(), (ExitStatus{false, 0}));
  EXPECT_FALSE(redis_ping(redis.port(), 200ms));
}

TEST(RedisIntegration, ExplicitPortAndFilesInDataDir) {
  TempDir dir("piket-redis");
  const std::uint16_t port = free_tcp_port();
  RedisServer redis({port, dir / "data"});
  EXPECT_EQ(redis.port(), port);
  redis.start();
  EXPECT_TRUE(redis_ping(port, 1s));
  EXPECT_TRUE(std::filesystem::exists(dir / "data/redis.conf"));
  EXPECT_TRUE(std::filesystem::exists(dir / "data/redis.log"));
  EXPECT_TRUE(std::filesystem::is_directory(dir / "data/appendonlydir"));
  redis.start();  // no-op while running
  EXPECT_TRUE(redis.running());
}

TEST(RedisIntegration, StartFailsWhenThePortIsTaken) {
  TempDir dir("piket-redis");
  const std::uint16_t port = free_tcp_port();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);  // answers connects, never PONG

  RedisServer redis({port, dir / "redis"});
  try {
    redis.start(5s);
    FAIL() << "start() should have thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("redis-server exited"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(redis.running());
  ::close(fd);
}

TEST(RedisIntegration, PingIsFalseForANonRedisListener) {
  const std::uint16_t port = free_tcp_port();
  EXPECT_FALSE(redis_ping(port, 200ms));
}

}  // namespace
}  // namespace piket::launch
