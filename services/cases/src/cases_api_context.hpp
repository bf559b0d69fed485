#pragma once
// What the case API's handlers share (internal to piket_cases): the context —
// the dependencies and the helpers made once by CasesApi — and a request's own
// state, with the checks every case route makes (the caller's token, need to
// know). The handlers are free functions of these two (cases_api_handlers.hpp),
// grouped by resource; cases_api.cpp routes to them.

#include <optional>
#include <string>
#include <variant>

#include "piket/access/need_to_know.hpp"
#include "piket/cases/case_family.hpp"
#include "piket/cases/cases_api.hpp"
#include "piket/cases/staff_auth.hpp"
#include "piket/common/api_refusal.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/redis_pool.hpp"

namespace piket::cases::api {

using common::HttpRequest;
using common::HttpResponse;

// Made once; shared by every request.
struct CasesContext {
  explicit CasesContext(CasesApiDeps deps);

  CasesApiDeps d;
  StaffAuth tokens;
  common::RedisPool redis;  // need-to-know reads (piket_access)
  CaseFamilies families;
  common::HealthCheck ready;  // /readyz
  prometheus::Counter& recorded;
  prometheus::Counter& refused;
  prometheus::Counter& reads;
};

// One request: who asks (its token was accepted), and the path's {id} (the
// case's, or for an absence the person's).
struct Request {
  const HttpRequest& http;
  const Actor& actor;
  std::string id;
};

// An answer with a JSON body.
HttpResponse ok(int status, std::string body);

// The caller behind the request's bearer token, or 401.
std::variant<Actor, common::ApiRefusal> authenticate(const CasesContext& c,
                                                     const HttpRequest& http);

// Need to know (piket_access, the rule the web app calls too): nullopt when
// the actor may do `action` on the case, else the refusal (404 no such case,
// 403 not theirs).
std::optional<common::ApiRefusal> refused_access(CasesContext& c, const Actor& actor,
                                                 const std::string& id, access::CaseAction action);

// The person `id` when the actor is that person or a team lead of one of
// their regions; else the refusal (404 no such person, 403 not allowed).
std::variant<const rota::PersonConfig*, common::ApiRefusal> person_for(const CasesContext& c,
                                                                       const Actor& actor,
                                                                       const std::string& id);

// Loads the case the actor may see (or act on): the state, or the refusal.
std::variant<CaseState, common::ApiRefusal> readable_case(
    CasesContext& c, const Actor& actor, const std::string& id,
    access::CaseAction action = access::CaseAction::read);

}  // namespace piket::cases::api
