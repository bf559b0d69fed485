// piket-bench itself, for two seconds at a low rate: it starts the whole stack (its own Redis
// and the four services, the fake gateway in-process), and with --peer alertmanager also
// Debian's Alertmanager; with --cluster the local cluster (label cluster). The report must have
// the end-to-end line and nothing lost.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "alertmanager.hpp"
#include "piket/launch/process.hpp"

namespace piket::bench {
namespace {

std::filesystem::path work_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::path(PIKET_TEST_WORK_DIR) /
             (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Runs piket-bench with `args`; its exit status and what it printed.
std::pair<launch::ExitStatus, std::string> bench(std::vector<std::string> args) {
  const auto dir = work_dir();
  std::vector<std::string> argv{PIKET_BENCH, "--bin-dir", PIKET_BIN_DIR, "--work-dir",
                                (dir / "bench").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out = dir / "bench.out";
  auto p = launch::Process::start(argv, out);
  const auto status = p.wait_exit(std::chrono::seconds{240});
  if (!status) p.terminate_and_wait(std::chrono::seconds{10});
  std::stringstream text;
  text << std::ifstream(out).rdbuf();
  return {status.value_or(launch::ExitStatus{true, 9}), text.str()};
}

// "lost N" in the line that starts with `system`.
std::string run_line(const std::string& out, const std::string& system) {
  const auto at = out.find(system + " at ");
  return at == std::string::npos ? std::string{} : out.substr(at, out.find('\n', at) - at);
}

const std::vector<std::string> kLow{
    "--rate",        "50", "--duration",         "2", "--grace", "10",
    "--connections", "4",  "--bundle-window-ms", "0"};

TEST(BenchE2e, ReportsEndToEndWithNothingLost) {
  const auto [status, out] = bench(kLow);
  ASSERT_TRUE(status.success()) << status << "\n" << out;
  const auto line = run_line(out, "piket");
  EXPECT_NE(line.find("posted 100, accepted (201) 100, at the gateway 100, lost 0"),
            std::string::npos)
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(post->gateway ms +p50 +[0-9.]+ +p90)"))) << out;
  EXPECT_NE(out.find("POST->201 ms"), std::string::npos) << out;
  EXPECT_NE(out.find("201->gateway ms"), std::string::npos) << out;
  // Memory per service, the sum and Redis apart.
  for (const char* what :
       {"ingest", "dispatch", "notify", "inbound", "piket services together", "redis (apart)"})
    EXPECT_NE(out.find(what), std::string::npos) << what << "\n" << out;
  // …under load and after the services rested (--after, 5 s by default).
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(under load +after 5\.[0-9] s +CPU % core)")))
      << out;
  // Redis's slow fsyncs in the run, read from its latency monitor (none or some: the disk's).
  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"re(redis: (no fsync over 10 ms|fsync over 10 ms in [0-9]+ second))re"
                      R"re(.*LATENCY HISTORY aof-fsync-always)re")))
      << out;
}

TEST(BenchE2e, BesideAlertmanager) {
  if (!std::filesystem::exists(std::string(kAlertmanagerBinary)))
    GTEST_SKIP() << "Debian's Alertmanager is not installed (" << kAlertmanagerBinary
                 << "): " << kAlertmanagerInstall;
  auto args = kLow;
  args.insert(args.end(), {"--peer", "alertmanager"});
  const auto [status, out] = bench(args);
  ASSERT_TRUE(status.success()) << status << "\n" << out;
  EXPECT_NE(run_line(out, "piket").find("lost 0"), std::string::npos) << out;
  EXPECT_NE(run_line(out, "Alertmanager")
                .find("posted 100, accepted (200) 100, at the webhook 100, lost 0"),
            std::string::npos)
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(post->webhook ms +p50 +[0-9.]+ +p90)"))) << out;
  EXPECT_NE(out.find("side by side at 50/s"), std::string::npos) << out;
  EXPECT_NE(out.find("ratio = Alertmanager / piket"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(end to end p99 ms +[0-9.]+ +[0-9.]+ +[0-9.]+)")))
      << out;
  EXPECT_TRUE(
      std::regex_search(out, std::regex(R"(RSS under load MiB \(services\) +[0-9.]+ +[0-9.]+)")))
      << out;
}

TEST(BenchClusterE2e, AgainstTheLocalCluster) {
  // Three Redis with Sentinel, answers waiting for a replica, two instances of every service.
  auto args = kLow;
  args.push_back("--cluster");
  const auto [status, out] = bench(args);
  ASSERT_TRUE(status.success()) << status << "\n" << out;
  EXPECT_NE(
      run_line(out, "piket").find("posted 100, accepted (201) 100, at the gateway 100, lost 0"),
      std::string::npos)
      << out;
  for (const char* what : {"ingest-1", "ingest-2", "notify-2", "redis-0 (apart)", "redis-2 (apart)",
                           "not judged here"})
    EXPECT_NE(out.find(what), std::string::npos) << what << "\n" << out;
}

TEST(BenchE2e, SelfTestReachesItsRate) {
  const auto [status, out] = bench({"--self-test", "--rate", "2000", "--duration", "1"});
  ASSERT_TRUE(status.success()) << status << "\n" << out;
  EXPECT_NE(run_line(out, "self-test")
                .find("posted 2000, accepted (201) 2000, at the gateway "
                      "2000, lost 0"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace piket::bench
