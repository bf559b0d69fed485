#pragma once
// Where accepted incidents become durable. The Redis implementation is the
// real one; tests of the HTTP logic use a fake (tests/ingest/fake_incident_store.hpp).

#include <optional>
#include <stdexcept>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/ingest/validation.hpp"

namespace piket::ingest {

// The store could not make the incident durable (or could not tell): the
// caller answers 503 and nothing is promised.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The store refused the incident whole because it is at its memory limit
// (Redis maxmemory, policy noeviction): nothing was written.
class StoreFull : public StoreUnavailable {
 public:
  using StoreUnavailable::StoreUnavailable;
};

// Durable answers ([redis] min_replicas): too few replicas had the write in
// time, or the primary refused it for too few replicas (NOREPLICAS). The
// incident may be on the primary only (or nowhere): nothing is promised. A
// retry with the same reference gets the same incident if it is there, a new
// one if it is not (docs/availability.md).
class StoreNotReplicated : public StoreUnavailable {
 public:
  using StoreUnavailable::StoreUnavailable;
};

struct NewIncident {
  std::string partner;
  const IncidentRequest* request = nullptr;
  // idempotency_hash(*request): SHA-256 of the canonical JSON of the known
  // fields (unknown fields are ignored, as the contract says). Stored as
  // `stored_hash`; a replay with the same hash is the same incident.
  std::string body_hash;
  common::Instant accepted_at;    // domain time (may be simulated)
  common::Instant transport_now;  // real time, for the outbox's resend timer
};

struct StoreOutcome {
  // refused: the incident breaks a rule that depends on stored state (the
  // case's home ban, ban_script.hpp); nothing was stored and the reference
  // stays free.
  enum class Kind { created, replayed, conflict, refused };
  Kind kind = Kind::created;
  std::string incident_id;
  std::string case_id;
  std::string refusal_code{};   // refused: ban_total_too_long | no_ban_in_force
  std::string refusal_field{};  // refused: home_ban.ends_at | kind
  std::optional<common::Instant> ban_first_start{};  // refused: the ban's first start, if any
};

struct IncidentView {
  std::string incident_id;
  std::string partner;
  std::string case_id;
  std::string status;
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;
  // Atomic: idempotency check on (partner, reference), join or open the
  // household's case (a new one linked to the earlier case when the family
  // returns after closing), apply the incident to the case's home ban
  // (refusing what breaks it), store the incident and enqueue it for dispatch.
  // Returns only once the incident is durable (with [redis] min_replicas: on
  // that many replicas too, for a replay as well as a creation). Throws
  // StoreUnavailable (StoreNotReplicated, StoreFull).
  virtual StoreOutcome store(const NewIncident& incident) = 0;
  // Empty when there is no such incident. Throws StoreUnavailable.
  virtual std::optional<IncidentView> find(const std::string& incident_id) = 0;
  // Health: can the store be reached now?
  virtual bool healthy() = 0;
  // What keeps the store from accepting incidents now (nullopt: nothing), for /readyz.
  virtual std::optional<std::string> health_problem() {
    if (healthy()) return std::nullopt;
    return std::string("the store cannot be reached");
  }
  // What keeps the store from doing its work now (nullopt: nothing), for
  // /readyz: health_problem(), and too few replicas connected.
  virtual std::optional<std::string> readiness_problem() { return health_problem(); }
};

}  // namespace piket::ingest
