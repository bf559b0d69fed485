// The board's rota view from the rota file and run-time overrides (the pure
// core of FileRotaSource).
#include <gtest/gtest.h>

#include "piket/common/time_format.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/web/file_rota_source.hpp"
#include "small_rota.hpp"

namespace piket::web {
namespace {

using common::Instant;
Instant at(const char* s) {
  return *common::parse_rfc3339(s);
}

rota::PersonConfig person(std::string id, rota::StaffRole role = rota::StaffRole::casemanager) {
  rota::PersonConfig p;
  p.id = std::move(id);
  p.role = role;
  p.regions = {"groningen"};
  return p;
}

// anna, bert and carla a day each from 1 November 08:00 Amsterdam (07:00Z),
// team lead tina; no backup layer.
rota::RotaDefinition rota() {
  const std::vector<rota::PersonConfig> people{person("anna"), person("bert"), person("carla"),
                                               person("tina", rota::StaffRole::team_lead)};
  return rota::parse_rota_file(
      ::piket::test::small_rota_file(
          {.primary = {"anna", "bert", "carla"}, .team_lead = "tina", .start = "2026-11-01"}),
      "rota.toml", people);
}

TEST(RotaPicture, OnCallNowAndTheNextHandoffs) {
  const auto p = FileRotaSource::compute(rota(), {}, "groningen", at("2026-11-22T12:00:00Z"), 14);
  // 21 days after the start: 21 mod 3 = 0 -> anna, until 23 Nov 07:00Z.
  ASSERT_EQ(p.now.size(), 3u);
  EXPECT_EQ(p.now[0].layer, "primary");
  EXPECT_EQ(p.now[0].people, std::vector<std::string>{"anna"});
  EXPECT_EQ(p.now[0].until, at("2026-11-23T07:00:00Z"));
  EXPECT_EQ(p.now[1].layer, "backup");
  EXPECT_TRUE(p.now[1].people.empty());
  EXPECT_EQ(p.now[2].layer, "team_lead");
  EXPECT_EQ(p.now[2].people, std::vector<std::string>{"tina"});
  ASSERT_GE(p.handoffs.size(), 2u);
  EXPECT_EQ(p.handoffs[0].person, "anna");
  EXPECT_FALSE(p.handoffs[0].goes_on);
  EXPECT_EQ(p.handoffs[1].person, "bert");
  EXPECT_TRUE(p.handoffs[1].goes_on);
  EXPECT_EQ(p.handoffs[1].at, at("2026-11-23T07:00:00Z"));
  // Primary and team lead are covered; the layer the file leaves out is a gap.
  ASSERT_EQ(p.gaps.size(), 1u);
  EXPECT_EQ(p.gaps[0].layer, "backup");
}

TEST(RotaPicture, ASicknessOverrideReplacesThePersonInItsWindow) {
  RotaOverride o;
  o.id = "O1";
  o.region = "groningen";
  o.reason = "sickness";
  o.person = "carla";
  o.replaces = "anna";
  o.start = at("2026-11-22T10:00:00Z");
  o.end = at("2026-11-26T10:00:00Z");
  const auto p = FileRotaSource::compute(rota(), {o}, "groningen", at("2026-11-22T12:00:00Z"), 14);
  EXPECT_EQ(p.now[0].people, std::vector<std::string>{"carla"});
  ASSERT_EQ(p.overrides.size(), 1u);
  // Anna's next own shift (25 Nov) is covered by carla too.
  bool anna_on_in_window = false;
  for (const auto& h : p.handoffs)
    if (h.person == "anna" && h.goes_on && h.at < o.end) anna_on_in_window = true;
  EXPECT_FALSE(anna_on_in_window);
}

TEST(RotaPicture, ARegionWithoutARotaIsOneLongGap) {
  const auto p = FileRotaSource::compute(rota(), {}, "drenthe", at("2026-11-22T12:00:00Z"), 14);
  ASSERT_EQ(p.gaps.size(), 3u);  // primary, backup and team_lead
  for (const auto& g : p.gaps) EXPECT_EQ(g.until - g.from, std::chrono::days{14}) << g.layer;
  ASSERT_EQ(p.now.size(), 3u);
  EXPECT_EQ(p.now[0].layer, "primary");
  EXPECT_TRUE(p.now[0].people.empty());
  EXPECT_TRUE(p.handoffs.empty());
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
