#pragma once
// Who is who, from the deployment's [[people]]: casemanagers, team leads, and
// which region's team lead an escalation goes to. A pure lookup over the
// configuration (no I/O).

#include <optional>
#include <string>
#include <string_view>

#include "piket/rota/directory.hpp"

namespace piket::cases {

class StaffDirectory {
 public:
  explicit StaffDirectory(const rota::Directory& directory) : directory_(directory) {}

  const rota::PersonConfig* person(std::string_view id) const { return directory_.person(id); }
  // The language of messages to this person (rota::Directory::language_of).
  i18n::Language language_of(const rota::PersonConfig* p) const {
    return directory_.language_of(p);
  }
  // The region's team lead: the team lead configured for the region, the
  // first by id when there are several. Empty when the region has none.
  std::optional<std::string> team_lead(std::string_view region) const;
  bool is_casemanager_in(std::string_view person, std::string_view region) const;
  bool serves(const rota::PersonConfig& p, std::string_view region) const;

 private:
  const rota::Directory& directory_;
};

}  // namespace piket::cases
