#include "piket/dispatch/escalator.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <limits>

#include "piket/common/page_script.hpp"
#include "piket/common/page_text.hpp"
#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/reply_code.hpp"
#include "piket/dispatch/redis_caseload.hpp"

namespace piket::dispatch {
namespace {

// ARGV: 1 incident, 2 expected esc_at, 3 expected re-page count, 4 expected
// acknowledged '1'/'0', 5 action (stop|wait|page|repage|exhausted), 6 domain
// now ms, 7 new esc_at, 8 timer ms, 9 person, 10 page id, 11 ack code,
// 12 phone, 13 text, 14 outbox due ms (transport), 15 rule, 16 reason,
// 17 target, 18 skipped positions (JSON list), 19 round of the new page, 20 how
// long its reply code stays valid (ms, common::reply_code_window), 21 the
// page's brief, 22 its rank (common::PageTag), 23 when the step was due ms
// (domain).
std::string step_script() {
  return common::page_lua() + R"lua(
local id = ARGV[1]
local inc = 'incident:' .. id
local f = redis.call('HMGET', inc, 'esc_state', 'esc_at', 'esc_repages', 'status', 'case_id')
if f[1] ~= 'active' then
  redis.call('ZREM', 'escalations:due', id)
  return {'stale'}
end
local acked = '0'
if f[4] == 'acknowledged' then acked = '1' end
if f[2] ~= ARGV[2] or (f[3] or '0') ~= ARGV[3] or acked ~= ARGV[4] then return {'stale'} end
local now = tonumber(ARGV[6])
local action = ARGV[5]
local tl = 'case:' .. (f[5] or '') .. ':timeline'
if action == 'wait' then
  redis.call('ZADD', 'escalations:due', ARGV[8], id)
  return {'waiting'}
end
if action == 'stop' then
  redis.call('HSET', inc, 'esc_state', 'stopped', 'esc_stopped_at', ARGV[6])
  redis.call('ZREM', 'escalations:due', id)
  return {'stopped'}
end
if action == 'exhausted' then
  redis.call('HSET', inc, 'esc_state', 'exhausted', 'esc_stopped_at', ARGV[6])
  redis.call('ZREM', 'escalations:due', id)
  redis.call('RPUSH', tl, cjson.encode({at = now, type = 'escalation_exhausted', incident = id,
    step = ARGV[2], reason = ARGV[16], skipped = cjson.decode(ARGV[18]), by = 'dispatch'}))
  return {'exhausted'}
end
if piket_page_taken(ARGV[9], ARGV[11], ARGV[10]) then return {'ack_collision'} end
local step
if action == 'repage' then
  step = id .. ':forgotten:' .. (tonumber(ARGV[3]) + 1)
else
  step = id .. ':' .. ARGV[7]
end
local payload = piket_create_page({id = ARGV[10], person = ARGV[9], ack_code = ARGV[11],
  to = ARGV[12], text = ARGV[13], incident = id, case = f[5], rule = ARGV[15],
  now = ARGV[6], due = ARGV[14], step = step, code_ttl = ARGV[20], brief = ARGV[21],
  rank = ARGV[22]})
local why = 'escalated'
if action == 'repage' then why = 'no_first_contact' end
redis.call('HSET', 'page:' .. ARGV[10], 'esc_at', ARGV[7], 'reason', why)
redis.call('SADD', inc .. ':pages', ARGV[10])
redis.call('HSET', inc, 'esc_at', ARGV[7], 'esc_due', ARGV[8])
redis.call('HSET', inc .. ':esc_paged', ARGV[9], ARGV[19])
redis.call('ZADD', 'escalations:due', ARGV[8], id)
if action == 'repage' then
  redis.call('HSET', inc, 'status', 'dispatched', 'esc_repages', tonumber(ARGV[3]) + 1)
  redis.call('RPUSH', tl, cjson.encode({at = now, type = 'repaged', incident = id,
    reason = ARGV[16], person = ARGV[9], page = ARGV[10], step = ARGV[7],
    due = tonumber(ARGV[23]), by = 'dispatch'}))
  return {'repaged', payload}
end
if f[4] == 'dispatched' then redis.call('HSET', inc, 'status', 'escalated') end
redis.call('RPUSH', tl, cjson.encode({at = now, type = 'escalated', incident = id,
  from = ARGV[2], to = ARGV[7], target = ARGV[17], reason = ARGV[16], person = ARGV[9],
  page = ARGV[10], skipped = cjson.decode(ARGV[18]), due = tonumber(ARGV[23]), by = 'dispatch'}))
return {'paged', payload}
)lua";
}

const common::RedisScript& script() {
  static const common::RedisScript s{step_script()};
  return s;
}

std::optional<common::Instant> opt_instant(const common::RedisReply& r) {
  if (r.type != common::RedisReply::Type::string || r.str.empty()) return std::nullopt;
  try {
    return common::from_epoch_ms(std::stoll(r.str));
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
  const common::Config& config;
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
};

namespace {
prometheus::Counter& outcome(common::Metrics& m, const char* what) {
  return m.counter("piket_escalation_total", "Escalation outcomes", {{"outcome", what}});
}
}  // namespace

Escalator::Escalator(const common::Config& config, const common::Clock& domain_clock,
                     const common::Clock& transport_clock,
                     const rota::CasemanagerSelector& selector, common::RedisPool& redis,
                     common::Metrics& metrics, OnPage on_page)
    : impl_(new Impl{config, domain_clock, transport_clock, selector, redis, std::move(on_page),
                     outcome(metrics, "paged"), outcome(metrics, "repaged"),
                     outcome(metrics, "exhausted"), outcome(metrics, "step_skipped"),
                     outcome(metrics, "stale"), outcome(metrics, "failed"),
                     outcome(metrics, "ignored"),
                     metrics.gauge("piket_escalations_running",
                                   "Incidents whose escalation timer runs (unacknowledged, or "
                                   "acknowledged and waiting for first contact)")}) {
  if (!config.escalation) throw std::logic_error("Escalator needs [escalation] in the config");
}

Escalator::~Escalator() = default;

EscalationOutcome Escalator::advance(const std::string& incident_id, EscalationTrigger trigger,
                                     const std::string& page_position) {
  using K = EscalationOutcome::Kind;
  using DK = EscalationDecision::Kind;
  auto& i = *impl_;
  auto redis = i.redis.lease();
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto replies =
        redis->pipeline({{"HMGET", "incident:" + incident_id, "status", "case_id", "kind", "region",
                          "reported_at", "esc_state", "esc_at", "esc_due", "acknowledged_at",
                          "acknowledged_by", "esc_repages", "new_case", "contact_at", "plan_at"},
                         {"SMEMBERS", "incident:" + incident_id + ":declined"},
                         {"HGETALL", "incident:" + incident_id + ":esc_paged"}});
    const auto& f = replies.at(0).elements;
    if (f.size() != 14 || f[0].is_nil()) return {K::unknown, {}, {}, {}, {}};
    const std::string status = f[0].str, case_id = f[1].str, region = f[3].str;
    const auto at = parse_position(f[6].str);
    if (f[5].str != "active" || !at) {
      // Nothing runs for it (stopped, exhausted, or never started): drop the timer.
      redis->command({"ZREM", "escalations:due", incident_id});
      return {K::stopped, {}, {}, at.value_or(EscalationPosition{}), {}};
    }
    // A decline or failure of a page from an earlier step changes nothing.
    if (trigger != EscalationTrigger::timer && page_position != f[6].str) {
      i.stale.Increment();
      return {K::stale, {}, {}, *at, {}};
    }
    const auto& policy = i.config.escalation->policy(region);
    EscalationState state;
    state.active = true;
    state.acknowledged = status == "acknowledged";
    state.at = *at;
    state.due = opt_instant(f[7]).value_or(common::Instant{});
    state.acknowledged_at = opt_instant(f[8]);
    state.forgotten_repages = f[10].is_nil() ? 0 : std::atoi(f[10].str.c_str());
    // The case: its own casemanager (for the primary step) and its first
    // contact. A later incident on an open case (clocks per incident,
    // deadlines.md) is met by the contact recorded for it, not the case's.
    const auto case_fields =
        redis->command({"HMGET", "case:" + case_id, "casemanager", "first_contact_at"});
    const auto own = case_fields.elements.at(0).opt_string();
    if (state.acknowledged) {
      const bool opening = f[11].is_nil() || f[11].str != "0";
      state.first_contact_at = opt_instant(f[12]);
      if (!state.first_contact_at) state.first_contact_at = opt_instant(f[13]);
      if (!state.first_contact_at && opening)
        state.first_contact_at = opt_instant(case_fields.elements.at(1));
    }
    const auto now = i.domain_clock.now();
    auto decision = decide(policy, state, trigger, now);

    // Who gets the page; steps with nobody available are skipped.
    std::vector<std::string> exclude;
    for (const auto& d : replies.at(1).elements) exclude.push_back(d.str);
    std::map<std::string, int> paged_round;
    const auto& ph = replies.at(2).elements;
    for (std::size_t k = 0; k + 1 < ph.size(); k += 2)
      paged_round[ph[k].str] = std::atoi(ph[k + 1].str.c_str());
    boost::json::array skipped;
    std::optional<rota::Selection> chosen;
    common::EscalationTarget target = common::EscalationTarget::primary;
    const auto kind = common::parse_incident_kind(f[2].str);
    if (decision.kind == DK::page_next) {
      RedisCaseload caseload(*redis);
      std::optional<EscalationPosition> pos = decision.next;
      while (pos) {
        auto ex = exclude;
        for (const auto& [person, round] : paged_round)
          if (round == pos->round) ex.push_back(person);
        target = policy.steps.at(static_cast<std::size_t>(pos->step)).target;
        rota::SelectionRequest request{region, std::nullopt, now};
        if (own && !own->empty()) request.own_casemanager = *own;
        chosen = i.selector.select_step(target, request, ex, caseload);
        if (chosen && i.config.person(chosen->person_id)) {
          decision.next = *pos;  // the page is at the step that found somebody
          break;
        }
        chosen.reset();
        skipped.push_back(boost::json::string(to_string(*pos)));
        i.skipped.Increment();
        pos = next_position(policy, *pos);
      }
      if (!chosen) decision.kind = DK::exhausted;
    }
    std::string person_id;
    if (decision.kind == DK::repage) {
      person_id = f[9].str;
      if (!i.config.person(person_id)) decision.kind = DK::stop;  // left the deployment
    }
    if (chosen) person_id = chosen->person_id;

    const auto now_ms = std::to_string(common::to_epoch_ms(now));
    std::string action = "stop", new_at = f[6].str, timer = "0", page_id, ack_code, phone, text,
                rule, reason(to_string(trigger)), round = "0", brief, rank, step_due = "0";
    std::optional<common::Instant> next;
    switch (decision.kind) {
      case DK::stop:
        break;
      case DK::wait:
        action = "wait";
        timer = std::to_string(common::to_epoch_ms(decision.until));
        next = decision.until;
        break;
      case DK::exhausted:
        action = "exhausted";
        break;
      case DK::page_next:
      case DK::repage: {
        const bool repage = decision.kind == DK::repage;
        action = repage ? "repage" : "page";
        const auto pos = repage ? state.at : decision.next;
        new_at = to_string(pos);
        round = std::to_string(pos.round);
        // The next step waits from when this one was due, not from now: in a
        // clock jump every step that fell due is taken, in order.
        next = next_due(policy, pos, decision.step_due);
        timer = std::to_string(common::to_epoch_ms(*next));
        step_due = std::to_string(common::to_epoch_ms(decision.step_due));
        const auto* person = i.config.person(person_id);
        page_id = common::new_page_id();
        ack_code = common::new_ack_code();
        phone = person->phone;
        rule = repage ? "forgotten" : std::string(to_string(chosen->rule));
        if (repage) reason = "no_first_contact";
        const auto reported = opt_instant(f[4]).value_or(now);
        std::optional<common::PageContent> content;
        if (kind)
          content = common::PageContent{
              case_id,
              *kind,
              region,
              reported,
              ack_code,
              repage ? common::PageReason::no_first_contact : common::PageReason::escalated};
        const auto t = content ? common::render_page_sms(*content) : std::nullopt;
        const auto tag = content ? common::page_tag(*content) : std::nullopt;
        if (!t || !tag)
          throw std::runtime_error("escalation page text could not be rendered for case " +
                                   case_id);
        text = *t;
        brief = tag->brief;
        rank = std::to_string(tag->rank);
        break;
      }
    }
    const auto outbox_due = std::to_string(common::to_epoch_ms(i.transport_clock.now()) +
                                           i.config.outbox.resend_after.count());
    const auto r = redis->eval(script(), {},
                               {incident_id,
                                f[6].str,
                                std::to_string(state.forgotten_repages),
                                state.acknowledged ? "1" : "0",
                                action,
                                now_ms,
                                new_at,
                                timer,
                                person_id,
                                page_id,
                                ack_code,
                                phone,
                                text,
                                outbox_due,
                                rule,
                                reason,
                                std::string(to_string(target)),
                                boost::json::serialize(skipped),
                                round,
                                std::to_string(common::reply_code_window(i.config).count()),
                                brief,
                                rank,
                                step_due});
    const auto& outcome = r.elements.at(0).str;
    if (outcome == "stale") {
      // Something moved the incident on meanwhile; look again (a timer), or
      // let the newer state stand (a message about an older step).
      i.stale.Increment();
      if (trigger == EscalationTrigger::timer) continue;
      return {K::stale, {}, {}, state.at, {}};
    }
    if (outcome == "ack_collision") continue;
    if (outcome == "waiting") return {K::waiting, {}, {}, state.at, next};
    if (outcome == "stopped") return {K::stopped, {}, {}, state.at, {}};
    if (outcome == "exhausted") {
      i.exhausted.Increment();
      spdlog::error("incident {}: escalation exhausted at step {}; nobody acknowledged",
                    incident_id, f[6].str);
      return {K::exhausted, {}, {}, state.at, {}};
    }
    const bool repage = outcome == "repaged";
    (repage ? i.repaged : i.paged).Increment();
    spdlog::info("incident {}: {} page {} to {} at step {} ({})", incident_id,
                 repage ? "re-page" : "escalation", page_id, person_id, new_at, reason);
    if (i.on_page) i.on_page(page_id, r.elements.at(1).str);
    return {repage ? K::repaged : K::paged, page_id, person_id, *parse_position(new_at), next};
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
      const auto r = redis->pipeline({{"ZRANGEBYSCORE", "escalations:due", "-inf", now_ms,
                                       "WITHSCORES", "LIMIT", "0", round_limit},
                                      {"ZCARD", "escalations:due"}});
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
        i.redis.lease()->command({"ZREM", "escalations:due", id});
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
        i.redis.lease()->command({"ZADD", "escalations:due", std::to_string(retry), id});
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
  const auto f = i.redis.lease()->command(
      {"HMGET", "page:" + page_id, "incident", "esc_at", declined ? "declined_at" : "failed_at"});
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

}  // namespace piket::dispatch
