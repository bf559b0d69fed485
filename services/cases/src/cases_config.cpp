#include "piket/cases/cases_config.hpp"

#include <regex>

#include "piket/common/records.hpp"
#include "piket/common/toml_reader.hpp"

namespace piket::cases {

using common::Millis;
using common::read_millis;
using common::set_if;
using common::TomlReader;

namespace {

// [deadlines] and [[deadlines.rules]] (docs/deadlines.md).
constexpr std::string_view kPolicyKeys[] = {"first_contact_minutes",
                                            "first_contact_grace_minutes",
                                            "plan_hours",
                                            "plan_warn_hours",
                                            "ban_decision_hours",
                                            "ban_end_notice",
                                            "handover_warn_days",
                                            "handover_due_days",
                                            "checkin_intensive_days",
                                            "checkin_monitoring_days",
                                            "stall_grace_intensive_days",
                                            "stall_grace_monitoring_days",
                                            "evaluation_days",
                                            "evaluation_remind_days",
                                            "evaluation_grace_days",
                                            "closing_days",
                                            "closing_grace_days",
                                            "incident_clocks",
                                            "reminder_ack_hours",
                                            "evaluation_from_days",
                                            "agreement_grace_hours",
                                            "checkin_min_days",
                                            "checkin_max_days",
                                            "track_days",
                                            "track_grace_hours"};

// The acknowledgement clock's key, from before paging owned acknowledgement.
constexpr std::string_view kAckTimeoutKey = "ack_timeout_minutes";

void only_policy_keys(TomlReader& r, const toml::table& t, const std::string& prefix,
                      std::initializer_list<std::string_view> extra) {
  for (const auto& [k, v] : t) {
    if (k.str() == kAckTimeoutKey) {
      r.error(v.source(), prefix + std::string(kAckTimeoutKey),
              "is no longer a deadline setting: paging escalates a page nobody acknowledges; "
              "set the wait in [escalation] steps instead (without [escalation]: the team lead "
              "after 15 minutes, docs/paging.md \"Escalation\")");
      continue;
    }
    bool known = false;
    for (auto name : kPolicyKeys) known = known || k.str() == name;
    for (auto name : extra) known = known || k.str() == name;
    if (!known) r.error(v.source(), prefix + std::string(k.str()), "unknown key");
  }
}

void read_deadline_policy(TomlReader& r, const toml::table& t, const std::string& p,
                          DeadlinePolicy& d) {
  auto minutes = [&](std::string_view key, std::int64_t lo, std::int64_t hi, Millis& target) {
    if (auto v = r.integer(t, p, key, lo, hi)) target = std::chrono::minutes{*v};
  };
  auto hours = [&](std::string_view key, std::int64_t lo, std::int64_t hi, Millis& target) {
    if (auto v = r.integer(t, p, key, lo, hi)) target = std::chrono::hours{*v};
  };
  auto days = [&](std::string_view key, std::int64_t lo, std::int64_t hi, int& target) {
    set_if(r.integer(t, p, key, lo, hi), target);
  };
  minutes("first_contact_minutes", 1, 7 * 24 * 60, d.first_contact);
  minutes("first_contact_grace_minutes", 0, 7 * 24 * 60, d.first_contact_grace);
  hours("plan_hours", 1, 24 * 28, d.plan);
  if (const toml::node* n = t.get("plan_warn_hours")) {
    const toml::array* a = n->as_array();
    if (!a || a->size() > 5) {
      r.error(n->source(), p + "plan_warn_hours", "must be a list of at most 5 whole hours");
    } else {
      std::vector<Millis> warnings;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = *a->get(i);
        if (!e.is_integer() || e.as_integer()->get() < 1 || e.as_integer()->get() > 24 * 28) {
          r.error(e.source(), p + "plan_warn_hours[" + std::to_string(i) + "]",
                  "must be a whole number of hours, 1-672");
          continue;
        }
        const Millis w = std::chrono::hours{e.as_integer()->get()};
        if (!warnings.empty() && w <= warnings.back())
          r.error(e.source(), p + "plan_warn_hours[" + std::to_string(i) + "]",
                  "must be later than the warning before it");
        warnings.push_back(w);
      }
      d.plan_warnings = std::move(warnings);
    }
  }
  hours("ban_decision_hours", 1, 24 * 27, d.ban_decision_before);
  set_if(r.boolean(t, p, "ban_end_notice"), d.ban_end_notice);
  days("handover_warn_days", 1, 366, d.handover_warn_days);
  days("handover_due_days", 1, 366, d.handover_due_days);
  days("checkin_intensive_days", 1, 90, d.checkin_intensive_days);
  days("checkin_monitoring_days", 1, 180, d.checkin_monitoring_days);
  days("stall_grace_intensive_days", 0, 60, d.stall_grace_intensive_days);
  days("stall_grace_monitoring_days", 0, 90, d.stall_grace_monitoring_days);
  days("evaluation_days", 1, 730, d.evaluation_days);
  days("evaluation_remind_days", 0, 180, d.evaluation_remind_days);
  days("evaluation_grace_days", 0, 365, d.evaluation_grace_days);
  days("closing_days", 1, 1100, d.closing_days);
  days("closing_grace_days", 0, 365, d.closing_grace_days);
  hours("reminder_ack_hours", 0, 24 * 7, d.reminder_ack);
  days("evaluation_from_days", 0, 730, d.evaluation_from_days);
  hours("agreement_grace_hours", 1, 24 * 30, d.agreement_grace);
  days("checkin_min_days", 1, 180, d.checkin_min_days);
  days("checkin_max_days", 1, 180, d.checkin_max_days);
  days("track_days", 1, 90, d.track_days);
  hours("track_grace_hours", 1, 24 * 30, d.track_grace);
  if (const toml::node* n = t.get("incident_clocks")) {
    const toml::array* a = n->as_array();
    if (!a || a->size() > 2) {
      r.error(n->source(), p + "incident_clocks",
              "must be a list of at most 2 of \"first_contact\", \"plan\"");
    } else {
      IncidentClocks clocks;
      for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& e = *a->get(i);
        const auto* v = e.as_string();
        const std::string name = p + "incident_clocks[" + std::to_string(i) + "]";
        if (v && v->get() == "first_contact" && !clocks.first_contact)
          clocks.first_contact = true;
        else if (v && v->get() == "plan" && !clocks.plan)
          clocks.plan = true;
        else
          r.error(e.source(), name, "must be \"first_contact\" or \"plan\", each once");
      }
      d.incident_clocks = clocks;
    }
  }
  // Consistency of the result (a rule's keys together with the defaults it inherits).
  for (const auto w : d.plan_warnings)
    if (w >= d.plan) {
      r.error_at_table(t, p + "plan_warn_hours", "every warning must come before plan_hours");
      break;
    }
  if (d.handover_warn_days >= d.handover_due_days)
    r.error_at_table(t, p + "handover_warn_days", "must be less than handover_due_days");
  if (d.evaluation_remind_days >= d.evaluation_days)
    r.error_at_table(t, p + "evaluation_remind_days", "must be less than evaluation_days");
  if (d.evaluation_days >= d.closing_days)
    r.error_at_table(t, p + "evaluation_days", "must be less than closing_days");
  if (d.checkin_min_days > d.checkin_max_days)
    r.error_at_table(t, p + "checkin_min_days", "must not be more than checkin_max_days");
  if (d.evaluation_from_days > d.evaluation_days)
    r.error_at_table(t, p + "evaluation_from_days", "must not be more than evaluation_days");
}

}  // namespace

const DeadlinePolicy& DeadlinesConfig::policy(std::string_view region_id,
                                              std::string_view kind) const {
  const DeadlineRule* best = nullptr;
  int best_rank = 0;
  for (const auto& rule : rules) {
    if (!rule.region.empty() && rule.region != region_id) continue;
    if (!rule.kind.empty() && rule.kind != kind) continue;
    const int rank = (rule.kind.empty() ? 0 : 2) + (rule.region.empty() ? 0 : 1);
    if (rank > best_rank) {
      best = &rule;
      best_rank = rank;
    }
  }
  return best ? best->policy : defaults;
}

CasesConfig parse_cases(TomlReader& r) {
  CasesConfig c;
  if (const auto* t = r.table(r.root(), "", "cases")) {
    r.only_known(*t, "cases.", {"http", "threads", "poll_ms", "household_link_days"});
    set_if(r.host_port(*t, "cases.", "http"), c.http);
    set_if(r.integer(*t, "cases.", "threads", 1, 64), c.threads);
    read_millis(r, *t, "cases.", "poll_ms", 1, 1000, c.poll);
    set_if(r.integer(*t, "cases.", "household_link_days", 0, 3660), c.household_link_days);
  }
  return c;
}

DeadlinesConfig parse_deadlines(TomlReader& r, const std::set<std::string>& region_ids) {
  DeadlinesConfig c;
  const auto* d = r.table(r.root(), "", "deadlines");
  if (!d) return c;
  only_policy_keys(r, *d, "deadlines.", {"rules", "incident_clocks_since", "track_clocks_since"});
  read_deadline_policy(r, *d, "deadlines.", c.defaults);
  c.defaults.incident_clocks_since = r.instant(*d, "deadlines.", "incident_clocks_since", false);
  c.defaults.track_clocks_since = r.instant(*d, "deadlines.", "track_clocks_since", false);
  if (const toml::node* n = d->get("rules")) {
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables()) {
      r.error(n->source(), "deadlines.rules", "must be written as [[deadlines.rules]] tables");
    } else {
      std::set<std::pair<std::string, std::string>> seen;
      for (std::size_t i = 0; i < a->size() && i < 500; ++i) {
        const toml::table& t = *a->get(i)->as_table();
        const std::string p = "deadlines.rules.";
        only_policy_keys(r, t, p, {"region", "kind"});
        DeadlineRule rule;
        rule.policy = c.defaults;
        set_if(r.matching(t, p, "region", false, common::id_pattern(), "a region id"), rule.region);
        if (!rule.region.empty() && !region_ids.count(rule.region))
          r.error(t.get("region")->source(), p + "region", "unknown region " + rule.region);
        if (auto k = r.string(t, p, "kind", false, 64)) {
          if (common::parse_incident_kind(*k))
            rule.kind = *k;
          else
            r.error(t.get("kind")->source(), p + "kind",
                    "must be an incident kind such as home_ban");
        }
        if (!t.get("region") && !t.get("kind"))
          r.error_at_table(t, p + "region", "a rule needs a region, a kind or both");
        if (!seen.emplace(rule.region, rule.kind).second)
          r.error_at_table(t, p + "region", "a rule for this region and kind is already given");
        read_deadline_policy(r, t, p, rule.policy);
        c.rules.push_back(std::move(rule));
      }
    }
  }
  return c;
}

}  // namespace piket::cases
