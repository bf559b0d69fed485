// What the whole stack costs at rest (issue 18's routing): ingest, dispatch,
// notify and inbound with real Redis and Kannel on the system clock, nothing
// posted. After a few seconds to settle it reads Redis's INFO commandstats and
// each service's CPU time (/proc/<pid>/stat), waits 10 s, reads them again
// and prints the difference: commands per second by command and in all, and
// each service's CPU in percent of one core. The family router takes no part
// at rest: it made no ZRANGE in those 10 s (it used to poll family:due ten
// times a second).
//
//   ./tests/e2e/piket_idle_cost_tests     # prints the figures (docs/performance.md)

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "stack_fixture.hpp"

namespace piket::e2e {
namespace {

using namespace std::chrono_literals;

// calls by command ("zrange", "evalsha", …) from INFO commandstats.
std::map<std::string, long long> command_calls(common::RedisConnection& redis) {
  std::map<std::string, long long> out;
  std::istringstream lines(redis.command({"INFO", "commandstats"}).str);
  for (std::string line; std::getline(lines, line);) {
    const auto name = line.find("cmdstat_");
    const auto calls = line.find(":calls=");
    if (name != 0 || calls == std::string::npos) continue;
    out[line.substr(8, calls - 8)] = std::stoll(line.substr(calls + 7));
  }
  return out;
}

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int k = 3; k <= 15 && rest >> field; ++k) {
    if (k == 14) utime = std::stoll(field);
    if (k == 15) stime = std::stoll(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

TEST(IdleCost, TheStackAtRestAndTheFamilyRouterTakesNoPart) {
  Stack s;
  auto redis = s.redis();
  std::this_thread::sleep_for(3s);  // started, first sweeps done
  std::map<stack::Component, double> cpu_before;
  for (auto c : stack::kServices) cpu_before[c] = cpu_seconds(s.local().pid(c));
  const auto before = command_calls(redis);
  std::this_thread::sleep_for(10s);
  const auto after = command_calls(redis);
  std::map<stack::Component, double> cpu_after;
  for (auto c : stack::kServices) cpu_after[c] = cpu_seconds(s.local().pid(c));
  long long total = 0;
  std::ostringstream by_command;
  for (const auto& [name, calls] : after) {
    const auto d = calls - (before.count(name) ? before.at(name) : 0);
    if (name == "info") continue;  // this test's own
    total += d;
    if (d > 0) by_command << " " << name << "=" << static_cast<double>(d) / 10.0;
  }
  std::printf("idle, 10 s: %.1f Redis commands/s;%s\n", static_cast<double>(total) / 10.0,
              by_command.str().c_str());
  for (auto c : stack::kServices)
    std::printf("idle, 10 s: %s CPU %.2f %% of a core\n", std::string(stack::to_string(c)).c_str(),
                (cpu_after[c] - cpu_before[c]) * 10.0);
  const auto zrange = (after.count("zrange") ? after.at("zrange") : 0) -
                      (before.count("zrange") ? before.at("zrange") : 0);
  EXPECT_LE(zrange, 1) << "the family router polled at rest";
}

}  // namespace
}  // namespace piket::e2e
