#pragma once
// What the rota API's handlers share (internal to piket_dispatch): the context
// — the dependencies, made once by RotaApi — and a request's own state, with
// who may read and change which region's rota. The handlers are free
// functions of these two (rota_api_handlers.hpp), grouped by resource;
// rota_api.cpp routes to them.

#include <boost/json/value.hpp>
#include <map>
#include <string>
#include <string_view>

#include "piket/common/bearer_auth.hpp"
#include "piket/dispatch/rota_api.hpp"

namespace piket::dispatch::api {

using common::Caller;
using common::HttpRequest;
using common::HttpResponse;

// Made once; shared by every request.
struct RotaContext {
  const rota::Directory& directory;
  const common::Clock& clock;
  LiveRota& rota;
  common::RedisPool& redis;
  common::BearerAuth auth;
};

// One request: who asks (its bearer token was accepted; null on the calendar
// routes, which take a calendar token), the path's {rest}, the query.
struct Request {
  const HttpRequest& http;
  const Caller* caller;
  std::string_view rest;
  std::map<std::string, std::string> params;  // at most 8

  // The query parameter's value, or empty.
  std::string param(const std::string& key) const;
};

// The query's parameters (at most 8), decoded.
std::map<std::string, std::string> query_params(std::string_view query);

HttpResponse json(int status, const boost::json::value& v);
HttpResponse forbidden();

// The region's people (staff serving it) and admins may read its rota.
bool may_read(const Caller& c, std::string_view region);
// Its team leads and admins may change its overrides.
bool may_change(const Caller& c, std::string_view region);
// Who may change some region's overrides: admins and team leads. Checked
// before a body is read, so a refused caller learns nothing of validation.
bool may_change_any(const Caller& c);

}  // namespace piket::dispatch::api
