#pragma once
// Percent-encoding as Kannel uses it (query strings, fakesmsc "data"/"udh"/"ucs-2" payloads).

#include <string>
#include <string_view>

namespace piket::launch {

// Encodes every byte except A-Z a-z 0-9 - _ . ~ as %XX (space becomes %20).
std::string url_encode(std::string_view raw);

// Decodes %XX (hex, either case) and, if plus_is_space, '+' as ' '. A '%' not followed by two
// hex digits is kept as is. The result is raw bytes (no charset conversion).
std::string url_decode(std::string_view encoded, bool plus_is_space = true);

}  // namespace piket::launch
