#pragma once
// Resident memory (VmRSS) of the processes under test: sampled during the load (the peak of
// each, and the peak of the piket services' sum at one instant) and once after it, when the
// pipeline has drained and the services have rested a few seconds; and the CPU time each used
// while the load ran and drained (where the cores went).

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace piket::bench {

// VmRSS in KiB from the text of /proc/<pid>/status; -1 when the line is missing.
long rss_kib_in_status(std::string_view status);
// The same for a running process; -1 when it is gone.
long rss_kib(pid_t pid);
// User + system CPU time in clock ticks from the text of /proc/<pid>/stat (fields 14 and 15,
// counted after the command's closing parenthesis); -1 when it does not parse.
long cpu_ticks_in_stat(std::string_view stat);
// The same for a running process, in seconds; -1 when it is gone.
double cpu_seconds(pid_t pid);

// The machine's CPU time in ticks, from the first line of /proc/stat ("cpu  user nice system
// idle iowait irq softirq steal …"): all of it, and the steal — time the hypervisor gave to
// other guests while this machine's CPUs wanted to run. nullopt when the line does not parse.
struct MachineTicks {
  long long total = 0;
  long long steal = 0;
};
std::optional<MachineTicks> machine_ticks_in_proc_stat(std::string_view text);
// The same for this machine now; nullopt when /proc/stat cannot be read.
std::optional<MachineTicks> machine_ticks();
// The steal between two readings as % of all CPU time between them; -1 when unknown.
double steal_percent(const std::optional<MachineTicks>& from,
                     const std::optional<MachineTicks>& to);

struct Watched {
  std::string name;  // "ingest", "dispatch-2", "redis", "alertmanager"
  pid_t pid = -1;
  bool piket = true;  // counted in the piket services' sum (Redis and peers are not)
};

struct MemoryRow {
  std::string name;
  bool piket = true;
  long load_kib = -1;       // peak while the load ran
  long after_kib = -1;      // when the report was taken: after the drain and a rest
  double cpu_seconds = -1;  // used from the start of sampling to stop()
};

struct MemoryReport {
  std::vector<MemoryRow> rows;
  long piket_load_kib = 0;   // the highest sum of the piket services at one sample
  long piket_after_kib = 0;  // their sum after the drain and the rest
  // The target is for one instance of each service (one node); the local cluster runs two of
  // each and web and cases besides, so its sum is not judged against it.
  bool judge_target = true;
  double wall_seconds = 0;  // from the start of sampling to stop()
  // The bench's own process (poster, fake gateway, sampling) over the same span: it shares the
  // cores with the stack, so its cost is told apart. -1 when unknown.
  double harness_cpu_seconds = -1;
  double rested_seconds = 0;  // from stop() to the report
  // The machine's CPU steal over the same span (% of all its CPU time; -1 unknown): on a shared
  // host, a run whose cores were taken away for a fifth of the time has tails no code caused.
  double steal_percent = -1;
  // The target for all piket services together under load.
  static constexpr long kTargetKib = 60 * 1024;
  // Steal from which a run's latency is marked not comparable (runs on these machines: 0–1 %
  // when the host is quiet, up to 28 % a second when it is not).
  static constexpr double kMuchSteal = 5.0;
};

// Samples every `interval` on a thread of its own from construction until stop().
class MemorySampler {
 public:
  MemorySampler(std::vector<Watched> watched, std::chrono::milliseconds interval);
  ~MemorySampler();
  MemorySampler(const MemorySampler&) = delete;
  MemorySampler& operator=(const MemorySampler&) = delete;

  // Stops sampling (the load has drained); the peaks and the CPU used so far stay.
  void stop();
  // The peaks, and one sample now as "after" (the caller rests the services after stop()).
  MemoryReport report();

 private:
  void sample();
  std::vector<Watched> watched_;
  std::vector<long> peak_;
  std::vector<double> cpu_start_;
  std::vector<double> cpu_used_;
  double harness_cpu_start_ = -1;
  double harness_cpu_used_ = -1;
  std::optional<MachineTicks> machine_start_, machine_stop_;
  std::chrono::steady_clock::time_point start_, stopped_;
  long piket_peak_ = 0;
  std::mutex mutex_;
  std::atomic<bool> running_{true};
  std::thread thread_;
};

// The table printed per service: RSS under load (peak) and after, CPU as % of one core over the
// run; piket's sum with the target, then the others (Redis) apart.
std::string memory_table(const MemoryReport& report);

// One line: each process's CPU time per incident accepted, in ms — the services, their sum,
// those apart (Redis) and the harness itself, with the harness's share of a core. Empty when
// nothing was accepted.
std::string cpu_per_incident_line(const MemoryReport& report, std::size_t incidents);

}  // namespace piket::bench
