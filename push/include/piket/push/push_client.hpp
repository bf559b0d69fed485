#pragma once
// Sends a PushRequest to its push service over HTTP/1.1 (Boost.Beast), with
// TLS for https endpoints: the system's trusted CAs, the host name checked,
// SNI set. One connection per request (push services are many and a page is
// rare); a timeout covers resolve, connect, handshake, write and read.
// Thread-safe: each call is independent.

#include <chrono>
#include <string>

#include "piket/push/push_request.hpp"

namespace piket::push {

struct PushResponse {
  int status = 0;     // 0: no answer (see error)
  std::string error;  // never person data
};

class PushClient {
 public:
  virtual ~PushClient() = default;
  virtual PushResponse post(const PushRequest& request) = 0;
};

class HttpPushClient final : public PushClient {
 public:
  explicit HttpPushClient(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  PushResponse post(const PushRequest& request) override;

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace piket::push
