#include "piket/planner/summary.hpp"

#include <algorithm>
#include <cmath>

namespace piket::planner {

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

Summary summarize(const Result& r) {
  Summary s;
  const auto end = r.start + std::chrono::days{r.days};
  std::vector<double> contact;
  for (const auto& inc : r.incidents) {
    ++s.incidents;
    if (inc.plan_due && *inc.plan_due <= end) {
      ++s.plans;
      if (inc.plan && *inc.plan <= *inc.plan_due) ++s.plans_met;
    }
    if (inc.contact_due) {
      if (inc.first_contact && *inc.first_contact <= end)
        contact.push_back(static_cast<double>((*inc.first_contact - inc.accepted).count()) /
                          60'000.0);
      else
        ++s.no_contact;
    }
    s.cap_passed += inc.cap_passed ? 1 : 0;
    s.team_lead_assigned += inc.team_lead_assigned ? 1 : 0;
  }
  s.contacts = static_cast<int>(contact.size());
  s.plan_share = s.plans == 0 ? 1.0 : static_cast<double>(s.plans_met) / s.plans;
  s.contact_p50_minutes = percentile(contact, 0.5);
  s.contact_p90_minutes = percentile(contact, 0.9);
  double pages = 0, lead = 0, deadline = 0;
  for (const auto& w : r.weeks) {
    pages += w.pages;
    lead += w.team_lead_pages;
    deadline += w.deadline_team_lead;
    s.max_pages_week = std::max(s.max_pages_week, w.pages);
    s.exhausted += w.exhausted;
  }
  const double weeks = r.days / 7.0;
  s.pages_per_week = pages / weeks;
  s.team_lead_pages_per_week = lead / weeks;
  s.deadline_team_lead_per_week = deadline / weeks;
  return s;
}

}  // namespace piket::planner
