#pragma once
// A real SMTP server for tests: Debian's python3-aiosmtpd with its Mailbox
// handler, on a free loopback port, storing every message it accepts as a
// file in a Maildir (dir/new/…). Started on construction, stopped on
// destruction.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "piket/launch/ports.hpp"
#include "piket/launch/process.hpp"

namespace piket::test {

class SmtpListener {
 public:
  // `dir`: created if needed; the Maildir is dir/maildir, the server's output dir/aiosmtpd.out.
  explicit SmtpListener(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    port_ = launch::free_tcp_port();
    process_ = launch::Process::start(
        {"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_),
         "-c", "aiosmtpd.handlers.Mailbox", maildir().string()},
        dir_ / "aiosmtpd.out");
    if (!launch::wait_for_tcp(port_, std::chrono::seconds{15},
                              [this] { return process_.running(); }))
      throw std::runtime_error("aiosmtpd did not start (python3-aiosmtpd installed? see " +
                               (dir_ / "aiosmtpd.out").string() + ")");
  }
  ~SmtpListener() {
    if (process_.valid() && process_.running())
      process_.terminate_and_wait(std::chrono::seconds{5});
  }
  SmtpListener(const SmtpListener&) = delete;
  SmtpListener& operator=(const SmtpListener&) = delete;

  std::uint16_t port() const { return port_; }
  std::filesystem::path maildir() const { return dir_ / "maildir"; }

  // Every message received so far, as the raw text the server stored.
  std::vector<std::string> messages() const { return read_maildir(maildir()); }

  template <typename Pred>
  std::vector<std::string> wait_messages(Pred pred, std::chrono::milliseconds timeout) const {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto m = messages();
      if (pred(m) || std::chrono::steady_clock::now() > until) return m;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
  }

  static std::vector<std::string> read_maildir(const std::filesystem::path& maildir) {
    std::vector<std::filesystem::path> files;
    for (const char* sub : {"new", "cur"}) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(maildir / sub, ec))
        if (e.is_regular_file()) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  launch::Process process_;
};

}  // namespace piket::test
