#pragma once
// The incident aggregate (owner: piket-ingest, which accepts it; paging owns its
// escalation state — the esc_* fields, :esc_paged, :declined, :pages,
// escalations:due). Paging moves its status and piket-cases moves it between
// cases through piket-ingest's store API (store/lua/lib/ingest_incident_status.lua,
// ingest_incident_case.lua) — docs/data-model.md "Who writes what".

#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// incident:{id}: hash, the incident as accepted.
inline std::string incident_key(std::string_view id) {
  return detail::join({"incident", id});
}
// incident:{id}:esc_paged: hash, person -> the round they were paged in (escalation);
// incident:{id}:declined: set, the people who declined (docs/paging.md).
inline std::string incident_esc_paged_key(std::string_view id) {
  return detail::join({"incident", id, "esc_paged"});
}
inline std::string incident_declined_key(std::string_view id) {
  return detail::join({"incident", id, "declined"});
}
// incident:{id}:pages: set, the escalation's pages of the incident (for standing
// the others down when one is answered — docs/paging.md).
inline std::string incident_pages_key(std::string_view id) {
  return detail::join({"incident", id, "pages"});
}
// idem:{partner}:{reference}: string, the incident id — the idempotency key.
inline std::string idempotency_key(std::string_view partner, std::string_view reference) {
  return detail::join({"idem", partner, reference});
}
// household:{partner}:{household}: string, the household's latest case id.
inline std::string household_key(std::string_view partner, std::string_view household) {
  return detail::join({"household", partner, household});
}

}  // namespace piket::store
