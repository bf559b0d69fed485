// piket-bench's pure parts: percentiles, the texts it reads (against the texts piket really
// renders), the Alertmanager configuration and alert, the run summary, memory figures and the
// printed tables.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <numeric>
#include <thread>

#include "alertmanager.hpp"
#include "disk_stalls.hpp"
#include "memory.hpp"
#include "percentiles.hpp"
#include "piket/common/time_format.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/sms_bundle.hpp"
#include "report.hpp"
#include "report_lag.hpp"
#include "run.hpp"
#include "texts.hpp"

namespace piket::bench {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- percentiles

TEST(BenchPercentiles, NearestRankOfOneToHundred) {
  std::vector<double> v(100);
  std::iota(v.begin(), v.end(), 1.0);
  std::reverse(v.begin(), v.end());  // order does not matter
  const auto p = percentiles(v);
  EXPECT_EQ(p.n, 100u);
  EXPECT_EQ(p.p50, 50);
  EXPECT_EQ(p.p90, 90);
  EXPECT_EQ(p.p99, 99);
  EXPECT_EQ(p.max, 100);
}

TEST(BenchPercentiles, ThousandSamplesAndSmallCounts) {
  std::vector<double> v(1000);
  std::iota(v.begin(), v.end(), 1.0);
  EXPECT_EQ(percentiles(v).p99, 990);
  EXPECT_EQ(percentiles(v).p50, 500);
  const auto one = percentiles({7.5});
  EXPECT_EQ(one.p50, 7.5);
  EXPECT_EQ(one.p99, 7.5);
  EXPECT_EQ(one.max, 7.5);
  const auto two = percentiles({1, 2});
  EXPECT_EQ(two.p50, 1);
  EXPECT_EQ(two.p99, 2);
  const auto none = percentiles({});
  EXPECT_EQ(none.n, 0u);
  EXPECT_EQ(none.max, 0);
}

// ---------------------------------------------------------------- texts

paging::PageContent content(std::string code, paging::PageReason reason) {
  paging::PageContent c;
  c.case_code = std::move(code);
  c.kind = common::IncidentKind::code_red;
  c.region = "groningen";
  c.reported_at = *common::parse_rfc3339("2026-11-22T14:03:00+01:00");
  c.ack_code = "123456";
  c.reason = reason;
  return c;
}

TEST(BenchTexts, ASinglePageAsPiketRendersIt) {
  const auto text = paging::render_page_sms(content("C1234ABCD", paging::PageReason::incident));
  ASSERT_TRUE(text);
  EXPECT_EQ(pages_in(*text), (std::vector<PageInText>{{"C1234ABCD", false}})) << *text;
}

TEST(BenchTexts, AnEscalatedPageAsPiketRendersIt) {
  const auto text = paging::render_page_sms(content("C00000042", paging::PageReason::escalated));
  ASSERT_TRUE(text);
  EXPECT_EQ(pages_in(*text), (std::vector<PageInText>{{"C00000042", true}})) << *text;
}

TEST(BenchTexts, ABundleAsPiketRendersIt) {
  std::vector<paging::BundleItem> items;
  const std::pair<const char*, paging::PageReason> pages[] = {
      {"C11111111", paging::PageReason::incident},
      {"C22222222", paging::PageReason::escalated},
      {"C33333333", paging::PageReason::incident}};
  for (const auto& [code, reason] : pages) {
    const auto tag = paging::page_tag(content(code, reason));
    ASSERT_TRUE(tag);
    items.push_back({"123456", tag->brief, tag->rank, {}});
  }
  const auto sms = paging::render_sms_bundle(items, 0, i18n::Language::nl);
  ASSERT_TRUE(sms);
  auto found = pages_in(sms->text);
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.case_code < b.case_code; });
  EXPECT_EQ(found, (std::vector<PageInText>{
                       {"C11111111", false}, {"C22222222", true}, {"C33333333", false}}))
      << sms->text;
}

TEST(BenchTexts, TextWithoutACaseHasNoPages) {
  EXPECT_TRUE(pages_in("piket: je dienst begint om 08:00 / your shift starts at 08:00").empty());
  EXPECT_TRUE(pages_in("zaak C123").empty());  // cut short
}

TEST(BenchTexts, TheSendsmsQueryIsDecoded) {
  const auto pages = pages_in_sendsms_query(
      "username=piket&password=x&to=%2B447700900001&text=piket+CODE+ROOD+zaak+C1234ABCD+regio+"
      "groningen%2C+gemeld+22-11+14%3A03.+Antwoord+123456+om+aan+te+nemen.");
  EXPECT_EQ(pages, (std::vector<PageInText>{{"C1234ABCD", false}}));
  EXPECT_TRUE(pages_in_sendsms_query("username=piket&to=1").empty());
  EXPECT_TRUE(pages_in_sendsms_query("").empty());
}

TEST(BenchTexts, TheCaseCodeInIngestsAnswer) {
  EXPECT_EQ(
      case_id_in_answer(R"({"incident_id":"I0000001","case_id":"C1234ABCD","status":"accepted"})"),
      "C1234ABCD");
  EXPECT_EQ(case_id_in_answer(R"({"error":"invalid"})"), "");
  EXPECT_EQ(case_id_in_answer(R"({"case_id":"C12)"), "");
}

TEST(BenchTexts, BenchIdsInAnAlertmanagerWebhookBody) {
  // As Alertmanager 0.25 sends it: the label in the alert, in groupLabels and commonLabels.
  const std::string body =
      R"({"receiver":"bench","status":"firing","alerts":[{"status":"firing","labels":)"
      R"({"alertname":"PiketBench","bench_id":"am-2-17","severity":"critical"},)"
      R"("annotations":{"summary":"synthetic"},"startsAt":"2026-12-05T15:00:00Z",)"
      R"("endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"ab"}],)"
      R"("groupLabels":{"alertname":"PiketBench","bench_id":"am-2-17","severity":"critical"},)"
      R"("commonLabels":{"alertname":"PiketBench","bench_id":"am-2-17"},)"
      R"("commonAnnotations":{},"externalURL":"http://x","version":"4","groupKey":"k",)"
      R"("truncatedAlerts":0})";
  EXPECT_EQ(bench_ids_in_webhook(body), (std::vector<std::string>{"am-2-17"}));
  const std::string two =
      R"({"alerts":[{"labels":{"bench_id":"am-1-1"}},{"labels":{"bench_id":"am-1-2"}}]})";
  EXPECT_EQ(bench_ids_in_webhook(two), (std::vector<std::string>{"am-1-1", "am-1-2"}));
  EXPECT_TRUE(bench_ids_in_webhook("{}").empty());
}

// ---------------------------------------------------------------- Alertmanager

TEST(BenchAlertmanager, ConfigGroupsEachAlertAloneAndSendsAtOnce) {
  const auto yaml = alertmanager_config({"http://127.0.0.1:4321/hook", 250ms});
  EXPECT_NE(yaml.find("  receiver: bench\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  group_by: ['...']\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  group_wait: 0s\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  group_interval: 250ms\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  - name: bench\n    webhook_configs:\n"
                      "      - url: 'http://127.0.0.1:4321/hook'\n"
                      "        send_resolved: false\n"),
            std::string::npos)
      << yaml;
  // Nothing but spaces for indentation (YAML forbids tabs).
  EXPECT_EQ(yaml.find('\t'), std::string::npos);
}

TEST(BenchAlertmanager, Durations) {
  EXPECT_EQ(alertmanager_duration(0ms), "0s");
  EXPECT_EQ(alertmanager_duration(1000ms), "1s");
  EXPECT_EQ(alertmanager_duration(1500ms), "1500ms");
}

TEST(BenchAlertmanager, AlertBodyIsOneAlertWithTheBenchLabel) {
  const auto v = boost::json::parse(alert_body("am-3-9"));
  ASSERT_TRUE(v.is_array());
  ASSERT_EQ(v.as_array().size(), 1u);
  const auto& labels = v.as_array()[0].at("labels").as_object();
  EXPECT_EQ(labels.at("bench_id").as_string(), "am-3-9");
  EXPECT_EQ(labels.at("alertname").as_string(), "PiketBench");
  EXPECT_FALSE(v.as_array()[0].as_object().contains("endsAt"));
}

TEST(BenchAlertmanager, MissingBinaryNamesTheInstallCommand) {
  try {
    Alertmanager am("/tmp/unused", {"http://127.0.0.1:1/hook"}, "/nonexistent/alertmanager");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install prometheus-alertmanager"),
              std::string::npos)
        << e.what();
  }
}

// ---------------------------------------------------------------- run summary

const Steady::time_point kT0 = Steady::time_point{} + 1000s;

Sample sample(double due_ms, double sent_ms, double answered_ms, int status, std::string key) {
  Sample s;
  s.due = kT0 + std::chrono::duration_cast<Steady::duration>(
                    std::chrono::duration<double, std::milli>(due_ms));
  s.sent = kT0 + std::chrono::duration_cast<Steady::duration>(
                     std::chrono::duration<double, std::milli>(sent_ms));
  s.answered = kT0 + std::chrono::duration_cast<Steady::duration>(
                         std::chrono::duration<double, std::milli>(answered_ms));
  s.status = status;
  s.key = std::move(key);
  return s;
}

Steady::time_point at_ms(double ms) {
  return kT0 + std::chrono::duration_cast<Steady::duration>(
                   std::chrono::duration<double, std::milli>(ms));
}

TEST(BenchSummary, EndToEndHalvesLostAndThroughput) {
  // Four posts 10 ms apart; three accepted; two arrive; one refused.
  std::vector<Sample> samples{sample(0, 0, 1, 201, "C1"), sample(10, 10, 12, 201, "C2"),
                              sample(20, 21, 22, 503, ""), sample(30, 30, 31, 201, "C4")};
  ArrivalMap arrivals{{"C1", at_ms(5)}, {"C2", at_ms(40)}, {"C9", at_ms(1)}};
  const auto r = summarize(samples, arrivals, 201, 100, 0.04);
  EXPECT_EQ(r.posted, 4u);
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_EQ(r.delivered, 2u);
  EXPECT_EQ(r.lost, 1u);
  EXPECT_EQ(r.lost_keys, std::vector<std::string>{"C4"}) << "the one accepted and not arrived";
  EXPECT_NE(run_text(r).find("LOST (first 1, look for them in the logs): C4\n"), std::string::npos)
      << run_text(r);
  EXPECT_FALSE(r.sustained());
  EXPECT_NEAR(r.end_to_end.p50, 5, 1e-6);   // sent 0 → 5
  EXPECT_NEAR(r.end_to_end.max, 30, 1e-6);  // sent 10 → 40
  EXPECT_NEAR(r.answer.max, 2, 1e-6);
  EXPECT_NEAR(r.after_answer.p50, 4, 1e-6);  // answered 1 → 5
  EXPECT_NEAR(r.after_answer.max, 28, 1e-6);
  EXPECT_NEAR(r.lag.max, 1, 1e-6);
  // 4 posts over 30 ms: 3 intervals → 100/s; 2 delivered from 0 to 40 ms → 50/s.
  EXPECT_NEAR(r.posted_rate, 100, 1e-6);
  EXPECT_NEAR(r.delivered_rate, 50, 1e-6);
  EXPECT_FALSE(r.behind());
}

TEST(BenchSummary, SustainedAndBehind) {
  // Three posts on a 100/s schedule; the second sent 10 ms late, after waiting for a
  // connection; all three out within the schedule's 20 ms.
  std::vector<Sample> samples{sample(0, 0, 1, 200, "a"), sample(10, 20, 21, 200, "b"),
                              sample(20, 20, 22, 200, "c")};
  samples[1].waited = true;
  const ArrivalMap on_time{{"a", at_ms(2)}, {"b", at_ms(22)}, {"c", at_ms(23)}};
  const auto r = summarize(samples, on_time, 200, 100, 0.03);
  EXPECT_NEAR(r.posted_rate, 100, 1e-6);
  EXPECT_TRUE(r.reached_rate());
  EXPECT_TRUE(r.sustained());
  EXPECT_TRUE(r.behind());  // one of three waited, and 10 ms late
  EXPECT_EQ(r.waited, 1u);
  EXPECT_NEAR(r.lag.max, 10, 1e-6);
  // p99 of a second and more is not sustained.
  const auto slow =
      summarize(samples, {{"a", at_ms(2)}, {"b", at_ms(1200)}, {"c", at_ms(1201)}}, 200, 100, 0.03);
  EXPECT_FALSE(slow.sustained());
  // The same posts on a schedule of 200/s: they went out at 100/s (the answers held every
  // connection), so the run is not sustained at 200/s, however fast each one was.
  const auto short_of_rate = summarize(samples, on_time, 200, 200, 0.015);
  EXPECT_NEAR(short_of_rate.posted_rate, 100, 1e-6);
  EXPECT_FALSE(short_of_rate.reached_rate());
  EXPECT_FALSE(short_of_rate.sustained());
}

TEST(BenchSummary, ArrivalsKeepTheFirstAndCountTheAccepted) {
  Arrivals a;
  a.note("C1", at_ms(5));
  a.note("C1", at_ms(9));
  a.note_request();
  EXPECT_EQ(a.snapshot().at("C1"), at_ms(5));
  EXPECT_EQ(a.requests(), 1u);
  std::vector<Sample> samples{sample(0, 0, 1, 201, "C1"), sample(0, 0, 1, 201, "C2"),
                              sample(0, 0, 1, 0, "C1")};
  EXPECT_EQ(a.arrived(samples, 201), 1u);
}

// ---------------------------------------------------------------- memory

TEST(BenchMemory, RssFromProcStatus) {
  EXPECT_EQ(rss_kib_in_status("Name:\tpiket-ingest\nVmHWM:\t   20000 kB\nVmRSS:\t   12345 kB\n"
                              "RssAnon:\t 8000 kB\n"),
            12345);
  EXPECT_EQ(rss_kib_in_status("Name:\tx\n"), -1);
  EXPECT_GT(rss_kib(::getpid()), 0);
  EXPECT_EQ(rss_kib(-1), -1);
}

TEST(BenchMemory, CpuFromProcStat) {
  // Fields 14 and 15 (utime, stime) after a command that holds spaces and a parenthesis.
  EXPECT_EQ(cpu_ticks_in_stat("4242 (piket (x) y) S 1 4242 4242 0 -1 4194560 1520 0 0 0 "
                              "123 45 0 0 20 0 5 0 100 200000000 3000"),
            168);
  EXPECT_EQ(cpu_ticks_in_stat("4242 (short) S 1"), -1);
  EXPECT_EQ(cpu_ticks_in_stat("garbage"), -1);
  EXPECT_GE(cpu_seconds(::getpid()), 0);
  EXPECT_EQ(cpu_seconds(-1), -1);
}

TEST(BenchMemory, SamplerKeepsPeaksAndSumsPiketOnly) {
  MemorySampler sampler({{"self", ::getpid(), true}, {"redis", ::getpid(), false}}, 10ms);
  std::this_thread::sleep_for(30ms);
  sampler.stop();
  // The services rest before "after" is taken; the CPU span ends at stop().
  std::this_thread::sleep_for(50ms);
  const auto r = sampler.report();
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_GE(r.rested_seconds, 0.05);
  EXPECT_GT(r.rows[0].load_kib, 0);
  EXPECT_GT(r.rows[0].after_kib, 0);
  // Only the piket row is in the sum.
  EXPECT_GE(r.piket_load_kib, r.rows[0].load_kib / 2);
  EXPECT_LE(r.piket_load_kib, r.rows[0].load_kib);
  EXPECT_EQ(r.piket_after_kib, r.rows[0].after_kib);
  EXPECT_GE(r.rows[0].cpu_seconds, 0);
  EXPECT_GT(r.wall_seconds, 0.02);
}

TEST(BenchMemory, TablePerServiceWithSumTargetAndRedisApart) {
  MemoryReport m;
  m.rows = {{"ingest", true, 10240, 9216},
            {"notify", true, 20480, 20480},
            {"redis", false, 102400, 51200}};
  m.rows[0].cpu_seconds = 5;  // of 10 s: half a core
  m.rows[1].cpu_seconds = 10;
  m.rows[2].cpu_seconds = 2.5;
  m.wall_seconds = 10;
  m.rested_seconds = 5;
  m.piket_load_kib = 30720;
  m.piket_after_kib = 29696;
  const auto t = memory_table(m);
  auto line = [&](const std::string& name) {
    const auto at = t.find(name);
    return at == std::string::npos ? std::string{} : t.substr(at, t.find('\n', at) - at);
  };
  EXPECT_NE(t.find("CPU % core"), std::string::npos) << t;
  EXPECT_NE(t.find("after 5.0 s"), std::string::npos) << t;
  EXPECT_NE(t.find("after: once the pipeline drained and 5.0 s more"), std::string::npos) << t;
  EXPECT_TRUE(line("ingest").ends_with(" 50")) << t;
  EXPECT_TRUE(line("piket services together").ends_with(" 150")) << t;
  EXPECT_TRUE(line("redis (apart)").ends_with(" 25")) << t;
  EXPECT_NE(t.find("ingest"), std::string::npos) << t;
  EXPECT_NE(t.find("10.0"), std::string::npos) << t;
  EXPECT_NE(t.find("piket services together"), std::string::npos) << t;
  EXPECT_NE(t.find("30.0"), std::string::npos) << t;
  EXPECT_NE(t.find("<= 60.0 MiB for one instance of each service, met"), std::string::npos) << t;
  EXPECT_NE(t.find("redis (apart)"), std::string::npos) << t;
  EXPECT_NE(t.find("100.0"), std::string::npos) << t;
  // Redis is listed after the sum, not in it.
  EXPECT_GT(t.find("redis (apart)"), t.find("piket services together"));
  m.piket_load_kib = 70 * 1024;
  EXPECT_NE(memory_table(m).find("NOT met"), std::string::npos);
  m.judge_target = false;  // the cluster: two of each
  EXPECT_NE(memory_table(m).find("not judged here"), std::string::npos);
}

TEST(BenchMemory, MachineTicksFromProcStatsFirstLine) {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const auto t = machine_ticks_in_proc_stat(
      "cpu  100 5 50 800 20 3 2 20 7 0\ncpu0 50 2 25 400 10 1 1 10 3 0\nintr 1\n");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->total, 1000);  // guest is in user already: not counted twice
  EXPECT_EQ(t->steal, 20);
  EXPECT_FALSE(machine_ticks_in_proc_stat("cpu0 1 2 3 4 5 6 7 8\n"));  // not the sum's line
  EXPECT_FALSE(machine_ticks_in_proc_stat("cpu  1 2 3 4 5 6 7\n"));    // no steal field
  EXPECT_FALSE(machine_ticks_in_proc_stat("cpu  1 2 x 4 5 6 7 8\n"));
  EXPECT_FALSE(machine_ticks_in_proc_stat(""));
  EXPECT_TRUE(machine_ticks());  // this machine's /proc/stat parses
}

TEST(BenchMemory, StealIsTheShareOfAllCpuTimeBetweenTwoReadings) {
  const MachineTicks a{1000, 20};
  EXPECT_DOUBLE_EQ(steal_percent(a, MachineTicks{1400, 120}), 25.0);
  EXPECT_DOUBLE_EQ(steal_percent(a, MachineTicks{1400, 20}), 0.0);
  EXPECT_EQ(steal_percent(a, a), -1);  // no time passed
  EXPECT_EQ(steal_percent(std::nullopt, a), -1);
  EXPECT_EQ(steal_percent(a, MachineTicks{1400, 10}), -1);  // the counter went back

  MemoryReport m;
  m.rows = {{"ingest", true, 10240, 9216}};
  m.wall_seconds = 10;
  EXPECT_EQ(memory_table(m).find("CPU steal"), std::string::npos);  // unknown: not printed
  m.steal_percent = 1.2;
  const auto quiet = memory_table(m);
  EXPECT_NE(quiet.find("machine: CPU steal 1.2 %"), std::string::npos) << quiet;
  EXPECT_EQ(quiet.find("MUCH"), std::string::npos) << quiet;
  m.steal_percent = 21.0;
  EXPECT_NE(memory_table(m).find("CPU steal 21.0 %"), std::string::npos);
  EXPECT_NE(memory_table(m).find("MUCH: latency tails of this run are the host's"),
            std::string::npos);
}

TEST(BenchMemory, CpuPerIncidentForEachServiceTheirSumRedisAndTheHarness) {
  MemoryReport m;
  // 2,000 incidents: 2 s of CPU are 1 ms each. RSS plays no part here.
  m.rows = {
      {"ingest", true, -1, -1, 2}, {"notify", true, -1, -1, 0.5}, {"redis", false, -1, -1, 1}};
  m.harness_cpu_seconds = 4;  // of 10 s: 40 % of a core
  m.wall_seconds = 10;
  const auto t = cpu_per_incident_line(m, 2000);
  for (const std::string_view part :
       {"(2000 accepted)", "ingest 1.000,", "notify 0.250,", "services 1.250;", "redis 0.500;",
        "this harness 2.000 (40 % of a core)"})
    EXPECT_NE(t.find(part), std::string::npos) << part << " in " << t;
  m.harness_cpu_seconds = -1;
  EXPECT_NE(cpu_per_incident_line(m, 2000).find("this harness - (- % of a core)"),
            std::string::npos);
  EXPECT_EQ(cpu_per_incident_line(m, 0), "");
}

// ---------------------------------------------------------------- printed text

RunResult result(std::string system, std::string delivery, double p50, double p99, double max) {
  RunResult r;
  r.system = std::move(system);
  r.delivery = std::move(delivery);
  r.accepted_status = r.system == "piket" ? 201 : 200;
  r.rate = 800;
  r.seconds = 10;
  r.grace = 15;
  r.posted = r.accepted = r.delivered = 8000;
  r.end_to_end.p50 = p50;
  r.end_to_end.p99 = p99;
  r.end_to_end.max = max;
  r.end_to_end.n = 8000;
  r.delivered_rate = 799.5;
  r.posted_rate = 800;
  return r;
}

TEST(BenchReport, RunTextHasTheEndToEndLineAndTheHalves) {
  auto r = result("piket", "gateway", 1.5, 3.25, 9);
  const auto t = run_text(r);
  EXPECT_NE(t.find("lost 0 (accepted, not at the gateway 15 s after the last answer)"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("post->gateway ms"), std::string::npos) << t;
  EXPECT_NE(t.find("p99      3.25"), std::string::npos) << t;
  EXPECT_NE(t.find("POST->201 ms"), std::string::npos) << t;
  EXPECT_NE(t.find("201->gateway ms"), std::string::npos) << t;
  EXPECT_NE(t.find("harness: on schedule"), std::string::npos) << t;
  r.waited = 3;  // of 8000: a burst after a late timer, not behind
  EXPECT_NE(run_text(r).find("harness: on schedule"), std::string::npos);
  r.waited = 81;
  EXPECT_NE(run_text(r).find("harness: BEHIND its schedule: every connection was waiting"),
            std::string::npos);
  r.waited = 0;
  r.lag.p99 = 6;
  EXPECT_NE(run_text(r).find("harness: BEHIND its schedule: posts went out late"),
            std::string::npos);
}

TEST(BenchReport, Ratio) {
  EXPECT_EQ(ratio(2, 1), "2.00");
  EXPECT_EQ(ratio(1, 4), "0.25");
  EXPECT_EQ(ratio(3, 0), "n/a");
  EXPECT_EQ(ratio(-1, 2), "n/a");
}

TEST(BenchReport, SideBySideWithRatios) {
  SystemFigures piket{result("piket", "gateway", 2, 4, 10), 40 * 1024, 38 * 1024, 30 * 1024,
                      31 * 1024};
  piket.cpu_percent = 40;
  piket.apart_cpu_percent = 20;
  SystemFigures am{result("Alertmanager", "webhook", 1, 14, 2000), 160 * 1024, 170 * 1024};
  am.cpu_percent = 60;
  am.run.lost = 2;
  const auto t = side_by_side(piket, am);
  // The ratio is Alertmanager / piket, per line.
  auto row = [&](const std::string& name) {
    const auto at = t.find(name);
    EXPECT_NE(at, std::string::npos) << name << "\n" << t;
    return at == std::string::npos ? std::string{} : t.substr(at, t.find('\n', at) - at);
  };
  EXPECT_NE(t.find("ratio = Alertmanager / piket"), std::string::npos) << t;
  EXPECT_NE(row("end to end p50 ms").find("0.50"), std::string::npos) << t;
  EXPECT_NE(row("end to end p99 ms").find("3.50"), std::string::npos) << t;
  EXPECT_NE(row("end to end max ms").find("200.00"), std::string::npos) << t;
  EXPECT_NE(row("throughput delivered /s").find("1.00"), std::string::npos) << t;
  EXPECT_NE(row("lost (of accepted)").find("2/8000"), std::string::npos) << t;
  EXPECT_NE(row("lost (of accepted)").find("n/a"), std::string::npos) << t;  // piket lost 0
  EXPECT_NE(row("RSS under load MiB").find("4.00"), std::string::npos) << t;
  EXPECT_NE(row("RSS under load MiB").find("160.0"), std::string::npos) << t;
  EXPECT_NE(row("Redis RSS under load MiB").find("30.0"), std::string::npos) << t;
  EXPECT_NE(row("CPU % of a core (services)").find("1.50"), std::string::npos) << t;
  EXPECT_NE(row("Redis CPU % of a core").find("20"), std::string::npos) << t;
  EXPECT_EQ(t.find("fell behind"), std::string::npos) << t;
}

}  // namespace
}  // namespace piket::bench

namespace piket::bench {
namespace {

// The report path's figures: lag from acceptance to the first report, and the sends whose
// report came after the in-doubt window or never (each would have gone twice had its worker
// died just after the gateway's 202).
TEST(BenchReportLag, LagPercentilesAndSendsLaterThanTheInDoubtWindow) {
  std::vector<ReportTimes> sends;
  for (int k = 1; k <= 100; ++k) sends.push_back({1000, 1000 + k * 100});  // 100 … 10,000 ms
  sends.push_back({2000, std::nullopt});                                   // never reported
  const auto r = summarize_report_lag(sends, 8000);
  EXPECT_EQ(r.accepted, 101u);
  EXPECT_EQ(r.reported, 100u);
  EXPECT_EQ(r.lag.p50, 5000);
  EXPECT_EQ(r.lag.p99, 9900);
  EXPECT_EQ(r.lag.max, 10000);
  EXPECT_EQ(r.late, 21u);  // 8,100 … 10,000 ms, and the one without a report
  EXPECT_EQ(r.window_ms, 8000);
  const auto line = report_lag_line(r);
  EXPECT_NE(line.find("100 of 101 accepted SMS reported"), std::string::npos) << line;
  EXPECT_NE(line.find("(8.0 s) or missing: 21 (20.79 %)"), std::string::npos) << line;
  // Exactly at the window is in time.
  EXPECT_EQ(summarize_report_lag({{0, 8000}}, 8000).late, 0u);
  EXPECT_EQ(summarize_report_lag({}, 8000).late, 0u);
}

// Redis's slow fsyncs as LATENCY HISTORY answers them: seconds counted, the longest kept.
TEST(DiskStalls, TheHistoryIsCountedAndItsLongestKept) {
  const auto sample = [](long long at, long long ms) {
    common::RedisReply r;
    r.type = common::RedisReply::Type::array;
    common::RedisReply t, v;
    t.type = v.type = common::RedisReply::Type::integer;
    t.integer = at;
    v.integer = ms;
    r.elements = {t, v};
    return r;
  };
  common::RedisReply history;
  history.type = common::RedisReply::Type::array;
  history.elements = {sample(1796671880, 84), sample(1796671881, 12), sample(1796671890, 53)};
  const auto s = parse_fsync_history(history);
  EXPECT_TRUE(s.known);
  EXPECT_EQ(s.seconds, 3);
  EXPECT_EQ(s.longest_ms, 84);
  const auto line = disk_stalls_line(s, 10);
  EXPECT_NE(line.find("over 10 ms in 3 second(s)"), std::string::npos) << line;
  EXPECT_NE(line.find("the longest 84 ms"), std::string::npos) << line;

  common::RedisReply none;
  none.type = common::RedisReply::Type::array;
  EXPECT_EQ(parse_fsync_history(none).seconds, 0);
  EXPECT_NE(disk_stalls_line(parse_fsync_history(none), 10).find("no fsync over 10 ms"),
            std::string::npos);
  EXPECT_EQ(disk_stalls_line(DiskStalls{}, 10), "");  // not read: nothing said
}

}  // namespace
}  // namespace piket::bench
