#include "piket/common/http_types.hpp"

#include "piket/common/logging.hpp"

namespace piket::common {

std::string_view HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return {};
}

HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            std::string_view field) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"error\":{\"code\":\"" + json_escape(code) + "\",\"message\":\"" +
           json_escape(message) + "\"";
  if (!field.empty()) r.body += ",\"field\":\"" + json_escape(field) + "\"";
  r.body += "}}";
  return r;
}

}  // namespace piket::common
