#pragma once
// The report's content as labelled lines and tables, shared by the text and
// the HTML renderings (report.hpp).

#include <string>
#include <utility>
#include <vector>

#include "piket/i18n/language.hpp"
#include "piket/planner/simulation.hpp"
#include "piket/planner/sweep.hpp"

namespace piket::planner::detail {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string fixed(double v, int decimals);
std::string title(const Result& r, i18n::Language l);
// (label, value) lines of the summary.
std::vector<std::pair<std::string, std::string>> summary_lines(const Result& r, i18n::Language l);
Table people_table(const Result& r, i18n::Language l);
Table sweep_table(const Sweep& s, i18n::Language l);
std::string sweep_answer(const Sweep& s, i18n::Language l);

}  // namespace piket::planner::detail
