#pragma once
// The peer piket-bench measures against: Debian's Prometheus Alertmanager (package
// prometheus-alertmanager, a bench-only dependency), run as a child process with its own data
// directory and free ports, configured so that each alert is its own group and goes at once to
// one webhook receiver on loopback served by the bench.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace piket::bench {

inline constexpr std::string_view kAlertmanagerBinary = "/usr/bin/prometheus-alertmanager";
inline constexpr std::string_view kAlertmanagerInstall = "apt-get install prometheus-alertmanager";

struct AlertmanagerRoute {
  std::string webhook_url;  // "http://127.0.0.1:41234/hook"
  // How soon a group that changed is notified again. With one alert per group nothing changes
  // after the first notification; small, as the comparison had it.
  std::chrono::milliseconds group_interval{1000};
};

// alertmanager.yml: a route grouping by every label (group_by ['...']: each alert its own
// group), group_wait 0s, the given group_interval, repeat_interval beyond any run, one webhook
// receiver with send_resolved false.
std::string alertmanager_config(const AlertmanagerRoute& route);

// The body of POST /api/v2/alerts for one alert whose label bench_id is `id` (a JSON array of
// one alert; no endsAt, so it stays firing for the run).
std::string alert_body(std::string_view id);

// The "…ms"/"…s" duration Alertmanager's configuration takes ("0s", "250ms", "2s").
std::string alertmanager_duration(std::chrono::milliseconds d);

// Alertmanager on 127.0.0.1 (web on a free port, HA clustering off, its data in `dir`).
class Alertmanager {
 public:
  // Throws std::runtime_error naming the install command when the binary is missing.
  Alertmanager(std::filesystem::path dir, AlertmanagerRoute route,
               std::filesystem::path binary = std::filesystem::path(kAlertmanagerBinary));
  ~Alertmanager();
  Alertmanager(const Alertmanager&) = delete;
  Alertmanager& operator=(const Alertmanager&) = delete;

  // Writes the configuration, starts the process and waits until /-/ready answers 200.
  // Throws std::runtime_error (naming the log file) if it does not come up.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds{20});
  void stop();

  std::uint16_t port() const;
  pid_t pid() const;
  std::filesystem::path log_file() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::bench
