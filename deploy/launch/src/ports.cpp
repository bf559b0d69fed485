#include "piket/launch/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace

std::uint16_t free_tcp_port() {
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
