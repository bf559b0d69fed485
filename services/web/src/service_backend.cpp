#include "piket/web/service_backend.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>

#include "piket/access/case_facts_reader.hpp"
#include "piket/access/need_to_know.hpp"
#include "piket/cases/agreement.hpp"
#include "piket/cases/case_events.hpp"
#include "piket/cases/case_family.hpp"
#include "piket/cases/case_store.hpp"
#include "piket/cases/engine.hpp"
#include "piket/cases/family_link.hpp"
#include "piket/cases/staff.hpp"
#include "piket/cases/track.hpp"
#include "piket/common/fault_point.hpp"
#include "piket/common/time_format.hpp"
#include "piket/paging/page_answer.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/web/case_repository.hpp"
#include "piket/web/escalation_cause.hpp"
#include "piket/web/labels.hpp"

namespace piket::web {
namespace {

using common::Instant;
constexpr common::Millis kWarnWithin{2LL * 3600 * 1000};
// No chain partners: agreements with the family and the casemanager only.
const cases::ChainConfig kNoChain{};

// A running clock's state for people: overdue, warning (a step taken, or due
// within two hours) or running.
std::string clock_state(const cases::ClockView& k, Instant now) {
  if (k.state == cases::ClockState::overdue) return "overdue";
  if (!k.taken.empty() || k.due - now <= kWarnWithin) return "warning";
  return "running";
}

std::optional<TrackMarkView> track_mark(const std::optional<Instant>& at, const std::string& by) {
  if (!at) return std::nullopt;
  return TrackMarkView{*at, by.rfind("person:", 0) == 0 ? by.substr(7) : by};
}

std::string clock_name(const cases::ClockView& k) {
  if (k.clock == cases::ClockKind::home_ban)
    return k.next && k.next->text_clock == paging::DeadlineClock::ban_decision ? "ban_decision"
                                                                               : "ban_end";
  return std::string(cases::to_string(k.clock));
}

}  // namespace

struct ServiceBackend::Impl {
  const rota::Directory& directory;
  const int push_stream_maxlen;
  common::RedisPool& redis;
  const common::Clock& domain;
  const common::Clock& real;
  cases::StaffDirectory staff;
  cases::EngineRules rules;
  cases::RedisCaseStore store;
  CaseRepository repo;
  cases::CaseFamilies families;
  const cases::ChainConfig& chain;

  Impl(const rota::Directory& people, const cases::DeadlinesConfig& deadlines,
       common::Millis reply_code_window, int push_maxlen, const common::RedisConfig& rc_config,
       common::RedisPool& r, const common::Clock& d, const common::Clock& rc,
       const cases::ChainConfig& partners)
      : directory(people),
        push_stream_maxlen(push_maxlen),
        redis(r),
        domain(d),
        real(rc),
        staff(people),
        rules{deadlines, staff, reply_code_window, &partners},
        store(rc_config),
        repo(r),
        families{store, rc_config},
        chain(partners) {}

  // Checks the same need to know as the case API (piket_access), then writes
  // what `decide(state, now)` makes of the case through `put(state, decided,
  // timers)` — again while the case changes meanwhile.
  template <class Decide, class Put>
  ActionOutcome write(const std::string& case_id, const cases::Actor& actor,
                      access::CaseAction action, Decide decide, Put put) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      const auto now = domain.now();
      std::optional<access::CaseFacts> facts;
      {
        auto lease = redis.lease();
        facts = access::read_case_facts(*lease, case_id, actor.person);
      }
      if (!facts) return common::ApiRefusal{404, "not_found", "no such case", {}};
      if (auto d = access::may({actor.person, actor.role, actor.regions}, *facts, action, now); !d)
        return common::ApiRefusal{403, d.code, d.reason, {}};
      auto state = store.load(case_id);
      if (!state) return common::ApiRefusal{404, "not_found", "no such case", {}};
      auto decided = decide(*state, now);
      if (auto* r = std::get_if<common::ApiRefusal>(&decided)) return *r;
      const auto& change = std::get<0>(decided);
      const auto timers = cases::evaluate(change.after, rules, now).timers;
      switch (put(*state, change, timers)) {
        case cases::WriteOutcome::done:
          return {};
        case cases::WriteOutcome::stale:
        case cases::WriteOutcome::collision:
          continue;  // changed meanwhile: again
        case cases::WriteOutcome::closed:
          return common::ApiRefusal{409, "case_closed", "the case is closed", {}};
        case cases::WriteOutcome::missing:
          return common::ApiRefusal{404, "not_found", "no such case", {}};
        case cases::WriteOutcome::full:
          return common::ApiRefusal{
              409, "too_many_agreements", "the case holds the most agreements it may", {}};
        default:
          return common::ApiRefusal{
              503, "storage_unavailable", "the case could not be written", {}};
      }
    }
    return common::ApiRefusal{503, "busy", "the case kept changing; try again", {}};
  }

  ActionOutcome record(const std::string& case_id, const cases::EventRequest& e,
                       const cases::Actor& actor) {
    const auto action = e.type == cases::EventType::reassigned ? access::CaseAction::reassign
                                                               : access::CaseAction::record;
    return write(
        case_id, actor, action,
        [&](const cases::CaseState& s, Instant now) {
          return cases::apply_event(s, e, actor, rules, now);
        },
        [&](const cases::CaseState& s, const cases::Change& c, const auto& timers) {
          return store.record(case_id, s.version, c, timers);
        });
  }

  // A change through the case API's own body: checked by its own parser
  // (each refusal names the field), then `decide(state, request, actor, now)`
  // makes the write and `put(state, write, timers)` stores it.
  template <class Parse, class Decide, class Put>
  ActionOutcome parsed(const std::string& case_id, const std::string& by, const std::string& body,
                       Parse parse, Decide decide, Put put) {
    const auto who = actor(by);
    using Decided = decltype(decide(std::declval<const cases::CaseState&>(),
                                    std::get<0>(parse(body, Instant{})), who, Instant{}));
    return write(
        case_id, who, access::CaseAction::record,
        [&](const cases::CaseState& s, Instant now) -> Decided {
          auto request = parse(body, now);
          if (auto* r = std::get_if<common::ApiRefusal>(&request)) return *r;
          return decide(s, std::get<0>(request), who, now);
        },
        put);
  }

  // A new agreement or a change of one (the case API's agreement bodies).
  template <class Parse, class Decide>
  ActionOutcome agreement(const std::string& case_id, const std::string& by,
                          const std::string& body, Parse parse, Decide decide) {
    return parsed(
        case_id, by, body, parse, decide,
        [&](const cases::CaseState& s, const cases::AgreementWrite& w, const auto& timers) {
          if (w.replay) return cases::WriteOutcome::done;  // made before: nothing to write
          return store.write_agreement(case_id, s.version, w, cases::kMaxAgreements, timers);
        });
  }

  cases::Actor actor(const std::string& person) const {
    cases::Actor a;
    a.person = person;
    if (const auto* p = directory.person(person)) {
      a.role = p->role;
      a.regions = p->regions;
    }
    return a;
  }

  ActionOutcome answer(const std::string& page_id, const std::string& person, bool ack,
                       const std::string& via_ref = {}) {
    paging::PageAnswerRequest req;
    req.via_ref = via_ref;
    req.person = person;
    req.page_id = page_id;
    req.answer = ack ? paging::Answer::acknowledge : paging::Answer::decline;
    req.via = paging::AnswerVia::web;
    auto lease = redis.lease();
    // A decline's escalation message is due at once: the outbox senders of
    // inbound and notify sweep it to dispatch within 200 ms.
    const auto out = paging::answer_page(*lease, req, domain.now(), real.now(), push_stream_maxlen);
    // The answer is recorded; the person has not heard so (their app asks again).
    common::fault_point("web.after_answer");
    using K = paging::PageAnswerOutcome::Kind;
    switch (out.kind) {
      case K::acknowledged:
      case K::declined:
      case K::already_acknowledged:
        if (ack || out.kind == K::declined) return {};
        return common::ApiRefusal{
            409, "already_acknowledged", "the page was acknowledged already", {}};
      case K::already_declined:
        if (!ack) return {};
        return common::ApiRefusal{409, "already_declined", "the page was declined already", {}};
      case K::taken_by_other:
        return common::ApiRefusal{
            409, "taken_by_other", "a colleague acknowledged this incident", {}};
      case K::not_yours:
        return common::ApiRefusal{403, "not_yours", "this page was not sent to you", {}};
      case K::informational:
        return common::ApiRefusal{
            409, "informational", "this page is for information; nothing to answer", {}};
      default:
        return common::ApiRefusal{404, "not_found", "no such page", {}};
    }
  }
};

ServiceBackend::ServiceBackend(const rota::Directory& directory,
                               const cases::DeadlinesConfig& deadlines,
                               common::Millis reply_code_window, int push_stream_maxlen,
                               const common::RedisConfig& redis_config, common::RedisPool& redis,
                               const common::Clock& domain_clock, const common::Clock& real_clock,
                               const cases::ChainConfig* chain)
    : impl_(std::make_unique<Impl>(directory, deadlines, reply_code_window, push_stream_maxlen,
                                   redis_config, redis, domain_clock, real_clock,
                                   chain ? *chain : kNoChain)) {}
ServiceBackend::~ServiceBackend() = default;

std::vector<ClockView> ServiceBackend::clocks(const std::vector<std::string>& case_ids,
                                              Instant now) {
  std::vector<ClockView> out;
  for (const auto& id : case_ids) {
    const auto state = impl_->store.load(id);
    if (!state) continue;
    const auto eval = cases::evaluate(*state, impl_->rules, now);
    for (const auto& k : eval.clocks) {
      if (k.state != cases::ClockState::running && k.state != cases::ClockState::overdue) continue;
      ClockView v;
      v.case_id = id;
      v.clock = clock_name(k);
      v.label = clock_label(v.clock);
      v.due_at = k.due;
      v.state = clock_state(k, now);
      v.track = k.track;
      if (k.next) v.recipient = cases::recipient_of(*state, impl_->rules, k.next->role, now);
      for (const auto& inc : state->incidents)
        if (!k.incident.empty() && inc.id == k.incident) {
          v.incident = inc.id;
          v.incident_kind = std::string(common::to_string(inc.kind));
          v.incident_at = inc.accepted_at;
        }
      out.push_back(std::move(v));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ClockView& a, const ClockView& b) {
    return a.due_at < b.due_at;  // the most overdue first, then the nearest
  });
  return out;
}

std::vector<EscalationView> ServiceBackend::open_escalations(const std::string& region) {
  std::vector<EscalationView> out;
  for (const auto& s : impl_->repo.open_cases(region)) {
    auto rec = impl_->repo.load(s.id);
    if (!rec) continue;
    for (const auto& p : rec->pages) {
      const auto* person = impl_->directory.person(p.person);
      if (!person || person->role != rota::StaffRole::team_lead) continue;
      if (!unanswered(p)) continue;
      EscalationView e;
      e.id = p.id;
      e.case_id = p.case_id;
      e.region = s.region;
      // rule "deadline:<clock>:<step>" (the engine) or a paging rule.
      auto cause = deadline_cause(p.rule);
      e.clock = std::move(cause.clock);
      e.why = cause.why.empty() ? page_cause(rec->pages, p) : std::move(cause.why);
      e.label = e.clock.empty() ? (e.why == "declined" ? "Page declined" : "Page not answered")
                                : clock_label(e.clock) +
                                      (e.why == "overdue" ? " overdue" : " not acknowledged");
      e.at = common::from_epoch_ms(p.created_at);
      e.to = p.person;
      out.push_back(std::move(e));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const EscalationView& a, const EscalationView& b) { return a.at < b.at; });
  return out;
}

std::vector<UnansweredPage> ServiceBackend::unanswered_pages(const std::string& region) {
  std::vector<UnansweredPage> out;
  for (const auto& s : impl_->repo.open_cases(region)) {
    const auto facts = impl_->repo.facts(s.id);
    if (!facts) continue;
    for (const auto& p : facts->pages)
      if (unanswered(p) && p.created_at) out.push_back({p.id, s.id, p.person, *p.created_at});
  }
  std::sort(out.begin(), out.end(),
            [](const UnansweredPage& a, const UnansweredPage& b) { return a.at < b.at; });
  return out;
}

std::optional<EscalationView> ServiceBackend::escalation(const std::string& id) {
  if (!is_page_id(id)) return std::nullopt;
  auto pages = impl_->repo.pages({id});
  if (pages.empty()) return std::nullopt;
  auto facts = impl_->repo.facts(pages.front().case_id);
  if (!facts) return std::nullopt;
  EscalationView e;
  e.id = id;
  e.case_id = pages.front().case_id;
  e.region = facts->region;
  e.to = pages.front().person;
  e.at = common::from_epoch_ms(pages.front().created_at);
  return e;
}

std::vector<EventType> ServiceBackend::event_types() const {
  std::vector<EventType> out;
  for (auto t : {cases::EventType::first_contact, cases::EventType::intake,
                 cases::EventType::plan_of_action, cases::EventType::help_started,
                 cases::EventType::handover, cases::EventType::monitoring_contact,
                 cases::EventType::evaluation, cases::EventType::closing}) {
    const auto name = std::string(cases::to_string(t));
    out.push_back({name, event_label(name)});
  }
  return out;
}

static_assert(kMaxNote == cases::kMaxEventReason,
              "the web app's note bound is the case service's bound for an event's reason");
static_assert(kMaxReceivingOrganisation == cases::kMaxReceivingOrganisation &&
                  kMaxReceivingRole == cases::kMaxReceivingRole,
              "the web app's handover bounds are the case service's");

CheckinRange ServiceBackend::checkin_range(const std::string& case_id) {
  const auto state = impl_->store.load(case_id);
  if (!state) return {};
  const auto kind = state->opening_kind();
  const auto& p =
      impl_->rules.deadlines.policy(state->region, kind ? common::to_string(*kind) : "");
  return {p.checkin_min_days, p.checkin_max_days};
}

ActionOutcome ServiceBackend::record_event(const std::string& case_id, const std::string& by,
                                           const std::string& type, Instant at,
                                           const std::string& note, const std::string& incident,
                                           const Handover& handover) {
  const auto parsed = cases::parse_event_type(type);
  if (!parsed || *parsed == cases::EventType::reassigned)
    return common::ApiRefusal{422, "unknown_event_type", "unknown event type", "type"};
  cases::EventRequest e;
  e.type = *parsed;
  e.at = at;
  if (at > impl_->domain.now())
    return common::ApiRefusal{422, "in_the_future", "the time lies in the future", "at"};
  e.reason = note;        // whole: the web API refused a note over kMaxNote
  e.incident = incident;  // checked against the case's incidents by apply_event
  // Whether the handover may be recorded (who, conditions, cadence) is
  // apply_event's rule; its refusal names the field.
  e.handover = {handover.organisation, handover.role, handover.safety_reached,
                handover.help_plan_exists, handover.checkin_days};
  return impl_->record(case_id, e, impl_->actor(by));
}

ActionOutcome ServiceBackend::reassign(const std::string& case_id, const std::string& to,
                                       const std::string& by, const std::string& reason) {
  cases::EventRequest e;
  e.type = cases::EventType::reassigned;
  e.at = impl_->domain.now();
  e.casemanager = to;
  e.reason = reason.substr(0, 500);
  return impl_->record(case_id, e, impl_->actor(by));
}

ActionOutcome ServiceBackend::acknowledge_escalation(const std::string& id, const std::string& by) {
  return impl_->answer(id, by, true);
}

ActionOutcome ServiceBackend::acknowledge_page(const std::string& page_id,
                                               const std::string& person,
                                               const std::string& via_ref) {
  return impl_->answer(page_id, person, true, via_ref);
}

ActionOutcome ServiceBackend::decline_page(const std::string& page_id, const std::string& person,
                                           const std::string& via_ref) {
  return impl_->answer(page_id, person, false, via_ref);
}

ActionOutcome ServiceBackend::join_cases(const std::string& case_id, const std::string& other,
                                         const std::string& by, const std::string& reason) {
  auto done = impl_->families.join(case_id, {other, reason.substr(0, 500)}, impl_->actor(by),
                                   impl_->domain.now());
  if (auto* r = std::get_if<common::ApiRefusal>(&done)) return *r;
  return {};
}

ActionOutcome ServiceBackend::split_case(const std::string& case_id, const std::string& other,
                                         const std::string& by, const std::string& reason) {
  auto done = impl_->families.split(case_id, {other, reason.substr(0, 500)}, impl_->actor(by),
                                    impl_->domain.now());
  if (auto* r = std::get_if<common::ApiRefusal>(&done)) return *r;
  return {};
}

std::optional<FamilyLinkView> ServiceBackend::family_link(const std::string& case_id) {
  auto lease = impl_->redis.lease();
  const auto l = cases::FamilyLinks(*lease).find(case_id);
  if (!l) return std::nullopt;
  return FamilyLinkView{l->id, l->created_at, l->by};
}

FamilyLinkMade ServiceBackend::make_family_link(const std::string& case_id, const std::string& by) {
  auto lease = impl_->redis.lease();
  auto made = cases::FamilyLinks(*lease).create(case_id, by, impl_->domain.now());
  if (auto* r = std::get_if<common::ApiRefusal>(&made)) return {*r, {}, {}, {}};
  const auto& c = std::get<cases::FamilyLinkCreated>(made);
  return {{},
          {c.info.id, c.info.created_at, c.info.by},
          std::string(store::kFamilyLinkPath) + c.secret,
          c.replaced};
}

ActionOutcome ServiceBackend::revoke_family_link(const std::string& case_id, const std::string& by,
                                                 std::string& revoked) {
  auto lease = impl_->redis.lease();
  const auto id = cases::FamilyLinks(*lease).revoke(case_id, by, impl_->domain.now());
  if (!id) return common::ApiRefusal{404, "no_link", "the case has no contact link", {}};
  revoked = *id;
  return {};
}

ActionOutcome ServiceBackend::mark_absent(const std::string& person, Instant since, Instant until,
                                          const std::string& by) {
  impl_->store.set_absence(person, true, since, until, by, impl_->domain.now());
  return {};
}

static_assert(kMaxAgreementText == cases::kMaxAgreementText,
              "the web app's bound for an agreement's text is the case service's");

AgreementView agreement_view(const std::string& case_id, const std::string& region,
                             const cases::Agreement& a, const cases::ChainConfig& chain) {
  AgreementView v;
  v.case_id = case_id;
  v.region = region;
  v.id = a.id;
  v.who = a.who;
  if (const auto* p = chain.partner(a.who)) v.partner_name = p->name;
  v.category = a.category;
  v.text = a.text;
  v.track = std::string(cases::to_string(a.track));
  v.state = std::string(cases::to_string(a.state));
  v.due = a.due;
  v.created_at = a.created_at;
  v.changed_at = a.changed_at;
  v.requested_at = a.requested_at;
  v.started_at = a.started_at;
  return v;
}

std::vector<AgreementView> ServiceBackend::agreements(const std::vector<std::string>& case_ids) {
  std::vector<AgreementView> out;
  if (case_ids.empty()) return out;
  for (const auto& s : impl_->store.load_many(case_ids))
    if (s)
      for (const auto& a : s->agreements)
        out.push_back(agreement_view(s->id, s->region, a, impl_->chain));
  return out;
}

std::vector<ReferralWait> ServiceBackend::referral_waits(const std::string& region, Instant since) {
  std::vector<ReferralWait> out;
  auto lease = impl_->redis.lease();
  // Bounded by the script that writes it (store::kReferralWaitsMax).
  const auto r = lease->command({"ZRANGEBYSCORE", store::referral_waits_key(region),
                                 std::to_string(common::to_epoch_ms(since)), "+inf", "WITHSCORES"});
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    // "{case} {agreement} {partner} {wait_ms}" -> started_at
    std::istringstream member(r.elements[i].str);
    ReferralWait w;
    long long wait_ms = -1;
    if (!(member >> w.case_id >> w.agreement >> w.partner >> wait_ms) || wait_ms < 0) continue;
    w.wait = common::Millis{wait_ms};
    w.started_at = common::from_epoch_ms(std::stoll(r.elements[i + 1].str));
    out.push_back(std::move(w));
  }
  return out;
}

AgreementChoices ServiceBackend::agreement_choices(const std::string& region) {
  AgreementChoices c;
  for (const auto& p : impl_->chain.partners)
    if (p.region == region)
      c.partners.push_back({p.id, p.name, std::string(cases::to_string(p.kind)), p.region});
  c.categories = impl_->chain.categories;
  return c;
}

ActionOutcome ServiceBackend::record_agreement(const std::string& case_id, const std::string& by,
                                               const NewAgreementRequest& request) {
  const auto body =
      boost::json::serialize(boost::json::object{{"who", request.who},
                                                 {"category", request.category},
                                                 {"text", request.text},
                                                 {"track", request.track},
                                                 {"due_by", common::format_rfc3339(request.due)}});
  return impl_->agreement(
      case_id, by, body, cases::parse_new_agreement,
      [&](const cases::CaseState& s, cases::NewAgreement a, const cases::Actor& who, Instant now) {
        a.request_key = request.request_key;
        return cases::make_agreement(s, a, who, impl_->chain, now);
      });
}

ActionOutcome ServiceBackend::settle_agreement(const std::string& case_id, const std::string& by,
                                               const std::string& agreement,
                                               const std::string& state,
                                               std::optional<Instant> started_at) {
  boost::json::object o{{"agreement", agreement}, {"state", state}};
  if (started_at) o["started_at"] = common::format_rfc3339(*started_at);
  const auto body = boost::json::serialize(o);
  return impl_->agreement(case_id, by, body, cases::parse_agreement_change,
                          cases::change_agreement);
}

std::vector<TrackView> ServiceBackend::tracks(const std::string& case_id, Instant now) {
  std::vector<TrackView> out;
  const auto state = impl_->store.load(case_id);
  if (!state) return out;
  const auto eval = cases::evaluate(*state, impl_->rules, now);
  for (const auto t : cases::case_tracks(*state)) {
    TrackView v;
    v.track = std::string(cases::to_string(t));
    if (const auto* r = cases::track_record(*state, t)) {
      v.first_contact = track_mark(r->first_contact_at, r->first_contact_by);
      v.intake = track_mark(r->intake_at, r->intake_by);
      if (r->not_applicable) {
        v.not_applicable = track_mark(r->not_applicable_at, r->not_applicable_by);
        v.reason = std::string(cases::to_string(*r->not_applicable));
      }
    }
    v.state = v.not_applicable              ? "not_applicable"
              : v.first_contact || v.intake ? "seen"
                                            : "not_seen";
    for (const auto& k : eval.clocks)
      if (k.clock == cases::ClockKind::track && k.track == v.track &&
          (k.state == cases::ClockState::running || k.state == cases::ClockState::overdue)) {
        v.due = k.due;
        v.clock_state = clock_state(k, now);
      }
    out.push_back(std::move(v));
  }
  return out;
}

ActionOutcome ServiceBackend::record_track(const std::string& case_id, const std::string& by,
                                           const TrackRequest& request) {
  boost::json::object o{{"track", request.track}, {"type", request.type}};
  if (request.at) o["at"] = common::format_rfc3339(*request.at);
  if (!request.reason.empty()) o["reason"] = request.reason;
  // The case API's own parser and rule (each refusal names the field), then its script.
  return impl_->parsed(
      case_id, by, boost::json::serialize(o), cases::parse_track_change, cases::change_track,
      [&](const cases::CaseState& s, const cases::TrackWrite& w, const auto& timers) {
        return impl_->store.write_track(case_id, s.version, w, timers);
      });
}

}  // namespace piket::web
