#pragma once
// The write of a case's record through the case API (internal to
// piket_cases): agreements (cases_api_agreements.cpp) and tracks
// (cases_api_tracks.cpp) load the case the caller may record on, parse the
// body, decide the change as a pure function and store it with the case's
// new timers — again while the case changes meanwhile. Deadlines that fell
// due before the change are taken first (as for events).

#include <variant>

#include "cases_api_context.hpp"
#include "piket/cases/case_store.hpp"
#include "piket/common/redis.hpp"

namespace piket::cases::api {

inline constexpr int kWriteAttempts = 8;

// parse(body, now) → variant<Request, ApiRefusal>; decide(state, request, now)
// → variant<Write, ApiRefusal> (Write has `after`); save(state, write, timers)
// → WriteOutcome; answer(write, now) → the response once it is stored.
template <class Parse, class Decide, class Save, class Answer>
HttpResponse write_case(CasesContext& c, const Request& r, Parse parse, Decide decide, Save save,
                        Answer answer) {
  if (!common::is_json_media_type(r.http.header("content-type")))
    return common::error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/json");
  bool settled = false;
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    auto loaded = readable_case(c, r.actor, r.id, access::CaseAction::record);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&loaded))
      return common::to_response(*refusal);
    const auto& state = std::get<CaseState>(loaded);
    const auto now = c.d.domain_clock.now();
    auto parsed = parse(r.http.body, now);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&parsed))
      return (c.refused.Increment(), common::to_response(*refusal));
    if (c.d.settle && !settled) {
      settled = true;
      if (!evaluate(state, c.d.rules, now).actions.empty()) {
        c.d.settle(r.id);
        continue;
      }
    }
    if (!state.merged_into.empty())
      return (c.refused.Increment(),
              common::to_response(common::ApiRefusal{
                  409,
                  "case_merged",
                  "this case was joined into " + state.merged_into + "; record on that case",
                  {}}));
    auto decided = decide(state, std::get<0>(parsed), now);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&decided))
      return (c.refused.Increment(), common::to_response(*refusal));
    const auto& w = std::get<0>(decided);
    switch (save(state, w, evaluate(w.after, c.d.rules, now).timers)) {
      case WriteOutcome::done:
        break;
      case WriteOutcome::stale:
      case WriteOutcome::collision:
        continue;  // changed meanwhile: again
      case WriteOutcome::closed:
        return common::error_response(409, "case_closed", "the case is closed");
      case WriteOutcome::full:  // agreements only
        return common::error_response(409, "too_many_agreements",
                                      "the case holds the most agreements it may");
      default:
        return common::error_response(404, "not_found", "no such case");
    }
    c.recorded.Increment();
    return answer(w, now);
  }
  return common::error_response(503, "busy", "the case kept changing; try again");
}

}  // namespace piket::cases::api
