// The campaign's crash points (common/fault_point.hpp): parsed as written,
// and a listed point really kills its process with SIGKILL after logging its
// name — tried in a forked child, whose first point reads the variables.

#include "piket/common/fault_point.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace piket::common {
namespace {

TEST(FaultPointTest, ProbabilityIsReadPerNameAndMalformedValuesAreOff) {
  const std::string_view points = "a.b=0.25,c=1,bad=x,neg=-0.1,big=2,empty=";
  EXPECT_DOUBLE_EQ(fault_probability(points, "a.b"), 0.25);
  EXPECT_DOUBLE_EQ(fault_probability(points, "c"), 1.0);
  EXPECT_DOUBLE_EQ(fault_probability(points, "bad"), 0.0);
  EXPECT_DOUBLE_EQ(fault_probability(points, "neg"), 0.0);
  EXPECT_DOUBLE_EQ(fault_probability(points, "big"), 0.0);
  EXPECT_DOUBLE_EQ(fault_probability(points, "empty"), 0.0);
  EXPECT_DOUBLE_EQ(fault_probability(points, "a"), 0.0) << "a prefix is not the name";
  EXPECT_DOUBLE_EQ(fault_probability(points, "missing"), 0.0);
}

// Runs `body` in a child process with the variables set; its wait status.
template <typename Body>
int in_child(const std::string& points, const std::string& log, Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("PIKET_FAULT_POINTS", points.c_str(), 1);
    ::setenv("PIKET_FAULT_LOG", log.c_str(), 1);
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(FaultPointTest, AListedPointKillsItsProcessAndLogsItsName) {
  const auto log = std::filesystem::temp_directory_path() /
                   ("piket-fault-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(log);
  const int status = in_child("x.other=1,x.here=1", log.string(), [] {
    fault_point("x.unlisted");  // not listed: goes on
    fault_point("x.here");
    ::_exit(3);  // not reached
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  const auto text = read_file(log);
  EXPECT_EQ(text.rfind("x.here ", 0), 0u) << text;
  EXPECT_EQ(text.find("x.unlisted"), std::string::npos) << text;
  std::filesystem::remove(log);
}

TEST(FaultPointTest, ProbabilityZeroAndUnsetVariablesNeverFire) {
  const auto log = std::filesystem::temp_directory_path() /
                   ("piket-fault-zero-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(log);
  const int status = in_child("x.here=0", log.string(), [] {
    for (int k = 0; k < 1000; ++k) fault_point("x.here");
    ::_exit(7);
  });
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_FALSE(std::filesystem::exists(log));
  const int unset = in_child("", log.string(), [] {
    fault_point("x.here");
    ::_exit(9);
  });
  ASSERT_TRUE(WIFEXITED(unset));
  EXPECT_EQ(WEXITSTATUS(unset), 9);
}

TEST(FaultPointTest, AHalfChanceFiresSometimesNotAlways) {
  // One pass each at p = 0.5 in 20 children (the draws are seeded with the
  // pid): all killed or none has a chance of 2 in a million.
  const auto log = std::filesystem::temp_directory_path() /
                   ("piket-fault-half-" + std::to_string(::getpid()) + ".log");
  int killed = 0;
  constexpr int kChildren = 20;
  for (int child = 0; child < kChildren; ++child) {
    const int status = in_child("x.here=0.5", log.string(), [] {
      fault_point("x.here");
      ::_exit(0);
    });
    killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }
  std::filesystem::remove(log);
  EXPECT_GT(killed, 0);
  EXPECT_LT(killed, kChildren);
}

}  // namespace
}  // namespace piket::common
