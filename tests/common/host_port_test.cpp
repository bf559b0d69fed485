// common::parse_host_port, the one "HOST:PORT" parser (label unit).
#include "piket/common/host_port.hpp"

#include <gtest/gtest.h>

#include <string>

namespace piket::common {
namespace {

TEST(HostPort, SplitsAtTheLastColon) {
  const auto a = parse_host_port("10.20.0.11:26390");
  ASSERT_TRUE(a.address) << a.problem;
  EXPECT_EQ(a.address->host, "10.20.0.11");
  EXPECT_EQ(a.address->port, 26390);
  EXPECT_TRUE(a.problem.empty());

  const auto named = parse_host_port("sentinel-b:1");
  ASSERT_TRUE(named.address);
  EXPECT_EQ(named.address->host, "sentinel-b");
  EXPECT_EQ(named.address->port, 1);

  const auto v6 = parse_host_port("[::1]:65535");
  ASSERT_TRUE(v6.address);
  EXPECT_EQ(v6.address->host, "[::1]");
  EXPECT_EQ(v6.address->port, 65535);
}

TEST(HostPort, BadInputSaysWhatIsWrongAndGivesNoAddress) {
  for (const char* bad : {"10.20.0.11", ":6390", "host:", ""}) {
    const auto p = parse_host_port(bad);
    EXPECT_FALSE(p.address) << bad;
    EXPECT_EQ(p.problem, "must be HOST:PORT") << bad;
  }
  for (const char* bad : {"host:0", "host:65536", "host:70000", "host:63a", "host:-1", "host:+80",
                          "host: 80", "host:99999999999999999999"}) {
    const auto p = parse_host_port(bad);
    EXPECT_FALSE(p.address) << bad;
    EXPECT_EQ(p.problem, "port must be 1-65535") << bad;
  }
}

}  // namespace
}  // namespace piket::common
