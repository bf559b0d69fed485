// The need-to-know rule as a table (no servers): who may read, record in and
// reassign a case, and for how long a page lets its person read it.
#include "piket/access/need_to_know.hpp"

#include <gtest/gtest.h>

#include "piket/common/time_format.hpp"

namespace piket::access {
namespace {

using namespace std::chrono_literals;
using rota::StaffRole;

const common::Instant kNow = *common::parse_rfc3339("2026-11-22T12:00:00Z");
const CaseCaller kAnna{"anna", StaffRole::casemanager, {"groningen"}};
const CaseCaller kBert{"bert", StaffRole::casemanager, {"groningen"}};
const CaseCaller kLead{"tina", StaffRole::team_lead, {"groningen"}};
const CaseCaller kOtherLead{"dirk", StaffRole::team_lead, {"drenthe"}};
const CaseCaller kAdmin{"ops", StaffRole::admin, {"groningen"}};

CaseFacts anna_case() {
  CaseFacts f;
  f.id = "C00000001";
  f.region = "groningen";
  f.casemanager = "anna";
  return f;
}

PageFact page_for(const std::string& person, const std::string& state,
                  common::Instant created = kNow - 1h) {
  PageFact p;
  p.id = "P0000000000000001";
  p.person = person;
  p.state = state;
  p.rule = "on_call";
  p.created_at = created;
  return p;
}

bool may_read(const CaseCaller& c, const CaseFacts& f, common::Instant now = kNow) {
  return may(c, f, CaseAction::read, now).allowed;
}

TEST(NeedToKnow, TheCasemanagerReadsAndRecordsButDoesNotReassign) {
  EXPECT_TRUE(may_read(kAnna, anna_case()));
  EXPECT_EQ(may(kAnna, anna_case(), CaseAction::read, kNow).code, "own_case");
  EXPECT_TRUE(may(kAnna, anna_case(), CaseAction::record, kNow));
  const auto d = may(kAnna, anna_case(), CaseAction::reassign, kNow);
  EXPECT_FALSE(d);
  EXPECT_EQ(d.code, "team_lead_only");
}

TEST(NeedToKnow, TheRegionsTeamLeadDoesEverythingAnotherRegionsNothing) {
  for (auto a : {CaseAction::read, CaseAction::record, CaseAction::reassign}) {
    EXPECT_TRUE(may(kLead, anna_case(), a, kNow)) << to_string(a);
    const auto d = may(kOtherLead, anna_case(), a, kNow);
    EXPECT_FALSE(d) << to_string(a);
  }
  EXPECT_EQ(may(kOtherLead, anna_case(), CaseAction::read, kNow).code, "not_your_region");
}

TEST(NeedToKnow, AdminsNeverSeeCaseContent) {
  auto f = anna_case();
  f.pages.push_back(page_for("ops", "accepted"));  // even if one were paged
  for (auto a : {CaseAction::read, CaseAction::record, CaseAction::reassign}) {
    const auto d = may(kAdmin, f, a, kNow);
    EXPECT_FALSE(d);
    EXPECT_EQ(d.code, "no_case_access");
  }
}

TEST(NeedToKnow, AnotherCasemanagerReadsNothing) {
  const auto d = may(kBert, anna_case(), CaseAction::read, kNow);
  EXPECT_FALSE(d);
  EXPECT_EQ(d.code, "not_your_case");
  CaseFacts unassigned = anna_case();
  unassigned.casemanager.clear();
  EXPECT_FALSE(may_read(kAnna, unassigned)) << "an unassigned case is nobody's own";
  EXPECT_TRUE(may_read(kLead, unassigned));
}

TEST(NeedToKnow, AResponderReadsWhileTheirPageStandsAndRecordsNothing) {
  auto f = anna_case();
  f.pages.push_back(page_for("bert", "accepted"));
  const auto d = may(kBert, f, CaseAction::read, kNow);
  EXPECT_TRUE(d);
  EXPECT_EQ(d.code, "responder");
  EXPECT_EQ(may(kBert, f, CaseAction::record, kNow).code, "responder_reads_only");
  EXPECT_FALSE(may(kBert, f, CaseAction::reassign, kNow));
  // Unanswered: 12 hours from the page.
  EXPECT_TRUE(may_read(kBert, f, kNow + 10h + 59min));
  EXPECT_FALSE(may_read(kBert, f, kNow + 11h));
  // Acknowledged: 12 hours from the acknowledgement.
  f.pages[0].state = "acknowledged";
  f.pages[0].acknowledged_at = kNow;
  EXPECT_TRUE(may_read(kBert, f, kNow + 11h));
  EXPECT_FALSE(may_read(kBert, f, kNow + 12h));
}

TEST(NeedToKnow, APageThatNoLongerStandsOpensNothing) {
  for (const auto* state : {"declined", "cancelled", "failed", "duplicate"}) {
    auto f = anna_case();
    f.pages.push_back(page_for("bert", state));
    EXPECT_FALSE(may_read(kBert, f)) << state;
  }
  auto declined_while_sending = anna_case();
  declined_while_sending.pages.push_back(page_for("bert", "sending"));
  declined_while_sending.pages[0].declined = true;
  EXPECT_FALSE(may_read(kBert, declined_while_sending));
  auto inform = anna_case();
  inform.pages.push_back(page_for("bert", "accepted"));
  inform.pages[0].rule = "inform";
  EXPECT_FALSE(may_read(kBert, inform)) << "being informed is not being sent out";
  auto no_time = anna_case();
  no_time.pages.push_back(page_for("bert", "accepted"));
  no_time.pages[0].created_at.reset();
  EXPECT_FALSE(may_read(kBert, no_time));
  auto someone_else = anna_case();
  someone_else.pages.push_back(page_for("carl", "accepted"));
  EXPECT_FALSE(may_read(kBert, someone_else));
}

TEST(NeedToKnow, ATeamLeadOfAnotherRegionPagedForTheCaseReadsItToo) {
  auto f = anna_case();
  f.pages.push_back(page_for("dirk", "accepted"));
  EXPECT_TRUE(may_read(kOtherLead, f));
  EXPECT_FALSE(may(kOtherLead, f, CaseAction::record, kNow));
}

}  // namespace
}  // namespace piket::access
