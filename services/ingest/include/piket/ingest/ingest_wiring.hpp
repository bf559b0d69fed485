#pragma once
// The partner API as the deployment file sets it up: IngestApi's dependencies
// and its HTTP server's options from a parsed config::Config. The one place
// that does it: services/ingest/main.cpp and the tests that run IngestApi as
// a deployment would (tests/ingest, tests/cluster) call these.

#include "piket/common/clock.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/metrics.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/incident_store.hpp"
#include "piket/ingest/ingest_api.hpp"

namespace piket::ingest {

// The partners (bearer tokens, client-certificate fingerprints, rate limits),
// the region ids and the clocks; POST /v1/admin/clock only when the file's
// clock is simulated (it moves the shared clock in the file's Redis).
IngestDeps ingest_deps(const config::Config& config, const common::Clock& domain_clock,
                       const common::Clock& transport_clock, IncidentStore& store,
                       common::Metrics& metrics);

// [ingest]: the listening address, threads, TLS (its reloads timed by
// `transport_clock`) and the request queue's bounds (load shedding,
// docs/availability.md), its waits on `transport_clock`; requests shed are
// counted in `metrics`. Both clocks and the metrics must outlive the server.
common::HttpServerOptions ingest_server_options(const config::Config& config,
                                                const common::Clock& transport_clock,
                                                common::Metrics& metrics);

}  // namespace piket::ingest
