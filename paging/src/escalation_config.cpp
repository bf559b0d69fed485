#include "piket/paging/escalation_config.hpp"

#include <algorithm>

#include "piket/common/toml_reader.hpp"

namespace piket::paging {

using common::read_millis;
using common::set_if;
using common::TomlReader;

namespace {

// [escalation] and [[escalation.regions]] (docs/paging.md, "Escalation").
void read_escalation_policy(TomlReader& r, const toml::table& t, const std::string& p,
                            EscalationPolicy& out) {
  if (const toml::node* n = t.get("steps")) {
    const toml::array* a = n->as_array();
    if (!a || a->empty() || a->size() > 6) {
      r.error(n->source(), p + "steps",
              "must be a list of 1-6 tables such as [{target = \"primary\", wait_minutes = 5}]");
    } else {
      std::vector<EscalationStep> steps;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = *a->get(i);
        const std::string name = p + "steps[" + std::to_string(i) + "].";
        const toml::table* st = e.as_table();
        if (!st) {
          r.error(e.source(), name.substr(0, name.size() - 1),
                  "must be a table {target, wait_minutes}");
          continue;
        }
        r.only_known(*st, name, {"target", "wait_minutes"});
        EscalationStep step;
        if (auto v = r.string(*st, name, "target", true, 32)) {
          if (*v == "primary")
            step.target = EscalationTarget::primary;
          else if (*v == "backup")
            step.target = EscalationTarget::backup;
          else if (*v == "team_lead")
            step.target = EscalationTarget::team_lead;
          else
            r.error(st->get("target")->source(), name + "target",
                    "must be \"primary\", \"backup\" or \"team_lead\"");
        }
        if (auto v = r.integer(*st, name, "wait_minutes", 1, 24 * 60))
          step.wait = std::chrono::minutes{*v};
        else if (!st->get("wait_minutes"))
          r.error_at_table(*st, name + "wait_minutes", "required key is missing");
        steps.push_back(step);
      }
      // dispatch's first page goes to the primary casemanager (or further up
      // when nobody can take it): the policy starts there.
      if (!steps.empty() && steps.front().target != EscalationTarget::primary)
        r.error(a->get(0)->source(), p + "steps[0].target",
                "the first step must be \"primary\" (dispatch's first page goes to the primary "
                "casemanager)");
      out.steps = std::move(steps);
    }
  }
  set_if(r.integer(t, p, "repeat", 0, 5), out.repeat);
  if (auto v = r.integer(t, p, "forgotten_minutes", 0, 7 * 24 * 60))
    out.forgotten = std::chrono::minutes{*v};
  set_if(r.integer(t, p, "forgotten_repages", 0, 5), out.forgotten_repages);
}

}  // namespace

common::Millis EscalationConfig::longest_run() const {
  common::Millis longest = run_length(defaults);
  for (const auto& [region, policy] : regions) longest = std::max(longest, run_length(policy));
  return longest;
}

EscalationConfig parse_escalation(TomlReader& r, const std::set<std::string>& region_ids) {
  const auto* e = r.table(r.root(), "", "escalation");
  if (!e) return {};  // builtin_policy() everywhere
  r.only_known(*e, "escalation.",
               {"steps", "repeat", "forgotten_minutes", "forgotten_repages", "poll_ms", "regions"});
  EscalationConfig esc;
  esc.defaults = EscalationPolicy{};  // what the section leaves out: the example policy
  read_escalation_policy(r, *e, "escalation.", esc.defaults);
  read_millis(r, *e, "escalation.", "poll_ms", 5, 5000, esc.poll);
  if (const toml::node* n = e->get("regions")) {
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables()) {
      r.error(n->source(), "escalation.regions",
              "must be written as [[escalation.regions]] tables");
    } else {
      for (std::size_t i = 0; i < a->size() && i < 500; ++i) {
        const toml::table& t = *a->get(i)->as_table();
        const std::string p = "escalation.regions.";
        r.only_known(t, p, {"region", "steps", "repeat", "forgotten_minutes", "forgotten_repages"});
        auto region = r.matching(t, p, "region", true, common::id_pattern(), "a region id");
        if (!region) continue;
        if (!region_ids.count(*region))
          r.error(t.get("region")->source(), p + "region", "unknown region " + *region);
        EscalationPolicy policy = esc.defaults;
        read_escalation_policy(r, t, p, policy);
        if (!esc.regions.emplace(*region, std::move(policy)).second)
          r.error(t.get("region")->source(), p + "region",
                  "a policy for region " + *region + " is already given");
      }
    }
  }
  return esc;
}

}  // namespace piket::paging
