#pragma once
// A whole piket deployment on one machine: its own redis-server, Kannel
// (bearerbox, smsbox, fakesmsc) and the four services, started from a
// configuration file. Used by `piket-stack` (deploy/run), the end-to-end and
// kill tests and the benchmark. Each component can be killed with SIGKILL and
// started again, to test crash safety.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "piket/config/config.hpp"

namespace piket::stack {

enum class Component { redis, kannel, ingest, dispatch, notify, inbound, web, cases };
// One of Kannel's boxes, for the fault campaign (tests/faults): kill9(Component::kannel) kills
// both.
enum class KannelBox { bearerbox, smsbox };
std::string_view to_string(Component c);
inline constexpr Component kServices[] = {Component::ingest, Component::dispatch, Component::notify,
                                          Component::inbound};

// The demo's Redis memory limit. An incident of a new case takes about 15 KiB with its page,
// deliveries, timeline and deadline timers (measured on the demo stack, docs/configuration.md):
// 256 MiB hold some 17,000 — far more than a demo or a test stores.
inline constexpr std::uint64_t kDefaultRedisMaxmemoryMb = 256;

struct StackOptions {
  std::filesystem::path data_dir;  // redis/, kannel/ and logs/ go here
  std::filesystem::path bin_dir;   // holds ingest/piket-ingest, dispatch/piket-dispatch, …
  // false: no Kannel is started; the caller runs something that answers like
  // Kannel's sendsms at the configured sendsms_url (the benchmark does).
  bool with_kannel = true;
  std::uint16_t kannel_admin_port = 0;  // 0: a free port
  std::uint16_t smsbox_port = 0;
  std::uint16_t smsc_port = 0;
  // Numbers with this prefix are refused by Kannel's SMSC routing (403 at sendsms and a
  // type-16 delivery report): a real permanent failure. Empty: none.
  std::string kannel_denied_prefix{};
  // Also start piket-web (the board and the casemanager app) on web.http.
  bool with_web = false;
  // Also start piket-cases (the case API and the deadline engine) on cases.http.
  bool with_cases = false;
  std::chrono::milliseconds start_timeout{20000};
  // Redis's `maxmemory` in MiB (policy noeviction: at the limit writes are refused and piket
  // answers 503 instead of Redis dropping data). 0: no limit. piket-stack --redis-maxmemory-mb.
  std::uint64_t redis_maxmemory_mb = kDefaultRedisMaxmemoryMb;
};

class LocalStack {
 public:
  LocalStack(std::filesystem::path config_file, StackOptions options);
  ~LocalStack();
  LocalStack(const LocalStack&) = delete;
  LocalStack& operator=(const LocalStack&) = delete;

  // Starts every component in order and waits until each is healthy.
  // Throws std::runtime_error naming the component that did not come up.
  void start();
  // Stops services first, then Kannel, then Redis.
  void stop();

  void kill9(Component c);
  // kill -9 of one of Kannel's boxes only; start(Component::kannel) brings Kannel back whole.
  void kill9(KannelBox b);
  // (Re)starts one component and waits until it is healthy.
  void start(Component c);
  bool running(Component c);
  pid_t pid(Component c);

  const config::Config& config() const;
  std::filesystem::path log_dir() const;
  // Where fakesmsc writes the SMS it receives ("Got message N: …").
  std::filesystem::path fakesmsc_log() const;
  // Sends an SMS from a phone to piket, as if the casemanager replied.
  void inject_sms(const std::string& from, const std::string& to, const std::string& text);
  // In a simulated deployment: waits until every running service follows the
  // shared clock at `target` or later (each writes the time it follows into
  // clock:seen, common/shared_clock.hpp). False after `timeout`.
  bool wait_clock_followed(common::Instant target,
                           std::chrono::milliseconds timeout = std::chrono::seconds{5});
  // What Redis refused because of its ACL since it started (ACL LOG, read as user ops), one
  // line each: "user=notify reason=command context=lua object=keys". A running deployment
  // has none: every service may run what it needs. Empty when Redis cannot be reached.
  std::vector<std::string> redis_acl_refusals();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::stack
