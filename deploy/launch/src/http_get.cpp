#include "piket/launch/http_get.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace piket::launch {
namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

[[noreturn]] void fail(const std::string& what, std::uint16_t port) {
  throw std::runtime_error("http_get 127.0.0.1:" + std::to_string(port) + ": " + what);
}

void wait_ready(int fd, short events, Clock::time_point deadline, std::uint16_t port) {
  while (true) {
    pollfd pfd{fd, events, 0};
    const int r = ::poll(&pfd, 1, remaining_ms(deadline));
    if (r > 0) return;
    if (r == 0) fail("timeout", port);
    if (errno != EINTR) fail(std::strerror(errno), port);
  }
}

}  // namespace

HttpResponse http_get(std::uint16_t port, std::string_view target,
                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Socket sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (sock.get() < 0) fail(std::strerror(errno), port);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) fail(std::strerror(errno), port);
    wait_ready(sock.get(), POLLOUT, deadline, port);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) fail(std::strerror(err), port);
  }

  const std::string request = "GET " + std::string(target) +
                              " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nConnection: close\r\n\r\n";
  std::string_view out = request;
  while (!out.empty()) {
    wait_ready(sock.get(), POLLOUT, deadline, port);
    const ssize_t n = ::send(sock.get(), out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      fail(std::strerror(errno), port);
    }
    out.remove_prefix(static_cast<std::size_t>(n));
  }

  std::string raw;
  char buf[4096];
  while (true) {
    wait_ready(sock.get(), POLLIN, deadline, port);
    const ssize_t n = ::recv(sock.get(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      fail(std::strerror(errno), port);
    }
    raw.append(buf, static_cast<std::size_t>(n));
  }

  // "HTTP/1.x NNN reason\r\n" headers "\r\n\r\n" body
  HttpResponse response;
  if (raw.compare(0, 5, "HTTP/") != 0) fail("no HTTP status line in response", port);
  const auto space = raw.find(' ');
  if (space == std::string::npos || space + 4 > raw.size()) fail("bad status line", port);
  try {
    response.status = std::stoi(raw.substr(space + 1, 3));
  } catch (const std::exception&) {
    fail("bad status code", port);
  }
  const auto body = raw.find("\r\n\r\n");
  if (body != std::string::npos) response.body = raw.substr(body + 4);
  return response;
}

}  // namespace piket::launch
