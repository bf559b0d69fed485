#pragma once
// HTTP/1.1 server on Boost.Beast: keep-alive, body limit (413 before the body
// is read when Content-Length says so), read timeouts. The handler runs on one
// of the server's threads and may block briefly (e.g. on Redis).
//
// A handler may also answer with a stream (server-sent events): the status
// and headers go out, then frames given to a StreamChannel until either side
// closes; a client that falls `max_queued_frames` behind is closed.

#include <cstdint>
#include <functional>
#include <memory>

#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/stream_channel.hpp"

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
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  HttpServer(HttpServerOptions options, StreamingHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the threads; throws std::runtime_error naming the address
  // if it cannot listen.
  void start();
  void stop();
  // The bound port (useful when listening on port 0).
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::common
