// piket-bench: posts incidents at a chosen rate, open loop, over keep-alive connections
// against a whole local stack and measures, per incident,
//   - post sent → the sendsms request at the gateway (end to end),
//   - and its two halves: POST → 201, 201 → gateway;
// throughput, what was lost (accepted, never at the gateway within a grace after the run), and
// each service's RSS under load and after it (Redis apart). docs/performance.md, "Measuring".
// By default the gateway is a minimal in-process HTTP receiver that answers like Kannel (202
// "0: Accepted for delivery"), so Kannel's own speed does not hide ours; --gateway kannel
// measures through real Kannel to fakesmsc.
//
//   piket-bench --rate 200 --duration 20
//   piket-bench --rate 800 --duration 10 --bundle-window-ms 0 --peer alertmanager
//                                     (then Debian's Alertmanager on the same harness, and both
//                                      side by side with the ratio)
//   piket-bench --find-max            (doubles the rate until something is lost or end-to-end
//                                      p99 exceeds 1 s, then narrows down)
//   piket-bench --self-test --rate 10000
//                                     (the harness alone: a trivial in-process target that
//                                      answers 201 at once and sends the fake gateway the case)
//   piket-bench --cluster             (the same against the local cluster: three Redis with
//                                      Sentinel, answers waiting for a replica, two
//                                      instances of every service)
//   piket-bench --escalation 500      (missed acknowledgement deadline → the next
//                                      step's page at the gateway: 20 single
//                                      incidents, then 500 falling due at once)
//
// The stopwatch here is std::chrono::steady_clock: this is a measuring instrument outside the
// system under test, not domain logic.

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "alertmanager.hpp"
#include "disk_stalls.hpp"
#include "memory.hpp"
#include "percentiles.hpp"
#include "piket/common/config.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/http_client.hpp"
#include "piket/common/redis.hpp"
#include "piket/launch/redis_server.hpp"
#include "piket/stack/cluster_stack.hpp"
#include "piket/stack/local_stack.hpp"
#include "piket/stack/stack_config.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "poster.hpp"
#include "report.hpp"
#include "report_lag.hpp"
#include "run.hpp"
#include "sinks.hpp"
#include "texts.hpp"

namespace {

using namespace piket;
using namespace piket::bench;

struct Options {
  double rate = 200, seconds = 20, grace = 15, after = 5;
  int connections = 32, max_connections = 256, poster_threads = 2, gateway_threads = 2;
  std::string gateway = "fake", peer = "none", bin_dir, work_dir = "/tmp/piket-bench";
  bool find_max = false, cluster = false, self_test = false;
  int find_max_steps = 2;
  int escalation = 0;
  int bundle_window_ms = 0;
  int ingest_threads = 8;
  std::uint64_t redis_maxmemory_mb = 8192;
  int peer_group_interval_ms = 1000;
};

// One run's figures and the memory seen during and after it.
struct Measured {
  RunResult run;
  MemoryReport memory;
  DiskStalls disk;
};

// What a run posts, where, and where its deliveries are seen.
struct LoadPlan {
  std::string system, delivery;
  bool judge_memory_target = true;  // false for the cluster (memory.hpp)
  int accepted_status = 201;
  std::vector<std::uint16_t> ports;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  BodyOf body_of;
  KeyOf key_of;
  Arrivals* arrivals = nullptr;
  std::vector<Watched> watched;
  // The system's Redis as `ops`, when the run should report its slow fsyncs (disk_stalls.hpp).
  std::optional<common::RedisConfig> redis;
  // Counted up before each run: the bodies and keys of a run carry it (a reference seen
  // before is answered 200, not 201).
  int* run_id = nullptr;
};

// Posts at `rate` for the run's duration, waits for the deliveries (up to the grace after the
// last answer) and sums up.
Measured measure(const Options& o, const LoadPlan& plan, double rate) {
  PosterOptions po;
  po.ports = plan.ports;
  po.target = plan.target;
  po.headers = plan.headers;
  po.connections = o.connections;
  po.max_connections = o.max_connections;
  po.threads = o.poster_threads;
  po.rate = rate;
  po.total = static_cast<std::size_t>(rate * o.seconds);
  if (plan.run_id) ++*plan.run_id;
  const auto requests_before = plan.arrivals->requests();
  plan.arrivals->reserve_more(po.total);
  if (plan.redis) start_disk_watch(*plan.redis);
  MemorySampler sampler(plan.watched, std::chrono::milliseconds{100});
  const auto posted = post_open_loop(po, plan.body_of, plan.key_of);
  const auto& samples = posted.samples;
  Steady::time_point last_answer{};
  std::size_t accepted = 0;
  for (const auto& s : samples) {
    last_answer = std::max(last_answer, s.answered);
    accepted += s.status == plan.accepted_status;
  }
  const auto give_up = last_answer + std::chrono::duration_cast<Steady::duration>(
                                         std::chrono::duration<double>(o.grace));
  while (plan.arrivals->arrived(samples, plan.accepted_status) < accepted &&
         Steady::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  sampler.stop();
  Measured m;
  if (plan.redis) m.disk = read_disk_watch(*plan.redis);
  // Memory after the load: what the services keep once they have rested.
  std::this_thread::sleep_for(std::chrono::duration<double>(o.after));
  m.memory = sampler.report();
  m.memory.judge_target = plan.judge_memory_target;
  m.run = summarize(samples, plan.arrivals->snapshot(), plan.accepted_status, rate, o.seconds);
  m.run.system = plan.system;
  m.run.delivery = plan.delivery;
  m.run.grace = o.grace;
  m.run.delivery_requests = plan.arrivals->requests() - requests_before;
  m.run.connections = posted.connections;
  return m;
}

// After a run that did not keep up: until nothing has arrived for a second (at most two
// minutes), so that its backlog does not count against the next run.
void quiesce(Arrivals& arrivals) {
  auto seen = arrivals.requests();
  for (auto until = Steady::now() + std::chrono::minutes{2}; Steady::now() < until;) {
    std::this_thread::sleep_for(std::chrono::seconds{1});
    const auto now = arrivals.requests();
    if (now == seen) return;
    seen = now;
  }
}

long piket_sum(const MemoryReport& m, bool load) {
  return load ? m.piket_load_kib : m.piket_after_kib;
}

// CPU over the run as % of one core: the rows counted in the sum, or those apart (Redis).
double cpu_percent(const MemoryReport& m, bool counted) {
  double cpu = -1;
  for (const auto& r : m.rows)
    if (r.piket == counted && r.cpu_seconds >= 0) cpu = std::max(0.0, cpu) + r.cpu_seconds;
  return cpu < 0 || m.wall_seconds <= 0 ? -1 : 100 * cpu / m.wall_seconds;
}

long apart(const MemoryReport& m, bool load) {
  long sum = -1;
  for (const auto& r : m.rows)
    if (!r.piket) sum = std::max(0L, sum) + std::max(0L, load ? r.load_kib : r.after_kib);
  return sum;
}

void print_run(const Measured& m, bool piket_memory) {
  std::cout << run_text(m.run);
  if (piket_memory) {
    std::cout << memory_table(m.memory) << cpu_per_incident_line(m.memory, m.run.accepted)
              << disk_stalls_line(m.disk, kFsyncThresholdMs);
  } else {
    for (const auto& r : m.memory.rows)
      std::cout << "  " << r.name << " RSS MiB: under load " << std::fixed << std::setprecision(1)
                << static_cast<double>(r.load_kib) / 1024.0 << ", after "
                << static_cast<double>(r.after_kib) / 1024.0 << "; CPU " << std::setprecision(0)
                << (m.memory.wall_seconds > 0 ? 100 * r.cpu_seconds / m.memory.wall_seconds : -1)
                << " % of a core over " << std::setprecision(1) << m.memory.wall_seconds << " s\n";
  }
  std::cout << std::flush;
}

// The runs at the given rate, or with --find-max the ladder: doubling until a run is not
// sustained (something lost or refused, the rate not reached, or end-to-end p99 ≥ 1 s) — or, when
// the first is not, halving until one is — then `find_max_steps` halvings of the gap between the
// last rate sustained and the first not. Returns every run in order.
std::vector<Measured> ladder(const Options& o, const LoadPlan& plan, bool piket_memory) {
  std::vector<Measured> runs;
  auto run_at = [&](double r) {
    runs.push_back(measure(o, plan, r));
    print_run(runs.back(), piket_memory);
    if (o.find_max && !runs.back().run.sustained()) quiesce(*plan.arrivals);
    return runs.back().run.sustained();
  };
  if (!o.find_max) {
    run_at(o.rate);
    return runs;
  }
  double best = 0, failed = 0;
  for (double r = o.rate;; r *= 2) {
    if (run_at(r)) {
      best = r;
    } else {
      failed = r;
      break;
    }
    if (r >= 100000) break;
  }
  // Not even the first rate: halve until one is sustained.
  for (double r = std::floor(o.rate / 2); best == 0 && r >= 1; r = std::floor(r / 2)) {
    if (run_at(r))
      best = r;
    else
      failed = r;
  }
  for (int step = 0; failed > 0 && best > 0 && step < o.find_max_steps; ++step) {
    const double mid = std::round((best + failed) / 2);
    if (run_at(mid))
      best = mid;
    else
      failed = mid;
  }
  std::cout << plan.system
            << ": highest rate sustained (nothing lost, the rate reached, end-to-end p99 < 1 s): "
            << std::fixed << std::setprecision(0) << best << "/s";
  if (failed > 0) std::cout << " (not at " << failed << "/s)";
  std::cout << "\n";
  return runs;
}

double best_rate(const std::vector<Measured>& runs) {
  double best = 0;
  for (const auto& m : runs)
    if (m.run.sustained()) best = std::max(best, m.run.rate);
  return best;
}

std::string incident_body(const std::string& ref) {
  return R"({"reference":")" + ref +
         R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T14:03:00+01:00","household":"hh-)" +
         ref +
         R"(","persons":[{"role":"victim","name":"Synthetic Person","phone":"+31600000000"}],"summary":"synthetic"})";
}

LoadPlan piket_plan(const stack::StackSpec& spec, std::vector<std::uint16_t> ports,
                    Arrivals& arrivals, std::vector<Watched> watched, int& run_id) {
  LoadPlan p;
  p.system = "piket";
  p.delivery = "gateway";
  p.accepted_status = 201;
  p.ports = std::move(ports);
  p.target = "/v1/incidents";
  p.headers = {{"Authorization", "Bearer " + spec.police_token}};
  // Each run's references are its own (a reference seen before is answered 200, not 201).
  p.body_of = [&run_id](std::size_t k) {
    return incident_body("BENCH-" + std::to_string(run_id) + "-" + std::to_string(k));
  };
  p.key_of = [](std::size_t, int status, std::string_view body) {
    return status == 201 ? case_id_in_answer(body) : std::string{};
  };
  p.arrivals = &arrivals;
  p.watched = std::move(watched);
  p.run_id = &run_id;
  return p;
}

// Alertmanager on the same harness at the same rates: started, measured, stopped.
std::vector<Measured> run_peer(const Options& o) {
  Webhook webhook(0, o.gateway_threads);
  AlertmanagerRoute route{"http://127.0.0.1:" + std::to_string(webhook.port()) + "/hook",
                          std::chrono::milliseconds{o.peer_group_interval_ms}};
  Alertmanager am(std::filesystem::path(o.work_dir) / "alertmanager", route);
  am.start();
  std::cout << "piket-bench: peer Alertmanager (" << kAlertmanagerBinary
            << ", group_by ['...'], group_wait 0s, group_interval "
            << alertmanager_duration(route.group_interval) << ", webhook on loopback), "
            << o.connections << " keep-alive connections, " << o.seconds << " s per run\n";
  int run_id = 0;
  LoadPlan p;
  p.system = "Alertmanager";
  p.delivery = "webhook";
  p.accepted_status = 200;
  p.ports = {am.port()};
  p.target = "/api/v2/alerts";
  p.body_of = [&run_id](std::size_t k) {
    return alert_body("am-" + std::to_string(run_id) + "-" + std::to_string(k));
  };
  p.key_of = [&run_id](std::size_t k, int, std::string_view) {
    return "am-" + std::to_string(run_id) + "-" + std::to_string(k);
  };
  p.arrivals = &webhook.alerts();
  p.watched = {{"alertmanager", am.pid(), true}};
  p.run_id = &run_id;
  auto runs = ladder(o, p, false);
  am.stop();
  return runs;
}

void print_side_by_side(const std::vector<Measured>& piket, const std::vector<Measured>& peer) {
  for (const auto& a : piket)
    for (const auto& b : peer)
      if (a.run.rate == b.run.rate) {
        SystemFigures pf{a.run,
                         piket_sum(a.memory, true),
                         piket_sum(a.memory, false),
                         apart(a.memory, true),
                         apart(a.memory, false),
                         cpu_percent(a.memory, true),
                         cpu_percent(a.memory, false)};
        SystemFigures bf{b.run, piket_sum(b.memory, true), piket_sum(b.memory, false)};
        bf.cpu_percent = cpu_percent(b.memory, true);
        std::cout << "\n" << side_by_side(pf, bf);
      }
  if (piket.size() > 1 || peer.size() > 1)
    std::cout << "highest rate sustained: piket " << best_rate(piket) << "/s, Alertmanager "
              << best_rate(peer) << "/s\n";
}

// Posts `n` incidents, waits for their first pages, then moves the simulated
// clock past the primary's wait and measures, per incident, the time from
// the clock move to its escalation page at the gateway.
// With `decline`, a single incident's page is declined through the staff API
// instead, and the time runs from the decline to the next step's page.
Percentiles run_escalation(const stack::StackSpec& spec, const common::RedisConfig& ops,
                           FakeGateway& gateway, int n, int run_id, bool decline = false) {
  common::HttpClient partner({"127.0.0.1", spec.ports.ingest}, std::chrono::milliseconds{10000});
  partner.set_header("Authorization", "Bearer " + spec.police_token);
  std::vector<std::string> cases;
  for (int k = 0; k < n; ++k) {
    const std::string ref = "ESC-" + std::to_string(run_id) + "-" + std::to_string(k);
    const auto r = partner.post(
        "/v1/incidents", "application/json",
        R"({"reference":")" + ref +
            R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T07:50:00+01:00","household":"hh-)" +
            ref + R"("})");
    const auto code = case_id_in_answer(r.body);
    if (r.status != 201 || code.empty())
      throw std::runtime_error("incident not accepted: " + std::to_string(r.status));
    cases.push_back(code);
  }
  auto all_in = [&](const ArrivalMap& m) {
    return std::all_of(cases.begin(), cases.end(), [&](const auto& c) { return m.count(c) != 0; });
  };
  for (auto until = Steady::now() + std::chrono::seconds{30};
       !all_in(gateway.pages().snapshot());) {
    if (Steady::now() > until) throw std::runtime_error("first pages did not arrive");
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  Steady::time_point moved;
  if (decline) {
    // The page and who got it, from the record.
    common::RedisConnection redis(ops);  // Redis user "ops", as the launcher has it
    const auto inc = redis.command({"LINDEX", store::case_incidents_key(cases.front()), "0"}).str;
    const auto page = redis.command({"HGET", store::incident_key(inc), "page_id"}).str;
    const auto person = redis.command({"HGET", store::page_key(page), "person"}).str;
    common::HttpClient staff({"127.0.0.1", spec.ports.inbound}, std::chrono::milliseconds{10000});
    staff.set_header("Authorization", "Bearer bench-staff-token-" + person);
    moved = Steady::now();
    const auto r = staff.post("/v1/pages/" + page + "/decline", "application/json", "{}");
    if (r.status != 200) throw std::runtime_error("decline refused: " + r.body);
  } else {
    common::HttpClient admin({"127.0.0.1", spec.ports.ingest}, std::chrono::milliseconds{10000});
    admin.set_header("Authorization", "Bearer " + spec.admin_token);
    moved = Steady::now();
    const auto r = admin.post("/v1/admin/clock", "application/json", R"({"advance_seconds":300})");
    if (r.status != 200) throw std::runtime_error("clock not moved: " + r.body);
  }
  ArrivalMap escalated;
  for (auto until = Steady::now() + std::chrono::seconds{30};;) {
    escalated = gateway.escalations().snapshot();
    if (all_in(escalated) || Steady::now() > until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  std::vector<double> lag;
  for (const auto& c : cases)
    if (auto it = escalated.find(c); it != escalated.end())
      lag.push_back(ms_between(moved, it->second));
  if (lag.size() != cases.size())
    std::cout << "  " << cases.size() - lag.size() << " escalation pages missing after 30 s\n";
  return percentiles(lag);
}

void print_escalation(const char* what, const Percentiles& p) {
  std::cout << std::fixed << std::setprecision(2) << what << " (" << p.n << " pages) ms  p50 "
            << p.p50 << "  p90 " << p.p90 << "  p99 " << p.p99 << "  max " << p.max << "\n";
}

int self_test(const Options& o) {
  FakeGateway gateway(0, o.gateway_threads);
  SelfTestTarget target(gateway.port(), 2, 4);
  std::cout << "piket-bench --self-test: the poster (" << o.connections << " connections, "
            << o.poster_threads << " threads) against a trivial in-process target that answers "
            << "201 at once and sends the case to the fake gateway (" << o.gateway_threads
            << " server threads) from 4 threads\n";
  int run_id = 0;
  LoadPlan p;
  p.system = "self-test";
  p.delivery = "gateway";
  p.accepted_status = 201;
  p.ports = {target.port()};
  p.target = "/v1/incidents";
  p.body_of = [&run_id](std::size_t k) {
    return incident_body("SELF-" + std::to_string(run_id) + "-" + std::to_string(k));
  };
  p.key_of = [](std::size_t, int status, std::string_view body) {
    return status == 201 ? case_id_in_answer(body) : std::string{};
  };
  p.arrivals = &gateway.pages();
  p.run_id = &run_id;
  const auto runs = ladder(o, p, false);
  for (const auto& m : runs)
    std::cout << std::fixed << std::setprecision(0) << "self-test at " << m.run.rate
              << "/s: the harness posted " << m.run.posted_rate << "/s, the fake gateway took "
              << m.run.delivered_rate << "/s, "
              << (m.run.behind() ? "BEHIND its schedule" : "on schedule") << ", lost " << m.run.lost
              << "\n";
  return 0;
}

std::vector<Watched> local_watched(stack::LocalStack& s) {
  std::vector<Watched> w;
  for (auto c : stack::kServices) w.push_back({std::string(stack::to_string(c)), s.pid(c), true});
  w.push_back({"redis", s.pid(stack::Component::redis), false});
  return w;
}

std::vector<Watched> cluster_watched(stack::ClusterStack& s) {
  std::vector<Watched> w;
  for (auto c : s.services())
    for (int n = 1; n <= s.instances(); ++n)
      w.push_back({std::string(stack::to_string(c)) + "-" + std::to_string(n), s.pid(c, n), true});
  for (int i = 0; i < launch::SentinelCluster::kNodes; ++i)
    w.push_back({"redis-" + std::to_string(i), s.redis().node(i).pid(), false});
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description desc("piket-bench options");
  Options o;
  desc.add_options()("help,h", "show this help")("rate", po::value(&o.rate)->default_value(200),
                                                 "incidents per second (open loop)")(
      "duration", po::value(&o.seconds)->default_value(20), "seconds of load per run")(
      "connections", po::value(&o.connections)->default_value(32),
      "keep-alive connections the posts go out on, opened at the start")(
      "max-connections", po::value(&o.max_connections)->default_value(256),
      "when every connection waits for an answer, more are opened up to this many")(
      "poster-threads", po::value(&o.poster_threads)->default_value(2),
      "threads posting (each with its share of the connections)")(
      "gateway-threads", po::value(&o.gateway_threads)->default_value(2),
      "server threads of the fake gateway and of the webhook")(
      "grace", po::value(&o.grace)->default_value(15),
      "seconds after the last answer within which an accepted incident must reach the gateway "
      "(else it counts as lost)")(
      "after", po::value(&o.after)->default_value(5),
      "seconds after the pipeline drained at which each service's RSS is taken as 'after'")(
      "gateway", po::value(&o.gateway)->default_value("fake"),
      "fake (in-process receiver answering like Kannel) or kannel (real Kannel + fakesmsc)")(
      "peer", po::value(&o.peer)->default_value("none"),
      "none, or alertmanager: after piket's runs, Debian's Alertmanager at the same rates on "
      "the same harness, and both side by side (apt-get install prometheus-alertmanager)")(
      "peer-group-interval-ms", po::value(&o.peer_group_interval_ms)->default_value(1000),
      "Alertmanager's group_interval")(
      "cluster", po::bool_switch(&o.cluster),
      "against the local cluster (stack::ClusterStack): three Redis with three sentinels, "
      "[redis] min_replicas = 1, two instances of every service; the connections alternate "
      "between the two ingest instances")(
      "find-max", po::bool_switch(&o.find_max),
      "double the rate until something is lost or end-to-end p99 >= 1 s, then narrow down")(
      "find-max-steps", po::value(&o.find_max_steps)->default_value(2),
      "halvings of the gap after the doubling")(
      "self-test", po::bool_switch(&o.self_test),
      "no stack: the poster against a trivial in-process target, to show the rate the harness "
      "reaches")("escalation", po::value(&o.escalation)->default_value(0),
                 "measure missed-acknowledgement → next step's page: 20 single incidents, then "
                 "this many at once")(
      "bin-dir", po::value(&o.bin_dir),
      "directory with ingest/piket-ingest etc. (default: next to this program)")(
      "work-dir", po::value(&o.work_dir)->default_value(o.work_dir), "scratch directory")(
      "redis-maxmemory-mb", po::value(&o.redis_maxmemory_mb)->default_value(8192),
      "Redis's maxmemory (noeviction) in the bench's stack: an incident takes some 15 KiB")(
      "ingest-threads", po::value(&o.ingest_threads)->default_value(8),
      "[ingest] threads of the stack (the deployment default: 8; each holds one post while "
      "Redis accepts it)")(
      "bundle-window-ms", po::value(&o.bundle_window_ms)->default_value(0),
      "notify.bundle_window_ms of the stack (0: no bundling; -1: the deployment default, "
      "3000). Not bundled by default: the bench's pages go to the few people of its rota, and "
      "bundling sends each of them one SMS per window, so at 200/s most pages would wait for "
      "later windows and count as lost");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "piket-bench: " << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (o.rate <= 0 || o.rate > 100000 || o.seconds <= 0 || o.seconds > 3600 || o.connections < 1 ||
      o.connections > 1024 || o.max_connections > 4096 || o.poster_threads < 1 ||
      o.poster_threads > 16 || o.connections < o.poster_threads || o.gateway_threads < 1 ||
      o.gateway_threads > 16 || o.ingest_threads < 1 || o.ingest_threads > 64 || o.grace < 0 ||
      o.grace > 600 || o.after < 0 || o.after > 600 ||
      (o.gateway != "fake" && o.gateway != "kannel") ||
      (o.peer != "none" && o.peer != "alertmanager") || o.escalation < 0 || o.escalation > 400 ||
      (o.escalation > 0 && (o.gateway != "fake" || o.cluster)) || o.bundle_window_ms < -1 ||
      o.bundle_window_ms > 60000 || o.find_max_steps < 0 || o.find_max_steps > 6 ||
      o.peer_group_interval_ms < 1) {
    std::cerr << "piket-bench: rate 0-100000, duration 0-3600, connections 1-1024 (at least "
                 "one per poster thread), max-connections up to 4096, poster-threads and "
                 "gateway-threads 1-16, grace and after 0-600, "
                 "gateway fake|kannel, peer none|alertmanager, escalation 0-400 (under the "
                 "stack's caseload cap; with the fake gateway, not with --cluster), "
                 "bundle-window-ms -1-60000, find-max-steps 0-6\n";
    return 2;
  }
  const bool with_peer = o.peer == "alertmanager";
  if (with_peer && !std::filesystem::exists(std::string(kAlertmanagerBinary))) {
    std::cerr << "piket-bench: --peer alertmanager needs Debian's Alertmanager at "
              << kAlertmanagerBinary << ": " << kAlertmanagerInstall << "\n";
    return 2;
  }
  if (o.bin_dir.empty())
    o.bin_dir =
        (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "services")
            .string();
  try {
    std::filesystem::remove_all(o.work_dir);
    std::filesystem::create_directories(o.work_dir);
    if (o.self_test) return self_test(o);
    stack::StackSpec spec;
    spec.ports = stack::StackPorts::pick_free();
    stack::ClusterOptions cluster_options;
    if (o.cluster) {
      stack::pick_free_cluster_ports(spec, cluster_options);
      spec.min_replicas = 1;
      cluster_options.data_dir = o.work_dir;
      cluster_options.bin_dir = o.bin_dir;
      cluster_options.with_kannel = o.gateway == "kannel";
      cluster_options.redis_maxmemory_mb = o.redis_maxmemory_mb;
    }
    spec.log_dir = o.work_dir + "/logs";
    spec.partner_rate = 100000;
    spec.partner_burst = 100000;
    spec.bundle_window_ms = o.bundle_window_ms;
    spec.ingest_threads = o.ingest_threads;
    // The posters are one client: all their connections, and the harness's scrapes of /metrics.
    spec.ingest_max_connections_per_address = std::max(256, o.max_connections) + 16;
    if (o.escalation > 0) {
      // Simulated time, and the stack rota's primary then its team lead.
      spec.simulated_clock = true;
      spec.extra_toml =
          "[escalation]\nsteps = [{target = \"primary\", wait_minutes = 5}, "
          "{target = \"team_lead\", wait_minutes = 10}]\nrepeat = 0\nforgotten_minutes = 0\n";
      for (const char* id : {"icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6"})
        spec.person_extra[id] =
            "token_sha256 = \"" + common::sha256_hex(std::string("bench-staff-token-") + id) + "\"";
    }
    const auto config_file = stack::write_stack_config(spec, o.work_dir);
    std::unique_ptr<FakeGateway> fake;
    if (o.gateway == "fake")
      fake = std::make_unique<FakeGateway>(spec.ports.sendsms, o.gateway_threads);
    const char* gateway_name = fake ? "in-process fake Kannel (202)" : "Kannel + fakesmsc";
    int run_id = 0;
    std::vector<Measured> piket_runs;
    if (o.cluster) {
      stack::ClusterStack local(config_file, cluster_options);
      local.start();
      std::unique_ptr<FakesmscWatcher> watcher;
      if (!fake) watcher = std::make_unique<FakesmscWatcher>(local.fakesmsc_log());
      std::cout << "piket-bench: the local cluster (3 Redis, 3 sentinels, min_replicas 1, 2 "
                   "instances of every service), gateway "
                << gateway_name << ", " << o.connections << " keep-alive connections, " << o.seconds
                << " s per run\n";
      auto plan =
          piket_plan(spec,
                     {local.http_port(stack::Component::ingest, 1),
                      local.http_port(stack::Component::ingest, 2)},
                     fake ? fake->pages() : watcher->pages(), cluster_watched(local), run_id);
      plan.judge_memory_target = false;
      piket_runs = ladder(o, plan, true);
      local.stop();
    } else {
      stack::StackOptions opts{o.work_dir, o.bin_dir, o.gateway == "kannel"};
      opts.redis_maxmemory_mb = o.redis_maxmemory_mb;
      stack::LocalStack stack(config_file, opts);
      stack.start();
      std::unique_ptr<FakesmscWatcher> watcher;
      if (!fake) watcher = std::make_unique<FakesmscWatcher>(stack.fakesmsc_log());
      std::cout << "piket-bench: piket on one node (Redis appendfsync always), gateway "
                << gateway_name << ", " << o.connections << " keep-alive connections on "
                << o.poster_threads << " poster threads, " << o.seconds << " s per run\n";
      if (o.escalation > 0) {
        std::vector<double> singles;
        for (int k = 0; k < 20; ++k)
          singles.push_back(run_escalation(spec, stack.config().redis, *fake, 1, k).max);
        print_escalation("missed deadline -> next step at gateway, one at a time",
                         percentiles(singles));
        std::vector<double> declines;
        for (int k = 0; k < 20; ++k)
          declines.push_back(
              run_escalation(spec, stack.config().redis, *fake, 1, 50 + k, true).max);
        print_escalation("decline (staff API) -> next step at gateway", percentiles(declines));
        print_escalation("missed deadline -> next step at gateway, all due at once",
                         run_escalation(spec, stack.config().redis, *fake, o.escalation, 100));
        stack.stop();
        return 0;
      }
      auto plan = piket_plan(spec, {spec.ports.ingest}, fake ? fake->pages() : watcher->pages(),
                             local_watched(stack), run_id);
      plan.redis = stack.config().redis;
      piket_runs = ladder(o, plan, true);
      if (!fake) {
        // notify's in-doubt window in this stack: gateway timeout + grace + confirm (5 s, the
        // default the stack does not change).
        const std::int64_t window = spec.gateway_timeout_ms + spec.in_doubt_grace_ms + 5000;
        std::cout << report_lag_line(measure_report_lag(stack.config().redis, 60000, window))
                  << "\n";
      }
      stack.stop();
    }
    if (with_peer) {
      std::cout << "\n";
      const auto peer_runs = run_peer(o);
      print_side_by_side(piket_runs, peer_runs);
    }
  } catch (const std::exception& e) {
    std::cerr << "piket-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
