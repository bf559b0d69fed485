#pragma once
// Paging's shell: runs each region's escalation policy
// (paging/escalation_policy.hpp) for the incidents dispatch paged, with one
// timer loop (start()):
//  - a timer per incident in `escalations:due` (domain time), set when the
//    first page is created and moved by every step;
//  - messages on the "escalation" channel ({page_id, reason}) from inbound
//    (a decline) and notify (no channel could deliver) move on at once.
// What to do is decided by decide() (escalation_plan.hpp); who is paged by
// the rota's select_step(). Each step is one Lua script that checks the
// incident is still at the step the decision was made for, creates the page
// (with its outbox entry), moves the timer and writes the case timeline —
// so a crash at any moment leaves either the old step or the new one, and a
// step is never paged twice.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/paging/escalation_config.hpp"
#include "piket/paging/escalation_plan.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/selection.hpp"

namespace piket::paging {

struct EscalationOutcome {
  enum class Kind { paged, repaged, waiting, stopped, exhausted, stale, unknown };
  Kind kind = Kind::unknown;
  std::string page_id;  // paged, repaged
  std::string person;   // paged, repaged
  EscalationPosition at;
  std::optional<common::Instant> next_due;  // paged, repaged, waiting: the timer now set
};
std::string_view to_string(EscalationOutcome::Kind k);

class Escalator {
 public:
  using OnPage = std::function<void(const std::string& page_id, const std::string& payload)>;

  // [escalation], the people, the shared outbox settings and how long a reply
  // code stays valid (config::Config::reply_code_window); `directory` must
  // outlive the Escalator.
  Escalator(paging::EscalationConfig escalation, const rota::Directory& directory,
            const common::SharedConfig& shared, common::Millis reply_code_window,
            const common::Clock& domain_clock, const common::Clock& transport_clock,
            const rota::CasemanagerSelector& selector, common::RedisPool& redis,
            common::Metrics& metrics, OnPage on_page);
  ~Escalator();

  // Handles every incident whose timer is due now, in due order across
  // incidents — a step that falls due at once (after a clock jump or
  // downtime) is taken in the same run, before any step due after it;
  // returns how many steps were handled. Throws common::RedisError when
  // Redis is unavailable.
  int run_due();
  // The escalation timer loop: run_due() every [escalation] poll (transport
  // time) on the Escalator's own thread, Redis failures logged and retried.
  // Paging's one timer loop; stop() (or the destructor) ends it.
  void start();
  void stop();
  // Due timers read per round of run_due() (the LIMIT of its read of the
  // due set); rounds follow until none is due.
  static constexpr int kDueTimersPerRound = 64;

  // Inbox handler for channel "escalation" ({page_id, reason}). Acts only when
  // the page really was declined / undeliverable in Redis and is still the
  // current step of its incident; any other message is ignored, counted
  // (piket_escalation_total{outcome="ignored"|"stale"}) and logged by id.
  // True when handled or ignored (the sender need not send it again).
  bool handle_message(std::string_view channel, std::string_view id, std::string_view payload);

  // One incident, for the timer or for a page that was declined or could
  // not be delivered (`page_position`: the position that page was sent at).
  EscalationOutcome advance(const std::string& incident_id, EscalationTrigger trigger,
                            const std::string& page_position = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::paging
