#include "piket/web/labels.hpp"

#include <algorithm>
#include <iterator>
#include <map>

namespace piket::web {
namespace {

std::string str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  return {};
}

std::string lookup(const std::map<std::string_view, std::string_view>& m, std::string_view k) {
  auto it = m.find(k);
  if (it != m.end()) return std::string(it->second);
  std::string s(k);
  for (auto& c : s)
    if (c == '_') c = ' ';
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string name_of(const rota::Directory& config, const std::string& id) {
  if (const auto* p = config.person(id)) return p->display_name;
  return id;
}

}  // namespace

std::string phase_label(std::string_view phase) {
  static const std::map<std::string_view, std::string_view> m{
      {"registered", "Registered"},
      {"first_contact", "First contact"},
      {"intake", "Intake"},
      {"plan_of_action", "Plan of action"},
      {"plan", "Plan of action"},
      {"help", "Help by chain partners"},
      {"help_started", "Help by chain partners"},
      {"handover", "Handed over"},
      {"monitoring", "Monitoring"},
      {"closed", "Closed"}};
  return lookup(m, phase);
}

std::string kind_label(std::string_view kind) {
  static const std::map<std::string_view, std::string_view> m{
      {"home_ban", "Home ban"},
      {"home_ban_extended", "Home ban extended"},
      {"home_ban_lifted", "Home ban lifted"},
      {"code_red", "Code red"},
      {"ban_violation", "Ban violation"},
      {"repeat_incident", "Repeat incident"}};
  return lookup(m, kind);
}

bool is_long_clock(std::string_view clock) {
  return clock == "evaluation" || clock == "closing";
}

std::string clock_label(std::string_view clock) {
  static const std::map<std::string_view, std::string_view> m{
      {"first_contact", "First contact"},
      {"plan", "Plan of action (12 h)"},
      {"plan_of_action", "Plan of action (12 h)"},
      {"ban_decision", "Home-ban extension decision"},
      {"ban_end", "Home ban ends"},
      {"handover", "Handover to the local team"},
      {"checkin", "Check-in (stall)"},
      {"evaluation", "Evaluation (6 months)"},
      {"closing", "Closing (1 year)"},
      {"reassignment", "Reassign: casemanager absent"},
      {"agreement", "Agreement overdue"},
      {"track", "Track not seen"}};
  return lookup(m, clock);
}

std::string event_label(std::string_view type) {
  static const std::map<std::string_view, std::string_view> m{
      {"first_contact", "First contact"},
      {"intake", "Intake"},
      {"plan_of_action", "Plan of action"},
      {"help_started", "Help started"},
      {"handover", "Handover"},
      {"monitoring_contact", "Monitoring contact"},
      {"evaluation", "Evaluation"},
      {"closing", "Closing"},
      {"closed", "Closed"}};
  return lookup(m, type);
}

namespace {
// How a page was answered, in words: " by SMS from …678", " in the web app
// (session 1a2b3c4d)", " through the staff API (token anna)".
std::string answered_how(const boost::json::object& e) {
  const auto via = str(e, "via");
  const auto ref = str(e, "via_ref");
  std::string out;
  if (via == "sms")
    out = " by SMS";
  else if (via == "web")
    out = " in the web app";
  else if (via == "api")
    out = " through the staff API";
  else if (!via.empty())
    out = " via " + via;
  if (!ref.empty()) out += via == "sms" ? " from " + ref : " (" + ref + ")";
  return out;
}
}  // namespace

std::string describe_event(const boost::json::object& e, const rota::Directory& config) {
  const auto type = str(e, "type");
  const auto person = str(e, "person");
  const auto by = str(e, "by");
  if (type == "incident_accepted")
    return "Incident accepted: " + kind_label(str(e, "kind")) + " (" + by + ")";
  if (type == "casemanager_assigned")
    return "Assigned to " + name_of(config, person) +
           (str(e, "rule").empty() ? "" : " (" + str(e, "rule") + ")");
  if (type == "paged")
    return "Paged " + name_of(config, person) +
           (str(e, "rule").empty() ? "" : " (" + str(e, "rule") + ")");
  if (type == "acknowledged") return "Acknowledged by " + name_of(config, person) + answered_how(e);
  if (type == "declined") return "Declined by " + name_of(config, person) + answered_how(e);
  if (type == "delivery_report") return "Delivery report " + str(e, "report");
  if (type == "page_sent")
    return "Page sent" + (str(e, "channel").empty() ? "" : " by " + str(e, "channel"));
  if (type == "reassigned") {
    auto to = str(e, "to");
    if (to.empty()) to = person;
    return "Reassigned from " + name_of(config, str(e, "from")) + " to " + name_of(config, to);
  }
  if (type == "deadline_fired") {
    const auto* esc = e.if_contains("escalation");
    const bool escalation = esc && esc->is_bool() && esc->as_bool();
    auto line =
        std::string(escalation ? "Escalated: " : "Reminder: ") + clock_label(str(e, "clock"));
    if (auto to = str(e, "to"); !to.empty()) line += " → " + name_of(config, to);
    return line;
  }
  if (type == "casemanager_absent") return "Casemanager absent: " + name_of(config, person);
  if (type == "escalated" && !str(e, "target").empty()) {  // a step of the escalation policy
    const auto reason = str(e, "reason");
    const std::string why = reason == "declined"        ? " (declined)"
                            : reason == "undeliverable" ? " (not reachable)"
                                                        : " (not acknowledged)";
    return "Escalated to " + name_of(config, person) + why;
  }
  if (type == "escalated" || type == "escalation")
    return "Escalated to " + name_of(config, person.empty() ? str(e, "to") : person) +
           (str(e, "clock").empty() ? "" : ": " + clock_label(str(e, "clock")));
  if (type == "repaged") return "Paged again, no first contact yet: " + name_of(config, person);
  if (type == "escalation_exhausted") return "Escalation ended: nobody acknowledged";
  const auto who = name_of(config, by.rfind("person:", 0) == 0 ? by.substr(7) : by);
  if (type == "case_joined") return "Case " + str(e, "other") + " joined into this case by " + who;
  if (type == "case_merged") return "Joined into case " + str(e, "into") + " by " + who;
  if (type == "case_split") return "Case " + str(e, "other") + " split off again by " + who;
  if (type == "capacity_alert")
    return "Every on-call casemanager at caseload cap: " + name_of(config, person) + " told";
  std::string line = event_label(type);
  if (!by.empty()) line += " — " + name_of(config, by.rfind("person:", 0) == 0 ? by.substr(7) : by);
  return line;
}

boost::json::object event_detail(const boost::json::object& e, const rota::Directory& config) {
  boost::json::object d;
  const auto type = str(e, "type");
  const auto put = [&d](const char* key, const std::string& v) {
    if (!v.empty()) d[key] = v;
  };
  // Names of people; a partner system ("partner:demo-police") is no person.
  const auto who = [&config](const std::string& id) {
    if (id.rfind("person:", 0) == 0) return name_of(config, id.substr(7));
    if (id.find(':') != std::string::npos) return std::string{};
    return name_of(config, id);
  };
  put("who", who(str(e, "person")));
  // `by` names a person ("person:anna") or a part of the system ("gateway").
  if (const auto by = str(e, "by"); by.rfind("person:", 0) == 0) put("by", who(by));
  put("to", who(str(e, "to")));
  put("from", who(str(e, "from")));
  for (const char* k : {"kind", "clock", "via", "report", "other", "into", "channel"})
    put(k, str(e, k));
  if (const auto* esc = e.if_contains("escalation"); esc && esc->is_bool())
    d["escalation"] = esc->as_bool();
  if (!str(e, "target").empty()) d["target"] = true;
  // `reason` is what a person wrote on the events people record and on joins
  // and splits; on the system's entries it is a code.
  static constexpr std::string_view written[] = {"first_contact", "intake",    "plan_of_action",
                                                 "help_started",  "handover",  "monitoring_contact",
                                                 "evaluation",    "closing",   "case_joined",
                                                 "case_merged",   "case_split"};
  if (std::find(std::begin(written), std::end(written), type) != std::end(written))
    put("note", str(e, "reason"));
  else
    put("why", str(e, "reason"));
  // Who took over, inside the case only (docs/deadlines.md "Handover").
  if (type == "handover") {
    put("organisation", str(e, "receiving_organisation"));
    put("role", str(e, "receiving_role"));
    if (const auto* days = e.if_contains("checkin_days"); days && days->is_int64())
      d["checkin_days"] = days->as_int64();
    if (const auto* o = e.if_contains("override"); o && o->is_bool()) d["override"] = o->as_bool();
  }
  return d;
}

}  // namespace piket::web
