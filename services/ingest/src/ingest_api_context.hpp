#pragma once
// What the partner API's handlers share (internal to piket_ingest): the
// context — the dependencies, the token registry, the rate limiter and the
// counters, made once by IngestApi — and the token check. The handlers are
// free functions of these (ingest_api_handlers.hpp), grouped by resource;
// ingest_api.cpp routes to them.

#include <map>
#include <set>
#include <string>
#include <variant>

#include "piket/common/api_refusal.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/validation.hpp"

namespace piket::ingest::api {

using common::HttpRequest;
using common::HttpResponse;

// Made once; shared by every request (the limiter and the store are
// thread-safe).
struct IngestContext {
  explicit IngestContext(IngestDeps deps);

  IngestDeps d;
  TokenRegistry tokens;
  RateLimiter limiter;
  RegionSet regions;
  // Mutual TLS: partner id -> the fingerprints of its client certificates
  // (only partners with `cert_sha256`).
  std::map<std::string, std::set<std::string>, std::less<>> partner_certs;
  prometheus::Histogram& post_latency;
  prometheus::Counter& created;
  prometheus::Counter& replayed;
  prometheus::Counter& conflicts;
  prometheus::Counter& rejected;
  prometheus::Counter& unavailable;
  prometheus::Counter& store_full;
  prometheus::Counter& not_replicated;  // 503 not_replicated ([redis] min_replicas)
};

// The caller behind the request's bearer token, or 401; a partner with
// configured client certificates whose request did not come with one of them:
// 403 (client_certificate_required, client_certificate_mismatch).
std::variant<Principal, common::ApiRefusal> authenticate(const IngestContext& c,
                                                         const HttpRequest& http);

}  // namespace piket::ingest::api
