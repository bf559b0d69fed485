#include "piket/common/reply_code.hpp"


#include <algorithm>

#include "piket/common/crypto.hpp"

namespace piket::common {

bool is_reply_code(std::string_view code) {
  return code.size() == kReplyCodeDigits &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string new_reply_code() {
  return random_digits(kReplyCodeDigits);
}

namespace {
Millis run_length(const EscalationPolicy& p) {
  Millis round{0};
  for (const auto& s : p.steps) round += s.wait;
  return round * (p.repeat + 1);
}
}  // namespace

Millis reply_code_window(const Config& config) {
  Millis longest{0};
  if (config.escalation) {
    longest = run_length(config.escalation->defaults);
    for (const auto& [region, policy] : config.escalation->regions)
      longest = std::max(longest, run_length(policy));
  } else {
    longest = config.deadlines.ack_timeout;
    for (const auto& rule : config.deadline_rules)
      longest = std::max(longest, rule.policy.ack_timeout);
  }
  return longest + kReplyCodeGrace;
}

std::string mask_phone(std::string_view number) {
  if (number.size() <= 3) return "\u2026";
  return "\u2026" + std::string(number.substr(number.size() - 3));
}

}  // namespace piket::common
