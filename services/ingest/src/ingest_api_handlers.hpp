#pragma once
// The partner API's handlers, grouped by resource (internal to piket_ingest).
// Each is a free function of the shared context, the request and the path's
// {rest}; by the time one runs the router (ingest_api.cpp) has checked the
// method. Each checks the caller's token itself (the order of checks:
// ingest_api.hpp).

#include <string_view>

#include "ingest_api_context.hpp"

namespace piket::ingest::api {

// ---- incidents (ingest_api_incidents.cpp) -------------------------------------------
// POST /v1/incidents: the hot path
HttpResponse post_incident(IngestContext& c, const HttpRequest& req, std::string_view);
// GET /v1/incidents/{rest}: {rest} is the incident id
HttpResponse get_incident(IngestContext& c, const HttpRequest& req, std::string_view id);

// ---- the simulated clock (ingest_api_admin.cpp) ---------------------------------------
// POST /v1/admin/clock: routed only when the deployment's clock is simulated
HttpResponse admin_clock(IngestContext& c, const HttpRequest& req, std::string_view);

}  // namespace piket::ingest::api
