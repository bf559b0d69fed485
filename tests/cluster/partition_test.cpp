// A network partition under load (labels `partition` and `cluster`; issue 13,
// docs/availability.md "Partition test"). Three "machines" — a network
// namespace each, joined by veth pairs to a bridge — hold a Redis node and a
// sentinel each (tests/support/netns_cluster.hpp); piket (ingest, dispatch,
// notify, inbound, Kannel with fakesmsc; one instance each) runs in the root
// namespace with [redis] sentinels and min_replicas = 1, the nodes with
// min-replicas-to-write 1. A partner posts incidents at 200/s; the primary's
// machine is cut off from all others for 30 s (its veth set down), Sentinel
// promotes a replica, the link comes back and the old primary rejoins as a
// replica. Meanwhile a partner on the primary's own machine (an IngestApi in
// a thread inside that namespace, finding the primary through the sentinel it
// can still reach — the Jepsen scenario) keeps posting to the old primary.
//
// Asserted: every incident that got a 2xx is stored after healing and paged
// exactly once; the refused ones, posted again with the same reference after
// healing, too; nothing else is paged; no answer from the old primary's side
// during the partition was a 2xx (its writes waited for a replica that never
// came, then min-replicas-to-write refused them), and what it wrote there is
// gone. Printed: the 503 window, the failover time, lost 0, duplicates 0.
//
// Skipped (GTEST_SKIP, saying why) when not root or `ip netns add` fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "netns_cluster.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/http_client.hpp"
#include "piket/common/metrics.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/ingest_wiring.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "piket/stack/local_stack.hpp"
#include "piket/stack/stack_config.hpp"
#include "piket/store/incident.hpp"

namespace piket::partition {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;  // a stopwatch for the figures, not domain time

constexpr double kRate = 200;     // incidents per second
constexpr auto kBefore = 5s;      // load before the cut
constexpr auto kPartition = 30s;  // the primary's machine off the network
constexpr auto kAfter = 10s;      // load after healing
constexpr int kPosters = 32;      // partner connections

std::filesystem::path work_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::path(PIKET_TEST_WORK_DIR) /
             (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string body_for(const std::string& reference) {
  return R"({"reference":")" + reference +
         R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T14:03:00+01:00","household":"hh-)" +
         reference + R"(","summary":"synthetic"})";
}

// The deployment file's [redis] table, pointed at the sentinels.
void use_sentinels(const std::filesystem::path& file, const std::vector<std::string>& sentinels) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::string list;
  for (const auto& s : sentinels) list += (list.empty() ? "\"" : ", \"") + s + "\"";
  const std::string table = "[redis]\n";
  const auto at = text.find(table);
  if (at == std::string::npos) throw std::runtime_error("no [redis] table in " + file.string());
  text.insert(at + table.size(), "sentinels = [" + list +
                                     "]\nmaster_name = \"piket\"\nmin_replicas = 1\n"
                                     "replica_wait_ms = 500\n");
  std::ofstream(file, std::ios::trunc) << text;
}

std::map<std::string, int> pages_by_case(const std::vector<launch::DeliveredSms>& sms) {
  static const std::regex code{"\\bC[0-9A-Z]{8}\\b"};
  std::map<std::string, int> n;
  for (const auto& m : sms)
    for (auto it = std::sregex_iterator(m.text.begin(), m.text.end(), code);
         it != std::sregex_iterator(); ++it)
      ++n[it->str()];
  return n;
}

struct Post {
  Steady::time_point sent, answered;
  int status = 0;
  std::string case_id, incident_id;
};

void read_ids(const common::HttpResult& r, Post& p) {
  if (r.status != 200 && r.status != 201) return;
  const auto v = json::parse(r.body).as_object();
  p.case_id = std::string(v.at("case_id").as_string());
  p.incident_id = std::string(v.at("incident_id").as_string());
}

TEST(Partition, PrimaryCutOffFor30sUnderLoadLosesNoAcknowledgedIncidentAndPagesEachOnce) {
  if (const auto why = test::netns_unavailable(); !why.empty())
    GTEST_SKIP() << "partition test skipped: " << why
                 << " — see docs/availability.md, \"Partition test\", for the manual procedure";

  const auto dir = work_dir();
  stack::StackSpec spec;
  spec.ports = stack::StackPorts::pick_free();
  spec.log_dir = (dir / "logs").string();
  spec.resend_after_ms = 1000;
  spec.partner_rate = 100000;  // the partner's own limit is not what is tested
  spec.partner_burst = 100000;
  // Every page its own SMS, four senders: all pages go to the one person on call, and
  // bundling would pace them at one SMS per window (docs/paging.md, "Bundling").
  spec.bundle_window_ms = 0;
  spec.notify_workers = 4;
  const auto config_file = stack::write_stack_config(spec, dir);
  const auto secrets_dir = config::load_config(config_file).secrets_dir;

  test::NetnsCluster cluster(secrets_dir, {});
  use_sentinels(config_file, cluster.sentinel_addresses());
  stack::StackOptions opts{dir, PIKET_BIN_DIR, true};
  opts.kannel_admin_port = spec.ports.kannel_admin;
  opts.smsbox_port = spec.ports.smsbox;
  opts.smsc_port = spec.ports.smsc;
  stack::LocalStack stack(config_file, opts);  // (its own redis-server is started, unused)
  stack.start();

  // ---- the partner in the root namespace: 200/s, each reference once
  const auto total = static_cast<std::size_t>(
      kRate * std::chrono::duration<double>(kBefore + kPartition + kAfter).count());
  std::vector<Post> posts(total);
  std::atomic<std::size_t> next{0};
  const auto t0 = Steady::now() + 200ms;
  auto poster = [&] {
    common::HttpClient client({"127.0.0.1", spec.ports.ingest}, 10000ms);
    client.set_header("Authorization", "Bearer " + spec.police_token);
    for (;;) {
      const auto k = next.fetch_add(1);
      if (k >= total) return;
      std::this_thread::sleep_until(t0 + std::chrono::microseconds(static_cast<long long>(
                                             1e6 * static_cast<double>(k) / kRate)));
      auto& p = posts[k];
      p.sent = Steady::now();
      const auto r =
          client.post("/v1/incidents", "application/json", body_for("PART-" + std::to_string(k)));
      p.answered = Steady::now();
      p.status = r.status;
      read_ids(r, p);
    }
  };
  std::vector<std::jthread> posters;  // joined however the test ends
  for (int i = 0; i < kPosters; ++i) posters.emplace_back(poster);

  // ---- the partition
  std::this_thread::sleep_until(t0 + kBefore);
  const auto cut_at = Steady::now();
  cluster.cut(0);

  // The partner on the old primary's machine: an ingest there, whose only
  // reachable sentinel still names the old primary.
  struct Minority {
    std::vector<int> statuses;
    std::vector<std::string> references;
    std::string error;
    Steady::time_point first_refusal{};  // the old primary's first NOREPLICAS
  } minority;
  std::atomic<bool> partitioned{true};
  std::jthread minority_side([&](std::stop_token stop) {
    try {
      cluster.enter(0);
      auto cfg = config::load_config(config_file);
      auto redis = cluster.config_as("ingest");
      redis.min_replicas = 1;
      redis.replica_wait = common::Millis{500};
      common::SystemClock clock;
      common::Metrics metrics("ingest");
      ingest::RedisIncidentStore store(redis, common::Millis{1000}, nullptr);
      ingest::IngestApi api(ingest::ingest_deps(cfg, clock, clock, store, metrics));
      common::RedisConnection probe(cluster.node_config(0));
      for (int n = 0; partitioned && !stop.stop_requested(); ++n) {
        common::HttpRequest r;
        r.method = "POST";
        r.path = r.target = "/v1/incidents";
        r.headers = {{"authorization", "Bearer " + spec.police_token},
                     {"content-type", "application/json"}};
        const auto ref = "MINORITY-" + std::to_string(n);
        r.body = body_for(ref);
        const auto answer = api.handle(r);
        minority.statuses.push_back(answer.status);
        minority.references.push_back(ref);
        if (minority.first_refusal == Steady::time_point{}) {
          try {
            probe.command({"SET", "partition-probe", std::to_string(n)});
          } catch (const common::RedisError& e) {
            if (std::string(e.what()).find("NOREPLICAS") != std::string::npos)
              minority.first_refusal = Steady::now();
          }
        }
        std::this_thread::sleep_for(200ms);
      }
    } catch (const std::exception& e) {
      minority.error = e.what();
    }
  });

  int new_primary = -1;
  Steady::time_point promoted_at{};
  try {
    new_primary = cluster.wait_for_failover(0, 25s);
    promoted_at = Steady::now();
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  std::this_thread::sleep_until(cut_at + kPartition);
  partitioned = false;
  minority_side.join();
  cluster.heal(0);
  const auto healed_at = Steady::now();
  posters.clear();  // joined
  ASSERT_NE(new_primary, -1) << "no failover";

  // The old primary rejoins as a replica of the new one.
  std::string role;
  for (const auto until = Steady::now() + 30s; Steady::now() < until;
       std::this_thread::sleep_for(100ms))
    if ((role = cluster.role_of(0)) == "slave") break;
  EXPECT_EQ(role, "slave") << "the old primary did not rejoin as a replica";
  EXPECT_NO_THROW(cluster.wait_until_settled(30s)) << "the cluster did not settle after healing";
  common::RedisConnection ops(cluster.config_as("ops"));  // the primary after healing

  // ---- the partner's contract: what was not accepted is posted again, same reference
  std::size_t refused = 0;
  {
    common::HttpClient client({"127.0.0.1", spec.ports.ingest}, 10000ms);
    client.set_header("Authorization", "Bearer " + spec.police_token);
    for (std::size_t k = 0; k < total; ++k) {
      auto& p = posts[k];
      if (p.status == 200 || p.status == 201) continue;
      ++refused;
      for (const auto until = Steady::now() + 30s; Steady::now() < until;) {
        const auto r =
            client.post("/v1/incidents", "application/json", body_for("PART-" + std::to_string(k)));
        if (r.status == 200 || r.status == 201) {
          Post again = p;
          read_ids(r, again);
          p.case_id = again.case_id;
          p.incident_id = again.incident_id;
          break;
        }
        std::this_thread::sleep_for(100ms);
      }
      EXPECT_FALSE(p.case_id.empty()) << "PART-" << k << " never accepted after healing";
    }
  }

  // ---- figures: the 503 window (first refusal after the cut to the first 2xx after it)
  std::optional<Steady::time_point> first_refused, back;
  std::size_t acknowledged = 0;
  for (const auto& p : posts) {
    const bool ok = p.status == 200 || p.status == 201;
    acknowledged += ok;
    if (!ok && p.answered >= cut_at && (!first_refused || p.answered < *first_refused))
      first_refused = p.answered;
  }
  if (first_refused)
    for (const auto& p : posts)
      if ((p.status == 200 || p.status == 201) && p.answered > *first_refused &&
          (!back || p.answered < *back))
        back = p.answered;

  auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };  // seconds
  std::cout << std::fixed << std::setprecision(2) << "[ figures ] partition of the primary for "
            << s(kPartition) << " s under " << kRate << "/s: " << total << " posts, "
            << acknowledged << " acknowledged at once, " << refused
            << " refused (503 or no answer) and posted again after healing; 503 window "
            << (first_refused && back ? s(*back - *first_refused) : -1.0) << " s (first refusal "
            << (first_refused ? s(*first_refused - cut_at) : -1.0) << " s after the cut); node "
            << new_primary << " promoted " << s(promoted_at - cut_at)
            << " s after the cut; the old primary refused writes "
            << (minority.first_refusal != Steady::time_point{} ? s(minority.first_refusal - cut_at)
                                                               : -1.0)
            << " s after the cut; on its side " << minority.statuses.size() << " posts, "
            << std::count_if(minority.statuses.begin(), minority.statuses.end(),
                             [](int st) { return st == 200 || st == 201; })
            << " acknowledged; healed " << s(Steady::now() - healed_at) << " s ago\n"
            << std::flush;

  // The longest stretch after the cut without a 2xx answer (posts blocked on the cut-off
  // primary until their connection gives up, then the failover), and the slowest 2xx.
  std::vector<Steady::time_point> answered_2xx;
  double slowest = 0;
  for (const auto& p : posts)
    if ((p.status == 200 || p.status == 201) && p.answered >= cut_at) {
      answered_2xx.push_back(p.answered);
      slowest = std::max(slowest, s(p.answered - p.sent));
    }
  std::sort(answered_2xx.begin(), answered_2xx.end());
  double without_2xx = answered_2xx.empty() ? -1 : s(answered_2xx.front() - cut_at);
  for (std::size_t i = 1; i < answered_2xx.size(); ++i)
    without_2xx = std::max(without_2xx, s(answered_2xx[i] - answered_2xx[i - 1]));
  std::cout << "[ figures ] longest time without a 2xx after the cut " << without_2xx
            << " s; slowest acknowledged post after the cut " << slowest << " s\n";

  // ---- every acknowledged incident is stored after healing
  int lost = 0;
  for (std::size_t k = 0; k < total; ++k) {
    const auto& p = posts[k];
    if (p.incident_id.empty()) continue;
    const auto stored =
        ops.command({"GET", store::idempotency_key("police", "PART-" + std::to_string(k))})
            .opt_string();
    if (!stored || *stored != p.incident_id) {
      ++lost;
      ADD_FAILURE() << "PART-" << k << " was acknowledged (" << p.status << ", " << p.incident_id
                    << ") but is not stored after healing";
    }
  }

  // ---- the old primary's side: nothing acknowledged, and what it wrote is gone
  EXPECT_TRUE(minority.error.empty()) << minority.error;
  int minority_2xx = 0, minority_not_replicated = 0;
  for (const auto status : minority.statuses) {
    minority_2xx += status == 200 || status == 201;
    minority_not_replicated += status == 503;
  }
  EXPECT_EQ(minority_2xx, 0) << "the cut-off primary acknowledged an incident";
  EXPECT_GT(minority_not_replicated, 0);
  EXPECT_NE(minority.first_refusal, Steady::time_point{})
      << "the old primary never refused a write (min-replicas-to-write)";
  int minority_kept = 0;
  for (const auto& ref : minority.references)
    minority_kept +=
        ops.command({"GET", store::idempotency_key("police", ref)}).opt_string() ? 1 : 0;
  EXPECT_EQ(minority_kept, 0) << "writes the old primary took (unacknowledged) survived healing";

  // ---- each accepted incident paged exactly once, nothing else paged
  std::set<std::string> cases;
  for (const auto& p : posts)
    if (!p.case_id.empty()) cases.insert(p.case_id);
  auto delivered = [&] {
    std::ifstream in(stack.fakesmsc_log());
    std::string contents((std::istreambuf_iterator<char>(in)), {});
    return launch::parse_fakesmsc_log(contents);
  };
  for (const auto until = Steady::now() + 180s; Steady::now() < until;
       std::this_thread::sleep_for(500ms)) {
    const auto n = pages_by_case(delivered());
    std::size_t found = 0;
    for (const auto& c : cases) found += n.count(c);
    if (found == cases.size()) break;
  }
  std::this_thread::sleep_for(6s);  // time for a late duplicate (resend, in-doubt lease)
  const auto sms = delivered();
  const auto n = pages_by_case(sms);
  int missing = 0, duplicates = 0, pages = 0;
  for (const auto& c : cases) {
    const auto it = n.find(c);
    if (it == n.end()) {
      ++missing;
      ADD_FAILURE() << "case " << c << " was accepted but never paged";
    } else if (it->second != 1) {
      ++duplicates;
      ADD_FAILURE() << "case " << c << " paged " << it->second << " times";
    }
  }
  for (const auto& [c, k] : n) pages += k;
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(pages, static_cast<int>(cases.size())) << "no page for anything else";
  EXPECT_EQ(cases.size(), total) << "one case per reference";
  for (const auto& r : stack.redis_acl_refusals()) ADD_FAILURE() << "Redis ACL refused " << r;

  std::cout << "[ figures ] after healing: lost " << lost << ", kept of the old primary's "
            << minority_kept << "; paging: lost " << lost << ", missing pages " << missing
            << ", duplicates " << duplicates << "; " << pages << " pages in " << sms.size()
            << " SMS\n";
}

}  // namespace
}  // namespace piket::partition
