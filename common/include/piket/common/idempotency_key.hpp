#pragma once
// The Idempotency-Key header of a staff API's create request (a new
// agreement): a client sends the same key again when it retries, and gets
// what the first request made instead of a second one. Optional.

#include <string>
#include <variant>

#include "piket/common/api_refusal.hpp"
#include "piket/common/http_types.hpp"

namespace piket::common {

// Absent → empty. Present: 1-64 characters of A-Z a-z 0-9 . _ : - (a UUID
// fits), else 400 invalid_idempotency_key naming the header.
std::variant<std::string, ApiRefusal> idempotency_key(const HttpRequest& request);

}  // namespace piket::common
