#pragma once
// Plain-text reports for the piket-rota CLI and for logs. Times are shown in
// Amsterdam wall-clock time with their offset.

#include <span>
#include <string>
#include <vector>

#include "piket/rota/coverage.hpp"
#include "piket/rota/fairness.hpp"
#include "piket/rota/rota.hpp"

namespace piket::rota {

// Who is on call at `at` in each layer of `regions`, and until when.
std::string render_on_call(const Rota& rota, std::span<const std::string> regions,
                           common::Instant at);
std::string render_gaps(const std::vector<LayerGap>& gaps);
std::string render_fairness(const std::vector<FairnessRow>& rows);
// "12h30m"-style duration.
std::string format_hours(common::Millis d);

}  // namespace piket::rota
