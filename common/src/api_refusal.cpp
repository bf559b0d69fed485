#include "piket/common/api_refusal.hpp"

#include "piket/common/json_escape.hpp"

namespace piket::common {

std::string to_json(const ApiRefusal& refusal) {
  std::string body = "{\"error\":{\"code\":\"" + json_escape(refusal.code) + "\",\"message\":\"" +
                     json_escape(refusal.message) + "\"";
  if (!refusal.field.empty()) body += ",\"field\":\"" + json_escape(refusal.field) + "\"";
  body += "}}";
  return body;
}

HttpResponse to_response(const ApiRefusal& refusal) {
  HttpResponse r;
  r.status = refusal.status;
  r.body = to_json(refusal);
  return r;
}

}  // namespace piket::common
