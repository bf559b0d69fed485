#pragma once
// Need-to-know, as pure decisions. Casemanagers: their own cases and those
// they were paged for. Team leads: every case of their regions, the board,
// the rota. Admins: configuration and operations, never case content.

#include <string>
#include <string_view>
#include <vector>

#include "piket/web/principal.hpp"

namespace piket::web {

struct CaseFacts {
  std::string id;
  std::string region;
  std::string casemanager;         // current; empty when not assigned
  std::vector<std::string> paged;  // everyone paged for the case
  bool open = true;
};

struct Decision {
  bool allowed = false;
  std::string reason;  // why refused (or on what ground allowed)
  explicit operator bool() const { return allowed; }
};

Decision may_read_case(const Principal& p, const CaseFacts& c);
Decision may_record_event(const Principal& p, const CaseFacts& c);
Decision may_reassign_case(const Principal& p, const CaseFacts& c);
Decision may_view_region(const Principal& p, std::string_view region);
Decision may_edit_rota(const Principal& p, std::string_view region);
Decision may_administer(const Principal& p);

}  // namespace piket::web
