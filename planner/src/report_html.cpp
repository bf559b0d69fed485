#include <boost/json.hpp>

#include "piket/common/html_escape.hpp"
#include "piket/i18n/catalog.hpp"
#include "piket/planner/report.hpp"
#include "report_tables.hpp"

namespace piket::planner {
namespace {

// JSON inside a <script>: "</" could end it.
std::string script_json(const boost::json::value& v) {
  std::string s = boost::json::serialize(v);
  for (std::size_t at = s.find("</"); at != std::string::npos; at = s.find("</", at + 3))
    s.replace(at, 2, "<\\/");
  return s;
}

std::string table_html(const detail::Table& t) {
  std::string out = "<table><thead><tr>";
  for (const auto& h : t.header) out += "<th>" + common::html_escape(h) + "</th>";
  out += "</tr></thead><tbody>";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const auto& c : row) out += "<td>" + common::html_escape(c) + "</td>";
    out += "</tr>";
  }
  return out + "</tbody></table>\n";
}

boost::json::array numbers(const std::vector<double>& v) {
  boost::json::array a;
  for (const double x : v) a.push_back(x);
  return a;
}

// The week series: x (seconds since the epoch), then one array per series.
boost::json::object weekly(const Result& r, i18n::Language l) {
  std::vector<double> x, pages, lead, deadline, cap;
  for (std::size_t i = 0; i < r.weeks.size(); ++i) {
    const auto& w = r.weeks[i];
    x.push_back(
        static_cast<double>(common::to_epoch_ms(r.start + std::chrono::days{7 * i}) / 1000));
    pages.push_back(w.pages);
    lead.push_back(w.team_lead_pages);
    deadline.push_back(w.deadline_team_lead);
    cap.push_back(w.cap_passed);
  }
  boost::json::array labels;
  for (const auto* id : {"plan.chart.pages", "plan.chart.lead_pages", "plan.chart.lead_deadline",
                         "plan.chart.cap_passed"})
    labels.push_back(boost::json::string(i18n::text(l, id)));
  return {{"labels", labels},
          {"data", boost::json::array{numbers(x), numbers(pages), numbers(lead), numbers(deadline),
                                      numbers(cap)}}};
}

boost::json::object caseload(const Result& r) {
  boost::json::array labels, data;
  std::vector<double> x;
  std::size_t n = 0;
  for (const auto& p : r.people) n = std::max(n, p.caseload.size());
  for (std::size_t i = 0; i < n; ++i)
    x.push_back(
        static_cast<double>(common::to_epoch_ms(r.start + std::chrono::days{7 * i}) / 1000));
  data.push_back(numbers(x));
  for (const auto& p : r.people) {
    if (p.team_lead) continue;
    labels.push_back(boost::json::string(p.id));
    auto v = p.caseload;
    v.resize(n, 0);
    data.push_back(numbers(v));
  }
  return {{"labels", labels}, {"data", data}};
}

boost::json::object sweep_series(const Sweep& s, i18n::Language l) {
  std::vector<double> x, mean, low, high;
  for (const auto& row : s.rows) {
    x.push_back(row.casemanagers);
    mean.push_back(100 * row.mean);
    low.push_back(100 * row.low);
    high.push_back(100 * row.high);
  }
  boost::json::array labels;
  for (const auto* id : {"plan.chart.share", "plan.chart.low", "plan.chart.high"})
    labels.push_back(boost::json::string(i18n::text(l, id)));
  return {{"labels", labels},
          {"data", boost::json::array{numbers(x), numbers(mean), numbers(low), numbers(high)}}};
}

// Draws every chart of `DATA` with uPlot; "time" false for the sweep's x.
constexpr const char* kDrawCharts = R"JS(
(function () {
  const colours = ["#1f5fa8", "#c0392b", "#8e44ad", "#d68910", "#117a65", "#5d6d7e",
                   "#a04000", "#2e86c1", "#7d3c98", "#239b56", "#b03a2e", "#34495e"];
  for (const [id, chart] of Object.entries(DATA)) {
    const host = document.getElementById(id);
    if (!host) continue;
    const series = [{label: chart.x || ""}];
    chart.labels.forEach((label, i) => series.push({label, stroke: colours[i % colours.length],
      width: 2, dash: chart.dashed && i > 0 ? [6, 4] : undefined}));
    new uPlot({width: Math.min(1000, document.body.clientWidth - 20), height: 280, series,
               scales: {x: {time: chart.time !== false}}}, chart.data, host);
  }
})();
)JS";

}  // namespace

std::string html_report(const Result* r, const Sweep* s, const ChartLibrary& charts,
                        i18n::Language l) {
  const auto t = [&](const char* id) {
    return common::html_escape(std::string(i18n::text(l, id)));
  };
  const std::string heading = r ? common::html_escape(detail::title(*r, l)) : t("plan.sweep.title");
  std::string out = "<!doctype html>\n<html lang=\"" + std::string(i18n::to_string(l)) +
                    "\"><head><meta charset=\"utf-8\"><title>" + heading + "</title>\n<style>" +
                    charts.css +
                    "\nbody{font-family:system-ui,sans-serif;max-width:1040px;margin:1em auto;"
                    "padding:0 1em;color:#1b1b1b}table{border-collapse:collapse;margin:.5em 0}"
                    "th,td{padding:3px 10px;border-bottom:1px solid #ccc;text-align:right}"
                    "th:first-child,td:first-child{text-align:left}h2{margin-top:1.5em}"
                    "</style></head><body>\n<h1>" +
                    heading + "</h1>\n";
  boost::json::object data;
  if (r) {
    detail::Table summary;
    for (auto& [label, value] : detail::summary_lines(*r, l))
      summary.rows.push_back({label, value});
    out += table_html(summary);
    out += "<h2>" + t("plan.chart.weekly") + "</h2><div id=\"weekly\"></div>\n";
    out += "<h2>" + t("plan.chart.caseload") + "</h2><div id=\"caseload\"></div>\n";
    out += "<h2>" + t("plan.per_person") + "</h2>" + table_html(detail::people_table(*r, l));
    data["weekly"] = weekly(*r, l);
    data["caseload"] = caseload(*r);
  }
  if (s) {
    if (r) out += "<h2>" + t("plan.sweep.title") + "</h2>";
    out += "<div id=\"sweep\"></div>\n";
    out += table_html(detail::sweep_table(*s, l));
    std::string answer = common::html_escape(detail::sweep_answer(*s, l));
    for (std::size_t at = answer.find('\n'); at != std::string::npos; at = answer.find('\n', at))
      answer.replace(at, 1, "<br>");
    out += "<p>" + answer + "</p>\n";
    auto series = sweep_series(*s, l);
    series["time"] = false;
    series["dashed"] = true;
    series["x"] = boost::json::string(i18n::text(l, "plan.col.casemanagers"));
    data["sweep"] = series;
  }
  out += "<script>" + charts.js + "</script>\n<script>const DATA = " + script_json(data) + ";" +
         kDrawCharts + "</script>\n</body></html>\n";
  return out;
}

}  // namespace piket::planner
