#pragma once
// Turns an accepted incident into a page for the chosen casemanager.
// Idempotent: an incident that was dispatched before is left as it is, so a
// message delivered twice yields one page.

#include <functional>
#include <memory>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/metrics.hpp"
#include "piket/dispatch/dispatch_config.hpp"
#include "piket/paging/escalation_config.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/selection.hpp"

namespace piket::dispatch {

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

  // Inbox handler for channel "dispatch" (payload {"incident_id":…,"case_id":…}).
  bool handle_message(std::string_view channel, std::string_view id, std::string_view payload);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::dispatch
