#pragma once
// HTML text and double-quoted attribute values: & < > " as entities (the pages
// piket writes use no other quoting). The family's contact form and
// piket-plan's HTML report.

#include <string>
#include <string_view>

namespace piket::common {

std::string html_escape(std::string_view s);

}  // namespace piket::common
