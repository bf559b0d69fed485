// What counts against the caseload cap (issue 11, item 5): an intensive-phase
// case counts 1, a case in monitoring counts [caseload] monitoring_weight;
// every on-call casemanager at their cap is flagged as a coverage problem;
// and a returning family's earlier casemanager is offered the new case first
// (item 6). Pure: a rota in code and a fake caseload.
#include <map>

#include "piket/rota/rota_file.hpp"
#include "piket/rota/rota_selector.hpp"
#include "rota_test_support.hpp"
#include "small_rota.hpp"

namespace piket::rota::test {
namespace {

using rota::StaffRole;

// Open cases per person, and how many of them are in monitoring.
class Caseloads final : public CaseloadView {
 public:
  std::map<std::string, std::pair<int, int>> load;  // person -> {open, monitoring}
  int open_cases(const std::string& id) const override {
    const auto it = load.find(id);
    return it == load.end() ? 0 : it->second.first;
  }
  int monitoring_cases(const std::string& id) const override {
    const auto it = load.find(id);
    return it == load.end() ? 0 : it->second.second;
  }
};

const Instant kAt = utc("2026-06-10T12:00:00Z");

// Region g: primary anna and bram, backup chantal, team lead gerrit; daan is
// a casemanager not on call. Every casemanager's cap is 10.
RotaDefinition region_g() {
  auto def = one_layer({rotation({"anna"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5)),
                        rotation({"bram"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))});
  def.regions[0].layers.push_back(LayerDefinition{
      "backup", {rotation({"chantal"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))}});
  def.regions[0].layers.push_back(LayerDefinition{
      "team_lead", {rotation({"gerrit"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))}});
  return def;
}

RotaSelector selector(double monitoring_weight) {
  auto rota = std::make_shared<const Rota>(region_g(), std::vector<Override>{},
                                           range("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  return RotaSelector(
      rota,
      {person("anna", StaffRole::casemanager, 10), person("bram", StaffRole::casemanager, 10),
       person("chantal", StaffRole::casemanager, 10), person("daan", StaffRole::casemanager, 10),
       person("gerrit", StaffRole::team_lead, 50)},
      monitoring_weight);
}

SelectionRequest request(std::optional<std::string> own = std::nullopt,
                         std::optional<std::string> previous = std::nullopt) {
  SelectionRequest r{"g", std::move(own), kAt};
  r.previous_casemanager = std::move(previous);
  return r;
}

TEST(CaseloadWeight, IntensiveCasesCountOneMonitoringCasesTheirWeight) {
  EXPECT_DOUBLE_EQ(weighted_caseload(14, 12, 0.25), 5.0);
  EXPECT_DOUBLE_EQ(weighted_caseload(14, 12, 1.0), 14.0);
  EXPECT_DOUBLE_EQ(weighted_caseload(3, 0, 0.25), 3.0);
  EXPECT_DOUBLE_EQ(weighted_caseload(8, 8, 0.0), 0.0);
  Caseloads view;
  view.load["anna"] = {6, 4};
  EXPECT_DOUBLE_EQ(weighted_caseload(view, "anna", 0.25), 3.0);
}

// A year of follow-up must not fill the cap: anna holds 14 cases, 12 of them
// in monitoring — 2 + 12 × 0.25 = 5 against her cap of 10.
TEST(CaseloadWeight, MonitoringCasesNoLongerPushTheOnCallPastTheirCap) {
  Caseloads view;
  view.load["anna"] = {14, 12};
  view.load["bram"] = {9, 0};
  const auto weighted = selector(0.25).select(request(), view);
  ASSERT_TRUE(weighted);
  EXPECT_EQ(weighted->person_id, "anna") << "5 weighted is the lowest";
  EXPECT_EQ(weighted->rule, SelectionRule::on_call);
  EXPECT_FALSE(weighted->on_call_at_cap);
  // Counting every case alike (weight 1, the old rule), anna is over her cap.
  const auto unweighted = selector(1.0).select(request(), view);
  ASSERT_TRUE(unweighted);
  EXPECT_EQ(unweighted->person_id, "bram");
}

TEST(CaseloadWeight, TheCapComparesTheWeightedLoad) {
  Caseloads view;
  view.load["anna"] = {12, 8};  // 4 + 2 = 6
  view.load["bram"] = {11, 4};  // 7 + 1 = 8
  auto s = selector(0.25).select(request(), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "anna");
  // 9 intensive + 4 monitoring = 10 at weight 0.25: at the cap.
  view.load["anna"] = {13, 4};
  view.load["bram"] = {10, 0};
  s = selector(0.25).select(request(), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "chantal") << "both primaries at their cap: the backup";
  EXPECT_EQ(s->rule, SelectionRule::backup);
  EXPECT_TRUE(s->on_call_at_cap);
}

TEST(CaseloadWeight, EveryOnCallCasemanagerAtTheCapIsFlaggedWhoeverIsChosen) {
  Caseloads view;
  view.load["anna"] = {10, 0};
  view.load["bram"] = {10, 0};
  view.load["chantal"] = {10, 0};
  auto s = selector(0.25).select(request(), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "gerrit");
  EXPECT_EQ(s->rule, SelectionRule::team_lead);
  EXPECT_TRUE(s->on_call_at_cap);
  // The own casemanager on duty takes the incident; the problem stands.
  s = selector(0.25).select(request("anna"), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->rule, SelectionRule::own_casemanager);
  EXPECT_TRUE(s->on_call_at_cap);
  // One primary under the cap: no coverage problem.
  view.load["bram"] = {10, 1};  // 9.25
  s = selector(0.25).select(request(), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "bram");
  EXPECT_FALSE(s->on_call_at_cap);
}

TEST(CaseloadWeight, EscalationStepsRankByTheWeightedLoadToo) {
  Caseloads view;
  view.load["anna"] = {14, 12};  // 5
  view.load["bram"] = {9, 0};    // 9
  const auto s = selector(0.25).select_step(paging::EscalationTarget::primary, request(), {}, view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "anna");
  const auto old =
      selector(1.0).select_step(paging::EscalationTarget::primary, request(), {}, view);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->person_id, "bram");
}

TEST(ReturningFamily, TheEarlierCasemanagerOnDutyIsOfferedTheNewCaseFirst) {
  Caseloads view;
  view.load["anna"] = {1, 0};
  view.load["bram"] = {6, 0};
  // bram, the family's earlier casemanager, is on call: him, not the lowest caseload.
  auto s = selector(0.25).select(request(std::nullopt, "bram"), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "bram");
  EXPECT_EQ(s->rule, SelectionRule::previous_casemanager);
  EXPECT_EQ(to_string(s->rule), "previous_casemanager");
  EXPECT_FALSE(s->inform);
  // The backup layer counts as on duty too, as for the own casemanager.
  s = selector(0.25).select(request(std::nullopt, "chantal"), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "chantal");
  EXPECT_EQ(s->rule, SelectionRule::previous_casemanager);
  // Off duty (daan): the on-call rule, nobody informed (it is not their case).
  s = selector(0.25).select(request(std::nullopt, "daan"), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "anna");
  EXPECT_EQ(s->rule, SelectionRule::on_call);
  EXPECT_FALSE(s->inform);
  // A case with its own casemanager: the own rule decides.
  s = selector(0.25).select(request("anna", "bram"), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "anna");
  EXPECT_EQ(s->rule, SelectionRule::own_casemanager);
}

// A rota file of one casemanager a day (what the walking skeleton's simple
// rota was) follows the same rules.
TEST(ReturningFamily, ADailyRotaFileOffersTheEarlierCasemanagerAndWeighsMonitoring) {
  const std::vector<PersonConfig> people{person("anna", StaffRole::casemanager, 4),
                                         person("bert", StaffRole::casemanager, 4),
                                         person("tina", StaffRole::team_lead, 50)};
  // Handoffs at 02:00 Amsterdam (00:00Z in June): anna on 10 June, then bert.
  const auto text = piket::test::small_rota_file({.region = "g",
                                                  .primary = {"anna", "bert"},
                                                  .team_lead = "tina",
                                                  .start = "2026-06-10",
                                                  .handoff = "02:00"});
  const RotaSelector rota(std::make_shared<const Rota>(
                              parse_rota_file(text, "rota.toml", people), std::vector<Override>{},
                              range("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z")),
                          people, 0.25);
  Caseloads view;
  view.load["anna"] = {6, 4};  // 2 + 1 = 3 < 4
  auto s = rota.select(request(std::nullopt, "anna"), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "anna");
  EXPECT_EQ(s->rule, SelectionRule::previous_casemanager);
  s = rota.select(request(), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->rule, SelectionRule::on_call);
  EXPECT_FALSE(s->on_call_at_cap);
  view.load["anna"] = {8, 4};  // 4 + 1 = 5 ≥ 4
  s = rota.select(request(), view);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "tina");
  EXPECT_TRUE(s->on_call_at_cap);
}

}  // namespace
}  // namespace piket::rota::test
