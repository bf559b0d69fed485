#pragma once
// The rota API's handlers, grouped by resource (internal to piket_dispatch).
// Each is a free function of the shared context and one request; by the time
// one runs the router (rota_api.cpp) has checked the method and — on every
// route but the calendars — the bearer token (partners refused), and parsed
// the query.

#include "rota_api_context.hpp"

namespace piket::dispatch::api {

// ---- who is on call, and gaps (rota_api_coverage.cpp) -------------------------------
// GET /v1/rota/oncall?region=R
HttpResponse oncall(RotaContext& c, const Request& r);
// GET /v1/rota/gaps?region=R[&days=N]
HttpResponse gaps(RotaContext& c, const Request& r);

// ---- overrides (rota_api_overrides.cpp) ---------------------------------------------
// GET /v1/rota/overrides?region=R
HttpResponse list_overrides(RotaContext& c, const Request& r);
// POST /v1/rota/overrides
HttpResponse add_override(RotaContext& c, const Request& r);
// DELETE /v1/rota/overrides/{rest}: {rest} is the override's id
HttpResponse remove_override(RotaContext& c, const Request& r);

// ---- calendars (rota_api_calendar.cpp); no bearer token: ?token= ----------------------
// GET /v1/rota/calendar/{rest}: person/{id}.ics or layer/{region}/{layer}.ics
HttpResponse calendar(RotaContext& c, const Request& r);

}  // namespace piket::dispatch::api
