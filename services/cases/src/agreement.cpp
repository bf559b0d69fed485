#include "piket/cases/agreement.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "piket/cases/calendar.hpp"
#include "piket/cases/request_fields.hpp"
#include "piket/common/time_format.hpp"
#include "piket/common/utf8_length.hpp"
#include "piket/store/case_record.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using common::ApiRefusal;
using common::Instant;

std::string ms(Instant t) {
  return std::to_string(common::to_epoch_ms(t));
}

json::object entry(const Agreement& a, const Actor& actor, Instant at, Instant now) {
  json::object ev;
  ev["at"] = common::to_epoch_ms(at);
  ev["type"] = "agreement";
  ev["agreement"] = a.id;
  ev["state"] = std::string(to_string(a.state));
  ev["by"] = store::by_person(actor.person);
  ev["recorded_at"] = common::to_epoch_ms(now);
  return ev;
}

// The write's common part: the record, the case with it, and the activity.
AgreementWrite write_of(const CaseState& s, Agreement a, bool fresh, Instant at, json::object ev) {
  AgreementWrite w;
  w.after = s;
  w.fresh = fresh;
  auto it = std::find_if(w.after.agreements.begin(), w.after.agreements.end(),
                         [&](const Agreement& x) { return x.id == a.id; });
  if (it == w.after.agreements.end())
    w.after.agreements.push_back(a);
  else
    *it = a;
  // Making or settling an agreement is the casemanager's activity on the case.
  if (at > s.last_activity_at) {
    w.after.last_activity_at = at;
    w.fields.emplace_back("last_activity_at", ms(at));
  }
  w.agreement = std::move(a);
  w.timeline_json = json::serialize(ev);
  return w;
}

// The agreement a request with this Idempotency-Key made before, if any.
const Agreement* made_with(const CaseState& s, const std::string& key) {
  if (key.empty()) return nullptr;
  for (const auto& a : s.agreements)
    if (a.request_key == key) return &a;
  return nullptr;
}

// Whether `a` is what this request by this person made (requested_at counts
// only when the request gave it: its default was the time it was made).
bool same_request(const Agreement& a, const NewAgreement& r, const Actor& actor) {
  return a.who == r.who && a.category == r.category && a.text == r.text && a.track == r.track &&
         a.due == r.due && a.created_by == store::by_person(actor.person) &&
         (!r.requested_at || a.requested_at == r.requested_at);
}

}  // namespace

std::variant<NewAgreement, ApiRefusal> parse_new_agreement(std::string_view body, Instant now) {
  PIKET_TAKE(body_object,
             parse_object(body, {"who", "category", "text", "track", "due_by", "requested_at"},
                          "an agreement"));
  const auto* o = &body_object;
  NewAgreement a;
  PIKET_TAKE(who, string_field(*o, "who", true));
  a.who = *who;
  if (a.who.empty() || a.who.size() > 64)
    return refuse(422, "out_of_range", "who must be a chain partner id, family or casemanager",
                  "who");
  PIKET_TAKE(category, string_field(*o, "category", true));
  a.category = *category;
  if (a.category.empty() || a.category.size() > 64)
    return refuse(422, "unknown_category", "category must be one of the configured categories",
                  "category");
  PIKET_TAKE(text, string_field(*o, "text", true));
  a.text = *text;
  if (a.text.empty() || common::utf8_length(a.text) > kMaxAgreementText)
    return refuse(422, "out_of_range",
                  "text must be 1-" + std::to_string(kMaxAgreementText) + " characters", "text");
  PIKET_TAKE(track, string_field(*o, "track", true));
  const auto t = parse_track(*track);
  if (!t)
    return refuse(422, "unknown_track", "track must be perpetrator, victim, children or other",
                  "track");
  a.track = *t;
  PIKET_TAKE(due, time_field(*o, "due_by"));
  if (!due) return refuse(422, "required", "due_by is required", "due_by");
  if (*due <= now) return refuse(422, "in_the_past", "due_by must lie in the future", "due_by");
  if (*due > add_calendar_days(now, kMaxAgreementDays))
    return refuse(422, "out_of_range",
                  "due_by must lie within " + std::to_string(kMaxAgreementDays) + " days",
                  "due_by");
  a.due = *due;
  PIKET_TAKE(requested, past_time_field(*o, "requested_at", now));
  if (requested && a.category != kReferralCategory)
    return refuse(422, "not_a_referral", "requested_at belongs to a referral only", "requested_at");
  a.requested_at = requested;
  return a;
}

std::variant<AgreementStateChange, ApiRefusal> parse_agreement_change(std::string_view body,
                                                                      Instant now) {
  PIKET_TAKE(body_object, parse_object(body, {"agreement", "state", "at", "started_at"},
                                       "a change of agreement"));
  const auto* o = &body_object;
  AgreementStateChange c;
  PIKET_TAKE(id, string_field(*o, "agreement", true));
  if (agreement_number(*id) == 0)
    return refuse(422, "wrong_type", "agreement must be an agreement id such as A1", "agreement");
  c.agreement = *id;
  PIKET_TAKE(state, string_field(*o, "state", true));
  const auto st = parse_agreement_state(*state);
  if (!st || *st == AgreementState::open)
    return refuse(422, "unknown_state", "state must be done, missed or cancelled", "state");
  c.state = *st;
  PIKET_TAKE(at, past_time_field(*o, "at", now));
  c.at = at.value_or(now);
  PIKET_TAKE(started, past_time_field(*o, "started_at", now));
  if (started && c.state != AgreementState::done)
    return refuse(422, "not_started", "started_at belongs to a referral that is done",
                  "started_at");
  c.started_at = started;
  return c;
}

std::variant<AgreementWrite, ApiRefusal> make_agreement(const CaseState& s, const NewAgreement& r,
                                                        const Actor& actor,
                                                        const ChainConfig& chain, Instant now) {
  if (const auto* before = made_with(s, r.request_key)) {
    if (!same_request(*before, r, actor))
      return refuse(409, "idempotency_conflict",
                    "this Idempotency-Key was used for another agreement", "Idempotency-Key");
    AgreementWrite w;
    w.after = s;
    w.agreement = *before;
    w.replay = true;
    w.timeline_json = json::serialize(entry(*before, actor, before->created_at, now));
    return w;
  }
  if (s.phase == Phase::closed) return refuse(409, "case_closed", "the case is closed");
  const bool referral = r.category == kReferralCategory;
  if (!chain.has_category(r.category))
    return refuse(422, "unknown_category", "category must be one of the configured categories",
                  "category");
  if (r.who != "family" && r.who != "casemanager") {
    const auto* p = chain.partner(r.who);
    if (!p || p->region != s.region)
      return refuse(422, "unknown_partner",
                    "who must be a chain partner of the case's region, family or casemanager",
                    "who");
  } else if (referral) {
    return refuse(422, "referral_needs_partner", "a referral names the chain partner", "who");
  }
  if (r.requested_at && *r.requested_at < s.opened_at)
    return refuse(422, "before_case_opened", "requested_at lies before the case was registered",
                  "requested_at");
  if (s.agreements.size() >= kMaxAgreements)
    return refuse(409, "too_many_agreements",
                  "a case holds at most " + std::to_string(kMaxAgreements) + " agreements");
  int last = 0;
  for (const auto& x : s.agreements) last = std::max(last, agreement_number(x.id));
  Agreement a;
  a.id = "A" + std::to_string(last + 1);
  a.who = r.who;
  a.category = r.category;
  a.text = r.text;
  a.track = r.track;
  a.due = r.due;
  a.created_at = now;
  a.created_by = store::by_person(actor.person);
  a.request_key = r.request_key;
  if (referral) a.requested_at = r.requested_at.value_or(now);
  auto ev = entry(a, actor, now, now);
  // Who, what kind and when — never the text (it stays in the agreement).
  ev["who"] = a.who;
  ev["category"] = a.category;
  ev["track"] = std::string(to_string(a.track));
  ev["due"] = common::to_epoch_ms(a.due);
  return write_of(s, std::move(a), true, now, std::move(ev));
}

std::variant<AgreementWrite, ApiRefusal> change_agreement(const CaseState& s,
                                                          const AgreementStateChange& r,
                                                          const Actor& actor, Instant now) {
  if (s.phase == Phase::closed) return refuse(409, "case_closed", "the case is closed");
  const auto it = std::find_if(s.agreements.begin(), s.agreements.end(),
                               [&](const Agreement& x) { return x.id == r.agreement; });
  if (it == s.agreements.end())
    return refuse(404, "unknown_agreement", "this case has no agreement with that id", "agreement");
  if (it->state != AgreementState::open)
    return refuse(409, "agreement_settled",
                  "the agreement is " + std::string(to_string(it->state)) +
                      " already; only an open agreement changes",
                  "state");
  if (r.at < it->created_at)
    return refuse(422, "before_agreement", "at lies before the agreement was made", "at");
  Agreement a = *it;
  const bool referral = a.category == kReferralCategory;
  if (r.started_at && !referral)
    return refuse(422, "not_a_referral", "started_at belongs to a referral only", "started_at");
  if (r.started_at && a.requested_at && *r.started_at < *a.requested_at)
    return refuse(422, "before_request", "started_at lies before the referral was asked",
                  "started_at");
  a.state = r.state;
  a.changed_at = r.at;
  a.changed_by = store::by_person(actor.person);
  if (referral && r.state == AgreementState::done)
    a.started_at = std::max(r.started_at.value_or(r.at), a.requested_at.value_or(r.at));
  auto ev = entry(a, actor, r.at, now);
  if (const auto w = a.waiting()) ev["waiting_ms"] = w->count();
  return write_of(s, std::move(a), false, r.at, std::move(ev));
}

std::string agreement_view_json(const Agreement& a, const ChainConfig& chain, Instant now) {
  json::object o;
  o["agreement"] = a.id;
  o["who"] = a.who;
  if (const auto* p = chain.partner(a.who)) {
    o["partner_name"] = p->name;
    o["partner_kind"] = std::string(to_string(p->kind));
  }
  o["category"] = a.category;
  o["text"] = a.text;
  o["track"] = std::string(to_string(a.track));
  o["due_by"] = common::format_rfc3339(a.due);
  o["state"] = std::string(to_string(a.state));
  o["overdue"] = a.state == AgreementState::open && a.due <= now;
  o["created_at"] = common::format_rfc3339(a.created_at);
  o["created_by"] = a.created_by;
  if (a.changed_at) {
    o["changed_at"] = common::format_rfc3339(*a.changed_at);
    o["changed_by"] = a.changed_by;
  }
  if (a.requested_at) o["requested_at"] = common::format_rfc3339(*a.requested_at);
  if (a.started_at) o["started_at"] = common::format_rfc3339(*a.started_at);
  if (const auto w = a.waiting()) o["waiting_ms"] = w->count();
  return json::serialize(o);
}

}  // namespace piket::cases
