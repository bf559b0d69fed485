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
  std::string path;    // the path as sent (not percent-decoded), without the query
  std::string query;   // raw query string without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote;  // peer address
  // Over TLS with a client certificate (mutual TLS): the lower-case hex
  // SHA-256 of the certificate's DER encoding, as `openssl x509 -outform DER |
  // sha256sum` prints it. Empty otherwise (plain HTTP, or no certificate).
  std::string peer_cert_sha256;

  // First header with this lower-case name, or empty.
  std::string_view header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error":{"code":…,"message":…[,"field":…]}} — the one error shape of piket:
// to_response(ApiRefusal{status, code, message, field}) (api_refusal.hpp).
HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            std::string_view field = {});

// 405 method_not_allowed with the Allow header.
HttpResponse method_not_allowed(std::string_view allow);

// "application/json" (any case, optional spaces), with no charset parameter
// or charset=utf-8: piket's APIs take JSON in UTF-8 only.
bool is_json_media_type(std::string_view content_type);

}  // namespace piket::common
