#include "piket/paging/escalator.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <limits>

#include "piket/common/fault_point.hpp"
#include "piket/common/periodic.hpp"
#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/dispatch/redis_caseload.hpp"
#include "piket/paging/page_expansion.hpp"
#include "piket/paging/page_script.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/reply_code.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/dispatch_scripts.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/page.hpp"

namespace piket::paging {
namespace {

// One step: store/lua/dispatch/dispatch_escalation_step.lua.
const common::RedisScript& script() {
  static const common::RedisScript s{std::string(lua::dispatch_escalation_step())};
  return s;
}

std::optional<common::Instant> opt_instant(const std::optional<std::string>& ms) {
  if (!ms || ms->empty()) return std::nullopt;
  try {
    return common::from_epoch_ms(std::stoll(*ms));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string_view to_string(EscalationOutcome::Kind k) {
  using K = EscalationOutcome::Kind;
  switch (k) {
    case K::paged:
      return "paged";
    case K::repaged:
      return "repaged";
    case K::waiting:
      return "waiting";
    case K::stopped:
      return "stopped";
    case K::exhausted:
      return "exhausted";
    case K::stale:
      return "stale";
    case K::unknown:
      return "unknown";
  }
  return "unknown";
}

struct Escalator::Impl {
  const paging::EscalationConfig escalation;
  const rota::Directory& directory;
  const common::OutboxConfig outbox;
  const common::Millis reply_code_window;
  const common::Clock& domain_clock;
  const common::Clock& transport_clock;
  const rota::CasemanagerSelector& selector;
  common::RedisPool& redis;
  OnPage on_page;
  prometheus::Counter& paged;
  prometheus::Counter& repaged;
  prometheus::Counter& exhausted;
  prometheus::Counter& skipped;
  prometheus::Counter& stale;
  prometheus::Counter& failed;
  prometheus::Counter& ignored;
  prometheus::Gauge& running;
  std::unique_ptr<common::Periodic> timers{};  // start(): the timer loop
};

namespace {
prometheus::Counter& outcome(common::Metrics& m, const char* what) {
  return m.counter("piket_escalation_total", "Escalation outcomes", {{"outcome", what}});
}
}  // namespace

Escalator::Escalator(paging::EscalationConfig escalation, const rota::Directory& directory,
                     const common::SharedConfig& shared, common::Millis reply_code_window,
                     const common::Clock& domain_clock, const common::Clock& transport_clock,
                     const rota::CasemanagerSelector& selector, common::RedisPool& redis,
                     common::Metrics& metrics, OnPage on_page)
    : impl_(new Impl{std::move(escalation), directory, shared.outbox, reply_code_window,
                     domain_clock, transport_clock, selector, redis, std::move(on_page),
                     outcome(metrics, "paged"), outcome(metrics, "repaged"),
                     outcome(metrics, "exhausted"), outcome(metrics, "step_skipped"),
                     outcome(metrics, "stale"), outcome(metrics, "failed"),
                     outcome(metrics, "ignored"),
                     metrics.gauge("piket_escalations_running",
                                   "Incidents whose escalation timer runs (unacknowledged, or "
                                   "acknowledged and waiting for first contact)")}) {}

Escalator::~Escalator() {
  stop();
}

void Escalator::start() {
  if (!impl_->timers)
    impl_->timers = std::make_unique<common::Periodic>(
        common::PeriodicOptions{.name = "escalation timers", .every = impl_->escalation.poll},
        impl_->transport_clock, [this] { run_due(); });
  impl_->timers->start();
}

void Escalator::stop() {
  if (impl_->timers) impl_->timers->stop();
}

EscalationOutcome Escalator::advance(const std::string& incident_id, EscalationTrigger trigger,
                                     const std::string& page_position) {
  using K = EscalationOutcome::Kind;
  using DK = EscalationDecision::Kind;
  auto& i = *impl_;
  auto redis = i.redis.lease();
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto replies = redis->pipeline({store::EscalationIncidentFields::hmget(incident_id),
                                          {"SMEMBERS", store::incident_declined_key(incident_id)},
                                          {"HGETALL", store::incident_esc_paged_key(incident_id)}});
    const auto read = store::EscalationIncidentFields::parse(replies.at(0).element_optionals());
    if (!read) return {K::unknown, {}, {}, {}, {}};
    const auto& f = *read;
    const std::string& case_id = f.case_id;
    const std::string& region = f.region;
    const auto at = parse_position(f.esc_at);
    if (f.esc_state != "active" || !at) {
      // Nothing runs for it (stopped, exhausted, or never started): drop the timer.
      redis->command({"ZREM", store::kEscalationsDue, incident_id});
      return {K::stopped, {}, {}, at.value_or(EscalationPosition{}), {}};
    }
    // A decline or failure of a page from an earlier step changes nothing.
    if (trigger != EscalationTrigger::timer && page_position != f.esc_at) {
      i.stale.Increment();
      return {K::stale, {}, {}, *at, {}};
    }
    const auto& policy = i.escalation.policy(region);
    EscalationState state;
    state.active = true;
    state.acknowledged = f.status == "acknowledged";
    state.at = *at;
    state.due = opt_instant(f.esc_due).value_or(common::Instant{});
    state.acknowledged_at = opt_instant(f.acknowledged_at);
    state.forgotten_repages = f.esc_repages ? std::atoi(f.esc_repages->c_str()) : 0;
    // The case: its own casemanager (for the primary step) and its first
    // contact. A later incident on an open case (clocks per incident,
    // deadlines.md) is met by the contact recorded for it, not the case's.
    const auto case_fields =
        redis->command({"HMGET", store::case_key(case_id), "casemanager", "first_contact_at"});
    const auto own = case_fields.elements.at(0).opt_string();
    if (state.acknowledged) {
      const bool opening = !f.new_case || *f.new_case != "0";
      state.first_contact_at = opt_instant(f.contact_at);
      if (!state.first_contact_at) state.first_contact_at = opt_instant(f.plan_at);
      if (!state.first_contact_at && opening)
        state.first_contact_at = opt_instant(case_fields.elements.at(1).opt_string());
    }
    const auto now = i.domain_clock.now();
    // decide() asks who each step could page: the rota's choice for the
    // step's target, without whoever declined this incident or was paged
    // earlier in the same round, and only people the deployment knows.
    std::vector<std::string> declined;
    for (const auto& d : replies.at(1).elements) declined.push_back(d.str);
    std::map<std::string, int> paged_round;
    const auto& ph = replies.at(2).elements;
    for (std::size_t k = 0; k + 1 < ph.size(); k += 2)
      paged_round[ph[k].str] = std::atoi(ph[k + 1].str.c_str());
    dispatch::RedisCaseload caseload(*redis);
    rota::SelectionRequest request{region, std::nullopt, now};
    if (own && !own->empty()) request.own_casemanager = *own;
    const Candidates candidates = [&](EscalationTarget target,
                                      int round) -> std::optional<Candidate> {
      auto exclude = declined;
      for (const auto& [person, r] : paged_round)
        if (r == round) exclude.push_back(person);
      const auto chosen = i.selector.select_step(target, request, exclude, caseload);
      if (!chosen || !i.directory.person(chosen->person_id)) return std::nullopt;
      return Candidate{chosen->person_id, chosen->rule};
    };
    auto decision = decide(state, policy, candidates, trigger, now);
    boost::json::array skipped;
    for (const auto& pos : decision.skipped) {
      skipped.push_back(boost::json::string(to_string(pos)));
      i.skipped.Increment();
    }
    const auto target = policy.steps.at(static_cast<std::size_t>(decision.next.step)).target;
    const auto kind = common::parse_incident_kind(f.kind);
    std::string person_id;
    if (decision.kind == DK::repage) {
      person_id = f.acknowledged_by;
      if (!i.directory.person(person_id)) decision.kind = DK::stop;  // left the deployment
    }
    if (decision.who) person_id = decision.who->person_id;

    using Action = store::EscalationStepArgs::Action;
    store::EscalationStepArgs step;
    step.incident_id = incident_id;
    step.expected_at = f.esc_at;
    step.expected_repages = state.forgotten_repages;
    step.expected_acknowledged = state.acknowledged;
    step.now_ms = common::to_epoch_ms(now);
    step.new_at = f.esc_at;
    step.page.person = person_id;
    step.reason = std::string(to_string(trigger));
    std::optional<common::Instant> next;
    switch (decision.kind) {
      case DK::stop:
        break;
      case DK::wait:
        step.action = Action::wait;
        step.timer_ms = common::to_epoch_ms(decision.until);
        next = decision.until;
        break;
      case DK::exhausted:
        step.action = Action::exhausted;
        break;
      case DK::page_next:
      case DK::repage: {
        const bool repage = decision.kind == DK::repage;
        step.action = repage ? Action::repage : Action::page;
        const auto pos = repage ? state.at : decision.next;
        step.new_at = to_string(pos);
        step.round = pos.round;
        // The next step waits from when this one was due, not from now: in a
        // clock jump every step that fell due is taken, in order.
        next = next_due(policy, pos, decision.step_due);
        step.timer_ms = common::to_epoch_ms(*next);
        step.step_due_ms = common::to_epoch_ms(decision.step_due);
        const auto* person = i.directory.person(person_id);
        step.page.page_id = new_page_id();
        step.page.ack_code = new_ack_code();
        step.page.phone = person->phone;
        step.rule = repage ? "forgotten" : std::string(to_string(decision.who->rule));
        if (repage) step.reason = "no_first_contact";
        const auto reported = opt_instant(f.reported_at).value_or(now);
        std::optional<paging::PageContent> content;
        if (kind)
          content = paging::PageContent{
              case_id,
              *kind,
              region,
              reported,
              step.page.ack_code,
              repage ? paging::PageReason::no_first_contact : paging::PageReason::escalated,
              i.directory.language_of(person)};
        const auto t = content ? paging::render_page_sms(*content) : std::nullopt;
        const auto tag = content ? paging::page_tag(*content) : std::nullopt;
        if (!t || !tag)
          throw std::runtime_error("escalation page text could not be rendered for case " +
                                   case_id);
        step.page.text = *t;
        step.brief = tag->brief;
        step.rank = tag->rank;
        // The page's deliveries and the plan that starts its first channel,
        // part of the step: notify, told of it, only wakes a worker.
        step.expansion = new_page_expansion(step.page.page_id, person_id, person,
                                            {now, i.transport_clock.now(), i.outbox.resend_after});
        break;
      }
    }
    step.outbox_due_ms =
        common::to_epoch_ms(i.transport_clock.now()) + i.outbox.resend_after.count();
    step.target = std::string(to_string(target));
    step.skipped = boost::json::serialize(skipped);
    step.code_ttl_ms = i.reply_code_window.count();
    const auto r =
        store::EscalationStepReply::parse(redis->eval(script(), {}, step.args()).element_strings());
    if (!r) throw std::runtime_error("unexpected reply from the escalation step script");
    using R = store::EscalationStepReply::Kind;
    switch (r->kind) {
      case R::stale:
        // Something moved the incident on meanwhile; look again (a timer), or
        // let the newer state stand (a message about an older step).
        i.stale.Increment();
        if (trigger == EscalationTrigger::timer) continue;
        return {K::stale, {}, {}, state.at, {}};
      case R::ack_collision:
        continue;
      case R::waiting:
        return {K::waiting, {}, {}, state.at, next};
      case R::stopped:
        return {K::stopped, {}, {}, state.at, {}};
      case R::exhausted:
        i.exhausted.Increment();
        spdlog::error("incident {}: escalation exhausted at step {}; nobody acknowledged",
                      incident_id, f.esc_at);
        return {K::exhausted, {}, {}, state.at, {}};
      case R::paged:
      case R::repaged:
        break;
    }
    common::fault_point("dispatch.after_step");  // the step taken, its message not yet sent
    const bool repage = r->kind == R::repaged;
    (repage ? i.repaged : i.paged).Increment();
    spdlog::info("incident {}: {} page {} to {} at step {} ({})", incident_id,
                 repage ? "re-page" : "escalation", step.page.page_id, person_id, step.new_at,
                 step.reason);
    if (i.on_page) i.on_page(step.page.page_id, r->payload);
    return {repage ? K::repaged : K::paged, step.page.page_id, person_id,
            *parse_position(step.new_at), next};
  }
  throw std::runtime_error("escalation of incident " + incident_id + " kept colliding");
}

int Escalator::run_due() {
  auto& i = *impl_;
  const auto now = i.domain_clock.now();
  const auto now_ms = std::to_string(common::to_epoch_ms(now));
  int handled = 0;
  const auto round_limit = std::to_string(kDueTimersPerRound);
  // Rounds of up to kDueTimersPerRound due timers, earliest first. A step taken may set its
  // incident's next timer at or before now (a jump): the round stops before
  // any timer due after that one, and the next round takes them in order.
  for (int round = 0; round < 10000; ++round) {
    std::vector<std::pair<std::string, long long>> due;
    {
      auto redis = i.redis.lease();
      const auto r = redis->pipeline({{"ZRANGEBYSCORE", std::string(store::kEscalationsDue), "-inf",
                                       now_ms, "WITHSCORES", "LIMIT", "0", round_limit},
                                      {"ZCARD", std::string(store::kEscalationsDue)}});
      const auto& e = r.at(0).elements;
      for (std::size_t k = 0; k + 1 < e.size(); k += 2)
        due.emplace_back(e[k].str, std::atoll(e[k + 1].str.c_str()));
      i.running.Set(static_cast<double>(r.at(1).integer));
    }
    if (due.empty()) break;
    auto cutoff = std::numeric_limits<long long>::max();
    for (const auto& [id, score] : due) {
      if (score > cutoff) break;
      ++handled;
      if (!common::is_incident_id(id)) {
        spdlog::warn("escalation: malformed timer entry dropped");
        i.redis.lease()->command({"ZREM", store::kEscalationsDue, id});
        continue;
      }
      try {
        const auto out = advance(id, EscalationTrigger::timer);
        if (out.next_due && *out.next_due <= now)
          cutoff = std::min<long long>(cutoff, common::to_epoch_ms(*out.next_due));
      } catch (const common::RedisError&) {
        throw;  // Redis is down: the whole round waits
      } catch (const std::exception& e) {
        // One incident that cannot be escalated (e.g. a record that cannot be
        // rendered) must not hold up the others: it is tried again in a minute.
        i.failed.Increment();
        spdlog::error("incident {}: escalation failed ({}); retried in a minute", id, e.what());
        const auto retry = common::to_epoch_ms(now + std::chrono::minutes{1});
        i.redis.lease()->command({"ZADD", store::kEscalationsDue, std::to_string(retry), id});
      }
    }
  }
  return handled;
}

bool Escalator::handle_message(std::string_view channel, std::string_view id,
                               std::string_view payload) {
  auto& i = *impl_;
  if (channel != "escalation" || id.size() > 64) {
    spdlog::warn("escalation: message with unexpected channel or id dropped");
    return true;
  }
  boost::system::error_code ec;
  const auto v = boost::json::parse(payload, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* page = o ? o->if_contains("page_id") : nullptr;
  const auto* reason = o ? o->if_contains("reason") : nullptr;
  if (!page || !page->is_string() || !common::is_page_id(page->as_string()) || !reason ||
      !reason->is_string() ||
      (reason->as_string() != "declined" && reason->as_string() != "undeliverable") ||
      id != std::string(page->as_string()) + ":" + std::string(reason->as_string())) {
    spdlog::warn("escalation: malformed message {} dropped", id);
    return true;
  }
  const std::string page_id(page->as_string());
  const bool declined = reason->as_string() == "declined";
  const auto trigger = declined ? EscalationTrigger::declined : EscalationTrigger::undeliverable;
  // The message is a claim; Redis is the record. It is acted on only when the
  // page is an escalation page that really was declined (inbound wrote
  // declined_at) or could not be delivered (notify wrote failed_at) — and
  // advance() only when it is still the incident's current step.
  const auto f = i.redis.lease()->command({"HMGET", store::page_key(page_id), "incident", "esc_at",
                                           declined ? "declined_at" : "failed_at"});
  if (f.elements.size() != 3 || f.elements[0].is_nil() ||
      !common::is_incident_id(f.elements[0].str)) {
    i.ignored.Increment();
    spdlog::warn("escalation: message {} ignored: there is no page {}", id, page_id);
    return true;
  }
  // Not an escalation page (an inform page, a deadline page): inbound and
  // notify send a message for every decline and failure; nothing to do.
  if (f.elements[1].is_nil()) return true;
  const auto& incident = f.elements[0].str;
  if (f.elements[2].is_nil()) {
    i.ignored.Increment();
    spdlog::warn("escalation: message {} ignored: page {} of incident {} was not {}", id, page_id,
                 incident, declined ? "declined" : "undeliverable");
    return true;
  }
  const auto out = advance(incident, trigger, f.elements[1].str);
  if (out.kind == EscalationOutcome::Kind::stale)
    spdlog::info(
        "escalation: message {} changes nothing: page {} is not the current step of "
        "incident {}",
        id, page_id, incident);
  return true;
}

}  // namespace piket::paging
