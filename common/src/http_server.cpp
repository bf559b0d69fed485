#include "piket/common/http_server.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "piket/common/clock.hpp"
#include "piket/common/gzip.hpp"
#include "piket/common/log_throttle.hpp"
#include "piket/common/metrics.hpp"

namespace piket::common {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// ------------------------------------------------------------------ TLS

// Mozilla's "intermediate" TLS 1.2 suites (forward secrecy, AEAD only); TLS
// 1.3 keeps OpenSSL's defaults, which are all modern.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string hex(const unsigned char* p, unsigned n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

// SHA-256 of the certificate's DER encoding, lower-case hex; empty for none.
std::string fingerprint(const X509* cert) {
  if (!cert) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
  return hex(md, n);
}

// The server's TLS context, made from the files and made again when they
// change: a new connection takes the current one (a session keeps its own
// alive), so a renewed certificate is served without a restart and the
// connections already open are not disturbed. A file that changed but does
// not load (a certificate copied before its key) keeps the previous context
// until the next change.
class TlsContexts {
 public:
  // Loads the files; throws std::runtime_error naming the file at fault.
  explicit TlsContexts(TlsOptions options) : options_(std::move(options)) {
    loaded_ = stamp();
    context_ = load();
    spdlog::info("tls: serving the certificate {} (sha256 {})", options_.cert_chain.string(),
                 fingerprint(SSL_CTX_get0_certificate(context_->native_handle())));
  }

  // Called by the acceptor only (one accept at a time), but cheap to guard.
  std::shared_ptr<ssl::context> current() {
    std::lock_guard lock(mutex_);
    if (options_.clock && options_.reload_check.count() > 0) {
      const auto now = options_.clock->now();
      if (now < next_check_) return context_;
      next_check_ = now + options_.reload_check;
    }
    const auto seen = stamp();
    if (seen == loaded_ || seen == failed_) return context_;
    try {
      context_ = load();
      loaded_ = seen;
      spdlog::info("tls: the files changed; now serving the certificate {} (sha256 {})",
                   options_.cert_chain.string(),
                   fingerprint(SSL_CTX_get0_certificate(context_->native_handle())));
    } catch (const std::exception& e) {
      failed_ = seen;
      spdlog::warn("tls: the files changed but do not load; keeping the previous certificate: {}",
                   e.what());
    }
    return context_;
  }

 private:
  // What tells that a file changed: its inode (a file renamed into place),
  // size and modification time in nanoseconds.
  struct FileStamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    long long mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  using Stamp = std::array<FileStamp, 3>;

  static FileStamp stamp(const std::filesystem::path& p) {
    FileStamp s;
    struct stat st {};
    if (p.empty() || ::stat(p.c_str(), &st) != 0) return s;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    s.size = st.st_size;
    s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    return s;
  }
  Stamp stamp() const {
    return {stamp(options_.cert_chain), stamp(options_.private_key), stamp(options_.client_ca)};
  }

  std::shared_ptr<ssl::context> load() const {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* h = ctx->native_handle();
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use | ssl::context::no_compression);
    SSL_CTX_set_options(h, SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_min_proto_version(h, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(h, kTls12Ciphers) != 1)
      throw std::runtime_error("tls: OpenSSL refuses the TLS 1.2 minimum or the cipher list");
    beast::error_code ec;
    ctx->use_certificate_chain_file(options_.cert_chain.string(), ec);
    if (ec)
      throw std::runtime_error("tls: cannot use the certificate chain " +
                               options_.cert_chain.string() + ": " + ec.message());
    ctx->use_private_key_file(options_.private_key.string(), ssl::context::pem, ec);
    if (ec)
      throw std::runtime_error("tls: cannot use the private key " + options_.private_key.string() +
                               " with the certificate " + options_.cert_chain.string() + ": " +
                               ec.message());
    if (SSL_CTX_check_private_key(h) != 1)
      throw std::runtime_error("tls: the private key " + options_.private_key.string() +
                               " does not belong to the certificate " +
                               options_.cert_chain.string());
    if (!options_.client_ca.empty()) {
      ctx->load_verify_file(options_.client_ca.string(), ec);
      if (ec)
        throw std::runtime_error("tls: cannot use the client CA " + options_.client_ca.string() +
                                 ": " + ec.message());
      // The CA names go into the certificate request, so a client with several
      // certificates picks the right one.
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options_.client_ca.c_str()))
        SSL_CTX_set_client_CA_list(h, names);
      ctx->set_verify_mode(
          ssl::verify_peer |
          (options_.require_client_cert ? ssl::verify_fail_if_no_peer_cert : ssl::verify_mode{0}));
      SSL_CTX_set_verify_depth(h, 4);
      // Session resumption with client certificates needs a context id.
      static constexpr unsigned char kId[] = "piket";
      SSL_CTX_set_session_id_context(h, kId, sizeof kId - 1);
    }
    return ctx;
  }

  const TlsOptions options_;
  std::mutex mutex_;
  std::shared_ptr<ssl::context> context_;
  Stamp loaded_{};
  Stamp failed_{};
  Instant next_check_{};  // the first connection looks
};

// ---------------------------------------------------------------- lanes

// Where a session hands a request it has read: the ops thread or the request threads
// (http_server.hpp), and the counts of the requests answered busy instead.
struct Lanes {
  static constexpr int kMaxOpsWaiting = 16;

  const StreamingHandler& handler;
  asio::io_context& ops;
  std::atomic<int> ops_waiting{0};
  RequestQueue* queue = nullptr;  // set by start()
  prometheus::Counter* shed_queue_full = nullptr;
  prometheus::Counter* shed_queue_wait = nullptr;
  prometheus::Counter* shed_ops_full = nullptr;

  static void count(prometheus::Counter* c) {
    if (c) c->Increment();
  }
};

// The connections open: each session holds one slot from its start to its end. Shared, so that
// a session ended by the I/O context's destruction (after the server's other parts) still finds
// its count.
// Per client address (address_key) too, when the server bounds that: the map holds only
// addresses with a connection open, so it is no larger than the connections.
struct OpenConnections {
  std::atomic<std::size_t> count{0};
  prometheus::Gauge* gauge = nullptr;  // set by start() when the server has metrics
  std::mutex mutex;
  std::unordered_map<std::string, std::size_t> by_address;

  // Takes a slot for `address` unless it holds `bound` already (0: no bound, nothing kept).
  bool take(const std::string& address, std::size_t bound) {
    if (bound == 0) return true;
    std::lock_guard lock(mutex);
    auto& n = by_address[address];
    if (n >= bound) return false;
    ++n;
    return true;
  }
  void give_back(const std::string& address) {
    std::lock_guard lock(mutex);
    const auto it = by_address.find(address);
    if (it != by_address.end() && --it->second == 0) by_address.erase(it);
  }
};

// What one client is: its IPv4 address (also when mapped into IPv6), or its IPv6 /64.
std::string address_key(const asio::ip::address& a) {
  if (a.is_v4()) return a.to_string();
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  const auto bytes = v6.to_bytes();
  return std::string(reinterpret_cast<const char*>(bytes.data()), 8);
}

// One connection counted open from the session's start to its end; `address` (not empty)
// holds one of that address's slots, taken by the acceptor.
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<OpenConnections> open, std::string address)
      : open_(std::move(open)), address_(std::move(address)) {
    open_->count.fetch_add(1);
    if (open_->gauge) open_->gauge->Increment();
  }
  ~ConnectionSlot() {
    if (!address_.empty()) open_->give_back(address_);
    open_->count.fetch_sub(1);
    if (open_->gauge) open_->gauge->Decrement();
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::shared_ptr<OpenConnections> open_;
  std::string address_;
};

HttpResponse overloaded() {
  auto r = error_response(503, "overloaded",
                          "too many requests are waiting; nothing was done; retry after the "
                          "seconds Retry-After gives");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// ------------------------------------------------------------- sessions

template <class Stream>
class Session;

// A handler's handle on a streaming session; holds it weakly.
template <class Stream>
class Channel final : public StreamChannel {
 public:
  explicit Channel(std::weak_ptr<Session<Stream>> s) : session_(std::move(s)) {}
  bool send(std::string frame) override {
    auto s = session_.lock();
    return s && s->enqueue(std::move(frame));
  }
  bool open() const override {
    auto s = session_.lock();
    return s && !s->closed_flag();
  }
  void close() override {
    if (auto s = session_.lock()) s->request_close();
  }

 private:
  std::weak_ptr<Session<Stream>> session_;
};

// One connection: plain TCP (PlainStream) or TLS over it (TlsStream). The
// HTTP exchange is the same; TLS adds the handshake first and a different
// way to end the connection after a last answer.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  Session(tcp::socket socket, const HttpServerOptions& options, Lanes& lanes,
          std::shared_ptr<OpenConnections> open, std::string address) requires(!kTls)
      : slot_(std::move(open), std::move(address)),
        stream_(std::move(socket)),
        options_(options),
        lanes_(lanes) {}
  Session(tcp::socket socket, std::shared_ptr<ssl::context> tls, const HttpServerOptions& options,
          Lanes& lanes, std::shared_ptr<OpenConnections> open, std::string address) requires kTls
      : slot_(std::move(open), std::move(address)),
        tls_(std::move(tls)),
        stream_(std::move(socket), *tls_),
        options_(options),
        lanes_(lanes) {}

  void run() {
    if constexpr (kTls) {
      asio::dispatch(stream_.get_executor(),
                     beast::bind_front_handler(&Session::handshake, shared_from_this()));
    } else {
      asio::dispatch(stream_.get_executor(),
                     beast::bind_front_handler(&Session::read, shared_from_this()));
    }
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
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // TLS only: a client that does not complete the handshake in time (or at
  // all: plain HTTP, an old protocol, a missing or foreign client
  // certificate) is closed without an answer.
  void handshake() {
    lowest().expires_after(options_.tls.handshake_timeout);
    stream_.async_handshake(
        ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
          if (ec) {
            spdlog::debug("tls: handshake with {} failed: {}", self->peer_address(), ec.message());
            return self->close();
          }
          self->peer_cert_sha256_ =
              fingerprint(SSL_get0_peer_certificate(self->stream_.native_handle()));
          self->read();
        });
  }

  std::string peer_address() {
    beast::error_code ec;
    const auto ep = lowest().socket().remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body);
    parser_->header_limit(16 * 1024);
    lowest().expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if constexpr (kTls) {
      // The client went without a close_notify, or TLS itself failed: no
      // answer can reach it.
      if (ec == ssl::error::stream_truncated || ec.category() == asio::error::get_ssl_category())
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
    // A connection waiting for its answer, then for its next request, keeps none of this one:
    // the parser's header fields and, unless the client sent more already, the read buffer
    // (bench/http_conn_bench.cpp: 4.8 KB a kept-open connection held before, under a surge
    // hundreds of them).
    const auto version = req.version();
    const auto keep_alive = req.keep_alive();
    parser_.reset();
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    // The peer of a connection does not change: asked of the kernel once, not per request.
    if (!remote_known_) {
      remote_ = peer_address();
      remote_known_ = true;
    }
    r.remote = remote_;
    r.peer_cert_sha256 = peer_cert_sha256_;
    hand_over(std::move(r), version, keep_alive);
  }

  // To the ops thread or the request threads; answered busy at once over their bounds.
  void hand_over(HttpRequest r, unsigned version, bool keep_alive) {
    auto& l = lanes_;
    if (is_ops_request(r)) {
      if (l.ops_waiting.fetch_add(1) >= Lanes::kMaxOpsWaiting) {
        l.ops_waiting.fetch_sub(1);
        return shed(l.shed_ops_full, version, keep_alive);
      }
      asio::post(l.ops, [self = shared_from_this(), r = std::move(r), version, keep_alive] {
        self->lanes_.ops_waiting.fetch_sub(1);
        self->respond(r, version, keep_alive);
      });
      return;
    }
    const auto admitted = l.queue->push(
        [self = shared_from_this(), r = std::move(r), version, keep_alive](bool late) {
          if (late) return self->shed(self->lanes_.shed_queue_wait, version, keep_alive);
          self->respond(r, version, keep_alive);
        });
    if (admitted == RequestQueue::Admit::full) shed(l.shed_queue_full, version, keep_alive);
    if (admitted == RequestQueue::Admit::stale) shed(l.shed_queue_wait, version, keep_alive);
  }

  // On the ops thread or a request thread: the handler's answer.
  void respond(const HttpRequest& r, unsigned version, bool keep_alive) {
    HttpReply reply;
    try {
      reply = lanes_.handler(r);
    } catch (const std::exception& e) {
      spdlog::error("http handler failed: {}", e.what());
      reply = {error_response(500, "internal_error", "the server failed to handle the request"),
               nullptr};
    }
    if (!reply.stream) maybe_compress(reply.response, r.header("accept-encoding"));
    reply_on_strand(std::move(reply), version, keep_alive);
  }

  void shed(prometheus::Counter* counter, unsigned version, bool keep_alive) {
    Lanes::count(counter);
    reply_on_strand({overloaded(), nullptr}, version, keep_alive);
  }

  // From any thread: the answer goes out on the session's strand.
  void reply_on_strand(HttpReply reply, unsigned version, bool keep_alive) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), reply = std::move(reply),
                                        version, keep_alive]() mutable {
      if (reply.stream) return self->start_stream(std::move(reply), version);
      self->send(std::move(reply.response), keep_alive, version);
    });
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
    lowest().expires_after(options_.idle_timeout);
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
    lowest().expires_never();
    streaming_ = true;
    writing_ = true;
    http::async_write_header(stream_, *head_serializer_,
                             [self = shared_from_this(), open = std::move(reply.stream)](
                                 beast::error_code ec, std::size_t) {
                               self->writing_ = false;
                               if (ec) return self->close();
                               self->watch_for_close();
                               open(std::make_shared<Channel<Stream>>(self));
                               self->pump();
                             });
  }

  // A stream's client sends nothing more; a completed read means it left.
  void watch_for_close() {
    if (drain_.empty()) drain_.resize(512);  // a stream's session never lingers (below)
    stream_.async_read_some(asio::buffer(drain_),
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
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  // After an answer that ends the connection (413, 400, Connection: close) the
  // client may still be sending a body we will not read. Closing a socket with
  // unread data makes the kernel send a reset, which can destroy our answer
  // before the client reads it. So: send FIN, then read and discard what still
  // arrives, bounded in bytes and time, and close on the client's EOF.
  // Over TLS a TCP half-close would cut the TLS stream under the client, so
  // there the draining alone (through TLS) waits for the client to close after
  // reading the answer, which says Connection: close.
  void linger_close() {
    if constexpr (!kTls) {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close();
    }
    drain_.resize(16 * 1024);
    lowest().expires_after(std::chrono::seconds(5));  // a deadline for the whole drain
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

  ConnectionSlot slot_;                // counted open until the session ends
  std::shared_ptr<ssl::context> tls_;  // TLS: the context this connection began with
  Stream stream_;
  std::string peer_cert_sha256_;  // TLS with a client certificate
  std::string remote_;            // the peer's address, once known
  bool remote_known_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::vector<char> drain_;  // read and thrown away: a lingering close's, or a stream's client
  std::size_t drained_ = 0;
  const HttpServerOptions& options_;
  Lanes& lanes_;
  // Streaming state (touched on the session's strand only, except the queue).
  std::shared_ptr<http::response<http::empty_body>> head_;
  std::optional<http::response_serializer<http::empty_body>> head_serializer_;
  bool streaming_ = false;
  bool writing_ = false;
  bool socket_closed_ = false;
  std::string current_;
  mutable std::mutex mutex_;
  std::list<std::string> queue_;  // a list: an empty deque already holds 576 bytes
  bool closed_ = false;
};

}  // namespace

std::string client_address_key(std::string_view address) {
  beast::error_code ec;
  const auto a = asio::ip::make_address(std::string(address), ec);
  return ec ? std::string() : address_key(a);
}

bool is_ops_request(const HttpRequest& r) {
  return r.method == "GET" && (r.path == "/healthz" || r.path == "/readyz" || r.path == "/metrics");
}

// Declared in the order they must go: what holds sessions (the queue's jobs, the ops thread's
// work) before the I/O context their sockets belong to.
struct HttpServer::Impl {
  HttpServerOptions options;
  StreamingHandler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;  // the I/O thread and the ops thread
  std::atomic<std::uint16_t> port{0};
  std::unique_ptr<TlsContexts> tls;  // set: HTTPS only
  asio::io_context ops;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> ops_work;
  Lanes lanes{handler, ops};
  std::unique_ptr<RequestQueue> queue;
  std::shared_ptr<OpenConnections> open = std::make_shared<OpenConnections>();
  asio::steady_timer pause{ioc};  // accepting waits: at max_connections, or after an error
  bool paused = false;            // at max_connections (the I/O thread's)
  prometheus::Counter* paused_total = nullptr;
  prometheus::Counter* refused_per_address = nullptr;
  SystemClock log_clock;
  LogThrottle refusal_log{log_clock, std::chrono::seconds(60)};

  // On the I/O thread. At the bound it looks again every 10 ms (no session needs to know the
  // acceptor to wake it); a connection closing frees its slot at once.
  void accept() {
    if (open->count.load() >= std::max<std::size_t>(1, options.max_connections)) {
      if (!paused) {
        paused = true;
        Lanes::count(paused_total);
        spdlog::warn("http: {} connections open, the most allowed: not accepting until one closes",
                     open->count.load());
      }
      return wait_then_accept(std::chrono::milliseconds(10));
    }
    paused = false;
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // EMFILE and the like: retrying at once would spin the I/O thread until a descriptor
        // frees.
        spdlog::warn("http: accepting failed: {}; again in 100 ms", ec.message());
        return wait_then_accept(std::chrono::milliseconds(100));
      }
      std::string address;
      if (options.max_connections_per_address > 0) {
        const auto remote = s.remote_endpoint(ec);
        if (ec) return accept();  // gone already
        address = address_key(remote.address());
        if (!open->take(address, options.max_connections_per_address)) {
          s.close(ec);
          Lanes::count(refused_per_address);
          long suppressed = 0;
          if (refusal_log.allow(suppressed))
            spdlog::warn(
                "http: closed a connection from a client that has {} open, the most allowed "
                "from one address ({} more not logged)",
                options.max_connections_per_address, suppressed);
          return accept();
        }
      }
      if (tls)
        std::make_shared<Session<TlsStream>>(std::move(s), tls->current(), options, lanes, open,
                                             std::move(address))
            ->run();
      else
        std::make_shared<Session<PlainStream>>(std::move(s), options, lanes, open,
                                               std::move(address))
            ->run();
      accept();
    });
  }
  void wait_then_accept(std::chrono::milliseconds wait) {
    pause.expires_after(wait);
    pause.async_wait([this](beast::error_code ec) {
      if (!ec) accept();
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
  if (i.options.tls.enabled() && !i.tls) i.tls = std::make_unique<TlsContexts>(i.options.tls);
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
  if (auto* m = i.options.metrics) {
    const std::string name = "piket_http_requests_shed_total";
    const std::string help = "Requests answered 503 overloaded, not handled (load shedding)";
    i.lanes.shed_queue_full = &m->counter(name, help, {{"reason", "queue_full"}});
    i.lanes.shed_queue_wait = &m->counter(name, help, {{"reason", "queue_wait"}});
    i.lanes.shed_ops_full = &m->counter(name, help, {{"reason", "ops_full"}});
    i.open->gauge = &m->gauge("piket_http_connections_open", "HTTP connections open", {});
    i.paused_total =
        &m->counter("piket_http_accept_paused_total",
                    "Times the HTTP server stopped accepting at its bound of open connections", {});
    i.refused_per_address = &m->counter(
        "piket_http_connections_refused_total",
        "Connections closed at once, unanswered: their address had the most allowed open",
        {{"reason", "per_address"}});
  }
  i.queue = std::make_unique<RequestQueue>(i.options.queue, i.options.threads);
  i.lanes.queue = i.queue.get();
  i.ops_work.emplace(i.ops.get_executor());
  i.accept();
  i.threads.emplace_back([&i] { i.ioc.run(); });
  i.threads.emplace_back([&i] { i.ops.run(); });
}

void HttpServer::stop() {
  if (!impl_) return;
  auto& i = *impl_;
  i.ioc.stop();
  if (i.queue) i.queue->stop();  // a handler still running finishes first
  i.ops_work.reset();
  i.ops.stop();
  for (auto& t : i.threads)
    if (t.joinable()) t.join();
  i.threads.clear();
}

std::uint16_t HttpServer::port() const {
  return impl_->port;
}

RequestQueue::Load HttpServer::load() const {
  return impl_->queue ? impl_->queue->load() : RequestQueue::Load{};
}

}  // namespace piket::common
