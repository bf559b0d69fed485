#pragma once
// A minimal blocking HTTP/1.0 GET against 127.0.0.1, for readiness probes and tests
// (Kannel's admin status page, sendsms). Not a general HTTP client: no redirects, no chunked
// transfer decoding (HTTP/1.0 servers do not send it), reads the body until the server closes.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace piket::launch {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:port<target> (target starts with '/'). The whole exchange is bounded by
// `timeout` (steady clock). Throws std::runtime_error on connection failure, timeout or a
// response without an HTTP status line.
HttpResponse http_get(std::uint16_t port, std::string_view target,
                      std::chrono::milliseconds timeout);

}  // namespace piket::launch
