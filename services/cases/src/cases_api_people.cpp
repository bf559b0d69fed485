// People: a casemanager marked absent or back (by themself or a team lead of
// their region); the deadline engine hands their running clocks on meanwhile.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "cases_api_handlers.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/case_record.hpp"

namespace piket::cases::api {
namespace {

namespace json = boost::json;

}  // namespace

HttpResponse person_absence(CasesContext& c, const Request& r) {
  const auto& person = r.id;
  const auto& actor = r.actor;
  auto found = person_for(c, actor, person);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&found)) return common::to_response(*refusal);
  const auto* target = std::get<const rota::PersonConfig*>(found);
  if (target->role != rota::StaffRole::casemanager)
    return common::error_response(422, "not_a_casemanager", "absence is recorded for casemanagers",
                                  "person");
  if (!common::is_json_media_type(r.http.header("content-type")))
    return common::error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/json");
  json::error_code ec;
  const auto v = json::parse(r.http.body, ec);
  if (ec) return common::error_response(400, "invalid_json", "the body is not JSON");
  if (!v.is_object())
    return common::error_response(400, "not_an_object", "the body must be a JSON object");
  const auto& o = v.as_object();
  for (const auto& [k, _] : o)
    if (k != "absent" && k != "since" && k != "until")
      return common::error_response(422, "unknown_field", "this field is not part of an absence",
                                    std::string(k).substr(0, 64));
  const auto* absent = o.if_contains("absent");
  if (!absent || !absent->is_bool())
    return common::error_response(422, "required", "absent must be true or false", "absent");
  const auto now = c.d.domain_clock.now();
  auto since = now;
  std::optional<common::Instant> until;
  auto instant = [&](const char* name, common::Instant& out) -> std::optional<HttpResponse> {
    const auto* f = o.if_contains(name);
    if (!f) return std::nullopt;
    std::optional<common::Instant> t;
    if (f->is_string()) t = common::parse_rfc3339(std::string_view(f->as_string()));
    if (!t)
      return common::error_response(422, "invalid_timestamp",
                                    std::string(name) + " must be RFC 3339 with an offset", name);
    out = *t;
    return std::nullopt;
  };
  if (auto e = instant("since", since)) return *e;
  if (o.contains("until")) {
    common::Instant u{};
    if (auto e = instant("until", u)) return *e;
    if (u <= since)
      return common::error_response(422, "until_before_since", "until must lie after since",
                                    "until");
    until = u;
  }
  if (!absent->as_bool() && (o.contains("since") || o.contains("until")))
    return common::error_response(422, "unknown_field", "since and until belong to an absence",
                                  o.contains("since") ? "since" : "until");
  const auto cases = c.d.store.set_absence(person, absent->as_bool(), since, until,
                                           store::by_person(actor.person), now);
  spdlog::info("{} marked {} by {} ({} open cases)", person,
               absent->as_bool() ? "absent" : "available", actor.person, cases);
  json::object out;
  out["person"] = person;
  out["absent"] = absent->as_bool();
  if (absent->as_bool()) {
    out["since"] = common::format_rfc3339(since);
    out["until"] = until ? json::value(common::format_rfc3339(*until)) : json::value(nullptr);
  }
  out["open_cases"] = cases;
  return ok(200, json::serialize(out));
}

}  // namespace piket::cases::api
