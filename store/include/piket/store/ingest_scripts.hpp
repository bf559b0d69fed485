#pragma once
// Typed arguments and reply of ingest's acceptance script,
// store/lua/ingest/ingest_accept.lua (run by ingest's RedisIncidentStore):
// named fields instead of 18 positional ARGV and a reply read by position.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace piket::store {

// The ARGV of ingest_accept.lua. Times are ms since the epoch: domain time
// except `outbox_due_ms` (transport time, the outbox's resend timer).
struct IngestAcceptArgs {
  // The incident's home ban (incidents of kind home_ban / _extended / _lifted).
  struct Ban {
    std::int64_t starts_ms = 0;
    std::int64_t ends_ms = 0;
    std::int64_t starts_offset_min = 0;  // the partner's UTC offset at the start (minutes)
    std::int64_t ends_offset_min = 0;    // … at the end
  };

  std::string partner;
  std::string reference;
  std::string stored_hash;  // the idempotency hash of the known fields
  std::string incident_id;  // a candidate ("I" + 16): reply `collision` when taken
  std::string case_id;      // a candidate for a new case ("C" + 8): `collision` when taken
  std::string kind;         // common::to_string(IncidentKind)
  std::string region;
  std::string household;
  std::int64_t reported_at_ms = 0;
  std::int64_t accepted_at_ms = 0;
  std::string body;  // the stored body (JSON of the known fields)
  std::optional<Ban> ban;
  std::int64_t outbox_due_ms = 0;
  // How long after a case closed a new incident of its household opens a case
  // linked to it (a returning family).
  std::int64_t household_link_ms = 0;
  // The persons' numbers for the family contact index (family_contact.hpp,
  // family_phones_arg): "<h>:<role>" space-separated, '' none.
  std::string family_phones;
  // The persons' roles, once each, comma-separated ('' none): incident:{id} roles
  // (ingest/person_roles.hpp).
  std::string roles;

  std::vector<std::string> args() const {
    const auto ms = [](std::int64_t v) { return std::to_string(v); };
    return {partner,
            reference,
            stored_hash,
            incident_id,
            case_id,
            kind,
            region,
            household,
            ms(reported_at_ms),
            ms(accepted_at_ms),
            body,
            ban ? ms(ban->starts_ms) : std::string(),
            ban ? ms(ban->ends_ms) : std::string(),
            ms(outbox_due_ms),
            ms(household_link_ms),
            ban ? ms(ban->starts_offset_min) : std::string(),
            ban ? ms(ban->ends_offset_min) : std::string(),
            family_phones,
            roles};
  }
};

// The reply of ingest_accept.lua.
struct IngestAcceptReply {
  enum class Kind {
    created,    // stored: incident_id, case_id, payload (the dispatch message)
    replayed,   // the same incident was accepted before: incident_id, case_id
    conflict,   // the reference was used for another body: incident_id, case_id
    legacy,     // accepted before stored_hash existed: compare legacy_body's known fields
    collision,  // an id candidate is taken: pick new ones and run again
    refused,    // the home-ban rule refuses it: refusal_code, refusal_field, ban_first_start_ms
  };
  Kind kind = Kind::collision;
  std::string incident_id;
  std::string case_id;
  std::string payload;
  std::string legacy_body;
  std::string refusal_code;   // ban_total_too_long | no_ban_in_force
  std::string refusal_field;  // home_ban.ends_at | kind
  std::optional<std::int64_t> ban_first_start_ms;

  // From the reply's elements (each a string); nullopt when the reply is not
  // one the script gives.
  static std::optional<IngestAcceptReply> parse(const std::vector<std::string>& r) {
    if (r.empty()) return std::nullopt;
    IngestAcceptReply out;
    const auto& k = r[0];
    if (k == "collision") return out;
    if (r.size() < 3) return std::nullopt;
    if (k == "refused") {
      out.kind = Kind::refused;
      out.refusal_code = r[1];
      out.refusal_field = r[2];
      if (r.size() >= 4 && !r[3].empty()) {
        std::int64_t v = 0;
        const auto* end = r[3].data() + r[3].size();
        const auto [at, ec] = std::from_chars(r[3].data(), end, v);
        if (ec != std::errc() || at != end) return std::nullopt;
        out.ban_first_start_ms = v;
      }
      return out;
    }
    out.incident_id = r[1];
    out.case_id = r[2];
    if (k == "created" && r.size() >= 4) {
      out.kind = Kind::created;
      out.payload = r[3];
    } else if (k == "replayed") {
      out.kind = Kind::replayed;
    } else if (k == "conflict") {
      out.kind = Kind::conflict;
    } else if (k == "legacy" && r.size() >= 4) {
      out.kind = Kind::legacy;
      out.legacy_body = r[3];
    } else {
      return std::nullopt;
    }
    return out;
  }
};

}  // namespace piket::store
