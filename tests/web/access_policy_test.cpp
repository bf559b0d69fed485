// The web app's own rules as a table (board, rota, administration), and its
// case decisions being piket_access's rule (tests/access has that rule's table).
#include "piket/web/access_policy.hpp"

#include <gtest/gtest.h>

#include "piket/common/time_format.hpp"

namespace piket::web {
namespace {

using namespace std::chrono_literals;
const common::Instant kNow = *common::parse_rfc3339("2026-11-22T12:00:00Z");
const Principal kAnna{"anna", Role::casemanager, {"groningen"}};
const Principal kBert{"bert", Role::casemanager, {"groningen"}};
const Principal kLead{"tina", Role::team_lead, {"groningen"}};
const Principal kOtherLead{"dirk", Role::team_lead, {"drenthe"}};
const Principal kAdmin{"ops", Role::admin, {"groningen"}};

CaseFacts anna_case() {
  CaseFacts f;
  f.id = "C00000001";
  f.region = "groningen";
  f.casemanager = "anna";
  return f;
}

TEST(AccessPolicy, CaseDecisionsAreTheSharedRule) {
  EXPECT_TRUE(may_read_case(kAnna, anna_case(), kNow));
  EXPECT_TRUE(may_record_event(kAnna, anna_case(), kNow));
  EXPECT_FALSE(may_reassign_case(kAnna, anna_case(), kNow));
  EXPECT_FALSE(may_read_case(kBert, anna_case(), kNow));
  EXPECT_EQ(may_read_case(kBert, anna_case(), kNow).reason, "not your case");
  EXPECT_TRUE(may_reassign_case(kLead, anna_case(), kNow));
  EXPECT_FALSE(may_read_case(kOtherLead, anna_case(), kNow));
  EXPECT_FALSE(may_read_case(kAdmin, anna_case(), kNow));
  // Paged once is not enough: only a page that stands opens the case.
  auto f = anna_case();
  access::PageFact p;
  p.id = "P0000000000000001";
  p.person = "bert";
  p.state = "declined";
  p.declined = true;
  p.created_at = kNow - 1h;
  f.pages.push_back(p);
  EXPECT_FALSE(may_read_case(kBert, f, kNow));
  f.pages[0].state = "accepted";
  f.pages[0].declined = false;
  EXPECT_TRUE(may_read_case(kBert, f, kNow));
  EXPECT_FALSE(may_record_event(kBert, f, kNow));
  for (auto role : {Role::casemanager, Role::team_lead, Role::admin}) {
    const Principal p2{"x", role, {"groningen"}};
    EXPECT_EQ(case_caller(p2).role == rota::StaffRole::admin, role == Role::admin);
  }
}

TEST(AccessPolicy, TheBoardAndTheRotaAreForTheRegionsTeamLead) {
  EXPECT_TRUE(may_view_region(kLead, "groningen"));
  EXPECT_FALSE(may_view_region(kLead, "drenthe"));
  EXPECT_FALSE(may_view_region(kAnna, "groningen"));
  EXPECT_FALSE(may_view_region(kAdmin, "groningen"));
  EXPECT_TRUE(may_edit_rota(kLead, "groningen"));
  EXPECT_FALSE(may_edit_rota(kOtherLead, "groningen"));
}

TEST(AccessPolicy, OnlyAdminsAdminister) {
  EXPECT_TRUE(may_administer(kAdmin));
  EXPECT_FALSE(may_administer(kLead));
  EXPECT_FALSE(may_administer(kAnna));
}

}  // namespace
}  // namespace piket::web
