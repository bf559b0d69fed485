// SimpleRota: who is on call across shifts (before the anchor too), and which
// rule select() applies. Pure: a deployment built in code and a fake CaseloadView.
#include "piket/rota/simple_rota.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace piket::rota {
namespace {

using common::Millis;
using std::chrono::hours;

// 2026-11-02T08:00:00Z, an arbitrary anchor.
const common::Instant kAnchor = std::chrono::time_point_cast<Millis>(
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 2} + hours{8});
constexpr hours kShift{8};

rota::PersonConfig casemanager(std::string id, int cap = 12) {
  rota::PersonConfig p;
  p.id = std::move(id);
  p.display_name = "Name of " + p.id;
  p.role = rota::StaffRole::casemanager;
  p.phone = "+3160000000" + std::to_string(p.id.size());
  p.regions = {"groningen"};
  p.caseload_cap = cap;
  return p;
}

rota::PersonConfig team_lead(std::string id) {
  auto p = casemanager(std::move(id));
  p.role = rota::StaffRole::team_lead;
  return p;
}

// groningen: anna → bert → cees in 8-hour shifts from kAnchor, team lead tina.
// drenthe: dirk alone, 24-hour shifts, no team lead. friesland: configured region, no rota.
struct Deployment {
  std::vector<RegionConfig> regions;
  std::vector<PersonConfig> people;
  std::vector<SimpleRotaConfig> rotas;
  CaseloadConfig caseload;
};
Deployment make_config(int anna_cap = 2) {
  Deployment c;
  c.regions = {{"groningen", "Groningen"}, {"drenthe", "Drenthe"}, {"friesland", "Friesland"}};
  c.people = {casemanager("anna", anna_cap), casemanager("bert"), casemanager("cees"),
              casemanager("dirk", 1), team_lead("tina")};
  c.rotas = {{"groningen", {"anna", "bert", "cees"}, kAnchor, kShift, "tina"},
             {"drenthe", {"dirk"}, kAnchor, hours{24}, ""}};
  return c;
}

SimpleRota simple_rota(const Deployment& d) {
  return SimpleRota(d.rotas, d.people, d.caseload);
}

class FakeCaseload final : public CaseloadView {
 public:
  explicit FakeCaseload(std::map<std::string, int> open = {}) : open_(std::move(open)) {}
  int open_cases(const std::string& person_id) const override {
    asked_.push_back(person_id);
    const auto it = open_.find(person_id);
    return it == open_.end() ? 0 : it->second;
  }
  const std::vector<std::string>& asked() const { return asked_; }

 private:
  std::map<std::string, int> open_;
  mutable std::vector<std::string> asked_;
};

// -------------------------------------------------------------- on_call

TEST(SimpleRotaOnCallTest, FollowsTheShiftsFromTheAnchor) {
  const SimpleRota rota = simple_rota(make_config());
  EXPECT_EQ(rota.on_call("groningen", kAnchor), "anna");
  EXPECT_EQ(rota.on_call("groningen", kAnchor + kShift - Millis{1}), "anna");
  EXPECT_EQ(rota.on_call("groningen", kAnchor + kShift), "bert");
  EXPECT_EQ(rota.on_call("groningen", kAnchor + 2 * kShift - Millis{1}), "bert");
  EXPECT_EQ(rota.on_call("groningen", kAnchor + 2 * kShift), "cees");
}

TEST(SimpleRotaOnCallTest, WrapsAroundAfterTheLastPerson) {
  const SimpleRota rota = simple_rota(make_config());
  EXPECT_EQ(rota.on_call("groningen", kAnchor + 3 * kShift), "anna");
  EXPECT_EQ(rota.on_call("groningen", kAnchor + 4 * kShift + hours{1}), "bert");
  // Far from the anchor: 3000 shifts later is a whole number of rotations.
  EXPECT_EQ(rota.on_call("groningen", kAnchor + 3000 * kShift + hours{7}), "anna");
  EXPECT_EQ(rota.on_call("groningen", kAnchor + 3002 * kShift), "cees");
}

TEST(SimpleRotaOnCallTest, BeforeTheAnchorRotatesBackwards) {
  const SimpleRota rota = simple_rota(make_config());
  // The shift just before the anchor is the last person's, up to the very last millisecond.
  EXPECT_EQ(rota.on_call("groningen", kAnchor - Millis{1}), "cees");
  EXPECT_EQ(rota.on_call("groningen", kAnchor - kShift), "cees");
  EXPECT_EQ(rota.on_call("groningen", kAnchor - kShift - Millis{1}), "bert");
  EXPECT_EQ(rota.on_call("groningen", kAnchor - 2 * kShift), "bert");
  EXPECT_EQ(rota.on_call("groningen", kAnchor - 3 * kShift), "anna");
  EXPECT_EQ(rota.on_call("groningen", kAnchor - 3 * kShift - Millis{1}), "cees");
  EXPECT_EQ(rota.on_call("groningen", kAnchor - 3000 * kShift + hours{2}), "anna");
}

TEST(SimpleRotaOnCallTest, EveryShiftIsOnePersonAndTheNextShiftIsTheNextPerson) {
  const SimpleRota rota = simple_rota(make_config());
  const std::vector<std::string> order{"anna", "bert", "cees"};
  auto next = [&](const std::string& p) {
    for (std::size_t i = 0; i < order.size(); ++i)
      if (order[i] == p) return order[(i + 1) % order.size()];
    return std::string("?");
  };
  for (int k = -40; k <= 40; ++k) {
    const auto start = kAnchor + k * kShift;
    const auto who = rota.on_call("groningen", start);
    ASSERT_TRUE(who.has_value()) << k;
    EXPECT_EQ(rota.on_call("groningen", start + kShift / 2), who) << k;
    EXPECT_EQ(rota.on_call("groningen", start + kShift - Millis{1}), who) << k;
    EXPECT_EQ(rota.on_call("groningen", start + kShift), next(*who)) << k;
  }
}

TEST(SimpleRotaOnCallTest, OnePersonRotaIsAlwaysThatPerson) {
  const SimpleRota rota = simple_rota(make_config());
  for (int h = -100; h <= 100; h += 7)
    EXPECT_EQ(rota.on_call("drenthe", kAnchor + hours{h}), "dirk") << h;
}

TEST(SimpleRotaOnCallTest, RegionWithoutRotaHasNobody) {
  const SimpleRota rota = simple_rota(make_config());
  EXPECT_FALSE(rota.on_call("friesland", kAnchor).has_value());
  EXPECT_FALSE(rota.on_call("nowhere", kAnchor).has_value());
}

// -------------------------------------------------------------- select

SelectionRequest request(std::string region, std::optional<std::string> own,
                         common::Instant at = kAnchor + hours{1}) {
  return {std::move(region), std::move(own), at};
}

TEST(SimpleRotaSelectTest, OwnCasemanagerOnDutyGetsThePage) {
  const SimpleRota rota = simple_rota(make_config());
  const FakeCaseload caseload({{"anna", 100}});  // at cap: does not matter for their own case
  const auto s = rota.select(request("groningen", "anna"), caseload);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->person_id, "anna");
  EXPECT_EQ(s->rule, SelectionRule::own_casemanager);
  EXPECT_FALSE(s->inform.has_value());
}

TEST(SimpleRotaSelectTest, OwnCasemanagerOffDutyIsInformedAndOnCallIsPaged) {
  const SimpleRota rota = simple_rota(make_config());
  const FakeCaseload caseload;
  // bert's shift: anna (the family's own casemanager) is off duty.
  const auto s = rota.select(request("groningen", "anna", kAnchor + kShift + hours{1}), caseload);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->person_id, "bert");
  EXPECT_EQ(s->rule, SelectionRule::on_call);
  EXPECT_EQ(s->inform, "anna");
}

TEST(SimpleRotaSelectTest, NoOwnCasemanagerPagesOnCallWithoutInform) {
  const SimpleRota rota = simple_rota(make_config());
  const FakeCaseload caseload({{"anna", 1}});
  const auto s = rota.select(request("groningen", std::nullopt), caseload);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->person_id, "anna");
  EXPECT_EQ(s->rule, SelectionRule::on_call);
  EXPECT_FALSE(s->inform.has_value());
  EXPECT_EQ(caseload.asked(), std::vector<std::string>{"anna"});
}

TEST(SimpleRotaSelectTest, OnCallAtCapEscalatesToTeamLead) {
  const SimpleRota rota = simple_rota(make_config(/*anna_cap=*/2));
  // Just under the cap: still anna.
  const auto under = rota.select(request("groningen", std::nullopt), FakeCaseload({{"anna", 1}}));
  ASSERT_TRUE(under.has_value());
  EXPECT_EQ(under->person_id, "anna");
  EXPECT_EQ(under->rule, SelectionRule::on_call);

  for (int open : {2, 3, 50}) {
    const auto s = rota.select(request("groningen", std::nullopt), FakeCaseload({{"anna", open}}));
    ASSERT_TRUE(s.has_value()) << open;
    EXPECT_EQ(s->person_id, "tina") << open;
    EXPECT_EQ(s->rule, SelectionRule::team_lead) << open;
    EXPECT_FALSE(s->inform.has_value()) << open;
  }
}

TEST(SimpleRotaSelectTest, TeamLeadPageStillInformsTheOwnCasemanager) {
  const SimpleRota rota = simple_rota(make_config(/*anna_cap=*/2));
  // anna on call and full; the case's own casemanager cees is off duty.
  const auto s = rota.select(request("groningen", "cees"), FakeCaseload({{"anna", 2}}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->person_id, "tina");
  EXPECT_EQ(s->rule, SelectionRule::team_lead);
  EXPECT_EQ(s->inform, "cees");
}

TEST(SimpleRotaSelectTest, RegionWithoutRotaSelectsNobody) {
  const SimpleRota rota = simple_rota(make_config());
  const FakeCaseload caseload;
  EXPECT_FALSE(rota.select(request("friesland", std::nullopt), caseload).has_value());
  EXPECT_FALSE(rota.select(request("friesland", "anna"), caseload).has_value());
  EXPECT_FALSE(rota.select(request("nowhere", std::nullopt), caseload).has_value());
}

TEST(SimpleRotaSelectTest, FullOnCallAndNoTeamLeadSelectsNobody) {
  const SimpleRota rota = simple_rota(make_config());
  EXPECT_EQ(rota.select(request("drenthe", std::nullopt), FakeCaseload({{"dirk", 0}}))->person_id,
            "dirk");
  EXPECT_FALSE(rota.select(request("drenthe", std::nullopt), FakeCaseload({{"dirk", 1}})));
}

TEST(SimpleRotaSelectTest, CandidatesAreOnCallAndOwnCasemanager) {
  const SimpleRota rota = simple_rota(make_config());
  EXPECT_EQ(rota.candidates(request("groningen", std::nullopt)), std::vector<std::string>{"anna"});
  EXPECT_EQ(rota.candidates(request("groningen", "cees", kAnchor + kShift)),
            (std::vector<std::string>{"bert", "cees"}));
  EXPECT_TRUE(rota.candidates(request("friesland", std::nullopt)).empty());
}

TEST(SelectionRuleTest, NamesAreTheStoredValues) {
  EXPECT_EQ(to_string(SelectionRule::own_casemanager), "own_casemanager");
  EXPECT_EQ(to_string(SelectionRule::on_call), "on_call");
  EXPECT_EQ(to_string(SelectionRule::backup), "backup");
  EXPECT_EQ(to_string(SelectionRule::team_lead), "team_lead");
}

// ------------------------------------------------------------ select_step

TEST(SimpleRotaStepTest, PrimaryIsTheOnCallBackupIsNobodyTeamLeadIsConfigured) {
  const SimpleRota rota = simple_rota(make_config());
  const FakeCaseload none;
  const SelectionRequest req{"groningen", std::nullopt, kAnchor + hours{1}};
  const auto p = rota.select_step(paging::EscalationTarget::primary, req, {}, none);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->person_id, "anna");
  EXPECT_FALSE(rota.select_step(paging::EscalationTarget::backup, req, {}, none));
  const auto t = rota.select_step(paging::EscalationTarget::team_lead, req, {}, none);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->person_id, "tina");
  EXPECT_FALSE(rota.select_step(paging::EscalationTarget::primary, req, {"anna"}, none));
  EXPECT_FALSE(rota.select_step(paging::EscalationTarget::team_lead, req, {"tina"}, none));
  const SelectionRequest drenthe{"drenthe", std::nullopt, kAnchor};
  EXPECT_FALSE(rota.select_step(paging::EscalationTarget::team_lead, drenthe, {}, none));
  const SelectionRequest own{"groningen", std::string("anna"), kAnchor + hours{1}};
  const auto o = rota.select_step(paging::EscalationTarget::primary, own, {}, none);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->rule, SelectionRule::own_casemanager);
}

}  // namespace
}  // namespace piket::rota
