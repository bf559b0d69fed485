#pragma once
// The case API's handlers, grouped by resource (internal to piket_cases). Each
// is a free function of the shared context and one request; by the time one
// runs the router (cases_api.cpp) has checked the method and the caller's
// bearer token, and set the path's {id}.

#include "cases_api_context.hpp"

namespace piket::cases::api {

// ---- a case and its timeline (cases_api_cases.cpp); {id} is the case id --------
// GET /v1/cases/{id}
HttpResponse case_read(CasesContext& c, const Request& r);
// GET /v1/cases/{id}/timeline
HttpResponse case_timeline(CasesContext& c, const Request& r);
// POST /v1/cases/{id}/events
HttpResponse case_event(CasesContext& c, const Request& r);

// ---- a case's agreements (cases_api_agreements.cpp); {id} is the case id ----------
// GET /v1/cases/{id}/agreements
HttpResponse case_agreements(CasesContext& c, const Request& r);
// POST /v1/cases/{id}/agreements
HttpResponse case_agreement_new(CasesContext& c, const Request& r);
// POST /v1/cases/{id}/agreements/state
HttpResponse case_agreement_state(CasesContext& c, const Request& r);
// GET /v1/people/{id}/agreements: the open agreements of the person's cases, due first
HttpResponse person_agreements(CasesContext& c, const Request& r);

// ---- a case's tracks (cases_api_tracks.cpp); {id} is the case id ------------------
// GET /v1/cases/{id}/tracks
HttpResponse case_tracks(CasesContext& c, const Request& r);
// POST /v1/cases/{id}/tracks
HttpResponse case_track_record(CasesContext& c, const Request& r);

// ---- a case's family (cases_api_family.cpp); {id} is the case id ----------------
// POST /v1/cases/{id}/join
HttpResponse case_join(CasesContext& c, const Request& r);
// POST /v1/cases/{id}/split
HttpResponse case_split(CasesContext& c, const Request& r);

// ---- a case's contact link for the family (cases_api_family_link.cpp) -------------
// GET /v1/cases/{id}/family-link: the live link (never its secret), or null
HttpResponse case_family_link_read(CasesContext& c, const Request& r);
// POST /v1/cases/{id}/family-link: a new link (the old one revoked); 201 with its path
HttpResponse case_family_link_create(CasesContext& c, const Request& r);
// DELETE /v1/cases/{id}/family-link
HttpResponse case_family_link_revoke(CasesContext& c, const Request& r);

// ---- people (cases_api_people.cpp); {id} is the person's id -----------------------
// POST /v1/people/{id}/absence
HttpResponse person_absence(CasesContext& c, const Request& r);

}  // namespace piket::cases::api
