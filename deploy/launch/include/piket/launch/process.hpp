#pragma once
// A child process owned by the launcher (or a test): fork/exec with stdout+stderr appended to
// a log file, signalling, bounded waits, and termination on destruction.
//
// - The child stays in the launcher's process group (Ctrl-C in the launcher's terminal reaches
//   the whole group; the launcher decides what to do about it).
// - The child gets PR_SET_PDEATHSIG = SIGTERM, so it is terminated when the launcher dies. Linux
//   delivers it when the *thread* that forked exits, so start processes from a long-lived thread.
// - The child starts with an empty signal mask and default dispositions for all signals (a
//   launcher that blocks or ignores SIGTERM does not pass that on), and with every inherited file
//   descriptor other than 0, 1, 2 closed on exec.
// - Not thread-safe: one Process is used from one thread at a time.
// - Supervision timeouts use std::chrono::steady_clock.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace piket::launch {

// How a child ended: exit(code) or killed by signal `code`.
struct ExitStatus {
  bool signaled = false;
  int code = 0;

  bool success() const { return !signaled && code == 0; }
  friend bool operator==(const ExitStatus&, const ExitStatus&) = default;
};

// "exit 0", "exit 3", "signal 9 (Killed)".
std::string to_string(const ExitStatus& status);
std::ostream& operator<<(std::ostream& out, const ExitStatus& status);

struct ProcessOptions {
  // Set in the child's environment, on top of (and overriding) the launcher's environment.
  std::vector<std::pair<std::string, std::string>> env;
  // Working directory of the child; the launcher's if unset.
  std::optional<std::filesystem::path> working_dir;
  // If true, the child's stdin is a stream socket the owner writes with write_stdin();
  // otherwise it is /dev/null.
  bool stdin_pipe = false;
  // The child's umask (set between fork and exec), e.g. 077 for a server whose files only its
  // own user may read; the launcher's if unset. Also the mode of a log file this creates:
  // 0666 & ~umask.
  std::optional<mode_t> umask;
};

class Process {
 public:
  // Default grace period used by the destructor before SIGKILL.
  static constexpr std::chrono::milliseconds kDefaultStopTimeout{10'000};

  Process() noexcept = default;
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts argv[0] (an absolute/relative path, or a name looked up in PATH) with arguments
  // argv[1..]. stdout and stderr are appended to log_file (created, with parent directories, if
  // needed). Throws std::system_error if the program cannot be executed (the exec error is
  // reported back from the child), std::invalid_argument if argv is empty.
  static Process start(std::vector<std::string> argv, const std::filesystem::path& log_file,
                       const ProcessOptions& options = {});

  // -1 for a default-constructed or moved-from Process. Stays valid after the child exited.
  pid_t pid() const noexcept { return pid_; }
  const std::filesystem::path& log_file() const noexcept { return log_file_; }
  // True if this object has (or had) a child.
  bool valid() const noexcept { return pid_ > 0; }

  // Reaps the child if it has exited (waitpid WNOHANG). False if there is no child.
  bool running();
  // The exit status once the child has been reaped.
  const std::optional<ExitStatus>& exit_status() const noexcept { return status_; }

  // Sends `signo` unless the child has already been reaped. Returns whether it was sent.
  bool signal(int signo);
  // SIGKILL and reap. No-op if the child has already been reaped.
  void kill9();
  // Waits up to `timeout` for the child to exit; nullopt if it is still running.
  std::optional<ExitStatus> wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `timeout`, then SIGKILL and reap. Returns how the child ended.
  // Returns the stored status if it had already exited; nullopt only if there is no child.
  std::optional<ExitStatus> terminate_and_wait(std::chrono::milliseconds timeout);

  // Writes all of `data` to the child's stdin (needs ProcessOptions::stdin_pipe). Returns false
  // if the child closed its stdin or exited (never raises SIGPIPE). Blocks while the socket
  // buffer is full.
  bool write_stdin(std::string_view data);
  // The child sees EOF on stdin.
  void close_stdin() noexcept;

 private:
  bool reap(int options);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<ExitStatus> status_;
  std::filesystem::path log_file_;
};

}  // namespace piket::launch
