// A run of the sample scenario: the same seed gives the same report byte for
// byte (text and HTML), another seed another; the HTML is self-contained
// and in the language asked for.
#include "piket/planner/report.hpp"

#include <gtest/gtest.h>

#include "piket/planner/simulation.hpp"
#include "piket/planner/summary.hpp"
#include "planner_test_support.hpp"

namespace piket::planner {
namespace {

const ChartLibrary kCharts{"/* uPlot */", "/* css */"};

TEST(ReportTest, TheSameSeedGivesTheSameReportByteForByte) {
  const auto s = load_scenario(test::sample_scenario());
  const auto w = load_world(s);
  const auto a = simulate(s, w, s.seed);
  const auto b = simulate(s, load_world(s), s.seed);
  EXPECT_EQ(text_report(a, i18n::Language::nl), text_report(b, i18n::Language::nl));
  EXPECT_EQ(html_report(&a, nullptr, kCharts, i18n::Language::en),
            html_report(&b, nullptr, kCharts, i18n::Language::en));
  const auto c = simulate(s, w, s.seed + 1);
  EXPECT_NE(text_report(a, i18n::Language::nl), text_report(c, i18n::Language::nl));
}

TEST(ReportTest, TheSampleYearHasTheSourcesShape) {
  const auto s = load_scenario(test::sample_scenario());
  const auto r = simulate(s, load_world(s), s.seed);
  const auto sum = summarize(r);
  // Venlo: 278 families in three years, so about 93 new cases a year; with the
  // later incidents about 115 incidents.
  int opened = 0;
  for (const auto& i : r.incidents) opened += i.opens_case ? 1 : 0;
  EXPECT_GT(opened, 65);
  EXPECT_LT(opened, 125);
  EXPECT_EQ(r.casemanagers, 6);
  EXPECT_EQ(r.weeks.size(), 53u);
  EXPECT_GT(sum.plans, 60);
  EXPECT_GT(sum.contact_p50_minutes, 20);  // travel alone takes 20 minutes
  // Every casemanager is on call (weekly primary, weekly backup): 2 weeks in
  // 6, so 8 or 9 weeks a year in each layer.
  for (const auto& p : r.people)
    if (!p.team_lead) {
      EXPECT_GE(p.on_call_hours, 2 * 8 * 168 - 2) << p.id;
      EXPECT_LE(p.on_call_hours, 2 * 9 * 168 + 2) << p.id;
      EXPECT_GT(p.night_hours, 0) << p.id;
      EXPECT_EQ(p.caseload.size(), 53u) << p.id;
    }
}

TEST(ReportTest, TheHtmlLoadsNothingFromOutside) {
  const auto s = load_scenario(test::sample_scenario());
  const auto r = simulate(s, load_world(s), s.seed);
  const auto html = html_report(&r, nullptr, kCharts, i18n::Language::nl);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_NE(html.find("/* uPlot */"), std::string::npos);  // inlined
  EXPECT_NE(html.find("<html lang=\"nl\">"), std::string::npos);
  EXPECT_NE(html.find("Plan van aanpak op tijd"), std::string::npos);
  EXPECT_NE(text_report(r, i18n::Language::en).find("Plans of action in time"), std::string::npos);
}

}  // namespace
}  // namespace piket::planner
