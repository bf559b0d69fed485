#pragma once
// The web API's handlers, grouped by resource (internal to piket_web). Each is
// a free function of the shared context and one request; by the time one runs
// the router (web_api.cpp) has checked the method, the session and — for a
// POST — the origin and the CSRF token, and set the action and the path's {id}.

#include "web_api_context.hpp"

namespace piket::web::api {

// ---- session (web_api_session.cpp) ------------------------------------------------
// POST /api/login: no session needed; checks the origin itself.
HttpResponse login(WebContext& w, Request& r);
HttpResponse logout(WebContext& w, Request& r);
HttpResponse session_read(WebContext& w, Request& r);
// GET /api/events: the live stream of the person's updates.
WebReply events(WebContext& w, Request& r);

// ---- the board (web_api_board.cpp) ------------------------------------------------
HttpResponse board(WebContext& w, Request& r);
HttpResponse charts(WebContext& w, Request& r);

// ---- cases (web_api_cases.cpp); {id} is the case id -------------------------------
HttpResponse my_cases(WebContext& w, Request& r);
HttpResponse case_read(WebContext& w, Request& r);
HttpResponse case_event(WebContext& w, Request& r);
HttpResponse case_reassign(WebContext& w, Request& r);
HttpResponse case_join(WebContext& w, Request& r);
HttpResponse case_split(WebContext& w, Request& r);
// The case's contact link for the family (issue 18): make one (the old one
// revoked; its path in the answer only), revoke it.
HttpResponse case_family_link_create(WebContext& w, Request& r);
HttpResponse case_family_link_revoke(WebContext& w, Request& r);

// ---- the family's contact form (web_family_form.cpp): /m/{secret}, no session -----
HttpResponse family_form(WebContext& w, const HttpRequest& req);

// ---- agreements (web_api_agreements.cpp); {id} is the case id ---------------------
HttpResponse case_agreement_new(WebContext& w, Request& r);
HttpResponse case_agreement_state(WebContext& w, Request& r);
// An agreement as JSON (with its text: for who may read the case).
json::object agreement_json(const AgreementView& a, common::Instant now);
// What the agreement form of a case of `region` offers (null when nothing can be recorded).
json::value agreement_form(CaseBackend& cases, const std::string& region, bool can_record);

// ---- tracks (web_api_tracks.cpp); {id} is the case id ----------------------------
HttpResponse case_track_record(WebContext& w, Request& r);
// A case's tracks as JSON (roles, state, who saw each when, its clock).
json::array tracks_json(WebContext& w, const std::vector<TrackView>& tracks);
// What the track form offers (null when nothing can be recorded).
json::value track_form(bool can_record);

// ---- pages and escalations (web_api_pages.cpp); {id} is the page or escalation ----
HttpResponse page_ack(WebContext& w, Request& r);
HttpResponse page_decline(WebContext& w, Request& r);
HttpResponse escalation_ack(WebContext& w, Request& r);

// ---- rota (web_api_rota.cpp) ------------------------------------------------------
HttpResponse rota_override(WebContext& w, Request& r);

// ---- calendar tokens (web_api_calendar.cpp) ---------------------------------------
HttpResponse calendar_list(WebContext& w, Request& r);
HttpResponse calendar_create(WebContext& w, Request& r);
HttpResponse calendar_revoke(WebContext& w, Request& r);

// ---- Web Push subscriptions (web_api_push.cpp) ------------------------------------
HttpResponse push_key(WebContext& w, Request& r);
HttpResponse push_list(WebContext& w, Request& r);
HttpResponse push_subscribe(WebContext& w, Request& r);
HttpResponse push_unsubscribe(WebContext& w, Request& r);

// ---- administration (web_api_admin.cpp) -------------------------------------------
HttpResponse admin_overview(WebContext& w, Request& r);
HttpResponse audit_verify(WebContext& w, Request& r);

// Shared by the case views (cases, board): a running clock as JSON, with the
// case's summary when given.
json::object clock_json(const ClockView& k, const CaseSummary* s);

}  // namespace piket::web::api
