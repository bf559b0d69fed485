#pragma once
// HTTP/1.1 server on Boost.Beast: keep-alive, body limit (413 before the body
// is read when Content-Length says so), read timeouts. The handler runs on one
// of the server's threads and may block briefly (e.g. on Redis).
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

#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/stream_channel.hpp"
#include "piket/common/tls_options.hpp"

namespace piket::common {

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
};

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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::common
