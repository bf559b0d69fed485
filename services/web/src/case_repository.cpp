#include "piket/web/case_repository.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <regex>
#include <set>

#include "piket/access/case_facts_reader.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"

namespace piket::web {
namespace {

std::int64_t to_ms(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

std::optional<std::int64_t> opt_ms(const common::RedisReply& r) {
  if (auto s = r.opt_string(); s && !s->empty()) return to_ms(*s);
  return std::nullopt;
}

std::string str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<boost::json::object> parse_timeline(const common::RedisReply& r) {
  std::vector<boost::json::object> out;
  out.reserve(r.elements.size());
  for (const auto& e : r.elements) {
    boost::system::error_code ec;
    auto v = boost::json::parse(e.str, ec);
    if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
  }
  return out;
}

// Everyone a page of the case was addressed to, from the timeline (which
// cases to look at for a person; need to know decides on CaseFacts).
std::vector<std::string> paged_people(const std::vector<boost::json::object>& timeline) {
  std::set<std::string> people;
  for (const auto& e : timeline) {
    if (!e.if_contains("page")) continue;
    const auto type = str(e, "type");
    if (type == "deadline_fired") {  // the deadline engine's page goes "to" someone
      if (auto to = str(e, "to"); !to.empty()) people.insert(to);
    } else if (type == "paged" || type == "page_undeliverable" || type == "escalated") {
      if (auto p = str(e, "person"); !p.empty()) people.insert(p);
    }
  }
  return {people.begin(), people.end()};
}

std::int64_t at_of(const boost::json::object& e) {
  const auto* v = e.if_contains("at");
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v && v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return 0;
}

CaseSummary summary_from(const std::string& id, const common::RedisReply& h,
                         const std::vector<boost::json::object>& timeline,
                         const std::string& first_kind) {
  // h: HMGET region phase state casemanager opened_at
  CaseSummary s;
  s.id = id;
  s.region = h.elements[0].str;
  s.phase = h.elements[1].str;
  s.state = h.elements[2].str;
  s.casemanager = h.elements[3].str;
  s.opened_at = to_ms(h.elements[4].str);
  s.kind = first_kind;
  for (const auto& e : timeline) s.last_activity_at = std::max(s.last_activity_at, at_of(e));
  return s;
}

std::string first_incident_kind(const std::vector<boost::json::object>& timeline) {
  for (const auto& e : timeline)
    if (str(e, "type") == "incident_accepted") return str(e, "kind");
  return {};
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    const auto end = s.find(' ', at);
    auto w = s.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (!w.empty() && is_case_id(w)) out.push_back(std::move(w));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

const std::vector<std::string> kCaseFields{"region", "phase", "state", "casemanager", "opened_at"};

std::vector<std::string> hmget(const std::string& key, const std::vector<std::string>& fields) {
  std::vector<std::string> cmd{"HMGET", key};
  cmd.insert(cmd.end(), fields.begin(), fields.end());
  return cmd;
}

}  // namespace

CaseRepository::CaseRepository(common::RedisPool& redis) : redis_(redis) {}

std::optional<CaseFacts> CaseRepository::facts(const std::string& case_id,
                                               const std::string& person) {
  if (!is_case_id(case_id)) return std::nullopt;
  auto lease = redis_.lease();
  return access::read_case_facts(*lease, case_id, person);
}

std::optional<CaseRecord> CaseRepository::load(const std::string& case_id,
                                               const std::string& person) {
  if (!is_case_id(case_id)) return std::nullopt;
  auto lease = redis_.lease();
  auto r = lease->pipeline(
      {hmget(store::case_key(case_id), kCaseFields),
       {"LRANGE", store::case_timeline_key(case_id), "0", "-1"},
       {"LRANGE", store::case_incidents_key(case_id), "0", "-1"},
       {"HMGET", store::case_key(case_id), "previous_cases", "joined_cases", "merged_into"}});
  const auto& h = r.at(0);
  if (h.elements.size() != kCaseFields.size() || h.elements[0].is_nil()) return std::nullopt;
  CaseRecord c;
  c.timeline = parse_timeline(r.at(1));
  c.summary = summary_from(case_id, h, c.timeline, first_incident_kind(c.timeline));
  auto facts = access::read_case_facts(*lease, case_id, person);
  if (!facts) return std::nullopt;
  c.facts = std::move(*facts);
  const auto& fam = r.at(3).elements;
  if (fam.size() == 3) {
    c.family.previous_cases = words(fam[0].str);
    c.family.joined_cases = words(fam[1].str);
    c.family.merged_into = fam[2].str;
  }
  // The timelines of the cases joined into this one (and into those).
  std::vector<std::string> joined = c.family.joined_cases;
  for (std::size_t i = 0; i < joined.size() && i < 64; ++i) {
    auto more = lease->pipeline({{"LRANGE", store::case_timeline_key(joined[i]), "0", "-1"},
                                 {"HGET", store::case_key(joined[i]), "joined_cases"}});
    for (auto& e : parse_timeline(more.at(0))) {
      e["case"] = joined[i];
      c.timeline.push_back(std::move(e));
    }
    for (auto& j : words(more.at(1).str)) joined.push_back(std::move(j));
  }
  if (!c.family.joined_cases.empty())
    std::stable_sort(c.timeline.begin(), c.timeline.end(),
                     [](const auto& a, const auto& b) { return at_of(a) < at_of(b); });
  std::vector<std::vector<std::string>> reads;
  for (const auto& inc : r.at(2).elements)
    reads.push_back(hmget(store::incident_key(inc.str),
                          {"kind", "reported_at", "accepted_at", "ban_ends_at", "body"}));
  auto incidents = reads.empty() ? std::vector<common::RedisReply>{} : lease->pipeline(reads);
  for (std::size_t i = 0; i < incidents.size(); ++i) {
    const auto& x = incidents[i];
    if (x.elements.size() != 5 || x.elements[0].is_nil()) continue;
    IncidentDetail d;
    d.id = r.at(2).elements[i].str;
    d.kind = x.elements[0].str;
    d.reported_at = to_ms(x.elements[1].str);
    d.accepted_at = to_ms(x.elements[2].str);
    d.ban_ends_at = opt_ms(x.elements[3]);
    boost::system::error_code ec;
    auto body = boost::json::parse(x.elements[4].str, ec);
    if (!ec && body.is_object()) d.body = std::move(body.as_object());
    c.incidents.push_back(std::move(d));
  }
  std::vector<std::string> page_ids;
  for (const auto& e : c.timeline)
    if (auto p = str(e, "page");
        is_page_id(p) && std::find(page_ids.begin(), page_ids.end(), p) == page_ids.end())
      page_ids.push_back(p);
  c.pages = pages(page_ids);
  return c;
}

std::vector<PageSummary> CaseRepository::pages(const std::vector<std::string>& page_ids) {
  std::vector<PageSummary> out;
  if (page_ids.empty()) return out;
  const std::vector<std::string> fields{"case", "incident",   "person",          "state",
                                        "rule", "created_at", "acknowledged_at", "declined_at",
                                        "info"};
  std::vector<std::vector<std::string>> reads;
  for (const auto& id : page_ids) reads.push_back(hmget(store::page_key(id), fields));
  auto lease = redis_.lease();
  auto r = lease->pipeline(reads);
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto& x = r[i];
    if (x.elements.size() != fields.size() || x.elements[2].is_nil()) continue;
    PageSummary p;
    p.id = page_ids[i];
    p.case_id = x.elements[0].str;
    p.incident = x.elements[1].str;
    p.person = x.elements[2].str;
    p.state = x.elements[3].str;
    p.rule = x.elements[4].str;
    p.created_at = to_ms(x.elements[5].str);
    p.acknowledged_at = opt_ms(x.elements[6]);
    p.declined_at = opt_ms(x.elements[7]);
    p.info = x.elements[8].str == "1";
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<CaseSummary> CaseRepository::open_cases(const std::string& region) {
  auto lease = redis_.lease();
  auto ids = lease->command({"SMEMBERS", std::string(store::kCasesOpen)});
  std::vector<std::string> case_ids;
  for (const auto& e : ids.elements)
    if (is_case_id(e.str)) case_ids.push_back(e.str);
  std::sort(case_ids.begin(), case_ids.end());
  std::vector<std::vector<std::string>> reads;
  for (const auto& id : case_ids) {
    reads.push_back(hmget(store::case_key(id), kCaseFields));
    reads.push_back({"LRANGE", store::case_timeline_key(id), "0", "-1"});
  }
  std::vector<CaseSummary> out;
  if (reads.empty()) return out;
  auto r = lease->pipeline(reads);
  for (std::size_t i = 0; i < case_ids.size(); ++i) {
    const auto& h = r[2 * i];
    if (h.elements.size() != kCaseFields.size() || h.elements[0].is_nil()) continue;
    if (!region.empty() && h.elements[0].str != region) continue;
    const auto timeline = parse_timeline(r[2 * i + 1]);
    out.push_back(summary_from(case_ids[i], h, timeline, first_incident_kind(timeline)));
  }
  return out;
}

std::vector<std::string> CaseRepository::cases_of(const std::string& person) {
  auto lease = redis_.lease();
  auto ids = lease->command({"SMEMBERS", std::string(store::kCasesOpen)});
  std::vector<std::string> case_ids;
  for (const auto& e : ids.elements)
    if (is_case_id(e.str)) case_ids.push_back(e.str);
  std::sort(case_ids.begin(), case_ids.end());
  std::vector<std::vector<std::string>> reads;
  for (const auto& id : case_ids) {
    reads.push_back({"HGET", store::case_key(id), "casemanager"});
    reads.push_back({"LRANGE", store::case_timeline_key(id), "0", "-1"});
  }
  std::vector<std::string> out;
  if (reads.empty()) return out;
  auto r = lease->pipeline(reads);
  for (std::size_t i = 0; i < case_ids.size(); ++i) {
    const bool own = r[2 * i].opt_string() == person;
    const auto paged = paged_people(parse_timeline(r[2 * i + 1]));
    if (own || std::find(paged.begin(), paged.end(), person) != paged.end())
      out.push_back(case_ids[i]);
  }
  return out;
}

std::vector<std::pair<CaseSummary, std::vector<boost::json::object>>> CaseRepository::history(
    const std::string& region, std::size_t max_cases) {
  auto lease = redis_.lease();
  std::vector<std::string> case_ids;
  std::string cursor = "0";
  do {
    auto r = lease->command({"SCAN", cursor, "MATCH", store::case_scan_pattern(), "COUNT", "1000"});
    if (r.elements.size() != 2) break;
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements) {
      auto id = store::case_id_of_key(k.str);
      if (is_case_id(id)) case_ids.push_back(std::move(id));
    }
  } while (cursor != "0" && case_ids.size() < max_cases);
  std::sort(case_ids.begin(), case_ids.end());
  std::vector<std::pair<CaseSummary, std::vector<boost::json::object>>> out;
  constexpr std::size_t batch = 200;
  for (std::size_t from = 0; from < case_ids.size(); from += batch) {
    std::vector<std::vector<std::string>> reads;
    const auto to = std::min(case_ids.size(), from + batch);
    for (auto i = from; i < to; ++i) {
      reads.push_back(hmget(store::case_key(case_ids[i]), kCaseFields));
      reads.push_back({"LRANGE", store::case_timeline_key(case_ids[i]), "0", "-1"});
    }
    auto r = lease->pipeline(reads);
    for (auto i = from; i < to; ++i) {
      const auto& h = r[2 * (i - from)];
      if (h.elements.size() != kCaseFields.size() || h.elements[0].is_nil()) continue;
      if (h.elements[0].str != region) continue;
      auto timeline = parse_timeline(r[2 * (i - from) + 1]);
      auto s = summary_from(case_ids[i], h, timeline, first_incident_kind(timeline));
      out.emplace_back(std::move(s), std::move(timeline));
    }
  }
  return out;
}

}  // namespace piket::web
