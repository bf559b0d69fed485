// piket-deadline-bench: the deadline engine's timers at scale, on a private
// redis-server with the production settings (AOF, appendfsync always):
//
//   1. one million pending deadlines — bytes per deadline (INFO memory before
//      and after the timers are written) and the insert rate through the
//      engine's own path (cases loaded and their timers written in batches);
//   2. firing lag p50/p99 while `rate` deadlines fall due per second, with the
//      million pending — measured when the action is durable (the engine's
//      observer runs after the round's write pipeline has returned);
//   3. time to resume after kill -9: of redis-server (AOF replay of all of
//      it, then the engine firing again), and of the piket-cases process (its
//      start, and the backlog that fell due while it was down cleared).
//
//   piket-deadline-bench                       (1,000,000 deadlines, 1,000/s for 30 s)
//   piket-deadline-bench --deadlines 200000 --rate 500 --seconds 10
//
// The domain clock runs at real speed from a chosen origin, so due times can
// be laid out before the run. Stopwatches are std::chrono::steady_clock: this
// program is a measuring instrument outside the system under test.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "percentiles.hpp"
#include "piket/cases/case_store.hpp"
#include "piket/cases/deadline_shell.hpp"
#include "piket/cases/staff.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/secrets.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/launch/http_get.hpp"
#include "piket/launch/ports.hpp"
#include "piket/launch/process.hpp"
#include "piket/launch/redis_server.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/clock.hpp"

namespace {

using namespace piket;
using namespace std::chrono_literals;
using common::Instant;
using Steady = std::chrono::steady_clock;

double ms_since(Steady::time_point a) {
  return std::chrono::duration<double, std::milli>(Steady::now() - a).count();
}

// Domain time for the benchmark: frozen until started, then the real clock
// shifted so that it reads `origin` at the start.
class BenchClock final : public common::Clock {
 public:
  explicit BenchClock(Instant frozen) : offset_ms_(0), frozen_ms_(common::to_epoch_ms(frozen)) {}
  Instant now() const override {
    if (!running_) return common::from_epoch_ms(frozen_ms_);
    return real_.now() + common::Millis{offset_ms_.load()};
  }
  void run_from(Instant origin) {
    offset_ms_ = common::to_epoch_ms(origin) - common::to_epoch_ms(real_.now());
    running_ = true;
  }

 private:
  common::SystemClock real_;
  std::atomic<long long> offset_ms_;
  long long frozen_ms_;
  std::atomic<bool> running_{false};
};

std::string config_text(std::uint16_t redis_port, std::uint16_t http_port,
                        std::uint16_t notify_port) {
  std::string people;
  for (int n = 1; n <= 20; ++n)
    people += "[[people]]\nid = \"icm-" + std::to_string(n) +
              "\"\nname = \"ICM\"\nrole = \"casemanager\"\n"
              "phone = \"+4477009" +
              std::to_string(10000 + n).substr(1) + "\"\nregions = [\"groningen\"]\n\n";
  people +=
      "[[people]]\nid = \"tl-g\"\nname = \"TL\"\nrole = \"team_lead\"\nphone = \"+447700900999\"\n"
      "regions = [\"groningen\"]\n";
  return "[clock]\nmode = \"simulated\"\nstart = \"2027-03-01T08:00:00+01:00\"\n\n[redis]\naddress "
         "= \"127.0.0.1:" +
         std::to_string(redis_port) +
         "\"\n\n[log]\nlevel = \"warn\"\n\n[cases]\nhttp = \"127.0.0.1:" +
         std::to_string(http_port) +
         "\"\n\n[notify]\nzmq = \"tcp://127.0.0.1:" + std::to_string(notify_port) +
         "\"\n\n[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n\n"
         "[[regions]]\nid = \"groningen\"\n\n" +
         people;
}

// A case as ingest, dispatch and inbound leave it: registered, assigned, its
// page acknowledged. ARGV: case, incident, opened ms, kind, ban end ms or '',
// casemanager, acknowledged ms.
const common::RedisScript kCreateCase{R"lua(
local c = 'case:' .. ARGV[1]
redis.call('HSET', c, 'region', 'groningen', 'partner', 'police', 'household', 'hh-' .. ARGV[1],
           'opened_at', ARGV[3], 'phase', 'registered', 'state', 'open', 'casemanager', ARGV[6])
redis.call('RPUSH', c .. ':incidents', ARGV[2])
redis.call('RPUSH', c .. ':timeline', cjson.encode({at = tonumber(ARGV[3]), type = 'incident_accepted',
  incident = ARGV[2], kind = ARGV[4], by = 'partner:police'}),
  cjson.encode({at = tonumber(ARGV[7]), type = 'acknowledged', incident = ARGV[2]}))
local i = 'incident:' .. ARGV[2]
redis.call('HSET', i, 'kind', ARGV[4], 'region', 'groningen', 'accepted_at', ARGV[3], 'case_id', ARGV[1],
           'status', 'acknowledged', 'acknowledged_at', ARGV[7])
if ARGV[5] ~= '' then redis.call('HSET', i, 'ban_ends_at', ARGV[5]) end
redis.call('SADD', 'cases:open', ARGV[1])
redis.call('SADD', 'caseload:' .. ARGV[6], ARGV[1])
return 1
)lua"};

long long used_memory(common::RedisConnection& r) {
  const auto info = r.command({"INFO", "memory"}).str;
  const auto at = info.find("used_memory:");
  return std::stoll(info.substr(at + 12));
}

using bench::Percentiles;
using bench::percentiles;

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  long long deadlines = 1'000'000;
  int rate = 1000, seconds = 30;
  std::uint64_t maxmemory_mb = 4096;
  std::string work = (std::filesystem::temp_directory_path() / "piket-deadline-bench").string();
  po::options_description desc("piket-deadline-bench options");
  desc.add_options()("help,h", "show this help")(
      "deadlines", po::value(&deadlines)->default_value(deadlines), "pending deadlines to hold")(
      "rate", po::value(&rate)->default_value(rate), "deadlines falling due per second")(
      "seconds", po::value(&seconds)->default_value(seconds), "how long to measure the firing lag")(
      "work-dir", po::value(&work)->default_value(work), "where redis-server keeps its AOF")(
      "redis-maxmemory-mb", po::value(&maxmemory_mb)->default_value(maxmemory_mb),
      "Redis's memory limit (noeviction), as in a deployment");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  spdlog::set_level(spdlog::level::warn);
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);
  std::cout << std::fixed << std::setprecision(1);

  // As a deployment runs it: secrets beside the configuration, Redis with the ACL users
  // (this program inspects and sets up as "ops"; the engine runs as "cases", as piket-cases
  // does), maxmemory with noeviction.
  common::ensure_deployment_secrets(std::filesystem::path(work) / "secrets");
  launch::RedisServerConfig redis_config{0, std::filesystem::path(work) / "redis"};
  for (auto& u : common::deployment_redis_users(std::filesystem::path(work) / "secrets"))
    redis_config.users.push_back({u.name, u.password, u.rules});
  redis_config.maxmemory_bytes = maxmemory_mb * 1024 * 1024;
  launch::RedisServer redis_server{redis_config};
  redis_server.start();
  const auto cases_port = launch::free_tcp_port();
  const auto config_file = std::filesystem::path(work) / "piket.toml";
  std::ofstream(config_file) << config_text(redis_server.port(), cases_port,
                                            launch::free_tcp_port());
  auto cfg = config::load_config(config_file);
  auto ops_cfg = cfg;
  config::load_secrets(ops_cfg, "ops");
  config::load_secrets(cfg, "cases");
  cases::StaffDirectory staff(cfg);
  const cases::EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  common::RedisConnection redis(ops_cfg.redis);

  // Due times are laid out from the origin D0 of the measured run: each "lag
  // case" has its first-contact deadline (3 h after registration) at D0 + k/rate.
  const Instant d0 = *common::parse_rfc3339("2027-03-01T09:00:00Z");
  BenchClock clock(d0 - 10min);
  common::SystemClock transport;
  const int window_s = seconds + 30;  // the lag run, the Redis kill, the engine kill
  const long long lag_cases = static_cast<long long>(rate) * window_s;

  // ---- setup (not measured): the cases, written without fsync.
  redis.command({"CONFIG", "SET", "appendfsync", "no"});
  const auto t_setup = Steady::now();
  std::vector<std::string> ids;
  auto create = [&](long long n, auto opened_at, const char* kind, bool ban) {
    std::vector<std::vector<std::string>> batch;
    const auto sha = redis.command({"SCRIPT", "LOAD", kCreateCase.source()}).str;
    for (long long k = 0; k < n; ++k) {
      const auto id = "C" + common::random_base32(8);
      const Instant opened = opened_at(k);
      const auto ms = [](Instant t) { return std::to_string(common::to_epoch_ms(t)); };
      batch.push_back({"EVALSHA", sha, "0", id, "I" + common::random_base32(16), ms(opened), kind,
                       ban ? ms(opened + 10 * 24h) : "", "icm-" + std::to_string(1 + k % 20),
                       ms(opened + 1min)});
      ids.push_back(id);
      if (batch.size() == 1000 || k + 1 == n) {
        redis.pipeline(batch);
        batch.clear();
      }
    }
  };
  create(
      lag_cases, [&](long long k) { return d0 + common::Millis{k * 1000 / rate} - 3h; }, "code_red",
      false);
  // Lag cases hold 6 timers each (no ban), background cases 7.
  const long long background = std::max(0LL, (deadlines - 6 * lag_cases) / 7);
  create(
      background, [&](long long) { return d0; }, "home_ban", true);
  redis.command({"CONFIG", "SET", "appendfsync", "always"});
  std::cout << "setup: " << ids.size() << " cases (" << lag_cases << " with a deadline at " << rate
            << "/s, " << background << " background) in " << ms_since(t_setup) / 1000 << " s\n";

  // ---- 1. one million pending deadlines: memory and insert rate
  cases::RedisCaseStore store(cfg.redis);
  const auto mem_before = used_memory(redis);
  const auto t_insert = Steady::now();
  for (std::size_t at = 0; at < ids.size(); at += 256) {
    const std::vector<std::string> batch(
        ids.begin() + static_cast<long>(at),
        ids.begin() + static_cast<long>(std::min(ids.size(), at + 256)));
    const auto states = store.load_many(batch);
    std::vector<std::variant<cases::FireRequest, cases::SyncRequest>> ops;
    for (std::size_t i = 0; i < batch.size(); ++i)
      ops.emplace_back(cases::SyncRequest{batch[i], states[i]->version, "",
                                          cases::evaluate(*states[i], rules, clock.now()).timers});
    store.write_many(ops);
  }
  const double insert_s = ms_since(t_insert) / 1000;
  const auto pending = store.timer_count();
  const auto mem_after = used_memory(redis);
  std::cout << "\n1. pending deadlines: " << pending << "\n"
            << "   memory: " << (mem_after - mem_before) / (1024.0 * 1024.0)
            << " MiB for the timers, "
            << static_cast<double>(mem_after - mem_before) / static_cast<double>(pending)
            << " bytes per deadline (sorted-set entry and the case's list of its timers)\n"
            << "   insert: " << insert_s << " s, " << static_cast<double>(pending) / insert_s
            << " deadlines/s (batches of 256 cases, appendfsync always)\n";

  // ---- 2. firing lag while `rate` fall due per second
  std::mutex m;
  std::vector<double> lag_ms;
  std::vector<Instant> fired_at;
  std::set<std::string> fired_keys;
  long long repeated = 0;
  std::atomic<long long> fired_total{0};
  common::Metrics metrics("deadline-bench");
  // Pages leave through the notify outbox, as in piket-cases; a stand-in for
  // piket-notify acknowledges every one (so the outbox stays as small as in a
  // deployment). Both ends use CURVE keys, as in a deployment.
  const auto notify_keys = common::generate_curve_keypair();
  const auto cases_keys = common::generate_curve_keypair();
  common::InboxReceiver notify_stand_in(
      {cfg.notify.zmq_bind,
       {notify_keys.secret_key, {{cases_keys.public_key, "cases"}}, {{"notify", {"cases"}}}},
       1,
       nullptr,
       {},
       1,
       {}},
      [](std::string_view, std::string_view, std::string_view) { return true; });
  notify_stand_in.start();
  common::OutboxSender to_notify(
      {"notify",
       {cfg.notify.zmq_bind},
       cfg.redis,
       cfg.outbox.resend_after,
       256,
       {cases_keys.public_key, cases_keys.secret_key, notify_keys.public_key}},
      transport);
  to_notify.start();
  cases::DeadlineShell engine(
      store, rules, clock, transport, {2000ms, 10ms, 128},
      [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); },
      &metrics);
  engine.set_observer([&](const cases::Fired& f) {
    const auto now = clock.now();
    ++fired_total;
    std::lock_guard lock(m);
    lag_ms.push_back(std::chrono::duration<double, std::milli>(now - f.due).count());
    fired_at.push_back(f.due);
    if (!fired_keys.insert(f.key).second) ++repeated;
  });
  clock.run_from(d0 - 2s);
  engine.start();
  std::this_thread::sleep_for(std::chrono::seconds{seconds + 3});  // the last ones have fired
  Percentiles lag;
  {
    std::lock_guard lock(m);
    std::vector<double> in_window;
    for (std::size_t i = 0; i < lag_ms.size(); ++i)
      if (fired_at[i] < d0 + std::chrono::seconds{seconds}) in_window.push_back(lag_ms[i]);
    lag = percentiles(in_window);
  }
  std::cout << "\n2. firing lag, " << rate << " due per second for " << seconds << " s with "
            << pending << " pending: " << lag.n << " fired, p50 " << lag.p50 << " ms, p99 "
            << lag.p99 << " ms, max " << lag.max << " ms (due → durable: idempotency key, page, "
            << "timeline entry and new timers written; engine polls every 10 ms)\n";

  // ---- 3a. kill -9 of redis-server while deadlines keep falling due
  const auto before_kill = fired_total.load();
  redis_server.kill9();
  const auto killed = Steady::now();
  std::this_thread::sleep_for(1s);
  const auto t_restart = Steady::now();
  redis_server.start(120s);
  const double aof_load_ms = ms_since(t_restart);
  while (fired_total.load() == before_kill && ms_since(t_restart) < 60000)
    std::this_thread::sleep_for(1ms);
  const double first_fire_ms = ms_since(t_restart);
  std::this_thread::sleep_for(5s);
  double worst_late = 0;
  long long due_so_far = 0, fired_so_far = 0;
  {
    std::lock_guard lock(m);
    for (std::size_t i = static_cast<std::size_t>(before_kill); i < lag_ms.size(); ++i)
      worst_late = std::max(worst_late, lag_ms[i]);
    // Every lag deadline due more than a second ago must have fired, once.
    const auto bound = clock.now() - 1s;
    for (long long k = 0; k < lag_cases; ++k)
      if (d0 + common::Millis{k * 1000 / rate} < bound) ++due_so_far;
    for (const auto& at : fired_at)
      if (at >= d0 && at < bound) ++fired_so_far;
  }
  std::cout << "\n3a. kill -9 of redis-server (down "
            << std::chrono::duration<double>(t_restart - killed).count()
            << " s): restarted and answering PING after " << aof_load_ms
            << " ms (AOF replay), engine firing again " << first_fire_ms
            << " ms after the restart began; worst lateness of deadlines due meanwhile "
            << worst_late << " ms; of the " << due_so_far << " deadlines due since the run began "
            << fired_so_far << " fired, " << repeated << " repeated\n";
  engine.stop();
  to_notify.stop();

  // ---- 3b. kill -9 of the piket-cases process
  // It runs on the deployment's shared simulated clock; this thread keeps it
  // at the benchmark's time, every 100 ms (each move is a write, and with
  // appendfsync always an fsync: a real deployment moves it only on
  // POST /v1/admin/clock).
  std::atomic<bool> driving{true};
  std::thread clock_driver([&] {
    common::RedisConnection c(ops_cfg.redis);
    while (driving) {
      try {
        c.command(
            {"SET", store::kClockSimulatedMs, std::to_string(common::to_epoch_ms(clock.now()))});
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(100ms);
    }
  });
  const std::string binary = std::string(PIKET_BIN_DIR) + "/cases/piket-cases";
  const auto log = std::filesystem::path(work) / "piket-cases.out";
  auto start_service = [&] {
    const auto t = Steady::now();
    auto p = launch::Process::start({binary, "--config", config_file.string()}, log);
    while (ms_since(t) < 30000) {
      try {
        if (launch::http_get(cases_port, "/healthz", 500ms).status == 200) break;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(2ms);
    }
    return std::pair{std::move(p), ms_since(t)};
  };
  // Timers due at or before `t` still waiting.
  auto due_by = [&](Instant t) {
    return redis
        .command({"ZCOUNT", store::kDeadlinesDue, "-inf", std::to_string(common::to_epoch_ms(t))})
        .integer;
  };
  redis.disconnect();
  auto [service, first_start_ms] = start_service();
  std::this_thread::sleep_for(3s);
  service.kill9();
  std::this_thread::sleep_for(2s);
  // The backlog: what fell due while it was down (deadlines keep falling due
  // at `rate` meanwhile; those are the next run's ordinary work).
  const auto restart_at = clock.now();
  const auto backlog = due_by(restart_at);
  const auto t_again = Steady::now();
  auto [again, healthy_ms] = start_service();
  while (due_by(restart_at) > 0 && ms_since(t_again) < 60000) std::this_thread::sleep_for(5ms);
  const double caught_up_ms = ms_since(t_again);
  std::cout << "\n3b. kill -9 of piket-cases (down 2 s, " << backlog
            << " deadlines fell due meanwhile): "
            << "healthy " << healthy_ms << " ms after the restart (first start: " << first_start_ms
            << " ms), backlog fired by " << caught_up_ms << " ms\n";
  again.terminate_and_wait(5s);
  notify_stand_in.stop();
  driving = false;
  clock_driver.join();
  redis_server.stop();
  std::cout << "\nredis-server " << std::filesystem::path(work) / "redis"
            << ", piket-cases log " << log << "\n";
  return 0;
}
