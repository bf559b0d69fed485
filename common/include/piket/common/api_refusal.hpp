#pragma once
// A request an API refuses: the one error type of piket's HTTP APIs (partner,
// staff, web), and its one rendering, the error body of the partner contract
// (partner-api.md, "Answers"):
//   {"error":{"code":"snake_case_code","message":"…","field":"home_ban.ends_at"}}
// `field` appears only when one field is at fault.
//
// Privacy: a refusal is built by piket code; its message names the field and
// the rule it breaks, never the offending value, so no answer echoes person
// data.

#include <string>

#include "piket/common/http_types.hpp"

namespace piket::common {

struct ApiRefusal {
  int status = 422;     // the HTTP status: 4xx, or 5xx when piket could not do it
  std::string code;     // snake_case, stable: clients may switch on it
  std::string message;  // for people; never contains request values
  std::string field;    // path such as "persons[3].role"; empty = no single field

  bool operator==(const ApiRefusal&) const = default;
};

// The error body, exactly: {"error":{"code":…,"message":…[,"field":…]}}.
std::string to_json(const ApiRefusal& refusal);

// The answer: the refusal's status with its error body (application/json).
HttpResponse to_response(const ApiRefusal& refusal);

}  // namespace piket::common
