#pragma once
// IncidentStore on Redis: one Lua script does the whole acceptance atomically
// (store/lua/ingest/ingest_accept.lua; typed in piket/store/ingest_scripts.hpp).
// Redis runs with appendfsync always, so a script's writes are on disk before
// its reply — and before our 201. With [redis] min_replicas > 0 the 201/200
// also waits (WAIT) until that many replicas have the incident
// (docs/availability.md). Keys: see docs/data-model.md.

#include <functional>
#include <memory>

#include "piket/common/config.hpp"
#include "piket/ingest/incident_store.hpp"

namespace piket::ingest {

class RedisIncidentStore final : public IncidentStore {
 public:
  // `on_created` is called after a new incident is durable (used to wake the
  // dispatch outbox sender at once). `household_link`: how long after a case
  // closed a new incident of its household opens a case linked to it
  // ([cases] household_link_days).
  RedisIncidentStore(
      common::RedisConfig redis, common::Millis outbox_resend_after,
      std::function<void(const std::string& incident_id, const std::string& payload)> on_created,
      common::Millis household_link = std::chrono::hours{24 * 730});
  ~RedisIncidentStore() override;

  StoreOutcome store(const NewIncident& incident) override;
  std::optional<IncidentView> find(const std::string& incident_id) override;
  bool healthy() override;
  // Redis unreachable, or refusing writes at its memory limit.
  std::optional<std::string> health_problem() override;
  // Also too few replicas connected (min_replicas).
  std::optional<std::string> readiness_problem() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The dispatch message for an incident: {"incident_id":…,"case_id":…,"kind":…,"region":…}
// (the kind orders dispatch's receiving queue: a code red first; the region lets dispatch read
// its on-call people's caseloads with the incident; ingest_accept.lua writes it).
std::string dispatch_payload(const std::string& incident_id, const std::string& case_id,
                             const std::string& kind, const std::string& region);

}  // namespace piket::ingest
