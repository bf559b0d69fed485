#pragma once
// The partner API's sections of the deployment file: [ingest], [[partners]]
// and [[admins]] (docs/configuration.md, "Who parses what").

#include <set>
#include <string>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/tls_options.hpp"

namespace piket::ingest {

struct IngestConfig {
  common::HostPort http{"127.0.0.1", 8080};
  // Each request holds its thread while Redis runs and fsyncs its acceptance (about 0.3 ms
  // under load): the threads are how many posts are in Redis at once. 2 held a single node at
  // 1,200 incidents/s; 8 at 1,600/s (docs/performance.md, "Stop 33"); more only move the queue
  // downstream.
  int threads = 8;
  // Load shedding (docs/availability.md, "Load shedding"): at most `queue_limit` requests wait
  // for a thread, none longer than `queue_wait`; over either, 503 overloaded with Retry-After
  // at once (common/http_server.hpp). queue_wait 0: no bound on the wait.
  int queue_limit = 256;
  common::Millis queue_wait{1000};
  // Connections open at once, and from one client address (common/http_server.hpp): at the
  // first bound ingest stops accepting (the next wait in the kernel's queue); over the second
  // a new connection from that address is closed unanswered. 256 is what piket-bench opens
  // in a surge; a stranger takes at most a quarter of the connections from the partners.
  int max_connections = 1024;
  int max_connections_per_address = 256;
  // HTTPS (tls_cert, tls_key) and mutual TLS (client_ca, require_client_cert);
  // not enabled(): plain HTTP, as the local demo runs.
  common::TlsOptions tls{};
};

struct PartnerConfig {
  std::string id;
  std::string token_sha256;  // hex of SHA-256(token); the token itself is never stored
  std::vector<std::string> regions;
  double rate_per_second = 50;
  double burst = 100;
  // Mutual TLS: the SHA-256 fingerprints (lower-case hex of the DER) of the
  // client certificates this partner presents, usually one (two while one is
  // replaced). Not empty: every request of this partner's token must come
  // over a connection with one of these certificates (else 403).
  std::vector<std::string> cert_sha256{};
};

struct AdminConfig {
  std::string id;
  std::string token_sha256;
};

// [ingest].
IngestConfig parse_ingest(common::TomlReader& r);
// [[partners]]: their regions must be among `region_ids`; `cert_sha256` only
// with `ingest.tls.client_ca`, and required of every partner with
// `ingest.tls.require_client_cert`.
std::vector<PartnerConfig> parse_partners(common::TomlReader& r,
                                          const std::set<std::string>& region_ids,
                                          const IngestConfig& ingest);
// [[admins]].
std::vector<AdminConfig> parse_admins(common::TomlReader& r);

}  // namespace piket::ingest
