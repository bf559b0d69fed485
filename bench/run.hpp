#pragma once
// One load run's figures, from the poster's samples and the moments their deliveries arrived.
// summarize() is pure (tested in tests/bench); Arrivals is the thread-safe record the gateway
// and the webhook write into.

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "percentiles.hpp"
#include "poster.hpp"

namespace piket::bench {

using ArrivalMap = std::unordered_map<std::string, Steady::time_point>;

// Deliveries by key, first arrival kept. The time is taken by the caller before it parses
// anything whose cost grows with the run.
class Arrivals {
 public:
  Arrivals() { map_.reserve(1 << 16); }
  void note(std::string key, Steady::time_point at) {
    std::lock_guard lock(mutex_);
    map_.emplace(std::move(key), at);
  }
  // Room for `more` keys, so that the map does not rehash (a pause with the lock held, which
  // the receivers' next requests would wait for) while a run notes arrivals.
  void reserve_more(std::size_t more) {
    std::lock_guard lock(mutex_);
    map_.reserve(map_.size() + more);
  }
  void note_request() {
    std::lock_guard lock(mutex_);
    ++requests_;
  }
  // How many of the samples with an accepted answer have arrived. Looks them up a chunk at a
  // time, so that the receivers are not kept waiting for the lock behind a long run's count.
  std::size_t arrived(const std::vector<Sample>& samples, int accepted_status) const {
    constexpr std::size_t kChunk = 1024;
    std::size_t n = 0;
    for (std::size_t from = 0; from < samples.size(); from += kChunk) {
      std::lock_guard lock(mutex_);
      for (std::size_t k = from; k < std::min(samples.size(), from + kChunk); ++k)
        n += samples[k].status == accepted_status && map_.count(samples[k].key) != 0;
    }
    return n;
  }
  ArrivalMap snapshot() const {
    std::lock_guard lock(mutex_);
    return map_;
  }
  std::size_t requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  ArrivalMap map_;
  std::size_t requests_ = 0;
};

struct RunResult {
  std::string system;                // "piket", "Alertmanager"
  std::string delivery = "gateway";  // where deliveries are seen: "gateway", "webhook"
  int accepted_status = 201;
  double rate = 0;            // the schedule's, per second
  double seconds = 0;         // of posting
  double grace = 0;           // seconds waited for deliveries after the last answer
  std::size_t posted = 0;     // requests on the schedule
  std::size_t accepted = 0;   // answered with the accepting status (201, 200)
  std::size_t delivered = 0;  // accepted and arrived
  std::size_t lost = 0;       // accepted and not arrived within the grace
  // The keys (case code, bench id) of the first kLostKeysShown lost, in posting order: what to
  // look for in the services' logs, which the run's --work-dir keeps.
  static constexpr std::size_t kLostKeysShown = 5;
  std::vector<std::string> lost_keys;
  std::size_t waited = 0;     // found every connection busy at their due time
  Percentiles end_to_end;     // post sent → delivery (gateway, webhook), ms
  Percentiles answer;         // post sent → answer, ms
  Percentiles after_answer;   // answer → delivery, ms
  Percentiles lag;            // due → sent, ms: how far the harness was behind its schedule
  double posted_rate = 0;     // sent per second over the posting
  double delivered_rate = 0;  // delivered per second, first post sent → last delivery
  std::size_t delivery_requests = 0;  // HTTP requests at the gateway / webhook
  std::size_t connections = 0;        // the poster's at the end (more opened when all were busy)

  // The harness fell behind its schedule: posts went out more than kBehindMs late at p99, or
  // more than one in a hundred found every connection busy (a few do when a late timer
  // releases a burst at once).
  static constexpr double kBehindMs = 5;
  bool behind() const { return lag.p99 > kBehindMs || waited * 100 > posted; }
  // The posts went out at (nearly) the schedule's rate: at least kReachedShare of it. Below,
  // every connection was waiting for the system's answers and the run measured a lower rate
  // than it names (seen: --rate 1600 posted 1,250/s).
  static constexpr double kReachedShare = 0.95;
  bool reached_rate() const { return posted_rate >= kReachedShare * rate; }
  // Nothing lost, nothing refused, the rate reached and end-to-end p99 under one second
  // (--find-max).
  bool sustained() const {
    return posted > 0 && accepted == posted && lost == 0 && end_to_end.p99 < 1000 && reached_rate();
  }
};

double ms_between(Steady::time_point a, Steady::time_point b);

RunResult summarize(const std::vector<Sample>& samples, const ArrivalMap& arrivals,
                    int accepted_status, double rate, double seconds);

}  // namespace piket::bench
