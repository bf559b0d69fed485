#include "piket/ingest/api_error.hpp"

#include <boost/json.hpp>

namespace piket::ingest {

std::string to_json(const ApiError& error) {
  boost::json::object inner;
  inner["code"] = error.code;
  inner["message"] = error.message;
  if (!error.field.empty()) inner["field"] = error.field;
  boost::json::object body;
  body["error"] = std::move(inner);
  return boost::json::serialize(body);
}

}  // namespace piket::ingest
