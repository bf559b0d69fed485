#include "piket/dispatch/rota_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <map>

#include "piket/access/calendar_tokens.hpp"
#include "piket/common/bearer_auth.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/time_format.hpp"
#include "piket/dispatch/override_store.hpp"
#include "piket/rota/coverage.hpp"
#include "piket/rota/ical.hpp"

namespace piket::dispatch {
namespace {

using common::Caller;
using common::HttpRequest;
using common::HttpResponse;

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

boost::json::object override_json(const rota::Override& o) {
  return {{"id", o.id},
          {"region", o.region},
          {"layer", o.layer},
          {"kind", std::string(rota::to_string(o.kind))},
          {"person", o.person},
          {"replaces", o.replaces},
          {"starts_at", common::format_rfc3339(o.window.start)},
          {"ends_at", common::format_rfc3339(o.window.end)}};
}

}  // namespace

struct RotaApi::Impl {
  const rota::Directory& directory;
  const common::Clock& clock;
  LiveRota& rota;
  common::RedisPool& redis;
  common::BearerAuth auth;

  bool may_read(const Caller& c, std::string_view region) const {
    return c.kind == Caller::Kind::admin || (c.is_staff() && c.serves(region));
  }
  bool may_change(const Caller& c, std::string_view region) const {
    return c.kind == Caller::Kind::admin || (c.kind == Caller::Kind::team_lead && c.serves(region));
  }

  HttpResponse oncall(const Caller& caller, const std::string& region) {
    if (!directory.region(region))
      return common::error_response(404, "not_found", "no such region");
    if (!may_read(caller, region)) return forbidden();
    auto r = rota.current();
    const auto now = clock.now();
    boost::json::object layers;
    for (const auto& ref : r->layers()) {
      if (ref.region != region) continue;
      boost::json::array people;
      for (const auto& p : r->on_call(ref.layer, region, now)) people.emplace_back(p);
      layers[ref.layer] = std::move(people);
    }
    return json(200, boost::json::object{{"region", region},
                                         {"at", common::format_rfc3339(now)},
                                         {"layers", std::move(layers)}});
  }

  HttpResponse gaps(const Caller& caller, const std::string& region, const std::string& days_s) {
    if (!directory.region(region))
      return common::error_response(404, "not_found", "no such region");
    if (!may_read(caller, region)) return forbidden();
    int days = 14;
    if (!days_s.empty()) {
      if (days_s.size() > 3 || !std::all_of(days_s.begin(), days_s.end(), ::isdigit) ||
          std::stoi(days_s) < 1 || std::stoi(days_s) > 366)
        return common::error_response(422, "invalid_days", "days must be 1-366", "days");
      days = std::stoi(days_s);
    }
    const auto now = clock.now();
    const std::string regions[] = {region};
    boost::json::array out;
    for (const auto& g :
         rota::coverage_gaps(*rota.current(), regions, {now, now + std::chrono::hours{24 * days}}))
      out.push_back({{"layer", g.layer},
                     {"starts_at", common::format_rfc3339(g.gap.start)},
                     {"ends_at", common::format_rfc3339(g.gap.end)}});
    return json(200, boost::json::object{{"region", region}, {"days", days}, {"gaps", out}});
  }

  HttpResponse list_overrides(const Caller& caller, const std::string& region) {
    if (!directory.region(region))
      return common::error_response(404, "not_found", "no such region");
    if (!may_read(caller, region)) return forbidden();
    auto conn = redis.lease();
    boost::json::array out;
    for (const auto& o : OverrideStore(*conn).list())
      if (o.region == region) out.push_back(override_json(o));
    return json(200, boost::json::object{{"overrides", out}});
  }

  // Who may change some region's overrides: admins and team leads. Checked
  // before a body is read, so a refused caller learns nothing of validation.
  static bool may_change_any(const Caller& c) {
    return c.kind == Caller::Kind::admin || c.kind == Caller::Kind::team_lead;
  }

  HttpResponse add_override(const Caller& caller, const HttpRequest& req) {
    if (!may_change_any(caller)) return forbidden();
    if (!common::is_json_media_type(req.header("content-type")))
      return common::error_response(415, "unsupported_media_type",
                                    "Content-Type must be application/json");
    const auto now = clock.now();
    auto parsed = parse_override_request(req.body, *rota.current(), directory, now);
    if (auto* e = std::get_if<common::ApiRefusal>(&parsed)) return common::to_response(*e);
    auto o = std::get<rota::Override>(std::move(parsed));
    if (!may_change(caller, o.region)) return forbidden();
    char stamp[16];
    std::snprintf(stamp, sizeof stamp, "%013lld", static_cast<long long>(common::to_epoch_ms(now)));
    o.id = "O" + std::string(stamp) + common::random_base32(4);
    auto conn = redis.lease();
    OverrideStore(*conn).add(o, caller.id, now);
    rota.refresh_from(*conn);
    spdlog::info("rota override {} ({} {} in {}) set by {}", o.id, rota::to_string(o.kind), o.layer,
                 o.region, caller.id);
    return json(201, override_json(o));
  }

  HttpResponse remove_override(const Caller& caller, const std::string& id) {
    if (!may_change_any(caller)) return forbidden();
    auto conn = redis.lease();
    OverrideStore store(*conn);
    for (const auto& o : store.list()) {
      if (o.id != id) continue;
      if (!may_change(caller, o.region)) return forbidden();
      store.remove(id);
      rota.refresh_from(*conn);
      spdlog::info("rota override {} removed by {}", id, caller.id);
      return HttpResponse{204, "", "", {}};
    }
    return common::error_response(404, "not_found", "no such override");
  }

  // The holder of a calendar token (piket_access), as a caller that may only
  // read calendars. Staff, partner and admin tokens open no calendar.
  std::optional<Caller> calendar_caller(const std::string& token) {
    std::optional<access::CalendarToken> t;
    {
      auto conn = redis.lease();
      t = access::CalendarTokens(*conn).find(token);
    }
    if (!t) return std::nullopt;
    const auto* p = directory.person(t->person);
    if (!p) return std::nullopt;  // no longer a person of the deployment
    const auto kind =
        p->role == rota::StaffRole::team_lead ? Caller::Kind::team_lead : Caller::Kind::casemanager;
    return Caller{kind, p->id, {p->regions.begin(), p->regions.end()}};
  }

  HttpResponse calendar(const HttpRequest& req, std::string_view rest) {
    auto params = query_params(req.query);
    auto caller = calendar_caller(params["token"]);
    if (!caller)
      return common::error_response(
          401, "calendar_token_required",
          "a calendar token is required (?token=); make one in the app under Agenda");
    const auto now = clock.now();
    const rota::TimeRange range{now - std::chrono::hours{24 * 7},
                                now + std::chrono::hours{24 * 90}};
    auto r = rota.current();
    auto ics = [](std::string body) {
      return HttpResponse{200, "text/calendar; charset=utf-8", std::move(body), {}};
    };
    constexpr std::string_view person_prefix = "person/";
    constexpr std::string_view layer_prefix = "layer/";
    if (rest.substr(0, person_prefix.size()) == person_prefix && rest.ends_with(".ics")) {
      const std::string id(
          rest.substr(person_prefix.size(), rest.size() - person_prefix.size() - 4));
      const auto* p = directory.person(id);
      if (!p) return common::error_response(404, "not_found", "no such person");
      // The person themself (a staff caller: partner and admin ids live in
      // other namespaces and may equal a person's id), admins, their team leads.
      bool allowed =
          (caller->is_staff() && caller->id == id) || caller->kind == Caller::Kind::admin;
      for (const auto& reg : p->regions) allowed = allowed || may_change(*caller, reg);
      if (!allowed) return forbidden();
      return ics(rota::ical_for_person(*r, id, range, now));
    }
    if (rest.substr(0, layer_prefix.size()) == layer_prefix && rest.ends_with(".ics")) {
      const auto path = rest.substr(layer_prefix.size(), rest.size() - layer_prefix.size() - 4);
      const auto slash = path.find('/');
      if (slash == std::string_view::npos)
        return common::error_response(404, "not_found", "no such layer");
      const std::string region(path.substr(0, slash)), layer(path.substr(slash + 1));
      if (!r->has_layer(layer, region))
        return common::error_response(404, "not_found", "no such layer");
      if (!may_read(*caller, region)) return forbidden();
      return ics(rota::ical_for_layer(*r, layer, region, range, now));
    }
    return common::error_response(404, "not_found", "no such calendar");
  }
};

RotaApi::RotaApi(const rota::Directory& directory, const std::vector<common::TokenHolder>& tokens,
                 const common::Clock& clock, LiveRota& rota, common::RedisPool& redis)
    : impl_(new Impl{directory, clock, rota, redis, common::BearerAuth(tokens)}) {}
RotaApi::~RotaApi() = default;

std::optional<HttpResponse> RotaApi::handle(const HttpRequest& req) {
  constexpr std::string_view prefix = "/v1/rota/";
  const std::string_view path = req.path;
  if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
  const auto rest = path.substr(prefix.size());
  auto& i = *impl_;
  try {
    // A known path with another method: 405 naming the allowed ones.
    if (rest.substr(0, 9) == "calendar/" && req.method != "GET")
      return common::method_not_allowed("GET");
    if ((rest == "oncall" || rest == "gaps") && req.method != "GET")
      return common::method_not_allowed("GET");
    if (rest == "overrides" && req.method != "GET" && req.method != "POST")
      return common::method_not_allowed("GET, POST");
    if (rest.substr(0, 10) == "overrides/" && req.method != "DELETE")
      return common::method_not_allowed("DELETE");
    if (rest.substr(0, 9) == "calendar/") return i.calendar(req, rest.substr(9));
    auto caller = i.auth.authenticate(req.header("authorization"));
    if (!caller)
      return common::error_response(401, "missing_token", "a valid bearer token is required");
    // Partners have no business with the rota: refused before anything else.
    if (caller->kind == Caller::Kind::partner) return forbidden();
    auto params = query_params(req.query);
    if (rest == "oncall" && req.method == "GET") return i.oncall(*caller, params["region"]);
    if (rest == "gaps" && req.method == "GET")
      return i.gaps(*caller, params["region"], params["days"]);
    if (rest == "overrides" && req.method == "GET")
      return i.list_overrides(*caller, params["region"]);
    if (rest == "overrides" && req.method == "POST") return i.add_override(*caller, req);
    if (rest.substr(0, 10) == "overrides/" && req.method == "DELETE")
      return i.remove_override(*caller, std::string(rest.substr(10)));
  } catch (const common::RedisError& e) {
    spdlog::warn("rota api: redis unavailable: {}", e.what());
    return common::error_response(503, "storage_unavailable", "try again");
  }
  return common::error_response(404, "not_found", "no such resource");
}

}  // namespace piket::dispatch
