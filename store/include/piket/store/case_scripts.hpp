#pragma once
// The arguments and replies of piket-cases' scripts (store/lua/cases/*.lua), by name: a caller
// (services/cases/src/case_store.cpp, case_family.cpp) fills a struct and calls args() for the
// script's ARGV, and reads the reply through a parser, instead of building positional vectors
// and indexing replies by hand. Each struct names its script; the script's header comment
// lists the same arguments by position. Times are milliseconds since the epoch, domain time
// unless a field says otherwise; the callers convert their clocks' instants.
//
// The reply parsers are templates over the reply type (common::RedisReply: `elements`, `str`,
// `integer`), so that this layer needs no Redis client.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "piket/store/case_record.hpp"

namespace piket::store {

// A timer of the deadline engine: its member of deadlines:due
// ("<case>|<clock>|<step>|<anchor>") and when it is due.
struct CaseTimerArg {
  std::string member;
  long long due_ms = 0;
};

namespace detail {
inline void append_timers(std::vector<std::string>& args, const std::vector<CaseTimerArg>& timers) {
  for (const auto& t : timers) {
    args.push_back(t.member);
    args.push_back(std::to_string(t.due_ms));
  }
}
}  // namespace detail

// cases_load.lua
struct CaseLoadArgs {
  std::string case_id;
  std::vector<std::string> args() const { return {case_id}; }
};

// cases_due_with_cases.lua: up to `limit` timers due at `now_ms`.
struct CaseDueArgs {
  long long now_ms = 0;
  std::size_t limit = 0;
  std::vector<std::string> args() const { return {std::to_string(now_ms), std::to_string(limit)}; }
};

// cases_sync.lua: the case's timers afresh, dropping `popped`.
struct CaseSyncArgs {
  std::string case_id;
  long long version = 0;  // the timeline length when loaded
  std::string popped;     // the timer that woke the engine ('' none)
  std::vector<CaseTimerArg> timers;
  std::vector<std::string> args() const {
    std::vector<std::string> a{case_id, std::to_string(version), popped};
    detail::append_timers(a, timers);
    return a;
  }
};

// The page of a step (cases_fire.lua; lib/paging_page_create.lua writes it).
struct CasePageArgs {
  std::string page_id;
  std::string person;
  std::string phone;
  std::string text;
  std::string ack_code;       // '' : the page is information (paging/page_class.hpp)
  std::string incident;       // may be ''
  std::string rule;           // e.g. "deadline:plan:escalate"
  long long code_ttl_ms = 0;  // how long the reply code may answer the page
  std::string brief;          // its line in a bundled SMS (paging::PageTag)
  int rank = 0;               // its urgency there
};

// A reminder whose acknowledgement the engine watches (case:{id}:reminders).
struct CaseReminderWatch {
  std::string page;  // '' when the reminder sent no page
  std::string person;
};

// cases_fire.lua: one step of a case's clock.
struct CaseFireArgs {
  std::string case_id;
  long long version = 0;
  std::string key;     // the step's idempotency key
  std::string popped;  // the timer that woke the engine ('' none)
  std::optional<CasePageArgs> page;
  long long now_ms = 0;
  long long outbox_due_ms = 0;  // transport time: when notify's outbox resends
  std::string timeline_json;
  std::string escalate_incident;  // '' none
  std::optional<CaseReminderWatch> watch;
  std::vector<std::string> forget_reminders;  // watched reminders' step keys to drop
  std::vector<CaseTimerArg> timers;

  std::vector<std::string> args() const {
    std::vector<std::string> a{case_id, std::to_string(version), key, popped};
    if (page) {
      a.insert(a.end(), {page->page_id, page->person, page->phone, page->text, page->ack_code,
                         page->incident, page->rule});
    } else {
      a.insert(a.end(), 7, std::string());
    }
    a.insert(a.end(),
             {std::to_string(now_ms), std::to_string(outbox_due_ms), timeline_json,
              escalate_incident, page ? std::to_string(page->code_ttl_ms) : std::string(),
              page ? page->brief : std::string(), page ? std::to_string(page->rank) : std::string(),
              watch ? watch->page + " " + watch->person : std::string()});
    std::string forget;
    for (const auto& k : forget_reminders) forget += (forget.empty() ? "" : " ") + k;
    a.push_back(std::move(forget));
    detail::append_timers(a, timers);
    return a;
  }
};

// cases_record.lua: an event recorded on a case.
struct CaseRecordArgs {
  enum class Op { none, reassign, close };
  struct IncidentField {
    std::string incident, field, value;
  };
  std::string case_id;
  long long version = 0;
  std::string timeline_json;
  Op op = Op::none;
  std::string new_casemanager;                              // with Op::reassign
  std::vector<std::pair<std::string, std::string>> fields;  // case hash fields to set
  std::vector<IncidentField> incident_fields;               // of the case's own incidents
  std::vector<CaseTimerArg> timers;

  std::vector<std::string> args() const {
    std::vector<std::string> a{
        case_id,         std::to_string(version),
        timeline_json,   op == Op::reassign ? "reassign" : op == Op::close ? "close" : "none",
        new_casemanager, std::to_string(fields.size())};
    for (const auto& [k, v] : fields) {
      a.push_back(k);
      a.push_back(v);
    }
    a.push_back(std::to_string(incident_fields.size()));
    for (const auto& f : incident_fields) a.insert(a.end(), {f.incident, f.field, f.value});
    detail::append_timers(a, timers);
    return a;
  }
};

// cases_agreement.lua: an agreement made (`fresh`) or settled on a case.
struct CaseAgreementArgs {
  std::string case_id;
  long long version = 0;
  std::string agreement_id;
  bool fresh = false;
  std::string record_json;
  std::string timeline_json;
  std::size_t max_agreements = 0;
  std::vector<std::pair<std::string, std::string>> fields;  // case hash fields to set
  std::vector<CaseTimerArg> timers;
  // The region's record of finished referral waits (referral_waits_key): how
  // far back it keeps them and how many at most.
  long long waits_window_ms = kReferralWaitWindowDays * 24LL * 3600 * 1000;
  std::size_t waits_max = kReferralWaitsMax;

  std::vector<std::string> args() const {
    std::vector<std::string> a{case_id,
                               std::to_string(version),
                               agreement_id,
                               fresh ? "new" : "change",
                               record_json,
                               timeline_json,
                               std::to_string(max_agreements),
                               std::to_string(waits_window_ms),
                               std::to_string(waits_max),
                               std::to_string(fields.size())};
    for (const auto& [k, v] : fields) a.insert(a.end(), {k, v});
    detail::append_timers(a, timers);
    return a;
  }
};

// cases_track.lua: a track's record written on a case (track.hpp).
struct CaseTrackArgs {
  std::string case_id;
  long long version = 0;
  std::string track;
  std::string record_json;
  std::string timeline_json;
  std::vector<std::pair<std::string, std::string>> fields;  // case hash fields to set
  std::vector<CaseTimerArg> timers;

  std::vector<std::string> args() const {
    std::vector<std::string> a{case_id,     std::to_string(version), track,
                               record_json, timeline_json,           std::to_string(fields.size())};
    for (const auto& [k, v] : fields) a.insert(a.end(), {k, v});
    detail::append_timers(a, timers);
    return a;
  }
};

// cases_absence.lua: a casemanager absent (from since_ms, until until_ms if given) or not.
struct CaseAbsenceArgs {
  std::string person;
  bool absent = false;
  long long since_ms = 0;
  std::optional<long long> until_ms;
  std::string by;
  long long now_ms = 0;
  std::vector<std::string> args() const {
    return {person,
            absent ? "1" : "0",
            std::to_string(since_ms),
            until_ms ? std::to_string(*until_ms) : std::string(),
            by,
            std::to_string(now_ms)};
  }
};

// cases_join.lua and cases_split.lua: the survivor and the other case, with the versions
// (timeline lengths) the caller checked.
struct CaseFamilyArgs {
  std::string survivor;
  std::string other;
  long long now_ms = 0;
  std::string by;
  std::string reason;
  long long survivor_version = 0;
  long long other_version = 0;
  std::vector<std::string> args() const {
    return {survivor,
            other,
            std::to_string(now_ms),
            by,
            reason,
            std::to_string(survivor_version),
            std::to_string(other_version)};
  }
};

// --- Replies ---------------------------------------------------------------------------

// lib/cases_load_case.lua's reply, as strings ('' for a missing field).
struct LoadedIncident {
  std::string id, kind, accepted_at, status, ban_ends_at, ban_starts_at, contact_at, plan_at;
};
struct LoadedAbsence {
  std::string person, since, until;
};
struct LoadedReminder {
  std::string key, page, person;
  bool acknowledged = false;
};
struct LoadedCase {
  long long version = 0;                                        // the timeline's length
  std::map<std::string, std::string> fields;                    // the case hash
  std::vector<LoadedIncident> incidents;                        // in the case's order
  std::vector<std::string> fired;                               // the action keys taken
  std::optional<LoadedAbsence> absence;                         // of the casemanager
  std::vector<LoadedReminder> reminders;                        // the watched reminders
  std::vector<std::pair<std::string, std::string>> agreements;  // id -> JSON record
  std::vector<std::string> roles;  // the person roles of the case's incidents, each once
  std::vector<std::pair<std::string, std::string>> tracks;  // track -> JSON record
  // The case hash's field, '' when absent.
  std::string field(const std::string& name) const {
    const auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  }
};

// Empty for a missing case (or a reply of another shape).
template <class Reply>
std::optional<LoadedCase> parse_loaded_case(const Reply& r) {
  if (r.elements.empty() || r.elements[0].str != "ok" || r.elements.size() < 7) return std::nullopt;
  LoadedCase c;
  c.version = r.elements[1].integer;
  const auto& flat = r.elements[2].elements;
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2) c.fields[flat[i].str] = flat[i + 1].str;
  const auto& incs = r.elements[3].elements;
  for (std::size_t i = 0; i + 7 < incs.size(); i += 8) {
    c.incidents.push_back({incs[i].str, incs[i + 1].str, incs[i + 2].str, incs[i + 3].str,
                           incs[i + 4].str, incs[i + 5].str, incs[i + 6].str, incs[i + 7].str});
  }
  for (const auto& k : r.elements[4].elements) c.fired.push_back(k.str);
  const auto& ab = r.elements[5].elements;
  if (ab.size() == 3) c.absence = LoadedAbsence{ab[0].str, ab[1].str, ab[2].str};
  const auto& rem = r.elements[6].elements;
  for (std::size_t i = 0; i + 3 < rem.size(); i += 4)
    c.reminders.push_back({rem[i].str, rem[i + 1].str, rem[i + 2].str, rem[i + 3].str == "1"});
  if (r.elements.size() > 7) {
    const auto& ag = r.elements[7].elements;
    for (std::size_t i = 0; i + 1 < ag.size(); i += 2)
      c.agreements.emplace_back(ag[i].str, ag[i + 1].str);
  }
  if (r.elements.size() > 9) {
    for (const auto& role : r.elements[8].elements) c.roles.push_back(role.str);
    const auto& tr = r.elements[9].elements;
    for (std::size_t i = 0; i + 1 < tr.size(); i += 2)
      c.tracks.emplace_back(tr[i].str, tr[i + 1].str);
  }
  return c;
}

// cases_due_with_cases.lua's reply.
struct DueTimerWithCase {
  std::string member;
  std::string due_ms;  // the score as Redis gives it
  std::optional<LoadedCase> state;
};
struct DueWithCases {
  std::size_t due = 0;  // how many timers were due (up to the limit)
  std::vector<DueTimerWithCase> timers;
};
template <class Reply>
DueWithCases parse_due_with_cases(const Reply& r) {
  DueWithCases out;
  if (r.elements.empty()) return out;
  out.due = static_cast<std::size_t>(r.elements[0].integer);
  for (std::size_t i = 1; i + 2 < r.elements.size(); i += 3)
    out.timers.push_back(
        {r.elements[i].str, r.elements[i + 1].str, parse_loaded_case(r.elements[i + 2])});
  return out;
}

// The reply of cases_fire.lua ({outcome, payload}), cases_sync.lua and cases_record.lua (the
// outcome word): done, duplicate, stale, collision, closed or missing.
struct CaseWriteReply {
  std::string outcome;
  std::string payload;  // the notify message of the page created ('' none)
};
template <class Reply>
CaseWriteReply parse_case_write(const Reply& r) {
  CaseWriteReply out;
  if (!r.elements.empty()) {
    out.outcome = r.elements[0].str;
    if (r.elements.size() > 1) out.payload = r.elements[1].str;
  } else {
    out.outcome = r.str;
  }
  return out;
}

// cases_join.lua's and cases_split.lua's reply.
struct CaseFamilyReply {
  std::string outcome;  // done or stale ('' for an empty reply)
  long long household_keys = 0;
  std::vector<std::string> incidents;
};
template <class Reply>
CaseFamilyReply parse_case_family(const Reply& r) {
  CaseFamilyReply out;
  if (r.elements.empty()) return out;
  out.outcome = r.elements[0].str;
  if (r.elements.size() >= 3) {
    out.household_keys = r.elements[1].integer;
    for (const auto& e : r.elements[2].elements) out.incidents.push_back(e.str);
  }
  return out;
}

}  // namespace piket::store
