#pragma once
// Where the chain stalls (issue 16, the team lead's board): per chain partner
// of a region, its open agreements past their due time and the waiting time
// of its referrals (help asked → help started), from the agreements' records
// and the region's record of finished referral waits (ReferralWait). Pure: the
// board calls it with the region's open cases' agreements and the region's
// finished waits of the last year (closed cases too), the year replay with a
// year's agreements.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/web/agreement_view.hpp"

namespace piket::web {

struct PartnerStall {
  ChainPartnerView partner;
  std::size_t open = 0;     // agreements with the partner not yet settled
  std::size_t overdue = 0;  // of those, past their due time
  std::size_t missed = 0;   // settled as missed
  std::size_t started = 0;  // referrals whose help started: the waiting times measured
  std::optional<common::Millis> median_wait, p90_wait;
  std::optional<common::Instant> oldest_due;  // the longest overdue agreement's due time
};

struct ChainStalls {
  // Every partner of the region, those with none included: the most overdue
  // first, then the longest median wait, then by id.
  std::vector<PartnerStall> partners;
  // The region's overdue agreements with a chain partner, longest overdue first.
  std::vector<AgreementView> overdue;
};

// Agreements of cases of other regions, and with the family or the
// casemanager, are not counted; nor partners of other regions. The waiting
// times are those of `finished` (the region's record) and of the agreements'
// referrals the record does not hold (done before it was kept), each referral
// once.
ChainStalls chain_stalls(const std::vector<AgreementView>& agreements,
                         const std::vector<ChainPartnerView>& partners, std::string_view region,
                         common::Instant now, const std::vector<ReferralWait>& finished = {});

// The middle value, or the mean of the two middle ones; nullopt when empty.
std::optional<common::Millis> median(std::vector<common::Millis> values);
// The nearest-rank percentile p (1-100); nullopt when empty.
std::optional<common::Millis> percentile(std::vector<common::Millis> values, int p);

}  // namespace piket::web
