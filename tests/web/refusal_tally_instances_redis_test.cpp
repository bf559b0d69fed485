// Two web instances writing the refusal tally to the audit trail, on one real redis-server
// (label `redis`; docs/availability.md, "Two instances of every service"). Each instance counts
// the requests it refused without a session; when the minute has ended both flush at the same
// moment: each address gets exactly one audit line with the sum of both instances' counts, in
// one intact chain. An instance that dies halfway through a minute leaves the lines it did not
// write; once its claim has run out the other instance writes those, and only those.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "instances.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/store/audit.hpp"
#include "piket/store/session.hpp"
#include "piket/web/audit_log.hpp"
#include "piket/web/refusal_tally.hpp"
#include "private_redis.hpp"

namespace piket::web {
namespace {

using ::piket::test::PrivateRedis;
using namespace std::chrono_literals;
constexpr int kAddresses = 40;

std::string address(int k) {
  return "10.0." + std::to_string(k / 200) + "." + std::to_string(k % 200);
}

class RefusalTallyInstances : public ::testing::Test {
 protected:
  struct Instance {
    Instance(const common::RedisConfig& redis, const common::Clock& transport,
             const common::Clock& domain)
        : pool(redis), audit(pool, transport, domain), tally(pool, transport, audit) {}
    common::RedisPool pool;
    AuditLog audit;
    RefusalTally tally;
  };
  RefusalTallyInstances() {
    for (int i = 0; i < 2; ++i)
      instances_.push_back(std::make_unique<Instance>(redis_.config_as("web"), clock_, clock_));
  }

  // Instance 0 refused k + 1 requests from address k, instance 1 two from each.
  void count_refusals() {
    for (int k = 0; k < kAddresses; ++k) {
      for (int n = 0; n <= k; ++n) instances_[0]->tally.count(address(k));
      for (int n = 0; n < 2; ++n) instances_[1]->tally.count(address(k));
    }
    for (auto& in : instances_) EXPECT_EQ(in->tally.flush(), 0u);  // the minute runs
    clock_.advance(1min);
  }
  // The tally's audit lines: address -> the counts written for it.
  std::map<std::string, std::vector<long long>> tally_lines() {
    std::map<std::string, std::vector<long long>> out;
    for (const auto& l :
         ops_.command({"LRANGE", std::string(store::kAuditLog), "0", "-1"}).elements) {
      const auto o = boost::json::parse(l.str.substr(l.str.find(' ') + 1)).as_object();
      if (o.at("action").as_string() != "unauthenticated") continue;
      const std::string reason(o.at("reason").as_string());
      out[std::string(o.at("from").as_string())].push_back(
          std::stoll(reason.substr(0, reason.find(' '))));
    }
    return out;
  }

  PrivateRedis redis_{"piket-refusal-inst"};
  common::RedisConnection ops_{redis_.config()};
  common::SimulatedClock clock_{common::from_epoch_ms(1924992000000)};
  std::vector<std::unique_ptr<Instance>> instances_;
};

TEST_F(RefusalTallyInstances, BothInstancesFlushingAtOnceWriteEachAddressOnceWithTheSum) {
  count_refusals();
  std::vector<std::size_t> written(2);
  test::race(2, [&](int i) {
    written[static_cast<std::size_t>(i)] = instances_[static_cast<std::size_t>(i)]->tally.flush();
  });
  EXPECT_EQ(written[0] + written[1], static_cast<std::size_t>(kAddresses));
  const auto lines = tally_lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kAddresses));
  for (int k = 0; k < kAddresses; ++k)
    EXPECT_EQ(lines.at(address(k)), (std::vector<long long>{k + 1 + 2})) << address(k);
  EXPECT_TRUE(verify_audit_log(ops_).ok());
  // The minute is done: nothing left, nothing written again.
  EXPECT_EQ(ops_.command({"ZCARD", std::string(store::kUnauthMinutes)}).integer, 0);
  for (auto& in : instances_) EXPECT_EQ(in->tally.flush(), 0u);
}

// A web process claims the minute, writes some of its lines (through the same script) and dies.
// While its claim lasts nobody writes the minute; when it has run out, the other process writes
// the remaining lines — the sum of the other addresses — and none of the written ones again.
TEST_F(RefusalTallyInstances, AMinuteLeftHalfWrittenByADeadInstanceIsFinishedOnceAfterItsClaim) {
  count_refusals();
  const auto minute = std::to_string(common::to_epoch_ms(clock_.now() - 1min) / 60000);
  const auto key = store::unauth_minute_key(minute);
  const auto claim = store::unauth_minute_writing_key(minute);
  {
    // The dying process: its claim, then the lines of the first ten addresses.
    common::RedisPool pool(redis_.config_as("web"));
    AuditLog audit(pool, clock_, clock_);
    ASSERT_FALSE(pool.lease()->command({"SET", claim, "dead", "NX", "PX", "60000"}).is_nil());
    for (int k = 0; k < 10; ++k) {
      AuditRecord r;
      r.who = "-";
      r.role = "-";
      r.action = "unauthenticated";
      r.target = "minute " + minute;
      r.outcome = "refused";
      r.reason = std::to_string(k + 3) + " requests refused without a session";
      r.from = address(k);
      ASSERT_TRUE(audit.append(r, {key, address(k), k + 3}));
    }
  }
  EXPECT_EQ(instances_[1]->tally.flush(), 0u) << "the claim still runs";
  // Redis's expiry of the claim (60 s), without waiting a minute.
  ops_.command({"PEXPIRE", claim, "1"});
  while (ops_.command({"EXISTS", claim}).integer == 1) {
  }
  std::vector<std::size_t> written(2);
  test::race(2, [&](int i) {
    written[static_cast<std::size_t>(i)] = instances_[static_cast<std::size_t>(i)]->tally.flush();
  });
  EXPECT_EQ(written[0] + written[1], static_cast<std::size_t>(kAddresses - 10));
  const auto lines = tally_lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kAddresses));
  for (int k = 0; k < kAddresses; ++k)
    EXPECT_EQ(lines.at(address(k)), (std::vector<long long>{k + 3})) << address(k);
  EXPECT_TRUE(verify_audit_log(ops_).ok());
  EXPECT_EQ(ops_.command({"EXISTS", key}).integer, 0);
}

}  // namespace
}  // namespace piket::web
