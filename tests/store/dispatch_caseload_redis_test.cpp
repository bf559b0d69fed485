// dispatch_caseload (store/lua/dispatch/dispatch_caseload.lua) run directly against a real
// redis-server (label redis), with the argument RedisCaseload::load passes
// (services/dispatch/src/redis_caseload.cpp), as the Redis users of both services that run
// it: piket-dispatch (the rota's selection) and piket-web (the board's caseload counts).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/lua.hpp"
#include "private_redis.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;
using common::RedisScript;

class DispatchCaseloadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-caseload-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
};
test::PrivateRedis* DispatchCaseloadTest::redis_ = nullptr;

// {open cases in caseload:{person}, of which in cases:monitoring, absent since, until}; a
// person without a caseload is {0, 0}, one without an absence has nil for both; nothing is
// written.
TEST_F(DispatchCaseloadTest, CountsThePersonsCasesAndThoseInMonitoring) {
  const RedisScript caseload{std::string(lua::dispatch_caseload())};
  ops_.command({"SADD", caseload_key("alice"), "C0000001", "C0000002", "C0000003"});
  ops_.command({"SADD", caseload_key("bob"), "C0000004"});
  ops_.command(
      {"SADD", std::string(kCasesMonitoring), "C0000002", "C0000003", "C0000004", "C0000009"});

  for (const auto* user : {"dispatch", "web"}) {
    SCOPED_TRACE(user);
    RedisConnection as{redis_->config_as(user)};
    auto r = as.eval(caseload, {}, {"alice"});
    ASSERT_EQ(r.elements.size(), 4u);
    EXPECT_EQ(r.elements[0].integer, 3);
    EXPECT_EQ(r.elements[1].integer, 2);

    r = as.eval(caseload, {}, {"bob"});
    ASSERT_EQ(r.elements.size(), 4u);
    EXPECT_EQ(r.elements[0].integer, 1);
    EXPECT_EQ(r.elements[1].integer, 1);

    r = as.eval(caseload, {}, {"nobody"});
    ASSERT_EQ(r.elements.size(), 4u);
    EXPECT_EQ(r.elements[0].integer, 0);
    EXPECT_EQ(r.elements[1].integer, 0);
  }
  EXPECT_EQ(test::all_keys(ops_),
            (std::vector<std::string>{caseload_key("alice"), caseload_key("bob"),
                                      std::string(kCasesMonitoring)}));
}

// The absence cases_absence.lua records comes with the caseload: since and until as
// stored (domain ms), nil for what is not recorded; deciding "absent now" is the caller's.
TEST_F(DispatchCaseloadTest, GivesThePersonsRecordedAbsence) {
  const RedisScript caseload{std::string(lua::dispatch_caseload())};
  ops_.command({"SADD", caseload_key("alice"), "C0000001"});
  ops_.command({"HSET", person_absence_key("alice"), "since", "5000", "by", "tl-1"});
  ops_.command({"HSET", person_absence_key("bob"), "since", "5000", "until", "9000"});
  for (const auto* user : {"dispatch", "web"}) {
    SCOPED_TRACE(user);
    RedisConnection as{redis_->config_as(user)};
    auto r = as.eval(caseload, {}, {"alice"});
    ASSERT_EQ(r.elements.size(), 4u);
    EXPECT_EQ(r.elements[0].integer, 1);
    EXPECT_EQ(r.elements[2].str, "5000");
    EXPECT_TRUE(r.elements[3].is_nil()) << "open-ended";
    r = as.eval(caseload, {}, {"bob"});
    ASSERT_EQ(r.elements.size(), 4u);
    EXPECT_EQ(r.elements[0].integer, 0);
    EXPECT_EQ(r.elements[2].str, "5000");
    EXPECT_EQ(r.elements[3].str, "9000");
    r = as.eval(caseload, {}, {"carla"});
    ASSERT_EQ(r.elements.size(), 4u);
    EXPECT_TRUE(r.elements[2].is_nil());
    EXPECT_TRUE(r.elements[3].is_nil());
  }
}

}  // namespace
}  // namespace piket::store
