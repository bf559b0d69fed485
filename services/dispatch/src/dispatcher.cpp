#include "piket/dispatch/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include "piket/common/crypto.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/page_text.hpp"
#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"

namespace piket::dispatch {
namespace {

// ARGV: 1 incident, 2 case, 3 person, 4 rule, 5 page id, 6 ack code, 7 phone,
// 8 text, 9 now ms (domain), 10 outbox due ms (transport), 11 assign case '1'/'0'.
std::string commit_script() {
  return R"lua(
local inc = 'incident:' .. ARGV[1]
local st = redis.call('HGET', inc, 'status')
if not st then return {'missing'} end
if st ~= 'accepted' then return {'already', redis.call('HGET', inc, 'page_id') or ''} end
local ack = 'ackcode:' .. ARGV[3] .. ':' .. ARGV[6]
if redis.call('EXISTS', ack) == 1 then return {'ack_collision'} end
if redis.call('EXISTS', 'page:' .. ARGV[5]) == 1 then return {'ack_collision'} end
redis.call('SET', ack, ARGV[5])
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
redis.call('HSET', 'page:' .. ARGV[5], 'incident', ARGV[1], 'case', ARGV[2], 'person', ARGV[3],
           'to', ARGV[7], 'text', ARGV[8], 'ack_code', ARGV[6], 'rule', ARGV[4],
           'state', 'queued', 'created_at', ARGV[9], 'channel', 'sms', 'attempts', '0')
redis.call('HSET', inc, 'status', 'dispatched', 'page_id', ARGV[5], 'assignee', ARGV[3],
           'rule', ARGV[4], 'dispatched_at', ARGV[9])
redis.call('RPUSH', case .. ':timeline', cjson.encode({at = tonumber(ARGV[9]), type = 'paged',
  incident = ARGV[1], person = ARGV[3], rule = ARGV[4], page = ARGV[5], by = 'dispatch'}))
local id = ARGV[5]
local payload = cjson.encode({page_id = id})
)lua" + common::outbox_add_lua("notify", "id", "payload", "ARGV[10]") + R"lua(
return {'dispatched', id, payload}
)lua";
}

const common::RedisScript& script() {
  static const common::RedisScript s{commit_script()};
  return s;
}

class RedisCaseload final : public rota::CaseloadView {
 public:
  explicit RedisCaseload(common::RedisConnection& redis) : redis_(redis) {}
  int open_cases(const std::string& person) const override {
    return static_cast<int>(redis_.command({"SCARD", "caseload:" + person}).integer);
  }

 private:
  common::RedisConnection& redis_;
};

}  // namespace

struct Dispatcher::Impl {
  const common::Config& config;
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

Dispatcher::Dispatcher(const common::Config& config, const common::Clock& domain_clock,
                       const common::Clock& transport_clock,
                       const rota::CasemanagerSelector& selector, common::Metrics& metrics,
                       std::function<void(const std::string&, const std::string&)> on_page)
    : impl_(new Impl{config, domain_clock, transport_clock, selector, std::move(on_page),
                     common::RedisPool{config.redis},
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "dispatched"}}),
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "duplicate"}}),
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "nobody_to_page"}}),
                     metrics.latency("piket_dispatch_seconds", "Time to dispatch an incident")}) {}

Dispatcher::~Dispatcher() = default;

DispatchResult Dispatcher::dispatch(const std::string& incident_id,
                                    const std::string& case_hint) {
  auto& i = *impl_;
  const auto started = i.transport_clock.now();
  auto redis = i.redis.lease();
  // One round trip for the incident and (by the message's hint) its case;
  // the hint is only trusted when the incident confirms it.
  std::vector<std::vector<std::string>> reads{
      {"HMGET", "incident:" + incident_id, "status", "case_id", "kind", "region", "reported_at"}};
  if (!case_hint.empty()) reads.push_back({"HGET", "case:" + case_hint, "casemanager"});
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
  const auto own = case_id == case_hint
                       ? replies.at(1).opt_string()
                       : redis->command({"HGET", "case:" + case_id, "casemanager"}).opt_string();

  rota::SelectionRequest request{region, std::nullopt, i.domain_clock.now()};
  if (own && !own->empty()) request.own_casemanager = *own;
  RedisCaseload caseload(*redis);
  const auto selection = i.selector.select(request, caseload);
  if (!selection || !kind) {
    i.nobody.Increment();
    spdlog::error("incident {}: nobody to page in region {}", incident_id, region);
    return {DispatchResult::Kind::nobody_to_page, {}, {}, {}};
  }
  const auto* person = i.config.person(selection->person_id);
  if (!person) {
    i.nobody.Increment();
    spdlog::error("incident {}: selected person {} is not configured", incident_id,
                  selection->person_id);
    return {DispatchResult::Kind::nobody_to_page, {}, {}, {}};
  }
  // The case gets a casemanager when it has none and a casemanager was chosen.
  const bool assign = !request.own_casemanager && person->role == common::StaffRole::casemanager;
  const auto now_ms = std::to_string(common::to_epoch_ms(i.domain_clock.now()));
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::string page_id = "P" + common::random_base32(16);
    const std::string ack_code = common::random_digits(5);
    const auto text =
        common::render_page_sms({case_id, *kind, region, reported_at, ack_code});
    if (!text) throw std::runtime_error("page text could not be rendered for case " + case_id);
    const auto due = std::to_string(common::to_epoch_ms(i.transport_clock.now()) +
                                    i.config.outbox.resend_after.count());
    auto r = redis->eval(script(), {},
                          {incident_id, case_id, person->id,
                           std::string(rota::to_string(selection->rule)), page_id, ack_code,
                           person->phone, *text, now_ms, due, assign ? "1" : "0"});
    const auto& outcome = r.elements.at(0).str;
    if (outcome == "ack_collision") continue;
    if (outcome == "missing") return {DispatchResult::Kind::unknown_incident, {}, {}, {}};
    if (outcome == "already") {
      i.duplicates.Increment();
      return {DispatchResult::Kind::already_dispatched, r.elements.at(1).str, {}, {}};
    }
    i.dispatched.Increment();
    i.latency.Observe(
        std::chrono::duration<double>(i.transport_clock.now() - started).count());
    spdlog::info("incident {} of case {}: page {} to {} ({})", incident_id, case_id, page_id,
                 person->id, rota::to_string(selection->rule));
    if (i.on_page) i.on_page(page_id, r.elements.at(2).str);
    return {DispatchResult::Kind::dispatched, page_id, person->id, selection->rule};
  }
  throw std::runtime_error("could not allocate a unique page id");
}

bool Dispatcher::handle_message(std::string_view channel, std::string_view id,
                                std::string_view payload) {
  // The message id is the incident id; the payload's case id is a hint that
  // saves a round trip. Redis is the record.
  if (channel != "dispatch" || id.size() != 17 || id[0] != 'I') {
    spdlog::warn("dispatch: message with unexpected channel or id dropped");
    return true;
  }
  std::string hint;
  constexpr std::string_view key = "\"case_id\":\"";
  if (const auto at = payload.find(key); at != std::string_view::npos) {
    const auto value = payload.substr(at + key.size(), 9);
    if (value.size() == 9 && value[0] == 'C' &&
        std::all_of(value.begin(), value.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
      hint = std::string(value);
  }
  const auto r = dispatch(std::string(id), hint);
  if (r.kind == DispatchResult::Kind::unknown_incident)
    spdlog::warn("dispatch: unknown incident {} acknowledged without action", id);
  return r.kind != DispatchResult::Kind::nobody_to_page;
}

}  // namespace piket::dispatch
