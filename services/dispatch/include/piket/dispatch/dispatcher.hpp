#pragma once
// Turns an accepted incident into a page for the chosen casemanager.
// Idempotent: an incident that was dispatched before is left as it is, so a
// message delivered twice yields one page.
//
// In batches (dispatch_batch, handle_batch: what the receiver had waiting):
// one pipeline reads every incident and case, one the caseloads of every
// candidate; the selection stays per incident — code red first, then in the
// order given — and counts the cases the batch's earlier incidents have just
// assigned, so the caseload cap holds inside a batch exactly as one at a
// time; then one pipeline runs every incident's commit script (one round
// trip, one shared fsync). An incident whose page id or reply code was taken
// is retried alone.

#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/metrics.hpp"
#include "piket/dispatch/dispatch_config.hpp"
#include "piket/paging/escalation_config.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/selection.hpp"

namespace piket::dispatch {

// An incident message's place in dispatch's queue (common::InboxRank): a code
// red first (paging::page_rank::kCodeRed), then escalations (kEscalated),
// then the other incidents (kIncident). The incident's kind comes from the
// message's "kind" (ingest_accept.lua writes it); a message without it is an
// ordinary incident.
int message_rank(std::string_view channel, std::string_view id, std::string_view payload);

struct DispatchResult {
  enum class Kind { dispatched, already_dispatched, unknown_incident, nobody_to_page };
  Kind kind = Kind::dispatched;
  std::string page_id;
  std::string person_id;
  rota::SelectionRule rule = rota::SelectionRule::on_call;
};

class Dispatcher {
 public:
  // `on_page` is called with (page id, payload) after a page is durable, to
  // wake the notify outbox. The people, the shared Redis and outbox settings,
  // the escalation policies (every page starts its escalation timer) and how
  // long a reply code stays valid (config::Config::reply_code_window);
  // `directory` must outlive the Dispatcher.
  Dispatcher(const rota::Directory& directory, const common::SharedConfig& shared,
             paging::EscalationConfig escalation, common::Millis reply_code_window,
             const common::Clock& domain_clock, const common::Clock& transport_clock,
             const rota::CasemanagerSelector& selector, common::Metrics& metrics,
             std::function<void(const std::string&, const std::string&)> on_page);
  ~Dispatcher();

  // Throws common::RedisError when Redis is unavailable (the message is then
  // left unacknowledged and comes again).
  // Thread-safe. `case_hint`: the case id the message claims (may be empty).
  DispatchResult dispatch(const std::string& incident_id, const std::string& case_hint = {});

  struct Request {
    std::string incident_id;
    std::string case_hint;  // may be empty
    // The region the message claims (may be empty): its on-call people's caseloads are read
    // with the incident, in one round trip. Only a read ahead: the selection goes by the
    // incident's own region, and reads what a wrong hint left out.
    std::string region_hint;
  };
  // One incident's outcome in a batch: its result, or the error that leaves
  // it for a resend (Redis refused its commit, …; the others are not affected).
  struct Outcome {
    DispatchResult result;
    std::exception_ptr error;
  };
  // Many incidents at once; one outcome per request, in order. Throws
  // common::RedisError when Redis is unavailable (then none is done).
  // Thread-safe.
  std::vector<Outcome> dispatch_batch(const std::vector<Request>& requests);

  // Inbox handler for channel "dispatch" (payload {"incident_id":…,"case_id":…,"kind":…}).
  bool handle_message(std::string_view channel, std::string_view id, std::string_view payload);
  // The same for a batch: one result per message. In a batch of one an error
  // is thrown (as handle_message does); in a larger one it is logged and that
  // message is left for a resend.
  std::vector<bool> handle_batch(std::span<const common::InboxMessage> messages);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::dispatch
