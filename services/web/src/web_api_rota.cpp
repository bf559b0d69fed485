// Rota overrides set in the app (sickness, swaps), with the cases moved along.
#include <algorithm>

#include "piket/rota/override.hpp"
#include "piket/web/access_policy.hpp"
#include "piket/web/file_rota_source.hpp"
#include "piket/web/live_updates.hpp"
#include "piket/web/local_time.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {

HttpResponse rota_override(WebContext& w, Request& r) {
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  auto region = text(o, "region");
  if (region.empty()) region = default_region(*r.who);
  if (auto dec = may_edit_rota(*r.who, region); !dec)
    return refuse(w, r, 403, "forbidden", "not allowed to change this rota", region, dec.reason);
  RotaOverride ov;
  ov.region = region;
  ov.replaces = text(o, "replaces");
  ov.person = text(o, "person");
  ov.reason = text(o, "reason");
  if (ov.reason != "sickness" && ov.reason != "swap")
    return common::error_response(422, "invalid_reason", "reason is sickness or swap", "reason");
  for (const auto* field : {"replaces", "person"}) {
    const auto* p = w.person(text(o, field));
    if (!p || p->role != rota::StaffRole::casemanager ||
        std::find(p->regions.begin(), p->regions.end(), region) == p->regions.end())
      return common::error_response(422, "unknown_casemanager", "not a casemanager of the region",
                                    field);
  }
  if (ov.person == ov.replaces)
    return common::error_response(422, "same_person", "choose someone else to take over", "person");
  const auto now = w.d.domain_clock.now();
  ov.start = now;
  if (auto s = text(o, "from_local"); !s.empty()) {
    auto t = parse_amsterdam_local(s);
    if (!t)
      return common::error_response(422, "invalid_time", "give the time as YYYY-MM-DDTHH:MM",
                                    "from_local");
    ov.start = *t;
  }
  auto until = parse_amsterdam_local(text(o, "until_local"));
  if (!until)
    return common::error_response(422, "invalid_time", "give the time as YYYY-MM-DDTHH:MM",
                                  "until_local");
  ov.end = *until;
  // The same rule as dispatch's rota API (rota::check_override_window).
  if (const auto problem = rota::check_override_window({ov.start, ov.end}, now)) {
    if (*problem == rota::OverrideWindowProblem::too_long)
      return common::error_response(422, "too_long", "an override lasts at most 90 days",
                                    "until_local");
    return common::error_response(422, "invalid_window", "until must lie after the start and now",
                                  "until_local");
  }
  ov.layer = "primary";
  ov.by = r.who->person;
  ov.created_at = now;
  ov.id = new_override_id(now);
  w.d.rota.add_override(ov);
  allowed(w, r, region, ov.reason + ": " + ov.replaces + " -> " + ov.person);
  if (ov.reason == "sickness") {
    // The deadline engine learns of the absence and hands their running
    // clocks to the team lead until the cases are reassigned.
    const auto out = w.d.cases.mark_absent(ov.replaces, ov.start, ov.end, r.who->person);
    Request sub{r.req, r.token, r.session, r.who, "person.absence", r.from, {}};
    if (out.ok())
      allowed(w, sub, ov.replaces, "absent until " + std::to_string(ms(ov.end)));
    else
      w.audit.append(
          record(sub, ov.replaces, "refused", out.refusal->code + ": " + out.refusal->message));
  }
  json::array moved;
  const auto* reassign_flag = o.if_contains("reassign_cases");
  if (reassign_flag && reassign_flag->is_bool() && reassign_flag->as_bool() && ov.start <= now) {
    for (const auto& s : w.repo.open_cases(region)) {
      if (s.casemanager != ov.replaces) continue;
      Request sub{r.req, r.token, r.session, r.who, "case.reassign", r.from, {}};
      const auto out = w.d.cases.reassign(s.id, ov.person, r.who->person, ov.reason);
      if (out.ok()) {
        allowed(w, sub, s.id, ov.reason + ": to " + ov.person);
        moved.emplace_back(s.id);
      } else {
        w.audit.append(
            record(sub, s.id, "refused", out.refusal->code + ": " + out.refusal->message));
      }
    }
  }
  confirm_change(w);
  return json_response(json::object{{"id", ov.id}, {"reassigned", moved}, {"now", ms(now)}}, 201);
}

}  // namespace piket::web::api
