#include "piket/web/chain_stalls.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

namespace piket::web {

std::optional<common::Millis> median(std::vector<common::Millis> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  if (n % 2 == 1) return v[n / 2];
  return (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<common::Millis> percentile(std::vector<common::Millis> v, int p) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(static_cast<double>(std::clamp(p, 1, 100)) /
                                                       100.0 * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

ChainStalls chain_stalls(const std::vector<AgreementView>& agreements,
                         const std::vector<ChainPartnerView>& partners, std::string_view region,
                         common::Instant now, const std::vector<ReferralWait>& finished) {
  ChainStalls out;
  std::map<std::string, std::size_t, std::less<>> row;  // partner id → index in out.partners
  for (const auto& p : partners)
    if (p.region == region && !row.count(p.id)) {
      row[p.id] = out.partners.size();
      PartnerStall stall;
      stall.partner = p;
      out.partners.push_back(std::move(stall));
    }
  std::vector<std::vector<common::Millis>> waits(out.partners.size());
  std::set<std::pair<std::string_view, std::string_view>> recorded;  // (case, agreement)
  for (const auto& f : finished) {
    const auto it = row.find(f.partner);
    if (it == row.end() || !recorded.emplace(f.case_id, f.agreement).second) continue;
    waits[it->second].push_back(f.wait);
  }
  for (const auto& a : agreements) {
    if (a.region != region) continue;
    const auto it = row.find(a.who);
    if (it == row.end()) continue;  // the family, the casemanager, or not a partner here
    auto& s = out.partners[it->second];
    if (a.open()) ++s.open;
    if (a.state == "missed") ++s.missed;
    if (a.overdue(now)) {
      ++s.overdue;
      s.oldest_due = s.oldest_due ? std::min(*s.oldest_due, a.due) : a.due;
      out.overdue.push_back(a);
    }
    if (const auto w = a.waiting(); w && !recorded.count({a.case_id, a.id}))
      waits[it->second].push_back(*w);
  }
  for (std::size_t i = 0; i < out.partners.size(); ++i) {
    auto& s = out.partners[i];
    s.started = waits[i].size();
    s.median_wait = median(waits[i]);
    s.p90_wait = percentile(waits[i], 90);
  }
  std::sort(out.partners.begin(), out.partners.end(),
            [](const PartnerStall& a, const PartnerStall& b) {
              if (a.overdue != b.overdue) return a.overdue > b.overdue;
              const auto wa = a.median_wait.value_or(common::Millis{-1});
              const auto wb = b.median_wait.value_or(common::Millis{-1});
              if (wa != wb) return wa > wb;
              return a.partner.id < b.partner.id;
            });
  std::sort(out.overdue.begin(), out.overdue.end(),
            [](const AgreementView& a, const AgreementView& b) {
              return a.due != b.due ? a.due < b.due
                                    : std::tie(a.case_id, a.id) < std::tie(b.case_id, b.id);
            });
  return out;
}

}  // namespace piket::web
