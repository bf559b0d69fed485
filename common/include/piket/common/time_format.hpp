#pragma once
// RFC 3339 timestamps: parsing partner input strictly, formatting our output.

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"

namespace piket::common {

// Parses "2026-11-22T14:03:00+01:00", "…T14:03:00.250Z" and the like. The offset
// is required (Z or ±hh:mm). Returns nullopt for anything else, including
// impossible dates (2026-02-30) and out-of-range fields.
std::optional<Instant> parse_rfc3339(std::string_view text);

// Formats as UTC with milliseconds: "2026-11-22T13:03:00.000Z".
std::string format_rfc3339(Instant t);

}  // namespace piket::common
