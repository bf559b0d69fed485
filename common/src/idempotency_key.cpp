#include "piket/common/idempotency_key.hpp"

#include <algorithm>

namespace piket::common {

std::variant<std::string, ApiRefusal> idempotency_key(const HttpRequest& request) {
  const bool sent = std::any_of(request.headers.begin(), request.headers.end(),
                                [](const auto& h) { return h.first == "idempotency-key"; });
  if (!sent) return std::string{};
  const auto value = request.header("idempotency-key");
  const bool ok =
      !value.empty() && value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
               ch == '.' || ch == '_' || ch == ':' || ch == '-';
      });
  if (!ok)
    return ApiRefusal{
        400, "invalid_idempotency_key",
        "Idempotency-Key must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'",
        "Idempotency-Key"};
  return std::string(value);
}

}  // namespace piket::common
