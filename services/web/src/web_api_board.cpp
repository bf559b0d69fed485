// The team lead's board of a region, and its charts.
#include <algorithm>
#include <map>

#include "piket/dispatch/capacity_alert.hpp"
#include "piket/dispatch/redis_caseload.hpp"
#include "piket/paging/page_answer.hpp"
#include "piket/paging/reply_code.hpp"
#include "piket/rota/selection.hpp"
#include "piket/store/case_record.hpp"
#include "piket/web/access_policy.hpp"
#include "piket/web/chain_stalls.hpp"
#include "piket/web/charts.hpp"
#include "piket/web/labels.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {
namespace {

// The caseload cap as a coverage problem (dispatch/capacity_alert.hpp):
// now, every on-call primary casemanager at their cap; and what dispatch
// noted — since when, how many incidents went past the on-call layer.
json::object capacity_json(WebContext& w, const std::string& region, const RotaPicture& rota,
                           const std::map<std::string, double>& load) {
  bool any = false, all_at_cap = true;
  for (const auto& l : rota.now) {
    if (l.layer != "primary") continue;
    for (const auto& id : l.people) {
      const auto* p = w.person(id);
      const auto it = load.find(id);
      if (!p || it == load.end()) continue;
      any = true;
      all_at_cap = all_at_cap && it->second >= p->caseload_cap;
    }
  }
  json::object o{{"on_call_at_cap", any && all_at_cap},
                 {"since", nullptr},
                 {"past_on_call", 0},
                 {"episodes", 0}};
  auto lease = w.d.redis.lease();
  const auto r = lease->pipeline({{"HMGET", store::capacity_key(region), "since", "past_on_call"},
                                  {"LLEN", store::capacity_history_key(region)}});
  if (r.at(0).elements.size() == 2 && !r.at(0).elements[0].is_nil()) {
    o["since"] = std::stoll(r.at(0).elements[0].str);
    o["past_on_call"] = std::stoll(r.at(0).elements[1].opt_string().value_or("0"));
  }
  o["episodes"] = r.at(1).integer;
  return o;
}

// Families that came back (a new case within a year of their earlier case
// closing), counted over the last twelve months (ingest's acceptance
// script keeps `returns:{region}`).
json::object returning_json(WebContext& w, const std::string& region, common::Instant now) {
  const auto since = ms(now - std::chrono::hours{24 * 365});
  auto lease = w.d.redis.lease();
  const auto n =
      lease->command({"ZCOUNT", store::returns_key(region), std::to_string(since), "+inf"});
  return json::object{{"within_year", n.integer}, {"window_days", 365}};
}

// Where the chain stalls (chain_stalls.hpp): per chain partner of the region,
// its overdue agreements over the region's open cases (a case stays open
// through its year of monitoring) and its referrals' waiting time over the
// last year's referrals of the region, closed cases too; and the
// overdue agreements themselves — case, partner, category and due time, never
// the text.
json::object chain_json(WebContext& w, const std::string& region,
                        const std::vector<std::string>& ids, common::Instant now) {
  const auto choices = w.d.cases.agreement_choices(region);
  // Waiting times over the region's referrals of the last year, closed cases too.
  const auto finished = w.d.cases.referral_waits(
      region, now - std::chrono::hours{24 * store::kReferralWaitWindowDays});
  const auto s = chain_stalls(w.d.cases.agreements(ids), choices.partners, region, now, finished);
  const auto opt_ms = [](const std::optional<common::Millis>& d) {
    return d ? json::value(d->count()) : json::value(nullptr);
  };
  json::array partners, overdue;
  for (const auto& p : s.partners)
    partners.push_back(json::object{
        {"id", p.partner.id},
        {"name", p.partner.name},
        {"kind", p.partner.kind},
        {"open", p.open},
        {"overdue", p.overdue},
        {"missed", p.missed},
        {"started", p.started},
        {"median_wait_ms", opt_ms(p.median_wait)},
        {"p90_wait_ms", opt_ms(p.p90_wait)},
        {"oldest_due", p.oldest_due ? json::value(ms(*p.oldest_due)) : json::value(nullptr)}});
  for (const auto& a : s.overdue)
    overdue.push_back(json::object{{"case", a.case_id},
                                   {"agreement", a.id},
                                   {"who", a.who},
                                   {"partner_name", a.partner_name},
                                   {"category", a.category},
                                   {"track", a.track},
                                   {"due_at", ms(a.due)}});
  return json::object{{"partners", partners}, {"overdue", overdue}};
}

}  // namespace

json::object clock_json(const ClockView& k, const CaseSummary* s) {
  json::object o{{"case", k.case_id},      {"clock", k.clock}, {"label", k.label},
                 {"due_at", ms(k.due_at)}, {"state", k.state}, {"recipient", k.recipient}};
  if (!k.incident.empty()) {  // clocks per incident: which incident the clock answers
    o["incident"] = k.incident;
    o["incident_kind"] = kind_label(k.incident_kind);
    o["incident_kind_id"] = k.incident_kind;
    o["incident_at"] = ms(k.incident_at);
  }
  if (!k.track.empty()) o["track"] = k.track;  // a track clock: which track (a role)
  if (s) {
    o["casemanager"] = s->casemanager;
    o["phase"] = phase_label(s->phase);
    o["phase_id"] = s->phase;
    o["kind"] = kind_label(s->kind);
    o["kind_id"] = s->kind;
  }
  return o;
}

HttpResponse board(WebContext& w, Request& r) {
  const auto& d = w.d;
  auto region = std::string(query_param(r.req.query, "region"));
  if (region.empty()) region = default_region(*r.who);
  if (auto dec = may_view_region(*r.who, region); !dec)
    return refuse(w, r, 403, "forbidden", "not allowed to see this board", region, dec.reason);
  const auto now = d.domain_clock.now();
  const auto open = w.repo.open_cases(region);
  std::map<std::string, const CaseSummary*> by_id;
  std::vector<std::string> ids;
  for (const auto& s : open) {
    by_id[s.id] = &s;
    ids.push_back(s.id);
  }
  json::array clocks;
  json::array long_overdue;  // the strip counts these with the live view's overdue
  for (const auto& k : d.cases.clocks(ids, now)) {
    auto it = by_id.find(k.case_id);
    clocks.push_back(clock_json(k, it == by_id.end() ? nullptr : it->second));
    if (is_long_clock(k.clock) && k.state == "overdue")
      long_overdue.push_back(
          json::object{{"case", k.case_id}, {"clock", k.clock}, {"due_at", ms(k.due_at)}});
  }
  json::array escalations;
  for (const auto& e : d.cases.open_escalations(region))
    escalations.push_back(json::object{{"id", e.id},
                                       {"case", e.case_id},
                                       {"clock", e.clock},
                                       {"why", e.why},
                                       {"label", e.label},
                                       {"at", ms(e.at)},
                                       {"to", e.to}});
  json::array unanswered;
  for (const auto& p : d.cases.unanswered_pages(region))
    unanswered.push_back(
        json::object{{"id", p.id}, {"case", p.case_id}, {"person", p.person}, {"at", ms(p.at)}});
  const auto rota = d.rota.picture(region, now, 14);
  json::array on_call, handoffs, gaps, overrides;
  for (const auto& l : rota.now) {
    json::array people(l.people.begin(), l.people.end());
    json::object o{{"layer", l.layer}, {"people", people}};
    // Staff numbers from the configuration, for tap-to-call; never a client's.
    json::object phones;
    for (const auto& id : l.people)
      if (const auto* p = d.directory.person(id); p && !p->phone.empty()) phones[id] = p->phone;
    o["phones"] = std::move(phones);
    o["until"] = l.until ? json::value(ms(*l.until)) : json::value(nullptr);
    on_call.push_back(std::move(o));
  }
  for (const auto& h : rota.handoffs)
    handoffs.push_back(json::object{
        {"layer", h.layer}, {"person", h.person}, {"at", ms(h.at)}, {"goes_on", h.goes_on}});
  for (const auto& g : rota.gaps)
    gaps.push_back(json::object{{"layer", g.layer}, {"from", ms(g.from)}, {"until", ms(g.until)}});
  for (const auto& o : rota.overrides)
    overrides.push_back(json::object{{"id", o.id},
                                     {"layer", o.layer},
                                     {"reason", o.reason},
                                     {"person", o.person},
                                     {"replaces", o.replaces},
                                     {"start", ms(o.start)},
                                     {"end", ms(o.end)},
                                     {"by", o.by}});
  json::array caseload, people;
  std::map<std::string, double> load;  // weighted caseload per casemanager (the cap's count)
  {
    auto lease = d.redis.lease();
    dispatch::RedisCaseload counts(*lease);
    const double weight = d.caseload.monitoring_weight;
    for (const auto& p : d.directory.people) {
      if (std::find(p.regions.begin(), p.regions.end(), region) == p.regions.end()) continue;
      if (p.role == rota::StaffRole::admin) continue;
      people.push_back(json::object{
          {"id", p.id}, {"name", p.display_name}, {"role", to_string(role_of(p.role))}});
      if (p.role != rota::StaffRole::casemanager) continue;
      load[p.id] = rota::weighted_caseload(counts, p.id, weight);
      caseload.push_back(json::object{{"person", p.id},
                                      {"open", counts.open_cases(p.id)},
                                      {"monitoring", counts.monitoring_cases(p.id)},
                                      {"load", load[p.id]},
                                      {"cap", p.caseload_cap}});
    }
  }
  const auto capacity = capacity_json(w, region, rota, load);
  const auto returning = returning_json(w, region, now);
  json::array cases;
  for (const auto& s : open)
    cases.push_back(json::object{{"id", s.id},
                                 {"casemanager", s.casemanager},
                                 {"phase", phase_label(s.phase)},
                                 {"phase_id", s.phase},
                                 {"kind", kind_label(s.kind)},
                                 {"kind_id", s.kind}});
  json::array regions;
  for (const auto& id : r.who->regions) {
    const auto* reg = d.directory.region(id);
    regions.push_back(
        json::object{{"id", id}, {"name", reg && !reg->name.empty() ? reg->name : id}});
  }
  // Numbers locked out of SMS answers after wrong reply codes (inbound):
  // the team lead knows to expect answers in the app, or a phone in wrong hands.
  json::array sms_locked;
  {
    auto lease = d.redis.lease();
    for (const auto& l : paging::locked_numbers(*lease, now)) {
      const auto* p = d.directory.person(l.person);
      if (!p || std::find(p->regions.begin(), p->regions.end(), region) == p->regions.end())
        continue;
      sms_locked.push_back(json::object{
          {"person", l.person}, {"number", paging::mask_phone(p->phone)}, {"until", ms(l.until)}});
    }
  }
  // A family's messages nobody picked up yet (issue 18), per case with their
  // time (the app shows the age, urgent first); never the text.
  json::array family;
  for (const auto& s : open)
    for (const auto& m : w.repo.family_messages(s.id))
      if (m.state != "acknowledged")
        family.push_back(json::object{{"case", s.id},
                                      {"message", m.id},
                                      {"at", m.at},
                                      {"urgent", m.urgent},
                                      {"state", m.state}});
  const auto chain = chain_json(w, region, ids, now);
  const auto* reg = d.directory.region(region);
  allowed(w, r, region, std::to_string(open.size()) + " open cases");
  return json_response(json::object{{"region", region},
                                    {"region_name", reg && !reg->name.empty() ? reg->name : region},
                                    {"regions", regions},
                                    {"now", ms(now)},
                                    {"clocks", clocks},
                                    {"long_overdue", long_overdue},
                                    {"escalations", escalations},
                                    {"unanswered", unanswered},
                                    {"on_call", on_call},
                                    {"handoffs", handoffs},
                                    {"gaps", gaps},
                                    {"overrides", overrides},
                                    {"caseload", caseload},
                                    {"capacity", capacity},
                                    {"returning", returning},
                                    {"people", people},
                                    {"cases", cases},
                                    {"sms_locked", sms_locked},
                                    {"family", family},
                                    {"chain", chain}});
}

HttpResponse charts(WebContext& w, Request& r) {
  auto region = std::string(query_param(r.req.query, "region"));
  if (region.empty()) region = default_region(*r.who);
  if (auto dec = may_view_region(*r.who, region); !dec)
    return refuse(w, r, 403, "forbidden", "not allowed to see this region", region, dec.reason);
  std::vector<CaseHistory> history;
  for (auto& [summary, timeline] : w.repo.history(region))
    history.push_back({summary.id, std::move(timeline)});
  const auto now = w.d.domain_clock.now();
  auto o = to_json(compute_charts(history, now));
  o["now"] = ms(now);
  allowed(w, r, region, "charts over " + std::to_string(history.size()) + " cases");
  return json_response(o);
}

}  // namespace piket::web::api
