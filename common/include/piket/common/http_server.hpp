#pragma once
// HTTP/1.1 server on Boost.Beast: keep-alive, body limit (413 before the body
// is read when Content-Length says so), read timeouts. The handler runs on one
// of the server's threads and may block briefly (e.g. on Redis).

#include <cstdint>
#include <functional>
#include <memory>

#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"

namespace piket::common {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  HostPort listen;
  int threads = 1;
  std::size_t max_body = 64 * 1024;
  std::chrono::seconds idle_timeout{60};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
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
