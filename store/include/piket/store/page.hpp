#pragma once
// The page aggregate (owner: paging — page creation, answers, escalation;
// notify records the page's delivery progress through paging's store API,
// store/lua/lib/paging_page_delivery.lua and paging_page_rev.lua —
// docs/data-model.md "Who writes what", docs/paging.md).

#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// page:{id}: hash, one page to one person.
inline std::string page_key(std::string_view id) {
  return detail::join({"page", id});
}
// page:{id}:dlr: list of delivery reports; page:{id}:dlr_types: set of report types seen.
inline std::string page_dlr_key(std::string_view id) {
  return detail::join({"page", id, "dlr"});
}
inline std::string page_dlr_types_key(std::string_view id) {
  return detail::join({"page", id, "dlr_types"});
}
// ackcode:{person}:{code}: string, the page a reply code answers.
inline std::string ackcode_key(std::string_view person, std::string_view code) {
  return detail::join({"ackcode", person, code});
}
// codeguard:person:{id}, codeguard:number:{h}: wrong reply codes; codeguard:locked.
inline std::string codeguard_person_key(std::string_view person) {
  return detail::join({"codeguard", "person", person});
}
inline std::string codeguard_number_key(std::string_view hash) {
  return detail::join({"codeguard", "number", hash});
}
inline constexpr std::string_view kCodeguardLocked = "codeguard:locked";
// The prefixes of every reply code's key and every wrong-code guard's key
// (KEYS/SCAN patterns for ops and tests: prefix + "*").
inline constexpr std::string_view kAckcodePrefix = "ackcode:";
inline constexpr std::string_view kCodeguardPrefix = "codeguard:";
// escalations:due: zset, the escalation timers.
inline constexpr std::string_view kEscalationsDue = "escalations:due";
// capacity:{region} (+ :history): an open / the ended coverage problems of the caseload cap.
inline std::string capacity_key(std::string_view region) {
  return detail::join({"capacity", region});
}
inline std::string capacity_history_key(std::string_view region) {
  return detail::join({"capacity", region, "history"});
}

}  // namespace piket::store
