#pragma once
// The cases service's view of Redis: loading a case's state, the durable
// timers, and the atomic writes of the deadline engine and the case API.
// Keys (docs/data-model.md): case:{id} (hash), case:{id}:timeline,
// case:{id}:fired (set of action keys taken), case:{id}:incidents,
// incident:{id}, person:{id}:absence, case:{id}:reminders (reminder step key
// → "<page> <person>", the reminders whose acknowledgement the engine
// watches), and the timer set deadlines:due
// (member → due time in domain ms; members "<case>|<clock>|<step>|<anchor>",
// or "<case>|resync"). The members a case owns are listed in the string
// case:{id}:timers (not in the case hash: a long value would turn every case
// hash from a compact listpack into a hashtable), so each write replaces them
// exactly.
//
// Every write checks the case's version (its timeline length when it was
// loaded) inside the script: a case changed by someone else meanwhile is
// refused as `stale`, and the caller loads it again. Thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "piket/cases/agreement.hpp"
#include "piket/cases/case_events.hpp"
#include "piket/cases/case_state.hpp"
#include "piket/cases/engine.hpp"
#include "piket/cases/track.hpp"
#include "piket/common/config.hpp"

namespace piket::cases {

struct TimerEntry {
  std::string member;
  common::Instant due;
};

struct PageOrder {
  std::string page_id;
  std::string person;
  std::string phone;
  std::string text;
  std::string ack_code;  // empty: the page is information (paging/page_class.hpp)
  std::string incident;  // may be empty
  std::string rule;      // e.g. "deadline:plan:escalate"
  common::Millis code_ttl{std::chrono::minutes{75}};  // paging::reply_code_window
  std::string brief;                                  // its line in a bundled SMS (paging::PageTag)
  int rank = 0;                                       // its urgency there
};

// Taking one action: the idempotency key, its page, its timeline entry and
// the case's timers afterwards — all written by one script, or nothing.
struct FireRequest {
  std::string case_id;
  long long version = 0;
  std::string popped;  // the timer that woke the engine (removed unless still pending)
  std::string key;     // the action's idempotency key
  std::optional<PageOrder> page;
  std::string timeline_json;
  std::string escalate_incident;  // set the incident's status to escalated
  // A reminder whose acknowledgement the engine watches (case:{id}:reminders):
  // its page (if any) and the casemanager it went to.
  bool watch = false;
  std::string watch_person;
  std::vector<std::string> forget_reminders;  // watched reminders that lead nowhere any more
  common::Instant now;                        // domain time
  common::Instant outbox_due;                 // transport time: when notify's outbox resends
  std::vector<Step> timers;
};

enum class WriteOutcome { done, duplicate, stale, collision, closed, missing, full };
std::string_view to_string(WriteOutcome o);

struct FireResult {
  WriteOutcome outcome = WriteOutcome::done;
  std::string payload;  // the notify message when a page was created
};

// The timers due, with their cases (see RedisCaseStore::due_with_cases).
struct DueBatch {
  std::size_t due = 0;  // how many timers were due (up to the limit)
  std::vector<TimerEntry> timers;
  std::vector<std::optional<CaseState>> cases;  // one per timer
};

// Storing a case's timers afresh (dropping `popped`).
struct SyncRequest {
  std::string case_id;
  long long version = 0;
  std::string popped;
  std::vector<Step> timers;
};

class RedisCaseStore {
 public:
  explicit RedisCaseStore(common::RedisConfig redis);
  ~RedisCaseStore();
  RedisCaseStore(const RedisCaseStore&) = delete;
  RedisCaseStore& operator=(const RedisCaseStore&) = delete;

  // Empty when there is no such case. Throws common::RedisError.
  std::optional<CaseState> load(const std::string& case_id);
  // The earliest timer due at or before `now`.
  std::optional<TimerEntry> earliest_due(common::Instant now);
  // Up to `limit` timers due at or before `now`, earliest first.
  std::vector<TimerEntry> due_timers(common::Instant now, std::size_t limit);
  // Several cases in one round trip (empty for a case that does not exist).
  std::vector<std::optional<CaseState>> load_many(const std::vector<std::string>& case_ids);
  // Up to `limit` timers due at or before `now`, earliest first, stopping at
  // the first one of a case already listed, each with its case's state — in
  // one round trip.
  DueBatch due_with_cases(common::Instant now, std::size_t limit);
  // Several firings and syncs in one round trip, executed in this order —
  // with Redis on appendfsync always, one fsync for the lot. With
  // `next_due`, also the earliest timer left afterwards.
  std::vector<FireResult> write_many(const std::vector<std::variant<FireRequest, SyncRequest>>& ops,
                                     std::optional<common::Instant>* next_due = nullptr);
  // The earliest timer of all.
  std::optional<common::Instant> next_due();
  // Brings cases:monitoring (lib/cases_monitoring_refresh.lua) in line with every open
  // case's phase, and drops what is no longer open there: at start-up, for
  // data written before the set existed. Returns how many cases it holds.
  long long refresh_monitoring_set();
  FireResult fire(const FireRequest& request);
  // Replaces the case's timers (and drops `popped`).
  WriteOutcome sync(const std::string& case_id, long long version, const std::string& popped,
                    const std::vector<Step>& timers);
  // Records an event: timeline entry, case fields, reassignment or closing,
  // and the new timers. With [redis] min_replicas, `done` only once that many
  // replicas have it; else throws common::RedisNotReplicatedError (recorded on
  // the primary, not confirmed).
  WriteOutcome record(const std::string& case_id, long long version, const Change& change,
                      const std::vector<Step>& timers);
  // One write of a batch: an event (as record()), or instead a track's record
  // (as write_track()) or an agreement (as write_agreement(), at most
  // kMaxAgreements on the case).
  struct RecordRequest {
    std::string case_id;
    long long version = 0;
    const Change* change = nullptr;
    std::vector<Step> timers;
    const TrackWrite* track = nullptr;
    const AgreementWrite* agreement = nullptr;
  };
  // Several writes in one round trip (an importer's or a replay's batch),
  // executed in this order; each is checked against its own version.
  std::vector<WriteOutcome> record_many(const std::vector<RecordRequest>& requests);
  // Marks a person absent from `since` (until `until`, if given) or present
  // again, notes it on the timeline of each of their open cases and asks the
  // engine to look at those cases now. Returns how many cases they hold.
  long long set_absence(const std::string& person, bool absent, common::Instant since,
                        std::optional<common::Instant> until, const std::string& by,
                        common::Instant now);
  std::optional<Absence> absence(const std::string& person);
  // Makes or settles an agreement (agreement.hpp): its record, its timeline
  // entry, the case fields and the new timers (store/lua/cases/cases_agreement.lua).
  // `full` when the case holds `max_agreements`; `collision` when a new
  // agreement's id is taken or a changed one is not the case's. With [redis]
  // min_replicas like record().
  WriteOutcome write_agreement(const std::string& case_id, long long version,
                               const AgreementWrite& write, std::size_t max_agreements,
                               const std::vector<Step>& timers);
  // A track's record (track.hpp) with its timeline entry, the case fields it
  // sets and the case's new timers, all or nothing (cases_track.lua); `stale`
  // when the timeline grew since `version`. With [redis] min_replicas like record().
  WriteOutcome write_track(const std::string& case_id, long long version, const TrackWrite& write,
                           const std::vector<Step>& timers);
  // The timeline's JSON entries, oldest first.
  std::vector<std::string> timeline(const std::string& case_id);
  long long timer_count();
  bool healthy();
  // Redis unreachable or refusing writes (at maxmemory), for /readyz; nullopt when healthy.
  std::optional<std::string> health_problem();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::cases
