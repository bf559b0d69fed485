#pragma once
// Rota notices (owner: piket-dispatch's rota watcher): handoff notices and gap
// warnings are pages (page.hpp) sent once each; the notice key records it.

#include <cstdint>
#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// notice:{id}: string, the page of a rota notice sent (each is sent once).
// The ids: a handoff notice per person, region, layer and shift start; a gap
// warning per team lead, region, layer and gap start (domain ms).
inline std::string handoff_notice_id(std::string_view person, std::string_view region,
                                     std::string_view layer, std::int64_t from_ms) {
  return detail::join({"handoff", person, region, layer, std::to_string(from_ms)});
}
inline std::string gap_notice_id(std::string_view team_lead, std::string_view region,
                                 std::string_view layer, std::int64_t start_ms) {
  return detail::join({"gap", team_lead, region, layer, std::to_string(start_ms)});
}
inline std::string notice_key(std::string_view notice_id) {
  return detail::join({"notice", notice_id});
}

}  // namespace piket::store
