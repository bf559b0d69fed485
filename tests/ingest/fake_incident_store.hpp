#pragma once
// An in-memory IncidentStore for tests of the partner API logic. Thread-safe.
// Same idempotency semantics as RedisIncidentStore: the key is (partner,
// reference); the same body hash again is `replayed` with the first answer's
// ids, another hash is `conflict`. Incidents of one partner's household join
// one case. set_unavailable(true) makes every call throw StoreUnavailable
// (nothing is stored), as when Redis cannot be reached.

#include <boost/json/serialize.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "piket/ingest/incident_store.hpp"

namespace piket::ingest::testing {

class FakeIncidentStore final : public IncidentStore {
 public:
  // What store() received for one created incident.
  struct Stored {
    std::string incident_id;
    std::string case_id;
    std::string partner;
    std::string reference;
    std::string household;
    std::string region;
    std::string body_hash;
    std::string stored_json;  // IncidentRequest::stored, serialised
    common::Instant accepted_at;
    common::Instant transport_now;
    std::string status = "accepted";
  };

  StoreOutcome store(const NewIncident& in) override {
    std::lock_guard lock(mutex_);
    ++store_calls_;
    if (unavailable_) throw StoreUnavailable("fake store is unavailable");
    const auto& r = *in.request;
    const auto key = in.partner + '\n' + r.reference;
    if (const auto it = by_key_.find(key); it != by_key_.end()) {
      const auto& existing = incidents_.at(it->second);
      const auto kind = existing.body_hash == in.body_hash ? StoreOutcome::Kind::replayed
                                                           : StoreOutcome::Kind::conflict;
      return {kind, existing.incident_id, existing.case_id};
    }
    const auto household_key = in.partner + '\n' + r.household;
    auto case_it = cases_.find(household_key);
    if (case_it == cases_.end())
      case_it = cases_.emplace(household_key, make_id('C', 8, cases_.size() + 1)).first;
    Stored s;
    s.incident_id = make_id('I', 16, incidents_.size() + 1);
    s.case_id = case_it->second;
    s.partner = in.partner;
    s.reference = r.reference;
    s.household = r.household;
    s.region = r.region;
    s.body_hash = in.body_hash;
    s.stored_json = boost::json::serialize(r.stored);
    s.accepted_at = in.accepted_at;
    s.transport_now = in.transport_now;
    by_key_.emplace(key, s.incident_id);
    order_.push_back(s.incident_id);
    incidents_.emplace(s.incident_id, s);
    return {StoreOutcome::Kind::created, s.incident_id, s.case_id};
  }

  std::optional<IncidentView> find(const std::string& incident_id) override {
    std::lock_guard lock(mutex_);
    if (unavailable_) throw StoreUnavailable("fake store is unavailable");
    const auto it = incidents_.find(incident_id);
    if (it == incidents_.end()) return std::nullopt;
    return IncidentView{it->second.incident_id, it->second.partner, it->second.case_id,
                        it->second.status};
  }

  bool healthy() override {
    std::lock_guard lock(mutex_);
    return !unavailable_;
  }

  // ---- test controls and inspection

  void set_unavailable(bool down) {
    std::lock_guard lock(mutex_);
    unavailable_ = down;
  }
  // As the dispatch service would move it on.
  void set_status(const std::string& incident_id, const std::string& status) {
    std::lock_guard lock(mutex_);
    incidents_.at(incident_id).status = status;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return incidents_.size();
  }
  // Calls of store(), whatever their outcome.
  std::size_t store_calls() const {
    std::lock_guard lock(mutex_);
    return store_calls_;
  }
  // Created incidents, oldest first.
  std::vector<Stored> all() const {
    std::lock_guard lock(mutex_);
    std::vector<Stored> out;
    for (const auto& id : order_) out.push_back(incidents_.at(id));
    return out;
  }

 private:
  // The id shapes of the real store: a letter and upper-case base32, here a
  // zero-padded decimal counter so tests are deterministic.
  static std::string make_id(char prefix, int digits, std::size_t n) {
    std::string s(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0 && n > 0; --i, n /= 10)
      s[static_cast<std::size_t>(i)] = static_cast<char>('0' + n % 10);
    return prefix + s;
  }

  mutable std::mutex mutex_;
  bool unavailable_ = false;
  std::size_t store_calls_ = 0;
  std::map<std::string, Stored> incidents_;    // incident id → record
  std::map<std::string, std::string> by_key_;  // partner \n reference → incident id
  std::map<std::string, std::string> cases_;   // partner \n household → case id
  std::vector<std::string> order_;
};

}  // namespace piket::ingest::testing
