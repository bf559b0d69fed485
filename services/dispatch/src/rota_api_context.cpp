#include "rota_api_context.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse_query.hpp>

namespace piket::dispatch::api {

std::string Request::param(const std::string& key) const {
  const auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

std::map<std::string, std::string> query_params(std::string_view query) {
  std::map<std::string, std::string> out;
  auto q = boost::urls::parse_query(query);
  if (!q) return out;
  for (auto p : *q) {
    if (out.size() >= 8) break;
    out[p.key.decode()] = p.value.decode();
  }
  return out;
}

HttpResponse json(int status, const boost::json::value& v) {
  return {status, "application/json", boost::json::serialize(v), {}};
}

HttpResponse forbidden() {
  return common::error_response(403, "forbidden", "not allowed for this caller");
}

bool may_read(const Caller& c, std::string_view region) {
  return c.kind == Caller::Kind::admin || (c.is_staff() && c.serves(region));
}

bool may_change(const Caller& c, std::string_view region) {
  return c.kind == Caller::Kind::admin || (c.kind == Caller::Kind::team_lead && c.serves(region));
}

bool may_change_any(const Caller& c) {
  return c.kind == Caller::Kind::admin || c.kind == Caller::Kind::team_lead;
}

}  // namespace piket::dispatch::api
