#pragma once
// A small blocking HTTP/1.1 client with keep-alive and a per-request timeout,
// for calling gateways (Kannel's sendsms) and piket's own APIs (tests,
// piket-plan train). Not thread-safe: one per thread.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::common {

struct HttpResult {
  // 0 when no answer came (refused, reset, timed out); see `error`.
  int status = 0;
  std::string body;
  std::string error;
  // The answer's headers as sent (e.g. Set-Cookie when signing in to the web app).
  std::vector<std::pair<std::string, std::string>> headers;
  bool ok() const { return status != 0; }
};

class HttpClient {
 public:
  HttpClient(HostPort server, std::chrono::milliseconds timeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // A header sent with every request (e.g. Authorization).
  void set_header(std::string name, std::string value);

  HttpResult get(const std::string& target);
  HttpResult post(const std::string& target, const std::string& content_type,
                  const std::string& body);
  HttpResult del(const std::string& target);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::common
