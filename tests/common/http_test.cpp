// HttpServer and HttpClient over loopback (127.0.0.1, port 0): no external
// servers. The partner API's 413 answer comes from this layer, so the
// contract's 413 row is covered here (BodyOverLimit*, ContentLengthOverLimit*),
// not in tests/ingest/ingest_api_test.cpp.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/http_client.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/logging.hpp"
#include "piket/common/metrics.hpp"

namespace piket::common {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::size_t kMaxBody = 1024;

// ------------------------------------------------------------ raw sockets

// An owned file descriptor. Move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

void set_receive_timeout(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// A blocking client socket that speaks HTTP by hand, so tests can send what a
// well-behaved client never would.
class RawConnection {
 public:
  // `from`: the client's own address (host order; 0: the kernel's choice).
  explicit RawConnection(std::uint16_t port, in_addr_t from = 0)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (from != 0) {
      sockaddr_in f{};
      f.sin_family = AF_INET;
      f.sin_addr.s_addr = htonl(from);
      if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&f), sizeof f) != 0)
        throw std::runtime_error("bind failed");
    }
    const auto a = loopback(port);
    if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("connect failed");
    set_receive_timeout(fd_.get(), 5s);
  }

  void send_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto n = ::send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
  }

  // Reads one response (Content-Length framed). nullopt on timeout or EOF
  // before a whole response arrived.
  std::optional<RawResponse> read_response() {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    RawResponse r;
    const std::string head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const auto start = line_end + 2;
      line_end = head.find("\r\n", start);
      const auto line =
          head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
    }
    const std::size_t length =
        r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buffer_.size() < length)
      if (!fill()) return std::nullopt;
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  // True if anything (an answer, or the close) arrives within `wait`.
  bool readable_within(std::chrono::milliseconds wait) {
    if (!buffer_.empty()) return true;
    pollfd p{fd_.get(), POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
  }

  // True if the peer closes the connection within `wait` (EOF or reset).
  bool closed_by_peer_within(std::chrono::milliseconds wait) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char c;
    const auto n = ::recv(fd_.get(), &c, 1, MSG_PEEK);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool fill() {
    char chunk[4096];
    const auto n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  Fd fd_;
  std::string buffer_;
};

// A port on which nothing listens (bound once, then released).
std::uint16_t closed_port() {
  Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  auto a = loopback(0);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A hand-written server that accepts exactly ONE connection and then stops
// listening: a client that opens a second connection is refused. In `silent`
// mode it reads requests and never answers.
class OneConnectionServer {
 public:
  enum class Mode { answer, silent };

  explicit OneConnectionServer(Mode mode) : listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    auto a = loopback(0);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_.get(), 1) != 0)
      throw std::runtime_error("listen failed");
    socklen_t len = sizeof a;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, mode] { run(mode); });
  }

  ~OneConnectionServer() {
    stop_ = true;
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }
  int requests() const { return requests_; }

 private:
  void run(Mode mode) {
    pollfd p{listener_.get(), POLLIN, 0};
    while (!stop_ && ::poll(&p, 1, 20) == 0) {
    }
    if (stop_) return;
    Fd conn(::accept(listener_.get(), nullptr, nullptr));
    listener_.reset();  // no second connection
    ++accepted_;
    std::string buffer;
    while (!stop_) {
      pollfd c{conn.get(), POLLIN, 0};
      if (::poll(&c, 1, 20) == 0) continue;
      char chunk[4096];
      const auto n = ::recv(conn.get(), chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(n));
      // Requests here are GETs without a body.
      std::size_t end;
      while ((end = buffer.find("\r\n\r\n")) != std::string::npos) {
        buffer.erase(0, end + 4);
        ++requests_;
        if (mode == Mode::silent) continue;
        const std::string body = "{\"n\":" + std::to_string(requests_.load()) + "}";
        const std::string resp =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        ::send(conn.get(), resp.data(), resp.size(), MSG_NOSIGNAL);
      }
    }
  }

  Fd listener_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
};

// ------------------------------------------------------------ HttpServer

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest()
      : server_({{"127.0.0.1", 0}, 2, kMaxBody, 10s},
                [this](const HttpRequest& r) { return handle(r); }) {
    server_.start();
  }

  HttpResponse handle(const HttpRequest& r) {
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(r);
    }
    if (r.path == "/throw") throw std::runtime_error("handler failure");
    HttpResponse resp;
    json::object o{{"method", r.method},
                   {"path", r.path},
                   {"query", r.query},
                   {"body", r.body},
                   {"x_test", std::string(r.header("x-test"))}};
    resp.body = json::serialize(o);
    if (r.path == "/retry") {
      resp.status = 429;
      resp.headers.emplace_back("Retry-After", "7");
    }
    return resp;
  }

  std::size_t handled() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }
  HttpRequest last_seen() {
    std::lock_guard lock(mutex_);
    return seen_.back();
  }

  HostPort address() const { return {"127.0.0.1", server_.port()}; }

  std::mutex mutex_;
  std::vector<HttpRequest> seen_;
  HttpServer server_;
};

// A string member of a JSON object body.
std::string member(const std::string& body, const char* key) {
  return std::string(json::parse(body).at(key).as_string());
}

void expect_error_body(const std::string& body, const std::string& code) {
  const auto v = json::parse(body);
  const auto& e = v.at("error").as_object();
  EXPECT_EQ(e.at("code").as_string(), code) << body;
  EXPECT_TRUE(e.at("message").is_string());
}

TEST_F(HttpServerTest, BindsAnEphemeralPort) {
  EXPECT_NE(server_.port(), 0);
}

TEST_F(HttpServerTest, ClientGetReachesHandler) {
  HttpClient client(address(), 2s);
  const auto r = client.get("/v1/things/42?x=1&y=2");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 200);
  const auto v = json::parse(r.body);
  EXPECT_EQ(v.at("method"), "GET");
  EXPECT_EQ(v.at("path"), "/v1/things/42");
  EXPECT_EQ(v.at("query"), "x=1&y=2");
  EXPECT_EQ(v.at("body"), "");
}

TEST_F(HttpServerTest, ClientPostCarriesBodyAndContentType) {
  HttpClient client(address(), 2s);
  const auto r = client.post("/submit", "application/json", R"({"a":1})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(json::parse(r.body).at("body"), R"({"a":1})");
  const auto seen = last_seen();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.header("content-type"), "application/json");
  EXPECT_EQ(seen.remote, "127.0.0.1");
}

// The peer's address is asked once per connection: every request on a
// keep-alive connection still carries it.
TEST_F(HttpServerTest, EveryRequestOnAKeepAliveConnectionCarriesThePeerAddress) {
  HttpClient client(address(), 2s);
  for (int n = 0; n < 3; ++n) {
    const auto r = client.post("/submit", "application/json", "{}");
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(last_seen().remote, "127.0.0.1") << "request " << n;
  }
}

TEST_F(HttpServerTest, HeaderNamesReachHandlerLowerCased) {
  RawConnection c(server_.port());
  c.send_all("GET /h HTTP/1.1\r\nHost: x\r\nX-Test: Mixed Case Value\r\n\r\n");
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body).at("x_test"), "Mixed Case Value");
}

TEST_F(HttpServerTest, KeepAliveServesThreeRequestsOnOneConnection) {
  RawConnection c(server_.port());
  for (int i = 0; i < 3; ++i) {
    const std::string path = "/n" + std::to_string(i);
    c.send_all("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto r = c.read_response();
    ASSERT_TRUE(r) << "request " << i << " got no answer on the kept-alive connection";
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(member(r->body, "path"), path);
  }
  EXPECT_EQ(handled(), 3u);
  EXPECT_FALSE(c.closed_by_peer_within(100ms));
}

// Between requests a connection gives back its parser and its read buffer, but not what the
// client sent already: requests sent in one go (the second and third read with the first, the
// third's body in a later send) are all answered, in order and whole.
TEST_F(HttpServerTest, RequestsSentInOneGoAreAllAnsweredWhole) {
  RawConnection c(server_.port());
  c.send_all(
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
      "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nthre");
  std::this_thread::sleep_for(50ms);
  c.send_all("e-more");
  const char* paths[] = {"/a", "/b", "/c"};
  const char* bodies[] = {"one", "", "three-more"};
  for (int i = 0; i < 3; ++i) {
    const auto r = c.read_response();
    ASSERT_TRUE(r) << "request " << i << " got no answer";
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(member(r->body, "path"), paths[i]);
    EXPECT_EQ(member(r->body, "body"), bodies[i]);
  }
  EXPECT_EQ(handled(), 3u);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  RawConnection c(server_.port());
  c.send_all("GET /once HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.closed_by_peer_within(2s));
}

TEST_F(HttpServerTest, ClientKeepsServingAcrossThreeRequests) {
  HttpClient client(address(), 2s);
  for (int i = 0; i < 3; ++i) {
    const auto r = client.post("/k", "text/plain", "body " + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(member(r.body, "body"), "body " + std::to_string(i));
  }
  EXPECT_EQ(handled(), 3u);
}

TEST_F(HttpServerTest, BodyAtLimitIsAccepted) {
  HttpClient client(address(), 2s);
  const auto r = client.post("/big", "text/plain", std::string(kMaxBody, 'x'));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("body").as_string().size(), kMaxBody);
}

TEST_F(HttpServerTest, BodyOverLimitIs413WithErrorJson) {
  HttpClient client(address(), 2s);
  const auto r = client.post("/big", "application/json", std::string(kMaxBody + 1, 'x'));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 413);
  expect_error_body(r.body, "body_too_large");
  EXPECT_EQ(handled(), 0u);
}

TEST_F(HttpServerTest, BodyFarOverLimitStillGets413NotAReset) {
  // 1000x the limit: the server answers after the head and must not reset the
  // connection while the client is still sending, or the 413 is lost.
  for (int i = 0; i < 5; ++i) {
    HttpClient client(address(), 5s);
    const auto r = client.post("/huge", "application/json", std::string(1000 * kMaxBody, 'x'));
    ASSERT_TRUE(r.ok()) << "attempt " << i << ": " << r.error;
    EXPECT_EQ(r.status, 413);
    expect_error_body(r.body, "body_too_large");
  }
  EXPECT_EQ(handled(), 0u);
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  // No Content-Length: the limit can only be found while reading the body.
  RawConnection c(server_.port());
  std::string req = "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += "200\r\n" + std::string(0x200, 'y') + "\r\n";  // 1536 bytes
  req += "0\r\n\r\n";
  c.send_all(req);
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->headers.at("content-type"), "application/json");
  expect_error_body(r->body, "body_too_large");
  EXPECT_EQ(handled(), 0u);
  EXPECT_TRUE(c.closed_by_peer_within(2s));
}

TEST_F(HttpServerTest, ContentLengthOverLimitIs413WithoutReadingTheBody) {
  // Only the head is sent: a server that waited for the announced 10 MB would
  // never answer (read_response times out after 5 s).
  RawConnection c(server_.port());
  c.send_all(
      "POST /v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 10000000\r\n\r\n");
  const auto r = c.read_response();
  ASSERT_TRUE(r) << "no answer before the body was sent";
  EXPECT_EQ(r->status, 413);
  expect_error_body(r->body, "body_too_large");
  EXPECT_EQ(handled(), 0u);
  EXPECT_TRUE(c.closed_by_peer_within(2s));
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  RawConnection c(server_.port());
  c.send_all("THIS IS NOT HTTP\r\n\r\n");
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  expect_error_body(r->body, "bad_http_request");
  EXPECT_EQ(handled(), 0u);
  EXPECT_TRUE(c.closed_by_peer_within(2s));
}

TEST_F(HttpServerTest, MalformedHeaderIs400) {
  RawConnection c(server_.port());
  c.send_all("GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n");
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  expect_error_body(r->body, "bad_http_request");
}

TEST_F(HttpServerTest, BadContentLengthIs400) {
  RawConnection c(server_.port());
  c.send_all("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n");
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(HttpServerTest, HandlerExceptionIs500WithoutDetails) {
  HttpClient client(address(), 2s);
  const auto r = client.get("/throw");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 500);
  expect_error_body(r.body, "internal_error");
  EXPECT_EQ(r.body.find("handler failure"), std::string::npos);
  // The connection survives for the next request.
  EXPECT_EQ(client.get("/after").status, 200);
}

TEST_F(HttpServerTest, HandlerHeadersAreSent) {
  RawConnection c(server_.port());
  c.send_all("GET /retry HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->headers.at("retry-after"), "7");
}

TEST_F(HttpServerTest, StopClosesTheListener) {
  const auto port = server_.port();
  server_.stop();
  HttpClient client({"127.0.0.1", port}, 500ms);
  EXPECT_FALSE(client.get("/").ok());
}

// At its bound of open connections the server accepts no more until one closes: the next
// connection waits in the kernel's listen queue, unanswered, and is served once one of the
// others has closed. The pause is counted once; the gauge says how many are open.
TEST(HttpServerBoundTest, AtItsConnectionBoundANewConnectionWaitsUntilOneCloses) {
  Metrics metrics("bound-test");
  HttpServerOptions options{{"127.0.0.1", 0}, 1, 1024, 10s};
  options.max_connections = 2;
  options.metrics = &metrics;
  HttpServer server(options, [](const HttpRequest& r) {
    HttpResponse resp;
    resp.body = "{\"path\":\"" + r.path + "\"}";
    return resp;
  });
  server.start();
  const std::string get = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  std::optional<RawConnection> first(server.port());
  RawConnection second(server.port());
  for (auto* c : {&*first, &second}) {
    c->send_all(get);
    const auto r = c->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  RawConnection third(server.port());  // connected by the kernel, not accepted
  third.send_all(get);
  EXPECT_FALSE(third.readable_within(300ms)) << "a third connection was served at a bound of 2";
  const auto text = metrics.render();
  EXPECT_NE(text.find(R"(piket_http_accept_paused_total{service="bound-test"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(piket_http_connections_open{service="bound-test"} 2)"), std::string::npos)
      << text;

  first.reset();  // one closes: the third is accepted and answered
  const auto r = third.read_response();
  ASSERT_TRUE(r) << "the waiting connection was not served after one closed";
  EXPECT_EQ(r->status, 200);
  // The first's slot freed (or the third would wait still), the third's taken.
  EXPECT_NE(metrics.render().find(R"(piket_http_connections_open{service="bound-test"} 2)"),
            std::string::npos);
}

// One client cannot hold every connection: over max_connections_per_address a new connection
// from its address is closed at once, unanswered, while another address is served; a slot
// freed is taken again.
TEST(HttpServerBoundTest, OverItsBoundPerAddressAConnectionFromThatAddressIsClosed) {
  Metrics metrics("per-address-test");
  HttpServerOptions options{{"127.0.0.1", 0}, 1, 1024, 10s};
  options.max_connections_per_address = 2;
  options.metrics = &metrics;
  HttpServer server(options, [](const HttpRequest&) { return HttpResponse{}; });
  server.start();
  const std::string get = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto served = [&](RawConnection& c) {
    try {
      c.send_all(get);
    } catch (const std::runtime_error&) {
      return false;  // closed by the server already
    }
    const auto r = c.read_response();
    return r && r->status == 200;
  };
  constexpr in_addr_t kOne = 0x7f000001;  // 127.0.0.1
  constexpr in_addr_t kTwo = 0x7f000002;  // 127.0.0.2
  std::optional<RawConnection> first(std::in_place, server.port(), kOne);
  RawConnection second(server.port(), kOne);
  ASSERT_TRUE(served(*first));
  ASSERT_TRUE(served(second));
  {
    RawConnection third(server.port(), kOne);
    EXPECT_TRUE(third.readable_within(2s)) << "the third from one address was left open";
    EXPECT_FALSE(served(third)) << "a third connection from one address was answered";
  }
  RawConnection other(server.port(), kTwo);
  EXPECT_TRUE(served(other)) << "another address was refused";
  const auto text = metrics.render();
  EXPECT_NE(
      text.find(
          R"(piket_http_connections_refused_total{service="per-address-test",reason="per_address"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(piket_http_connections_open{service="per-address-test"} 3)"),
            std::string::npos)
      << text;

  first.reset();  // its slot comes free once the server has seen it close
  bool again = false;
  for (int k = 0; k < 40 && !again; ++k) {
    RawConnection next(server.port(), kOne);
    again = served(next);
    if (!again) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(again) << "a slot freed by a closed connection was not taken again";
}

TEST(HttpServerBoundTest, AClientIsItsIpv4AddressOrItsIpv6Slash64) {
  EXPECT_EQ(client_address_key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(client_address_key("::ffff:192.0.2.7"), "192.0.2.7") << "IPv4 mapped into IPv6";
  EXPECT_NE(client_address_key("192.0.2.7"), client_address_key("192.0.2.8"));
  EXPECT_EQ(client_address_key("2001:db8:1:2::1"), client_address_key("2001:db8:1:2:ffff::9"))
      << "one /64 is one client";
  EXPECT_NE(client_address_key("2001:db8:1:2::1"), client_address_key("2001:db8:1:3::1"));
  EXPECT_EQ(client_address_key("not an address"), "");
}

// Reads from a fresh connection until the server closes it (or 5 s pass).
std::string read_until_closed(std::uint16_t port, const std::string& request) {
  Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  const auto a = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) return {};
  set_receive_timeout(fd.get(), 5s);
  ::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  char chunk[4096];
  for (;;) {
    const auto n = ::recv(fd.get(), chunk, sizeof chunk, 0);
    if (n <= 0) return got;
    got.append(chunk, static_cast<std::size_t>(n));
  }
}

TEST(HttpServerStreamTest, AStreamSendsItsFramesInOrderAndEndsWhenClosed) {
  HttpServer server({{"127.0.0.1", 0}, 2}, StreamingHandler([](const HttpRequest& r) {
                      HttpReply reply;
                      if (r.path != "/stream") {
                        reply.response.body = "{}";
                        reply.response.headers = {{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
                        return reply;
                      }
                      reply.stream = [](std::shared_ptr<StreamChannel> ch) {
                        std::thread([ch] {
                          for (int i = 1; i <= 3; ++i)
                            EXPECT_TRUE(ch->send("data: " + std::to_string(i) + "\n\n"));
                          ch->close();
                          EXPECT_FALSE(ch->send("data: late\n\n"));
                        }).detach();
                      };
                      return reply;
                    }));
  server.start();
  const auto got = read_until_closed(server.port(), "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("text/event-stream"), std::string::npos) << got;
  const auto body = got.substr(got.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "data: 1\n\ndata: 2\n\ndata: 3\n\n");
  // A header given twice is sent twice (two cookies).
  const auto plain =
      read_until_closed(server.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(plain.find("Set-Cookie: a=1"), std::string::npos) << plain;
  EXPECT_NE(plain.find("Set-Cookie: b=2"), std::string::npos) << plain;
  server.stop();
}

TEST(HttpServerGzipTest, LargerTextAnswersAreGzippedForClientsThatTakeIt) {
  const std::string big(5000, 'x');
  HttpServer server({{"127.0.0.1", 0}, 1}, [&](const HttpRequest& r) {
    HttpResponse resp;
    resp.body = r.path == "/small" ? std::string("{}") : big;
    if (r.path == "/png") resp.content_type = "image/png";
    return resp;
  });
  server.start();
  auto get = [&](const std::string& path, const std::string& accept) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
    if (!accept.empty()) req += "Accept-Encoding: " + accept + "\r\n";
    return read_until_closed(server.port(), req + "\r\n");
  };
  const auto gz = get("/big", "gzip, deflate");
  EXPECT_NE(gz.find("Content-Encoding: gzip"), std::string::npos) << gz.substr(0, 300);
  EXPECT_NE(gz.find("Vary: Accept-Encoding"), std::string::npos);
  const auto body = gz.substr(gz.find("\r\n\r\n") + 4);
  EXPECT_LT(body.size(), 200u);
  EXPECT_EQ(static_cast<unsigned char>(body[0]), 0x1f);
  // Without Accept-Encoding, with q=0, for a small answer, or for a binary type: as is.
  for (const auto& [path, accept] : std::vector<std::pair<std::string, std::string>>{
           {"/big", ""}, {"/big", "gzip;q=0"}, {"/small", "gzip"}, {"/png", "gzip"}}) {
    const auto plain = get(path, accept);
    EXPECT_EQ(plain.find("Content-Encoding"), std::string::npos) << path << " " << accept;
    if (path == "/big") {
      EXPECT_NE(plain.find(big), std::string::npos);
    }
  }
  server.stop();
}

TEST(HttpServerStartTest, BusyPortThrowsNamingTheAddress) {
  HttpServer first({{"127.0.0.1", 0}, 1, kMaxBody, 10s},
                   [](const HttpRequest&) { return HttpResponse{}; });
  first.start();
  // reuse_address does not allow two listeners on one port.
  HttpServer second({{"127.0.0.1", first.port()}, 1, kMaxBody, 10s},
                    [](const HttpRequest&) { return HttpResponse{}; });
  try {
    second.start();
    FAIL() << "second listener started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << e.what();
  }
}

// ------------------------------------------------------------ HttpClient

TEST(HttpClientTest, ReusesOneConnectionForThreeRequests) {
  // The server accepts one connection only: a client that reconnected would
  // be refused on its second request.
  OneConnectionServer server(OneConnectionServer::Mode::answer);
  HttpClient client({"127.0.0.1", server.port()}, 2s);
  for (int i = 1; i <= 3; ++i) {
    const auto r = client.get("/ping");
    ASSERT_TRUE(r.ok()) << "request " << i << ": " << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"n\":" + std::to_string(i) + "}");
  }
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpClientTest, ClosedPortIsAnErrorNotAnAnswer) {
  HttpClient client({"127.0.0.1", closed_port()}, 2s);
  const auto r = client.get("/");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  // And again: a failed connect leaves the client usable.
  const auto again = client.post("/", "application/json", "{}");
  EXPECT_FALSE(again.ok());
  EXPECT_FALSE(again.error.empty());
}

TEST(HttpClientTest, TimesOutAgainstAServerThatNeverAnswers) {
  OneConnectionServer server(OneConnectionServer::Mode::silent);
  HttpClient client({"127.0.0.1", server.port()}, 300ms);
  // Measuring a real socket timeout needs real elapsed time.
  const auto started = std::chrono::steady_clock::now();
  const auto r = client.get("/never");
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(server.requests(), 1);  // the request was sent, the answer never came
}

}  // namespace
}  // namespace piket::common
