#include "poster.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <memory>
#include <stdexcept>
#include <thread>

namespace piket::bench {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Shard {
 public:
  Shard(const PosterOptions& o, const BodyOf& body_of, const KeyOf& key_of,
        std::vector<Sample>& samples, std::size_t first, std::size_t stride, int connections,
        int max_connections, int port_offset)
      : o_(o),
        body_of_(body_of),
        key_of_(key_of),
        samples_(samples),
        next_(first),
        stride_(stride),
        timer_(ioc_) {
    port_offset_ = port_offset;
    for (int i = 0; i < connections; ++i)
      if (!open_connection())
        throw std::runtime_error("cannot connect to " + o.host + ":" +
                                 std::to_string(conns_.back()->endpoint.port()) + ": " +
                                 error_.message());
    max_connections_ = static_cast<std::size_t>(std::max(connections, max_connections));
  }

  std::size_t connections() const { return conns_.size(); }

  void run(Steady::time_point t0) {
    t0_ = t0;
    arm();
    ioc_.run();
  }

 private:
  struct Conn {
    Conn(asio::io_context& ioc, tcp::endpoint ep) : stream(ioc), endpoint(std::move(ep)) {}
    beast::tcp_stream stream;
    tcp::endpoint endpoint;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    std::string request;
    std::size_t k = 0;
  };

  Steady::time_point due(std::size_t k) const {
    return t0_ + std::chrono::duration_cast<Steady::duration>(
                     std::chrono::duration<double>(static_cast<double>(k) / o_.rate));
  }

  void arm() {
    if (next_ >= o_.total) return;
    timer_.expires_at(due(next_));
    timer_.async_wait([this](beast::error_code ec) {
      if (!ec) on_timer();
    });
  }

  void on_timer() {
    const auto now = Steady::now();
    for (; next_ < o_.total && due(next_) <= now; next_ += stride_) {
      samples_[next_].due = due(next_);
      ready_.push_back(next_);
    }
    send_ready();
    // Whatever is still queued found every connection busy at its due time.
    for (auto k : ready_) samples_[k].waited = true;
    arm();
  }

  // Opens one more keep-alive connection (to the next port in turn) and makes it idle; false
  // (and error_) when it cannot be opened. The connect blocks: on loopback it takes microseconds.
  bool open_connection() {
    const auto port =
        o_.ports[(static_cast<std::size_t>(port_offset_) + conns_.size()) % o_.ports.size()];
    auto c = std::make_unique<Conn>(ioc_, tcp::endpoint(asio::ip::make_address(o_.host), port));
    c->stream.socket().connect(c->endpoint, error_);
    if (!error_) c->stream.socket().set_option(tcp::no_delay(true), error_);
    conns_.push_back(std::move(c));
    if (error_) return false;
    idle_.push_back(conns_.back().get());
    return true;
  }

  void send_ready() {
    // Every connection busy: open another rather than let the schedule slip, up to the maximum.
    while (!ready_.empty() && idle_.empty() && conns_.size() < max_connections_ &&
           open_connection()) {
    }
    while (!ready_.empty() && !idle_.empty()) {
      const auto k = ready_.front();
      ready_.pop_front();
      Conn* c = idle_.back();
      idle_.pop_back();
      send(c, k);
    }
  }

  std::string request_text(std::size_t k) const {
    const auto body = body_of_(k);
    std::string r;
    r.reserve(256 + body.size());
    r += "POST " + o_.target + " HTTP/1.1\r\nHost: " + o_.host + "\r\nUser-Agent: piket-bench\r\n";
    for (const auto& [name, value] : o_.headers) r += name + ": " + value + "\r\n";
    r += "Content-Type: " + o_.content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n";
    r += body;
    return r;
  }

  void send(Conn* c, std::size_t k) {
    c->k = k;
    c->request = request_text(k);
    if (!c->stream.socket().is_open()) {
      // The server closed the keep-alive connection, or an error did: open it again.
      beast::error_code ec;
      c->buffer.clear();
      c->stream.socket().connect(c->endpoint, ec);
      if (!ec) c->stream.socket().set_option(tcp::no_delay(true), ec);
      if (ec) {
        // Later, not from here: a server that refuses every connection would otherwise recurse
        // through the whole queue.
        finish(c, 0, {}, false);
        asio::post(ioc_, [this] { send_ready(); });
        return;
      }
    }
    samples_[k].sent = Steady::now();
    c->stream.expires_after(o_.timeout);
    asio::async_write(
        c->stream, asio::buffer(c->request), [this, c](beast::error_code ec, std::size_t) {
          if (ec) return fail(c);
          c->res = {};
          http::async_read(c->stream, c->buffer, c->res,
                           [this, c](beast::error_code e, std::size_t) {
                             if (e) return fail(c);
                             if (!c->res.keep_alive()) close(c);
                             finish(c, static_cast<int>(c->res.result_int()), c->res.body());
                           });
        });
  }

  void close(Conn* c) {
    beast::error_code ec;
    c->stream.socket().close(ec);
    c->buffer.clear();
  }

  void fail(Conn* c) {
    close(c);
    finish(c, 0, {});
  }

  void finish(Conn* c, int status, std::string_view body, bool resume = true) {
    auto& s = samples_[c->k];
    s.answered = Steady::now();
    if (s.sent == Steady::time_point{}) s.sent = s.answered;
    s.status = status;
    s.key = key_of_(c->k, status, body);
    idle_.push_back(c);
    if (resume) send_ready();
  }

  const PosterOptions& o_;
  const BodyOf& body_of_;
  const KeyOf& key_of_;
  std::vector<Sample>& samples_;
  std::size_t next_, stride_;
  asio::io_context ioc_;
  asio::steady_timer timer_;
  Steady::time_point t0_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> idle_;
  std::size_t max_connections_ = 0;
  int port_offset_ = 0;
  beast::error_code error_;
  std::deque<std::size_t> ready_;
};

}  // namespace

PostRun post_open_loop(const PosterOptions& options, const BodyOf& body_of, const KeyOf& key_of) {
  if (options.ports.empty() || options.rate <= 0 || options.threads < 1 ||
      options.connections < options.threads)
    throw std::invalid_argument("post_open_loop: ports, rate > 0, connections >= threads >= 1");
  PostRun run;
  run.samples.resize(options.total);
  std::vector<std::unique_ptr<Shard>> shards;
  const int threads = options.threads;
  auto share = [threads](int n, int s) { return n / threads + (s < n % threads ? 1 : 0); };
  for (int s = 0, offset = 0; s < threads; offset += share(options.connections, s), ++s)
    shards.push_back(std::make_unique<Shard>(
        options, body_of, key_of, run.samples, static_cast<std::size_t>(s),
        static_cast<std::size_t>(threads), share(options.connections, s),
        share(std::max(options.connections, options.max_connections), s), offset));
  const auto t0 = Steady::now() + options.lead;
  std::vector<std::thread> workers;
  for (auto& shard : shards) workers.emplace_back([&shard, t0] { shard->run(t0); });
  for (auto& w : workers) w.join();
  for (const auto& shard : shards) run.connections += shard->connections();
  return run;
}

}  // namespace piket::bench
