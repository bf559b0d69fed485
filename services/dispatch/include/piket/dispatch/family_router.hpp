#pragma once
// Pages for a family's messages (issue 18): the I/O around family_page.hpp.
// run_once() takes every message whose routing step is due (family:due,
// domain time, so simulated time drives it too), reads its route and pages,
// decides the step (next_family_step) and takes it in one script
// (dispatch_family_step.lua): the page to the case's casemanager (on duty and
// not absent), else on call (primary, then backup), else the team lead; the
// team lead at the policy's deadline; the acknowledgement (who, when) once a
// page of it is acknowledged. Never reads or logs the message's text.

#include <functional>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/dispatch/family_page.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/selection.hpp"

namespace piket::dispatch {

class FamilyRouter {
 public:
  using OnPage = std::function<void(const std::string& page_id, const std::string& payload)>;

  // `directory` and `selector` must outlive the router.
  FamilyRouter(FamilyPolicy policy, const rota::Directory& directory,
               const rota::CasemanagerSelector& selector, common::OutboxConfig outbox,
               const common::Clock& domain_clock, const common::Clock& transport_clock,
               common::RedisPool& redis, OnPage on_page);
  // Takes every step due now (at most 100); returns how many pages it made.
  int run_once();

 private:
  int step(common::RedisConnection& conn, const std::string& case_id, const std::string& message);

  FamilyPolicy policy_;
  const rota::Directory& directory_;
  const rota::CasemanagerSelector& selector_;
  common::OutboxConfig outbox_;
  const common::Clock& domain_clock_;
  const common::Clock& transport_clock_;
  common::RedisPool& redis_;
  OnPage on_page_;
};

}  // namespace piket::dispatch
