// The configuration keys of issue 11's families and caseload work:
// [cases] household_link_days and [caseload] monitoring_weight, with their
// defaults and bounds (docs/configuration.md).
#include <gtest/gtest.h>

#include "piket/config/config.hpp"

namespace piket::common {
namespace {

// The whole file is assembled by piket_config; its sections are their owners'.
using config::Config;
using config::load_config;
using config::parse_config;
using rota::ContactChannel;
using rota::PersonConfig;
using rota::StaffRole;

std::string with(const std::string& extra) {
  return "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n" + extra +
         "\n[[regions]]\nid = \"groningen\"\n";
}

TEST(FamiliesConfig, DefaultsAreTwoYearsOfLinkAndAQuarterForMonitoring) {
  const auto c = parse_config(with(""), "t.toml");
  EXPECT_EQ(c.cases.household_link_days, 730);
  EXPECT_DOUBLE_EQ(c.caseload.monitoring_weight, 0.25);
}

TEST(FamiliesConfig, KeysAreReadWithinTheirBounds) {
  const auto c = parse_config(
      with("[cases]\nhousehold_link_days = 0\n[caseload]\nmonitoring_weight = 1\n"), "t.toml");
  EXPECT_EQ(c.cases.household_link_days, 0);
  EXPECT_DOUBLE_EQ(c.caseload.monitoring_weight, 1.0);
  for (const auto* bad :
       {"[cases]\nhousehold_link_days = -1\n", "[cases]\nhousehold_link_days = 3661\n",
        "[caseload]\nmonitoring_weight = 1.5\n", "[caseload]\nmonitoring_weight = -0.1\n",
        "[caseload]\nmonitoring_weight = \"quarter\"\n", "[caseload]\nweight = 0.5\n"}) {
    try {
      parse_config(with(bad), "t.toml");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.find("household_link_days") != std::string::npos ||
                  what.find("caseload.") != std::string::npos)
          << what;
    }
  }
}

}  // namespace
}  // namespace piket::common
