#include "piket/cases/case_family.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "piket/cases/monitoring_set.hpp"
#include "piket/common/ban_script.hpp"
#include "piket/common/deadline_timers.hpp"
#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
constexpr std::size_t kMaxReason = 500;
constexpr int kAttempts = 8;

common::ApiRefusal refuse(int status, std::string code, std::string message,
                          std::string field = {}) {
  return common::ApiRefusal{status, std::move(code), std::move(message), std::move(field)};
}

// What join and split share: the phase order, the progress fields, the
// household keys of a case, the clocks' bookkeeping.
std::string family_lua() {
  return common::ban_lua() + R"lua(
local DUE = ')lua" +
         std::string(common::kDeadlineTimers) +
         R"lua('
local PHASE_RANK = {registered = 0, first_contact = 1, intake = 2, plan_of_action = 3, help = 4,
                    handover = 5, monitoring = 6}
local PROGRESS = {'first_contact_at', 'intake_at', 'plan_at', 'help_at', 'handover_at',
                  'monitoring_at', 'evaluation_at'}
-- A case's home ban rebuilt from its incidents (lenient: an extension without
-- a ban starts one), with its history (common/ban_script.hpp).
local function piket_ban_incident(id)
  local f = redis.call('HMGET', 'incident:' .. id, 'kind', 'ban_starts_at', 'ban_starts_off',
                       'ban_ends_at', 'ban_ends_off', 'reported_at', 'accepted_at')
  return {id = id, kind = f[1], starts = tonumber(f[2] or ''), starts_off = tonumber(f[3] or ''),
          ends = tonumber(f[4] or ''), ends_off = tonumber(f[5] or ''),
          reported = tonumber(f[6] or '') or 0, accepted = tonumber(f[7] or '') or 0}
end
local function piket_ban_rebuild(case_id)
  local c = 'case:' .. case_id
  redis.call('DEL', c .. ':ban')
  local b = nil
  for _, id in ipairs(redis.call('LRANGE', c .. ':incidents', 0, -1)) do
    local i = piket_ban_incident(id)
    local usable = i.kind == 'home_ban_lifted' or
                   ((i.kind == 'home_ban' or i.kind == 'home_ban_extended') and i.starts and i.ends)
    if usable then
      local nb = piket_ban_apply(b, i, false)
      if nb ~= b then
        b = nb
        redis.call('RPUSH', c .. ':ban', cjson.encode({at = i.accepted, incident = i.id,
          kind = i.kind, first_start = b.first, ['end'] = b.stop, state = b.state}))
      end
    end
  end
  piket_ban_put(c, b, nil, nil)
  return b
end
local function words(s)
  local out = {}
  if s then for w in string.gmatch(s, '%S+') do out[#out + 1] = w end end
  return out
end
-- The household keys that may point to a case: its own, and those the joins
-- into it moved.
local function household_keys(id)
  local f = redis.call('HMGET', 'case:' .. id, 'partner', 'household', 'joined_cases')
  local keys = {}
  if f[1] and f[2] then keys[#keys + 1] = 'household:' .. f[1] .. ':' .. f[2] end
  for _, j in ipairs(words(f[3])) do
    for _, k in ipairs(words(redis.call('HGET', 'case:' .. j, 'merged_households'))) do
      keys[#keys + 1] = k
    end
  end
  return keys
end
-- The steps `from`'s clocks took count as `to`'s (keys "<case>|clock|step|anchor").
local function copy_fired(from, to)
  local prefix = from .. '|'
  for _, k in ipairs(redis.call('SMEMBERS', 'case:' .. from .. ':fired')) do
    if string.sub(k, 1, #prefix) == prefix then
      redis.call('SADD', 'case:' .. to .. ':fired', to .. '|' .. string.sub(k, #prefix + 1))
    end
  end
end
local function drop_timers(id)
  local c = 'case:' .. id
  local old = redis.call('GET', c .. ':timers')
  if old then
    for m in string.gmatch(old, '%S+') do redis.call('ZREM', DUE, m) end
  end
  redis.call('DEL', c .. ':timers')
  redis.call('ZREM', DUE, id .. '|resync')
end
local function resync(id, at)
  redis.call('ZADD', DUE, 'LT', at, id .. '|resync')
end
local function versions_hold(s, a)
  return redis.call('LLEN', s .. ':timeline') == tonumber(ARGV[6]) and
         redis.call('LLEN', a .. ':timeline') == tonumber(ARGV[7])
end
)lua";
}

// ARGV: 1 survivor, 2 absorbed, 3 now ms, 4 by, 5 reason, 6 survivor's
// version, 7 absorbed case's version (timeline lengths when checked).
const common::RedisScript& join_script() {
  static const common::RedisScript s{family_lua() + monitoring_refresh_lua() + R"lua(
local S, A, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local s, a = 'case:' .. S, 'case:' .. A
if not versions_hold(s, a) then return {'stale'} end
local sf = redis.call('HMGET', s, 'state', 'region', 'casemanager')
local af = redis.call('HMGET', a, 'state', 'region', 'casemanager')
if sf[1] ~= 'open' or af[1] ~= 'open' or sf[2] ~= af[2] then return {'stale'} end
-- The incidents, in acceptance order.
local moved = redis.call('LRANGE', a .. ':incidents', 0, -1)
local all = redis.call('LRANGE', s .. ':incidents', 0, -1)
for _, id in ipairs(moved) do all[#all + 1] = id end
local accepted = {}
for _, id in ipairs(all) do
  accepted[id] = tonumber(redis.call('HGET', 'incident:' .. id, 'accepted_at') or '') or 0
end
table.sort(all, function(x, y)
  if accepted[x] ~= accepted[y] then return accepted[x] < accepted[y] end
  return x < y
end)
redis.call('DEL', s .. ':incidents')
for _, id in ipairs(all) do redis.call('RPUSH', s .. ':incidents', id) end
for _, id in ipairs(moved) do redis.call('HSET', 'incident:' .. id, 'case_id', S) end
-- The family's household keys point to the survivor.
local keys = {}
for _, k in ipairs(household_keys(A)) do
  if redis.call('GET', k) == A then
    redis.call('SET', k, S)
    keys[#keys + 1] = k
  end
end
-- Clocks: steps taken stay taken; the absorbed case's timers go.
copy_fired(A, S)
drop_timers(A)
redis.call('SREM', 'cases:open', A)
if af[3] and af[3] ~= '' then redis.call('SREM', 'caseload:' .. af[3], A) end
-- The survivor's progress: at least the absorbed case's. What changes is
-- remembered (old value, or false for none) so that a split can undo it.
local changed = {}
local function take(field, value)
  changed[field] = redis.call('HGET', s, field) or false
  redis.call('HSET', s, field, value)
end
local sp = redis.call('HMGET', s, 'phase', 'phase_at', 'last_activity_at')
local ap = redis.call('HMGET', a, 'phase', 'phase_at', 'last_activity_at')
if (PHASE_RANK[ap[1]] or 0) > (PHASE_RANK[sp[1]] or 0) then
  take('phase', ap[1])
  take('phase_at', ap[2] or ARGV[3])
end
for _, f in ipairs(PROGRESS) do
  local v = redis.call('HGET', a, f)
  if v and not redis.call('HGET', s, f) then take(f, v) end
end
if ap[3] and (tonumber(ap[3]) or 0) > (tonumber(sp[3] or '') or 0) then
  take('last_activity_at', ap[3])
end
if (not sf[3] or sf[3] == '') and af[3] and af[3] ~= '' then
  take('casemanager', af[3])
  redis.call('SADD', 'caseload:' .. af[3], S)
end
piket_ban_rebuild(S)
local joined = redis.call('HGET', s, 'joined_cases')
if joined and joined ~= '' then joined = joined .. ' ' .. A else joined = A end
redis.call('HSET', s, 'joined_cases', joined)
redis.call('HSET', a, 'state', 'merged', 'merged_into', S, 'merged_at', ARGV[3], 'merged_by',
           ARGV[4], 'merged_households', table.concat(keys, ' '), 'merge_changed',
           cjson.encode(changed))
redis.call('RPUSH', s .. ':timeline', cjson.encode({at = now, type = 'case_joined', other = A,
  by = ARGV[4], reason = ARGV[5], incidents = moved}))
redis.call('RPUSH', a .. ':timeline', cjson.encode({at = now, type = 'case_merged', into = S,
  by = ARGV[4], reason = ARGV[5]}))
piket_monitoring_refresh(S)
piket_monitoring_refresh(A)
resync(S, ARGV[3])
return {'done', #keys, moved}
)lua"};
  return s;
}

// ARGV as join_script's; ARGV[2] is the case to split off.
const common::RedisScript& split_script() {
  static const common::RedisScript s{family_lua() + monitoring_refresh_lua() + R"lua(
local S, A, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local s, a = 'case:' .. S, 'case:' .. A
if not versions_hold(s, a) then return {'stale'} end
local af = redis.call('HMGET', a, 'state', 'merged_into', 'merged_at', 'merged_households',
                      'merge_changed', 'casemanager')
if af[1] ~= 'merged' or af[2] ~= S or redis.call('HGET', s, 'state') ~= 'open' then
  return {'stale'}
end
local merged_at = tonumber(af[3] or '') or 0
local keys = words(af[4])
local moved_key = {}
for _, k in ipairs(keys) do moved_key[k] = true end
-- Back: the absorbed case's own incidents, and those accepted since the join
-- under one of the household keys the join moved.
local own = {}
for _, id in ipairs(redis.call('LRANGE', a .. ':incidents', 0, -1)) do own[id] = true end
local back, stay, since = {}, {}, {}
for _, id in ipairs(redis.call('LRANGE', s .. ':incidents', 0, -1)) do
  if own[id] then
    back[#back + 1] = id
  else
    local f = redis.call('HMGET', 'incident:' .. id, 'partner', 'household', 'accepted_at')
    if f[1] and f[2] and moved_key['household:' .. f[1] .. ':' .. f[2]] and
       (tonumber(f[3] or '') or 0) >= merged_at then
      back[#back + 1] = id
      since[#since + 1] = id
    else
      stay[#stay + 1] = id
    end
  end
end
redis.call('DEL', s .. ':incidents')
for _, id in ipairs(stay) do redis.call('RPUSH', s .. ':incidents', id) end
for _, id in ipairs(since) do redis.call('RPUSH', a .. ':incidents', id) end
for _, id in ipairs(back) do redis.call('HSET', 'incident:' .. id, 'case_id', A) end
local restored = 0
for _, k in ipairs(keys) do
  if redis.call('GET', k) == S then
    redis.call('SET', k, A)
    restored = restored + 1
  end
end
-- Steps the survivor's clocks took (for the incidents going back, too) stay taken.
copy_fired(S, A)
-- The survivor's fields the join changed go back, unless changed since.
local changed = cjson.decode(af[5] or '{}')
for field, old in pairs(changed) do
  local given = redis.call('HGET', a, field)
  if redis.call('HGET', s, field) == given then
    if field == 'casemanager' and given then redis.call('SREM', 'caseload:' .. given, S) end
    if old == false then
      redis.call('HDEL', s, field)
    else
      redis.call('HSET', s, field, old)
      if field == 'casemanager' and old ~= '' then redis.call('SADD', 'caseload:' .. old, S) end
    end
  end
end
-- The absorbed case is open again; the activity on the joined case counts for it.
local la = tonumber(redis.call('HGET', a, 'last_activity_at') or '') or 0
local ls = redis.call('HGET', s, 'last_activity_at')
if ls and (tonumber(ls) or 0) > la then redis.call('HSET', a, 'last_activity_at', ls) end
redis.call('HSET', a, 'state', 'open')
redis.call('HDEL', a, 'merged_into', 'merged_at', 'merged_by', 'merged_households',
           'merge_changed')
redis.call('SADD', 'cases:open', A)
if af[6] and af[6] ~= '' then redis.call('SADD', 'caseload:' .. af[6], A) end
local rest = {}
for _, j in ipairs(words(redis.call('HGET', s, 'joined_cases'))) do
  if j ~= A then rest[#rest + 1] = j end
end
if #rest == 0 then
  redis.call('HDEL', s, 'joined_cases')
else
  redis.call('HSET', s, 'joined_cases', table.concat(rest, ' '))
end
piket_ban_rebuild(S)
piket_ban_rebuild(A)
redis.call('RPUSH', s .. ':timeline', cjson.encode({at = now, type = 'case_split', other = A,
  by = ARGV[4], reason = ARGV[5], incidents = back}))
redis.call('RPUSH', a .. ':timeline', cjson.encode({at = now, type = 'case_split', other = S,
  by = ARGV[4], reason = ARGV[5], incidents = back}))
piket_monitoring_refresh(S)
piket_monitoring_refresh(A)
resync(S, ARGV[3])
resync(A, ARGV[3])
return {'done', restored, back}
)lua"};
  return s;
}

std::optional<common::ApiRefusal> team_lead_of(const CaseState& survivor, const Actor& actor) {
  // The reassignment rule of piket_access (need_to_know.hpp): a team lead of
  // the case's region.
  if (actor.role != common::StaffRole::team_lead)
    return refuse(403, "team_lead_only", "only a team lead of the case's region joins or splits");
  if (std::find(actor.regions.begin(), actor.regions.end(), survivor.region) == actor.regions.end())
    return refuse(403, "not_your_region", "this case belongs to a region you do not lead");
  return std::nullopt;
}

std::optional<common::ApiRefusal> survivor_open(const CaseState& s) {
  if (!s.merged_into.empty())
    return refuse(409, "case_merged", "this case was joined into " + s.merged_into);
  if (s.phase == Phase::closed) return refuse(409, "case_closed", "this case is closed");
  return std::nullopt;
}

}  // namespace

std::variant<FamilyRequest, common::ApiRefusal> parse_family_request(std::string_view body) {
  json::error_code ec;
  const auto v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return refuse(400, "invalid_json", "the body is not JSON");
  if (!v.is_object()) return refuse(400, "not_an_object", "the body must be a JSON object");
  FamilyRequest r;
  for (const auto& [k, value] : v.as_object()) {
    if (k == "other_case_id") {
      if (!value.is_string() || !common::is_case_id(std::string_view(value.as_string())))
        return refuse(422, "unknown_case", "other_case_id must be a case id such as C1234ABCD",
                      "other_case_id");
      r.other_case_id = std::string(value.as_string());
    } else if (k == "reason") {
      if (!value.is_string()) return refuse(422, "wrong_type", "reason must be a string", "reason");
      r.reason = std::string(value.as_string());
      if (r.reason.empty() || r.reason.size() > kMaxReason)
        return refuse(422, "out_of_range", "reason must be 1-500 characters", "reason");
    } else {
      return refuse(422, "unknown_field", "this field is not part of a join or split",
                    std::string(k).substr(0, 64));
    }
  }
  if (r.other_case_id.empty())
    return refuse(422, "required", "other_case_id names the other case", "other_case_id");
  if (r.reason.empty()) return refuse(422, "required", "give a reason", "reason");
  return r;
}

std::optional<common::ApiRefusal> check_join(const CaseState& s, const CaseState& o,
                                             const Actor& actor) {
  if (auto r = team_lead_of(s, actor)) return r;
  if (s.id == o.id)
    return refuse(422, "same_case", "a case cannot be joined with itself", "other_case_id");
  if (s.region != o.region)
    return refuse(422, "different_regions", "only cases of one region can be joined",
                  "other_case_id");
  if (auto r = survivor_open(s)) return r;
  if (!o.merged_into.empty())
    return refuse(409, "case_merged", "the other case was joined into " + o.merged_into,
                  "other_case_id");
  if (o.phase == Phase::closed)
    return refuse(409, "case_closed", "the other case is closed", "other_case_id");
  return std::nullopt;
}

std::optional<common::ApiRefusal> check_split(const CaseState& s, const CaseState& o,
                                              const Actor& actor) {
  if (auto r = team_lead_of(s, actor)) return r;
  if (s.region != o.region)
    return refuse(422, "different_regions", "the other case belongs to another region",
                  "other_case_id");
  if (o.merged_into != s.id)
    return refuse(409, "not_joined", "the other case is not joined into this one", "other_case_id");
  if (auto r = survivor_open(s)) return r;
  return std::nullopt;
}

struct CaseFamilies::Impl {
  Impl(RedisCaseStore& s, common::RedisConfig r) : store(s), pool(std::move(r)) {}
  RedisCaseStore& store;
  common::RedisPool pool;
};

CaseFamilies::CaseFamilies(RedisCaseStore& store, common::RedisConfig redis)
    : impl_(std::make_unique<Impl>(store, std::move(redis))) {}
CaseFamilies::~CaseFamilies() = default;

std::variant<FamilyResult, common::ApiRefusal> CaseFamilies::join(const std::string& survivor,
                                                                  const FamilyRequest& request,
                                                                  const Actor& actor,
                                                                  common::Instant now) {
  return run(true, survivor, request, actor, now);
}

std::variant<FamilyResult, common::ApiRefusal> CaseFamilies::split(const std::string& survivor,
                                                                   const FamilyRequest& request,
                                                                   const Actor& actor,
                                                                   common::Instant now) {
  return run(false, survivor, request, actor, now);
}

std::variant<FamilyResult, common::ApiRefusal> CaseFamilies::run(bool join,
                                                                 const std::string& survivor,
                                                                 const FamilyRequest& request,
                                                                 const Actor& actor,
                                                                 common::Instant now) {
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const auto s = common::is_case_id(survivor) ? impl_->store.load(survivor) : std::nullopt;
    if (!s) return refuse(404, "not_found", "no such case");
    if (auto r = team_lead_of(*s, actor)) return *r;
    const auto o = impl_->store.load(request.other_case_id);
    if (!o) return refuse(422, "unknown_case", "there is no such other case", "other_case_id");
    if (auto r = join ? check_join(*s, *o, actor) : check_split(*s, *o, actor)) return *r;
    const auto reply = impl_->pool.lease()->eval(
        join ? join_script() : split_script(), {},
        {s->id, o->id, std::to_string(common::to_epoch_ms(now)), "person:" + actor.person,
         request.reason, std::to_string(s->version), std::to_string(o->version)});
    if (reply.elements.empty() || reply.elements[0].str == "stale") continue;
    FamilyResult out;
    out.survivor = s->id;
    out.other = o->id;
    if (reply.elements.size() >= 3) {
      out.household_keys = reply.elements[1].integer;
      for (const auto& e : reply.elements[2].elements) out.incidents.push_back(e.str);
    }
    return out;
  }
  return refuse(503, "busy", "the cases kept changing; try again");
}

}  // namespace piket::cases
