#include "piket/launch/process.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ostream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace piket::launch {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = other.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Resolves argv[0] like execvp would, but in the parent (the child may only call
// async-signal-safe functions between fork and exec).
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::string_view path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = path.find(':');
    std::string dir(path.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    path.remove_prefix(colon + 1);
  }
  throw std::system_error(ENOENT, std::generic_category(), "cannot find program '" + name + "'");
}

std::vector<std::string> build_environment(const ProcessOptions& options) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    const std::string_view key = entry.substr(0, eq);
    bool overridden = false;
    for (const auto& [k, v] : options.env) overridden = overridden || k == key;
    if (!overridden) env.emplace_back(entry);
  }
  for (const auto& [k, v] : options.env) {
    if (k.empty() || k.find('=') != std::string::npos) {
      throw std::invalid_argument("invalid environment variable name '" + k + "'");
    }
    env.push_back(k + "=" + v);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const char* program, char* const* argv, char* const* envp,
                             int stdin_fd, int log_fd, int error_fd, const char* working_dir,
                             pid_t parent, int umask_or_minus_one) {
  auto fail = [error_fd](int err) {
    const ssize_t ignored = ::write(error_fd, &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  };
  if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) fail(errno);
  // The parent may have died before prctl took effect.
  if (::getppid() != parent) ::_exit(127);

  sigset_t empty;
  ::sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) ::sigaction(s, &dfl, nullptr);
  }

  if (::dup2(stdin_fd, STDIN_FILENO) < 0) fail(errno);
  if (::dup2(log_fd, STDOUT_FILENO) < 0) fail(errno);
  if (::dup2(log_fd, STDERR_FILENO) < 0) fail(errno);
  if (working_dir != nullptr && ::chdir(working_dir) != 0) fail(errno);
  if (umask_or_minus_one >= 0) ::umask(static_cast<mode_t>(umask_or_minus_one));
  // Nothing the launcher holds (listening sockets, other children's pipes) leaks into the
  // child. error_fd is already close-on-exec.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(program, argv, envp);
  fail(errno);
  ::_exit(127);
}

}  // namespace

std::string to_string(const ExitStatus& status) {
  if (!status.signaled) return "exit " + std::to_string(status.code);
  const char* name = ::strsignal(status.code);
  return "signal " + std::to_string(status.code) + " (" + (name != nullptr ? name : "?") + ")";
}

std::ostream& operator<<(std::ostream& out, const ExitStatus& status) {
  return out << to_string(status);
}

Process::~Process() {
  if (running()) terminate_and_wait(kDefaultStopTimeout);
  close_stdin();
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      status_(std::exchange(other.status_, std::nullopt)),
      log_file_(std::move(other.log_file_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (running()) terminate_and_wait(kDefaultStopTimeout);
    close_stdin();
    pid_ = std::exchange(other.pid_, -1);
    stdin_fd_ = std::exchange(other.stdin_fd_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
    log_file_ = std::move(other.log_file_);
  }
  return *this;
}

Process Process::start(std::vector<std::string> argv, const std::filesystem::path& log_file,
                       const ProcessOptions& options) {
  if (argv.empty() || argv[0].empty()) throw std::invalid_argument("Process::start: empty argv");

  // Everything the child needs is prepared before fork.
  const std::string program = resolve_program(argv[0]);
  std::vector<std::string> env = build_environment(options);
  std::vector<char*> argv_c = c_strings(argv);
  std::vector<char*> env_c = c_strings(env);
  const std::string working_dir = options.working_dir ? options.working_dir->string() : "";

  if (log_file.has_parent_path()) std::filesystem::create_directories(log_file.parent_path());
  const mode_t log_mode = options.umask ? (0666 & ~*options.umask) : 0644;
  Fd log_fd(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, log_mode));
  if (log_fd.get() < 0) throw_errno(errno, "open log file " + log_file.string());

  Fd child_stdin;
  Fd parent_stdin;
  if (options.stdin_pipe) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      throw_errno(errno, "socketpair");
    }
    child_stdin = Fd(sv[0]);
    parent_stdin = Fd(sv[1]);
    ::shutdown(sv[1], SHUT_RD);
  } else {
    child_stdin = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (child_stdin.get() < 0) throw_errno(errno, "open /dev/null");
  }

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  Fd error_read(error_pipe[0]);
  Fd error_write(error_pipe[1]);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno(errno, "fork");
  if (pid == 0) {
    exec_child(program.c_str(), argv_c.data(), env_c.data(), child_stdin.get(), log_fd.get(),
               error_write.get(), working_dir.empty() ? nullptr : working_dir.c_str(), parent,
               options.umask ? static_cast<int>(*options.umask) : -1);
  }

  error_write.close();
  Process process;
  process.pid_ = pid;
  process.log_file_ = log_file;
  process.stdin_fd_ = parent_stdin.release();

  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(error_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    process.reap(0);
    throw std::system_error(child_errno, std::generic_category(), "exec " + program);
  }
  return process;
}

bool Process::reap(int options) {
  if (pid_ <= 0) return false;
  if (status_) return true;
  int wstatus = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &wstatus, options);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  if (r < 0) {
    // ECHILD: someone else reaped it (e.g. SIGCHLD set to SIG_IGN). Status unknown.
    status_ = ExitStatus{false, -1};
    return true;
  }
  if (WIFSIGNALED(wstatus)) {
    status_ = ExitStatus{true, WTERMSIG(wstatus)};
  } else {
    status_ = ExitStatus{false, WEXITSTATUS(wstatus)};
  }
  return true;
}

bool Process::running() {
  return pid_ > 0 && !reap(WNOHANG);
}

bool Process::signal(int signo) {
  if (!running()) return false;
  return ::kill(pid_, signo) == 0;
}

void Process::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  reap(0);
}

std::optional<ExitStatus> Process::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::microseconds(200);
  while (!reap(WNOHANG)) {
    const auto now = Clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(5));
  }
  return status_;
}

std::optional<ExitStatus> Process::terminate_and_wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  if (signal(SIGTERM)) {
    if (auto status = wait_exit(timeout)) return status;
    kill9();
  }
  reap(0);
  return status_;
}

bool Process::write_stdin(std::string_view data) {
  if (stdin_fd_ < 0) return false;
  while (!data.empty()) {
    const ssize_t n = ::send(stdin_fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void Process::close_stdin() noexcept {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

}  // namespace piket::launch
