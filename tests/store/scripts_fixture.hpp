#pragma once
// What the store's script tests share: one private redis-server per suite
// (flushed before each test), an "ops" connection that seeds and inspects,
// and the readers the assertions use. A suite derives as
//   class XScriptsTest : public test::ScriptsFixture<XScriptsTest> {
//    public: static constexpr const char* kServer = "piket-x-scripts"; …
// and runs its scripts on connections of its own, as the services' users
// (redis_->config_as("<service>")).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "private_redis.hpp"

namespace piket::test {

inline std::string n(long long v) {
  return std::to_string(v);
}

template <class Suite>
class ScriptsFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new PrivateRedis(Suite::kServer); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  std::string hget(const std::string& key, std::string_view field) {
    return ops_.command({"HGET", key, field}).str;
  }
  bool hexists(const std::string& key, std::string_view field) {
    return ops_.command({"HEXISTS", key, field}).integer == 1;
  }
  bool exists(const std::string& key) { return ops_.command({"EXISTS", key}).integer == 1; }
  std::optional<std::string> zscore(std::string_view key, const std::string& member) {
    return ops_.command({"ZSCORE", key, member}).opt_string();
  }
  // The case's timeline, oldest first (the suites' case is C12345678).
  std::vector<boost::json::object> timeline(const std::string& case_id = "C12345678") {
    std::vector<boost::json::object> out;
    for (const auto& e :
         ops_.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements)
      out.push_back(boost::json::parse(e.str).as_object());
    return out;
  }

  inline static PrivateRedis* redis_ = nullptr;
  common::RedisConnection ops_{redis_->config()};
};

}  // namespace piket::test
