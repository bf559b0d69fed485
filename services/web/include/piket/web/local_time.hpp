#pragma once
// Times that people type in the app are Amsterdam wall-clock times (an HTML
// datetime-local value, "2026-11-22T14:30"). A time in the skipped hour of
// March is read as the first instant after it; one in the repeated hour of
// October as its first occurrence (the rota's rule, docs/rota-time-rules.md).

#include <optional>
#include <string_view>

#include "piket/common/clock.hpp"

namespace piket::web {

std::optional<common::Instant> parse_amsterdam_local(std::string_view text);

}  // namespace piket::web
