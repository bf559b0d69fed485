#include "piket/rota/rota_selector.hpp"

#include <algorithm>

namespace piket::rota {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

RotaSelector::RotaSelector(std::shared_ptr<const Rota> rota,
                           const std::vector<PersonConfig>& people, double monitoring_weight)
    : rota_(std::move(rota)), monitoring_weight_(monitoring_weight) {
  for (const auto& p : people) people_.emplace(p.id, p);
}

std::vector<std::string> RotaSelector::team_leads(const std::string& region) const {
  std::vector<std::string> out;
  for (const auto& [id, p] : people_)
    if (p.role == StaffRole::team_lead && contains(p.regions, region)) out.push_back(id);
  return out;
}

std::vector<std::string> RotaSelector::candidates(const SelectionRequest& request) const {
  std::vector<std::string> out;
  for (auto layer : {kPrimary, kBackup, kTeamLead}) {
    for (auto& p : rota_->on_call(layer, request.region, request.at))
      if (!contains(out, p)) out.push_back(std::move(p));
  }
  for (auto& id : team_leads(request.region))
    if (!contains(out, id)) out.push_back(std::move(id));
  if (request.own_casemanager && !contains(out, *request.own_casemanager))
    out.push_back(*request.own_casemanager);
  if (request.previous_casemanager && !contains(out, *request.previous_casemanager))
    out.push_back(*request.previous_casemanager);
  return out;
}

std::optional<Selection> RotaSelector::select(const SelectionRequest& request,
                                              const CaseloadView& caseload) const {
  const auto& region = request.region;
  const auto primary = rota_->on_call(kPrimary, region, request.at);
  const auto backup = rota_->on_call(kBackup, region, request.at);

  // Known people from `on_call`, lowest weighted caseload first, ties by id.
  struct Candidate {
    double load;
    std::string id;
    int cap;
  };
  const auto away = [&](const std::string& id) { return caseload.absent(id, request.at); };
  // `with_absent`: the last resort, when everyone present is out of reach.
  auto ranked = [&](const std::vector<std::string>& on_call, bool with_absent = false) {
    std::vector<Candidate> out;
    for (const auto& id : on_call) {
      const auto p = people_.find(id);
      if (p == people_.end() || (!with_absent && away(id))) continue;
      out.push_back(Candidate{weighted_caseload(caseload, id, monitoring_weight_), id,
                              p->second.caseload_cap});
    }
    std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
      return a.load != b.load ? a.load < b.load : a.id < b.id;
    });
    return out;
  };
  auto under_cap = [&](const std::vector<Candidate>& ranked_list) -> std::optional<std::string> {
    for (const auto& c : ranked_list)
      if (c.load < c.cap) return c.id;
    return std::nullopt;
  };
  // Every on-call primary casemanager at their cap: a coverage problem,
  // whoever takes this incident.
  const auto ranked_primary = ranked(primary);
  const bool at_cap = !ranked_primary.empty() && !under_cap(ranked_primary);
  auto chosen = [&](std::string id, SelectionRule rule, std::optional<std::string> inform) {
    Selection s{std::move(id), rule, std::move(inform)};
    s.on_call_at_cap = at_cap;
    return s;
  };
  auto on_duty = [&](const std::string& id) {
    return people_.count(id) != 0 && !away(id) &&
           (contains(primary, id) || contains(backup, id) ||
            contains(rota_->on_call(kWorkingHours, region, request.at), id));
  };

  // (a) The family's own casemanager, when on duty.
  if (request.own_casemanager && on_duty(*request.own_casemanager))
    return chosen(*request.own_casemanager, SelectionRule::own_casemanager, std::nullopt);
  const std::optional<std::string> inform = request.own_casemanager;
  // (a') A returning family's earlier casemanager, when on duty.
  if (!request.own_casemanager && request.previous_casemanager &&
      on_duty(*request.previous_casemanager))
    return chosen(*request.previous_casemanager, SelectionRule::previous_casemanager, std::nullopt);

  // (b) on-call primary, (c) backup, under their caps.
  if (auto id = under_cap(ranked_primary)) return chosen(*id, SelectionRule::on_call, inform);
  const auto ranked_backup = ranked(backup);
  if (auto id = under_cap(ranked_backup)) return chosen(*id, SelectionRule::backup, inform);

  // (c) the team lead: on call in the layer, else the region's team leads.
  const auto configured = team_leads(region);
  const auto lead_layer = rota_->on_call(kTeamLead, region, request.at);
  auto leads = ranked(lead_layer);
  if (leads.empty()) leads = ranked(configured);
  if (!leads.empty()) return chosen(leads.front().id, SelectionRule::team_lead, inform);

  // (d) nobody else: somebody on call must get it, over cap or not.
  if (!ranked_primary.empty())
    return chosen(ranked_primary.front().id, SelectionRule::on_call, inform);
  if (!ranked_backup.empty())
    return chosen(ranked_backup.front().id, SelectionRule::backup, inform);

  // (e) everyone who could is absent: the team lead, else on call, all the same.
  auto all_leads = ranked(lead_layer, true);
  if (all_leads.empty()) all_leads = ranked(configured, true);
  if (!all_leads.empty()) return chosen(all_leads.front().id, SelectionRule::team_lead, inform);
  if (auto all = ranked(primary, true); !all.empty())
    return chosen(all.front().id, SelectionRule::on_call, inform);
  if (auto all = ranked(backup, true); !all.empty())
    return chosen(all.front().id, SelectionRule::backup, inform);
  return std::nullopt;
}

std::optional<Selection> RotaSelector::select_step(paging::EscalationTarget target,
                                                   const SelectionRequest& request,
                                                   const std::vector<std::string>& exclude,
                                                   const CaseloadView& caseload) const {
  const auto& region = request.region;
  bool with_absent = false;  // the team lead's last resort: everyone absent
  auto allowed = [&](const std::string& id) {
    return people_.count(id) != 0 && !contains(exclude, id) &&
           (with_absent || !caseload.absent(id, request.at));
  };
  // Allowed people of `on_call`: under their cap first, each group by lowest
  // open caseload, ties by id.
  auto best = [&](const std::vector<std::string>& on_call,
                  bool use_cap) -> std::optional<std::string> {
    std::optional<std::string> chosen;
    std::pair<int, double> chosen_rank{};
    for (const auto& id : on_call) {
      if (!allowed(id)) continue;
      const double load = weighted_caseload(caseload, id, monitoring_weight_);
      const int over = use_cap && load >= people_.at(id).caseload_cap ? 1 : 0;
      const std::pair<int, double> rank{over, load};
      if (!chosen || rank < chosen_rank || (rank == chosen_rank && id < *chosen)) {
        chosen = id;
        chosen_rank = rank;
      }
    }
    return chosen;
  };
  switch (target) {
    case paging::EscalationTarget::primary: {
      const auto primary = rota_->on_call(kPrimary, region, request.at);
      if (request.own_casemanager && allowed(*request.own_casemanager)) {
        const auto& own = *request.own_casemanager;
        if (contains(primary, own) || contains(rota_->on_call(kBackup, region, request.at), own) ||
            contains(rota_->on_call(kWorkingHours, region, request.at), own))
          return Selection{own, SelectionRule::own_casemanager, std::nullopt};
      }
      if (auto id = best(primary, true))
        return Selection{*id, SelectionRule::on_call, std::nullopt};
      return std::nullopt;
    }
    case paging::EscalationTarget::backup:
      if (auto id = best(rota_->on_call(kBackup, region, request.at), true))
        return Selection{*id, SelectionRule::backup, std::nullopt};
      return std::nullopt;
    case paging::EscalationTarget::team_lead: {
      if (auto id = best(rota_->on_call(kTeamLead, region, request.at), false))
        return Selection{*id, SelectionRule::team_lead, std::nullopt};
      const auto configured = team_leads(region);
      if (auto id = best(configured, false))
        return Selection{*id, SelectionRule::team_lead, std::nullopt};
      // Every team lead absent: one of them all the same (the end of the line).
      with_absent = true;
      if (auto id = best(rota_->on_call(kTeamLead, region, request.at), false))
        return Selection{*id, SelectionRule::team_lead, std::nullopt};
      if (auto id = best(configured, false))
        return Selection{*id, SelectionRule::team_lead, std::nullopt};
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace piket::rota
