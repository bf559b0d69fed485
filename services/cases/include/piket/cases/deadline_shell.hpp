#pragma once
// The thin shell around the pure engine. It takes the earliest due timers
// from Redis (deadlines:due), loads their cases, evaluates them, takes each
// case's earliest due action — its idempotency key, page and timeline entry
// written by one script — and stores the case's timers afresh. Then the next
// round. So every action is taken once, in due order across all cases, and
// after downtime the missed ones are taken on start-up, oldest first, each
// with how late it was (timeline "late_ms"). A round's reads go in one round
// trip and its writes in one pipeline: with appendfsync always that is one
// fsync per round rather than per action.
//
// The loop looks for due timers every `poll` (10 ms by default), which is
// also how quickly it follows a moved simulated clock.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "piket/cases/case_store.hpp"
#include "piket/cases/engine.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/metrics.hpp"

namespace piket::cases {

// An action taken.
struct Fired {
  std::string case_id;
  std::string key;
  ClockKind clock = ClockKind::plan;
  std::string step;
  bool escalation = false;
  common::Instant due;
  common::Instant at;  // domain time it was taken
  common::Millis late{0};
  std::string person;   // who was paged; empty if nobody could be
  std::string page_id;  // empty if no page was created
};

struct ShellOptions {
  common::Millis outbox_resend_after{2000};
  common::Millis poll{10};
  // Timers handled per round: their cases are loaded in one round trip and
  // their writes sent in one pipeline (one fsync with appendfsync always).
  std::size_t batch = 128;
};

class DeadlineShell {
 public:
  // `on_page(page id, payload)` runs after a page is durable (wakes the notify outbox).
  using PageCallback = std::function<void(const std::string&, const std::string&)>;

  DeadlineShell(RedisCaseStore& store, EngineRules rules, const common::Clock& domain_clock,
                const common::Clock& transport_clock, ShellOptions options, PageCallback on_page,
                common::Metrics* metrics = nullptr);
  ~DeadlineShell();
  DeadlineShell(const DeadlineShell&) = delete;
  DeadlineShell& operator=(const DeadlineShell&) = delete;

  // One round: the timers due at or before the domain clock's now, earliest
  // first (at most `batch`, one per case, and none due after an action that
  // a case of the round still has to take), each either taking its case's
  // earliest due action or storing the case's timers afresh. False when
  // nothing was due. Throws common::RedisError.
  bool step(std::vector<Fired>* fired = nullptr);
  // step() until nothing is due (at most `limit` rounds); what was taken.
  std::vector<Fired> run_due(std::size_t limit = static_cast<std::size_t>(-1));
  // The earliest timer of all (the next wake-up), due or not.
  std::optional<common::Instant> next_due();
  // The same as read by the last round's writes, without a round trip: only
  // right after run_due() or step() and before anyone else writes timers
  // (a simulation driver's shortcut). Empty optional when it is not known.
  std::optional<std::optional<common::Instant>> next_due_after_last_round() const;
  // Evaluates one case afresh and rewrites its timers.
  void resync(const std::string& case_id);
  // Takes every action of one case that is due at or before now, oldest
  // first. The case API calls it before it records an event, so a step that
  // fell due before the event (in a clock jump, or while the engine was
  // between polls) is taken rather than silently cancelled by it.
  std::vector<Fired> settle(const std::string& case_id);

  // A thread that runs run_due() every poll interval; Redis failures are
  // logged and retried.
  void start();
  void stop();
  // Called for every action taken (by the thread too). Set before start().
  void set_observer(std::function<void(const Fired&)> observer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::cases
