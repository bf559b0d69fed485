// Pages answered by staff over the API (acknowledge, decline) with their
// bearer token: 200 with the page's state, 409 for the other answer after
// the first.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "inbound_api_handlers.hpp"

namespace piket::inbound::api {
namespace {

HttpResponse json_answer(const PageAnswerOutcome& o, std::string_view state) {
  boost::json::object body{{"page_id", o.page_id}, {"case_id", o.case_id}, {"state", state}};
  return {200, "application/json", boost::json::serialize(body), {}};
}

// The person whose staff token the request carries.
std::optional<std::string> staff(const InboundContext& c, const HttpRequest& r) {
  const auto caller = c.auth.authenticate(r.header("authorization"));
  if (!caller || !caller->is_staff()) return std::nullopt;
  return caller->id;
}

HttpResponse answer_by_api(InboundContext& c, const HttpRequest& r, const std::string& page_id,
                           Answer a) {
  const auto person = staff(c, r);
  if (!person) {
    c.api_unauthorized.Increment();
    return common::error_response(401, "unauthorized", "a valid staff token is required");
  }
  const auto o = answer(c, {*person, page_id, "", a, AnswerVia::api, "token " + *person, ""});
  count(c, o);
  using K = PageAnswerOutcome::Kind;
  switch (o.kind) {
    case K::acknowledged:
    case K::already_acknowledged:
      if (a == Answer::decline)
        return common::error_response(409, "page_acknowledged",
                                      "the page was acknowledged; it cannot be declined");
      if (o.kind == K::acknowledged)
        spdlog::info("page {} acknowledged by {} via the API", o.page_id, *person);
      return json_answer(o, "acknowledged");
    case K::declined:
    case K::already_declined:
      if (a == Answer::acknowledge)
        return common::error_response(409, "page_declined",
                                      "the page was declined; it cannot be acknowledged");
      if (o.kind == K::declined)
        spdlog::info("page {} declined by {} via the API", o.page_id, *person);
      return json_answer(o, "declined");
    case K::taken_by_other:
      return common::error_response(409, "taken_by_other",
                                    "a colleague acknowledged this incident; nothing was changed");
    case K::informational:
      return common::error_response(409, "informational",
                                    "this page is for information; there is nothing to answer");
    case K::not_yours:
      spdlog::info("API answer by {} to page {} refused: not paged", *person, page_id);
      return common::error_response(403, "not_paged",
                                    "this page was not sent to you; nothing was changed");
    default:
      return common::error_response(404, "page_not_found", "no such page");
  }
}

}  // namespace

HttpResponse page_ack(InboundContext& c, const HttpRequest& r, std::string_view page_id) {
  return answer_by_api(c, r, std::string(page_id), Answer::acknowledge);
}

HttpResponse page_decline(InboundContext& c, const HttpRequest& r, std::string_view page_id) {
  return answer_by_api(c, r, std::string(page_id), Answer::decline);
}

}  // namespace piket::inbound::api
