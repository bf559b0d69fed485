#include "piket/dispatch/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/dispatch/capacity_alert.hpp"
#include "piket/dispatch/redis_caseload.hpp"
#include "piket/paging/escalation_plan.hpp"
#include "piket/paging/page_script.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/reply_code.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/dispatch_scripts.hpp"
#include "piket/store/lua.hpp"

namespace piket::dispatch {
namespace {

// The commit: store/lua/dispatch/dispatch_incident.lua. The page itself is
// written by the shared function lib/paging_page_create.lua.
const common::RedisScript& script() {
  static const common::RedisScript s{std::string(lua::dispatch_incident())};
  return s;
}

}  // namespace

struct Dispatcher::Impl {
  const rota::Directory& directory;
  const common::OutboxConfig outbox;
  const paging::EscalationConfig escalation;
  const common::Millis reply_code_window;
  const common::Clock& domain_clock;
  const common::Clock& transport_clock;
  const rota::CasemanagerSelector& selector;
  std::function<void(const std::string&, const std::string&)> on_page;
  common::RedisPool redis;
  prometheus::Counter& dispatched;
  prometheus::Counter& duplicates;
  prometheus::Counter& nobody;
  prometheus::Histogram& latency;
};

Dispatcher::Dispatcher(const rota::Directory& directory, const common::SharedConfig& shared,
                       paging::EscalationConfig escalation, common::Millis reply_code_window,
                       const common::Clock& domain_clock, const common::Clock& transport_clock,
                       const rota::CasemanagerSelector& selector, common::Metrics& metrics,
                       std::function<void(const std::string&, const std::string&)> on_page)
    : impl_(new Impl{directory, shared.outbox, std::move(escalation), reply_code_window,
                     domain_clock, transport_clock, selector, std::move(on_page),
                     common::RedisPool{shared.redis},
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "dispatched"}}),
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "duplicate"}}),
                     metrics.counter("piket_dispatch_incidents_total", "Incidents by outcome",
                                     {{"outcome", "nobody_to_page"}}),
                     metrics.latency("piket_dispatch_seconds", "Time to dispatch an incident")}) {}

Dispatcher::~Dispatcher() = default;

DispatchResult Dispatcher::dispatch(const std::string& incident_id, const std::string& case_hint) {
  auto& i = *impl_;
  const auto started = i.transport_clock.now();
  auto redis = i.redis.lease();
  // One round trip for the incident and (by the message's hint) its case;
  // the hint is only trusted when the incident confirms it.
  std::vector<std::vector<std::string>> reads{store::DispatchIncidentFields::hmget(incident_id)};
  if (!case_hint.empty())
    reads.push_back({"HMGET", store::case_key(case_hint), "casemanager", "previous_casemanager"});
  auto replies = redis->pipeline(reads);
  const auto inc = store::DispatchIncidentFields::parse(replies.at(0).element_optionals());
  if (!inc) return {DispatchResult::Kind::unknown_incident, {}, {}, {}};
  if (inc->status != "accepted") {
    i.duplicates.Increment();
    return {DispatchResult::Kind::already_dispatched, {}, {}, {}};
  }
  const std::string case_id = inc->case_id;
  const auto kind = common::parse_incident_kind(inc->kind);
  const std::string region = inc->region;
  const auto reported_at = common::from_epoch_ms(std::stoll(inc->reported_at));
  const auto case_fields = case_id == case_hint
                               ? replies.at(1)
                               : redis->command({"HMGET", store::case_key(case_id), "casemanager",
                                                 "previous_casemanager"});
  const auto field = [&](std::size_t n) -> std::optional<std::string> {
    if (case_fields.elements.size() <= n) return std::nullopt;
    auto v = case_fields.elements[n].opt_string();
    if (v && v->empty()) return std::nullopt;
    return v;
  };
  const auto own = field(0);

  rota::SelectionRequest request{region, own, i.domain_clock.now()};
  // A returning family's new case: offered first to the earlier casemanager.
  if (!own) request.previous_casemanager = field(1);
  RedisCaseload caseload(*redis);
  const auto selection = i.selector.select(request, caseload);
  if (!selection || !kind) {
    i.nobody.Increment();
    spdlog::error("incident {}: nobody to page in region {}", incident_id, region);
    return {DispatchResult::Kind::nobody_to_page, {}, {}, {}};
  }
  const auto* person = i.directory.person(selection->person_id);
  if (!person) {
    i.nobody.Increment();
    spdlog::error("incident {}: selected person {} is not configured", incident_id,
                  selection->person_id);
    return {DispatchResult::Kind::nobody_to_page, {}, {}, {}};
  }
  // The case gets a casemanager when it has none and a casemanager was chosen.
  const bool assign = !request.own_casemanager && person->role == rota::StaffRole::casemanager;
  const auto now_ms = common::to_epoch_ms(i.domain_clock.now());
  for (int attempt = 0; attempt < 8; ++attempt) {
    store::DispatchIncidentArgs a;
    a.incident_id = incident_id;
    a.case_id = case_id;
    a.rule = std::string(rota::to_string(selection->rule));
    a.page.person = person->id;
    a.page.page_id = paging::new_page_id();
    a.page.ack_code = paging::new_ack_code();
    a.page.phone = person->phone;
    const paging::PageContent content{case_id, *kind, region, reported_at, a.page.ack_code};
    const auto text = paging::render_page_sms(content);
    const auto tag = paging::page_tag(content);
    if (!text || !tag)
      throw std::runtime_error("page text could not be rendered for case " + case_id);
    a.page.text = *text;
    a.brief = tag->brief;
    a.rank = tag->rank;
    a.now_ms = now_ms;
    a.outbox_due_ms = common::to_epoch_ms(i.transport_clock.now()) + i.outbox.resend_after.count();
    a.assign_case = assign;
    // The family's own casemanager, off duty, hears of it (rota rule (a) did not hold).
    // It is information (paging/page_class.hpp): no reply code, nothing to answer.
    paging::PageTag inform_tag;
    if (selection->inform && *selection->inform != person->id) {
      if (const auto* own_person = i.directory.person(*selection->inform)) {
        a.inform.page_id = paging::new_page_id();
        const paging::PageContent fyi{case_id, *kind, region, reported_at, ""};
        const auto t = paging::render_inform_sms(fyi);
        const auto g = paging::inform_tag(fyi);
        if (t && g) {
          a.inform.person = own_person->id;
          a.inform.phone = own_person->phone;
          a.inform.text = *t;
          inform_tag = *g;
        }
      }
    }
    a.inform_brief = inform_tag.brief;
    a.inform_rank = inform_tag.rank;
    // The escalation starts at the step of the selection's rule.
    const auto& policy = i.escalation.policy(region);
    const auto position = initial_position(policy, selection->rule);
    a.escalation = store::DispatchIncidentArgs::Escalation{
        to_string(position), common::to_epoch_ms(i.domain_clock.now() + wait_at(policy, position))};
    a.code_ttl_ms = i.reply_code_window.count();
    // Every on-call casemanager at their cap: the region's team lead is told
    // (once, when the problem is first seen; the script decides).
    a.region = region;
    a.all_on_call_at_cap = selection->on_call_at_cap;
    if (selection->on_call_at_cap) {
      const auto lead =
          i.selector.select_step(paging::EscalationTarget::team_lead, request, {}, caseload);
      if (const auto* p = lead ? i.directory.person(lead->person_id) : nullptr) {
        a.lead.page_id = paging::new_page_id();
        a.lead.ack_code = paging::new_ack_code();
        if (auto t = render_capacity_alert(region, i.domain_clock.now(), a.lead.ack_code)) {
          a.lead.person = p->id;
          a.lead.phone = p->phone;
          a.lead.text = *t;
        }
      }
    }
    const auto r =
        store::DispatchIncidentReply::parse(redis->eval(script(), {}, a.args()).element_strings());
    if (!r) throw std::runtime_error("unexpected reply from the dispatch script");
    using R = store::DispatchIncidentReply::Kind;
    if (r->kind == R::ack_collision) continue;
    if (r->kind == R::missing) return {DispatchResult::Kind::unknown_incident, {}, {}, {}};
    if (r->kind == R::already) {
      i.duplicates.Increment();
      return {DispatchResult::Kind::already_dispatched, r->page_id, {}, {}};
    }
    i.dispatched.Increment();
    i.latency.Observe(std::chrono::duration<double>(i.transport_clock.now() - started).count());
    spdlog::info("incident {} of case {}: page {} to {} ({})", incident_id, case_id, a.page.page_id,
                 person->id, rota::to_string(selection->rule));
    if (i.on_page) i.on_page(a.page.page_id, r->payload);
    if (i.on_page && !a.inform.person.empty()) {
      spdlog::info("case {}: own casemanager {} informed (page {})", case_id, a.inform.person,
                   a.inform.page_id);
      i.on_page(a.inform.page_id, r->inform_payload);
    }
    if (i.on_page && !r->capacity_payload.empty()) {
      spdlog::warn("region {}: every on-call casemanager at caseload cap; team lead {} paged ({})",
                   region, a.lead.person, a.lead.page_id);
      i.on_page(a.lead.page_id, r->capacity_payload);
    }
    return {DispatchResult::Kind::dispatched, a.page.page_id, person->id, selection->rule};
  }
  throw std::runtime_error("could not allocate a unique page id");
}

bool Dispatcher::handle_message(std::string_view channel, std::string_view id,
                                std::string_view payload) {
  // The message id is the incident id; the payload's case id is a hint that
  // saves a round trip. Redis is the record.
  if (channel != "dispatch" || !common::is_incident_id(id)) {
    spdlog::warn("dispatch: message with unexpected channel or id dropped");
    return true;
  }
  std::string hint;
  constexpr std::string_view key = "\"case_id\":\"";
  if (const auto at = payload.find(key); at != std::string_view::npos) {
    const auto value = payload.substr(at + key.size(), 9);
    if (common::is_case_id(value)) hint = std::string(value);
  }
  // Acts only on an incident still `accepted` (checked again inside the
  // commit script); any other message changes nothing and is counted
  // (piket_dispatch_incidents_total{outcome="duplicate"}).
  const auto r = dispatch(std::string(id), hint);
  if (r.kind == DispatchResult::Kind::unknown_incident)
    spdlog::warn("dispatch: unknown incident {} acknowledged without action", id);
  if (r.kind == DispatchResult::Kind::already_dispatched)
    spdlog::info("dispatch: message for incident {} ignored: it is no longer accepted", id);
  return r.kind != DispatchResult::Kind::nobody_to_page;
}

}  // namespace piket::dispatch
