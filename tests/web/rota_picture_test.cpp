// The board's rota view from the configuration's simple rota and run-time
// overrides (pure core of ConfigRotaSource).
#include <gtest/gtest.h>

#include "piket/common/time_format.hpp"
#include "piket/web/config_rota_source.hpp"

namespace piket::web {
namespace {

using common::Instant;
Instant at(const char* s) {
  return *common::parse_rfc3339(s);
}

rota::SimpleRotaConfig rota() {
  rota::SimpleRotaConfig r;
  r.region = "groningen";
  r.primary = {"anna", "bert", "carla"};
  r.anchor = at("2026-11-01T07:00:00Z");
  r.shift = std::chrono::hours{24};
  r.team_lead = "tina";
  return r;
}

TEST(RotaPicture, OnCallNowAndTheNextHandoffs) {
  const auto r = rota();
  const auto p = ConfigRotaSource::compute(&r, {}, at("2026-11-22T12:00:00Z"), 14);
  // 21 days after the anchor: 21 mod 3 = 0 -> anna, until 23 Nov 07:00.
  ASSERT_EQ(p.now.size(), 2u);
  EXPECT_EQ(p.now[0].layer, "primary");
  EXPECT_EQ(p.now[0].people, std::vector<std::string>{"anna"});
  EXPECT_EQ(p.now[0].until, at("2026-11-23T07:00:00Z"));
  EXPECT_EQ(p.now[1].people, std::vector<std::string>{"tina"});
  ASSERT_GE(p.handoffs.size(), 2u);
  EXPECT_EQ(p.handoffs[0].person, "anna");
  EXPECT_FALSE(p.handoffs[0].goes_on);
  EXPECT_EQ(p.handoffs[1].person, "bert");
  EXPECT_TRUE(p.handoffs[1].goes_on);
  EXPECT_TRUE(p.gaps.empty());
}

TEST(RotaPicture, ASicknessOverrideReplacesThePersonInItsWindow) {
  const auto r = rota();
  RotaOverride o;
  o.id = "O1";
  o.region = "groningen";
  o.reason = "sickness";
  o.person = "carla";
  o.replaces = "anna";
  o.start = at("2026-11-22T10:00:00Z");
  o.end = at("2026-11-26T10:00:00Z");
  const auto p = ConfigRotaSource::compute(&r, {o}, at("2026-11-22T12:00:00Z"), 14);
  EXPECT_EQ(p.now[0].people, std::vector<std::string>{"carla"});
  ASSERT_EQ(p.overrides.size(), 1u);
  // Anna's next own shift (25 Nov) is covered by carla too.
  bool anna_on_in_window = false;
  for (const auto& h : p.handoffs)
    if (h.person == "anna" && h.goes_on && h.at < o.end) anna_on_in_window = true;
  EXPECT_FALSE(anna_on_in_window);
}

TEST(RotaPicture, ARegionWithoutARotaIsOneLongGap) {
  const auto p = ConfigRotaSource::compute(nullptr, {}, at("2026-11-22T12:00:00Z"), 14);
  ASSERT_EQ(p.gaps.size(), 2u);
  EXPECT_EQ(p.gaps[0].until - p.gaps[0].from, std::chrono::days{14});
  EXPECT_TRUE(p.now[0].people.empty());
}

TEST(RotaPicture, OverridesRoundTripThroughTheRotaLibrarysForm) {
  RotaOverride o{"O9",
                 "groningen",
                 "primary",
                 "sickness",
                 "bert",
                 "anna",
                 at("2026-11-22T10:00:00Z"),
                 at("2026-11-23T10:00:00Z"),
                 "tina",
                 at("2026-11-22T09:00:00Z")};
  const auto r = to_rota(o);
  EXPECT_EQ(r.kind, rota::OverrideKind::replace);
  EXPECT_EQ(r.window.end, o.end);
  const auto back = from_rota(r);
  EXPECT_EQ(back.person, "bert");
  EXPECT_EQ(back.replaces, "anna");
  EXPECT_EQ(back.start, o.start);
  // Ids sort in the order overrides were set.
  EXPECT_LT(new_override_id(at("2026-11-22T10:00:00Z")),
            new_override_id(at("2026-11-22T10:00:01Z")));
}

}  // namespace
}  // namespace piket::web
