#include "run.hpp"

#include <algorithm>

namespace piket::bench {

double ms_between(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

RunResult summarize(const std::vector<Sample>& samples, const ArrivalMap& arrivals,
                    int accepted_status, double rate, double seconds) {
  RunResult r;
  r.rate = rate;
  r.accepted_status = accepted_status;
  r.seconds = seconds;
  r.posted = samples.size();
  std::vector<double> end_to_end, answer, after_answer, lag;
  std::optional<Steady::time_point> first_sent, last_sent, last_arrival;
  for (const auto& s : samples) {
    if (s.sent != Steady::time_point{}) {
      lag.push_back(std::max(0.0, ms_between(s.due, s.sent)));
      first_sent = first_sent ? std::min(*first_sent, s.sent) : s.sent;
      last_sent = last_sent ? std::max(*last_sent, s.sent) : s.sent;
    }
    r.waited += s.waited;
    if (s.status != accepted_status) continue;
    ++r.accepted;
    answer.push_back(ms_between(s.sent, s.answered));
    const auto it = arrivals.find(s.key);
    if (it == arrivals.end()) {
      if (r.lost_keys.size() < RunResult::kLostKeysShown) r.lost_keys.push_back(s.key);
      continue;
    }
    ++r.delivered;
    end_to_end.push_back(ms_between(s.sent, it->second));
    after_answer.push_back(ms_between(s.answered, it->second));
    last_arrival = last_arrival ? std::max(*last_arrival, it->second) : it->second;
  }
  r.lost = r.accepted - r.delivered;
  r.end_to_end = percentiles(std::move(end_to_end));
  r.answer = percentiles(std::move(answer));
  r.after_answer = percentiles(std::move(after_answer));
  r.lag = percentiles(std::move(lag));
  // n posts span n - 1 intervals of the schedule.
  if (first_sent && *last_sent > *first_sent)
    r.posted_rate = static_cast<double>(r.lag.n - 1) /
                    std::chrono::duration<double>(*last_sent - *first_sent).count();
  if (first_sent && last_arrival && *last_arrival > *first_sent)
    r.delivered_rate = static_cast<double>(r.delivered) /
                       std::chrono::duration<double>(*last_arrival - *first_sent).count();
  return r;
}

}  // namespace piket::bench
