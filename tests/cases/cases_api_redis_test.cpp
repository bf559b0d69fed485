// The case API over a real redis-server (label redis): need-to-know access,
// recording events with their new timers in one write, refusals that change
// nothing, absence and reassignment.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api_fixture.hpp"
#include "engine_support.hpp"
#include "piket/cases/cases_api.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::at;

class CasesApiTest : public test::CasesApiRedisTest {
 protected:
  common::HttpResponse post_event(const std::string& case_id, const std::string& who,
                                  const std::string& body) {
    return call("POST", "/v1/cases/" + case_id + "/events", who, body);
  }
  // Everything the engine and the API keep about a case, to show a refusal changed nothing.
  std::string snapshot(const std::string& case_id) {
    std::string s;
    for (const auto& key : {store::case_key(case_id)}) {
      auto h = conn_.command({"HGETALL", key});
      for (auto& e : h.elements) s += e.str + "|";
    }
    for (auto& e : conn_.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements)
      s += e.str + "|";
    for (auto& e :
         conn_.command({"ZRANGE", store::kDeadlinesDue, "0", "-1", "WITHSCORES"}).elements)
      s += e.str + "|";
    return s;
  }
};

TEST_F(CasesApiTest, ACasemanagerReadsTheirCaseWithItsClocks) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  shell_->run_due();
  clock_.set(t0_ + 5h);
  shell_->run_due();  // first contact overdue, then escalated
  const auto r = call("GET", "/v1/cases/" + o.case_id, "icm-1");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto c = parse(r);
  EXPECT_EQ(c.at("case_id").as_string(), o.case_id);
  EXPECT_EQ(c.at("phase").as_string(), "registered");
  EXPECT_EQ(c.at("casemanager").as_string(), "icm-1");
  EXPECT_EQ(c.at("region").as_string(), "groningen");
  EXPECT_EQ(c.at("overdue").as_array(), json::array{"first_contact"});
  std::map<std::string, json::object> clocks;
  for (const auto& k : c.at("clocks").as_array())
    clocks[std::string(k.as_object().at("clock").as_string())] = k.as_object();
  EXPECT_EQ(clocks.at("plan").at("state").as_string(), "running");
  EXPECT_EQ(clocks.at("plan").at("due").as_string(), "2026-11-23T01:00:00.000Z");
  EXPECT_EQ(clocks.at("plan").at("next_step").as_object().at("step").as_string(), "warn_8h");
  EXPECT_EQ(clocks.at("plan").at("next_step").as_object().at("to").as_string(), "icm-1");
  EXPECT_EQ(clocks.at("first_contact").at("state").as_string(), "overdue");
  EXPECT_EQ(clocks.at("first_contact").at("steps_taken").as_array(),
            (json::array{"overdue", "escalate"}));
  // No clock for the page itself: its acknowledgement is paging's.
  EXPECT_FALSE(clocks.contains("acknowledgement"));
  EXPECT_EQ(clocks.at("home_ban").at("due").as_string(), "2026-12-02T13:00:00.000Z");
  EXPECT_EQ(r.body.find("hh-"), std::string::npos) << "no household key in the answer";
  // The timeline is readable too.
  const auto t = call("GET", "/v1/cases/" + o.case_id + "/timeline", "icm-1");
  ASSERT_EQ(t.status, 200);
  EXPECT_EQ(parse(t).at("events").as_array().front().as_object().at("type").as_string(),
            "incident_accepted");
}

TEST_F(CasesApiTest, NeedToKnow) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  EXPECT_EQ(call("GET", "/v1/cases/" + o.case_id, "").status, 401);
  common::HttpRequest bad;
  bad.method = "GET";
  bad.path = "/v1/cases/" + o.case_id;
  bad.headers.emplace_back("authorization", "Bearer not-a-token");
  EXPECT_EQ(api_->handle(bad).status, 401);
  auto r = call("GET", "/v1/cases/" + o.case_id, "icm-2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parse(r).at("error").as_object().at("code").as_string(), "not_your_case");
  r = call("GET", "/v1/cases/" + o.case_id, "tl-d");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parse(r).at("error").as_object().at("code").as_string(), "not_your_region");
  EXPECT_EQ(call("GET", "/v1/cases/" + o.case_id, "tl-g").status, 200);
  EXPECT_EQ(call("GET", "/v1/cases/" + o.case_id + "/timeline", "icm-2").status, 403);
  EXPECT_EQ(post_event(o.case_id, "icm-2", R"({"type":"first_contact"})").status, 403);
  EXPECT_EQ(call("GET", "/v1/cases/C00000000", "tl-g").status, 404);
  EXPECT_EQ(call("GET", "/v1/cases/nonsense", "tl-g").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/cases/" + o.case_id, "tl-g").status, 405);
}

TEST_F(CasesApiTest, RecordingAnEventMovesThePhaseAndRewritesTheTimersInOneWrite) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  shell_->run_due();
  const auto opened = std::to_string(common::to_epoch_ms(t0_));
  const auto fc = o.case_id + "|first_contact|overdue|" + opened;
  ASSERT_FALSE(conn_.command({"ZSCORE", store::kDeadlinesDue, fc}).is_nil());
  clock_.set(t0_ + 1h);
  auto r = post_event(o.case_id, "icm-1",
                      R"({"type":"first_contact","at":"2026-11-22T14:45:00+01:00"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse(r).at("phase").as_string(), "first_contact");
  EXPECT_EQ(parse(r).at("event").as_object().at("by").as_string(), store::by_person("icm-1"));
  EXPECT_EQ(hget(store::case_key(o.case_id), "phase"), "first_contact");
  EXPECT_EQ(hget(store::case_key(o.case_id), "first_contact_at"),
            std::to_string(common::to_epoch_ms(t0_ + 45min)));
  EXPECT_TRUE(conn_.command({"ZSCORE", store::kDeadlinesDue, fc}).is_nil())
      << "met: its timer is gone";
  // The check-in cadence restarted from the contact.
  const auto checkin =
      o.case_id + "|checkin|remind|" + std::to_string(common::to_epoch_ms(t0_ + 45min));
  EXPECT_EQ(std::stoll(conn_.command({"ZSCORE", store::kDeadlinesDue, checkin}).str),
            common::to_epoch_ms(t0_ + 45min + 5 * 24h));
  const auto events =
      parse(call("GET", "/v1/cases/" + o.case_id + "/timeline", "icm-1")).at("events").as_array();
  EXPECT_EQ(events.back().as_object().at("type").as_string(), "first_contact");
}

TEST_F(CasesApiTest, DeadlinesThatFellDueBeforeAnEventAreTakenBeforeItIsRecorded) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  shell_->run_due();
  clock_.set(t0_ + 13h);  // a jump; the engine has not looked yet
  const auto r = post_event(o.case_id, "icm-1",
                            R"({"type":"first_contact","at":"2026-11-22T15:00:00+01:00"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::vector<std::string> types;
  for (const auto& e : store_->timeline(o.case_id)) {
    const auto ev = json::parse(e).as_object();
    types.push_back(std::string(ev.at("type").as_string()) +
                    (ev.contains("step") ? "." + std::string(ev.at("step").as_string()) : ""));
  }
  EXPECT_EQ(std::vector<std::string>(types.end() - 6, types.end()),
            (std::vector<std::string>{"deadline_fired.overdue", "deadline_fired.escalate",
                                      "deadline_fired.warn_8h", "deadline_fired.warn_11h",
                                      "deadline_fired.escalate", "first_contact"}));
  EXPECT_TRUE(shell_->run_due().empty());
}

TEST_F(CasesApiTest, BadEventsGetAClearRefusalAndChangeNothing) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  shell_->run_due();
  clock_.set(t0_ + 2h);
  const auto before = snapshot(o.case_id);
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {"{\"type\":", 400, ""},
           {R"({"type":"tea_break"})", 422, "type"},
           {R"({"type":"intake"})", 422, "reason"},  // skips first_contact
           {R"({"type":"first_contact","at":"2026-11-22T17:00:00+01:00"})", 422, "at"},  // future
           {R"({"type":"first_contact","at":"2026-11-22T13:00:00+01:00"})", 422, "at"},  // before
           {R"({"type":"monitoring_contact"})", 422, "type"},
           {R"({"type":"closing"})", 422, "at"},
           {R"({"type":"first_contact","note":"x"})", 422, "note"},
           {R"({"type":"reassigned","casemanager":"icm-2"})", 403, ""}}) {
    const auto r = post_event(o.case_id, "icm-1", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    if (!c.field.empty()) {
      EXPECT_EQ(error_field(r), c.field) << c.body;
    }
    EXPECT_EQ(snapshot(o.case_id), before) << c.body;
  }
  EXPECT_EQ(post_event(o.case_id, "icm-1", "").status, 415);
  EXPECT_EQ(call("POST", "/v1/cases/" + o.case_id + "/events", "icm-1", R"({"type":"intake"})",
                 "text/plain")
                .status,
            415);
  EXPECT_EQ(snapshot(o.case_id), before);
}

TEST_F(CasesApiTest, AnAbsentCasemanagersCasesReachTheTeamLeadAtOnceAndReassignmentMovesTheClocks) {
  const auto a = open_case("REF-A", t0_, t0_ + 1min);
  const auto b = open_case("REF-B", t0_, t0_ + 1min);
  shell_->run_due();
  clock_.set(t0_ + 1h);
  for (const auto& id : {a.case_id, b.case_id})
    ASSERT_EQ(post_event(id, "icm-1", R"({"type":"first_contact"})").status, 201);
  // Someone else may not mark icm-1 absent; icm-1 or their team lead may.
  EXPECT_EQ(call("POST", "/v1/people/icm-1/absence", "icm-2", R"({"absent":true})").status, 403);
  EXPECT_EQ(call("POST", "/v1/people/icm-1/absence", "tl-d", R"({"absent":true})").status, 403);
  EXPECT_EQ(call("POST", "/v1/people/icm-1/absence", "tl-g", R"({"absent":"yes"})").status, 422);
  auto r = call("POST", "/v1/people/icm-1/absence", "tl-g", R"({"absent":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r).at("open_cases").as_int64(), 2);
  const auto fired = shell_->run_due();
  ASSERT_EQ(fired.size(), 2u);
  for (const auto& f : fired) {
    EXPECT_EQ(f.clock, ClockKind::reassignment);
    EXPECT_EQ(f.person, "tl-g");
    EXPECT_EQ(f.late, 0ms);
  }
  auto c = parse(call("GET", "/v1/cases/" + a.case_id, "tl-g"));
  EXPECT_TRUE(c.at("casemanager_absent").as_bool());
  for (const auto& k : c.at("clocks").as_array()) {
    if (k.as_object().contains("next_step") &&
        k.as_object().at("next_step").as_object().at("role").as_string() == "casemanager") {
      EXPECT_EQ(k.as_object().at("next_step").as_object().at("to").as_string(), "tl-g");
    }
  }
  // The team lead reassigns case a to icm-2: its clocks now page icm-2.
  r = post_event(a.case_id, "tl-g", R"({"type":"reassigned","casemanager":"icm-2"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(hget(store::case_key(a.case_id), "casemanager"), "icm-2");
  EXPECT_EQ(conn_.command({"SISMEMBER", store::caseload_key("icm-2"), a.case_id}).integer, 1);
  EXPECT_EQ(conn_.command({"SISMEMBER", store::caseload_key("icm-1"), a.case_id}).integer, 0);
  c = parse(call("GET", "/v1/cases/" + a.case_id, "icm-2"));
  EXPECT_FALSE(c.at("casemanager_absent").as_bool());
  for (const auto& k : c.at("clocks").as_array()) {
    EXPECT_NE(k.as_object().at("clock").as_string(), "reassignment");
    if (k.as_object().contains("next_step") &&
        k.as_object().at("next_step").as_object().at("role").as_string() == "casemanager") {
      EXPECT_EQ(k.as_object().at("next_step").as_object().at("to").as_string(), "icm-2");
    }
  }
  EXPECT_EQ(call("GET", "/v1/cases/" + a.case_id, "icm-1").status, 403);
  clock_.set(t0_ + 8h);
  for (const auto& f : shell_->run_due())
    EXPECT_EQ(f.person, f.case_id == a.case_id ? "icm-2" : "tl-g") << f.key;
  // Back at work: b's reminders go to icm-1 again.
  ASSERT_EQ(call("POST", "/v1/people/icm-1/absence", "icm-1", R"({"absent":false})").status, 200);
  shell_->run_due();
  clock_.set(t0_ + 11h);
  for (const auto& f : shell_->run_due())
    EXPECT_EQ(f.person, f.case_id == a.case_id ? "icm-2" : "icm-1") << f.key;
}

TEST_F(CasesApiTest, ClosingAfterAYearWithAnEvaluationKeepsTheFamilyLinkedAndStopsEveryClock) {
  const auto o = open_case("REF-1", t0_, t0_ + 1min);
  shell_->run_due();
  auto at_offset = [&](std::chrono::milliseconds d) { return common::format_rfc3339(t0_ + d); };
  clock_.set(t0_ + 400 * 24h);
  for (auto [type, when] : std::vector<std::pair<std::string, std::chrono::milliseconds>>{
           {"first_contact", 1h},
           {"intake", 4h},
           {"plan_of_action", 10h},
           {"help_started", 24h},
           {"handover", 100 * 24h},
           {"monitoring_contact", 110 * 24h},
           {"evaluation", 180 * 24h}}) {
    const auto r =
        post_event(o.case_id, "icm-1",
                   R"({"type":")" + type + R"(","at":")" + at_offset(when) + "\"" +
                       (type == "handover" ? "," + test::confirmed_handover_json() : "") + "}");
    ASSERT_EQ(r.status, 201) << type << ": " << r.body;
    // cases:monitoring follows the phase (store/lua/lib/cases_monitoring_refresh.lua): from the
    // handover on.
    const bool monitoring =
        type == "handover" || type == "monitoring_contact" || type == "evaluation";
    EXPECT_EQ(conn_.command({"SISMEMBER", store::kCasesMonitoring, o.case_id}).integer,
              monitoring ? 1 : 0)
        << type;
  }
  // Data from before the set: the start-up refresh puts the case back, and
  // drops an id that is no open case.
  conn_.command({"SREM", store::kCasesMonitoring, o.case_id});
  conn_.command({"SADD", store::kCasesMonitoring, "C9999999Z"});
  EXPECT_EQ(store_->refresh_monitoring_set(), 1);
  EXPECT_EQ(conn_.command({"SMEMBERS", store::kCasesMonitoring}).elements.at(0).str, o.case_id);
  auto r =
      post_event(o.case_id, "icm-1", R"({"type":"closing","at":")" + at_offset(366 * 24h) + "\"}");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(conn_.command({"SISMEMBER", store::kCasesMonitoring, o.case_id}).integer, 0);
  EXPECT_EQ(hget(store::case_key(o.case_id), "state"), "closed");
  EXPECT_EQ(hget(store::case_key(o.case_id), "phase"), "closed");
  EXPECT_EQ(conn_.command({"SISMEMBER", store::kCasesOpen, o.case_id}).integer, 0);
  EXPECT_EQ(conn_.command({"SISMEMBER", store::caseload_key("icm-1"), o.case_id}).integer, 0);
  // The household link outlives closing ([cases] household_link_days).
  EXPECT_EQ(conn_.command({"GET", store::household_key("police", "hh-REF-1")}).str, o.case_id);
  for (const auto& m : timers()) EXPECT_NE(m.rfind(o.case_id, 0), 0u) << m;
  EXPECT_EQ(post_event(o.case_id, "icm-1", R"({"type":"monitoring_contact"})").status, 409);
  // A new incident for the household opens a new case, linked to the closed one.
  const auto again =
      test::accept_incident(incidents_, "REF-1b", "hh-REF-1", clock_.now(), "code_red");
  EXPECT_NE(again.case_id, o.case_id);
  EXPECT_EQ(hget(store::case_key(again.case_id), "previous_case"), o.case_id);
  EXPECT_EQ(hget(store::case_key(again.case_id), "previous_casemanager"), "icm-1");
}

TEST_F(CasesApiTest, AnEventSaysWhichIncidentItAnswersAndTheCaseShowsClocksPerIncident) {
  const auto o = open_case("REF-1", t0_, t0_ + 1min);
  shell_->run_due();
  for (const char* type : {"first_contact", "intake", "plan_of_action", "help_started"})
    ASSERT_EQ(post_event(o.case_id, "icm-1", std::string(R"({"type":")") + type + "\"}").status,
              201)
        << type;
  // Five months on (check-ins kept up), a code red for the same family.
  for (int d = 4; d <= 148; d += 4) {
    clock_.set(t0_ + d * 24h);
    ASSERT_EQ(post_event(o.case_id, "icm-1", R"({"type":"monitoring_contact"})").status, 201);
  }
  clock_.set(t0_ + 150 * 24h);
  const auto cr = test::accept_incident(incidents_, "REF-CR", "hh-REF-1", clock_.now(), "code_red");
  ASSERT_EQ(cr.case_id, o.case_id);
  // dispatch paged the own casemanager, who acknowledged (inbound).
  conn_.command({"HSET", store::incident_key(cr.incident_id), "status", "acknowledged",
                 "acknowledged_at", std::to_string(common::to_epoch_ms(clock_.now() + 2min))});
  shell_->run_due();
  const auto before = snapshot(o.case_id);
  // The incident field is checked: an id, of this case, on an event that answers.
  auto r = post_event(o.case_id, "icm-1", R"({"type":"first_contact","incident":"Kelderweg 11"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(error_field(r), "incident");
  r = post_event(o.case_id, "icm-1", R"({"type":"first_contact","incident":"I0000000000000000"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(parse(r).at("error").at("code").as_string(), "unknown_incident");
  r = post_event(o.case_id, "icm-1",
                 R"({"type":"monitoring_contact","incident":")" + cr.incident_id + "\"}");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(parse(r).at("error").at("code").as_string(), "not_an_answer");
  EXPECT_EQ(snapshot(o.case_id), before) << "a refusal changes nothing";

  // The case shows the code red's own clocks, with its kind and time.
  auto c = parse(call("GET", "/v1/cases/" + o.case_id, "icm-1"));
  std::vector<std::string> cr_clocks;
  for (const auto& k : c.at("clocks").as_array()) {
    const auto& ko = k.as_object();
    if (!ko.contains("incident") || ko.at("incident").as_string() != cr.incident_id) continue;
    EXPECT_EQ(ko.at("incident_kind").as_string(), "code_red");
    EXPECT_EQ(ko.at("incident_at").as_string(), common::format_rfc3339(t0_ + 150 * 24h));
    cr_clocks.push_back(std::string(ko.at("clock").as_string()) + ":" +
                        std::string(ko.at("state").as_string()));
  }
  EXPECT_EQ(cr_clocks, (std::vector<std::string>{"first_contact:running", "plan:running"}));

  // Going out, naming the incident: the first-contact clock is met, the phase stays.
  clock_.set(t0_ + 150 * 24h + 2h);
  r = post_event(o.case_id, "icm-1",
                 R"({"type":"first_contact","incident":")" + cr.incident_id + "\"}");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse(r).at("phase").as_string(), "help");
  EXPECT_EQ(parse(r).at("event").at("incident").as_string(), cr.incident_id);
  EXPECT_EQ(hget(store::incident_key(cr.incident_id), "contact_at"),
            std::to_string(common::to_epoch_ms(clock_.now())));
  // The revised plan, by default for the open one due first: the code red.
  clock_.set(t0_ + 150 * 24h + 7h);
  r = post_event(o.case_id, "icm-1", R"({"type":"plan_of_action"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse(r).at("event").at("incident").as_string(), cr.incident_id);
  c = parse(call("GET", "/v1/cases/" + o.case_id, "icm-1"));
  for (const auto& k : c.at("clocks").as_array()) {
    const auto& ko = k.as_object();
    if (ko.contains("incident") && ko.at("incident").as_string() == cr.incident_id) {
      EXPECT_EQ(ko.at("state").as_string(), "met") << ko.at("clock").as_string();
    }
  }
  for (const auto& i : c.at("incidents").as_array()) {
    if (i.at("incident_id").as_string() == cr.incident_id) {
      EXPECT_EQ(i.at("plan_at").as_string(), common::format_rfc3339(clock_.now()));
    }
  }
  // Nothing for the team lead ever fires for it.
  clock_.set(t0_ + 150 * 24h + 13h);
  for (const auto& f : shell_->run_due()) EXPECT_NE(f.person, "tl-g") << f.key;
}

TEST_F(CasesApiTest, HealthAndMetrics) {
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
  const auto m = call("GET", "/metrics", "");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("piket_cases_requests_total"), std::string::npos);
}

}  // namespace
}  // namespace piket::cases
