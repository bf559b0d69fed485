#pragma once
// The incident aggregate (owner: piket-ingest; piket-dispatch and piket-cases
// write their named fields — docs/data-model.md "Who writes what").

#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// incident:{id}: hash, the incident as accepted.
inline std::string incident_key(std::string_view id) { return detail::join({"incident", id}); }
// incident:{id}:esc_paged / :declined — escalation's sets of people paged / who declined.
inline std::string incident_esc_paged_key(std::string_view id) {
  return detail::join({"incident", id, "esc_paged"});
}
inline std::string incident_declined_key(std::string_view id) {
  return detail::join({"incident", id, "declined"});
}
// incident:{id}:pages: set, the escalation's pages (for standing the others down).
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
