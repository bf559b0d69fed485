// A case's agreements (agreement.hpp): the list, a new one, and its state
// changed — with the same need to know as the case's events (reading needs
// `read`, making and settling `record`), each change on the timeline.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "cases_api_handlers.hpp"
#include "cases_api_write.hpp"
#include "piket/cases/agreement.hpp"
#include "piket/cases/case_audit.hpp"
#include "piket/common/idempotency_key.hpp"
#include "piket/store/case_record.hpp"

namespace piket::cases::api {
namespace {

namespace json = boost::json;

const ChainConfig& chain_of(const CasesContext& c) {
  static const ChainConfig none;
  return c.d.rules.chain ? *c.d.rules.chain : none;
}

// Stores an agreement's write and answers with it.
template <class Parse, class Decide>
HttpResponse write(CasesContext& c, const Request& r, Parse parse, Decide decide) {
  return write_case(
      c, r, parse, decide,
      [&](const CaseState& state, const AgreementWrite& w, const std::vector<Step>& timers) {
        if (w.replay) return WriteOutcome::done;  // made before: nothing to write
        return c.d.store.write_agreement(r.id, state.version, w, kMaxAgreements, timers);
      },
      [&](const AgreementWrite& w, common::Instant now) {
        // Who and which agreement: never its text or the partner.
        if (w.replay) {
          spdlog::info("case {}: agreement {} asked again with its Idempotency-Key by {}", r.id,
                       w.agreement.id, r.actor.person);
        } else {
          spdlog::info("case {}: agreement {} {} by {}", r.id, w.agreement.id,
                       to_string(w.agreement.state), r.actor.person);
          if (c.d.audit) c.d.audit(agreement_audit(r.actor, r.id, w, r.http.remote));
        }
        json::object o;
        o["case_id"] = r.id;
        o["agreement"] = json::parse(agreement_view_json(w.agreement, chain_of(c), now));
        o["event"] = json::parse(w.timeline_json);
        return ok(w.fresh ? 201 : 200, json::serialize(o));
      });
}

}  // namespace

HttpResponse case_agreements(CasesContext& c, const Request& r) {
  auto loaded = readable_case(c, r.actor, r.id);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&loaded))
    return common::to_response(*refusal);
  c.reads.Increment();
  const auto& state = std::get<CaseState>(loaded);
  const auto now = c.d.domain_clock.now();
  std::string body = R"({"case_id":")" + r.id + R"(","agreements":[)";
  bool first = true;
  for (const auto& a : state.agreements) {
    body += (first ? "" : ",") + agreement_view_json(a, chain_of(c), now);
    first = false;
  }
  return ok(200, body + "]}");
}

HttpResponse person_agreements(CasesContext& c, const Request& r) {
  auto found = person_for(c, r.actor, r.id);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&found)) return common::to_response(*refusal);
  std::vector<std::string> ids;
  {
    auto lease = c.redis.lease();
    ids = lease->command({"SMEMBERS", store::caseload_key(r.id)}).element_strings();
  }
  c.reads.Increment();
  const auto now = c.d.domain_clock.now();
  // Open agreements of the cases the caller may read, due first.
  std::vector<std::pair<const Agreement*, const std::string*>> open;
  const auto states = c.d.store.load_many(ids);
  for (const auto& s : states) {
    if (!s || s->phase == Phase::closed ||
        refused_access(c, r.actor, s->id, access::CaseAction::read))
      continue;
    for (const auto& a : s->agreements)
      if (a.state == AgreementState::open) open.emplace_back(&a, &s->id);
  }
  std::sort(open.begin(), open.end(),
            [](const auto& x, const auto& y) { return x.first->due < y.first->due; });
  json::array list;
  for (const auto& [a, case_id] : open) {
    auto o = json::parse(agreement_view_json(*a, chain_of(c), now)).as_object();
    o["case_id"] = *case_id;
    list.push_back(std::move(o));
  }
  return ok(200, json::serialize(json::object{{"person", r.id}, {"agreements", std::move(list)}}));
}

HttpResponse case_agreement_new(CasesContext& c, const Request& r) {
  auto key = common::idempotency_key(r.http);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&key))
    return (c.refused.Increment(), common::to_response(*refusal));
  return write(c, r, parse_new_agreement,
               [&](const CaseState& s, NewAgreement a, common::Instant now) {
                 a.request_key = std::get<std::string>(key);
                 return make_agreement(s, a, r.actor, chain_of(c), now);
               });
}

HttpResponse case_agreement_state(CasesContext& c, const Request& r) {
  return write(c, r, parse_agreement_change,
               [&](const CaseState& s, const AgreementStateChange& a, common::Instant now) {
                 return change_agreement(s, a, r.actor, now);
               });
}

}  // namespace piket::cases::api
