// Answers from the app: a page acknowledged or declined by the person it was
// sent to, an escalation acknowledged by a team lead of its region.
#include <regex>

#include "piket/common/crypto.hpp"
#include "piket/web/access_policy.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {
namespace {

const std::regex kEscalationId{"^[A-Za-z0-9|:_.-]{1,200}$"};

HttpResponse answer_page(WebContext& w, Request& r, bool acknowledge) {
  const auto& id = r.id;
  if (!is_page_id(id)) return refuse(w, r, 404, "not_found", "no such page", id, "no such page");
  auto pages = w.repo.pages({id});
  if (pages.empty()) return refuse(w, r, 404, "not_found", "no such page", id, "no such page");
  const auto& p = pages.front();
  if (p.person != r.who->person)
    return refuse(w, r, 403, "forbidden", "this page was not sent to you", id,
                  "not the paged person");
  // How it came, for the timeline: the session's hash prefix (never the token).
  const auto via = "session " + common::sha256_hex(r.token).substr(0, 8);
  return from_outcome(w, r,
                      acknowledge ? w.d.cases.acknowledge_page(id, r.who->person, via)
                                  : w.d.cases.decline_page(id, r.who->person, via),
                      id, "case " + p.case_id);
}

}  // namespace

HttpResponse page_ack(WebContext& w, Request& r) {
  return answer_page(w, r, true);
}

HttpResponse page_decline(WebContext& w, Request& r) {
  return answer_page(w, r, false);
}

HttpResponse escalation_ack(WebContext& w, Request& r) {
  const auto& id = r.id;
  if (!std::regex_match(id, kEscalationId))
    return refuse(w, r, 404, "not_found", "no such escalation", "-", "malformed id");
  auto e = w.d.cases.escalation(id);
  if (!e) return refuse(w, r, 404, "not_found", "no such escalation", id, "no such escalation");
  if (auto dec = may_view_region(*r.who, e->region); !dec)
    return refuse(w, r, 403, "forbidden", "not your region", id, dec.reason);
  return from_outcome(w, r, w.d.cases.acknowledge_escalation(id, r.who->person), id,
                      "case " + e->case_id);
}

}  // namespace piket::web::api
