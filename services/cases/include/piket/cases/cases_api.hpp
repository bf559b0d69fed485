#pragma once
// The case API as a plain function of a request (no sockets):
//   GET  /v1/cases/{id}            phase, casemanager, clocks, what is overdue
//   GET  /v1/cases/{id}/timeline   the append-only timeline
//   POST /v1/cases/{id}/events     record what happened (case_events.hpp)
//   POST /v1/cases/{id}/join       a team lead joins another case of the family into
//   POST /v1/cases/{id}/split      this one, or splits it off again (case_family.hpp)
//   POST /v1/people/{id}/absence   mark a casemanager absent or back
//   GET  /v1/cases/{id}/agreements, POST …/agreements, POST …/agreements/state,
//   GET  /v1/people/{id}/agreements   agreements on a case (agreement.hpp)
//   GET  /v1/cases/{id}/tracks, POST …/tracks   a case's tracks (track.hpp)
//   GET|POST|DELETE /v1/cases/{id}/family-link  the family's contact link (family_link.hpp)
//   GET  /healthz, /readyz, /metrics
// Staff authenticate with a bearer token; need to know (piket_access, the same
// rule as the web app's) decides the rest (401 unknown token, 403 not theirs,
// 404 no such case) before a body is read. An event is written
// together with the case's new timers, so the engine sees it at once.

#include <functional>
#include <memory>
#include <vector>

#include "piket/cases/case_store.hpp"
#include "piket/cases/engine.hpp"
#include "piket/common/bearer_auth.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"
#include "piket/rota/directory.hpp"
#include "piket/web/audit_chain.hpp"

namespace piket::cases {

namespace api {
struct CasesContext;  // the handlers' shared context (src/cases_api_context.hpp)
}

struct CasesApiDeps {
  common::RedisConfig redis;
  const rota::Directory& directory;         // the people (their roles and regions)
  std::vector<common::TokenHolder> tokens;  // the deployment's (config::Config::bearer_tokens())
  const common::Clock& domain_clock;
  RedisCaseStore& store;
  EngineRules rules;
  common::Metrics& metrics;
  // Takes the case's due actions before an event is recorded
  // (DeadlineShell::settle); may be empty.
  std::function<void(const std::string& case_id)> settle = {};
  // Appends to the audit trail (web::AuditLog::append in piket-cases): each
  // track's record and each agreement made or changed, once stored
  // (case_audit.hpp). May be empty. An entry that cannot be written fails
  // the request (the write stays, as in the web app).
  std::function<void(web::AuditRecord)> audit = {};
};

class CasesApi {
 public:
  explicit CasesApi(CasesApiDeps deps);
  ~CasesApi();
  CasesApi(const CasesApi&) = delete;
  CasesApi& operator=(const CasesApi&) = delete;
  common::HttpResponse handle(const common::HttpRequest& request);

 private:
  std::unique_ptr<api::CasesContext> context_;
};

}  // namespace piket::cases
