#pragma once
// The stacks' wait for the shared simulated clock (common/shared_clock.hpp): until every
// field named of clock:seen holds `target` or later. LocalStack names one field a service,
// ClusterStack one an instance.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/clock.hpp"

namespace piket::stack {

// False after `timeout` (0: one look); throws common::RedisError.
inline bool wait_clock_seen(const common::RedisConfig& redis,
                            const std::vector<std::string>& fields, common::Instant target,
                            std::chrono::milliseconds timeout) {
  std::vector<std::string> cmd{"HMGET", std::string(store::kClockSeen)};
  cmd.insert(cmd.end(), fields.begin(), fields.end());
  const auto target_ms = common::to_epoch_ms(target);
  const auto until = std::chrono::steady_clock::now() + timeout;
  common::RedisConnection ops(redis);
  for (;;) {
    bool all = true;
    for (const auto& e : ops.command(cmd).elements)
      if (!e.opt_string() || std::stoll(*e.opt_string()) < target_ms) all = false;
    if (all) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
}

}  // namespace piket::stack
