// Join and split of two cases of one family (issue 11, item 7) over a real
// redis-server (label redis), through the case API: the incidents, household
// keys, clocks and timelines become one case; the partner's view of an
// incident (what GET /v1/incidents/{id} answers) follows; no deadline step
// is taken twice; a split restores what it says it restores; and every
// refusal changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "piket/cases/agreement_record.hpp"
#include "piket/cases/case_family.hpp"
#include "piket/cases/cases_api.hpp"
#include "piket/cases/track_record.hpp"
#include "piket/config/config.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "redis_fixture.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::at;

// Posts an incident through ingest's real acceptance script for `partner`.
test::Opened accept(ingest::RedisIncidentStore& store, const std::string& partner,
                    const std::string& reference, const std::string& household,
                    common::Instant accepted_at, const std::string& kind = "code_red") {
  std::string body = R"({"reference":")" + reference + R"(","kind":")" + kind +
                     R"(","region":"groningen","reported_at":"2026-11-22T13:55:00+01:00",)" +
                     R"("household":")" + household + "\"";
  if (kind == "home_ban")
    body += R"(,"home_ban":{"starts_at":"2026-11-22T13:40:00+01:00",)"
            R"("ends_at":"2026-12-02T13:40:00+01:00"})";
  body += "}";
  auto parsed = ingest::parse_body(body);
  const auto& value = std::get<boost::json::value>(parsed);
  auto validated = ingest::validate_parsed_incident(value, {"groningen", "drenthe"});
  const auto& request = std::get<ingest::IncidentRequest>(validated);
  ingest::NewIncident n;
  n.partner = partner;
  n.request = &request;
  n.body_hash = common::sha256_hex(ingest::canonical_json(value));
  n.accepted_at = accepted_at;
  n.transport_now = accepted_at;
  const auto out = store.store(n);
  return {out.incident_id, out.case_id};
}

class CaseFamilyTest : public test::CasesRedisTest {
 protected:
  void SetUp() override {
    CasesRedisTest::SetUp();
    // As piket-cases runs: its own Redis user (the join and split scripts use it).
    api_config_ = config_;
    redis_->use_as(api_config_, "cases");
    api_ = std::make_unique<CasesApi>(
        CasesApiDeps{api_config_.redis, api_config_, api_config_.bearer_tokens(), clock_, *store_,
                     rules_, metrics_, [this](const std::string& id) { shell_->settle(id); }});
  }
  common::HttpResponse call(const std::string& method, const std::string& path,
                            const std::string& who, const std::string& body = {}) {
    return api_->handle(test::staff_request(method, path, who, body));
  }
  common::HttpResponse family(const std::string& op, const std::string& survivor,
                              const std::string& other, const std::string& who = "tl-g") {
    return call("POST", "/v1/cases/" + survivor + "/" + op, who,
                R"({"other_case_id":")" + other + R"(","reason":"one family, two reports"})");
  }
  static json::object parse(const common::HttpResponse& r) {
    return json::parse(r.body).as_object();
  }
  static std::string code(const common::HttpResponse& r) {
    return std::string(parse(r).at("error").at("code").as_string());
  }
  std::vector<std::string> list(const std::string& key) {
    std::vector<std::string> out;
    for (auto& e : conn_.command({"LRANGE", key, "0", "-1"}).elements) out.push_back(e.str);
    return out;
  }
  bool member(const std::string& set, const std::string& m) {
    return conn_.command({"SISMEMBER", set, m}).integer == 1;
  }
  std::vector<std::string> timers_of(const std::string& case_id) {
    std::vector<std::string> out;
    for (const auto& m : timers())
      if (m.rfind(case_id + "|", 0) == 0) out.push_back(m);
    return out;
  }
  // The partner's view: GET /v1/incidents/{id} answers this case_id.
  std::string partner_case_of(const std::string& incident) {
    return incidents_.find(incident).value().case_id;
  }
  // Everything of both cases, to show that a refusal changed nothing.
  // Hash fields and set members sorted: their order on the wire may change.
  std::map<std::string, std::vector<std::string>> snapshot() {
    std::map<std::string, std::vector<std::string>> out;
    for (auto& k : conn_.command({"KEYS", "*"}).elements) {
      const auto type = conn_.command({"TYPE", k.str}).str;
      auto& v = out[k.str];
      if (type == "hash") {
        const auto h = conn_.command({"HGETALL", k.str});
        for (std::size_t i = 0; i + 1 < h.elements.size(); i += 2)
          v.push_back(h.elements[i].str + "=" + h.elements[i + 1].str);
        std::sort(v.begin(), v.end());
      } else if (type == "list") {
        for (auto& e : conn_.command({"LRANGE", k.str, "0", "-1"}).elements) v.push_back(e.str);
      } else if (type == "set") {
        for (auto& e : conn_.command({"SMEMBERS", k.str}).elements) v.push_back(e.str);
        std::sort(v.begin(), v.end());
      } else if (type == "zset") {
        for (auto& e : conn_.command({"ZRANGE", k.str, "0", "-1", "WITHSCORES"}).elements)
          v.push_back(e.str);
      } else {
        v.push_back(conn_.command({"GET", k.str}).str);
      }
    }
    return out;
  }

  // Two cases of one family: the police's (icm-1, acknowledged) and Veilig
  // Thuis's (icm-2, never acknowledged), keyed differently.
  void two_reports() {
    police_ = accept(incidents_, "police", "POL-1", "hh-pol-77", t0_, "home_ban");
    test::assign_and_acknowledge(conn_, police_, "icm-1", t0_ + 1s, t0_ + 2min);
    vt_ = accept(incidents_, "veilig-thuis", "VT-1", "vt-4411", t0_ + 30min);
    test::assign_and_acknowledge(conn_, vt_, "icm-2", t0_ + 30min + 1s, std::nullopt);
    shell_->run_due();
  }

  common::Metrics metrics_{"cases-test"};
  config::Config api_config_;
  std::unique_ptr<CasesApi> api_;
  test::Opened police_, vt_;
};

TEST_F(CaseFamilyTest, AJoinMakesOneCaseAndThePartnersSeeTheSurvivor) {
  two_reports();
  // VT reports the family again on its own case (a later incident: its clocks
  // are anchored at its id), and icm-2 goes out for the first report.
  clock_.set(t0_ + 35min);
  const auto vt_again = accept(incidents_, "veilig-thuis", "VT-1B", "vt-4411", clock_.now());
  ASSERT_EQ(vt_again.case_id, vt_.case_id);
  ASSERT_EQ(
      call("POST", "/v1/cases/" + vt_.case_id + "/events", "icm-2", R"({"type":"first_contact"})")
          .status,
      201);
  // Nobody goes out for the second report in 3 hours: that step is taken on VT's case.
  clock_.set(t0_ + 3h + 35min);
  std::vector<Fired> before;
  for (const auto& f : shell_->run_due())
    if (f.case_id == vt_.case_id) before.push_back(f);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].clock, ClockKind::first_contact);
  EXPECT_EQ(before[0].step, "overdue");
  EXPECT_EQ(before[0].key, vt_.case_id + "|first_contact|overdue|" + vt_again.incident_id);

  clock_.set(t0_ + 3h + 40min);
  const auto r = family("join", police_.case_id, vt_.case_id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r).at("case_id").as_string(), police_.case_id);
  EXPECT_EQ(parse(r).at("joined").as_string(), vt_.case_id);
  EXPECT_EQ(parse(r).at("incidents_moved"),
            (json::array{json::value(vt_.incident_id), json::value(vt_again.incident_id)}));
  EXPECT_EQ(parse(r).at("household_keys_moved").as_int64(), 1);

  // Incidents: one case, in acceptance order; the partners see the survivor.
  EXPECT_EQ(list(store::case_incidents_key(police_.case_id)),
            (std::vector<std::string>{police_.incident_id, vt_.incident_id, vt_again.incident_id}));
  EXPECT_EQ(partner_case_of(vt_.incident_id), police_.case_id);
  EXPECT_EQ(partner_case_of(police_.incident_id), police_.case_id);
  // Both household keys point to the survivor: VT's next report joins it.
  EXPECT_EQ(conn_.command({"GET", store::household_key("veilig-thuis", "vt-4411")}).str,
            police_.case_id);
  EXPECT_EQ(conn_.command({"GET", store::household_key("police", "hh-pol-77")}).str,
            police_.case_id);
  // The absorbed case: merged, out of the open cases and icm-2's caseload, no timers.
  EXPECT_EQ(hget(store::case_key(vt_.case_id), "state"), "merged");
  EXPECT_EQ(hget(store::case_key(vt_.case_id), "merged_into"), police_.case_id);
  EXPECT_EQ(hget(store::case_key(police_.case_id), "joined_cases"), vt_.case_id);
  EXPECT_FALSE(member(std::string(store::kCasesOpen), vt_.case_id));
  EXPECT_FALSE(member(store::caseload_key("icm-2"), vt_.case_id));
  EXPECT_TRUE(member(std::string(store::kCasesOpen), police_.case_id));
  EXPECT_TRUE(timers_of(vt_.case_id).empty());
  // The survivor is evaluated again: the absorbed incident's first-contact
  // step was taken already and is not taken again.
  EXPECT_TRUE(member(store::case_fired_key(police_.case_id),
                     police_.case_id + before[0].key.substr(vt_.case_id.size())));
  const auto after = shell_->run_due();
  for (const auto& f : after) ADD_FAILURE() << "taken again after the join: " << f.key;
  // The survivor's clocks cover the joined incident.
  const auto view = call("GET", "/v1/cases/" + police_.case_id, "tl-g");
  ASSERT_EQ(view.status, 200) << view.body;
  bool vt_clock = false;
  const auto case_view = parse(view);
  for (const auto& c : case_view.at("clocks").as_array())
    vt_clock = vt_clock || (c.as_object().contains("incident") &&
                            c.at("incident").as_string() == vt_.incident_id);
  EXPECT_TRUE(vt_clock) << view.body;
  EXPECT_EQ(parse(view).at("joined_cases"), (json::array{json::value(vt_.case_id)}));
  EXPECT_EQ(parse(view).at("home_ban").at("state").as_string(), "in_force");
  // The timelines: the join on both; the survivor's includes the absorbed one's.
  const auto tl = parse(call("GET", "/v1/cases/" + police_.case_id + "/timeline", "tl-g"));
  bool joined = false, absorbed_entry = false;
  for (const auto& e : tl.at("events").as_array()) {
    const auto& o = e.as_object();
    if (o.at("type").as_string() == "case_joined") {
      joined = true;
      EXPECT_EQ(o.at("by").as_string(), store::by_person("tl-g"));
      EXPECT_EQ(o.at("reason").as_string(), "one family, two reports");
    }
    absorbed_entry =
        absorbed_entry || (o.contains("case") && o.at("case").as_string() == vt_.case_id);
  }
  EXPECT_TRUE(joined);
  EXPECT_TRUE(absorbed_entry);
  EXPECT_EQ(json::parse(list(store::case_timeline_key(vt_.case_id)).back()).at("type").as_string(),
            "case_merged");
  // The absorbed case refuses events; it points to the survivor.
  const auto merged = call("GET", "/v1/cases/" + vt_.case_id, "tl-g");
  EXPECT_EQ(parse(merged).at("merged_into").as_string(), police_.case_id);
  const auto refused =
      call("POST", "/v1/cases/" + vt_.case_id + "/events", "tl-g", R"({"type":"first_contact"})");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(code(refused), "case_merged");
  // VT reports again: the joined case.
  const auto again = accept(incidents_, "veilig-thuis", "VT-2", "vt-4411", t0_ + 4h);
  EXPECT_EQ(again.case_id, police_.case_id);
}

TEST_F(CaseFamilyTest, ASplitRestoresIncidentsKeysStateAndWhatTheJoinChanged) {
  two_reports();
  // VT's case is further on: a first contact was recorded there.
  clock_.set(t0_ + 40min);
  ASSERT_EQ(
      call("POST", "/v1/cases/" + vt_.case_id + "/events", "icm-2", R"({"type":"first_contact"})")
          .status,
      201);
  clock_.set(t0_ + 1h);
  ASSERT_EQ(family("join", police_.case_id, vt_.case_id).status, 200);
  // The survivor took the first contact; icm-2's case counts no more.
  EXPECT_EQ(hget(store::case_key(police_.case_id), "phase"), "first_contact");
  EXPECT_FALSE(hget(store::case_key(police_.case_id), "first_contact_at").empty());
  // During the join VT reports once more: it lands on the survivor.
  clock_.set(t0_ + 2h);
  const auto during = accept(incidents_, "veilig-thuis", "VT-2", "vt-4411", clock_.now());
  EXPECT_EQ(during.case_id, police_.case_id);
  // The survivor's clocks take what falls due meanwhile: nobody went out for
  // the report that came during the join (its clocks are anchored at its id).
  clock_.set(t0_ + 5h + 1min);
  std::vector<std::string> taken_for_vt;
  for (const auto& f : shell_->run_due()) {
    EXPECT_EQ(f.case_id, police_.case_id);
    if (f.key.ends_with(during.incident_id) || f.key.ends_with(vt_.incident_id))
      taken_for_vt.push_back(f.key);
  }
  EXPECT_EQ(taken_for_vt, (std::vector<std::string>{police_.case_id + "|first_contact|overdue|" +
                                                    during.incident_id}));

  clock_.set(t0_ + 5h + 30min);
  const auto r = family("split", police_.case_id, vt_.case_id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r).at("split").as_string(), vt_.case_id);
  EXPECT_EQ(parse(r).at("incidents_moved"),
            (json::array{json::value(vt_.incident_id), json::value(during.incident_id)}));
  // Incidents and household keys back where they came from.
  EXPECT_EQ(list(store::case_incidents_key(police_.case_id)),
            std::vector<std::string>{police_.incident_id});
  EXPECT_EQ(list(store::case_incidents_key(vt_.case_id)),
            (std::vector<std::string>{vt_.incident_id, during.incident_id}));
  EXPECT_EQ(partner_case_of(vt_.incident_id), vt_.case_id);
  EXPECT_EQ(partner_case_of(during.incident_id), vt_.case_id);
  EXPECT_EQ(partner_case_of(police_.incident_id), police_.case_id);
  EXPECT_EQ(conn_.command({"GET", store::household_key("veilig-thuis", "vt-4411")}).str,
            vt_.case_id);
  EXPECT_EQ(conn_.command({"GET", store::household_key("police", "hh-pol-77")}).str,
            police_.case_id);
  // The split-off case is open again, with its casemanager and its own progress.
  EXPECT_EQ(hget(store::case_key(vt_.case_id), "state"), "open");
  EXPECT_TRUE(conn_.command({"HGET", store::case_key(vt_.case_id), "merged_into"}).is_nil());
  EXPECT_TRUE(member(std::string(store::kCasesOpen), vt_.case_id));
  EXPECT_TRUE(member(store::caseload_key("icm-2"), vt_.case_id));
  EXPECT_EQ(hget(store::case_key(vt_.case_id), "phase"), "first_contact");
  // What the join gave the survivor, unchanged since, is taken back.
  EXPECT_EQ(hget(store::case_key(police_.case_id), "phase"), "registered");
  EXPECT_TRUE(
      conn_.command({"HGET", store::case_key(police_.case_id), "first_contact_at"}).is_nil());
  EXPECT_TRUE(conn_.command({"HGET", store::case_key(police_.case_id), "joined_cases"}).is_nil());
  // Both run their own clocks again; nothing taken during the join is repeated.
  EXPECT_FALSE(timers_of(vt_.case_id).empty());
  const auto fired = shell_->run_due();
  for (const auto& f : fired)
    EXPECT_FALSE(f.key.ends_with(during.incident_id) || f.key.ends_with(vt_.incident_id))
        << "taken again after the split: " << f.key;
  // Both timelines record the split.
  bool police_split = false;
  for (const auto& e : list(store::case_timeline_key(police_.case_id)))
    police_split = police_split || json::parse(e).at("type") == "case_split";
  EXPECT_TRUE(police_split);
  bool vt_split = false;
  for (const auto& e : list(store::case_timeline_key(vt_.case_id)))
    vt_split = vt_split || json::parse(e).at("type") == "case_split";
  EXPECT_TRUE(vt_split);
  // Events are recorded on it again; a second split is refused.
  EXPECT_EQ(
      call("POST", "/v1/cases/" + vt_.case_id + "/events", "icm-2", R"({"type":"intake"})").status,
      201);
  const auto twice = family("split", police_.case_id, vt_.case_id);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(code(twice), "not_joined");
}

// Issue 16: a join moves the absorbed case's agreements to the survivor in
// the same script — once, numbered on after the survivor's own, each as it is
// with its clock's steps taken — and merges its tracks' records into the
// survivor's; a split moves the agreements back under their own ids and
// gives the survivor its own tracks' records again.
TEST_F(CaseFamilyTest, AgreementsAndTrackRecordsMoveWithAJoinOnceAndBackWithASplit) {
  two_reports();
  clock_.set(t0_ + 40min);
  auto agree = [&](const std::string& case_id, const std::string& who, const std::string& due) {
    return call("POST", "/v1/cases/" + case_id + "/agreements", who,
                R"({"who":"family","category":"appointment","text":"Synthetic text",)"
                R"("track":"victim","due_by":")" +
                    due + R"("})");
  };
  auto track = [&](const std::string& case_id, const std::string& who, const std::string& body) {
    return call("POST", "/v1/cases/" + case_id + "/tracks", who, body).status;
  };
  ASSERT_EQ(agree(police_.case_id, "icm-1", "2026-11-30T12:00:00Z").status, 201);  // A1
  ASSERT_EQ(agree(vt_.case_id, "icm-2", "2026-11-23T12:00:00Z").status, 201);      // A1
  ASSERT_EQ(agree(vt_.case_id, "icm-2", "2026-11-29T12:00:00Z").status, 201);      // A2
  ASSERT_EQ(track(vt_.case_id, "icm-2", R"({"track":"perpetrator","type":"first_contact"})"), 200);
  clock_.set(t0_ + 45min);
  ASSERT_EQ(track(vt_.case_id, "icm-2", R"({"track":"victim","type":"first_contact"})"), 200);
  clock_.set(t0_ + 50min);
  ASSERT_EQ(track(police_.case_id, "icm-1", R"({"track":"victim","type":"first_contact"})"), 200);
  const auto police_victim = hget(store::case_tracks_key(police_.case_id), "victim");
  const auto vt_tracks_before = conn_.command({"HGETALL", store::case_tracks_key(vt_.case_id)});
  auto agreement_steps = [&] {
    std::vector<std::string> out;
    for (const auto& f : shell_->run_due())
      if (f.clock == ClockKind::agreement) out.push_back(f.key);
    return out;
  };
  // VT's A1 goes overdue on its own case.
  clock_.set(at("2026-11-23T12:00:00Z"));
  EXPECT_EQ(agreement_steps(), std::vector<std::string>{vt_.case_id + "|agreement|overdue|A1"});

  clock_.set(at("2026-11-23T13:00:00Z"));
  ASSERT_EQ(family("join", police_.case_id, vt_.case_id).status, 200);
  // Once: on the survivor as A2 and A3, no more on the absorbed case.
  auto agreements = [&](const std::string& case_id) {
    std::map<std::string, Agreement> out;
    const auto h = conn_.command({"HGETALL", store::case_agreements_key(case_id)});
    for (std::size_t i = 0; i + 1 < h.elements.size(); i += 2) {
      const auto a = parse_record_json(h.elements[i + 1].str);
      EXPECT_TRUE(a) << h.elements[i + 1].str;
      if (!a) continue;
      EXPECT_EQ(a->id, h.elements[i].str) << "the record carries its id";
      out.emplace(a->id, *a);
    }
    return out;
  };
  auto joined = agreements(police_.case_id);
  ASSERT_EQ(joined.size(), 3u);
  EXPECT_EQ(joined.at("A1").due, at("2026-11-30T12:00:00Z"));
  EXPECT_EQ(joined.at("A2").due, at("2026-11-23T12:00:00Z"));
  EXPECT_EQ(joined.at("A2").created_by, "person:icm-2");
  EXPECT_EQ(joined.at("A2").text, "Synthetic text");
  EXPECT_EQ(joined.at("A3").due, at("2026-11-29T12:00:00Z"));
  EXPECT_TRUE(agreements(vt_.case_id).empty());
  EXPECT_EQ(json::parse(hget(store::case_key(vt_.case_id), "merged_agreements")),
            (json::object{{"A1", "A2"}, {"A2", "A3"}}));
  const auto joined_entry = json::parse(list(store::case_timeline_key(police_.case_id)).back());
  EXPECT_EQ(joined_entry.at("type"), "case_joined");
  EXPECT_EQ(joined_entry.at("agreements"), (json::object{{"A1", "A2"}, {"A2", "A3"}}));
  // Its step taken stays taken under its new id; its clock runs on the survivor.
  EXPECT_TRUE(
      member(store::case_fired_key(police_.case_id), police_.case_id + "|agreement|overdue|A2"));
  EXPECT_FALSE(
      member(store::case_fired_key(police_.case_id), police_.case_id + "|agreement|overdue|A1"))
      << "the survivor's own A1 is not taken for the absorbed case's";
  EXPECT_TRUE(agreement_steps().empty()) << "the engine looks at the survivor again: nothing due";
  const auto timers = timers_of(police_.case_id);
  for (const auto* t : {"|agreement|overdue|A1", "|agreement|escalate|A2", "|agreement|overdue|A3"})
    EXPECT_NE(std::find(timers.begin(), timers.end(), police_.case_id + t), timers.end()) << t;
  EXPECT_TRUE(timers_of(vt_.case_id).empty());
  // The tracks' records merged: VT's perpetrator, the earlier first contact of the victim.
  const auto perpetrator =
      parse_track_record_json(hget(store::case_tracks_key(police_.case_id), "perpetrator"));
  ASSERT_TRUE(perpetrator);
  EXPECT_EQ(perpetrator->first_contact_at, t0_ + 40min);
  EXPECT_EQ(perpetrator->first_contact_by, "person:icm-2");
  const auto victim =
      parse_track_record_json(hget(store::case_tracks_key(police_.case_id), "victim"));
  ASSERT_TRUE(victim);
  EXPECT_EQ(victim->first_contact_at, t0_ + 45min);
  EXPECT_EQ(victim->first_contact_by, "person:icm-2");

  // A day after its due time the moved agreement reaches the team lead, once.
  clock_.set(at("2026-11-24T12:00:00Z"));
  EXPECT_EQ(agreement_steps(),
            std::vector<std::string>{police_.case_id + "|agreement|escalate|A2"});

  clock_.set(at("2026-11-24T13:00:00Z"));
  ASSERT_EQ(family("split", police_.case_id, vt_.case_id).status, 200);
  const auto back = agreements(vt_.case_id);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back.at("A1").due, at("2026-11-23T12:00:00Z"));
  EXPECT_EQ(back.at("A2").due, at("2026-11-29T12:00:00Z"));
  const auto left = agreements(police_.case_id);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left.count("A1"), 1u);
  EXPECT_TRUE(member(store::case_fired_key(vt_.case_id), vt_.case_id + "|agreement|escalate|A1"));
  EXPECT_TRUE(agreement_steps().empty()) << "nothing taken again after the split";
  EXPECT_TRUE(conn_.command({"HGET", store::case_key(vt_.case_id), "merged_agreements"}).is_nil());
  // The survivor has its own tracks' records again; VT's are as they were.
  EXPECT_TRUE(
      conn_.command({"HGET", store::case_tracks_key(police_.case_id), "perpetrator"}).is_nil());
  EXPECT_EQ(hget(store::case_tracks_key(police_.case_id), "victim"), police_victim);
  EXPECT_EQ(conn_.command({"HGETALL", store::case_tracks_key(vt_.case_id)}).elements.size(),
            vt_tracks_before.elements.size());
  // Later overdue steps of the agreements that went back run on their own case.
  clock_.set(at("2026-11-29T12:00:00Z"));
  EXPECT_EQ(agreement_steps(), std::vector<std::string>{vt_.case_id + "|agreement|overdue|A2"});
}

TEST_F(CaseFamilyTest, ProgressRecordedOnTheSurvivorDuringTheJoinStays) {
  two_reports();
  clock_.set(t0_ + 40min);
  ASSERT_EQ(
      call("POST", "/v1/cases/" + vt_.case_id + "/events", "icm-2", R"({"type":"first_contact"})")
          .status,
      201);
  ASSERT_EQ(family("join", police_.case_id, vt_.case_id).status, 200);
  ASSERT_EQ(
      call("POST", "/v1/cases/" + police_.case_id + "/events", "icm-1", R"({"type":"intake"})")
          .status,
      201);
  ASSERT_EQ(family("split", police_.case_id, vt_.case_id).status, 200);
  EXPECT_EQ(hget(store::case_key(police_.case_id), "phase"), "intake")
      << "changed since the join: stays";
  EXPECT_EQ(hget(store::case_key(vt_.case_id), "phase"), "first_contact");
}

TEST_F(CaseFamilyTest, JoinAndSplitAreRefusedChangingNothing) {
  two_reports();
  const auto drenthe = accept(incidents_, "police", "POL-D", "hh-d", t0_, "code_red");
  conn_.command({"HSET", store::case_key(drenthe.case_id), "region", "drenthe"});
  const auto closed = accept(incidents_, "police", "POL-C", "hh-c", t0_, "code_red");
  conn_.command({"HSET", store::case_key(closed.case_id), "state", "closed", "phase", "closed"});
  const auto before = snapshot();
  struct Refused {
    std::string op, who, other, body;
    int status;
    std::string code;
  };
  const std::string p = police_.case_id, v = vt_.case_id;
  for (const auto& c : std::vector<Refused>{
           {"join", "icm-1", v, {}, 403, "team_lead_only"},
           {"join", "tl-d", v, {}, 403, "not_your_region"},
           {"join", "tl-g", drenthe.case_id, {}, 422, "different_regions"},
           {"join", "tl-g", "C00000000", {}, 422, "unknown_case"},
           {"join", "tl-g", p, {}, 422, "same_case"},
           {"join", "tl-g", closed.case_id, {}, 409, "case_closed"},
           {"split", "tl-g", v, {}, 409, "not_joined"},
           {"join", "tl-g", v, R"({"other_case_id":")" + v + "\"}", 422, "required"},
           {"join", "tl-g", v, R"({"other_case_id":")" + v + R"(","reason":"x","why":1})", 422,
            "unknown_field"},
           {"join", "tl-g", v, R"({"other_case_id":"hh-pol-77","reason":"x"})", 422,
            "unknown_case"},
       }) {
    const auto r = c.body.empty() ? family(c.op, p, c.other, c.who)
                                  : call("POST", "/v1/cases/" + p + "/" + c.op, c.who, c.body);
    EXPECT_EQ(r.status, c.status) << c.code << ": " << r.body;
    EXPECT_EQ(code(r), c.code) << r.body;
  }
  EXPECT_EQ(call("GET", "/v1/cases/" + p + "/join", "tl-g").status, 405);
  EXPECT_EQ(snapshot(), before) << "a refusal changes nothing";
  // A merged case can be neither survivor nor joined again.
  ASSERT_EQ(family("join", p, v).status, 200);
  EXPECT_EQ(code(family("join", v, p)), "case_merged");
  const auto third = accept(incidents_, "police", "POL-3", "hh-3", t0_, "code_red");
  EXPECT_EQ(code(family("join", third.case_id, v)), "case_merged");
}

}  // namespace
}  // namespace piket::cases
