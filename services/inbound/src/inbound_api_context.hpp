#pragma once
// What inbound's handlers share (internal to piket_inbound): the context — the
// dependencies, the one Redis connection (answers and reports are serialised
// on it) and the counters, made once by InboundApi — and the helpers every
// route uses (Kannel's callback secret, answering a page). The handlers are
// free functions of these (inbound_api_handlers.hpp), grouped by resource;
// inbound_api.cpp routes to them.

#include <map>
#include <mutex>
#include <string>

#include "inbound_api_family.hpp"
#include "piket/common/bearer_auth.hpp"
#include "piket/common/group_commit.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/redis.hpp"
#include "piket/inbound/inbound_api.hpp"
#include "piket/paging/page_answer.hpp"
#include "report_batch.hpp"

namespace piket::inbound::api {

using common::HttpRequest;
using common::HttpResponse;
// Answering a page is paging's (paging/page_answer.hpp).
using paging::Answer;
using paging::AnswerVia;
using paging::PageAnswerOutcome;
using paging::PageAnswerRequest;

// Made once; shared by every request.
struct InboundContext {
  InboundContext(const InboundConfig& config, InboundDeps deps, const common::Clock& domain_clock,
                 common::Metrics& metrics, const common::Clock* transport_clock,
                 InboundApi::OnEscalation on_escalation);

  const InboundConfig config;
  const InboundDeps deps;
  const common::Clock& clock;
  const common::Clock& transport_clock;
  common::Metrics& metrics;
  common::HealthCheck ready;  // /readyz
  std::map<std::string, std::string> person_by_phone;
  std::map<std::string, i18n::Language> language_by_person;  // SMS replies to staff
  common::BearerAuth auth;                                   // staff tokens answer pages
  std::mutex mutex;                                          // guards redis
  common::RedisConnection redis;
  InboundApi::OnEscalation on_escalation;
  std::string callback_secret_hash;  // sha256 of kannel.callback_secret; empty: none set
  prometheus::Counter& dlr_recorded;
  prometheus::Counter& dlr_duplicate;
  prometheus::Counter& dlr_unknown;
  prometheus::Counter& dlr_failed;
  prometheus::Counter& acks;
  prometheus::Counter& ack_refused;
  prometheus::Counter& declines;
  prometheus::Counter& api_unauthorized;
  prometheus::Counter& sms_callback_refused;
  prometheus::Counter& dlr_callback_refused;
  prometheus::Counter& dlr_suspicious;
  prometheus::Counter& wrong_codes;
  prometheus::Counter& lockouts;
  prometheus::Counter& locked_refused;
  FamilyCounters family;  // the family path of /kannel/sms (issue 18)
  prometheus::Counter&
      dlr_writes;  // script calls that recorded reports (reports / writes: batching)
  // Delivery reports, written in batches on `redis` (report_batch.hpp).
  common::GroupCommit<DlrReport, DlrOutcomes> reports;
};

// The query's parameters (at most 17), decoded.
std::map<std::string, std::string> query_params(const HttpRequest& r);

// Kannel's callbacks carry the deployment's secret as `key` (docs/paging.md).
// Compared as SHA-256 digests in constant time (no length or prefix leak).
bool callback_authentic(const InboundContext& c, const std::map<std::string, std::string>& params);

// Answers a page (serialised on the context's connection); a decline's
// escalation message goes to on_escalation.
PageAnswerOutcome answer(InboundContext& c, const PageAnswerRequest& req);

// Counts an answer's outcome (acknowledged, declined, refused).
void count(InboundContext& c, const PageAnswerOutcome& o);

// A plain-text answer (what Kannel may send back as an SMS).
HttpResponse text(int status, std::string body);

}  // namespace piket::inbound::api
