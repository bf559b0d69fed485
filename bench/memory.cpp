#include "memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace piket::bench {
namespace {

// A whole field of digits: none other, no sign, within long long.
std::optional<long long> whole_number(std::string_view s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.front() == '-' || ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

}  // namespace

long rss_kib_in_status(std::string_view status) {
  constexpr std::string_view kKey = "VmRSS:";
  for (std::size_t at = 0; at < status.size();) {
    const auto end = std::min(status.find('\n', at), status.size());
    const auto line = status.substr(at, end - at);
    if (line.starts_with(kKey)) {
      // "VmRSS:\t   12345 kB": the digits after the blanks.
      auto rest = line.substr(kKey.size());
      rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
      const auto v = whole_number(rest.substr(0, rest.find_first_not_of("0123456789")));
      return v ? static_cast<long>(*v) : -1;
    }
    at = end + 1;
  }
  return -1;
}

long rss_kib(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return -1;
  std::stringstream text;
  text << in.rdbuf();
  return rss_kib_in_status(text.str());
}

long cpu_ticks_in_stat(std::string_view stat) {
  // "pid (comm) state ppid …": the command may hold spaces and parentheses, the last ')' ends it.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) return -1;
  long utime = -1, stime = -1;
  int field = 2;  // the command's
  for (std::size_t at = close + 1; at < stat.size() && field < 15;) {
    while (at < stat.size() && stat[at] == ' ') ++at;
    const auto end = std::min(stat.find(' ', at), stat.size());
    if (end == at) break;
    ++field;
    if (field == 14 || field == 15) {
      const auto v = whole_number(stat.substr(at, end - at));
      if (!v) return -1;
      (field == 14 ? utime : stime) = static_cast<long>(*v);
    }
    at = end;
  }
  return utime < 0 || stime < 0 ? -1 : utime + stime;
}

double cpu_seconds(pid_t pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return -1;
  std::stringstream text;
  text << in.rdbuf();
  const auto ticks = cpu_ticks_in_stat(text.str());
  return ticks < 0 ? -1 : static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<MachineTicks> machine_ticks_in_proc_stat(std::string_view text) {
  const auto end = std::min(text.find('\n'), text.size());
  const auto line = text.substr(0, end);
  if (!line.starts_with("cpu ")) return std::nullopt;
  std::vector<long long> fields;
  for (std::size_t at = 4; at < line.size();) {
    while (at < line.size() && line[at] == ' ') ++at;
    if (at == line.size()) break;
    const auto stop = std::min(line.find(' ', at), line.size());
    const auto v = whole_number(line.substr(at, stop - at));
    if (!v) return std::nullopt;
    fields.push_back(*v);
    at = stop;
  }
  // user nice system idle iowait irq softirq steal [guest guest_nice: already in user and nice]
  if (fields.size() < 8) return std::nullopt;
  MachineTicks t;
  for (std::size_t i = 0; i < 8; ++i) t.total += fields[i];
  t.steal = fields[7];
  return t;
}

std::optional<MachineTicks> machine_ticks() {
  std::ifstream in("/proc/stat");
  if (!in) return std::nullopt;
  std::string first;
  std::getline(in, first);
  return machine_ticks_in_proc_stat(first);
}

double steal_percent(const std::optional<MachineTicks>& from,
                     const std::optional<MachineTicks>& to) {
  if (!from || !to || to->total <= from->total || to->steal < from->steal) return -1;
  return 100.0 * static_cast<double>(to->steal - from->steal) /
         static_cast<double>(to->total - from->total);
}

MemorySampler::MemorySampler(std::vector<Watched> watched, std::chrono::milliseconds interval)
    : watched_(std::move(watched)), peak_(watched_.size(), -1) {
  start_ = std::chrono::steady_clock::now();
  for (const auto& w : watched_) cpu_start_.push_back(cpu_seconds(w.pid));
  harness_cpu_start_ = cpu_seconds(::getpid());
  machine_start_ = machine_ticks();
  sample();
  thread_ = std::thread([this, interval] {
    while (running_) {
      std::this_thread::sleep_for(interval);
      sample();
    }
  });
}

MemorySampler::~MemorySampler() {
  stop();
}

void MemorySampler::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  stopped_ = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < watched_.size(); ++i) {
    const auto cpu = cpu_seconds(watched_[i].pid);
    cpu_used_.push_back(cpu < 0 || cpu_start_[i] < 0 ? -1 : cpu - cpu_start_[i]);
  }
  const auto harness = cpu_seconds(::getpid());
  harness_cpu_used_ = harness < 0 || harness_cpu_start_ < 0 ? -1 : harness - harness_cpu_start_;
  machine_stop_ = machine_ticks();
}

void MemorySampler::sample() {
  std::vector<long> now;
  long piket = 0;
  for (const auto& w : watched_) {
    now.push_back(rss_kib(w.pid));
    if (w.piket && now.back() > 0) piket += now.back();
  }
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < now.size(); ++i) peak_[i] = std::max(peak_[i], now[i]);
  piket_peak_ = std::max(piket_peak_, piket);
}

MemoryReport MemorySampler::report() {
  stop();
  MemoryReport r;
  std::lock_guard lock(mutex_);
  r.piket_load_kib = piket_peak_;
  r.wall_seconds = std::chrono::duration<double>(stopped_ - start_).count();
  r.harness_cpu_seconds = harness_cpu_used_;
  r.steal_percent = steal_percent(machine_start_, machine_stop_);
  r.rested_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_).count();
  for (std::size_t i = 0; i < watched_.size(); ++i) {
    const auto after = rss_kib(watched_[i].pid);
    r.rows.push_back({watched_[i].name, watched_[i].piket, peak_[i], after, cpu_used_[i]});
    if (watched_[i].piket && after > 0) r.piket_after_kib += after;
  }
  return r;
}

namespace {
std::string mib(long kib) {
  if (kib < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(kib) / 1024.0);
  return buf;
}
std::string row(std::string_view name, const std::string& load, const std::string& after,
                const std::string& cpu) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "  %-32.*s %12s %12s %12s\n", static_cast<int>(name.size()),
                name.data(), load.c_str(), after.c_str(), cpu.c_str());
  return buf;
}
std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}
// CPU time as % of one core over the span; "-" when unknown.
std::string core_percent(double cpu_seconds, double wall_seconds) {
  if (cpu_seconds < 0 || wall_seconds <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", 100 * cpu_seconds / wall_seconds);
  return buf;
}
// CPU ms per incident; "-" when unknown.
std::string ms_per(double cpu_seconds, std::size_t incidents) {
  if (cpu_seconds < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", 1000 * cpu_seconds / static_cast<double>(incidents));
  return buf;
}
}  // namespace

std::string cpu_per_incident_line(const MemoryReport& report, std::size_t incidents) {
  if (incidents == 0) return {};
  std::string out = "  CPU ms per incident (" + std::to_string(incidents) + " accepted):";
  double services = 0;
  for (const auto& r : report.rows) {
    if (!r.piket) continue;
    out += " " + r.name + " " + ms_per(r.cpu_seconds, incidents) + ",";
    services += std::max(0.0, r.cpu_seconds);
  }
  out += " services " + ms_per(services, incidents);
  for (const auto& r : report.rows)
    if (!r.piket) out += "; " + r.name + " " + ms_per(r.cpu_seconds, incidents);
  out += "; this harness " + ms_per(report.harness_cpu_seconds, incidents) + " (" +
         core_percent(report.harness_cpu_seconds, report.wall_seconds) + " % of a core)\n";
  return out;
}

std::string memory_table(const MemoryReport& report) {
  std::string out = row("memory (RSS, MiB), CPU", "under load",
                        "after " + seconds(report.rested_seconds) + " s", "CPU % core");
  bool others = false;
  double piket_cpu = 0;
  for (const auto& r : report.rows) {
    if (r.piket) {
      out += row(r.name, mib(r.load_kib), mib(r.after_kib),
                 core_percent(r.cpu_seconds, report.wall_seconds));
      piket_cpu += std::max(0.0, r.cpu_seconds);
    } else {
      others = true;
    }
  }
  out += row("piket services together", mib(report.piket_load_kib), mib(report.piket_after_kib),
             core_percent(piket_cpu, report.wall_seconds));
  out += "  (under load: the highest sum at one sample; after: once the pipeline drained and " +
         seconds(report.rested_seconds) +
         " s more; the issue's target: <= " + mib(MemoryReport::kTargetKib) +
         " MiB for one instance of each service, " +
         (!report.judge_target                                ? std::string("not judged here")
          : report.piket_load_kib <= MemoryReport::kTargetKib ? std::string("met")
                                                              : std::string("NOT met")) +
         "; CPU over the " + seconds(report.wall_seconds) + " s of load and drain)\n";
  if (others)
    for (const auto& r : report.rows)
      if (!r.piket)
        out += row(r.name + " (apart)", mib(r.load_kib), mib(r.after_kib),
                   core_percent(r.cpu_seconds, report.wall_seconds));
  if (report.steal_percent >= 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", report.steal_percent);
    out += std::string("  machine: CPU steal ") + buf +
           " % of all CPU time over the run (the hypervisor's other guests)" +
           (report.steal_percent >= MemoryReport::kMuchSteal
                ? "; MUCH: latency tails of this run are the host's, not comparable\n"
                : "\n");
  }
  return out;
}

}  // namespace piket::bench
