#pragma once
// Plain request/response values: handlers are free functions of these, with
// no socket in sight (see the Beast examples' handle_request).

#include <string>
#include <utility>
#include <vector>

namespace piket::common {

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query as sent
  std::string path;    // decoded path without the query
  std::string query;   // raw query string without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote;  // peer address

  // First header with this lower-case name, or empty.
  std::string_view header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error":{"code":…,"message":…[,"field":…]}} — the one error shape of piket.
HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            std::string_view field = {});

}  // namespace piket::common
