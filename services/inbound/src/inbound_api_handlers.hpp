#pragma once
// inbound's handlers, grouped by resource (internal to piket_inbound). Each is
// a free function of the shared context, the request and the path's {id}; by
// the time one runs the router (inbound_api.cpp) has checked the method and,
// for a page, that {id} is a page id. Each checks its own credentials: Kannel's
// callback secret, or a staff token.

#include <string_view>

#include "inbound_api_context.hpp"

namespace piket::inbound::api {

// ---- delivery reports (inbound_api_delivery_reports.cpp) --------------------------
// GET /kannel/dlr
HttpResponse delivery_report(InboundContext& c, const HttpRequest& r, std::string_view);

// ---- SMS replies (inbound_api_sms.cpp) ----------------------------------------------
// GET or POST /kannel/sms
HttpResponse sms_reply(InboundContext& c, const HttpRequest& r, std::string_view);

// ---- pages answered by staff (inbound_api_pages.cpp); {id} is the page id -----------
// POST /v1/pages/{id}/ack
HttpResponse page_ack(InboundContext& c, const HttpRequest& r, std::string_view page_id);
// POST /v1/pages/{id}/decline
HttpResponse page_decline(InboundContext& c, const HttpRequest& r, std::string_view page_id);

}  // namespace piket::inbound::api
