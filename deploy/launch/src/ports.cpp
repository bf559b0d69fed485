#include "piket/launch/ports.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <system_error>
#include <thread>

namespace piket::launch {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// True if a connection to 127.0.0.1:port was established with a real listener.
bool try_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  if (ok) {
    sockaddr_in local{};
    socklen_t len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
        local.sin_port == addr.sin_port && local.sin_addr.s_addr == addr.sin_addr.s_addr) {
      ok = false;  // self-connect: we are talking to ourselves, not to a server
    }
  }
  ::close(fd);
  return ok;
}

// <temp dir>/piket-ports, shared by every user of the machine (sticky, like /tmp); empty when
// it cannot be made.
std::filesystem::path reservations_dir() {
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path(ec);
  if (ec) return {};
  dir /= "piket-ports";
  if (::mkdir(dir.c_str(), 01777) == 0)
    ::chmod(dir.c_str(), 01777);  // the umask took some bits
  else if (errno != EEXIST)
    return {};
  return dir;
}

}  // namespace

bool hold_port(std::uint16_t port) {
  static std::mutex mutex;
  static std::map<std::uint16_t, int> held;  // port → the locked file, open until exit
  static const std::filesystem::path dir = reservations_dir();
  constexpr std::size_t kMostHeld = 512;
  std::lock_guard lock(mutex);
  if (held.count(port)) return true;
  if (dir.empty() || held.size() >= kMostHeld) return true;
  const auto file = dir / std::to_string(port);
  // Read-only is enough for flock, and lets another user open a file root made.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return true;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;  // a live process holds it (EWOULDBLOCK)
  }
  held.emplace(port, fd);
  return true;
}

// The first port of the kernel's ephemeral range (the ports outgoing connections get);
// 32768 when it cannot be read (Linux's default).
std::uint16_t ephemeral_start() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned first = 0;
  if (in >> first && first > 2048 && first <= 65535) return static_cast<std::uint16_t>(first);
  return 32768;
}

std::uint16_t free_tcp_port() {
  // Below the ephemeral range: a port the kernel gave out from it could be taken by any
  // outgoing connection (a Redis client, an HTTP request) before its user binds it — seen in
  // CI ("piket-dispatch: cannot start: http: cannot listen on 127.0.0.1:48037: Address already
  // in use"). A random port in [10000, first ephemeral) that binds now, not one this process
  // gave out before.
  static std::mutex mutex;
  static std::set<std::uint16_t> given;
  static std::mt19937 rng{std::random_device{}()};
  const std::uint16_t top = ephemeral_start();
  std::lock_guard lock(mutex);
  if (top > 10000 + 1000) {
    std::uniform_int_distribution<int> pick(10000, top - 1);
    for (int attempt = 0; attempt < 200; ++attempt) {
      const auto port = static_cast<std::uint16_t>(pick(rng));
      if (given.count(port)) continue;
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
      const sockaddr_in addr = loopback(port);
      const bool free = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      if (free && hold_port(port)) {
        given.insert(port);
        return port;
      }
    }
  }
  // No room below the ephemeral range (a system that starts it low): the kernel's choice.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr = loopback(0);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "bind 127.0.0.1:0");
  }
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "getsockname");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool wait_for_tcp(std::uint16_t port, std::chrono::milliseconds timeout) {
  return wait_for_tcp(port, timeout, [] { return true; });
}

bool wait_for_tcp(std::uint16_t port, std::chrono::milliseconds timeout,
                  const std::function<bool()>& keep_waiting) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (try_connect(port)) return true;
    if (!keep_waiting() || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace piket::launch
