#pragma once
// The planner's report: what a team lead reads, as text and as one
// self-contained HTML file with charts drawn by the board's charting library
// (uPlot), inlined — the file loads nothing from outside. Labels come from
// the message catalogues (i18n/<lang>/piket.po, ids plan.*). The same
// result gives the same bytes.

#include <optional>
#include <string>

#include "piket/i18n/language.hpp"
#include "piket/planner/scenario.hpp"
#include "piket/planner/simulation.hpp"
#include "piket/planner/sweep.hpp"

namespace piket::planner {

// The charting library's files, read by the caller.
struct ChartLibrary {
  std::string js;   // uPlot.iife.min.js
  std::string css;  // uPlot.min.css
};

std::string text_report(const Result& result, i18n::Language language);
std::string text_sweep(const Sweep& sweep, i18n::Language language);

// `result` and/or `sweep`: either part may be left out.
std::string html_report(const Result* result, const Sweep* sweep, const ChartLibrary& charts,
                        i18n::Language language);

}  // namespace piket::planner
