// Validation keeps the partner's UTC offsets of a home ban's two times: the
// acceptance script counts the ban's 28 days from its FIRST start on the
// wall clock in those offsets (common/ban_script.hpp), the same rule as for
// a single incident across the end of daylight saving time.
#include <gtest/gtest.h>

#include "piket/ingest/validation.hpp"

namespace piket::ingest {
namespace {

TEST(HomeBanOffsets, ValidationKeepsThePartnersOffsetsOfStartAndEnd) {
  const auto r = validate_incident(
      R"({"reference":"R-1","kind":"home_ban_extended","region":"groningen",)"
      R"("reported_at":"2026-10-20T09:00:00+02:00","household":"hh-1",)"
      R"("home_ban":{"starts_at":"2026-10-20T10:00:00+02:00","ends_at":"2026-11-07T10:00:00Z"}})",
      RegionSet{"groningen"});
  ASSERT_TRUE(std::holds_alternative<IncidentRequest>(r)) << std::get<common::ApiRefusal>(r).field;
  const auto& ban = *std::get<IncidentRequest>(r).home_ban;
  EXPECT_EQ(ban.starts_offset, std::chrono::minutes{120});
  EXPECT_EQ(ban.ends_offset, std::chrono::minutes{0});
  const auto west = validate_incident(
      R"({"reference":"R-2","kind":"home_ban","region":"groningen",)"
      R"("reported_at":"2026-10-20T09:00:00-03:30","household":"hh-1",)"
      R"("home_ban":{"starts_at":"2026-10-20T10:00:00-03:30","ends_at":"2026-10-27T10:00:00+01:00"}})",
      RegionSet{"groningen"});
  ASSERT_TRUE(std::holds_alternative<IncidentRequest>(west));
  EXPECT_EQ(std::get<IncidentRequest>(west).home_ban->starts_offset, std::chrono::minutes{-210});
  EXPECT_EQ(std::get<IncidentRequest>(west).home_ban->ends_offset, std::chrono::minutes{60});
}

}  // namespace
}  // namespace piket::ingest
