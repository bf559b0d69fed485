#pragma once
// The web service's HTTP/1.1 server (Boost.Beast): like common::HttpServer, a
// plain handler of request values, plus one more kind of answer — a
// server-sent-events stream that stays open and receives frames through an
// EventChannel.

#include <functional>
#include <memory>

#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/web/event_channel.hpp"

namespace piket::web {

struct WebReply {
  common::HttpResponse response;
  // Set: answer with the response's status and headers as an event stream
  // (Content-Type text/event-stream) and hand the channel to this function.
  std::function<void(std::shared_ptr<EventChannel>)> stream;
};

using WebHandler = std::function<WebReply(const common::HttpRequest&)>;

struct WebServerOptions {
  common::HostPort listen;
  int threads = 2;
  std::size_t max_body = 64 * 1024;
  std::chrono::seconds idle_timeout{60};
  std::size_t max_queued_frames = 256;  // a slower stream is closed
};

class WebServer {
 public:
  WebServer(WebServerOptions options, WebHandler handler);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Binds and starts the threads; throws std::runtime_error naming the address.
  void start();
  void stop();
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::web
