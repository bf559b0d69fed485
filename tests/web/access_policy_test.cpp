// Need-to-know as a table: who may read, record in and reassign which case.
#include "piket/web/access_policy.hpp"

#include <gtest/gtest.h>

namespace piket::web {
namespace {

const Principal kAnna{"anna", Role::casemanager, {"groningen"}};
const Principal kBert{"bert", Role::casemanager, {"groningen"}};
const Principal kLead{"tina", Role::team_lead, {"groningen"}};
const Principal kOtherLead{"dirk", Role::team_lead, {"drenthe"}};
const Principal kAdmin{"ops", Role::admin, {"groningen"}};

CaseFacts anna_case() {
  return {"C00000001", "groningen", "anna", {"anna"}, true};
}

TEST(AccessPolicy, CasemanagersReadTheirOwnCasesOnly) {
  EXPECT_TRUE(may_read_case(kAnna, anna_case()));
  EXPECT_FALSE(may_read_case(kBert, anna_case()));
  EXPECT_EQ(may_read_case(kBert, anna_case()).reason, "not your case");
}

TEST(AccessPolicy, APagedCasemanagerMayReadAndRecord) {
  auto c = anna_case();
  c.paged.push_back("bert");
  EXPECT_TRUE(may_read_case(kBert, c));
  EXPECT_TRUE(may_record_event(kBert, c));
}

TEST(AccessPolicy, TeamLeadsSeeTheirRegionOnly) {
  EXPECT_TRUE(may_read_case(kLead, anna_case()));
  EXPECT_FALSE(may_read_case(kOtherLead, anna_case()));
  EXPECT_TRUE(may_view_region(kLead, "groningen"));
  EXPECT_FALSE(may_view_region(kLead, "drenthe"));
  EXPECT_FALSE(may_view_region(kAnna, "groningen"));
}

TEST(AccessPolicy, AdminsSeeNoCaseContent) {
  EXPECT_FALSE(may_read_case(kAdmin, anna_case()));
  EXPECT_FALSE(may_record_event(kAdmin, anna_case()));
  EXPECT_FALSE(may_view_region(kAdmin, "groningen"));
  EXPECT_TRUE(may_administer(kAdmin));
  EXPECT_FALSE(may_administer(kLead));
}

TEST(AccessPolicy, OnlyTheRegionsTeamLeadReassigns) {
  EXPECT_TRUE(may_reassign_case(kLead, anna_case()));
  EXPECT_FALSE(may_reassign_case(kAnna, anna_case()));
  EXPECT_FALSE(may_reassign_case(kOtherLead, anna_case()));
  auto closed = anna_case();
  closed.open = false;
  EXPECT_FALSE(may_reassign_case(kLead, closed));
  EXPECT_FALSE(may_record_event(kAnna, closed));
  EXPECT_TRUE(may_read_case(kAnna, closed));
}

TEST(AccessPolicy, AnUnassignedCaseIsNobodysOwn) {
  CaseFacts c{"C00000002", "groningen", "", {}, true};
  EXPECT_FALSE(may_read_case(kAnna, c));
  EXPECT_TRUE(may_read_case(kLead, c));
}

}  // namespace
}  // namespace piket::web
