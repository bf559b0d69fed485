#include "report_lag.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

#include "piket/store/delivery.hpp"
#include "piket/store/page.hpp"

namespace piket::bench {

ReportLag summarize_report_lag(const std::vector<ReportTimes>& sends, std::int64_t window_ms) {
  ReportLag out;
  out.window_ms = window_ms;
  std::vector<double> lags;
  for (const auto& s : sends) {
    ++out.accepted;
    if (!s.first_report_at || *s.first_report_at - s.accepted_at > window_ms) ++out.late;
    if (!s.first_report_at) continue;
    ++out.reported;
    lags.push_back(static_cast<double>(*s.first_report_at - s.accepted_at));
  }
  out.lag = percentiles(std::move(lags));
  return out;
}

namespace {

std::optional<std::int64_t> parse_ms(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Every accepted SMS delivery's page and acceptance time (SCAN delivery:*:sms).
std::vector<std::pair<std::string, std::int64_t>> accepted_sms(common::RedisConnection& r) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  const std::string pattern = store::delivery_key("*", "sms");
  std::string cursor = "0";
  do {
    const auto reply = r.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    cursor = reply.elements.at(0).str;
    for (const auto& k : reply.elements.at(1).elements) {
      const auto f = r.command({"HMGET", k.str, "state", "accepted_at"}).element_strings();
      if (f.size() < 2 || f[0] != "accepted") continue;
      const auto at = parse_ms(f[1]);
      if (!at) continue;
      // delivery:{page}:sms -> page
      const auto from = k.str.find(':') + 1;
      out.emplace_back(k.str.substr(from, k.str.rfind(':') - from), *at);
    }
  } while (cursor != "0");
  return out;
}

}  // namespace

ReportLag measure_report_lag(const common::RedisConfig& redis, int wait_ms,
                             std::int64_t window_ms) {
  common::RedisConnection r(redis);
  const auto sent = accepted_sms(r);
  std::vector<ReportTimes> times(sent.size());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    std::size_t missing = 0;
    for (std::size_t k = 0; k < sent.size(); ++k) {
      times[k].accepted_at = sent[k].second;
      if (times[k].first_report_at) continue;
      // "type:ms", the first report recorded (lib/inbound_dlr.lua)
      const auto first = r.command({"LINDEX", store::page_dlr_key(sent[k].first), "0"}).str;
      const auto colon = first.find(':');
      if (colon != std::string::npos) times[k].first_report_at = parse_ms(first.substr(colon + 1));
      missing += !times[k].first_report_at;
    }
    if (missing == 0 || std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return summarize_report_lag(times, window_ms);
}

std::string report_lag_line(const ReportLag& lag) {
  char buf[512];
  const double late_pct =
      lag.accepted ? 100.0 * static_cast<double>(lag.late) / static_cast<double>(lag.accepted) : 0;
  std::snprintf(buf, sizeof buf,
                "delivery reports: %zu of %zu accepted SMS reported; accepted -> first report "
                "p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; later than the in-doubt "
                "window (%.1f s) or missing: %zu (%.2f %%)",
                lag.reported, lag.accepted, lag.lag.p50, lag.lag.p90, lag.lag.p99, lag.lag.max,
                static_cast<double>(lag.window_ms) / 1000.0, lag.late, late_pct);
  return buf;
}

}  // namespace piket::bench
