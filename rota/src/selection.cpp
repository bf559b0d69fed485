#include "piket/rota/selection.hpp"

namespace piket::rota {

std::string_view to_string(SelectionRule r) {
  switch (r) {
    case SelectionRule::own_casemanager:
      return "own_casemanager";
    case SelectionRule::on_call:
      return "on_call";
    case SelectionRule::backup:
      return "backup";
    case SelectionRule::team_lead:
      return "team_lead";
    case SelectionRule::previous_casemanager:
      return "previous_casemanager";
  }
  return "unknown";
}

}  // namespace piket::rota
