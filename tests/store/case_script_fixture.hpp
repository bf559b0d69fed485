#pragma once
// A case's scripts against a real redis-server (label redis), run as the Redis
// users that run them ("cases"; "web" loads cases in-process): one open case
// C1 with a timeline entry and one timer, and what a test reads back — the
// timeline's length and every timer with its due time. For the scripts that
// write a record of a case (cases_agreement.lua, cases_track.lua).

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/case_scripts.hpp"
#include "piket/store/lua.hpp"
#include "private_redis.hpp"

namespace piket::store::test {

class CaseScriptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-case-script-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  // Case C1, opened at 1000 ms, with one timeline entry and the timer `timer` due at 5000.
  void open_case(const std::string& timer) {
    ops_.command({"FLUSHALL"});
    ops_.command({"HSET", case_key("C1"), "state", "open", "region", "groningen", "opened_at",
                  "1000", "last_activity_at", "1000"});
    ops_.command({"RPUSH", case_timeline_key("C1"), R"({"type":"registered"})"});
    ops_.command({"SET", case_timers_key("C1"), timer});
    ops_.command({"ZADD", std::string(kDeadlinesDue), "5000", timer});
  }
  std::optional<LoadedCase> load(common::RedisConnection& as) {
    static const common::RedisScript script{std::string(lua::cases_load())};
    return parse_loaded_case(as.eval(script, {}, CaseLoadArgs{"C1"}.args()));
  }
  long long timeline_length() { return ops_.command({"LLEN", case_timeline_key("C1")}).integer; }
  std::map<std::string, std::string> due() {
    const auto r = ops_.command({"ZRANGE", std::string(kDeadlinesDue), "0", "-1", "WITHSCORES"});
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
      out[r.elements[i].str] = r.elements[i + 1].str;
    return out;
  }

  static inline piket::test::PrivateRedis* redis_ = nullptr;
  common::RedisConnection ops_{redis_->config()};
  common::RedisConnection cases_{redis_->config_as("cases")};
  common::RedisConnection web_{redis_->config_as("web")};
};

}  // namespace piket::store::test
