// Unit tests (no servers): Process, ports, http_get. Children are /bin/sh, sleep and cat.

#include "piket/launch/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "http_listener.hpp"
#include "piket/launch/http_get.hpp"
#include "piket/launch/ports.hpp"
#include "temp_dir.hpp"

namespace piket::launch {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using piket::test::TempDir;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool pid_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

TEST(Process, CapturesStdoutAndStderrAndExitCode) {
  TempDir dir("piket-launch");
  auto p = Process::start({"/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3"},
                          dir / "logs/child.log");
  EXPECT_GT(p.pid(), 0);
  const auto status = p.wait_exit(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, (ExitStatus{false, 3}));
  EXPECT_FALSE(status->success());
  EXPECT_FALSE(p.running());
  EXPECT_EQ(slurp(dir / "logs/child.log"), "to-out\nto-err\n");
}

TEST(Process, AppendsToAnExistingLog) {
  TempDir dir("piket-launch");
  for (const char* word : {"one", "two"}) {
    auto p = Process::start({"/bin/echo", word}, dir / "child.log");
    ASSERT_TRUE(p.wait_exit(5s));
  }
  EXPECT_EQ(slurp(dir / "child.log"), "one\ntwo\n");
}

TEST(Process, FindsProgramsInPathAndPassesEnvAndWorkingDir) {
  TempDir dir("piket-launch");
  ProcessOptions options;
  options.env = {{"PIKET_TEST_VAR", "hello world"}, {"HOME", "/nowhere"}};
  options.working_dir = dir.path();
  auto p = Process::start({"sh", "-c", "echo \"$PIKET_TEST_VAR|$HOME|$(pwd)\""}, dir / "child.log",
                          options);
  ASSERT_TRUE(p.wait_exit(5s));
  EXPECT_EQ(slurp(dir / "child.log"), "hello world|/nowhere|" + dir.path().string() + "\n");
}

TEST(Process, ExecFailureIsReportedAsException) {
  TempDir dir("piket-launch");
  try {
    Process::start({"/nonexistent/program"}, dir / "child.log");
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
  }
  EXPECT_THROW(Process::start({"no-such-program-piket"}, dir / "child.log"), std::system_error);
  EXPECT_THROW(Process::start({}, dir / "child.log"), std::invalid_argument);
  // Not executable.
  { std::ofstream(dir / "plain.txt") << "x"; }
  EXPECT_THROW(Process::start({(dir / "plain.txt").string()}, dir / "child.log"),
               std::system_error);
}

TEST(Process, TerminateAndWaitUsesSigterm) {
  TempDir dir("piket-launch");
  auto p = Process::start({"sleep", "30"}, dir / "child.log");
  EXPECT_TRUE(p.running());
  const auto t0 = Clock::now();
  const auto status = p.terminate_and_wait(5s);
  EXPECT_LT(Clock::now() - t0, 2s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, (ExitStatus{true, SIGTERM}));
  EXPECT_EQ(p.exit_status(), status);
  EXPECT_FALSE(p.signal(SIGTERM));  // already reaped: nothing is sent
}

TEST(Process, TerminateAndWaitEscalatesToSigkill) {
  TempDir dir("piket-launch");
  auto p = Process::start({"/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 30"},
                          dir / "child.log");
  // Wait until the trap is installed.
  for (auto t0 = Clock::now(); slurp(dir / "child.log").empty() && Clock::now() - t0 < 5s;) {
    std::this_thread::sleep_for(5ms);
  }
  const auto t0 = Clock::now();
  const auto status = p.terminate_and_wait(300ms);
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 3s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, (ExitStatus{true, SIGKILL}));
}

TEST(Process, Kill9AndWaitExitTimeout) {
  TempDir dir("piket-launch");
  auto p = Process::start({"sleep", "30"}, dir / "child.log");
  EXPECT_FALSE(p.wait_exit(50ms).has_value());
  EXPECT_TRUE(p.running());
  p.kill9();
  EXPECT_FALSE(p.running());
  EXPECT_EQ(p.exit_status(), (ExitStatus{true, SIGKILL}));
  p.kill9();  // no-op
}

TEST(Process, DestructorTerminatesTheChild) {
  TempDir dir("piket-launch");
  pid_t pid = -1;
  {
    auto p = Process::start({"sleep", "30"}, dir / "child.log");
    pid = p.pid();
    ASSERT_TRUE(pid_exists(pid));
  }
  EXPECT_FALSE(pid_exists(pid));
}

TEST(Process, MoveTransfersOwnership) {
  TempDir dir("piket-launch");
  auto a = Process::start({"sleep", "30"}, dir / "child.log");
  const pid_t pid = a.pid();
  Process b = std::move(a);
  EXPECT_EQ(a.pid(), -1);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_FALSE(a.running());
  EXPECT_EQ(b.pid(), pid);
  EXPECT_TRUE(b.running());
  Process c;
  EXPECT_FALSE(c.valid());
  c = std::move(b);
  EXPECT_TRUE(c.running());
  EXPECT_EQ(c.pid(), pid);
  EXPECT_EQ(c.log_file(), dir / "child.log");
}

TEST(Process, ChildDiesWithTheThreadThatStartedIt) {
  // PR_SET_PDEATHSIG fires when the forking thread exits; a dead launcher is the same case.
  TempDir dir("piket-launch");
  Process p;
  std::thread starter([&] { p = Process::start({"sleep", "30"}, dir / "child.log"); });
  starter.join();
  const auto status = p.wait_exit(5s);
  ASSERT_TRUE(status.has_value()) << "child survived its parent thread";
  EXPECT_EQ(*status, (ExitStatus{true, SIGTERM}));
}

TEST(Process, ChildStartsWithEmptySignalMask) {
  TempDir dir("piket-launch");
  sigset_t block;
  sigset_t old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  auto p = Process::start({"sleep", "30"}, dir / "child.log");
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  const auto status = p.terminate_and_wait(3s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, (ExitStatus{true, SIGTERM})) << "SIGTERM was blocked in the child";
}

TEST(Process, DoesNotLeakFileDescriptors) {
  TempDir dir("piket-launch");
  const int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 3);
  auto p = Process::start({"/bin/sh", "-c",
                           "if [ -e /proc/$$/fd/" + std::to_string(leaky) +
                               " ]; then echo leaked; else echo clean; fi"},
                          dir / "child.log");
  const auto status = p.wait_exit(5s);
  ::close(leaky);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(slurp(dir / "child.log"), "clean\n");
}

TEST(Process, StdinPipe) {
  TempDir dir("piket-launch");
  ProcessOptions options;
  options.stdin_pipe = true;
  auto p = Process::start({"cat"}, dir / "child.log", options);
  EXPECT_TRUE(p.write_stdin("line one\n"));
  EXPECT_TRUE(p.write_stdin(std::string(100'000, 'x') + "\n"));  // more than a socket buffer
  p.close_stdin();
  const auto status = p.wait_exit(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->success());
  EXPECT_EQ(slurp(dir / "child.log"), "line one\n" + std::string(100'000, 'x') + "\n");
  EXPECT_FALSE(p.write_stdin("after close"));
}

TEST(Process, WriteToExitedChildFailsWithoutSigpipe) {
  TempDir dir("piket-launch");
  ProcessOptions options;
  options.stdin_pipe = true;
  auto p = Process::start({"true"}, dir / "child.log", options);
  ASSERT_TRUE(p.wait_exit(5s));
  // The peer is gone: the write fails (the test process would die of SIGPIPE otherwise).
  bool ok = true;
  for (int i = 0; i < 3 && ok; ++i) ok = p.write_stdin("x\n");
  EXPECT_FALSE(ok);
}

TEST(Process, NoStdinPipeMeansDevNull) {
  TempDir dir("piket-launch");
  auto p = Process::start({"cat"}, dir / "child.log");
  const auto status = p.wait_exit(5s);
  ASSERT_TRUE(status.has_value()) << "cat should see EOF on /dev/null at once";
  EXPECT_TRUE(status->success());
  EXPECT_FALSE(p.write_stdin("x"));
}

TEST(ExitStatusText, Describes) {
  EXPECT_EQ(to_string(ExitStatus{false, 0}), "exit 0");
  EXPECT_EQ(to_string(ExitStatus{false, 3}), "exit 3");
  EXPECT_EQ(to_string(ExitStatus{true, 9}).rfind("signal 9 (", 0), 0U);
}

// ---------------------------------------------------------------- ports

int listen_on(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 8) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Below the ephemeral range: no outgoing connection is given it before its user binds it.
TEST(Ports, FreePortsAreBelowTheEphemeralRangeAndNotGivenTwice) {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned first = 0;
  ASSERT_TRUE(in >> first);
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 300; ++i) {
    const auto port = free_tcp_port();
    EXPECT_GE(port, 10000);
    EXPECT_LT(port, first);
    EXPECT_TRUE(seen.insert(port).second) << "port " << port << " given twice";
  }
}

// A port one process holds is not another's until the first ends (parallel tests each pick
// ports at random, and one could take another's before that one's server bound it).
TEST(Ports, APortHeldByALiveProcessIsNotHeldByAnother) {
  const std::uint16_t mine = free_tcp_port();
  EXPECT_TRUE(hold_port(mine)) << "held already by this process";
  // The child's answer for `port`: 1 held, 0 refused.
  const auto child_holds = [](std::uint16_t port, bool then_wait) {
    int to_parent[2];
    if (::pipe(to_parent) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
      const char answer = hold_port(port) ? 1 : 0;
      (void)!::write(to_parent[1], &answer, 1);
      if (then_wait) ::pause();  // holds it until killed
      ::_exit(0);
    }
    ::close(to_parent[1]);
    char answer = -1;
    (void)!::read(to_parent[0], &answer, 1);
    ::close(to_parent[0]);
    if (!then_wait) ::waitpid(pid, nullptr, 0);
    return then_wait ? (answer == 1 ? static_cast<int>(pid) : -1) : static_cast<int>(answer);
  };
  // A port this process has not touched, above the range free_tcp_port gives out (so that no
  // other test process holds it): a child that holds it, and a second child and this process
  // that ask for it (each a fresh open of the port's file).
  const auto theirs = static_cast<std::uint16_t>(65000 + ::getpid() % 500);
  const int holder = child_holds(theirs, true);
  ASSERT_GT(holder, 0) << "the first child could not hold port " << theirs;
  EXPECT_EQ(child_holds(theirs, false), 0) << "a second process held " << theirs << " too";
  EXPECT_FALSE(hold_port(theirs)) << "this process held " << theirs << " while a child held it";
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  // Its holder is gone, however it ended: the port is free to hold.
  EXPECT_TRUE(hold_port(theirs));
  // And this process's lock is real (a fork would copy its note of the ports it holds): the
  // port's file, opened afresh, cannot be locked.
  const auto file = std::filesystem::temp_directory_path() / "piket-ports" / std::to_string(theirs);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << file;
  EXPECT_NE(::flock(fd, LOCK_EX | LOCK_NB), 0) << "nobody held " << file;
  ::close(fd);
}

TEST(Ports, FreePortIsBindable) {
  const std::uint16_t port = free_tcp_port();
  EXPECT_GT(port, 0);
  const int fd = listen_on(port);
  EXPECT_GE(fd, 0) << "port " << port << " was not free";
  if (fd >= 0) ::close(fd);
}

TEST(Ports, WaitForTcpSeesAListener) {
  const std::uint16_t port = free_tcp_port();
  const int fd = listen_on(port);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(wait_for_tcp(port, 1s));
  ::close(fd);
}

TEST(Ports, WaitForTcpTimesOutOnAClosedPort) {
  const std::uint16_t port = free_tcp_port();
  const auto t0 = Clock::now();
  EXPECT_FALSE(wait_for_tcp(port, 200ms));
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 2s);
}

TEST(Ports, WaitForTcpWaitsForALateListener) {
  const std::uint16_t port = free_tcp_port();
  int fd = -1;
  std::thread late([&] {
    std::this_thread::sleep_for(150ms);
    fd = listen_on(port);
  });
  EXPECT_TRUE(wait_for_tcp(port, 5s));
  late.join();
  if (fd >= 0) ::close(fd);
}

TEST(Ports, WaitForTcpGivesUpWhenToldTo) {
  const std::uint16_t port = free_tcp_port();
  const auto t0 = Clock::now();
  EXPECT_FALSE(wait_for_tcp(port, 10s, [] { return false; }));
  EXPECT_LT(Clock::now() - t0, 1s);
}

// ---------------------------------------------------------------- http_get

TEST(HttpGet, ReturnsStatusAndBody) {
  piket::test::HttpListener listener([](const piket::test::RecordedRequest& r) {
    if (r.path == "/missing") return piket::test::ListenerResponse{404, "nope"};
    return piket::test::ListenerResponse{202, "got " + r.param("q")};
  });
  const auto ok = http_get(listener.port(), "/x?q=a+b%21", 5s);
  EXPECT_EQ(ok.status, 202);
  EXPECT_EQ(ok.body, "got a b!");
  const auto missing = http_get(listener.port(), "/missing", 5s);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "nope");
  const auto requests = listener.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].target, "/x?q=a+b%21");
}

TEST(HttpGet, ThrowsWhenNothingListens) {
  EXPECT_THROW(http_get(free_tcp_port(), "/", 1s), std::runtime_error);
}

TEST(HttpGet, ThrowsOnTimeout) {
  // Accepts (backlog) but never answers.
  const std::uint16_t port = free_tcp_port();
  const int fd = listen_on(port);
  ASSERT_GE(fd, 0);
  const auto t0 = Clock::now();
  EXPECT_THROW(http_get(port, "/", 200ms), std::runtime_error);
  EXPECT_LT(Clock::now() - t0, 2s);
  ::close(fd);
}

}  // namespace
}  // namespace piket::launch
