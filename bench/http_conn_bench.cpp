// piket-http-conn-bench: the memory one keep-alive connection holds in common::HttpServer (the
// server of ingest, web and the health ports), in the two states a surge leaves thousands of
// them in: waiting for the client's next request after an answer ("idle"), and with a request
// read and waiting for a request thread ("waiting"). Under a surge ingest holds as many
// connections as its partners open (piket-bench opens up to 256), so their memory is part of the
// services' RSS figure (docs/performance.md).
//
//   ./build/bench/piket-http-conn-bench [--connections N] [--rounds R]
//
// For each round: N client sockets (plain blocking sockets: their own memory is the kernel's),
// each posts one partner-sized request (headers and a ~500-byte JSON body) to a server in this
// process; the bytes glibc's malloc has handed out (mallinfo2's uordblks, exact) and this
// process's VmRSS are read before and after, per connection. Prints the median over the rounds.

#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "memory.hpp"
#include "piket/common/http_server.hpp"

namespace {

using piket::common::HttpRequest;
using piket::common::HttpResponse;

std::string partner_request() {
  std::string body = R"({"type":"huisverbod","external_id":"BENCH-0000000001","region":"gr",)"
                     R"("reported_at":"2026-12-07T10:00:00Z","priority":"urgent","people":[)";
  while (body.size() < 480) body += R"({"role":"betrokkene","id":"P-00000000"},)";
  body += R"({"role":"betrokkene","id":"P-00000001"}]})";
  return "POST /v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Authorization: PIKET-HMAC-SHA256 key=police-gr,ts=1796637600,"
         "sig=0000000000000000000000000000000000000000000000000000000000000000\r\n"
         "Idempotency-Key: 7a1c7d0e-3d1f-4a4e-9c55-2b3f0c8d9e10\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("connect failed");
  return fd;
}

void send_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads until the answer's head and its (small, Content-Length) body are in.
void read_answer(int fd) {
  std::string got;
  char buf[2048];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) throw std::runtime_error("the server closed the connection");
    got.append(buf, static_cast<std::size_t>(n));
    const auto head = got.find("\r\n\r\n");
    if (head == std::string::npos) continue;
    const auto cl = got.find("Content-Length: ");
    if (cl == std::string::npos || cl > head) return;
    if (got.size() >= head + 4 + std::stoul(got.substr(cl + 16))) return;
  }
}

std::size_t in_use() {
  return mallinfo2().uordblks;
}

struct Figure {
  double malloc_bytes = 0;  // per connection
  double rss_bytes = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Waits until `count` reaches n (the server's threads have done their part).
void wait_for(const std::atomic<int>& count, int n) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (count.load() < n) {
    if (std::chrono::steady_clock::now() > until) throw std::runtime_error("timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int connections = 256;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view a = argv[i];
    if (a == "--connections") connections = std::atoi(argv[i + 1]);
    if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
  }
  if (connections < 1 || connections > 4000 || rounds < 1 || rounds > 100) {
    std::fprintf(stderr, "--connections 1..4000, --rounds 1..100\n");
    return 2;
  }

  std::mutex m;
  std::condition_variable cv;
  bool hold = false;  // true: the handler waits (requests stay read, waiting for an answer)
  std::atomic<int> entered{0};
  std::atomic<int> answered{0};
  piket::common::HttpServerOptions options;
  options.listen = {"127.0.0.1", 0};
  options.threads = 1;
  options.queue.max_waiting = static_cast<std::size_t>(connections) + 16;
  options.max_connections = static_cast<std::size_t>(connections) + 16;
  piket::common::HttpServer server(options, [&](const HttpRequest& r) {
    ++entered;
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return !hold; });
    }
    HttpResponse resp;
    resp.status = 201;
    resp.body = R"({"incident_id":"inc-00000000000000000000","case_id":"case-000000000000",)"
                R"("status":"accepted","bytes":)" +
                std::to_string(r.body.size()) + "}";
    ++answered;
    return resp;
  });
  server.start();
  const auto request = partner_request();

  std::vector<double> idle_malloc, idle_rss, wait_malloc, wait_rss;
  for (int round = 0; round < rounds; ++round) {
    // Idle: one request and its answer on each, the connection kept open.
    malloc_trim(0);
    auto m0 = in_use();
    auto r0 = piket::bench::rss_kib(::getpid());
    std::vector<int> fds;
    for (int i = 0; i < connections; ++i) {
      fds.push_back(connect_to(server.port()));
      send_all(fds.back(), request);
      read_answer(fds.back());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the sessions' next reads start
    idle_malloc.push_back((static_cast<double>(in_use()) - static_cast<double>(m0)) / connections);
    idle_rss.push_back(static_cast<double>(piket::bench::rss_kib(::getpid()) - r0) * 1024.0 /
                       connections);
    for (const int fd : fds) ::close(fd);
    fds.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the sessions end

    // Waiting: one thread handles; it takes the first request and holds, the others wait in
    // the queue, each request read and parsed.
    malloc_trim(0);
    m0 = in_use();
    r0 = piket::bench::rss_kib(::getpid());
    {
      std::lock_guard lock(m);
      hold = true;
    }
    const int entered_before = entered.load();
    const int answered_before = answered.load();
    for (int i = 0; i < connections; ++i) {
      fds.push_back(connect_to(server.port()));
      send_all(fds.back(), request);
    }
    wait_for(entered, entered_before + 1);
    for (;;) {  // every request read: the queue holds the rest
      const auto load = server.load();
      if (load.busy + load.waiting >= static_cast<std::size_t>(connections)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    wait_malloc.push_back((static_cast<double>(in_use()) - static_cast<double>(m0)) / connections);
    wait_rss.push_back(static_cast<double>(piket::bench::rss_kib(::getpid()) - r0) * 1024.0 /
                       connections);
    {
      std::lock_guard lock(m);
      hold = false;
    }
    cv.notify_all();
    wait_for(answered, answered_before + connections);
    for (const int fd : fds) ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  server.stop();

  std::printf("piket-http-conn-bench: %d connections, %d rounds, request %zu bytes (median)\n",
              connections, rounds, request.size());
  std::printf("  idle (answered, kept open)     malloc %7.0f B/conn   RSS %7.0f B/conn\n",
              median(idle_malloc), median(idle_rss));
  std::printf("  waiting (read, not answered)   malloc %7.0f B/conn   RSS %7.0f B/conn\n",
              median(wait_malloc), median(wait_rss));
  std::printf("  for %d connections: idle %.2f MiB, waiting %.2f MiB (malloc)\n", connections,
              median(idle_malloc) * connections / 1048576.0,
              median(wait_malloc) * connections / 1048576.0);
  return 0;
}
