// paging::expansion_args and attach_plan (paging/page_expansion.hpp): the
// deliveries a page gets from its person's contact rules, and the plan of the
// page as expanded, as dispatch's commit and notify's expansion pass them to
// lib/notify_expand_page.lua. Pure: no servers.
#include "piket/paging/page_expansion.hpp"

#include <gtest/gtest.h>

namespace piket::paging {
namespace {

using common::Millis;
const common::Instant kDomain = common::from_epoch_ms(1'800'000'000'000);
const common::Instant kTransport = common::from_epoch_ms(1'900'000'000'000);

rota::PersonConfig person_with(std::vector<rota::ContactRule> contact) {
  rota::PersonConfig p;
  p.id = "anna";
  p.phone = "+31600000000";
  p.email = "anna@example.org";
  p.contact = std::move(contact);
  return p;
}

TEST(PageExpansion, OneDeliveryPerContactRuleWithItsAddress) {
  const auto p = person_with({{rota::ContactChannel::push, Millis{0}},
                              {rota::ContactChannel::sms, Millis{60'000}},
                              {rota::ContactChannel::email, Millis{300'000}}});
  const auto a = expansion_args("P1", "anna", &p, kDomain);
  EXPECT_EQ(a.page_id, "P1");
  EXPECT_EQ(a.person, "anna");
  EXPECT_EQ(a.now_ms, common::to_epoch_ms(kDomain));
  ASSERT_EQ(a.rules.size(), 3u);
  EXPECT_EQ(a.rules[0].channel, "push");
  EXPECT_EQ(a.rules[0].address, "push:anna");
  EXPECT_EQ(a.rules[1].channel, "sms");
  EXPECT_EQ(a.rules[1].after_ms, 60'000);
  EXPECT_EQ(a.rules[1].address, "");  // the page's number, not the person's from here
  EXPECT_EQ(a.rules[2].channel, "email");
  EXPECT_EQ(a.rules[2].address, "anna@example.org");
  EXPECT_FALSE(a.plan);
}

TEST(PageExpansion, APersonWithoutRulesOrUnknownGetsOneSmsAtOnce) {
  const auto p = person_with({});
  for (const auto* who : {&p, static_cast<const rota::PersonConfig*>(nullptr)}) {
    const auto a = expansion_args("P1", "anna", who, kDomain);
    ASSERT_EQ(a.rules.size(), 1u);
    EXPECT_EQ(a.rules[0].channel, "sms");
    EXPECT_EQ(a.rules[0].after_ms, 0);
  }
}

// The plan starts what is due at once, wakes up for the next channel, and is
// made at the rev the expansion leaves the page at.
TEST(PageExpansion, ThePlanOfTheExpandedPageStartsWhatIsDueAndWakesForTheNext) {
  const auto p = person_with(
      {{rota::ContactChannel::sms, Millis{0}}, {rota::ContactChannel::push, Millis{60'000}}});
  auto a = expansion_args("P1", "anna", &p, kDomain);
  const auto planned =
      attach_plan(a, common::to_epoch_ms(kDomain), false, {kDomain, kTransport, Millis{5'000}});
  ASSERT_TRUE(a.plan);
  EXPECT_EQ(a.plan->created_at_ms, common::to_epoch_ms(kDomain));
  EXPECT_FALSE(a.plan->informational);
  const auto& apply = a.plan->apply;
  EXPECT_EQ(apply.rev, store::kNotifyExpandedRev);
  EXPECT_EQ(apply.transport_now_ms, common::to_epoch_ms(kTransport));
  EXPECT_EQ(apply.outbox_due_ms, common::to_epoch_ms(kTransport) + 5'000);
  ASSERT_EQ(apply.start.size(), 1u);
  EXPECT_EQ(apply.start[0].channel, "sms");
  EXPECT_EQ(apply.start[0].reason, "at_once");
  EXPECT_EQ(apply.next_wakeup_ms, common::to_epoch_ms(kDomain) + 60'000);
  EXPECT_EQ(planned.plan.start.size(), 1u);
  // An information page waits for no answer: its push starts only if the SMS fails.
  auto info = expansion_args("P2", "anna", &p, kDomain);
  attach_plan(info, common::to_epoch_ms(kDomain), true, {kDomain, kTransport, Millis{5'000}});
  EXPECT_TRUE(info.plan->informational);
  EXPECT_EQ(info.plan->apply.start.size(), 1u);
  EXPECT_FALSE(info.plan->apply.next_wakeup_ms);
}

// A page its producer has just made: created now, asking for an answer, its plan attached.
TEST(PageExpansion, ANewPagesExpansionIsPlannedOnItsMakingNow) {
  const auto p = person_with(
      {{rota::ContactChannel::sms, Millis{0}}, {rota::ContactChannel::push, Millis{60'000}}});
  const auto a = new_page_expansion("P1", "anna", &p, {kDomain, kTransport, Millis{5'000}});
  ASSERT_TRUE(a.plan);
  EXPECT_EQ(a.now_ms, common::to_epoch_ms(kDomain));
  EXPECT_EQ(a.plan->created_at_ms, common::to_epoch_ms(kDomain));
  EXPECT_FALSE(a.plan->informational);
  ASSERT_EQ(a.plan->apply.start.size(), 1u);
  EXPECT_EQ(a.plan->apply.start[0].channel, "sms");
  EXPECT_EQ(a.plan->apply.next_wakeup_ms, common::to_epoch_ms(kDomain) + 60'000);
}

TEST(PageExpansion, AContactChannelIsReadBackFromItsName) {
  for (auto c :
       {rota::ContactChannel::sms, rota::ContactChannel::push, rota::ContactChannel::email})
    EXPECT_EQ(rota::parse_contact_channel(rota::to_string(c)), c);
  for (const char* bad : {"", "SMS", "fax", "sms "})
    EXPECT_FALSE(rota::parse_contact_channel(bad)) << bad;
}

}  // namespace
}  // namespace piket::paging
