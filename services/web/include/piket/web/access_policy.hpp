#pragma once
// Need-to-know, as pure decisions. Case data: the rule of piket_access
// (access/include/piket/access/need_to_know.hpp), the same one the case API
// calls — the casemanager, the region's team lead, and a responder whose page
// stands (read only). The board, the rota and administration are the web
// app's own: team leads see and change their regions; admins administer and
// never see case content.

#include <string>
#include <string_view>
#include <vector>

#include "piket/access/need_to_know.hpp"
#include "piket/common/clock.hpp"
#include "piket/web/principal.hpp"

namespace piket::web {

using CaseFacts = access::CaseFacts;

struct Decision {
  bool allowed = false;
  std::string reason;  // why refused (or on what ground allowed)
  explicit operator bool() const { return allowed; }
};

access::CaseCaller case_caller(const Principal& p);

Decision may_read_case(const Principal& p, const CaseFacts& c, common::Instant now);
Decision may_record_event(const Principal& p, const CaseFacts& c, common::Instant now);
Decision may_reassign_case(const Principal& p, const CaseFacts& c, common::Instant now);
Decision may_view_region(const Principal& p, std::string_view region);
Decision may_edit_rota(const Principal& p, std::string_view region);
Decision may_administer(const Principal& p);

}  // namespace piket::web
