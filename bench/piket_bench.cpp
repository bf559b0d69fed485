// piket-bench: posts incidents over keep-alive connections at a chosen rate
// against a whole local stack and measures
//   - POST → 201 latency,
//   - 201 → the sendsms request arriving at the gateway (end to end),
//   - sustained throughput with nothing lost, and each process's RSS.
// By default the gateway is a minimal in-process HTTP receiver that answers
// like Kannel (202 "0: Accepted for delivery"), so Kannel's own speed does not
// hide ours; --gateway kannel measures through real Kannel to fakesmsc.
//
//   piket-bench --rate 200 --duration 20
//   piket-bench --find-max            (doubles the rate until something is lost
//                                      or p99 end-to-end exceeds 1 s)
//   piket-bench --cluster             (the same against the local cluster: three Redis with
//                                      Sentinel, answers waiting for a replica, two
//                                      instances of every service)
//   piket-bench --escalation 500      (missed acknowledgement deadline → the next
//                                      step's page at the gateway: 20 single
//                                      incidents, then 500 falling due at once)
//
// The stopwatch here is std::chrono::steady_clock: this is a measuring
// instrument outside the system under test, not domain logic.

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <boost/url/parse_query.hpp>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "percentiles.hpp"
#include "piket/common/config.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/http_client.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/redis.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "piket/stack/cluster_stack.hpp"
#include "piket/stack/local_stack.hpp"
#include "piket/stack/stack_config.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"

namespace {

using namespace piket;
using Steady = std::chrono::steady_clock;

struct Sample {
  Steady::time_point sent, answered;
  int status = 0;
  std::string case_id;
};

double ms_between(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

using bench::Percentiles;
using bench::percentiles;

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The case codes an SMS carries, each with whether its page is an
// escalation: one for a single page ("… case C12345678 …"), one per line for
// a bundle ("piket 3 berichten/pages: 123456 ESC CODE RED C12345678; …",
// docs/paging.md "Bundling"). Pages left for the next SMS are not in it.
std::vector<std::pair<std::string, bool>> pages_in(const std::string& text) {
  std::vector<std::pair<std::string, bool>> out;
  constexpr std::string_view kBundle = " berichten/pages: ";
  const auto head = text.find(kBundle);
  if (head == std::string::npos) {
    const auto at = text.find("case C");
    if (at != std::string::npos && at + 14 <= text.size())
      out.emplace_back(text.substr(at + 5, 9), text.rfind("piket ESCALATED ", 0) == 0);
    return out;
  }
  const auto body = text.substr(head + kBundle.size());
  const auto items = body.substr(0, body.find(". "));
  for (std::size_t at = 0; at < items.size();) {
    const auto end = std::min(items.find("; ", at), items.size());
    const auto item = items.substr(at, end - at);
    const auto code = item.rfind(" C");
    if (code != std::string::npos && code + 10 <= item.size())
      out.emplace_back(item.substr(code + 1, 9), item.find(" ESC ") != std::string::npos);
    at = end + 2;
  }
  return out;
}

// Answers like Kannel's sendsms and notes when each case's page arrived.
class FakeGateway {
 public:
  explicit FakeGateway(std::uint16_t port)
      : server_({{"127.0.0.1", port}, 1}, [this](const common::HttpRequest& r) {
          const auto now = Steady::now();
          if (auto q = boost::urls::parse_query(r.query)) {
            for (auto p : *q) {
              if (p.key != "text") continue;
              const auto pages = pages_in(p.value.decode());
              std::lock_guard lock(mutex_);
              for (const auto& [code, escalation] : pages)
                (escalation ? escalated_ : arrivals_).emplace(code, now);
              if (!pages.empty()) ++requests_;
            }
          }
          return common::HttpResponse{202, "text/plain", "0: Accepted for delivery", {}};
        }) {
    server_.start();
  }
  std::map<std::string, Steady::time_point> arrivals() {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }
  std::size_t requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Escalation pages ("piket ESCALATED …"), by case.
  std::map<std::string, Steady::time_point> escalated() {
    std::lock_guard lock(mutex_);
    return escalated_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Steady::time_point> arrivals_, escalated_;
  std::size_t requests_ = 0;
  common::HttpServer server_;
};

// Watches fakesmsc's log and notes when each case's SMS appeared there.
class FakesmscWatcher {
 public:
  explicit FakesmscWatcher(std::filesystem::path log) : log_(std::move(log)) {
    thread_ = std::thread([this] {
      while (running_) {
        poll();
        std::this_thread::sleep_for(std::chrono::milliseconds{2});
      }
    });
  }
  ~FakesmscWatcher() {
    running_ = false;
    thread_.join();
  }
  std::map<std::string, Steady::time_point> arrivals() {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }
  std::size_t requests() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  void poll() {
    std::ifstream in(log_);
    std::string contents((std::istreambuf_iterator<char>(in)), {});
    const auto now = Steady::now();
    auto sms = launch::parse_fakesmsc_log(contents);
    std::lock_guard lock(mutex_);
    count_ = sms.size();
    for (const auto& m : sms)
      for (const auto& page : pages_in(m.text)) arrivals_.emplace(page.first, now);
  }
  std::filesystem::path log_;
  std::atomic<bool> running_{true};
  std::mutex mutex_;
  std::map<std::string, Steady::time_point> arrivals_;
  std::size_t count_ = 0;
  std::thread thread_;
};

struct RunResult {
  double rate = 0;
  std::size_t posted = 0, accepted = 0, delivered = 0, lost = 0, gateway_requests = 0;
  Percentiles post, end_to_end;
  double achieved_rate = 0;
};

RunResult run_load(const stack::StackSpec& spec, const std::vector<std::uint16_t>& ingest_ports,
                   int connections, double rate, double seconds,
                   const std::function<std::map<std::string, Steady::time_point>()>& arrivals,
                   const std::function<std::size_t()>& gateway_requests, int run_id) {
  const std::size_t total = static_cast<std::size_t>(rate * seconds);
  std::vector<Sample> samples(total);
  std::atomic<std::size_t> next{0};
  const auto t0 = Steady::now() + std::chrono::milliseconds{100};
  auto worker = [&](std::uint16_t port) {
    common::HttpClient client({"127.0.0.1", port}, std::chrono::milliseconds{10000});
    client.set_header("Authorization", "Bearer " + spec.police_token);
    for (;;) {
      const auto k = next.fetch_add(1);
      if (k >= total) return;
      const auto due = t0 + std::chrono::microseconds(
                                static_cast<long long>(1e6 * static_cast<double>(k) / rate));
      std::this_thread::sleep_until(due);
      const std::string ref = "BENCH-" + std::to_string(run_id) + "-" + std::to_string(k);
      const std::string body =
          R"({"reference":")" + ref +
          R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T14:03:00+01:00","household":"hh-)" +
          ref +
          R"(","persons":[{"role":"victim","name":"Synthetic Person","phone":"+31600000000"}],"summary":"synthetic"})";
      auto& s = samples[k];
      s.sent = Steady::now();
      // Posts go through a tiny HTTP/1.1 client with keep-alive.
      auto r = client.post("/v1/incidents", "application/json", body);
      s.answered = Steady::now();
      s.status = r.status;
      const auto at = r.body.find("\"case_id\":\"");
      if (at != std::string::npos) s.case_id = r.body.substr(at + 11, 9);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i)
    threads.emplace_back(worker, ingest_ports[static_cast<std::size_t>(i) % ingest_ports.size()]);
  for (auto& t : threads) t.join();
  const auto last_post = Steady::now();
  RunResult res;
  res.rate = rate;
  res.posted = total;
  // Wait (up to 15 s) for every accepted incident's page to reach the gateway.
  std::size_t accepted = 0;
  for (const auto& s : samples) accepted += (s.status == 201);
  const auto give_up = Steady::now() + std::chrono::seconds{15};
  std::map<std::string, Steady::time_point> arr;
  for (;;) {
    arr = arrivals();
    std::size_t found = 0;
    for (const auto& s : samples)
      if (s.status == 201 && arr.count(s.case_id)) ++found;
    if (found == accepted || Steady::now() > give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  std::vector<double> post, e2e;
  Steady::time_point first = samples.empty() ? t0 : samples.front().sent;
  for (const auto& s : samples) {
    if (s.status != 201) continue;
    ++res.accepted;
    post.push_back(ms_between(s.sent, s.answered));
    if (auto it = arr.find(s.case_id); it != arr.end()) {
      ++res.delivered;
      e2e.push_back(ms_between(s.answered, it->second));
    }
  }
  res.lost = res.accepted - res.delivered;
  res.post = percentiles(post);
  res.end_to_end = percentiles(e2e);
  res.achieved_rate = static_cast<double>(res.accepted) /
                      std::max(1e-9, std::chrono::duration<double>(last_post - first).count());
  res.gateway_requests = gateway_requests();
  return res;
}

void print(const RunResult& r) {
  std::cout << std::fixed << std::setprecision(2) << "rate " << r.rate << "/s: posted " << r.posted
            << ", 201 " << r.accepted << ", at gateway " << r.delivered
            << ", not at gateway 15 s after the last post " << r.lost << ", achieved "
            << r.achieved_rate << "/s\n"
            << "  POST->201 ms    p50 " << r.post.p50 << "  p90 " << r.post.p90 << "  p99 "
            << r.post.p99 << "  max " << r.post.max << "\n"
            << "  201->gateway ms p50 " << r.end_to_end.p50 << "  p90 " << r.end_to_end.p90
            << "  p99 " << r.end_to_end.p99 << "  max " << r.end_to_end.max << "\n";
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
    const auto at = r.body.find("\"case_id\":\"");
    if (r.status != 201 || at == std::string::npos)
      throw std::runtime_error("incident not accepted: " + std::to_string(r.status));
    cases.push_back(r.body.substr(at + 11, 9));
  }
  auto all_in = [&](const std::map<std::string, Steady::time_point>& m) {
    return std::all_of(cases.begin(), cases.end(), [&](const auto& c) { return m.count(c) != 0; });
  };
  for (auto until = Steady::now() + std::chrono::seconds{30}; !all_in(gateway.arrivals());) {
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
  std::map<std::string, Steady::time_point> escalated;
  for (auto until = Steady::now() + std::chrono::seconds{30};;) {
    escalated = gateway.escalated();
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

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description desc("piket-bench options");
  double rate = 200, seconds = 20;
  int connections = 8;
  std::string gateway = "fake", bin_dir, work_dir = "/tmp/piket-bench";
  bool find_max = false;
  bool cluster = false;
  int escalation = 0;
  int bundle_window_ms = -1;
  desc.add_options()("help,h", "show this help")("rate", po::value(&rate)->default_value(200),
                                                 "incidents per second")(
      "duration", po::value(&seconds)->default_value(20), "seconds of load per run")(
      "connections", po::value(&connections)->default_value(8), "keep-alive connections")(
      "gateway", po::value(&gateway)->default_value("fake"),
      "fake (in-process receiver answering like Kannel) or kannel (real Kannel + fakesmsc)")(
      "cluster", po::bool_switch(&cluster),
      "against the local cluster (stack::ClusterStack): three Redis with three sentinels, "
      "[redis] min_replicas = 1, two instances of every service; the connections alternate "
      "between the two ingest instances")("find-max", po::bool_switch(&find_max),
                                          "double the rate until something is lost or p99 > 1 s")(
      "escalation", po::value(&escalation)->default_value(0),
      "measure missed-acknowledgement → next step's page: 20 single incidents, then this many at "
      "once")("bin-dir", po::value(&bin_dir),
              "directory with ingest/piket-ingest etc. (default: next to this program)")(
      "work-dir", po::value(&work_dir)->default_value(work_dir), "scratch directory")(
      "bundle-window-ms", po::value(&bundle_window_ms)->default_value(-1),
      "notify.bundle_window_ms of the stack (-1: the deployment default, 3000; 0: no "
      "bundling)");
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
  if (rate <= 0 || rate > 100000 || seconds <= 0 || seconds > 3600 || connections < 1 ||
      connections > 256 || (gateway != "fake" && gateway != "kannel") || escalation < 0 ||
      escalation > 400 || (escalation > 0 && (gateway != "fake" || cluster)) ||
      bundle_window_ms < -1 || bundle_window_ms > 60000) {
    std::cerr << "piket-bench: rate 0-100000, duration 0-3600, connections 1-256, gateway "
                 "fake|kannel, escalation 0-400 (under the stack's caseload cap; with the fake "
                 "gateway, not with --cluster), bundle-window-ms -1-60000\n";
    return 2;
  }
  if (bin_dir.empty())
    bin_dir =
        (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "services")
            .string();
  try {
    std::filesystem::remove_all(work_dir);
    std::filesystem::create_directories(work_dir);
    stack::StackSpec spec;
    spec.ports = stack::StackPorts::pick_free();
    stack::ClusterOptions cluster_options;
    if (cluster) {
      stack::pick_free_cluster_ports(spec, cluster_options);
      spec.min_replicas = 1;
      cluster_options.data_dir = work_dir;
      cluster_options.bin_dir = bin_dir;
      cluster_options.with_kannel = gateway == "kannel";
    }
    spec.log_dir = work_dir + "/logs";
    spec.partner_rate = 100000;
    spec.partner_burst = 100000;
    spec.bundle_window_ms = bundle_window_ms;
    if (escalation > 0) {
      // Simulated time, and the stack rota's primary then its team lead.
      spec.simulated_clock = true;
      spec.extra_toml =
          "[escalation]\nsteps = [{target = \"primary\", wait_minutes = 5}, "
          "{target = \"team_lead\", wait_minutes = 10}]\nrepeat = 0\nforgotten_minutes = 0\n";
      for (const char* id : {"icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6"})
        spec.person_extra[id] =
            "token_sha256 = \"" + common::sha256_hex(std::string("bench-staff-token-") + id) + "\"";
    }
    const auto config_file = stack::write_stack_config(spec, work_dir);
    std::unique_ptr<FakeGateway> fake;
    if (gateway == "fake") fake = std::make_unique<FakeGateway>(spec.ports.sendsms);
    if (cluster) {
      stack::ClusterStack local(config_file, cluster_options);
      local.start();
      std::unique_ptr<FakesmscWatcher> watcher;
      if (!fake) watcher = std::make_unique<FakesmscWatcher>(local.fakesmsc_log());
      std::cout << "piket-bench: the local cluster (3 Redis, 3 sentinels, min_replicas 1, 2 "
                   "instances of every service), gateway "
                << (fake ? "in-process fake Kannel (202)" : "Kannel + fakesmsc") << ", "
                << connections << " keep-alive connections, " << seconds << " s per run\n";
      const std::vector<std::uint16_t> ports{local.http_port(stack::Component::ingest, 1),
                                             local.http_port(stack::Component::ingest, 2)};
      for (double r = rate;; r *= 2) {
        const auto result = run_load(
            spec, ports, connections, r, seconds,
            [&] { return fake ? fake->arrivals() : watcher->arrivals(); },
            [&] { return fake ? fake->requests() : watcher->requests(); }, static_cast<int>(r));
        print(result);
        const bool ok =
            result.lost == 0 && result.accepted == result.posted && result.end_to_end.p99 < 1000;
        if (!find_max || !ok || r > 50000) break;
      }
      local.stop();
      return 0;
    }
    stack::StackOptions opts{work_dir, bin_dir, gateway == "kannel"};
    stack::LocalStack stack(config_file, opts);
    stack.start();
    std::unique_ptr<FakesmscWatcher> watcher;
    if (!fake) watcher = std::make_unique<FakesmscWatcher>(stack.fakesmsc_log());
    auto arrivals = [&] { return fake ? fake->arrivals() : watcher->arrivals(); };
    auto requests = [&] { return fake ? fake->requests() : watcher->requests(); };
    std::cout << "piket-bench: gateway "
              << (fake ? "in-process fake Kannel (202)" : "Kannel + fakesmsc") << ", "
              << connections << " keep-alive connections, " << seconds << " s per run\n";
    if (escalation > 0) {
      std::vector<double> singles;
      for (int k = 0; k < 20; ++k)
        singles.push_back(run_escalation(spec, stack.config().redis, *fake, 1, k).max);
      print_escalation("missed deadline -> next step at gateway, one at a time",
                       percentiles(singles));
      std::vector<double> declines;
      for (int k = 0; k < 20; ++k)
        declines.push_back(run_escalation(spec, stack.config().redis, *fake, 1, 50 + k, true).max);
      print_escalation("decline (staff API) -> next step at gateway", percentiles(declines));
      print_escalation("missed deadline -> next step at gateway, all due at once",
                       run_escalation(spec, stack.config().redis, *fake, escalation, 100));
      stack.stop();
      return 0;
    }
    int run_id = 0;
    double best = 0;
    for (double r = rate;; r *= 2) {
      const auto result = run_load(spec, {spec.ports.ingest}, connections, r, seconds, arrivals,
                                   requests, ++run_id);
      print(result);
      const bool ok =
          result.lost == 0 && result.accepted == result.posted && result.end_to_end.p99 < 1000;
      if (ok) best = r;
      if (!find_max || !ok || r > 50000) break;
    }
    std::cout << "RSS KiB:";
    for (auto c : {stack::Component::ingest, stack::Component::dispatch, stack::Component::notify,
                   stack::Component::inbound, stack::Component::redis})
      std::cout << " " << stack::to_string(c) << " " << rss_kib(stack.pid(c));
    std::cout << "\n";
    if (find_max) std::cout << "highest rate sustained with nothing lost: " << best << "/s\n";
    stack.stop();
  } catch (const std::exception& e) {
    std::cerr << "piket-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
