// Agreements on a case (issue 16): made and settled in the app with the same
// need to know as a case's events; the case service's rules decide (its
// refusal names the field). Their text stays inside the case: the audit line
// names the category or the state, never the text or the partner.
#include "piket/common/idempotency_key.hpp"
#include "piket/common/utf8_length.hpp"
#include "piket/web/access_policy.hpp"
#include "piket/web/local_time.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {

json::object agreement_json(const AgreementView& a, common::Instant now) {
  json::object o{{"case", a.case_id},
                 {"agreement", a.id},
                 {"who", a.who},
                 {"partner_name", a.partner_name},
                 {"category", a.category},
                 {"text", a.text},
                 {"track", a.track},
                 {"state", a.state},
                 {"due_at", ms(a.due)},
                 {"overdue", a.overdue(now)},
                 {"created_at", ms(a.created_at)}};
  if (a.changed_at) o["changed_at"] = ms(*a.changed_at);
  if (a.requested_at) o["requested_at"] = ms(*a.requested_at);
  if (a.started_at) o["started_at"] = ms(*a.started_at);
  if (const auto wait = a.waiting()) o["waiting_ms"] = wait->count();
  return o;
}

json::value agreement_form(CaseBackend& cases, const std::string& region, bool can_record) {
  if (!can_record) return nullptr;
  const auto choices = cases.agreement_choices(region);
  json::array partners, categories;
  for (const auto& p : choices.partners)
    partners.push_back(json::object{{"id", p.id}, {"name", p.name}, {"kind", p.kind}});
  for (const auto& c : choices.categories) categories.emplace_back(c);
  return json::object{{"partners", partners},
                      {"categories", categories},
                      {"tracks", json::array{"victim", "perpetrator", "children", "other"}},
                      {"text_max", kMaxAgreementText}};
}

HttpResponse case_agreement_new(WebContext& w, Request& r) {
  if (auto bad = refused_record_in_case(w, r)) return *bad;
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  if (auto bad =
          string_fields(o, {"who", "category", "text", "track", "due_local"}, "an agreement"))
    return *bad;
  NewAgreementRequest a{
      text(o, "who"), text(o, "category"), text(o, "text"), text(o, "track"), {}, {}};
  if (common::utf8_length(a.text) > kMaxAgreementText)
    return common::error_response(
        422, "too_long",
        "the text is longer than " + std::to_string(kMaxAgreementText) + " characters", "text");
  const auto due = parse_amsterdam_local(text(o, "due_local"));
  if (!due)
    return common::error_response(422, "invalid_time", "give the due time as YYYY-MM-DDTHH:MM",
                                  "due_local");
  a.due = *due;
  auto key = common::idempotency_key(r.req);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&key)) return common::to_response(*refusal);
  a.request_key = std::get<std::string>(key);
  auto out = w.d.cases.record_agreement(r.id, r.who->person, a);
  if (out.refusal && out.refusal->field == "due_by") out.refusal->field = "due_local";
  return from_outcome(w, r, out, r.id, "agreement " + a.category.substr(0, 64));
}

HttpResponse case_agreement_state(WebContext& w, Request& r) {
  if (auto bad = refused_record_in_case(w, r)) return *bad;
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  if (auto bad = string_fields(o, {"agreement", "state", "started_local"}, "an agreement's change"))
    return *bad;
  const auto id = text(o, "agreement");
  const auto state = text(o, "state");
  // A referral done: when the partner's help started (default now).
  std::optional<common::Instant> started;
  if (o.contains("started_local")) {
    started = parse_amsterdam_local(text(o, "started_local"));
    if (!started)
      return common::error_response(422, "invalid_time", "give the start as YYYY-MM-DDTHH:MM",
                                    "started_local");
  }
  auto out = w.d.cases.settle_agreement(r.id, r.who->person, id, state, started);
  if (out.refusal && out.refusal->field == "started_at") out.refusal->field = "started_local";
  return from_outcome(w, r, out, r.id, "agreement " + id.substr(0, 8) + " " + state.substr(0, 16));
}

}  // namespace piket::web::api
