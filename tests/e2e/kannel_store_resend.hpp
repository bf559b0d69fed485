#pragma once
// Kannel's resend from its store, told apart from piket sending twice (docs/testing.md,
// "Counted apart"). bearerbox keeps an SMS in its store until the phone network took it; killed
// after fakesmsc logged it but before the store knew, it sends the SMS again when it starts —
// and the delivery report of the first send died with it, so only one report comes. Such a
// copy is explained only by evidence from three sides: the phone got the same SMS (same phone,
// same text: the same reply codes) twice; the two copies at fakesmsc are on either side of a
// restart of Kannel that a kill of bearerbox began (every fakesmsc line carries its pid, a new
// pid is a restart, and the campaign notes the pid running when it kills bearerbox); and piket
// made one send of it (notify's log has no in-doubt resend and no retry of any of its pages,
// nor a failed try of its bundle, and the delivery records say one claim each).

#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "case_codes.hpp"
#include "piket/launch/fakesmsc_log.hpp"

namespace piket::e2e {

// One fakesmsc process in fakesmsc's log: its pid and the SMS it logged, in order.
struct FakesmscRun {
  std::string pid;
  std::vector<launch::DeliveredSms> sms;
};

// The pid of a fakesmsc log line ("2026-11-22 16:21:50 [4269] [0] DEBUG: …"), or "".
inline std::string fakesmsc_line_pid(std::string_view line) {
  static const std::regex r{"^[0-9-]+ [0-9:]+ \\[([0-9]+)\\] "};
  std::match_results<std::string_view::const_iterator> m;
  return std::regex_search(line.begin(), line.end(), m, r) ? m[1].str() : std::string();
}

// fakesmsc's log split by process: every fakesmsc started appends to the same file; a line
// with no pid (a crash's message) goes with the process before it.
inline std::vector<FakesmscRun> fakesmsc_runs(std::string_view log) {
  std::vector<std::pair<std::string, std::string>> lines_by_run;  // pid, its lines
  while (!log.empty()) {
    const auto nl = log.find('\n');
    const auto line = log.substr(0, nl);
    log.remove_prefix(nl == std::string_view::npos ? log.size() : nl + 1);
    const auto pid = fakesmsc_line_pid(line);
    if (lines_by_run.empty() || (!pid.empty() && pid != lines_by_run.back().first))
      lines_by_run.emplace_back(pid, "");
    lines_by_run.back().second.append(line).push_back('\n');
  }
  std::vector<FakesmscRun> out;
  for (const auto& [pid, lines] : lines_by_run)
    out.push_back({pid, launch::parse_fakesmsc_log(lines)});
  return out;
}

// The pid of the fakesmsc that wrote last ("" when none): the one running, read just before
// bearerbox is killed (fakesmsc logs its start).
inline std::string last_fakesmsc_pid(std::string_view log) {
  const auto runs = fakesmsc_runs(log);
  return runs.empty() ? std::string() : runs.back().pid;
}

// What piket's record says of the send of one SMS at the phone.
struct PiketSend {
  std::vector<std::string> pages;    // the pages it carried (found by their reply codes)
  std::vector<std::string> bundles;  // the bundles their SMS deliveries were last sent in
  int attempts = 0;  // the most claims for a send of any of its deliveries (delivery:{id})
};

// notify's log (every instance's, joined) and the record say piket sent `send` once: its
// pages are known, each delivery was claimed once, no in-doubt resend or retry of any page
// ("delivery {page}:sms: …", services/notify/src/notifier.cpp) and no failed or retried try
// of its bundles ("bundle {id} (n pages): …"), each bundle sent at attempt 1.
inline bool piket_sent_once(const std::string& notify_log, const PiketSend& send) {
  if (send.pages.empty() || send.attempts > 1) return false;
  const auto found = [&](const std::string& pattern) {
    return std::regex_search(notify_log, std::regex(pattern));
  };
  for (const auto& p : send.pages)
    if (found("delivery " + p + ":sms: (send was interrupted|[^\n]*retry scheduled)")) return false;
  for (const auto& b : send.bundles)
    if (found("bundle " + b + " \\(") || found("bundle " + b + ": [^\n]*\\(attempt [02-9]"))
      return false;
  return true;
}

// A copy at the phone that Kannel sent again from its store.
struct StoreResend {
  launch::DeliveredSms sms;
  std::string first_pid, again_pid;  // the fakesmsc processes that logged the two copies
  std::vector<std::string> pages;
};

// The copies of an SMS in `fakesmsc_log` that Kannel sent again from its store: each repeats
// the copy before it (same phone, same text), the two on either side of a restart of Kannel
// that a kill of bearerbox began (`bearerbox_killed`: the pids of the fakesmsc processes
// running at such kills), and piket sent it once (`send_of` reads the record for an SMS,
// `notify_log` as piket_sent_once). Any other repeat is left out: it stays unexplained.
inline std::vector<StoreResend> kannel_store_resends(
    std::string_view fakesmsc_log, const std::set<std::string>& bearerbox_killed,
    const std::function<PiketSend(const launch::DeliveredSms&)>& send_of,
    const std::string& notify_log) {
  const auto runs = fakesmsc_runs(fakesmsc_log);
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> last_copy;  // -> run
  std::vector<StoreResend> out;
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (const auto& sms : runs[r].sms) {
      const auto key = std::tuple{sms.from, sms.to, sms.text};
      const auto before = last_copy.find(key);
      if (before != last_copy.end()) {
        bool killed_between = false;
        for (auto k = before->second; k < r; ++k)
          killed_between = killed_between || bearerbox_killed.count(runs[k].pid) > 0;
        const auto send = send_of(sms);
        if (killed_between && piket_sent_once(notify_log, send))
          out.push_back({sms, runs[before->second].pid, runs[r].pid, send.pages});
      }
      last_copy[key] = r;
    }
  return out;
}

}  // namespace piket::e2e
