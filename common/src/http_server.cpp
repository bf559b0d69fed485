#include "piket/common/http_server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <thread>

#include "piket/common/gzip.hpp"

namespace piket::common {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

// A handler's handle on a streaming session; holds it weakly.
class Channel final : public StreamChannel {
 public:
  explicit Channel(std::weak_ptr<Session> s) : session_(std::move(s)) {}
  bool send(std::string frame) override;
  bool open() const override;
  void close() override;

 private:
  std::weak_ptr<Session> session_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServerOptions& options, const StreamingHandler& handler)
      : stream_(std::move(socket)), options_(options), handler_(handler) {}

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::read, shared_from_this()));
  }

  // Called from any thread (a stream's frames).
  bool enqueue(std::string frame) {
    bool accepted = false;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      if (queue_.size() >= options_.max_queued_frames) {
        closed_ = true;  // too far behind: the client reconnects and catches up
      } else {
        queue_.push_back(std::move(frame));
        accepted = true;
      }
    }
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->pump(); });
    return accepted;
  }
  bool closed_flag() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  void request_close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->pump(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return send(
          error_response(413, "body_too_large",
                         "request body is over " + std::to_string(options_.max_body) + " bytes"),
          false, 11);
    }
    if (ec) {
      return send(error_response(400, "bad_http_request", "the HTTP request is malformed"), false,
                  11);
    }
    auto& req = parser_->get();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    const auto q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    r.body = std::move(req.body());
    beast::error_code ep_ec;
    const auto ep = stream_.socket().remote_endpoint(ep_ec);
    if (!ep_ec) r.remote = ep.address().to_string();
    HttpReply reply;
    try {
      reply = handler_(r);
    } catch (const std::exception& e) {
      spdlog::error("http handler failed: {}", e.what());
      reply = {error_response(500, "internal_error", "the server failed to handle the request"),
               nullptr};
    }
    if (reply.stream) return start_stream(std::move(reply), req.version());
    maybe_compress(reply.response, r.header("accept-encoding"));
    send(std::move(reply.response), req.keep_alive(), req.version());
  }

  // Larger text answers go out gzip-compressed to clients that take it.
  static void maybe_compress(HttpResponse& resp, std::string_view accept_encoding) {
    constexpr std::size_t kMinimum = 1400;  // below one packet it is not worth it
    if (resp.body.size() < kMinimum || accept_encoding.empty() ||
        !compressible(resp.content_type) || !accepts_gzip(accept_encoding))
      return;
    for (const auto& [k, v] : resp.headers)
      if (k.size() == 16 && beast::iequals(k, "content-encoding")) return;
    auto packed = gzip(resp.body);
    if (!packed || packed->size() >= resp.body.size()) return;
    resp.body = std::move(*packed);
    resp.headers.emplace_back("Content-Encoding", "gzip");
    resp.headers.emplace_back("Vary", "Accept-Encoding");
  }

  void send(HttpResponse resp, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version);
    res->result(static_cast<http::status>(resp.status));
    res->set(http::field::server, "piket");
    if (!resp.content_type.empty()) res->set(http::field::content_type, resp.content_type);
    // insert, not set: a header may come more than once (Set-Cookie).
    for (auto& [k, v] : resp.headers) res->insert(k, v);
    res->keep_alive(keep_alive);
    res->body() = std::move(resp.body);
    res->prepare_payload();
    stream_.expires_after(options_.idle_timeout);
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec) return self->close();
          if (!keep_alive) return self->linger_close();
          self->read();
        });
  }

  // The event stream: headers, then frames until either side closes. The body
  // ends when the connection does (no length, no chunking), as SSE allows.
  void start_stream(HttpReply reply, unsigned version) {
    head_ = std::make_shared<http::response<http::empty_body>>();
    head_->version(version);
    head_->result(static_cast<http::status>(reply.response.status));
    head_->set(http::field::server, "piket");
    head_->set(http::field::content_type, "text/event-stream; charset=utf-8");
    head_->set(http::field::cache_control, "no-store");
    head_->set(http::field::connection, "close");
    for (auto& [k, v] : reply.response.headers) head_->insert(k, v);
    head_serializer_.emplace(*head_);
    stream_.expires_never();
    streaming_ = true;
    writing_ = true;
    http::async_write_header(stream_, *head_serializer_,
                             [self = shared_from_this(), open = std::move(reply.stream)](
                                 beast::error_code ec, std::size_t) {
                               self->writing_ = false;
                               if (ec) return self->close();
                               self->watch_for_close();
                               open(std::make_shared<Channel>(self));
                               self->pump();
                             });
  }

  // A stream's client sends nothing more; a completed read means it left.
  void watch_for_close() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->watch_for_close();
                            });
  }

  void pump() {
    if (!streaming_ || writing_ || socket_closed_) return;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        if (closed_)
          asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
        return;
      }
      current_ = std::move(queue_.front());
      queue_.pop_front();
    }
    writing_ = true;
    asio::async_write(stream_, asio::buffer(current_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) return self->close();
                        self->pump();
                      });
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      queue_.clear();
    }
    if (socket_closed_) return;
    socket_closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  // After an answer that ends the connection (413, 400, Connection: close) the
  // client may still be sending a body we will not read. Closing a socket with
  // unread data makes the kernel send a reset, which can destroy our answer
  // before the client reads it. So: send FIN, then read and discard what still
  // arrives, bounded in bytes and time, and close on the client's EOF.
  void linger_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    drain_.resize(16 * 1024);
    stream_.expires_after(std::chrono::seconds(5));  // a deadline for the whole drain
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              constexpr std::size_t max_drain = 16 * 1024 * 1024;
                              if (ec || self->drained_ > max_drain) return self->close();
                              self->drain();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::vector<char> drain_;
  std::size_t drained_ = 0;
  const HttpServerOptions& options_;
  const StreamingHandler& handler_;
  // Streaming state (touched on the session's strand only, except the queue).
  std::shared_ptr<http::response<http::empty_body>> head_;
  std::optional<http::response_serializer<http::empty_body>> head_serializer_;
  bool streaming_ = false;
  bool writing_ = false;
  bool socket_closed_ = false;
  std::string current_;
  char discard_[512];
  mutable std::mutex mutex_;
  std::deque<std::string> queue_;
  bool closed_ = false;
};

bool Channel::send(std::string frame) {
  auto s = session_.lock();
  return s && s->enqueue(std::move(frame));
}
bool Channel::open() const {
  auto s = session_.lock();
  return s && !s->closed_flag();
}
void Channel::close() {
  if (auto s = session_.lock()) s->request_close();
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  StreamingHandler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> port{0};

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(s), options, handler)->run();
      accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, StreamingHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : HttpServer(std::move(options),
                 StreamingHandler([h = std::move(handler)](const HttpRequest& r) {
                   return HttpReply{h(r), nullptr};
                 })) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  auto& i = *impl_;
  beast::error_code ec;
  const auto address = asio::ip::make_address(i.options.listen.host, ec);
  if (ec) throw std::runtime_error("http: bad listen address " + i.options.listen.host);
  tcp::endpoint ep{address, i.options.listen.port};
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("http: cannot listen on " + i.options.listen.host + ":" +
                             std::to_string(i.options.listen.port) + ": " + ec.message());
  i.port = i.acceptor.local_endpoint().port();
  i.accept();
  for (int n = 0; n < std::max(1, i.options.threads); ++n)
    i.threads.emplace_back([&i] { i.ioc.run(); });
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
}

std::uint16_t HttpServer::port() const {
  return impl_->port;
}

}  // namespace piket::common
