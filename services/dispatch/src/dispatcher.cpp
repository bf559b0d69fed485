#include "piket/dispatch/dispatcher.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "piket/common/fault_point.hpp"
#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/dispatch/capacity_alert.hpp"
#include "piket/dispatch/redis_caseload.hpp"
#include "piket/paging/escalation_plan.hpp"
#include "piket/paging/page_class.hpp"
#include "piket/paging/page_expansion.hpp"
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

// A string field of a small JSON object; empty when absent or not a string.
std::string json_string(std::string_view payload, std::string_view field) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return {};
  const auto* f = v.as_object().if_contains(field);
  if (!f || !f->is_string()) return {};
  return std::string(f->as_string());
}

// The message's hints (Dispatcher::Request), from one parse of its payload: its case id when it
// is one, and its region when it is no longer than a region id may be (an id no rota names only
// finds no one to read ahead).
std::pair<std::string, std::string> message_hints(std::string_view payload) {
  constexpr std::size_t kMostRegion = 64;  // common::id_pattern()'s bound
  boost::system::error_code ec;
  const auto v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return {};
  const auto field = [&](std::string_view name) -> std::string_view {
    const auto* f = v.as_object().if_contains(name);
    return f && f->is_string() ? std::string_view(f->as_string()) : std::string_view{};
  };
  const auto case_id = field("case_id");
  const auto region = field("region");
  return {common::is_case_id(case_id) ? std::string(case_id) : std::string{},
          region.size() <= kMostRegion ? std::string(region) : std::string{}};
}

// The order of a batch: code red first, then as given.
int kind_rank(const std::optional<common::IncidentKind>& kind) {
  return kind == common::IncidentKind::code_red ? paging::page_rank::kCodeRed
                                                : paging::page_rank::kIncident;
}

// One accepted incident of a batch, as read from Redis.
struct Item {
  std::size_t index = 0;  // in the requests
  std::string incident_id;
  std::string case_id;
  std::optional<common::IncidentKind> kind;
  std::string region;
  common::Instant reported_at;
  rota::SelectionRequest request;
};

}  // namespace

int message_rank(std::string_view channel, std::string_view /*id*/, std::string_view payload) {
  if (channel == "escalation") return paging::page_rank::kEscalated;
  return kind_rank(common::parse_incident_kind(json_string(payload, "kind")));
}

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
  prometheus::Histogram& batch_latency;

  // The commit script's arguments for one incident, with new page ids and
  // reply codes (made again after an ack_collision).
  store::DispatchIncidentArgs commit_args(const Item& item, const rota::Selection& selection,
                                          const rota::PersonConfig& person, bool assign,
                                          std::int64_t now_ms,
                                          const rota::CaseloadView& caseload) const {
    const auto& case_id = item.case_id;
    const auto& region = item.region;
    const auto kind = *item.kind;
    store::DispatchIncidentArgs a;
    a.incident_id = item.incident_id;
    a.case_id = case_id;
    a.rule = std::string(rota::to_string(selection.rule));
    a.page.person = person.id;
    a.page.page_id = paging::new_page_id();
    a.page.ack_code = paging::new_ack_code();
    a.page.phone = person.phone;
    paging::PageContent content{case_id, kind, region, item.reported_at, a.page.ack_code};
    content.language = directory.language_of(&person);
    const auto text = paging::render_page_sms(content);
    const auto tag = paging::page_tag(content);
    if (!text || !tag)
      throw std::runtime_error("page text could not be rendered for case " + case_id);
    a.page.text = *text;
    a.brief = tag->brief;
    a.rank = tag->rank;
    a.now_ms = now_ms;
    a.outbox_due_ms = common::to_epoch_ms(transport_clock.now()) + outbox.resend_after.count();
    a.assign_case = assign;
    // The family's own casemanager, off duty, hears of it (rota rule (a) did not hold).
    // It is information (paging/page_class.hpp): no reply code, nothing to answer.
    paging::PageTag inform_tag;
    if (selection.inform && *selection.inform != person.id) {
      if (const auto* own_person = directory.person(*selection.inform)) {
        a.inform.page_id = paging::new_page_id();
        paging::PageContent fyi{case_id, kind, region, item.reported_at, ""};
        fyi.language = directory.language_of(own_person);
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
    const auto& policy = escalation.policy(region);
    const auto position = initial_position(policy, selection.rule);
    a.escalation = store::DispatchIncidentArgs::Escalation{
        to_string(position), common::to_epoch_ms(domain_clock.now() + wait_at(policy, position))};
    a.code_ttl_ms = reply_code_window.count();
    // The page's deliveries and the plan that starts its first channel, part
    // of the commit: the page leaves it queued for notify's workers, and
    // notify, told of it, only wakes one (paging/page_expansion.hpp).
    a.expansion = paging::new_page_expansion(
        a.page.page_id, person.id, &person,
        {common::from_epoch_ms(now_ms), transport_clock.now(), outbox.resend_after});
    // Every on-call casemanager at their cap: the region's team lead is told
    // (once, when the problem is first seen; the script decides).
    a.region = region;
    a.all_on_call_at_cap = selection.on_call_at_cap;
    if (selection.on_call_at_cap) {
      const auto lead =
          selector.select_step(paging::EscalationTarget::team_lead, item.request, {}, caseload);
      if (const auto* p = lead ? directory.person(lead->person_id) : nullptr) {
        a.lead.page_id = paging::new_page_id();
        a.lead.ack_code = paging::new_ack_code();
        if (auto t = render_capacity_alert(region, domain_clock.now(), a.lead.ack_code,
                                           directory.language_of(p))) {
          a.lead.person = p->id;
          a.lead.phone = p->phone;
          a.lead.text = *t;
        }
      }
    }
    return a;
  }
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
                     metrics.latency("piket_dispatch_seconds", "Time to dispatch an incident"),
                     metrics.latency("piket_dispatch_batch_seconds",
                                     "Time to dispatch a batch of incidents (reads, selection, "
                                     "commits)")}) {}

Dispatcher::~Dispatcher() = default;

DispatchResult Dispatcher::dispatch(const std::string& incident_id, const std::string& case_hint) {
  auto outcomes = dispatch_batch({{incident_id, case_hint, {}}});
  if (outcomes.at(0).error) std::rethrow_exception(outcomes[0].error);
  return outcomes[0].result;
}

std::vector<Dispatcher::Outcome> Dispatcher::dispatch_batch(const std::vector<Request>& requests) {
  using Kind = DispatchResult::Kind;
  auto& i = *impl_;
  std::vector<Outcome> out(requests.size());
  if (requests.empty()) return out;
  const auto started = i.transport_clock.now();
  auto redis = i.redis.lease();

  // One round trip for every incident, (by the message's hints) its case and the caseloads of
  // its region's on-call people; a case hint is only trusted when the incident confirms it.
  const auto now = i.domain_clock.now();
  std::vector<common::RedisScriptCall> reads;
  std::vector<std::size_t> hint_at(requests.size(), 0);
  for (std::size_t n = 0; n < requests.size(); ++n) {
    reads.push_back({nullptr, {}, store::DispatchIncidentFields::hmget(requests[n].incident_id)});
    if (!requests[n].case_hint.empty()) {
      hint_at[n] = reads.size();
      reads.push_back({nullptr,
                       {},
                       {"HMGET", store::case_key(requests[n].case_hint), "casemanager",
                        "previous_casemanager"}});
    }
  }
  RedisCaseload caseload(*redis);
  std::vector<std::string> read_ahead;  // whose caseload, one per call after the reads
  const auto plain_reads = reads.size();
  {
    std::vector<std::string> people;
    std::set<std::string_view> regions;
    for (const auto& r : requests)
      if (!r.region_hint.empty() && regions.insert(r.region_hint).second)
        for (auto& p : i.selector.candidates(rota::SelectionRequest{r.region_hint, {}, now}))
          people.push_back(std::move(p));
    for (auto& call : caseload.calls_for(people, read_ahead)) reads.push_back(std::move(call));
  }
  const auto outcomes = redis->eval_pipeline(reads);
  caseload.accept(read_ahead, std::span(outcomes).subspan(plain_reads));
  std::vector<common::RedisReply> replies;
  replies.reserve(plain_reads);
  for (std::size_t k = 0; k < plain_reads; ++k) replies.push_back(outcomes[k].value());
  std::vector<Item> items;
  std::vector<const common::RedisReply*> case_fields;  // per item
  std::vector<std::size_t> unhinted;                   // items whose case was not read
  std::size_t at = 0;
  for (std::size_t n = 0; n < requests.size(); ++n, ++at) {
    const auto inc = store::DispatchIncidentFields::parse(replies.at(at).element_optionals());
    if (hint_at[n] != 0) ++at;
    if (!inc) {
      out[n].result = {Kind::unknown_incident, {}, {}, {}};
      continue;
    }
    if (inc->status != "accepted") {
      i.duplicates.Increment();
      out[n].result = {Kind::already_dispatched, {}, {}, {}};
      continue;
    }
    Item item;
    item.index = n;
    item.incident_id = requests[n].incident_id;
    item.case_id = inc->case_id;
    item.kind = common::parse_incident_kind(inc->kind);
    item.region = inc->region;
    try {
      item.reported_at = common::from_epoch_ms(std::stoll(inc->reported_at));
    } catch (const std::exception&) {
      out[n].error = std::make_exception_ptr(
          std::runtime_error("incident " + item.incident_id + ": no valid reported_at"));
      continue;
    }
    const bool hinted = hint_at[n] != 0 && item.case_id == requests[n].case_hint;
    case_fields.push_back(hinted ? &replies.at(hint_at[n]) : nullptr);
    if (!hinted) unhinted.push_back(items.size());
    items.push_back(std::move(item));
  }
  // The cases no hint named (or named wrongly): one more round trip.
  std::vector<common::RedisReply> more;
  if (!unhinted.empty()) {
    std::vector<std::vector<std::string>> case_reads;
    for (const auto k : unhinted)
      case_reads.push_back(
          {"HMGET", store::case_key(items[k].case_id), "casemanager", "previous_casemanager"});
    more = redis->pipeline(case_reads);
    for (std::size_t u = 0; u < unhinted.size(); ++u) case_fields[unhinted[u]] = &more[u];
  }
  // The selection's requests; code red first, the rest as given.
  for (std::size_t k = 0; k < items.size(); ++k) {
    const auto& fields = *case_fields[k];
    const auto field = [&](std::size_t n) -> std::optional<std::string> {
      if (fields.elements.size() <= n) return std::nullopt;
      auto v = fields.elements[n].opt_string();
      if (v && v->empty()) return std::nullopt;
      return v;
    };
    auto& r = items[k].request;
    r = rota::SelectionRequest{items[k].region, field(0), now};
    // A returning family's new case: offered first to the earlier casemanager.
    if (!r.own_casemanager) r.previous_casemanager = field(1);
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return kind_rank(a.kind) < kind_rank(b.kind);
  });

  // Every candidate's caseload not read ahead, in one round trip (none when the hints held).
  {
    std::vector<std::string> people;
    for (const auto& item : items)
      for (auto& p : i.selector.candidates(item.request)) people.push_back(std::move(p));
    caseload.prefetch(people);
  }

  // The pure part, per incident in order: whom, and the commit's arguments.
  // A case assigned here counts for the incidents after it (as if committed).
  struct Planned {
    Item* item;
    const rota::PersonConfig* person;
    rota::Selection selection;
    bool assign;
    store::DispatchIncidentArgs args;
  };
  std::vector<Planned> planned;
  std::map<std::string, std::string> assigned_cases;  // case -> casemanager, in this batch
  const auto now_ms = common::to_epoch_ms(now);
  for (auto& item : items) {
    auto& request = item.request;
    if (!request.own_casemanager) {
      if (auto it = assigned_cases.find(item.case_id); it != assigned_cases.end()) {
        request.own_casemanager = it->second;
        request.previous_casemanager.reset();
      }
    }
    const auto selection = i.selector.select(request, caseload);
    if (!selection || !item.kind) {
      i.nobody.Increment();
      spdlog::error("incident {}: nobody to page in region {}", item.incident_id, item.region);
      out[item.index].result = {Kind::nobody_to_page, {}, {}, {}};
      continue;
    }
    const auto* person = i.directory.person(selection->person_id);
    if (!person) {
      i.nobody.Increment();
      spdlog::error("incident {}: selected person {} is not configured", item.incident_id,
                    selection->person_id);
      out[item.index].result = {Kind::nobody_to_page, {}, {}, {}};
      continue;
    }
    // The case gets a casemanager when it has none and a casemanager was chosen.
    const bool assign = !request.own_casemanager && person->role == rota::StaffRole::casemanager;
    try {
      auto args = i.commit_args(item, *selection, *person, assign, now_ms, caseload);
      if (assign) {
        caseload.count_assigned(person->id);
        assigned_cases[item.case_id] = person->id;
      }
      planned.push_back({&item, person, *selection, assign, std::move(args)});
    } catch (const std::exception&) {
      out[item.index].error = std::current_exception();
    }
  }

  // One round trip for every commit; a page id or reply code that was taken
  // is retried for that incident alone, with new ones.
  std::vector<common::RedisScriptCall> calls;
  for (const auto& p : planned) calls.push_back({&script(), {}, p.args.args()});
  const auto committed = redis->eval_pipeline(calls);
  common::fault_point("dispatch.after_commit");  // pages made, notify not yet told
  // One line per batch (the logger flushes on every info line): each
  // incident's page, person and rule, as one incident alone logged it.
  std::vector<std::string> lines;
  const auto log_lines = [&lines] {
    if (lines.size() == 1) {
      spdlog::info("{}", lines[0]);
    } else if (!lines.empty()) {
      spdlog::info("dispatched {} incidents: {}", lines.size(), fmt::join(lines, " | "));
    }
  };
  for (std::size_t k = 0; k < planned.size(); ++k) {
    auto& p = planned[k];
    auto& o = out[p.item->index];
    try {
      auto reply = committed[k].value();
      std::optional<store::DispatchIncidentReply> r;
      for (int attempt = 0;; ++attempt) {
        r = store::DispatchIncidentReply::parse(reply.element_strings());
        if (!r) throw std::runtime_error("unexpected reply from the dispatch script");
        if (r->kind != store::DispatchIncidentReply::Kind::ack_collision) break;
        if (attempt >= 7) throw std::runtime_error("could not allocate a unique page id");
        p.args = i.commit_args(*p.item, p.selection, *p.person, p.assign, now_ms, caseload);
        reply = redis->eval(script(), {}, p.args.args());
      }
      using R = store::DispatchIncidentReply::Kind;
      if (r->kind == R::missing) {
        o.result = {Kind::unknown_incident, {}, {}, {}};
        continue;
      }
      if (r->kind == R::already) {
        i.duplicates.Increment();
        o.result = {Kind::already_dispatched, r->page_id, {}, {}};
        continue;
      }
      const auto& a = p.args;
      i.dispatched.Increment();
      i.latency.Observe(std::chrono::duration<double>(i.transport_clock.now() - started).count());
      auto line = fmt::format("incident {} of case {}: page {} to {} ({})", a.incident_id,
                              a.case_id, a.page.page_id, a.page.person, a.rule);
      if (i.on_page) i.on_page(a.page.page_id, r->payload);
      if (i.on_page && !a.inform.person.empty()) {
        line += fmt::format("; own casemanager {} informed (page {})", a.inform.person,
                            a.inform.page_id);
        i.on_page(a.inform.page_id, r->inform_payload);
      }
      if (i.on_page && !r->capacity_payload.empty()) {
        spdlog::warn(
            "region {}: every on-call casemanager at caseload cap; team lead {} paged ({})",
            a.region, a.lead.person, a.lead.page_id);
        i.on_page(a.lead.page_id, r->capacity_payload);
      }
      lines.push_back(std::move(line));
      o.result = {Kind::dispatched, a.page.page_id, a.page.person, p.selection.rule};
    } catch (const common::RedisIoError&) {
      log_lines();
      throw;  // the connection is gone: which commits ran is unknown; all come again
    } catch (const std::exception&) {
      o.error = std::current_exception();
    }
  }
  log_lines();
  i.batch_latency.Observe(std::chrono::duration<double>(i.transport_clock.now() - started).count());
  return out;
}

bool Dispatcher::handle_message(std::string_view channel, std::string_view id,
                                std::string_view payload) {
  const common::InboxMessage message{channel, id, payload};
  return handle_batch({&message, 1}).at(0);
}

std::vector<bool> Dispatcher::handle_batch(std::span<const common::InboxMessage> messages) {
  // The message id is the incident id; the payload's case id and region are hints that
  // save round trips. Redis is the record.
  std::vector<bool> done(messages.size(), true);
  std::vector<Request> requests;
  std::vector<std::size_t> of;  // request -> message
  for (std::size_t n = 0; n < messages.size(); ++n) {
    const auto& m = messages[n];
    if (m.channel != "dispatch" || !common::is_incident_id(m.id)) {
      spdlog::warn("dispatch: message with unexpected channel or id dropped");
      continue;
    }
    auto [case_hint, region_hint] = message_hints(m.payload);
    requests.push_back({std::string(m.id), std::move(case_hint), std::move(region_hint)});
    of.push_back(n);
  }
  // Acts only on an incident still `accepted` (checked again inside the
  // commit script); any other message changes nothing and is counted
  // (piket_dispatch_incidents_total{outcome="duplicate"}).
  const auto outcomes = dispatch_batch(requests);
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    const auto& o = outcomes[k];
    const auto& id = requests[k].incident_id;
    if (o.error) {
      if (messages.size() == 1) std::rethrow_exception(o.error);
      try {
        std::rethrow_exception(o.error);
      } catch (const std::exception& e) {
        spdlog::warn("inbox: message {} not handled yet: {}", id, e.what());
      }
      done[of[k]] = false;
      continue;
    }
    if (o.result.kind == DispatchResult::Kind::unknown_incident)
      spdlog::warn("dispatch: unknown incident {} acknowledged without action", id);
    if (o.result.kind == DispatchResult::Kind::already_dispatched)
      spdlog::info("dispatch: message for incident {} ignored: it is no longer accepted", id);
    done[of[k]] = o.result.kind != DispatchResult::Kind::nobody_to_page;
  }
  return done;
}

}  // namespace piket::dispatch
