#include "piket/cases/case_store.hpp"

#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "piket/cases/monitoring_set.hpp"
#include "piket/common/deadline_timers.hpp"
#include "piket/common/page_script.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/common/redis_pool.hpp"

namespace piket::cases {
namespace {

using common::Instant;

// A case's state (see parse_case): the hash, the timeline length as its
// version, its incidents, the action keys taken, the casemanager's absence.
std::string load_case_lua() {
  return R"lua(
local function load_case(id)
  local c = 'case:' .. id
  local h = redis.call('HGETALL', c)
  if #h == 0 then return {'missing'} end
  local incs = {}
  for _, inc in ipairs(redis.call('LRANGE', c .. ':incidents', 0, -1)) do
    local f = redis.call('HMGET', 'incident:' .. inc, 'kind', 'accepted_at', 'status',
                         'acknowledged_at', 'ban_ends_at', 'ban_starts_at', 'contact_at', 'plan_at')
    incs[#incs + 1] = inc
    for i = 1, 8 do incs[#incs + 1] = f[i] or '' end
  end
  -- The reminder pages the engine watches: step key, page, person, acknowledged.
  local reminders = {}
  local w = redis.call('HGETALL', c .. ':reminders')
  for i = 1, #w, 2 do
    local page, person = string.match(w[i + 1], '^(%S*) (%S*)$')
    local acked = '0'
    if page and page ~= '' and redis.call('HGET', 'page:' .. page, 'acknowledged_at') then
      acked = '1'
    end
    reminders[#reminders + 1] = w[i]
    reminders[#reminders + 1] = page or ''
    reminders[#reminders + 1] = person or ''
    reminders[#reminders + 1] = acked
  end
  local absence = {}
  local cm = redis.call('HGET', c, 'casemanager')
  if cm and cm ~= '' then
    local a = redis.call('HMGET', 'person:' .. cm .. ':absence', 'since', 'until')
    if a[1] then absence = {cm, a[1], a[2] or ''} end
  end
  return {'ok', redis.call('LLEN', c .. ':timeline'), h, incs,
          redis.call('SMEMBERS', c .. ':fired'), absence, reminders}
end
)lua";
}

const common::RedisScript kLoad{load_case_lua() + "return load_case(ARGV[1])\n"};

// ARGV: 1 now ms, 2 limit. The timers due, earliest first, up to the first
// one of a case already listed, each with its case's state:
// {number due, member, score, state, member, score, state, …}.
const common::RedisScript kDueWithCases{load_case_lua() + R"lua(
local r = redis.call('ZRANGEBYSCORE', ')lua" +
                                        std::string(common::kDeadlineTimers) + R"lua(', '-inf',
                     ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {#r / 2}
local seen = {}
for i = 1, #r, 2 do
  local id = string.match(r[i], '^[^|]*')
  if seen[id] then break end
  seen[id] = true
  out[#out + 1] = r[i]
  out[#out + 1] = r[i + 1]
  out[#out + 1] = load_case(id)
end
return out
)lua"};

// Replaces the case's timers. Expects locals `c` (case key), `popped`, and
// `first` (the ARGV index where member/score pairs start).
std::string sync_lua() {
  return std::string(R"lua(
local function sync_timers(c, popped, first)
  local old = redis.call('GET', c .. ':timers')
  if old and old ~= '' then
    for m in string.gmatch(old, '%S+') do redis.call('ZREM', ')lua") +
         std::string(common::kDeadlineTimers) + R"lua(', m) end
  end
  if popped ~= '' then redis.call('ZREM', ')lua" +
         std::string(common::kDeadlineTimers) +
         R"lua(', popped) end
  local list = {}
  for i = first, #ARGV, 2 do
    redis.call('ZADD', ')lua" +
         std::string(common::kDeadlineTimers) + R"lua(', ARGV[i + 1], ARGV[i])
    list[#list + 1] = ARGV[i]
  end
  if #list == 0 then
    redis.call('DEL', c .. ':timers')
  else
    redis.call('SET', c .. ':timers', table.concat(list, ' '))
  end
end
)lua";
}

// ARGV: 1 case, 2 version, 3 popped, 4.. member/score pairs
const common::RedisScript& sync_script() {
  static const common::RedisScript s{sync_lua() + R"lua(
local c = 'case:' .. ARGV[1]
if redis.call('EXISTS', c) == 0 then
  if ARGV[3] ~= '' then redis.call('ZREM', ')lua" +
                                     std::string(common::kDeadlineTimers) +
                                     R"lua(', ARGV[3]) end
  return 'missing'
end
if redis.call('LLEN', c .. ':timeline') ~= tonumber(ARGV[2]) then return 'stale' end
sync_timers(c, ARGV[3], 4)
return 'done'
)lua"};
  return s;
}

// ARGV: 1 case, 2 version, 3 key, 4 popped, 5 page id ('' none), 6 person,
// 7 phone, 8 text, 9 ack code, 10 page incident, 11 rule, 12 now ms,
// 13 outbox due ms, 14 timeline JSON, 15 incident to escalate, 16 reply code
// validity ms ('' without a page), 17 page brief, 18 page rank (common::PageTag),
// 19 watch ("<page> <person>": a reminder whose acknowledgement the engine
// watches, '' none), 20 watched reminders to forget (space-separated keys),
// 21.. timers. A page without an ack code is information (common/page_class.hpp).
const common::RedisScript& fire_script() {
  static const common::RedisScript s{common::page_lua() + sync_lua() + R"lua(
local c = 'case:' .. ARGV[1]
if redis.call('LLEN', c .. ':timeline') ~= tonumber(ARGV[2]) then return {'stale'} end
if redis.call('SISMEMBER', c .. ':fired', ARGV[3]) == 1 then
  sync_timers(c, ARGV[4], 21)
  return {'duplicate'}
end
if ARGV[5] ~= '' and piket_page_taken(ARGV[6], ARGV[9], ARGV[5]) then return {'collision'} end
redis.call('SADD', c .. ':fired', ARGV[3])
local payload = ''
if ARGV[5] ~= '' then
  payload = piket_create_page({id = ARGV[5], person = ARGV[6], ack_code = ARGV[9], to = ARGV[7],
    text = ARGV[8], incident = ARGV[10], case = ARGV[1], rule = ARGV[11], now = ARGV[12],
    due = ARGV[13], step = ARGV[3], code_ttl = ARGV[16], brief = ARGV[17], rank = ARGV[18]})
end
redis.call('RPUSH', c .. ':timeline', ARGV[14])
if ARGV[15] ~= '' then
  local inc = 'incident:' .. ARGV[15]
  local st = redis.call('HGET', inc, 'status')
  if st == 'dispatched' or st == 'acknowledged' then redis.call('HSET', inc, 'status', 'escalated') end
  if st then redis.call('HSETNX', inc, 'escalated_at', ARGV[12]) end
end
for k in string.gmatch(ARGV[20], '%S+') do redis.call('HDEL', c .. ':reminders', k) end
if ARGV[19] ~= '' then redis.call('HSET', c .. ':reminders', ARGV[3], ARGV[19]) end
sync_timers(c, ARGV[4], 21)
return {'done', payload}
)lua"};
  return s;
}

// ARGV: 1 case, 2 version, 3 timeline JSON, 4 op (none|reassign|close),
// 5 new casemanager, 6 number of fields N, 7.. N field/value pairs, then the
// number of incident fields M and M incident/field/value triples (each
// incident one of the case's), then timers
const common::RedisScript& record_script() {
  static const common::RedisScript s{sync_lua() + monitoring_refresh_lua() + R"lua(
local c = 'case:' .. ARGV[1]
if redis.call('EXISTS', c) == 0 then return 'missing' end
if redis.call('LLEN', c .. ':timeline') ~= tonumber(ARGV[2]) then return 'stale' end
local state = redis.call('HGET', c, 'state')
if state == 'closed' or state == 'merged' then return 'closed' end
redis.call('RPUSH', c .. ':timeline', ARGV[3])
local n = tonumber(ARGV[6])
local m_at = 7 + 2 * n
local m = tonumber(ARGV[m_at])
for i = 0, m - 1 do
  local inc = ARGV[m_at + 1 + 3 * i]
  if redis.call('HGET', 'incident:' .. inc, 'case_id') ~= ARGV[1] then return 'stale' end
end
for i = 0, n - 1 do redis.call('HSET', c, ARGV[7 + 2 * i], ARGV[8 + 2 * i]) end
for i = 0, m - 1 do
  redis.call('HSET', 'incident:' .. ARGV[m_at + 1 + 3 * i], ARGV[m_at + 2 + 3 * i],
             ARGV[m_at + 3 + 3 * i])
end
local cm = redis.call('HGET', c, 'casemanager')
if ARGV[4] == 'reassign' then
  if cm and cm ~= '' then redis.call('SREM', 'caseload:' .. cm, ARGV[1]) end
  redis.call('HSET', c, 'casemanager', ARGV[5])
  redis.call('SADD', 'caseload:' .. ARGV[5], ARGV[1])
elseif ARGV[4] == 'close' then
  -- The household keys stay: a new incident of the family opens a new case
  -- linked to this one (ingest's acceptance script, [cases] household_link_days).
  redis.call('SREM', 'cases:open', ARGV[1])
  redis.call('SREM', 'cases:monitoring', ARGV[1])
  if cm and cm ~= '' then redis.call('SREM', 'caseload:' .. cm, ARGV[1]) end
end
if ARGV[4] ~= 'close' then piket_monitoring_refresh(ARGV[1]) end
sync_timers(c, '', m_at + 1 + 3 * m)
return 'done'
)lua"};
  return s;
}

// ARGV: 1 person, 2 absent '1'/'0', 3 since ms, 4 until ms or '', 5 by, 6 now ms
const common::RedisScript& absence_script() {
  static const common::RedisScript s{R"lua(
local key = 'person:' .. ARGV[1] .. ':absence'
local ev = {at = tonumber(ARGV[6]), person = ARGV[1], by = ARGV[5]}
if ARGV[2] == '1' then
  redis.call('DEL', key)
  redis.call('HSET', key, 'since', ARGV[3], 'by', ARGV[5], 'recorded_at', ARGV[6])
  if ARGV[4] ~= '' then redis.call('HSET', key, 'until', ARGV[4]) end
  ev.type = 'casemanager_absent'
  ev.since = tonumber(ARGV[3])
  if ARGV[4] ~= '' then ev['until'] = tonumber(ARGV[4]) end
else
  redis.call('DEL', key)
  ev.type = 'casemanager_available'
end
local entry = cjson.encode(ev)
local cases = redis.call('SMEMBERS', 'caseload:' .. ARGV[1])
for _, id in ipairs(cases) do
  redis.call('RPUSH', 'case:' .. id .. ':timeline', entry)
)lua" + common::deadline_resync_lua("id", "ARGV[6]") +
                                     R"lua(
end
return #cases
)lua"};
  return s;
}

std::string ms(Instant t) {
  return std::to_string(common::to_epoch_ms(t));
}

std::optional<Instant> opt_ms(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    return common::from_epoch_ms(std::stoll(s));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

long minutes_of(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stol(s);
  } catch (const std::exception&) {
    return 0;
  }
}

// "C1 C2 …" → {"C1", "C2", …}
std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    const auto end = s.find(' ', at);
    const auto w = s.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (!w.empty()) out.push_back(w);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

void append_timers(std::vector<std::string>& args, const std::vector<Step>& timers) {
  for (const auto& t : timers) {
    args.push_back(t.key);
    args.push_back(ms(t.due));
  }
}

WriteOutcome outcome_of(const std::string& s) {
  if (s == "done") return WriteOutcome::done;
  if (s == "duplicate") return WriteOutcome::duplicate;
  if (s == "stale") return WriteOutcome::stale;
  if (s == "collision") return WriteOutcome::collision;
  if (s == "closed") return WriteOutcome::closed;
  return WriteOutcome::missing;
}

std::vector<std::string> fire_args(const FireRequest& f) {
  std::vector<std::string> args{f.case_id, std::to_string(f.version), f.key, f.popped};
  if (f.page) {
    const auto& p = *f.page;
    args.insert(args.end(), {p.page_id, p.person, p.phone, p.text, p.ack_code, p.incident, p.rule});
  } else {
    args.insert(args.end(), {"", "", "", "", "", "", ""});
  }
  args.insert(args.end(),
              {ms(f.now), ms(f.outbox_due), f.timeline_json, f.escalate_incident,
               f.page ? std::to_string(f.page->code_ttl.count()) : std::string(),
               f.page ? f.page->brief : std::string(),
               f.page ? std::to_string(f.page->rank) : std::string(),
               f.watch ? (f.page ? f.page->page_id : "") + " " + f.watch_person : std::string()});
  std::string forget;
  for (const auto& k : f.forget_reminders) forget += (forget.empty() ? "" : " ") + k;
  args.push_back(forget);
  append_timers(args, f.timers);
  return args;
}

std::vector<std::string> sync_args(const SyncRequest& s) {
  std::vector<std::string> args{s.case_id, std::to_string(s.version), s.popped};
  append_timers(args, s.timers);
  return args;
}

std::vector<std::string> record_args(const std::string& case_id, long long version,
                                     const Change& change, const std::vector<Step>& timers) {
  std::vector<std::string> args{case_id,
                                std::to_string(version),
                                change.timeline_json,
                                change.op == Change::Op::reassign ? "reassign"
                                : change.op == Change::Op::close  ? "close"
                                                                  : "none",
                                change.new_casemanager,
                                std::to_string(change.fields.size())};
  for (const auto& [k, v] : change.fields) {
    args.push_back(k);
    args.push_back(v);
  }
  args.push_back(std::to_string(change.incident_fields.size()));
  for (const auto& f : change.incident_fields) {
    args.push_back(f.incident);
    args.push_back(f.field);
    args.push_back(f.value);
  }
  append_timers(args, timers);
  return args;
}

FireResult fire_result(const common::RedisReply& r) {
  FireResult out;
  if (r.type == common::RedisReply::Type::array) {
    out.outcome = outcome_of(r.elements.empty() ? "" : r.elements[0].str);
    if (r.elements.size() > 1) out.payload = r.elements[1].str;
  } else {
    out.outcome = outcome_of(r.str);
  }
  return out;
}

std::optional<CaseState> parse_case(const std::string& case_id, const common::RedisReply& r) {
  if (r.elements.empty() || r.elements[0].str != "ok" || r.elements.size() < 7) return std::nullopt;
  CaseState s;
  s.id = case_id;
  s.version = r.elements[1].integer;
  std::map<std::string, std::string> h;
  const auto& flat = r.elements[2].elements;
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2) h[flat[i].str] = flat[i + 1].str;
  auto get = [&h](const char* k) -> std::string {
    auto it = h.find(k);
    return it == h.end() ? std::string() : it->second;
  };
  s.region = get("region");
  s.opened_at = opt_ms(get("opened_at")).value_or(Instant{});
  s.phase = parse_phase(get("phase")).value_or(Phase::registered);
  // A case joined into another (case_family.hpp) runs no clocks of its own.
  if (get("state") == "closed" || get("state") == "merged") s.phase = Phase::closed;
  s.phase_at = opt_ms(get("phase_at")).value_or(s.opened_at);
  s.casemanager = get("casemanager");
  s.first_contact_at = opt_ms(get("first_contact_at"));
  s.intake_at = opt_ms(get("intake_at"));
  s.plan_at = opt_ms(get("plan_at"));
  s.help_at = opt_ms(get("help_at"));
  s.handover_at = opt_ms(get("handover_at"));
  s.monitoring_at = opt_ms(get("monitoring_at"));
  s.evaluation_at = opt_ms(get("evaluation_at"));
  s.closed_at = opt_ms(get("closed_at"));
  s.last_activity_at = opt_ms(get("last_activity_at")).value_or(s.opened_at);
  if (auto first = opt_ms(get("ban_first_start")), end = opt_ms(get("ban_end")); first && end)
    s.ban = BanFacts{*first, *end, get("ban_state") != "lifted",
                     std::chrono::minutes{minutes_of(get("ban_first_offset"))},
                     std::chrono::minutes{minutes_of(get("ban_end_offset"))}};
  s.merged_into = get("merged_into");
  s.joined_cases = words(get("joined_cases"));
  s.previous_cases = words(get("previous_cases"));
  const auto& incs = r.elements[3].elements;
  for (std::size_t i = 0; i + 8 < incs.size(); i += 9) {
    IncidentFacts f;
    f.id = incs[i].str;
    const auto kind = common::parse_incident_kind(incs[i + 1].str);
    if (!kind) continue;
    f.kind = *kind;
    f.accepted_at = opt_ms(incs[i + 2].str).value_or(s.opened_at);
    f.status = incs[i + 3].str;
    f.acknowledged_at = opt_ms(incs[i + 4].str);
    f.ban_ends_at = opt_ms(incs[i + 5].str);
    f.ban_starts_at = opt_ms(incs[i + 6].str);
    f.contact_at = opt_ms(incs[i + 7].str);
    f.plan_at = opt_ms(incs[i + 8].str);
    s.incidents.push_back(std::move(f));
  }
  for (const auto& k : r.elements[4].elements) s.fired.insert(k.str);
  const auto& ab = r.elements[5].elements;
  if (ab.size() == 3) {
    if (auto since = opt_ms(ab[1].str)) s.absence = Absence{ab[0].str, *since, opt_ms(ab[2].str)};
  }
  const auto& rem = r.elements[6].elements;
  for (std::size_t i = 0; i + 3 < rem.size(); i += 4)
    s.reminders[rem[i].str] = ReminderPage{rem[i + 1].str, rem[i + 2].str, rem[i + 3].str == "1"};
  return s;
}

}  // namespace

std::string_view to_string(WriteOutcome o) {
  switch (o) {
    case WriteOutcome::done:
      return "done";
    case WriteOutcome::duplicate:
      return "duplicate";
    case WriteOutcome::stale:
      return "stale";
    case WriteOutcome::collision:
      return "collision";
    case WriteOutcome::closed:
      return "closed";
    case WriteOutcome::missing:
      return "missing";
  }
  return "unknown";
}

using ScriptCall = std::pair<const common::RedisScript*, std::vector<std::string>>;

struct RedisCaseStore::Impl {
  explicit Impl(common::RedisConfig r) : pool(std::move(r)) {}

  std::string sha_of(common::RedisConnection& c, const common::RedisScript& s) {
    std::lock_guard lock(mutex);
    auto it = shas.find(&s);
    if (it != shas.end()) return it->second;
    auto sha = c.command({"SCRIPT", "LOAD", s.source()}).str;
    shas.emplace(&s, sha);
    return sha;
  }

  // Pipelines EVALSHA of known scripts (and then `extra` commands). After a
  // Redis restart its script cache is empty: every EVALSHA of the batch
  // fails with NOSCRIPT (none ran), so the scripts are loaded again and the
  // batch is sent once more.
  std::vector<common::RedisReply> evalsha_many(
      const std::vector<ScriptCall>& calls,
      const std::vector<std::vector<std::string>>& extra = {}) {
    auto lease = pool.lease();
    for (int attempt = 0;; ++attempt) {
      std::vector<std::vector<std::string>> commands;
      commands.reserve(calls.size() + extra.size());
      for (const auto& [script, args] : calls) {
        std::vector<std::string> c{"EVALSHA", sha_of(*lease, *script), "0"};
        c.insert(c.end(), args.begin(), args.end());
        commands.push_back(std::move(c));
      }
      commands.insert(commands.end(), extra.begin(), extra.end());
      try {
        return lease->pipeline(commands);
      } catch (const common::RedisReplyError& e) {
        if (attempt > 0 || std::string_view(e.what()).find("NOSCRIPT") == std::string_view::npos)
          throw;
        std::lock_guard lock(mutex);
        shas.clear();
      }
    }
  }

  common::RedisPool pool;
  std::mutex mutex;
  std::map<const common::RedisScript*, std::string> shas;
};

RedisCaseStore::RedisCaseStore(common::RedisConfig redis)
    : impl_(std::make_unique<Impl>(std::move(redis))) {}
RedisCaseStore::~RedisCaseStore() = default;

long long RedisCaseStore::refresh_monitoring_set() {
  static const common::RedisScript script{monitoring_refresh_lua() + R"lua(
for _, id in ipairs(redis.call('SMEMBERS', 'cases:monitoring')) do piket_monitoring_refresh(id) end
for _, id in ipairs(redis.call('SMEMBERS', 'cases:open')) do piket_monitoring_refresh(id) end
return redis.call('SCARD', 'cases:monitoring')
)lua"};
  return impl_->pool.lease()->eval(script, {}, {}).integer;
}

std::optional<CaseState> RedisCaseStore::load(const std::string& case_id) {
  return parse_case(case_id, impl_->pool.lease()->eval(kLoad, {}, {case_id}));
}

std::optional<TimerEntry> RedisCaseStore::earliest_due(Instant now) {
  auto t = due_timers(now, 1);
  if (t.empty()) return std::nullopt;
  return t.front();
}

std::vector<TimerEntry> RedisCaseStore::due_timers(Instant now, std::size_t limit) {
  auto r =
      impl_->pool.lease()->command({"ZRANGEBYSCORE", std::string(common::kDeadlineTimers), "-inf",
                                    ms(now), "WITHSCORES", "LIMIT", "0", std::to_string(limit)});
  std::vector<TimerEntry> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out.push_back({r.elements[i].str, common::from_epoch_ms(std::stoll(r.elements[i + 1].str))});
  return out;
}

FireResult RedisCaseStore::fire(const FireRequest& f) {
  return fire_result(impl_->pool.lease()->eval(fire_script(), {}, fire_args(f)));
}

WriteOutcome RedisCaseStore::sync(const std::string& case_id, long long version,
                                  const std::string& popped, const std::vector<Step>& timers) {
  return outcome_of(impl_->pool.lease()
                        ->eval(sync_script(), {}, sync_args({case_id, version, popped, timers}))
                        .str);
}

std::vector<std::optional<CaseState>> RedisCaseStore::load_many(
    const std::vector<std::string>& ids) {
  std::vector<ScriptCall> calls;
  calls.reserve(ids.size());
  for (const auto& id : ids) calls.push_back({&kLoad, {id}});
  const auto replies = impl_->evalsha_many(calls);
  std::vector<std::optional<CaseState>> out;
  out.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) out.push_back(parse_case(ids[i], replies.at(i)));
  return out;
}

DueBatch RedisCaseStore::due_with_cases(Instant now, std::size_t limit) {
  const auto r = impl_->evalsha_many({{&kDueWithCases, {ms(now), std::to_string(limit)}}}).at(0);
  DueBatch out;
  if (r.elements.empty()) return out;
  out.due = static_cast<std::size_t>(r.elements[0].integer);
  for (std::size_t i = 1; i + 2 < r.elements.size(); i += 3) {
    TimerEntry t{r.elements[i].str, common::from_epoch_ms(std::stoll(r.elements[i + 1].str))};
    out.cases.push_back(parse_case(std::string(case_of_timer(t.member)), r.elements[i + 2]));
    out.timers.push_back(std::move(t));
  }
  return out;
}

std::vector<FireResult> RedisCaseStore::write_many(
    const std::vector<std::variant<FireRequest, SyncRequest>>& ops,
    std::optional<common::Instant>* next_due) {
  std::vector<ScriptCall> calls;
  calls.reserve(ops.size());
  for (const auto& op : ops) {
    if (const auto* f = std::get_if<FireRequest>(&op))
      calls.push_back({&fire_script(), fire_args(*f)});
    else
      calls.push_back({&sync_script(), sync_args(std::get<SyncRequest>(op))});
  }
  std::vector<std::vector<std::string>> extra;
  if (next_due)
    extra.push_back({"ZRANGE", std::string(common::kDeadlineTimers), "0", "0", "WITHSCORES"});
  const auto replies = impl_->evalsha_many(calls, extra);
  std::vector<FireResult> out;
  out.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) out.push_back(fire_result(replies.at(i)));
  if (next_due) {
    const auto& z = replies.back();
    *next_due = z.elements.size() >= 2
                    ? std::optional(common::from_epoch_ms(std::stoll(z.elements[1].str)))
                    : std::nullopt;
  }
  return out;
}

std::optional<Instant> RedisCaseStore::next_due() {
  auto r = impl_->pool.lease()->command(
      {"ZRANGE", std::string(common::kDeadlineTimers), "0", "0", "WITHSCORES"});
  if (r.elements.size() < 2) return std::nullopt;
  return common::from_epoch_ms(std::stoll(r.elements[1].str));
}

WriteOutcome RedisCaseStore::record(const std::string& case_id, long long version,
                                    const Change& change, const std::vector<Step>& timers) {
  return outcome_of(impl_->pool.lease()
                        ->eval(record_script(), {}, record_args(case_id, version, change, timers))
                        .str);
}

std::vector<WriteOutcome> RedisCaseStore::record_many(const std::vector<RecordRequest>& requests) {
  std::vector<ScriptCall> calls;
  calls.reserve(requests.size());
  for (const auto& r : requests)
    calls.push_back({&record_script(), record_args(r.case_id, r.version, *r.change, r.timers)});
  std::vector<WriteOutcome> out;
  for (const auto& reply : impl_->evalsha_many(calls)) out.push_back(outcome_of(reply.str));
  return out;
}

long long RedisCaseStore::set_absence(const std::string& person, bool absent, Instant since,
                                      std::optional<Instant> until, const std::string& by,
                                      Instant now) {
  return impl_->pool.lease()
      ->eval(absence_script(), {},
             {person, absent ? "1" : "0", ms(since), until ? ms(*until) : "", by, ms(now)})
      .integer;
}

std::optional<Absence> RedisCaseStore::absence(const std::string& person) {
  auto r =
      impl_->pool.lease()->command({"HMGET", "person:" + person + ":absence", "since", "until"});
  if (r.elements.size() != 2 || r.elements[0].is_nil()) return std::nullopt;
  auto since = opt_ms(r.elements[0].str);
  if (!since) return std::nullopt;
  return Absence{person, *since, opt_ms(r.elements[1].str)};
}

std::vector<std::string> RedisCaseStore::timeline(const std::string& case_id) {
  auto r = impl_->pool.lease()->command({"LRANGE", "case:" + case_id + ":timeline", "0", "-1"});
  std::vector<std::string> out;
  out.reserve(r.elements.size());
  for (auto& e : r.elements) out.push_back(std::move(e.str));
  return out;
}

long long RedisCaseStore::timer_count() {
  return impl_->pool.lease()->command({"ZCARD", std::string(common::kDeadlineTimers)}).integer;
}

bool RedisCaseStore::healthy() {
  return !health_problem().has_value();
}

std::optional<std::string> RedisCaseStore::health_problem() {
  // Reachable and accepting writes (not at maxmemory).
  return common::redis_health_problem(*impl_->pool.lease());
}

}  // namespace piket::cases
