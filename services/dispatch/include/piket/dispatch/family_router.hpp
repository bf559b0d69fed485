#pragma once
// Pages for a family's messages (issue 18): the I/O around family_page.hpp.
// run_once() takes every message whose routing step is due (family:due,
// domain time, so simulated time drives it too), reads its route and pages,
// decides the step (next_family_step) and takes it in one script
// (dispatch_family_step.lua): the page to the case's casemanager (on duty and
// not absent), else on call (primary, then backup), else the team lead; the
// team lead at the policy's deadline; the acknowledgement (who, when) once a
// page of it is acknowledged, with the "received" answer to the number that
// wrote. Never reads or logs the message's text or the number.
//
// Event-driven (start()): a round runs when woken — a message on the
// escalation channel from inbound (a family message stored, a page of one
// answered: is_family_wake) or a move of the shared simulated clock — and
// otherwise at the next step's due time, one timer, at most kFamilyLongestSleep
// away (a step another dispatch instance scheduled is seen by then). One
// ZRANGE a round; nothing at rest.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/periodic.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/dispatch/family_page.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/selection.hpp"

namespace piket::dispatch {

// The longest the router sleeps without being woken.
inline constexpr common::Millis kFamilyLongestSleep{60'000};

// A message on the escalation channel that wakes the family router
// (inbound_family_message.lua, inbound_page_answer.lua: ids "family:…"),
// not one for the escalation of an incident's page.
bool is_family_wake(std::string_view message_id);

// What a round did.
struct FamilyRound {
  int pages = 0;                        // pages made
  bool more = false;                    // a whole batch was due: more may be
  std::optional<common::Instant> next;  // the earliest step not yet due (domain)
};

class FamilyRouter {
 public:
  using OnPage = std::function<void(const std::string& page_id, const std::string& payload)>;
  // A message's acknowledgement, just before it is recorded (case, message,
  // who): for the audit trail. Called again if the recording fails and is
  // tried again (at least once); a throw leaves the step for the next round.
  using OnAcknowledged = std::function<void(const std::string& case_id, const std::string& message,
                                            const std::string& by)>;

  // `directory` and `selector` must outlive the router.
  FamilyRouter(FamilyPolicy policy, const rota::Directory& directory,
               const rota::CasemanagerSelector& selector, common::OutboxConfig outbox,
               const common::Clock& domain_clock, const common::Clock& transport_clock,
               common::RedisPool& redis, OnPage on_page);
  ~FamilyRouter();
  // Takes every step due now (at most 100); returns how many pages it made.
  int run_once() { return round().pages; }
  FamilyRound round();

  // Set before start().
  void on_acknowledged(OnAcknowledged hook) { on_acknowledged_ = std::move(hook); }

  // The loop (its own thread): a round when woken, else at the next due time.
  void start();
  void stop();
  // A round soon (thread-safe; a wake during a round is kept).
  void wake();
  // Inbox handler for is_family_wake messages: wakes the loop; the message
  // holds nothing more (Redis is the record). Always handled.
  bool handle_message(std::string_view channel, std::string_view id, std::string_view payload);

 private:
  int step(common::RedisConnection& conn, const std::string& case_id, const std::string& message);
  void run_loop();

  FamilyPolicy policy_;
  const rota::Directory& directory_;
  const rota::CasemanagerSelector& selector_;
  common::OutboxConfig outbox_;
  const common::Clock& domain_clock_;
  const common::Clock& transport_clock_;
  common::RedisPool& redis_;
  OnPage on_page_;
  OnAcknowledged on_acknowledged_;
  std::unique_ptr<common::Periodic> loop_;  // last: stopped before the members it uses go
};

}  // namespace piket::dispatch
