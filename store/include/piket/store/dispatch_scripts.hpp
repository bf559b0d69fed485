#pragma once
// Typed arguments and replies of dispatch's scripts (store/lua/dispatch/),
// and the incident fields dispatch decides on: named fields instead of up to
// 31 positional ARGV (and an expansion after them) and replies read by position.
//   dispatch_incident.lua         DispatchIncidentArgs, DispatchIncidentReply
//   dispatch_escalation_step.lua  EscalationStepArgs, EscalationStepReply
//   dispatch_rota_notice.lua      RotaNoticeArgs, RotaNoticeReply
// Times are ms since the epoch: domain time, except the outbox's due times
// (transport time, its resend timer).

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/store/delivery_scripts.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/keys_util.hpp"
#include "piket/store/page.hpp"
#include "piket/store/rota_notice.hpp"

namespace piket::store {

// One page of a script: to whom and what (the page's id and reply code are
// new ones; ack_code '' makes a page that is information).
struct PageRecipient {
  std::string person;
  std::string page_id;
  std::string ack_code;
  std::string phone;
  std::string text;
};

// A commit's arguments and, after them, the expansion of the page it makes
// (lib/notify_expand_page.lua), when there is one.
inline std::vector<std::string> with_expansion(std::vector<std::string> a,
                                               const std::optional<NotifyExpandArgs>& expansion) {
  if (expansion) {
    auto e = expansion->argv();
    a.insert(a.end(), std::make_move_iterator(e.begin()), std::make_move_iterator(e.end()));
  }
  return a;
}

// ---- dispatch_incident.lua: the page for an accepted incident.
struct DispatchIncidentArgs {
  // Where the escalation policy starts (no policy: no escalation).
  struct Escalation {
    std::string at;  // the position "round.step"
    std::int64_t due_ms = 0;
  };

  std::string incident_id;
  std::string case_id;
  std::string rule;    // rota::to_string(SelectionRule): why this person
  PageRecipient page;  // the chosen person
  std::string brief;   // its line and rank in a bundled SMS (paging::PageTag)
  int rank = 0;
  std::int64_t now_ms = 0;
  std::int64_t outbox_due_ms = 0;
  bool assign_case = false;  // the case gets page.person as its casemanager if it has none
  // The family's own casemanager, off duty, informed (person '': nobody). The
  // inform page is information: its ack_code is ''.
  PageRecipient inform;
  std::string inform_brief;
  int inform_rank = 0;
  std::optional<Escalation> escalation;
  std::int64_t code_ttl_ms = 0;  // how long reply codes answer (paging::reply_code_window)
  // The caseload cap (paging.md "Caseload cap"): every on-call casemanager of
  // `region` at their cap, and the team lead to tell when the problem begins
  // (person '': nobody).
  std::string region;
  bool all_on_call_at_cap = false;
  PageRecipient lead;
  // The page's expansion (its page_id is page.page_id's), made part of the
  // commit; none: notify expands the page when it is told of it.
  std::optional<NotifyExpandArgs> expansion = std::nullopt;

  std::vector<std::string> args() const { return with_expansion(commit_args(), expansion); }

 private:
  std::vector<std::string> commit_args() const {
    const auto n = [](auto v) { return std::to_string(v); };
    return {incident_id,
            case_id,
            page.person,
            rule,
            page.page_id,
            page.ack_code,
            page.phone,
            page.text,
            n(now_ms),
            n(outbox_due_ms),
            assign_case ? "1" : "0",
            inform.person,
            inform.page_id,
            inform.ack_code,
            inform.phone,
            inform.text,
            escalation ? escalation->at : std::string(),
            escalation ? n(escalation->due_ms) : std::string(),
            n(code_ttl_ms),
            brief,
            n(rank),
            inform_brief,
            n(inform_rank),
            capacity_key(region),
            all_on_call_at_cap ? "1" : "0",
            lead.person,
            lead.page_id,
            lead.ack_code,
            lead.phone,
            lead.text,
            capacity_history_key(region)};
  }
};

struct DispatchIncidentReply {
  enum class Kind {
    dispatched,     // page_id, payload; inform_* and capacity_* (payload '' when not sent)
    already,        // the incident is no longer accepted: page_id (its page, or '')
    missing,        // no such incident
    ack_collision,  // a page id or reply code is taken: pick new ones and run again
  };
  Kind kind = Kind::missing;
  std::string page_id;
  std::string payload;
  std::string inform_page_id;
  std::string inform_payload;
  std::string capacity_page_id;
  std::string capacity_payload;

  static std::optional<DispatchIncidentReply> parse(const std::vector<std::string>& r) {
    if (r.empty()) return std::nullopt;
    DispatchIncidentReply out;
    if (r[0] == "missing") return out;
    if (r[0] == "ack_collision") {
      out.kind = Kind::ack_collision;
      return out;
    }
    if (r[0] == "already" && r.size() >= 2) {
      out.kind = Kind::already;
      out.page_id = r[1];
      return out;
    }
    if (r[0] != "dispatched" || r.size() < 7) return std::nullopt;
    out.kind = Kind::dispatched;
    out.page_id = r[1];
    out.payload = r[2];
    out.inform_page_id = r[3];
    out.inform_payload = r[4];
    out.capacity_page_id = r[5];
    out.capacity_payload = r[6];
    return out;
  }
};

// ---- dispatch_escalation_step.lua: one escalation step, decided in C++.
struct EscalationStepArgs {
  enum class Action { stop, wait, page, repage, exhausted };

  std::string incident_id;
  // Where the decision was made: the script does nothing ('stale') when the
  // incident has moved on since.
  std::string expected_at;  // esc_at, "round.step"
  int expected_repages = 0;
  bool expected_acknowledged = false;
  Action action = Action::stop;
  std::int64_t now_ms = 0;
  std::string new_at;         // page, repage: the step's position
  std::int64_t timer_ms = 0;  // wait, page, repage: the incident's next timer
  PageRecipient page;         // page, repage
  std::int64_t outbox_due_ms = 0;
  std::string rule;
  std::string reason;   // escalation_plan's trigger, or no_first_contact
  std::string target;   // paging::EscalationTarget of the step
  std::string skipped;  // the positions skipped for want of anybody (JSON list)
  int round = 0;        // the new page's round
  std::int64_t code_ttl_ms = 0;
  std::string brief;
  int rank = 0;
  std::int64_t step_due_ms = 0;  // when the step was due
  // page, repage: the new page's expansion (its page_id is page.page_id's),
  // made part of the step; none: notify expands the page when told of it.
  std::optional<NotifyExpandArgs> expansion = std::nullopt;

  static std::string_view to_string(Action a) {
    switch (a) {
      case Action::stop:
        return "stop";
      case Action::wait:
        return "wait";
      case Action::page:
        return "page";
      case Action::repage:
        return "repage";
      case Action::exhausted:
        return "exhausted";
    }
    return "stop";
  }

  std::vector<std::string> args() const { return with_expansion(step_args(), expansion); }

 private:
  std::vector<std::string> step_args() const {
    const auto n = [](auto v) { return std::to_string(v); };
    return {incident_id,
            expected_at,
            n(expected_repages),
            expected_acknowledged ? "1" : "0",
            std::string(to_string(action)),
            n(now_ms),
            new_at,
            n(timer_ms),
            page.person,
            page.page_id,
            page.ack_code,
            page.phone,
            page.text,
            n(outbox_due_ms),
            rule,
            reason,
            target,
            skipped,
            n(round),
            n(code_ttl_ms),
            brief,
            n(rank),
            n(step_due_ms)};
  }
};

struct EscalationStepReply {
  enum class Kind { stale, waiting, stopped, exhausted, ack_collision, paged, repaged };
  Kind kind = Kind::stale;
  std::string payload;  // paged, repaged: the notify message of the new page

  static std::optional<EscalationStepReply> parse(const std::vector<std::string>& r) {
    if (r.empty()) return std::nullopt;
    EscalationStepReply out;
    const auto& k = r[0];
    if (k == "stale") return out;
    if (k == "waiting")
      out.kind = Kind::waiting;
    else if (k == "stopped")
      out.kind = Kind::stopped;
    else if (k == "exhausted")
      out.kind = Kind::exhausted;
    else if (k == "ack_collision")
      out.kind = Kind::ack_collision;
    else if ((k == "paged" || k == "repaged") && r.size() >= 2) {
      out.kind = k == "paged" ? Kind::paged : Kind::repaged;
      out.payload = r[1];
    } else {
      return std::nullopt;
    }
    return out;
  }
};

// ---- dispatch_rota_notice.lua: a rota notice, sent once.
struct RotaNoticeArgs {
  std::string notice_id;  // handoff_notice_id / gap_notice_id (rota_notice.hpp)
  std::string person;
  std::string page_id;
  std::string phone;
  std::string text;
  std::string rule;  // handoff_notice | gap_warning
  std::int64_t now_ms = 0;
  std::int64_t outbox_due_ms = 0;
  std::string brief;
  int rank = 0;

  std::vector<std::string> args() const {
    return {notice_id,
            person,
            page_id,
            phone,
            text,
            rule,
            std::to_string(now_ms),
            std::to_string(outbox_due_ms),
            brief,
            std::to_string(rank)};
  }
};

struct RotaNoticeReply {
  enum class Kind { created, sent_before, ack_collision };
  Kind kind = Kind::sent_before;
  std::string page_id;  // created
  std::string payload;  // created: the notify message

  static std::optional<RotaNoticeReply> parse(const std::vector<std::string>& r) {
    if (r.empty()) return std::nullopt;
    RotaNoticeReply out;
    if (r[0] == "sent_before") return out;
    if (r[0] == "ack_collision") {
      out.kind = Kind::ack_collision;
      return out;
    }
    if (r[0] != "created" || r.size() < 3) return std::nullopt;
    out.kind = Kind::created;
    out.page_id = r[1];
    out.payload = r[2];
    return out;
  }
};

// ---- What dispatch reads of an incident (HMGET incident:{id} …), by name.
// A field the hash lacks is nullopt.
using OptionalFields = std::vector<std::optional<std::string>>;

// The dispatcher's read: is the incident still to be dispatched, and what.
struct DispatchIncidentFields {
  static constexpr std::array<std::string_view, 5> kFields = {"status", "case_id", "kind", "region",
                                                              "reported_at"};
  std::string status;
  std::string case_id;
  std::string kind;
  std::string region;
  std::string reported_at;  // ms

  static std::vector<std::string> hmget(std::string_view incident_id) {
    std::vector<std::string> c{"HMGET", incident_key(incident_id)};
    c.insert(c.end(), kFields.begin(), kFields.end());
    return c;
  }
  // nullopt: no such incident (or not the reply of hmget()).
  static std::optional<DispatchIncidentFields> parse(const OptionalFields& f) {
    if (f.size() != kFields.size() || !f[0]) return std::nullopt;
    const auto s = [&](std::size_t i) { return f[i].value_or(std::string()); };
    return DispatchIncidentFields{s(0), s(1), s(2), s(3), s(4)};
  }
};

// The escalator's read: where the incident's escalation is and what it knows.
struct EscalationIncidentFields {
  static constexpr std::array<std::string_view, 14> kFields = {
      "status",      "case_id",  "kind",       "region",          "reported_at",
      "esc_state",   "esc_at",   "esc_due",    "acknowledged_at", "acknowledged_by",
      "esc_repages", "new_case", "contact_at", "plan_at"};
  std::string status;
  std::string case_id;
  std::string kind;
  std::string region;
  std::optional<std::string> reported_at;      // ms
  std::string esc_state;                       // active | stopped | exhausted
  std::string esc_at;                          // "round.step"
  std::optional<std::string> esc_due;          // ms
  std::optional<std::string> acknowledged_at;  // ms
  std::string acknowledged_by;
  std::optional<std::string> esc_repages;  // how many no-first-contact re-pages
  std::optional<std::string> new_case;     // "0": the incident joined an open case
  std::optional<std::string> contact_at;   // ms: the first contact recorded for it
  std::optional<std::string> plan_at;      // ms: the plan recorded for it

  static std::vector<std::string> hmget(std::string_view incident_id) {
    std::vector<std::string> c{"HMGET", incident_key(incident_id)};
    c.insert(c.end(), kFields.begin(), kFields.end());
    return c;
  }
  // nullopt: no such incident (or not the reply of hmget()).
  static std::optional<EscalationIncidentFields> parse(const OptionalFields& f) {
    if (f.size() != kFields.size() || !f[0]) return std::nullopt;
    const auto s = [&](std::size_t i) { return f[i].value_or(std::string()); };
    return EscalationIncidentFields{s(0), s(1), s(2), s(3),  f[4],  s(5),  s(6),
                                    f[7], f[8], s(9), f[10], f[11], f[12], f[13]};
  }
};

}  // namespace piket::store
