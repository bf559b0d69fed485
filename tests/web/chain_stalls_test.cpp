// Where the chain stalls (issue 16): per chain partner of a region, overdue
// agreements and the median waiting time of its referrals.
#include "piket/web/chain_stalls.hpp"

#include <gtest/gtest.h>

#include "piket/common/time_format.hpp"

namespace piket::web {
namespace {

using common::Instant;
using common::Millis;
using namespace std::chrono_literals;

Instant at(const char* rfc3339) {
  return *common::parse_rfc3339(rfc3339);
}
const Instant kNow = at("2027-03-01T12:00:00Z");

const std::vector<ChainPartnerView> kPartners{
    {"vz-noord", "Synthetic Addiction Care", "addiction_care", "groningen"},
    {"jz-stad", "Synthetic Youth Care", "youth_care", "groningen"},
    {"ggz-oost", "Synthetic Mental Health", "mental_health", "groningen"},
    {"vz-drenthe", "Synthetic Addiction Care Drenthe", "addiction_care", "drenthe"},
};

int counter = 0;
AgreementView agreement(std::string who, std::string state, Instant due,
                        std::string region = "groningen") {
  AgreementView a;
  a.case_id = "C0000000" + std::to_string(++counter % 10);
  a.id = "A" + std::to_string(counter);
  a.region = std::move(region);
  a.who = std::move(who);
  a.category = "appointment";
  a.track = "victim";
  a.state = std::move(state);
  a.due = due;
  a.created_at = due - 7 * 24h;
  return a;
}
// A referral to `who` asked on 1 February, help started `days` later.
AgreementView referral(std::string who, double days, std::string region = "groningen") {
  auto a = agreement(std::move(who), "done", at("2027-02-20T12:00:00Z"), std::move(region));
  a.category = "referral";
  a.requested_at = at("2027-02-01T09:00:00Z");
  a.started_at = *a.requested_at + std::chrono::duration_cast<Millis>(days * 24h);
  return a;
}
const PartnerStall& row(const ChainStalls& s, const std::string& id) {
  for (const auto& p : s.partners)
    if (p.partner.id == id) return p;
  throw std::runtime_error("no row for " + id);
}

TEST(ChainStalls, MedianOfAnOddCountIsTheMiddleWait) {
  const auto s =
      chain_stalls({referral("vz-noord", 3), referral("vz-noord", 21), referral("vz-noord", 10)},
                   kPartners, "groningen", kNow);
  const auto& vz = row(s, "vz-noord");
  EXPECT_EQ(vz.started, 3u);
  ASSERT_TRUE(vz.median_wait);
  EXPECT_EQ(*vz.median_wait, Millis{10 * 24h});
  EXPECT_EQ(*vz.p90_wait, Millis{21 * 24h});
}

TEST(ChainStalls, MedianOfAnEvenCountIsTheMeanOfTheTwoMiddleWaits) {
  const auto s = chain_stalls({referral("jz-stad", 2), referral("jz-stad", 30),
                               referral("jz-stad", 5), referral("jz-stad", 8)},
                              kPartners, "groningen", kNow);
  const auto& jz = row(s, "jz-stad");
  ASSERT_TRUE(jz.median_wait);
  EXPECT_EQ(*jz.median_wait, Millis{std::chrono::hours{(5 + 8) * 24 / 2}});
  EXPECT_EQ(*jz.p90_wait, Millis{30 * 24h}) << "nearest rank: the 4th of 4";
}

TEST(ChainStalls, PartnersWithNoAgreementsAreListedWithNothingMeasured) {
  const auto s = chain_stalls({}, kPartners, "groningen", kNow);
  ASSERT_EQ(s.partners.size(), 3u) << "every partner of the region, none of another";
  for (const auto& p : s.partners) {
    EXPECT_EQ(p.overdue, 0u);
    EXPECT_EQ(p.open, 0u);
    EXPECT_EQ(p.started, 0u);
    EXPECT_FALSE(p.median_wait);
    EXPECT_FALSE(p.p90_wait);
    EXPECT_FALSE(p.oldest_due);
  }
  EXPECT_TRUE(s.overdue.empty());
  EXPECT_EQ(s.partners[0].partner.id, "ggz-oost") << "all equal: by id";
}

TEST(ChainStalls, OverdueIsOpenAndPastDueOnlyAndTheMostOverduePartnerComesFirst) {
  const auto s = chain_stalls(
      {
          agreement("jz-stad", "open", at("2027-02-25T09:00:00Z")),    // overdue
          agreement("jz-stad", "open", at("2027-02-27T09:00:00Z")),    // overdue
          agreement("jz-stad", "open", at("2027-03-05T09:00:00Z")),    // open, not yet due
          agreement("jz-stad", "done", at("2027-02-20T09:00:00Z")),    // settled
          agreement("jz-stad", "missed", at("2027-02-21T09:00:00Z")),  // settled as missed
          agreement("vz-noord", "open", at("2027-02-26T09:00:00Z")),   // overdue
          agreement("vz-noord", "cancelled", at("2027-02-01T09:00:00Z")),
          agreement("family", "open", at("2027-02-10T09:00:00Z")),       // not a partner
          agreement("casemanager", "open", at("2027-02-10T09:00:00Z")),  // not a partner
      },
      kPartners, "groningen", kNow);
  ASSERT_EQ(s.partners.size(), 3u);
  EXPECT_EQ(s.partners[0].partner.id, "jz-stad");
  EXPECT_EQ(s.partners[0].overdue, 2u);
  EXPECT_EQ(s.partners[0].open, 3u);
  EXPECT_EQ(s.partners[0].missed, 1u);
  EXPECT_EQ(*s.partners[0].oldest_due, at("2027-02-25T09:00:00Z"));
  EXPECT_EQ(s.partners[1].partner.id, "vz-noord");
  EXPECT_EQ(s.partners[1].overdue, 1u);
  EXPECT_EQ(s.partners[2].overdue, 0u);
  ASSERT_EQ(s.overdue.size(), 3u) << "partners' overdue agreements only";
  EXPECT_EQ(s.overdue[0].due, at("2027-02-25T09:00:00Z")) << "longest overdue first";
  EXPECT_EQ(s.overdue[1].who, "vz-noord");
  EXPECT_EQ(s.overdue[2].due, at("2027-02-27T09:00:00Z"));
  // Due exactly now is overdue (the engine's clock fires at its due time).
  const auto at_due =
      chain_stalls({agreement("vz-noord", "open", kNow)}, kPartners, "groningen", kNow);
  EXPECT_EQ(row(at_due, "vz-noord").overdue, 1u);
}

TEST(ChainStalls, ARegionCountsItsOwnCasesAndPartnersOnly) {
  const std::vector<AgreementView> all{
      referral("vz-noord", 4),
      referral("vz-noord", 40, "drenthe"),  // a case of another region
      referral("vz-drenthe", 12, "drenthe"),
      agreement("vz-drenthe", "open", at("2027-02-01T09:00:00Z"), "drenthe"),
  };
  const auto g = chain_stalls(all, kPartners, "groningen", kNow);
  EXPECT_EQ(row(g, "vz-noord").started, 1u);
  EXPECT_EQ(*row(g, "vz-noord").median_wait, Millis{4 * 24h});
  EXPECT_THROW(row(g, "vz-drenthe"), std::runtime_error) << "a partner of another region";
  EXPECT_TRUE(g.overdue.empty());
  const auto d = chain_stalls(all, kPartners, "drenthe", kNow);
  ASSERT_EQ(d.partners.size(), 1u);
  EXPECT_EQ(d.partners[0].partner.id, "vz-drenthe");
  EXPECT_EQ(d.partners[0].overdue, 1u);
  EXPECT_EQ(*d.partners[0].median_wait, Millis{12 * 24h});
  ASSERT_EQ(d.overdue.size(), 1u);
}

TEST(ChainStalls, AReferralNotYetStartedOrMissedHasNoWaitingTime) {
  auto waiting = referral("ggz-oost", 6);
  waiting.state = "open";
  waiting.started_at.reset();
  waiting.due = at("2027-03-10T09:00:00Z");
  auto missed = referral("ggz-oost", 0);
  missed.state = "missed";
  missed.started_at.reset();
  const auto s =
      chain_stalls({waiting, missed, referral("ggz-oost", 9)}, kPartners, "groningen", kNow);
  const auto& g = row(s, "ggz-oost");
  EXPECT_EQ(g.started, 1u);
  EXPECT_EQ(*g.median_wait, Millis{9 * 24h});
  EXPECT_EQ(g.open, 1u);
  EXPECT_EQ(g.missed, 1u);
}

TEST(ChainStalls, PercentileAndMedianOfNothingAreNothing) {
  EXPECT_FALSE(median({}));
  EXPECT_FALSE(percentile({}, 90));
  EXPECT_EQ(*median({Millis{7}}), Millis{7});
  EXPECT_EQ(*percentile({Millis{7}}, 90), Millis{7});
  std::vector<Millis> ten;
  for (int i = 10; i >= 1; --i) ten.push_back(Millis{i});
  EXPECT_EQ(*percentile(ten, 90), Millis{9});
  EXPECT_EQ(*percentile(ten, 100), Millis{10});
  EXPECT_EQ(*median(ten), Millis{5}) << "(5 + 6) / 2 in whole milliseconds";
}

// The board's waiting times cover the region's referrals of closed cases too:
// from the region's record of finished waits, each referral once (an open
// case's referral both in the record and among the agreements counts once);
// one done before the record was kept counts from its agreement.
TEST(ChainStalls, FinishedWaitsOfClosedCasesCountOnceBesideTheOpenCasesReferrals) {
  const auto in_record = referral("vz-noord", 4);
  const auto before_record = referral("vz-noord", 10);
  const std::vector<ReferralWait> finished{
      {in_record.case_id, in_record.id, "vz-noord", Millis{4 * 24h}, *in_record.started_at},
      {"C0000000X", "A1", "vz-noord", Millis{20 * 24h}, kNow - 100 * 24h},  // a closed case
      {"C0000000Y", "A2", "vz-noord", Millis{30 * 24h}, kNow - 50 * 24h},   // a closed case
      {"C0000000Z", "A1", "vz-drenthe", Millis{90 * 24h}, kNow - 5 * 24h},  // not this region's
      {"C0000000Z", "A2", "family", Millis{90 * 24h}, kNow - 5 * 24h},      // not a partner
  };
  const auto s = chain_stalls({in_record, before_record}, kPartners, "groningen", kNow, finished);
  const auto& vz = row(s, "vz-noord");
  EXPECT_EQ(vz.started, 4u) << "4, 20 and 30 days from the record, 10 from the agreement";
  EXPECT_EQ(vz.median_wait, Millis{15 * 24h});
  EXPECT_EQ(vz.p90_wait, Millis{30 * 24h});
  EXPECT_EQ(row(s, "jz-stad").started, 0u);
  // Without the record: the open cases' referrals only.
  EXPECT_EQ(row(chain_stalls({in_record, before_record}, kPartners, "groningen", kNow), "vz-noord")
                .median_wait,
            Millis{7 * 24h});
}

}  // namespace
}  // namespace piket::web
