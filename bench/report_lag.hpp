#pragma once
// How far Kannel's delivery reports lag behind the sends they report (issue 13: a send in
// doubt can only be settled by its report, so a report path that falls behind under load
// turns a crash of notify into duplicate SMS). Measured after a run with the real gateway:
// for every SMS delivery the gateway accepted, the time from its `accepted_at` to the first
// report inbound recorded on its page, and how many had none by the end.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "percentiles.hpp"
#include "piket/common/redis.hpp"

namespace piket::bench {

// One accepted SMS: when the gateway accepted it and when its first report was recorded
// (domain ms, as the store keeps them); no report yet: nullopt.
struct ReportTimes {
  std::int64_t accepted_at = 0;
  std::optional<std::int64_t> first_report_at;
};

struct ReportLag {
  std::size_t accepted = 0;  // SMS the gateway accepted
  std::size_t reported = 0;  // of those, with at least one report recorded
  Percentiles lag;           // accepted → first report, ms (the reported ones)
  // The in-doubt window (notify's gateway timeout + in-doubt grace + in-doubt confirm, ms): a
  // send whose worker died just after the gateway's 202 goes again unless its report is
  // recorded within it (docs/paging.md, "What holds"). `late`: accepted SMS whose report came
  // after it or not at all — the share of such crashes that would have sent an SMS twice.
  std::int64_t window_ms = 0;
  std::size_t late = 0;
};

// Pure: the figures of a set of sends, against the in-doubt window.
ReportLag summarize_report_lag(const std::vector<ReportTimes>& sends, std::int64_t window_ms);

// Reads every accepted SMS delivery and its page's first report from the store (as `redis`'s
// user, ops). Waits up to `wait_ms` (steady time) for reports still missing, looking again
// every second.
ReportLag measure_report_lag(const common::RedisConfig& redis, int wait_ms, std::int64_t window_ms);

// "delivery reports: 9,870 of 10,000 accepted SMS reported; accepted → first report p50 …".
std::string report_lag_line(const ReportLag& lag);

}  // namespace piket::bench
