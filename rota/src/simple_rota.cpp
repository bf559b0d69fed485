#include "piket/rota/simple_rota.hpp"

#include <algorithm>

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

SimpleRota::SimpleRota(const std::vector<SimpleRotaConfig>& rotas,
                       const std::vector<PersonConfig>& people, const CaseloadConfig& caseload) {
  for (const auto& r : rotas)
    regions_[r.region] = Region{r.primary, r.anchor, r.shift, r.team_lead};
  for (const auto& p : people) caps_[p.id] = p.caseload_cap;
  monitoring_weight_ = caseload.monitoring_weight;
}

std::optional<std::string> SimpleRota::on_call(const std::string& region,
                                               common::Instant at) const {
  const auto it = regions_.find(region);
  if (it == regions_.end() || it->second.primary.empty()) return std::nullopt;
  const auto& r = it->second;
  const auto shift_ms = std::chrono::duration_cast<common::Millis>(r.shift).count();
  const auto since = (at - r.anchor).count();
  // Floor division, so instants before the anchor rotate backwards correctly.
  auto index = since / shift_ms;
  if (since % shift_ms != 0 && since < 0) --index;
  const auto n = static_cast<long long>(r.primary.size());
  return r.primary[static_cast<std::size_t>(((index % n) + n) % n)];
}

std::vector<std::string> SimpleRota::candidates(const SelectionRequest& request) const {
  std::vector<std::string> out;
  if (auto p = on_call(request.region, request.at)) out.push_back(*p);
  if (request.own_casemanager) out.push_back(*request.own_casemanager);
  if (request.previous_casemanager) out.push_back(*request.previous_casemanager);
  return out;
}

std::optional<Selection> SimpleRota::select(const SelectionRequest& request,
                                            const CaseloadView& caseload) const {
  const auto it = regions_.find(request.region);
  if (it == regions_.end()) return std::nullopt;
  const auto on_duty = on_call(request.region, request.at);
  bool at_cap = false;
  if (on_duty) {
    const auto cap = caps_.find(*on_duty);
    at_cap = cap != caps_.end() &&
             weighted_caseload(caseload, *on_duty, monitoring_weight_) >= cap->second;
  }
  auto chosen = [&](const std::string& id, SelectionRule rule, std::optional<std::string> inform) {
    Selection s{id, rule, std::move(inform)};
    s.on_call_at_cap = at_cap;
    return s;
  };
  if (request.own_casemanager && on_duty == request.own_casemanager)
    return chosen(*request.own_casemanager, SelectionRule::own_casemanager, std::nullopt);
  std::optional<std::string> inform = request.own_casemanager;
  if (!request.own_casemanager && request.previous_casemanager &&
      on_duty == request.previous_casemanager)
    return chosen(*on_duty, SelectionRule::previous_casemanager, std::nullopt);
  // An incident for a case the on-call already holds never counts against the cap.
  if (on_duty && !at_cap) return chosen(*on_duty, SelectionRule::on_call, inform);
  if (it->second.team_lead.empty()) return std::nullopt;
  return chosen(it->second.team_lead, SelectionRule::team_lead, inform);
}

std::optional<Selection> SimpleRota::select_step(paging::EscalationTarget target,
                                                 const SelectionRequest& request,
                                                 const std::vector<std::string>& exclude,
                                                 const CaseloadView& /*caseload*/) const {
  const auto it = regions_.find(request.region);
  if (it == regions_.end()) return std::nullopt;
  auto allowed = [&](const std::string& id) {
    return !id.empty() && std::find(exclude.begin(), exclude.end(), id) == exclude.end();
  };
  switch (target) {
    case paging::EscalationTarget::primary: {
      const auto on_duty = on_call(request.region, request.at);
      if (on_duty && request.own_casemanager == on_duty && allowed(*on_duty))
        return Selection{*on_duty, SelectionRule::own_casemanager, std::nullopt};
      if (on_duty && allowed(*on_duty))
        return Selection{*on_duty, SelectionRule::on_call, std::nullopt};
      return std::nullopt;
    }
    case paging::EscalationTarget::backup:
      return std::nullopt;  // the simple rota has no backup layer
    case paging::EscalationTarget::team_lead:
      if (allowed(it->second.team_lead))
        return Selection{it->second.team_lead, SelectionRule::team_lead, std::nullopt};
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace piket::rota
