#pragma once
// Exponential backoff for temporary gateway failures: initial × 2^(attempt-1),
// capped, with ±20 % jitter drawn from `jitter01` in [0, 1).

#include "piket/common/clock.hpp"

namespace piket::notify {

common::Millis retry_delay(int attempt, common::Millis initial, common::Millis max,
                           double jitter01);

}  // namespace piket::notify
