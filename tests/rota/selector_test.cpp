// RotaSelector: own casemanager, on call by caseload and cap, backup, team
// lead, and the last resorts.
#include <set>

#include "piket/rota/rota_selector.hpp"
#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

using rota::StaffRole;

class FakeCaseload final : public CaseloadView {
 public:
  std::map<std::string, int> open;
  std::set<std::string> away;  // absent at kAt (only then)
  int open_cases(const std::string& id) const override {
    const auto it = open.find(id);
    return it == open.end() ? 0 : it->second;
  }
  bool absent(const std::string& id, Instant at) const override;
};

const Instant kAt = utc("2026-06-10T12:00:00Z");

bool FakeCaseload::absent(const std::string& id, Instant at) const {
  return at == kAt && away.contains(id);
}

// Region g: primary anna and bram at once (two rotations), backup chantal,
// team lead gerrit; daan is a casemanager not on call; wim works office hours.
RotaDefinition region_g(bool with_team_lead = true) {
  auto def = one_layer({rotation({"anna"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5)),
                        rotation({"bram"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))});
  def.regions[0].layers.push_back(LayerDefinition{
      "backup", {rotation({"chantal"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))}});
  if (with_team_lead)
    def.regions[0].layers.push_back(LayerDefinition{
        "team_lead", {rotation({"gerrit"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))}});
  def.regions[0].layers.push_back(LayerDefinition{
      "working_hours", {rotation({"wim"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))}});
  return def;
}

// The deployment's people; gerrit and hanna are team leads of g (hanna in
// no rotation), unless `with_team_leads` is false.
std::vector<rota::PersonConfig> people(bool with_team_leads = true) {
  std::vector<rota::PersonConfig> out{
      person("anna", StaffRole::casemanager, 10), person("bram", StaffRole::casemanager, 10),
      person("chantal", StaffRole::casemanager, 10), person("daan", StaffRole::casemanager, 10),
      person("wim", StaffRole::casemanager, 10)};
  if (with_team_leads) {
    out.push_back(person("gerrit", StaffRole::team_lead, 2));
    out.push_back(person("hanna", StaffRole::team_lead, 30));
  }
  return out;
}

RotaSelector selector(RotaDefinition def = region_g(), bool with_team_leads = true) {
  auto rota = std::make_shared<const Rota>(std::move(def), std::vector<Override>{},
                                           range("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  return RotaSelector(rota, people(with_team_leads));
}

SelectionRequest request(std::optional<std::string> own) {
  return SelectionRequest{"g", std::move(own), kAt};
}

struct SelectCase {
  const char* what;
  std::optional<std::string> own;
  std::map<std::string, int> open;
  std::string expected;
  SelectionRule rule;
  std::optional<std::string> inform;
};
void PrintTo(const SelectCase& c, std::ostream* os) {
  *os << c.what;
}

class RotaSelectorTable : public ::testing::TestWithParam<SelectCase> {};

TEST_P(RotaSelectorTable, Selects) {
  const auto& c = GetParam();
  FakeCaseload caseload;
  caseload.open = c.open;
  const auto s = selector().select(request(c.own), caseload);
  ASSERT_TRUE(s) << c.what;
  EXPECT_EQ(s->person_id, c.expected) << c.what;
  EXPECT_EQ(s->rule, c.rule) << c.what << ": " << to_string(s->rule);
  EXPECT_EQ(s->inform, c.inform) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, RotaSelectorTable,
    ::testing::Values(
        SelectCase{"own on call in primary, even at cap",
                   "anna",
                   {{"anna", 10}},
                   "anna",
                   SelectionRule::own_casemanager,
                   std::nullopt},
        SelectCase{"own on call in backup",
                   "chantal",
                   {},
                   "chantal",
                   SelectionRule::own_casemanager,
                   std::nullopt},
        SelectCase{
            "own in working hours", "wim", {}, "wim", SelectionRule::own_casemanager, std::nullopt},
        SelectCase{"own off duty: lowest caseload, own informed",
                   "daan",
                   {{"anna", 5}, {"bram", 3}},
                   "bram",
                   SelectionRule::on_call,
                   "daan"},
        SelectCase{"tie broken by id",
                   std::nullopt,
                   {{"anna", 3}, {"bram", 3}},
                   "anna",
                   SelectionRule::on_call,
                   std::nullopt},
        SelectCase{"at cap skipped",
                   std::nullopt,
                   {{"anna", 7}, {"bram", 10}},
                   "anna",
                   SelectionRule::on_call,
                   std::nullopt},
        SelectCase{"primary full: backup",
                   "daan",
                   {{"anna", 10}, {"bram", 11}},
                   "chantal",
                   SelectionRule::backup,
                   "daan"},
        SelectCase{"all full: team lead, over his cap",
                   std::nullopt,
                   {{"anna", 10}, {"bram", 10}, {"chantal", 10}, {"gerrit", 9}},
                   "gerrit",
                   SelectionRule::team_lead,
                   std::nullopt}),
    [](const auto& param_info) { return test_name(param_info.param.what); });

TEST(RotaSelector, TeamLeadFromTheConfigWhenTheLayerIsEmpty) {
  // gerrit is off the rota; the configured team leads rank by caseload.
  FakeCaseload full;
  full.open = {{"anna", 10}, {"bram", 10}, {"chantal", 10}, {"gerrit", 5}, {"hanna", 4}};
  const auto s = selector(region_g(false)).select(request("daan"), full);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "hanna");
  EXPECT_EQ(s->rule, SelectionRule::team_lead);
  EXPECT_EQ(s->inform, "daan");
}

TEST(RotaSelector, OverCapOnCallWhenThereIsNoTeamLeadAtAll) {
  FakeCaseload full;
  full.open = {{"anna", 12}, {"bram", 11}, {"chantal", 10}};
  const auto s = selector(region_g(false), false).select(request(std::nullopt), full);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "bram");
  EXPECT_EQ(s->rule, SelectionRule::on_call);
}

TEST(RotaSelector, NobodyInAnUnknownRegion) {
  FakeCaseload none;
  const auto sel = selector();
  EXPECT_FALSE(sel.select(SelectionRequest{"elsewhere", std::nullopt, kAt}, none));
}

TEST(RotaSelector, PeopleUnknownToTheConfigAreNeverChosen) {
  auto def = one_layer({rotation({"ghost"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))});
  FakeCaseload none;
  const auto s = selector(def).select(request("ghost"), none);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "gerrit");  // the region's configured team leads, by id
  EXPECT_EQ(s->rule, SelectionRule::team_lead);
  EXPECT_EQ(s->inform, "ghost");
}

TEST(RotaSelector, CandidatesAreOnCallPeopleTeamLeadsAndOwn) {
  const auto c = selector().candidates(request("daan"));
  EXPECT_EQ(c, (std::vector<std::string>{"anna", "bram", "chantal", "gerrit", "hanna", "daan"}));
}

TEST(RotaSelector, FollowsTheRotaOverTime) {
  // Weekly anna/bram: at 08:00 Monday 15 June 2026 the on-call changes.
  auto def = one_layer({rotation({"anna", "bram"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))});
  const auto sel = selector(def);
  FakeCaseload none;
  const auto before =
      sel.select(SelectionRequest{"g", std::nullopt, utc("2026-06-15T05:59:59Z")}, none);
  const auto after =
      sel.select(SelectionRequest{"g", std::nullopt, utc("2026-06-15T06:00:00Z")}, none);
  ASSERT_TRUE(before && after);
  EXPECT_NE(before->person_id, after->person_id);
}

// ------------------------------------------------------------ select_step

using paging::EscalationTarget;

TEST(RotaSelectorStepTest, EachTargetComesFromItsLayer) {
  FakeCaseload caseload;
  caseload.open = {{"anna", 3}, {"bram", 1}};
  const auto sel = selector();
  const auto primary =
      sel.select_step(EscalationTarget::primary, request(std::nullopt), {}, caseload);
  ASSERT_TRUE(primary);
  EXPECT_EQ(primary->person_id, "bram");  // lowest caseload
  EXPECT_EQ(primary->rule, SelectionRule::on_call);
  const auto backup =
      sel.select_step(EscalationTarget::backup, request(std::nullopt), {}, caseload);
  ASSERT_TRUE(backup);
  EXPECT_EQ(backup->person_id, "chantal");
  EXPECT_EQ(backup->rule, SelectionRule::backup);
  const auto lead =
      sel.select_step(EscalationTarget::team_lead, request(std::nullopt), {}, caseload);
  ASSERT_TRUE(lead);
  EXPECT_EQ(lead->person_id, "gerrit");  // on call in the layer, though over his cap of 2
  EXPECT_EQ(lead->rule, SelectionRule::team_lead);
}

TEST(RotaSelectorStepTest, PrimaryPrefersTheOwnCasemanagerOnDuty) {
  FakeCaseload caseload;
  const auto s = selector().select_step(EscalationTarget::primary, request("anna"), {}, caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "anna");
  EXPECT_EQ(s->rule, SelectionRule::own_casemanager);
  // daan is not on duty: the on-call primary instead.
  const auto d = selector().select_step(EscalationTarget::primary, request("daan"), {}, caseload);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->person_id, "anna");
}

TEST(RotaSelectorStepTest, ExcludedPeopleAreNeverChosen) {
  FakeCaseload caseload;
  const auto sel = selector();
  const auto p = sel.select_step(EscalationTarget::primary, request("anna"), {"anna"}, caseload);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->person_id, "bram");
  EXPECT_FALSE(sel.select_step(EscalationTarget::primary, request(std::nullopt), {"anna", "bram"},
                               caseload));
  EXPECT_FALSE(
      sel.select_step(EscalationTarget::backup, request(std::nullopt), {"chantal"}, caseload));
  // The on-call team lead declined: the region's other team lead.
  const auto lead =
      sel.select_step(EscalationTarget::team_lead, request(std::nullopt), {"gerrit"}, caseload);
  ASSERT_TRUE(lead);
  EXPECT_EQ(lead->person_id, "hanna");
  EXPECT_FALSE(sel.select_step(EscalationTarget::team_lead, request(std::nullopt),
                               {"gerrit", "hanna"}, caseload));
}

TEST(RotaSelectorStepTest, OverCapPrimaryIsStillPagedWhenNobodyIsUnderCap) {
  FakeCaseload caseload;
  caseload.open = {{"anna", 12}, {"bram", 10}};
  const auto s =
      selector().select_step(EscalationTarget::primary, request(std::nullopt), {}, caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "bram");
}

TEST(RotaSelectorStepTest, WithoutATeamLeadLayerTheConfiguredLeadsAreUsed) {
  FakeCaseload caseload;
  caseload.open = {{"gerrit", 5}, {"hanna", 1}};
  const auto s = selector(region_g(false))
                     .select_step(EscalationTarget::team_lead, request(std::nullopt), {}, caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "hanna");
  EXPECT_FALSE(selector(region_g(false), false)
                   .select_step(EscalationTarget::team_lead, request(std::nullopt), {}, caseload));
}

// Absence (POST /v1/people/{id}/absence): an absent person is passed over by
// every rule while someone present can take it — the ill casemanager's case
// goes to the on-call colleague, and the own casemanager hears of it.
TEST(RotaSelector, AnAbsentPersonIsPassedOverByEveryRule) {
  const auto sel = selector();
  FakeCaseload caseload;
  caseload.open = {{"anna", 1}, {"bram", 3}};
  caseload.away = {"anna"};
  auto s = sel.select(request("anna"), caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "bram") << "own casemanager absent: the other on call";
  EXPECT_EQ(s->rule, SelectionRule::on_call);
  EXPECT_EQ(s->inform, "anna");
  // At another time anna is present again: her own case is hers.
  auto later = request("anna");
  later.at = kAt + 1h;
  s = sel.select(later, caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "anna");

  caseload.away = {"anna", "bram"};
  s = sel.select(request(std::nullopt), caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "chantal") << "both primaries absent: backup";
  caseload.away = {"anna", "bram", "chantal"};
  s = sel.select(request(std::nullopt), caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "gerrit");
  EXPECT_EQ(s->rule, SelectionRule::team_lead);
  caseload.away = {"anna", "bram", "chantal", "gerrit"};
  s = sel.select(request(std::nullopt), caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "hanna") << "the on-call team lead absent: the region's other";
  // Everyone who could take it is absent: the team lead all the same.
  caseload.away = {"anna", "bram", "chantal", "gerrit", "hanna"};
  s = sel.select(request(std::nullopt), caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "gerrit");
  EXPECT_EQ(s->rule, SelectionRule::team_lead);
  // No team lead at all and every on-call person absent: on call all the same.
  caseload.away = {"anna", "bram", "chantal"};
  s = selector(region_g(false), false).select(request(std::nullopt), caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "anna");
  EXPECT_EQ(s->rule, SelectionRule::on_call);
}

TEST(RotaSelectorStepTest, AnEscalationStepPassesOverAbsentPeopleButATeamLeadIsFound) {
  const auto sel = selector();
  FakeCaseload caseload;
  caseload.away = {"anna"};
  auto s = sel.select_step(EscalationTarget::primary, request("anna"), {}, caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "bram");
  caseload.away = {"anna", "bram"};
  EXPECT_FALSE(sel.select_step(EscalationTarget::primary, request(std::nullopt), {}, caseload))
      << "nobody present for this step: the escalation goes on";
  caseload.away = {"chantal"};
  EXPECT_FALSE(sel.select_step(EscalationTarget::backup, request(std::nullopt), {}, caseload));
  caseload.away = {"gerrit"};
  s = sel.select_step(EscalationTarget::team_lead, request(std::nullopt), {}, caseload);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->person_id, "hanna");
  caseload.away = {"gerrit", "hanna"};
  s = sel.select_step(EscalationTarget::team_lead, request(std::nullopt), {}, caseload);
  ASSERT_TRUE(s) << "every team lead absent: one of them all the same";
  EXPECT_EQ(s->person_id, "gerrit");
  EXPECT_FALSE(sel.select_step(EscalationTarget::team_lead, request(std::nullopt),
                               {"gerrit", "hanna"}, caseload))
      << "but never one excluded";
}

}  // namespace
}  // namespace piket::rota::test
