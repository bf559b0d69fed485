#include "piket/web/charts.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

namespace piket::web {
namespace {

using common::Instant;
using common::Millis;
constexpr Millis kDay{24LL * 3600 * 1000};
constexpr Millis kWeek{7 * kDay};
constexpr Millis kPlanWindow{12LL * 3600 * 1000};

std::string str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<Instant> at_of(const boost::json::object& e) {
  const auto* v = e.if_contains("at");
  if (v && v->is_int64()) return common::from_epoch_ms(v->as_int64());
  if (v && v->is_uint64()) return common::from_epoch_ms(static_cast<std::int64_t>(v->as_uint64()));
  if (v && v->is_double()) return common::from_epoch_ms(static_cast<std::int64_t>(v->as_double()));
  return std::nullopt;
}

bool is_plan(const std::string& type) {
  return type == "plan_of_action" || type == "plan";
}
// The deadline engine's escalations to the team lead, and paging's own.
bool is_escalation(const boost::json::object& e, const std::string& type) {
  if (type == "deadline_fired") {
    const auto* v = e.if_contains("escalation");
    return v && v->is_bool() && v->as_bool();
  }
  return type == "escalated";
}
bool is_closing(const std::string& type) {
  return type == "closed" || type == "closing";
}

std::int64_t seconds(Instant t) {
  return common::to_epoch_ms(t) / 1000;
}

}  // namespace

Instant week_start(Instant t) {
  const auto ms = common::to_epoch_ms(t);
  auto days = ms >= 0 ? ms / kDay.count() : (ms - kDay.count() + 1) / kDay.count();
  const auto weekday = ((days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday; Monday = 0
  return common::from_epoch_ms((days - weekday) * kDay.count());
}

ChartData compute_charts(const std::vector<CaseHistory>& cases, Instant now, int weeks, int days) {
  ChartData c;
  const auto this_week = week_start(now);
  const auto first_week = this_week - (weeks - 1) * kWeek;
  for (int w = 0; w < weeks; ++w) c.weeks.push_back(seconds(first_week + w * kWeek));
  c.plans_made_in_time.assign(weeks, 0);
  c.plans_due.assign(weeks, 0);
  c.escalations.assign(weeks, 0);
  auto week_index = [&](Instant t) -> std::optional<std::size_t> {
    if (t < first_week || t >= this_week + kWeek) return std::nullopt;
    return static_cast<std::size_t>((t - first_week) / kWeek);
  };

  const std::vector<std::pair<double, std::string>> bins{
      {1, "<1"}, {2, "1–2"}, {5, "2–5"}, {10, "5–10"}, {15, "10–15"}, {30, "15–30"}, {60, "30–60"}};
  for (const auto& b : bins) c.ack_bins.push_back(b.second);
  c.ack_bins.push_back(">60");
  c.ack_counts.assign(c.ack_bins.size(), 0);
  std::vector<double> ack_minutes;

  const auto today = common::from_epoch_ms(common::to_epoch_ms(now) / kDay.count() * kDay.count());
  const auto first_day = today - (days - 1) * kDay;
  for (int d = 0; d < days; ++d) c.days.push_back(seconds(first_day + d * kDay));
  std::map<std::string, std::vector<int>> load;

  for (const auto& k : cases) {
    std::optional<Instant> accepted, plan;
    std::map<std::string, Instant> paged_at;
    // Who held the case from when: (time, person or "" when closed).
    std::vector<std::pair<Instant, std::string>> holders;
    for (const auto& e : k.timeline) {
      const auto at = at_of(e);
      if (!at) continue;
      const auto type = str(e, "type");
      if (type == "incident_accepted" && !accepted) accepted = at;
      if (is_plan(type) && !plan) plan = at;
      if (is_escalation(e, type))
        if (auto w = week_index(*at)) ++c.escalations[*w];
      if ((type == "paged" || type == "deadline_fired") && !str(e, "page").empty())
        paged_at.emplace(str(e, "page"), *at);
      if (type == "acknowledged") {
        auto it = paged_at.find(str(e, "page"));
        if (it != paged_at.end() && *at >= it->second) {
          const double minutes = static_cast<double>((*at - it->second).count()) / 60000.0;
          ack_minutes.push_back(minutes);
          std::size_t b = 0;
          while (b < bins.size() && minutes >= bins[b].first) ++b;
          ++c.ack_counts[b];
          paged_at.erase(it);
        }
      }
      if (type == "casemanager_assigned" || type == "reassigned") {
        auto to = str(e, "to");
        if (to.empty()) to = str(e, "person");
        if (!to.empty()) holders.emplace_back(*at, to);
      }
      if (is_closing(type)) holders.emplace_back(*at, "");
    }
    if (accepted) {
      const auto deadline = *accepted + kPlanWindow;
      // A plan counts in the week the incident was accepted, once it is due or made.
      if (auto w = week_index(*accepted); w && (plan || deadline <= now)) {
        ++c.plans_due[*w];
        if (plan && *plan <= deadline) ++c.plans_made_in_time[*w];
      }
    }
    for (std::size_t d = 0; d < c.days.size(); ++d) {
      const auto day_end = common::from_epoch_ms(c.days[d] * 1000) + kDay;
      const auto at = std::min(day_end, now + Millis{1});
      std::string holder;
      for (const auto& [t, who] : holders)
        if (t < at) holder = who;
      if (holder.empty()) continue;
      auto& v = load[holder];
      if (v.empty()) v.assign(c.days.size(), 0);
      ++v[d];
    }
  }
  for (int w = 0; w < weeks; ++w)
    c.plan_share.push_back(
        c.plans_due[w]
            ? std::optional<double>(static_cast<double>(c.plans_made_in_time[w]) / c.plans_due[w])
            : std::nullopt);
  if (!ack_minutes.empty()) {
    std::sort(ack_minutes.begin(), ack_minutes.end());
    c.ack_median_minutes = ack_minutes[ack_minutes.size() / 2];
  }
  for (auto& [person, v] : load) c.caseload.emplace_back(person, std::move(v));
  return c;
}

boost::json::object to_json(const ChartData& c) {
  boost::json::object o;
  boost::json::array weeks(c.weeks.begin(), c.weeks.end());
  boost::json::array share;
  for (const auto& s : c.plan_share)
    share.push_back(s ? boost::json::value(*s) : boost::json::value(nullptr));
  o["plans"] = {
      {"weeks", weeks},
      {"share", share},
      {"made", boost::json::array(c.plans_made_in_time.begin(), c.plans_made_in_time.end())},
      {"due", boost::json::array(c.plans_due.begin(), c.plans_due.end())}};
  boost::json::array bins;
  for (const auto& b : c.ack_bins) bins.emplace_back(b);
  o["ack"] = {{"bins", bins},
              {"counts", boost::json::array(c.ack_counts.begin(), c.ack_counts.end())},
              {"median_minutes", c.ack_median_minutes ? boost::json::value(*c.ack_median_minutes)
                                                      : boost::json::value(nullptr)}};
  o["escalations"] = {{"weeks", weeks},
                      {"counts", boost::json::array(c.escalations.begin(), c.escalations.end())}};
  boost::json::array series;
  for (const auto& [person, values] : c.caseload)
    series.push_back(boost::json::object{
        {"person", person}, {"values", boost::json::array(values.begin(), values.end())}});
  o["caseload"] = {{"days", boost::json::array(c.days.begin(), c.days.end())}, {"series", series}};
  return o;
}

}  // namespace piket::web
