#include <algorithm>
#include <cstdio>
#include <numeric>

#include "piket/i18n/catalog.hpp"
#include "piket/planner/report.hpp"
#include "piket/planner/summary.hpp"
#include "piket/rota/wall_clock.hpp"
#include "report_tables.hpp"

namespace piket::planner {
namespace detail {

using i18n::render;
using i18n::text;

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string title(const Result& r, i18n::Language l) {
  const auto day = [](common::Instant t) { return rota::format_local(t).substr(0, 10); };
  return std::string(text(l, "plan.title")) + " — " +
         render(l, "plan.period", fmt::arg("region", r.region), fmt::arg("from", day(r.start)),
                fmt::arg("until", day(r.start + std::chrono::days{r.days})));
}

std::vector<std::pair<std::string, std::string>> summary_lines(const Result& r, i18n::Language l) {
  const auto s = summarize(r);
  const auto t = [&](const char* id) { return std::string(text(l, id)); };
  return {
      {t("plan.casemanagers"), std::to_string(r.casemanagers)},
      {t("plan.incidents"), std::to_string(s.incidents)},
      {t("plan.plans_in_time"), fixed(100 * s.plan_share, 1) + "% (" + std::to_string(s.plans_met) +
                                    " / " + std::to_string(s.plans) + ")"},
      {t("plan.first_contact"), fixed(s.contact_p50_minutes, 0) + " / " +
                                    fixed(s.contact_p90_minutes, 0) + " " + t("plan.unit.minutes")},
      {t("plan.no_contact"), std::to_string(s.no_contact)},
      {t("plan.pages_week"), fixed(s.pages_per_week, 2) + " / " + std::to_string(s.max_pages_week)},
      {t("plan.lead_pages_week"), fixed(s.team_lead_pages_per_week, 2)},
      {t("plan.lead_deadline_week"), fixed(s.deadline_team_lead_per_week, 2)},
      {t("plan.cap_passed"), std::to_string(s.cap_passed)},
      {t("plan.lead_assigned"), std::to_string(s.team_lead_assigned)},
      {t("plan.exhausted"), std::to_string(s.exhausted)},
      {t("plan.seed"), std::to_string(r.seed)},
  };
}

Table people_table(const Result& r, i18n::Language l) {
  Table t;
  for (const auto* id :
       {"plan.col.person", "plan.col.on_call", "plan.col.nights", "plan.col.weekends",
        "plan.col.taken", "plan.col.caseload", "plan.col.sick"})
    t.header.emplace_back(text(l, id));
  for (const auto& p : r.people) {
    std::string load = "-";
    if (!p.caseload.empty()) {
      const double mean = std::accumulate(p.caseload.begin(), p.caseload.end(), 0.0) /
                          static_cast<double>(p.caseload.size());
      load = fixed(mean, 1) + " / " +
             fixed(*std::max_element(p.caseload.begin(), p.caseload.end()), 1);
    }
    t.rows.push_back(
        {p.id + (p.team_lead ? " (" + std::string(text(l, "plan.team_lead")) + ")" : ""),
         fixed(p.on_call_hours, 0), fixed(p.night_hours, 0), fixed(p.weekend_hours, 0),
         std::to_string(p.incidents_taken), load, fixed(p.sick_days, 0)});
  }
  return t;
}

Table sweep_table(const Sweep& s, i18n::Language l) {
  Table t;
  for (const auto* id : {"plan.col.casemanagers", "plan.col.share", "plan.col.interval",
                         "plan.col.contact_p90", "plan.col.lead_pages", "plan.col.nights"})
    t.header.emplace_back(text(l, id));
  for (const auto& row : s.rows)
    t.rows.push_back({std::to_string(row.casemanagers), fixed(100 * row.mean, 1) + "%",
                      fixed(100 * row.low, 1) + "–" + fixed(100 * row.high, 1) + "%",
                      fixed(row.contact_p90_minutes, 0), fixed(row.team_lead_pages_per_week, 2),
                      fixed(row.night_hours, 0)});
  return t;
}

std::string sweep_answer(const Sweep& s, i18n::Language l) {
  const auto seeds = s.rows.empty() ? 0 : static_cast<int>(s.rows.front().shares.size());
  std::string out = render(l, "plan.sweep.seeds", fmt::arg("count", seeds)) + "\n";
  if (!s.answer)
    return out + render(l, "plan.sweep.none",
                        fmt::arg("count", s.rows.empty() ? 0 : s.rows.back().casemanagers));
  out += render(l, "plan.sweep.answer", fmt::arg("count", *s.answer));
  if (s.confident_answer)
    out += "\n" + render(l, "plan.sweep.confident", fmt::arg("count", *s.confident_answer));
  return out;
}

std::string render_table(const Table& t) {
  std::vector<std::size_t> width(t.header.size(), 0);
  // Widths in characters (the en dash is one).
  auto length = [](const std::string& s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  };
  for (std::size_t i = 0; i < t.header.size(); ++i) width[i] = length(t.header[i]);
  for (const auto& row : t.rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], length(row[i]));
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const auto pad = std::string(width[i] - length(cells[i]), ' ');
      out += i == 0 ? cells[i] + pad : "  " + pad + cells[i];
    }
    out += "\n";
  };
  line(t.header);
  for (const auto& row : t.rows) line(row);
  return out;
}

}  // namespace detail

std::string text_report(const Result& r, i18n::Language l) {
  std::string out = detail::title(r, l) + "\n\n";
  const auto lines = detail::summary_lines(r, l);
  std::size_t w = 0;
  for (const auto& [label, value] : lines) w = std::max(w, label.size());
  for (const auto& [label, value] : lines)
    out += label + std::string(w - label.size(), ' ') + "  " + value + "\n";
  out += "\n" + std::string(i18n::text(l, "plan.per_person")) + "\n";
  out += detail::render_table(detail::people_table(r, l));
  return out;
}

std::string text_sweep(const Sweep& s, i18n::Language l) {
  return std::string(i18n::text(l, "plan.sweep.title")) + "\n" +
         detail::render_table(detail::sweep_table(s, l)) + detail::sweep_answer(s, l) + "\n";
}

}  // namespace piket::planner
