#include "piket/dispatch/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include "piket/common/page_script.hpp"
#include "piket/common/page_text.hpp"
#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/common/reply_code.hpp"
#include "piket/dispatch/capacity_alert.hpp"
#include "piket/dispatch/escalation_plan.hpp"
#include "piket/dispatch/redis_caseload.hpp"

namespace piket::dispatch {
namespace {

// ARGV: 1 incident, 2 case, 3 person, 4 rule, 5 page id, 6 ack code, 7 phone,
// 8 text, 9 now ms (domain), 10 outbox due ms (transport), 11 assign case '1'/'0',
// 12 inform person or '' (the own casemanager, off duty), 13 their page id,
// 14 their ack code, 15 their phone, 16 their text, 17 escalation position
// ("round.step") or '' when no escalation policy runs, 18 its first timer (domain ms),
// 19 how long the reply codes stay valid (ms, common::reply_code_window),
// 20 the page's brief, 21 its rank, 22 the inform page's brief, 23 its rank
// (common::PageTag). The inform page is information: its ack code is ''.
// 24 capacity key (capacity_alert.hpp), 25 every on-call casemanager at cap '1'/'0',
// 26 the team lead to tell or '', 27 their page id, 28 ack code, 29 phone, 30 text,
// 31 capacity history key. (The capacity page has no brief: it is never bundled.)
// The page itself is written by the shared helper (common/page_script.hpp).
std::string commit_script() {
  return common::page_lua() + R"lua(
local inc = 'incident:' .. ARGV[1]
local st = redis.call('HGET', inc, 'status')
if not st then return {'missing'} end
if st ~= 'accepted' then return {'already', redis.call('HGET', inc, 'page_id') or ''} end
if piket_page_taken(ARGV[3], ARGV[6], ARGV[5]) then return {'ack_collision'} end
if ARGV[12] ~= '' and (piket_page_taken(ARGV[12], ARGV[14], ARGV[13]) or ARGV[13] == ARGV[5]) then
  return {'ack_collision'}
end
-- A coverage problem begins: the team lead is paged once, when it is first seen.
local tell_lead = ARGV[25] == '1' and ARGV[26] ~= '' and redis.call('EXISTS', ARGV[24]) == 0
if tell_lead and (piket_page_taken(ARGV[26], ARGV[28], ARGV[27]) or ARGV[27] == ARGV[5]
                  or ARGV[27] == ARGV[13] or (ARGV[26] == ARGV[3] and ARGV[28] == ARGV[6])
                  or (ARGV[26] == ARGV[12] and ARGV[28] == ARGV[14])) then
  return {'ack_collision'}
end
local case = 'case:' .. ARGV[2]
if ARGV[11] == '1' then
  local cur = redis.call('HGET', case, 'casemanager')
  if not cur or cur == '' then
    redis.call('HSET', case, 'casemanager', ARGV[3])
    redis.call('SADD', 'caseload:' .. ARGV[3], ARGV[2])
    redis.call('RPUSH', case .. ':timeline', cjson.encode({at = tonumber(ARGV[9]),
      type = 'casemanager_assigned', person = ARGV[3], rule = ARGV[4], by = 'dispatch'}))
  end
end
local step = ''
if ARGV[17] ~= '' then step = ARGV[1] .. ':' .. ARGV[17] end
local payload = piket_create_page({id = ARGV[5], person = ARGV[3], ack_code = ARGV[6],
  to = ARGV[7], text = ARGV[8], incident = ARGV[1], case = ARGV[2], rule = ARGV[4],
  now = ARGV[9], due = ARGV[10], step = step, code_ttl = ARGV[19], brief = ARGV[20],
  rank = ARGV[21]})
if ARGV[17] ~= '' then
  -- The escalation policy starts: its timer and who was paged in which round.
  redis.call('HSET', 'page:' .. ARGV[5], 'esc_at', ARGV[17])
  redis.call('SADD', inc .. ':pages', ARGV[5])
  redis.call('HSET', inc, 'esc_state', 'active', 'esc_at', ARGV[17], 'esc_due', ARGV[18])
  redis.call('HSET', inc .. ':esc_paged', ARGV[3], string.match(ARGV[17], '^(%d+)'))
  redis.call('ZADD', 'escalations:due', ARGV[18], ARGV[1])
end
redis.call('HSET', inc, 'status', 'dispatched', 'page_id', ARGV[5], 'assignee', ARGV[3],
           'rule', ARGV[4], 'dispatched_at', ARGV[9])
redis.call('RPUSH', case .. ':timeline', cjson.encode({at = tonumber(ARGV[9]), type = 'paged',
  incident = ARGV[1], person = ARGV[3], rule = ARGV[4], page = ARGV[5], by = 'dispatch'}))
local inform_payload = ''
if ARGV[12] ~= '' then
  inform_payload = piket_create_page({id = ARGV[13], person = ARGV[12], ack_code = ARGV[14],
    to = ARGV[15], text = ARGV[16], incident = ARGV[1], case = ARGV[2], rule = 'inform',
    now = ARGV[9], due = ARGV[10], code_ttl = ARGV[19], brief = ARGV[22], rank = ARGV[23]})
  redis.call('RPUSH', case .. ':timeline', cjson.encode({at = tonumber(ARGV[9]), type = 'informed',
    incident = ARGV[1], person = ARGV[12], page = ARGV[13], by = 'dispatch'}))
end
local capacity_payload = ''
if ARGV[25] == '1' then
  if redis.call('EXISTS', ARGV[24]) == 0 then
    redis.call('HSET', ARGV[24], 'since', ARGV[9], 'past_on_call', 0, 'person', ARGV[26])
    if tell_lead then
      capacity_payload = piket_create_page({id = ARGV[27], person = ARGV[26], ack_code = ARGV[28],
        to = ARGV[29], text = ARGV[30], incident = '', case = '', rule = 'capacity',
        now = ARGV[9], due = ARGV[10], code_ttl = ARGV[19]})
      redis.call('HSET', ARGV[24], 'page', ARGV[27])
    end
  end
  if ARGV[4] == 'backup' or ARGV[4] == 'team_lead' then
    redis.call('HINCRBY', ARGV[24], 'past_on_call', 1)
    redis.call('HSET', inc, 'past_cap', '1')
  end
  redis.call('HSET', ARGV[24], 'last_at', ARGV[9])
elseif redis.call('EXISTS', ARGV[24]) == 1 then
  -- An on-call casemanager is under their cap again: the problem is over.
  local h = redis.call('HMGET', ARGV[24], 'since', 'past_on_call')
  redis.call('LPUSH', ARGV[31], cjson.encode({since = tonumber(h[1]), ['until'] = tonumber(ARGV[9]),
    past_on_call = tonumber(h[2])}))
  redis.call('LTRIM', ARGV[31], 0, 99)
  redis.call('DEL', ARGV[24])
end
return {'dispatched', ARGV[5], payload, ARGV[13], inform_payload, ARGV[27], capacity_payload}
)lua";
}

const common::RedisScript& script() {
  static const common::RedisScript s{commit_script()};
  return s;
}

}  // namespace

struct Dispatcher::Impl {
  const rota::Directory& directory;
  const common::OutboxConfig outbox;
  const std::optional<EscalationConfig> escalation;
  const common::Millis reply_code_window;
  const common::Clock& domain_clock;
  const common::Clock& transport_clock;
  const rota::CasemanagerSelector& selector;
  std::function<void(const std::string&, const std::string&)> on_page;
  common::RedisPool redis;
  prometheus::Counter& dispatched;
  prometheus::Counter& duplicates;
  prometheus::Counter& nobody;
  prometheus::Histogram& latency;
};

Dispatcher::Dispatcher(const rota::Directory& directory, const common::SharedConfig& shared,
                       std::optional<EscalationConfig> escalation, common::Millis reply_code_window,
                       const common::Clock& domain_clock, const common::Clock& transport_clock,
                       const rota::CasemanagerSelector& selector, common::Metrics& metrics,
                       std::function<void(const std::string&, const std::string&)> on_page)
    : impl_(new Impl{directory, shared.outbox, std::move(escalation), reply_code_window,
                     domain_clock, transport_clock, selector, std::move(on_page),
                     common::RedisPool{shared.redis},
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "dispatched"}}),
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "duplicate"}}),
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "nobody_to_page"}}),
                     metrics.latency("piket_dispatch_seconds", "Time to dispatch an incident")}) {}

Dispatcher::~Dispatcher() = default;

DispatchResult Dispatcher::dispatch(const std::string& incident_id, const std::string& case_hint) {
  auto& i = *impl_;
  const auto started = i.transport_clock.now();
  auto redis = i.redis.lease();
  // One round trip for the incident and (by the message's hint) its case;
  // the hint is only trusted when the incident confirms it.
  std::vector<std::vector<std::string>> reads{
      {"HMGET", "incident:" + incident_id, "status", "case_id", "kind", "region", "reported_at"}};
  if (!case_hint.empty())
    reads.push_back({"HMGET", "case:" + case_hint, "casemanager", "previous_casemanager"});
  auto replies = redis->pipeline(reads);
  const auto& inc = replies.at(0);
  if (inc.elements.size() != 5 || inc.elements[0].is_nil())
    return {DispatchResult::Kind::unknown_incident, {}, {}, {}};
  if (inc.elements[0].str != "accepted") {
    i.duplicates.Increment();
    return {DispatchResult::Kind::already_dispatched, {}, {}, {}};
  }
  const std::string case_id = inc.elements[1].str;
  const auto kind = common::parse_incident_kind(inc.elements[2].str);
  const std::string region = inc.elements[3].str;
  const auto reported_at = common::from_epoch_ms(std::stoll(inc.elements[4].str));
  const auto case_fields =
      case_id == case_hint
          ? replies.at(1)
          : redis->command({"HMGET", "case:" + case_id, "casemanager", "previous_casemanager"});
  const auto field = [&](std::size_t n) -> std::optional<std::string> {
    if (case_fields.elements.size() <= n) return std::nullopt;
    auto v = case_fields.elements[n].opt_string();
    if (v && v->empty()) return std::nullopt;
    return v;
  };
  const auto own = field(0);

  rota::SelectionRequest request{region, own, i.domain_clock.now()};
  // A returning family's new case: offered first to the earlier casemanager.
  if (!own) request.previous_casemanager = field(1);
  RedisCaseload caseload(*redis);
  const auto selection = i.selector.select(request, caseload);
  if (!selection || !kind) {
    i.nobody.Increment();
    spdlog::error("incident {}: nobody to page in region {}", incident_id, region);
    return {DispatchResult::Kind::nobody_to_page, {}, {}, {}};
  }
  const auto* person = i.directory.person(selection->person_id);
  if (!person) {
    i.nobody.Increment();
    spdlog::error("incident {}: selected person {} is not configured", incident_id,
                  selection->person_id);
    return {DispatchResult::Kind::nobody_to_page, {}, {}, {}};
  }
  // The case gets a casemanager when it has none and a casemanager was chosen.
  const bool assign = !request.own_casemanager && person->role == rota::StaffRole::casemanager;
  const auto now_ms = std::to_string(common::to_epoch_ms(i.domain_clock.now()));
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string page_id = common::new_page_id();
    const std::string ack_code = common::new_ack_code();
    const common::PageContent content{case_id, *kind, region, reported_at, ack_code};
    const auto text = common::render_page_sms(content);
    const auto tag = common::page_tag(content);
    if (!text || !tag)
      throw std::runtime_error("page text could not be rendered for case " + case_id);
    const auto due = std::to_string(common::to_epoch_ms(i.transport_clock.now()) +
                                    i.outbox.resend_after.count());
    // The family's own casemanager, off duty, hears of it (rota rule (a) did not hold).
    // It is information (common/page_class.hpp): no reply code, nothing to answer.
    std::string inform_id, inform_page, inform_phone, inform_text;
    common::PageTag inform_tag;
    if (selection->inform && *selection->inform != person->id) {
      if (const auto* own_person = i.directory.person(*selection->inform)) {
        inform_page = common::new_page_id();
        const common::PageContent fyi{case_id, *kind, region, reported_at, ""};
        const auto t = common::render_inform_sms(fyi);
        const auto g = common::inform_tag(fyi);
        if (t && g) {
          inform_id = own_person->id;
          inform_phone = own_person->phone;
          inform_text = *t;
          inform_tag = *g;
        }
      }
    }
    std::string esc_at, esc_due;
    if (i.escalation) {
      const auto& policy = i.escalation->policy(region);
      const auto position = initial_position(policy, selection->rule);
      esc_at = to_string(position);
      esc_due =
          std::to_string(common::to_epoch_ms(i.domain_clock.now() + wait_at(policy, position)));
    }
    // Every on-call casemanager at their cap: the region's team lead is told
    // (once, when the problem is first seen; the script decides).
    std::string lead_id, lead_page, lead_code, lead_phone, lead_text;
    if (selection->on_call_at_cap) {
      const auto lead =
          i.selector.select_step(common::EscalationTarget::team_lead, request, {}, caseload);
      if (const auto* p = lead ? i.directory.person(lead->person_id) : nullptr) {
        lead_page = common::new_page_id();
        lead_code = common::new_ack_code();
        if (auto t = render_capacity_alert(region, i.domain_clock.now(), lead_code)) {
          lead_id = p->id;
          lead_phone = p->phone;
          lead_text = *t;
        }
      }
    }
    auto r = redis->eval(script(), {},
                         {incident_id,
                          case_id,
                          person->id,
                          std::string(rota::to_string(selection->rule)),
                          page_id,
                          ack_code,
                          person->phone,
                          *text,
                          now_ms,
                          due,
                          assign ? "1" : "0",
                          inform_id,
                          inform_page,
                          "",
                          inform_phone,
                          inform_text,
                          esc_at,
                          esc_due,
                          std::to_string(i.reply_code_window.count()),
                          tag->brief,
                          std::to_string(tag->rank),
                          inform_tag.brief,
                          std::to_string(inform_tag.rank),
                          capacity_key(region),
                          selection->on_call_at_cap ? "1" : "0",
                          lead_id,
                          lead_page,
                          lead_code,
                          lead_phone,
                          lead_text,
                          capacity_history_key(region)});
    const auto& outcome = r.elements.at(0).str;
    if (outcome == "ack_collision") continue;
    if (outcome == "missing") return {DispatchResult::Kind::unknown_incident, {}, {}, {}};
    if (outcome == "already") {
      i.duplicates.Increment();
      return {DispatchResult::Kind::already_dispatched, r.elements.at(1).str, {}, {}};
    }
    i.dispatched.Increment();
    i.latency.Observe(std::chrono::duration<double>(i.transport_clock.now() - started).count());
    spdlog::info("incident {} of case {}: page {} to {} ({})", incident_id, case_id, page_id,
                 person->id, rota::to_string(selection->rule));
    if (i.on_page) i.on_page(page_id, r.elements.at(2).str);
    if (i.on_page && !inform_id.empty() && r.elements.size() >= 5) {
      spdlog::info("case {}: own casemanager {} informed (page {})", case_id, inform_id,
                   inform_page);
      i.on_page(inform_page, r.elements.at(4).str);
    }
    if (i.on_page && r.elements.size() >= 7 && !r.elements.at(6).str.empty()) {
      spdlog::warn("region {}: every on-call casemanager at caseload cap; team lead {} paged ({})",
                   region, lead_id, lead_page);
      i.on_page(lead_page, r.elements.at(6).str);
    }
    return {DispatchResult::Kind::dispatched, page_id, person->id, selection->rule};
  }
  throw std::runtime_error("could not allocate a unique page id");
}

bool Dispatcher::handle_message(std::string_view channel, std::string_view id,
                                std::string_view payload) {
  // The message id is the incident id; the payload's case id is a hint that
  // saves a round trip. Redis is the record.
  if (channel != "dispatch" || !common::is_incident_id(id)) {
    spdlog::warn("dispatch: message with unexpected channel or id dropped");
    return true;
  }
  std::string hint;
  constexpr std::string_view key = "\"case_id\":\"";
  if (const auto at = payload.find(key); at != std::string_view::npos) {
    const auto value = payload.substr(at + key.size(), 9);
    if (common::is_case_id(value)) hint = std::string(value);
  }
  // Acts only on an incident still `accepted` (checked again inside the
  // commit script); any other message changes nothing and is counted
  // (piket_dispatch_incidents_total{outcome="duplicate"}).
  const auto r = dispatch(std::string(id), hint);
  if (r.kind == DispatchResult::Kind::unknown_incident)
    spdlog::warn("dispatch: unknown incident {} acknowledged without action", id);
  if (r.kind == DispatchResult::Kind::already_dispatched)
    spdlog::info("dispatch: message for incident {} ignored: it is no longer accepted", id);
  return r.kind != DispatchResult::Kind::nobody_to_page;
}

}  // namespace piket::dispatch
