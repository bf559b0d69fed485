#include "piket/ingest/redis_incident_store.hpp"

#include <boost/json/serialize.hpp>
#include <mutex>
#include <vector>

#include "piket/common/crypto.hpp"
#include "piket/common/deadline_timers.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/common/redis_pool.hpp"

namespace piket::ingest {
namespace {

// ARGV: 1 partner, 2 reference, 3 body_hash, 4 incident id candidate,
// 5 case id candidate, 6 kind, 7 region, 8 household, 9 reported_at ms,
// 10 accepted_at ms, 11 stored body JSON, 12 ban start ms or '', 13 ban end ms
// or '', 14 outbox due ms.
//
// The `#!lua` shebang (no flags: the script may write) makes Redis refuse the
// whole script up front, with -OOM, when it is at maxmemory: an incident is
// accepted whole or not at all, whatever the script writes first (a replay is
// refused too then; the partner retries). docs/data-model.md, "Memory limit".
std::string accept_script() {
  return R"lua(#!lua
local partner, reference, body_hash = ARGV[1], ARGV[2], ARGV[3]
local idem = 'idem:' .. partner .. ':' .. reference
local existing = redis.call('GET', idem)
if existing then
  local h = redis.call('HMGET', 'incident:' .. existing, 'body_hash', 'case_id')
  if h[1] == body_hash then return {'replayed', existing, h[2]} end
  return {'conflict', existing, h[2] or ''}
end
local id = ARGV[4]
if redis.call('EXISTS', 'incident:' .. id) == 1 then return {'collision'} end
local hh = 'household:' .. partner .. ':' .. ARGV[8]
local case_id = redis.call('GET', hh)
local new_case = '0'
if not case_id then
  case_id = ARGV[5]
  if redis.call('EXISTS', 'case:' .. case_id) == 1 then return {'collision'} end
  redis.call('HSET', 'case:' .. case_id, 'region', ARGV[7], 'partner', partner,
             'household', ARGV[8], 'opened_at', ARGV[10], 'phase', 'registered', 'state', 'open')
  redis.call('SET', hh, case_id)
  redis.call('SADD', 'cases:open', case_id)
  new_case = '1'
end
redis.call('HSET', 'incident:' .. id, 'partner', partner, 'reference', reference,
           'kind', ARGV[6], 'region', ARGV[7], 'reported_at', ARGV[9], 'accepted_at', ARGV[10],
           'case_id', case_id, 'status', 'accepted', 'body', ARGV[11], 'body_hash', body_hash,
           'new_case', new_case)
if ARGV[12] ~= '' then
  redis.call('HSET', 'incident:' .. id, 'ban_starts_at', ARGV[12], 'ban_ends_at', ARGV[13])
end
redis.call('RPUSH', 'case:' .. case_id .. ':incidents', id)
redis.call('RPUSH', 'case:' .. case_id .. ':timeline', cjson.encode({
  at = tonumber(ARGV[10]), type = 'incident_accepted', incident = id, kind = ARGV[6],
  by = 'partner:' .. partner}))
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

}  // namespace

std::string dispatch_payload(const std::string& incident_id, const std::string& case_id) {
  return R"({"incident_id":")" + incident_id + R"(","case_id":")" + case_id + "\"}";
}

struct RedisIncidentStore::Impl {
  Impl(common::RedisConfig r, common::Millis resend,
       std::function<void(const std::string&, const std::string&)> created)
      : resend_after(resend), on_created(std::move(created)), pool(std::move(r)) {}
  common::Millis resend_after;
  std::function<void(const std::string&, const std::string&)> on_created;
  common::RedisPool pool;
};

RedisIncidentStore::RedisIncidentStore(
    common::RedisConfig redis, common::Millis outbox_resend_after,
    std::function<void(const std::string&, const std::string&)> on_created)
    : impl_(std::make_unique<Impl>(std::move(redis), outbox_resend_after, std::move(on_created))) {
}

RedisIncidentStore::~RedisIncidentStore() = default;

StoreOutcome RedisIncidentStore::store(const NewIncident& in) {
  const auto& r = *in.request;
  const auto accepted_ms = std::to_string(common::to_epoch_ms(in.accepted_at));
  std::string ban_start, ban_end;
  if (r.home_ban) {
    ban_start = std::to_string(common::to_epoch_ms(r.home_ban->starts_at));
    ban_end = std::to_string(common::to_epoch_ms(r.home_ban->ends_at));
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
                                  due};
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
          auto h = lease->command({"HMGET", "incident:" + *existing, "body_hash", "case_id"});
          if (h.elements.size() == 2 && h.elements[0].opt_string() == in.body_hash)
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
    out.incident_id = reply.elements[1].str;
    out.case_id = reply.elements[2].str;
    if (kind == "created") {
      out.kind = StoreOutcome::Kind::created;
      if (impl_->on_created && reply.elements.size() >= 4)
        impl_->on_created(out.incident_id, reply.elements[3].str);
    } else if (kind == "replayed") {
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
    auto h =
        lease->command({"HMGET", "incident:" + incident_id, "partner", "case_id", "status"});
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
