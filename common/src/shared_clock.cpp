#include "piket/common/shared_clock.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <map>
#include <mutex>

#include "piket/common/periodic.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/lua.hpp"

namespace piket::common {
namespace {

const std::string kKey(store::kClockSimulatedMs);
const std::string kSeenKey(store::kClockSeen);

// KEYS, ARGV and reply: store/lua/common/simulated_clock_move.lua.
const RedisScript kMove{std::string(lua::simulated_clock_move())};

class SharedSimulatedClock final : public Clock {
 public:
  SharedSimulatedClock(RedisConfig redis, Instant start, const Clock& transport_clock)
      : redis_(std::move(redis)),
        follower_(redis_),
        loop_({.name = "shared clock", .every = Millis{10}, .failure_level = spdlog::level::debug},
              transport_clock, [this] { follow(); }) {
    RedisConnection c(redis_);
    c.command({"SET", kKey, std::to_string(to_epoch_ms(start)), "NX"});
    now_ms_ = std::stoll(c.command({"GET", kKey}).str);
    loop_.start();
  }
  ~SharedSimulatedClock() override { loop_.stop(); }
  Instant now() const override { return from_epoch_ms(now_ms_.load()); }

  int listen(std::function<void()> on_move) const {
    std::lock_guard lock(listeners_mutex_);
    listeners_[++last_listener_] = std::move(on_move);
    return last_listener_;
  }
  void unlisten(int id) const {
    std::lock_guard lock(listeners_mutex_);
    listeners_.erase(id);
  }

 private:
  // One look at the shared clock. Redis away: the last known time stays and
  // the loop tries again (logged at debug level: every service warns of
  // Redis anyway).
  void follow() {
    auto v = follower_.command({"GET", kKey});
    if (auto s = v.opt_string()) {
      const auto ms = std::stoll(*s);
      auto cur = now_ms_.load();
      bool moved = false;
      while (ms > cur && !(moved = now_ms_.compare_exchange_weak(cur, ms))) {
      }
      if (moved) {
        std::lock_guard lock(listeners_mutex_);
        for (const auto& [id, on_move] : listeners_) on_move();
      }
      // Tell who moved the clock that this service follows it now, and this instance
      // (its own field: two instances of a service share the first).
      if (ms != reported_ms_ && !redis_.user.empty()) {
        const auto value = std::to_string(ms);
        follower_.command(
            {"HSET", kSeenKey, redis_.user, value, seen_instance_field(redis_.user), value});
        reported_ms_ = ms;
      }
    }
  }

  RedisConfig redis_;
  RedisConnection follower_;  // the loop's own
  std::atomic<std::int64_t> now_ms_{0};
  std::int64_t reported_ms_ = -1;  // last value written to store::kClockSeen
  mutable std::mutex listeners_mutex_;
  mutable std::map<int, std::function<void()>> listeners_;  // ClockMoves
  mutable int last_listener_ = 0;
  Periodic loop_;  // last: stopped before the members it uses go
};

}  // namespace

std::string seen_instance_field(std::string_view user, pid_t pid) {
  return std::string(user) + ":" + std::to_string(pid);
}

std::unique_ptr<Clock> make_shared_simulated_clock(const RedisConfig& redis, Instant start,
                                                   const Clock& transport_clock) {
  return std::make_unique<SharedSimulatedClock>(redis, start, transport_clock);
}

ClockMoves::ClockMoves(const Clock& domain_clock, std::function<void()> on_move) {
  if (const auto* shared = dynamic_cast<const SharedSimulatedClock*>(&domain_clock)) {
    clock_ = shared;
    id_ = shared->listen(std::move(on_move));
  }
}

ClockMoves::~ClockMoves() {
  if (clock_) static_cast<const SharedSimulatedClock*>(clock_)->unlisten(id_);
}

std::optional<Instant> move_shared_clock(const RedisConfig& redis, std::optional<Millis> advance,
                                         std::optional<Instant> set) {
  RedisConnection c(redis);
  RedisReply r;
  if (advance)
    r = c.eval(kMove, {kKey}, {"advance", std::to_string(advance->count())});
  else if (set)
    r = c.eval(kMove, {kKey}, {"set", std::to_string(to_epoch_ms(*set))});
  else
    return std::nullopt;
  if (r.elements.size() != 2 || r.elements[0].integer != 1) return std::nullopt;
  return from_epoch_ms(r.elements[1].integer);
}

}  // namespace piket::common
