// A case: its view, its timeline (with the cases joined into it), and the
// events recorded on it.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <set>

#include "cases_api_handlers.hpp"
#include "piket/cases/case_events.hpp"
#include "piket/cases/case_view.hpp"

namespace piket::cases::api {
namespace {

namespace json = boost::json;

constexpr int kAttempts = 8;

// A joined case's timeline is its own and those of the cases joined into it
// (each of their entries names its "case"), ordered by time.
std::vector<json::object> joined_timeline(CasesContext& c, const CaseState& state) {
  std::vector<std::pair<std::int64_t, json::object>> all;
  std::vector<std::pair<std::string, bool>> todo{{state.id, true}};
  std::set<std::string> seen;
  for (std::size_t i = 0; i < todo.size() && i < 64; ++i) {
    const auto [id, own] = todo[i];
    if (!seen.insert(id).second) continue;
    for (const auto& text : c.d.store.timeline(id)) {
      json::error_code ec;
      auto v = json::parse(text, ec);
      if (ec || !v.is_object()) continue;
      auto& o = v.as_object();
      if (!own) o["case"] = id;
      const auto* at = o.if_contains("at");
      all.emplace_back(at && at->is_number() ? at->to_number<std::int64_t>() : 0, std::move(o));
    }
    if (auto other = c.d.store.load(id))
      for (const auto& j : other->joined_cases) todo.emplace_back(j, false);
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<json::object> out;
  for (auto& [_, o] : all) out.push_back(std::move(o));
  return out;
}

}  // namespace

HttpResponse case_read(CasesContext& c, const Request& r) {
  auto loaded = readable_case(c, r.actor, r.id);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&loaded))
    return common::to_response(*refusal);
  const auto& state = std::get<CaseState>(loaded);
  const auto now = c.d.domain_clock.now();
  c.reads.Increment();
  return ok(200, case_json(state, evaluate(state, c.d.rules, now), c.d.rules, now));
}

HttpResponse case_timeline(CasesContext& c, const Request& r) {
  auto loaded = readable_case(c, r.actor, r.id);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&loaded))
    return common::to_response(*refusal);
  c.reads.Increment();
  const auto& state = std::get<CaseState>(loaded);
  std::string body = R"({"case_id":")" + r.id + R"(","events":[)";
  bool first = true;
  if (state.joined_cases.empty()) {
    for (const auto& e : c.d.store.timeline(r.id)) {
      body += (first ? "" : ",") + e;
      first = false;
    }
    return ok(200, body + "]}");
  }
  for (const auto& e : joined_timeline(c, state)) {
    body += (first ? "" : ",") + json::serialize(e);
    first = false;
  }
  return ok(200, body + "]}");
}

HttpResponse case_event(CasesContext& c, const Request& r) {
  if (!common::is_json_media_type(r.http.header("content-type")))
    return common::error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/json");
  const auto& id = r.id;
  bool settled = false;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    // Who may record is checked before the body is looked at.
    auto loaded = readable_case(c, r.actor, id, access::CaseAction::record);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&loaded))
      return common::to_response(*refusal);
    const auto& state = std::get<CaseState>(loaded);
    const auto now = c.d.domain_clock.now();
    auto parsed = parse_event(r.http.body, now);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&parsed))
      return (c.refused.Increment(), common::to_response(*refusal));
    const auto& event = std::get<EventRequest>(parsed);
    if (event.type == EventType::reassigned)
      if (auto no = refused_access(c, r.actor, id, access::CaseAction::reassign))
        return common::to_response(*no);
    if (c.d.settle && !settled) {
      // Deadlines that fell due before this event are taken first.
      const auto ev = evaluate(state, c.d.rules, now);
      settled = true;
      if (!ev.actions.empty()) {
        c.d.settle(id);
        continue;
      }
    }
    if (!state.merged_into.empty())
      return (
          c.refused.Increment(),
          common::to_response(common::ApiRefusal{
              409, "case_merged",
              "this case was joined into " + state.merged_into + "; record on that case", "type"}));
    auto applied = apply_event(state, event, r.actor, c.d.rules, now);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&applied))
      return (c.refused.Increment(), common::to_response(*refusal));
    const auto& change = std::get<Change>(applied);
    const auto ev = evaluate(change.after, c.d.rules, now);
    const auto outcome = c.d.store.record(id, state.version, change, ev.timers);
    if (outcome == WriteOutcome::stale) continue;
    if (outcome == WriteOutcome::closed)
      return common::error_response(409, "case_closed", "the case is closed");
    if (outcome == WriteOutcome::missing)
      return common::error_response(404, "not_found", "no such case");
    c.recorded.Increment();
    spdlog::info("case {}: {} recorded by {}", id, to_string(event.type), r.actor.person);
    json::object o;
    o["case_id"] = id;
    o["event"] = json::parse(change.timeline_json);
    o["phase"] = std::string(to_string(change.after.phase));
    o["casemanager"] = change.after.casemanager;
    return ok(201, json::serialize(o));
  }
  return common::error_response(503, "busy", "the case kept changing; try again");
}

}  // namespace piket::cases::api
