#include "piket/ingest/redis_incident_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <vector>

#include "piket/common/crypto.hpp"
#include "piket/common/fault_point.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/ingest/canonical_json.hpp"
#include "piket/ingest/family_phones.hpp"
#include "piket/ingest/person_roles.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/ingest_scripts.hpp"
#include "piket/store/lua.hpp"

namespace piket::ingest {
namespace {

// The acceptance: store/lua/ingest/ingest_accept.lua (its header says what it
// writes, and why it writes the case and the deadline timer through their
// owner's functions in the same script).
const common::RedisScript& script() {
  static const common::RedisScript s{std::string(lua::ingest_accept())};
  return s;
}

// A replay of an incident accepted before `stored_hash`: the same known
// fields as the body it stored?
bool same_known_fields(const std::string& stored_body, const std::string& hash) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(stored_body, ec);
  return !ec && v.is_object() && common::sha256_hex(canonical_json(v)) == hash;
}

// The answer about to be given promises durability: with [redis]
// min_replicas, wait until that many replicas have the incident. WAIT counts
// this connection's own last write, so a replay (whose script wrote nothing)
// first writes the idempotency key again with the value it has: the WAIT then
// covers everything the primary had when the replay read the incident — a
// WAIT on a connection that wrote nothing would answer at once.
void confirm_replicated(common::RedisConnection& c, const std::string& idempotency_key,
                        const std::string& incident_id, bool replay) {
  if (c.config().min_replicas <= 0) return;
  try {
    if (replay) c.command({"SET", idempotency_key, incident_id, "XX", "KEEPTTL"});
    if (!c.wait_replicated())
      throw StoreNotReplicated("fewer than " + std::to_string(c.config().min_replicas) +
                               " replica(s) acknowledged the incident within " +
                               std::to_string(c.config().replica_wait.count()) + " ms");
  } catch (const common::RedisNoReplicasError& e) {
    throw StoreNotReplicated(e.what());
  } catch (const common::RedisError& e) {
    throw StoreUnavailable(e.what());
  }
}

}  // namespace

std::string dispatch_payload(const std::string& incident_id, const std::string& case_id,
                             const std::string& kind, const std::string& region) {
  return R"({"incident_id":")" + incident_id + R"(","case_id":")" + case_id + R"(","kind":")" +
         kind + R"(","region":")" + region + "\"}";
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
  store::IngestAcceptArgs a;
  a.partner = in.partner;
  a.reference = r.reference;
  a.stored_hash = in.body_hash;
  a.kind = std::string(common::to_string(r.kind));
  a.region = r.region;
  a.household = r.household;
  a.reported_at_ms = common::to_epoch_ms(r.reported_at);
  a.accepted_at_ms = common::to_epoch_ms(in.accepted_at);
  a.body = boost::json::serialize(r.stored);
  if (r.home_ban)
    a.ban = store::IngestAcceptArgs::Ban{
        common::to_epoch_ms(r.home_ban->starts_at), common::to_epoch_ms(r.home_ban->ends_at),
        r.home_ban->starts_offset.count(), r.home_ban->ends_offset.count()};
  a.household_link_ms = impl_->household_link.count();
  a.family_phones = family_phones(r.stored);
  a.roles = person_roles(r.stored);
  const auto idem = store::idempotency_key(in.partner, r.reference);
  auto lease = impl_->pool.lease();
  for (int attempt = 0; attempt < 5; ++attempt) {
    // The outbox's resend timer runs on real time, not domain time.
    a.outbox_due_ms = common::to_epoch_ms(in.transport_now) + impl_->resend_after.count();
    a.incident_id = "I" + common::random_base32(16);
    a.case_id = "C" + common::random_base32(8);
    common::RedisReply reply;
    try {
      reply = lease->eval(script(), {}, a.args());
    } catch (const common::RedisIoError& e) {
      // The script may or may not have run. Find out once the connection is
      // back: if the incident is there, it is durable and we can say so.
      try {
        lease->disconnect();
        auto id = lease->command({"GET", idem});
        if (auto existing = id.opt_string()) {
          auto h = lease->command(
              {"HMGET", store::incident_key(*existing), "stored_hash", "case_id", "body"});
          if (h.elements.size() == 3 &&
              (h.elements[0].opt_string() == in.body_hash ||
               (h.elements[0].is_nil() && same_known_fields(h.elements[2].str, in.body_hash)))) {
            confirm_replicated(*lease, idem, *existing, true);
            return {StoreOutcome::Kind::replayed, *existing, h.elements[1].str};
          }
        }
      } catch (const common::RedisError&) {
      }
      throw StoreUnavailable(e.what());
    } catch (const common::RedisFullError& e) {
      throw StoreFull(e.what());
    } catch (const common::RedisNoReplicasError& e) {
      // The primary refused the script up front: nothing was written.
      throw StoreNotReplicated(e.what());
    } catch (const common::RedisError& e) {
      throw StoreUnavailable(e.what());
    }
    const auto got = store::IngestAcceptReply::parse(reply.element_strings());
    if (!got) throw StoreUnavailable("unexpected reply from accept script");
    using K = store::IngestAcceptReply::Kind;
    if (got->kind == K::collision) continue;
    StoreOutcome out;
    if (got->kind == K::refused) {
      out.kind = StoreOutcome::Kind::refused;
      out.refusal_code = got->refusal_code;
      out.refusal_field = got->refusal_field;
      if (got->ban_first_start_ms)
        out.ban_first_start = common::from_epoch_ms(*got->ban_first_start_ms);
      return out;
    }
    out.incident_id = got->incident_id;
    out.case_id = got->case_id;
    switch (got->kind) {
      case K::created:
        out.kind = StoreOutcome::Kind::created;
        common::fault_point("ingest.after_accept");  // in the outbox, not yet woken, no 201
        // Dispatch is woken only for a durable incident; one left on the
        // primary alone still reaches dispatch by the outbox's resend.
        confirm_replicated(*lease, idem, out.incident_id, false);
        if (impl_->on_created) impl_->on_created(out.incident_id, got->payload);
        break;
      case K::replayed:
        out.kind = StoreOutcome::Kind::replayed;
        confirm_replicated(*lease, idem, out.incident_id, true);
        break;
      case K::legacy:
        out.kind = same_known_fields(got->legacy_body, in.body_hash) ? StoreOutcome::Kind::replayed
                                                                     : StoreOutcome::Kind::conflict;
        if (out.kind == StoreOutcome::Kind::replayed)
          confirm_replicated(*lease, idem, out.incident_id, true);
        break;
      default:
        out.kind = StoreOutcome::Kind::conflict;
        break;
    }
    return out;
  }
  throw StoreUnavailable("could not allocate a unique id");
}

std::optional<IncidentView> RedisIncidentStore::find(const std::string& incident_id) {
  auto lease = impl_->pool.lease();
  try {
    auto h =
        lease->command({"HMGET", store::incident_key(incident_id), "partner", "case_id", "status"});
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

std::optional<std::string> RedisIncidentStore::readiness_problem() {
  return common::redis_readiness_problem(*impl_->pool.lease());
}

}  // namespace piket::ingest
