// Overrides: replace, add, remove; straddling a handoff; order; run-time ones
// after the file's.
#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

using People = std::vector<std::string>;

// Weekly primary anna, bram; handoff Monday 2 March 2026 08:00 CET (07:00Z).
RotaDefinition weekly() {
  return one_layer({rotation({"anna", "bram"}, ShiftLength::weeks(1), 8h, ymd(2026, 2, 23))});
}

Override make(OverrideKind kind, std::string person, std::string replaces, TimeRange window,
              std::string id = "o") {
  return Override{std::move(id),       "g",   "primary", kind, std::move(person),
                  std::move(replaces), window};
}

std::vector<std::pair<TimeRange, People>> pieces(const Rota& rota, TimeRange r) {
  std::vector<std::pair<TimeRange, People>> out;
  for (const auto& s : rota.timeline("primary", "g", r)) out.emplace_back(s.range(), s.people);
  return out;
}

const TimeRange kAround = range("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z");
const TimeRange kHorizon = range("2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z");

// One window rule for every API that sets an override (dispatch's rota API
// and the web app used to differ: 90 and 92 days).
TEST(RotaOverrides, TheWindowRuleIsOneForEveryApi) {
  const auto t0 = common::from_epoch_ms(1795420800000);
  const auto day = std::chrono::days{1};
  EXPECT_EQ(check_override_window({t0, t0}, t0 - day), OverrideWindowProblem::empty);
  EXPECT_EQ(check_override_window({t0, t0 - day}, t0 - 2 * day), OverrideWindowProblem::empty);
  EXPECT_FALSE(check_override_window({t0, t0 + 90 * day}, t0).has_value());
  EXPECT_EQ(check_override_window({t0, t0 + 90 * day + std::chrono::milliseconds{1}}, t0),
            OverrideWindowProblem::too_long);
  EXPECT_EQ(check_override_window({t0 - 2 * day, t0 - day}, t0), OverrideWindowProblem::in_past);
  EXPECT_EQ(check_override_window({t0 - 2 * day, t0}, t0), OverrideWindowProblem::in_past)
      << "ending now is over";
  EXPECT_FALSE(check_override_window({t0 - 2 * day, t0 + day}, t0).has_value())
      << "one that began already may still be set";
}

TEST(RotaOverrides, ReplaceStraddlingAHandoffCoversOnlyTheReplacedPerson) {
  // chantal takes anna's shift from Sunday 12:00Z to Tuesday 12:00Z; anna's
  // week ends Monday 07:00Z, so from then on bram is on call as planned.
  auto def = weekly();
  def.overrides.push_back(make(OverrideKind::replace, "chantal", "anna",
                               range("2026-03-01T12:00:00Z", "2026-03-03T12:00:00Z")));
  for (const TimeRange h : {kHorizon, TimeRange{}}) {
    const Rota rota(def, {}, h);
    EXPECT_EQ(pieces(rota, kAround),
              (std::vector<std::pair<TimeRange, People>>{
                  {range("2026-03-01T00:00:00Z", "2026-03-01T12:00:00Z"), {"anna"}},
                  {range("2026-03-01T12:00:00Z", "2026-03-02T07:00:00Z"), {"chantal"}},
                  {range("2026-03-02T07:00:00Z", "2026-03-04T00:00:00Z"), {"bram"}},
              }));
  }
}

TEST(RotaOverrides, AddStraddlingAHandoff) {
  auto def = weekly();
  def.overrides.push_back(make(OverrideKind::add, "chantal", "",
                               range("2026-03-01T12:00:00Z", "2026-03-03T12:00:00Z")));
  const Rota rota(def, {}, kHorizon);
  EXPECT_EQ(pieces(rota, kAround),
            (std::vector<std::pair<TimeRange, People>>{
                {range("2026-03-01T00:00:00Z", "2026-03-01T12:00:00Z"), {"anna"}},
                {range("2026-03-01T12:00:00Z", "2026-03-02T07:00:00Z"), {"anna", "chantal"}},
                {range("2026-03-02T07:00:00Z", "2026-03-03T12:00:00Z"), {"bram", "chantal"}},
                {range("2026-03-03T12:00:00Z", "2026-03-04T00:00:00Z"), {"bram"}},
            }));
}

TEST(RotaOverrides, RemoveLeavesAGap) {
  auto def = weekly();
  def.overrides.push_back(make(OverrideKind::remove, "bram", "",
                               range("2026-03-02T05:00:00Z", "2026-03-02T09:00:00Z")));
  const Rota rota(def, {}, kHorizon);
  EXPECT_EQ(pieces(rota, kAround),
            (std::vector<std::pair<TimeRange, People>>{
                {range("2026-03-01T00:00:00Z", "2026-03-02T07:00:00Z"), {"anna"}},
                {range("2026-03-02T07:00:00Z", "2026-03-02T09:00:00Z"), {}},
                {range("2026-03-02T09:00:00Z", "2026-03-04T00:00:00Z"), {"bram"}},
            }));
}

// bram's week: 2 to 9 March.
const Instant kBramsTuesday = utc("2026-03-03T12:00:00Z");

TEST(RotaOverrides, ApplyInOrderRunTimeOnesLast) {
  auto def = weekly();
  const auto w = range("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z");
  // File: remove bram. Run time: add bram back (sick note withdrawn).
  def.overrides.push_back(make(OverrideKind::remove, "bram", "", w, "file-1"));
  const Rota without(def, {}, kHorizon);
  EXPECT_TRUE(without.on_call("primary", "g", kBramsTuesday).empty());
  const Rota with(def, {make(OverrideKind::add, "bram", "", w, "run-1")}, kHorizon);
  EXPECT_EQ(with.on_call("primary", "g", kBramsTuesday), People{"bram"});
  ASSERT_EQ(with.overrides().size(), 2u);
  EXPECT_EQ(with.overrides()[0].id, "file-1");
  EXPECT_EQ(with.overrides()[1].id, "run-1");
}

TEST(RotaOverrides, ReplaceChainsFollowTheOrder) {
  auto def = weekly();
  const auto w = range("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z");
  def.overrides.push_back(make(OverrideKind::replace, "chantal", "bram", w));
  def.overrides.push_back(make(OverrideKind::replace, "daan", "chantal", w));
  def.overrides.push_back(make(OverrideKind::replace, "eva", "anna", w));  // anna is off: no effect
  const Rota rota(def, {}, kHorizon);
  EXPECT_EQ(rota.on_call("primary", "g", kBramsTuesday), People{"daan"});
}

TEST(RotaOverrides, OverrideAloneCreatesItsLayer) {
  RotaDefinition def;
  def.overrides.push_back(Override{"x", "north", "backup", OverrideKind::add, "ida", "",
                                   range("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z")});
  const Rota rota(def, {}, kHorizon);
  EXPECT_EQ(rota.on_call("backup", "north", utc("2026-03-10T12:00:00Z")), People{"ida"});
  EXPECT_TRUE(rota.has_layer("primary", "north"));
  EXPECT_EQ(rota.people("backup", "north"), People{"ida"});
}

}  // namespace
}  // namespace piket::rota::test
