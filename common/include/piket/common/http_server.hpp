#pragma once
// HTTP/1.1 server on Boost.Beast: keep-alive, body limit (413 before the body
// is read when Content-Length says so), read timeouts.
//
// Threads (issue 13): one I/O thread accepts, reads and writes every connection; the handler
// runs on one of `threads` request threads (common/request_queue.hpp) and may block (on Redis,
// on a replica's WAIT). GET /healthz, /readyz and /metrics (is_ops_request) go instead to one
// ops thread of their own, so they are answered promptly whatever the request threads are
// doing — a service whose request threads are all blocked is alive, not dead. The handler is
// the same for both: it must be thread-safe. At most 16 ops requests wait; more are answered
// busy.
//
// Load shedding: a request read while `queue.max_waiting` requests wait for a request thread,
// or while the oldest of them waited longer than `queue.max_wait`, or that waited longer than
// that itself before a thread took it, is answered at once with 503
// {"error":{"code":"overloaded",…}} and `Retry-After: 1`, its handler not called: nothing
// changed, and the client may retry (elsewhere) at once rather than time out.
//
// A handler may also answer with a stream (server-sent events): the status
// and headers go out, then frames given to a StreamChannel until either side
// closes; a client that falls `max_queued_frames` behind is closed.
//
// With `tls` set the server speaks only HTTPS (TLS 1.2 or 1.3, modern ciphers):
// a client that does not complete the handshake (plain HTTP, TLS 1.0/1.1, no
// client certificate where one is required) is closed without an answer.
// Without it, plain HTTP as before.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/request_queue.hpp"
#include "piket/common/stream_channel.hpp"
#include "piket/common/tls_options.hpp"

namespace piket::common {

class Metrics;

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpReply {
  HttpResponse response;
  // Set: answer with the response's status and headers as an event stream
  // (Content-Type text/event-stream) and hand the channel to this function.
  std::function<void(std::shared_ptr<StreamChannel>)> stream;
};
using StreamingHandler = std::function<HttpReply(const HttpRequest&)>;

struct HttpServerOptions {
  HostPort listen;
  int threads = 1;
  std::size_t max_body = 64 * 1024;
  std::chrono::seconds idle_timeout{60};
  std::size_t max_queued_frames = 256;  // streams only
  TlsOptions tls{};                     // not enabled(): plain HTTP
  RequestQueueLimits queue{};           // load shedding (above)
  // Connections open at once (at least 1). At the bound the server stops accepting until one
  // closes: the kernel's listen queue holds the next ones (a partner's surge waits rather than
  // fails), and what strangers can make the server hold stays bounded — each connection at most
  // one request (max_body and 16 KiB of headers) or one TLS handshake. An error accepting (no
  // file descriptors left) pauses accepting for 100 ms instead of retrying at once.
  std::size_t max_connections = 1024;
  // Connections open at once from one client address (an IPv4 address; an IPv6 /64, what one
  // host is given); 0: no such bound. Over it a new connection is closed at once, unanswered:
  // one stranger cannot take every connection from the partners (max_connections stops
  // accepting for everyone). Counted, piket_http_connections_refused_total{reason=
  // "per_address"}; the log names no address.
  std::size_t max_connections_per_address = 0;
  // Set: requests answered busy are counted, piket_http_requests_shed_total{reason="queue_full"
  // | "queue_wait" | "ops_full"}; the connections open, piket_http_connections_open, and the
  // times accepting paused at max_connections, piket_http_accept_paused_total. Outlives the
  // server.
  Metrics* metrics = nullptr;
};

// GET /healthz, /readyz or /metrics: answered on the ops thread (above).
bool is_ops_request(const HttpRequest& request);

// The client an address counts for in max_connections_per_address: an IPv4 address as it is
// (also when mapped into IPv6), an IPv6 address by its /64. Empty for what is not an address.
std::string client_address_key(std::string_view address);

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  HttpServer(HttpServerOptions options, StreamingHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Reads the TLS files (if any), binds and starts the threads; throws
  // std::runtime_error naming the file or the address if it cannot.
  void start();
  void stop();
  // The bound port (useful when listening on port 0).
  std::uint16_t port() const;
  // Requests on a request thread and waiting for one (empty before start()).
  RequestQueue::Load load() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::common
