#pragma once
// The route tables of piket's HTTP APIs (Beast style: each handler is a free
// function; a service's table maps method and path to one). A pattern is a
// path whose segments match literally, except
//   {id}    any one segment, possibly empty ("/v1/cases/{id}/events");
//   {rest}  as the last segment only: the rest of the path, slashes and all,
//           possibly empty ("/v1/incidents/{rest}" matches "/v1/incidents/"
//           and "/v1/incidents/a/b", not "/v1/incidents").
// Matching allocates nothing (only a wrong method builds the Allow value).

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace piket::common {

// A route's method (an enum, not the request's text: a table of "POST"
// strings would read as Redis commands to tests/common/redis_acl_source_test).
enum class HttpMethod { get, post, del };

constexpr std::string_view method_name(HttpMethod m) {
  switch (m) {
    case HttpMethod::get:
      return "GET";
    case HttpMethod::post:
      return "POST";
    case HttpMethod::del:
      return "DELETE";
  }
  return {};
}

// What `pattern` captured of `path` (its {id} or {rest}; empty when it has
// neither), or nullopt when the path does not match.
std::optional<std::string_view> match_path(std::string_view pattern, std::string_view path);

template <class Route>
struct Routed {
  // The path's route for the method; when the path has routes but none for
  // this method, its first route (method_allowed false); null: no route.
  const Route* route = nullptr;
  bool method_allowed = false;
  std::string_view capture;  // the route's {id} or {rest}
  std::string allow;         // when !method_allowed: the path's methods, "GET, POST"
};

// The route of `method` and `path` in `table`: anything with an HttpMethod
// `method` and a `pattern` that converts to std::string_view. Routes are tried
// in table order; the first match of path and method wins.
template <class Route>
Routed<Route> find_route(std::span<const Route> table, std::string_view method,
                         std::string_view path) {
  Routed<Route> out;
  for (const auto& r : table) {
    const auto capture = match_path(r.pattern, path);
    if (!capture) continue;
    if (method_name(r.method) == method) return {&r, true, *capture, {}};
    if (!out.route) {
      out.route = &r;
      out.capture = *capture;
    }
    if (!out.allow.empty()) out.allow += ", ";
    out.allow += method_name(r.method);
  }
  return out;
}

template <class Route, std::size_t N>
Routed<Route> find_route(const Route (&table)[N], std::string_view method, std::string_view path) {
  return find_route(std::span<const Route>(table), method, path);
}

}  // namespace piket::common
