// How a Redis node of a Sentinel deployment starts (deploy/launch node_start_role.hpp): the
// rule on what the sentinels answered, the arguments given to redis-server, and the parsing of
// piket-redis-start's addresses. No servers (label unit); the same rule against real sentinels
// is in tests/cluster/node_start_test.cpp.
#include "piket/launch/node_start_role.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <vector>

namespace piket::launch {
namespace {

using namespace std::chrono_literals;
using Kind = StartRole::Kind;

const common::HostPort kSelf{"10.20.0.11", 6390};
const common::HostPort kOther{"10.20.0.12", 6390};

SentinelView names(common::HostPort primary, bool failing_over = false,
                   std::chrono::milliseconds since_ping = 300ms) {
  return {std::move(primary), failing_over, since_ping, 5000ms};
}

TEST(NodeStartRole, FewerSentinelsThanTheQuorumAnsweringStartsAsConfigured) {
  const auto r = decide_start_role(kSelf, {names(kSelf), std::nullopt, std::nullopt}, 2);
  EXPECT_EQ(r.kind, Kind::as_configured);
  EXPECT_NE(r.why.find("1 of 3 sentinels answer"), std::string::npos) << r.why;
}

TEST(NodeStartRole, AQuorumNamingAnotherNodeMakesThisOneItsReplica) {
  // One sentinel has not seen the failover yet: the two that have decide.
  const auto r = decide_start_role(kSelf, {names(kSelf), names(kOther), names(kOther)}, 2);
  ASSERT_EQ(r.kind, Kind::replica);
  EXPECT_EQ(r.primary.host, kOther.host);
  EXPECT_EQ(r.primary.port, kOther.port);
}

TEST(NodeStartRole, NamedAndCalmThisNodeStartsAsThePrimary) {
  const auto r = decide_start_role(kSelf, {names(kSelf), names(kSelf), std::nullopt}, 2);
  EXPECT_EQ(r.kind, Kind::primary);
}

TEST(NodeStartRole, NamedButFailingOverAwayFromItThisNodeWaits) {
  const auto r = decide_start_role(kSelf, {names(kSelf), names(kSelf, true), names(kSelf)}, 2);
  EXPECT_EQ(r.kind, Kind::wait);
}

TEST(NodeStartRole, NamedButUnansweredForOverHalfTheDownAfterThisNodeWaits) {
  // 2.6 s without a reply at a down-after of 5 s: a failover may start before it answers.
  auto r = decide_start_role(kSelf, {names(kSelf), names(kSelf, false, 2600ms), names(kSelf)}, 2);
  EXPECT_EQ(r.kind, Kind::wait);
  // 2.4 s: it will answer in time.
  r = decide_start_role(kSelf, {names(kSelf), names(kSelf, false, 2400ms), names(kSelf)}, 2);
  EXPECT_EQ(r.kind, Kind::primary);
}

TEST(NodeStartRole, SentinelsThatDoNotAgreeMakeItWait) {
  const common::HostPort third{"10.20.0.13", 6390};
  const auto r = decide_start_role(kSelf, {names(kSelf), names(kOther), names(third)}, 2);
  EXPECT_EQ(r.kind, Kind::wait);
}

TEST(NodeStartRole, RedisServerGetsTheRoleAfterItsOwnArguments) {
  EXPECT_EQ(redis_server_role_args({Kind::replica, kOther, ""}),
            (std::vector<std::string>{"--replicaof", "10.20.0.12", "6390"}));
  EXPECT_EQ(redis_server_role_args({Kind::primary, kSelf, ""}),
            (std::vector<std::string>{"--replicaof", "no", "one"}));
  EXPECT_TRUE(redis_server_role_args({Kind::as_configured, {}, ""}).empty());
}

TEST(NodeStartRole, AddressesAreHostColonPort) {
  const auto a = parse_host_port("10.20.0.11:26390");
  EXPECT_EQ(a.host, "10.20.0.11");
  EXPECT_EQ(a.port, 26390);
  for (const char* bad : {"10.20.0.11", ":6390", "host:", "host:0", "host:65536", "host:63a"})
    EXPECT_THROW(parse_host_port(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace piket::launch
