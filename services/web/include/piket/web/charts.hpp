#pragma once
// The board's trend charts, computed from case timelines (pure): share of
// plans of action made within 12 hours of acceptance per week, the
// distribution of time to acknowledge a page, escalations per week, and open
// cases per casemanager over time. Weeks start on Monday 00:00 UTC.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"

namespace piket::web {

struct CaseHistory {
  std::string id;
  std::vector<boost::json::object> timeline;  // oldest first, each with "at", "type"
};

struct ChartData {
  std::vector<std::int64_t> weeks;  // Monday 00:00 UTC, seconds (shared by the weekly charts)
  std::vector<std::optional<double>> plan_share;  // made within 12 h / due; none when none due
  std::vector<int> plans_made_in_time, plans_due;
  std::vector<int> escalations;
  std::vector<std::string> ack_bins;  // minutes
  std::vector<int> ack_counts;
  std::optional<double> ack_median_minutes;
  std::vector<std::int64_t> days;  // midnight UTC, seconds
  std::vector<std::pair<std::string, std::vector<int>>>
      caseload;  // person -> open cases at day end
};

ChartData compute_charts(const std::vector<CaseHistory>& cases, common::Instant now, int weeks = 12,
                         int days = 28);

boost::json::object to_json(const ChartData& c);

// Monday 00:00 UTC of the week holding `t`.
common::Instant week_start(common::Instant t);

}  // namespace piket::web
