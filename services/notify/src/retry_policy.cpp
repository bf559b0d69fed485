#include "piket/notify/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace piket::notify {

common::Millis retry_delay(int attempt, common::Millis initial, common::Millis max,
                           double jitter01) {
  const int exp = std::clamp(attempt - 1, 0, 30);
  const double base = std::min(static_cast<double>(initial.count()) * std::pow(2.0, exp),
                               static_cast<double>(max.count()));
  const double factor = 0.8 + 0.4 * std::clamp(jitter01, 0.0, 1.0);
  return common::Millis{
      static_cast<long long>(std::min(base * factor, static_cast<double>(max.count())))};
}

}  // namespace piket::notify
