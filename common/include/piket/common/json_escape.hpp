#pragma once
// Escaping text for a JSON string literal: the log lines' JSON form and the
// error bodies (api_refusal.hpp) share it.

#include <string>
#include <string_view>

namespace piket::common {

// Escapes `"`, `\` and the control characters (\n, \r, \t by name, the others
// as \u00XX); every other byte, UTF-8 included, is copied as it is.
std::string json_escape(std::string_view s);

}  // namespace piket::common
