#include "piket/ingest/redis_incident_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <vector>

#include "piket/common/ban_script.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/deadline_timers.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/ingest/canonical_json.hpp"

namespace piket::ingest {
namespace {

// ARGV: 1 partner, 2 reference, 3 stored_hash, 4 incident id candidate,
// 5 case id candidate, 6 kind, 7 region, 8 household, 9 reported_at ms,
// 10 accepted_at ms, 11 stored body JSON, 12 ban start ms or '', 13 ban end ms
// or '', 14 outbox due ms, 15 household link ms (how long after closing a
// case still links a returning family), 16 ban start's UTC offset (minutes)
// or '', 17 ban end's offset or ''.
//
// Everything that can refuse (idempotency, the ban rule) runs before the
// first write: a refused request stores nothing and leaves the reference
// free.
//
// The `#!lua` shebang (no flags: the script may write) makes Redis refuse the
// whole script up front, with -OOM, when it is at maxmemory: an incident is
// accepted whole or not at all, whatever the script writes first (a replay is
// refused too then; the partner retries). docs/data-model.md, "Memory limit".
// It must be the script's first line, before the ban rule's definitions.
std::string accept_script() {
  return "#!lua\n" + common::ban_lua() + R"lua(
local partner, reference, stored_hash = ARGV[1], ARGV[2], ARGV[3]
local idem = 'idem:' .. partner .. ':' .. reference
local existing = redis.call('GET', idem)
if existing then
  local h = redis.call('HMGET', 'incident:' .. existing, 'stored_hash', 'case_id', 'body')
  if h[1] == stored_hash then return {'replayed', existing, h[2]} end
  if h[1] then return {'conflict', existing, h[2] or ''} end
  -- Accepted before stored_hash existed (its body_hash covered unknown fields
  -- too): the caller compares the stored body's known fields.
  return {'legacy', existing, h[2] or '', h[3] or ''}
end
local id = ARGV[4]
if redis.call('EXISTS', 'incident:' .. id) == 1 then return {'collision'} end
local accepted = tonumber(ARGV[10])
local hh = 'household:' .. partner .. ':' .. ARGV[8]
-- The household's latest case: open (the incident joins it), merged into
-- another (follow it), or closed (a new case, linked to it while the link
-- lasts: a returning family).
local case_id = redis.call('GET', hh)
local previous = nil
if case_id then
  local f = redis.call('HMGET', 'case:' .. case_id, 'state', 'merged_into', 'closed_at')
  local hops = 0
  while f[1] == 'merged' and f[2] and hops < 16 do
    case_id = f[2]
    f = redis.call('HMGET', 'case:' .. case_id, 'state', 'merged_into', 'closed_at')
    hops = hops + 1
  end
  if f[1] ~= 'open' then
    if f[1] == 'closed' and accepted - (tonumber(f[3] or '') or accepted) <= tonumber(ARGV[15]) then
      previous = case_id
    end
    case_id = nil
  end
end
-- The case's home ban with this incident applied; refused before any write.
local ban_incident = {id = id, kind = ARGV[6], starts = tonumber(ARGV[12]),
  starts_off = tonumber(ARGV[16]), ends = tonumber(ARGV[13]), ends_off = tonumber(ARGV[17]),
  reported = tonumber(ARGV[9])}
local ban_kind = ARGV[6] == 'home_ban' or ARGV[6] == 'home_ban_extended' or
                 ARGV[6] == 'home_ban_lifted'
local ban_before = nil
if case_id then ban_before = piket_ban_get('case:' .. case_id) end
local ban_after = ban_before
if ban_kind then
  local refused_code, refused_field
  ban_after, refused_code, refused_field = piket_ban_apply(ban_before, ban_incident, true)
  if refused_code then
    local first = ''
    if ban_before then first = string.format('%.0f', ban_before.first) end
    return {'refused', refused_code, refused_field, first}
  end
end
local new_case = '0'
if not case_id then
  case_id = ARGV[5]
  if redis.call('EXISTS', 'case:' .. case_id) == 1 then return {'collision'} end
  redis.call('HSET', 'case:' .. case_id, 'region', ARGV[7], 'partner', partner,
             'household', ARGV[8], 'opened_at', ARGV[10], 'phase', 'registered', 'state', 'open')
  if previous then
    -- A returning family: linked to its earlier cases, offered first to the
    -- earlier casemanager (dispatch reads previous_casemanager).
    local p = redis.call('HMGET', 'case:' .. previous, 'casemanager', 'closed_at',
                         'previous_cases')
    local chain = previous
    if p[3] and p[3] ~= '' then
      local n = 1
      for other in string.gmatch(p[3], '%S+') do
        if n < 20 then chain = chain .. ' ' .. other end
        n = n + 1
      end
    end
    local gap = accepted - (tonumber(p[2] or '') or accepted)
    redis.call('HSET', 'case:' .. case_id, 'previous_case', previous, 'previous_cases', chain,
               'returned_after_ms', string.format('%.0f', gap))
    -- The board counts families back within a year of closing (two years kept).
    local returns = 'returns:' .. ARGV[7]
    if gap <= 365 * 86400000 then redis.call('ZADD', returns, accepted, case_id) end
    redis.call('ZREMRANGEBYSCORE', returns, '-inf', accepted - 2 * 365 * 86400000)
    if p[1] and p[1] ~= '' then
      redis.call('HSET', 'case:' .. case_id, 'previous_casemanager', p[1])
    end
    redis.call('HSET', 'case:' .. previous, 'next_case', case_id)
  end
  redis.call('SET', hh, case_id)
  redis.call('SADD', 'cases:open', case_id)
  new_case = '1'
end
redis.call('HSET', 'incident:' .. id, 'partner', partner, 'reference', reference,
           'kind', ARGV[6], 'region', ARGV[7], 'reported_at', ARGV[9], 'accepted_at', ARGV[10],
           'case_id', case_id, 'status', 'accepted', 'body', ARGV[11], 'stored_hash', stored_hash,
           'new_case', new_case, 'household', ARGV[8])
if ARGV[12] ~= '' then
  redis.call('HSET', 'incident:' .. id, 'ban_starts_at', ARGV[12], 'ban_ends_at', ARGV[13],
             'ban_starts_off', ARGV[16], 'ban_ends_off', ARGV[17])
end
if ban_kind and ban_after ~= ban_before then
  piket_ban_put('case:' .. case_id, ban_after, ban_incident, accepted)
end
redis.call('RPUSH', 'case:' .. case_id .. ':incidents', id)
local entry = {at = accepted, type = 'incident_accepted', incident = id, kind = ARGV[6],
  by = 'partner:' .. partner}
if new_case == '1' and previous then entry.previous_case = previous end
redis.call('RPUSH', 'case:' .. case_id .. ':timeline', cjson.encode(entry))
redis.call('SET', idem, id)
local payload = cjson.encode({incident_id = id, case_id = case_id})
)lua" + common::outbox_add_lua("dispatch", "id", "payload", "ARGV[14]") +
         common::deadline_resync_lua("case_id", "ARGV[10]") +
         R"lua(
return {'created', id, case_id, payload}
)lua";
}

const common::RedisScript& script() {
  static const common::RedisScript s{accept_script()};
  return s;
}

// A replay of an incident accepted before `stored_hash`: the same known
// fields as the body it stored?
bool same_known_fields(const std::string& stored_body, const std::string& hash) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(stored_body, ec);
  return !ec && v.is_object() && common::sha256_hex(canonical_json(v)) == hash;
}

}  // namespace

std::string dispatch_payload(const std::string& incident_id, const std::string& case_id) {
  return R"({"incident_id":")" + incident_id + R"(","case_id":")" + case_id + "\"}";
}

struct RedisIncidentStore::Impl {
  Impl(common::RedisConfig r, common::Millis resend,
       std::function<void(const std::string&, const std::string&)> created, common::Millis link)
      : resend_after(resend),
        household_link(link),
        on_created(std::move(created)),
        pool(std::move(r)) {}
  common::Millis resend_after;
  common::Millis household_link;
  std::function<void(const std::string&, const std::string&)> on_created;
  common::RedisPool pool;
};

RedisIncidentStore::RedisIncidentStore(
    common::RedisConfig redis, common::Millis outbox_resend_after,
    std::function<void(const std::string&, const std::string&)> on_created,
    common::Millis household_link)
    : impl_(std::make_unique<Impl>(std::move(redis), outbox_resend_after, std::move(on_created),
                                   household_link)) {}

RedisIncidentStore::~RedisIncidentStore() = default;

StoreOutcome RedisIncidentStore::store(const NewIncident& in) {
  const auto& r = *in.request;
  const auto accepted_ms = std::to_string(common::to_epoch_ms(in.accepted_at));
  std::string ban_start, ban_end, ban_start_offset, ban_end_offset;
  if (r.home_ban) {
    ban_start = std::to_string(common::to_epoch_ms(r.home_ban->starts_at));
    ban_end = std::to_string(common::to_epoch_ms(r.home_ban->ends_at));
    ban_start_offset = std::to_string(r.home_ban->starts_offset.count());
    ban_end_offset = std::to_string(r.home_ban->ends_offset.count());
  }
  const std::string body = boost::json::serialize(r.stored);
  auto lease = impl_->pool.lease();
  for (int attempt = 0; attempt < 5; ++attempt) {
    // The outbox's resend timer runs on real time, not domain time.
    const auto due =
        std::to_string(common::to_epoch_ms(in.transport_now) + impl_->resend_after.count());
    std::vector<std::string> args{in.partner,
                                  r.reference,
                                  in.body_hash,
                                  "I" + common::random_base32(16),
                                  "C" + common::random_base32(8),
                                  std::string(common::to_string(r.kind)),
                                  r.region,
                                  r.household,
                                  std::to_string(common::to_epoch_ms(r.reported_at)),
                                  accepted_ms,
                                  body,
                                  ban_start,
                                  ban_end,
                                  due,
                                  std::to_string(impl_->household_link.count()),
                                  ban_start_offset,
                                  ban_end_offset};
    common::RedisReply reply;
    try {
      reply = lease->eval(script(), {}, args);
    } catch (const common::RedisIoError& e) {
      // The script may or may not have run. Find out once the connection is
      // back: if the incident is there, it is durable and we can say so.
      try {
        lease->disconnect();
        auto id = lease->command({"GET", "idem:" + in.partner + ":" + r.reference});
        if (auto existing = id.opt_string()) {
          auto h =
              lease->command({"HMGET", "incident:" + *existing, "stored_hash", "case_id", "body"});
          if (h.elements.size() == 3 &&
              (h.elements[0].opt_string() == in.body_hash ||
               (h.elements[0].is_nil() && same_known_fields(h.elements[2].str, in.body_hash))))
            return {StoreOutcome::Kind::replayed, *existing, h.elements[1].str};
        }
      } catch (const common::RedisError&) {
      }
      throw StoreUnavailable(e.what());
    } catch (const common::RedisFullError& e) {
      throw StoreFull(e.what());
    } catch (const common::RedisError& e) {
      throw StoreUnavailable(e.what());
    }
    if (reply.elements.empty()) throw StoreUnavailable("unexpected reply from accept script");
    const auto& kind = reply.elements[0].str;
    if (kind == "collision") continue;
    if (reply.elements.size() < 3) throw StoreUnavailable("unexpected reply from accept script");
    StoreOutcome out;
    if (kind == "refused") {
      out.kind = StoreOutcome::Kind::refused;
      out.refusal_code = reply.elements[1].str;
      out.refusal_field = reply.elements[2].str;
      if (reply.elements.size() >= 4 && !reply.elements[3].str.empty())
        out.ban_first_start = common::from_epoch_ms(std::stoll(reply.elements[3].str));
      return out;
    }
    out.incident_id = reply.elements[1].str;
    out.case_id = reply.elements[2].str;
    if (kind == "created") {
      out.kind = StoreOutcome::Kind::created;
      if (impl_->on_created && reply.elements.size() >= 4)
        impl_->on_created(out.incident_id, reply.elements[3].str);
    } else if (kind == "replayed") {
      out.kind = StoreOutcome::Kind::replayed;
    } else if (kind == "legacy" && reply.elements.size() >= 4 &&
               same_known_fields(reply.elements[3].str, in.body_hash)) {
      out.kind = StoreOutcome::Kind::replayed;
    } else {
      out.kind = StoreOutcome::Kind::conflict;
    }
    return out;
  }
  throw StoreUnavailable("could not allocate a unique id");
}

std::optional<IncidentView> RedisIncidentStore::find(const std::string& incident_id) {
  auto lease = impl_->pool.lease();
  try {
    auto h = lease->command({"HMGET", "incident:" + incident_id, "partner", "case_id", "status"});
    if (h.elements.size() != 3 || h.elements[0].is_nil()) return std::nullopt;
    return IncidentView{incident_id, h.elements[0].str, h.elements[1].str, h.elements[2].str};
  } catch (const common::RedisError& e) {
    throw StoreUnavailable(e.what());
  }
}

bool RedisIncidentStore::healthy() {
  return !health_problem().has_value();
}

std::optional<std::string> RedisIncidentStore::health_problem() {
  return common::redis_health_problem(*impl_->pool.lease());
}

}  // namespace piket::ingest
