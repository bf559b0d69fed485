// Dispatcher against a real, private redis-server (label `redis`): incidents
// and cases seeded with the fields ingest writes, a small rota file as dispatch
// loads it (LiveRota) as the selector.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/dispatcher.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/reply_code.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"
#include "redis_snapshot.hpp"
#include "small_rota.hpp"

namespace piket::dispatch {
namespace {

namespace json = boost::json;
using common::Millis;
using namespace std::chrono_literals;

// 2026-11-23T08:00:00Z (09:00 in Amsterdam): anna's day on call starts, then bert's.
const common::Instant kAnchor = common::from_epoch_ms(1795420800000);
const common::Instant kReportedAt = kAnchor - 2h;
const common::Instant kTransportStart = common::from_epoch_ms(1924992000000);  // 2031-01-01
constexpr Millis kResendAfter{2000};

const std::string kIncident = "I0123456789ABCDEF";
const std::string kCase = "C12345678";
const std::string kHousehold = "hh-dorpsstraat-12";
const std::string kSummary = "Jan Jansen hit Marie, Dorpsstraat 12, call +31687654321";
const std::regex kPageId{"^P[0-9A-Z]{16}$"};
const std::regex kAckCode{"^[0-9]{6}$"};

rota::PersonConfig person(std::string id, std::string phone, rota::StaffRole role, int cap) {
  rota::PersonConfig p;
  p.id = std::move(id);
  p.display_name = "Display " + p.id;
  p.role = role;
  p.phone = std::move(phone);
  p.regions = {"groningen"};
  p.caseload_cap = cap;
  return p;
}

config::Config make_config(const common::RedisConfig& redis) {
  config::Config c;
  c.redis = redis;
  c.outbox.resend_after = kResendAfter;
  c.regions = {{"groningen", "Groningen"}, {"friesland", "Friesland"}};
  c.people = {person("anna", "+31600000001", rota::StaffRole::casemanager, 2),
              person("bert", "+31600000002", rota::StaffRole::casemanager, 12),
              person("tina", "+31600000009", rota::StaffRole::team_lead, 12)};
  return c;
}

// anna and bert a day each from the anchor, team lead tina; friesland has no rota.
std::string rota_file() {
  return piket::test::small_rota_file({.primary = {"anna", "bert"},
                                       .team_lead = "tina",
                                       .start = "2026-11-23",
                                       .handoff = "09:00"});
}

class DispatcherRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-dispatch-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  DispatcherRedisTest()
      : conn_(redis_->config()),
        config_(make_config(redis_->config_as("dispatch"))),
        rota_(rota::parse_rota_file(rota_file(), "rota.toml", config_.people), config_.people,
              config_.caseload, domain_),
        dispatcher_(config_, config_, config_.escalation, config_.reply_code_window(), domain_,
                    transport_, rota_, metrics_,
                    [this](const std::string& id, const std::string& payload) {
                      std::lock_guard lock(mutex_);
                      woken_.emplace_back(id, payload);
                    }) {
    conn_.command({"FLUSHALL"});
  }

  // The records ingest's accept script writes for one incident of a new case.
  void seed_incident(const std::string& incident = kIncident, const std::string& case_id = kCase,
                     const std::string& region = "groningen",
                     const std::string& kind = "home_ban") {
    const auto accepted = std::to_string(common::to_epoch_ms(kReportedAt + 1min));
    const json::object body{
        {"reference", "PNN-" + incident},
        {"kind", kind},
        {"region", region},
        {"household", kHousehold},
        {"persons", json::array{json::object{{"role", "victim"}, {"name", "Marie Jansen"}}}},
        {"summary", kSummary}};
    conn_.command({"HSET", store::case_key(case_id), "region", region, "partner", "police",
                   "household", kHousehold, "opened_at", accepted, "phase", "registered", "state",
                   "open"});
    conn_.command({"SET", store::household_key("police", kHousehold), case_id});
    conn_.command({"SADD", store::kCasesOpen, case_id});
    conn_.command({"HSET",        store::incident_key(incident),
                   "partner",     "police",
                   "reference",   "PNN-" + incident,
                   "kind",        kind,
                   "region",      region,
                   "reported_at", std::to_string(common::to_epoch_ms(kReportedAt)),
                   "accepted_at", accepted,
                   "case_id",     case_id,
                   "status",      "accepted",
                   "body",        json::serialize(body),
                   "body_hash",   std::string(64, 'a'),
                   "new_case",    "1"});
    conn_.command({"RPUSH", store::case_incidents_key(case_id), incident});
    conn_.command({"RPUSH", store::case_timeline_key(case_id),
                   json::serialize(json::object{{"at", std::stoll(accepted)},
                                                {"type", "incident_accepted"},
                                                {"incident", incident},
                                                {"kind", kind},
                                                {"by", "partner:police"}})});
  }

  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  bool hexists(const std::string& key, const std::string& field) {
    return conn_.command({"HEXISTS", key, field}).integer == 1;
  }
  std::size_t count_keys(const std::string& pattern) {
    return conn_.command({"KEYS", pattern}).elements.size();
  }
  std::vector<json::object> timeline(const std::string& case_id = kCase) {
    std::vector<json::object> out;
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements)
      out.push_back(json::parse(e.str).as_object());
    return out;
  }
  // Every key with its type and content: to show that nothing was written.
  std::vector<std::string> snapshot() { return piket::test::redis_snapshot(conn_); }
  std::vector<std::pair<std::string, std::string>> woken() {
    std::lock_guard lock(mutex_);
    return woken_;
  }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;
  config::Config config_;
  common::SimulatedClock domain_{kAnchor + 1h};  // anna's shift
  LiveRota rota_;
  common::SimulatedClock transport_{kTransportStart};
  common::Metrics metrics_{"dispatch"};
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> woken_;
  Dispatcher dispatcher_;
};

piket::test::PrivateRedis* DispatcherRedisTest::redis_ = nullptr;

TEST_F(DispatcherRedisTest, DispatchCreatesAQueuedPageForTheOnCall) {
  seed_incident();
  const auto r = dispatcher_.dispatch(kIncident, kCase);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_TRUE(std::regex_match(r.page_id, kPageId)) << r.page_id;
  EXPECT_EQ(r.person_id, "anna");
  EXPECT_EQ(r.rule, rota::SelectionRule::on_call);

  const auto page = store::page_key(r.page_id);
  const auto now_ms = std::to_string(common::to_epoch_ms(domain_.now()));
  EXPECT_EQ(hget(page, "state"), "queued");
  EXPECT_EQ(hget(page, "incident"), kIncident);
  EXPECT_EQ(hget(page, "case"), kCase);
  EXPECT_EQ(hget(page, "person"), "anna");
  EXPECT_EQ(hget(page, "to"), "+31600000001");
  EXPECT_EQ(hget(page, "rule"), "on_call");
  EXPECT_EQ(hget(page, "attempts"), "0");
  EXPECT_EQ(hget(page, "created_at"), now_ms);
  const auto ack = hget(page, "ack_code");
  EXPECT_TRUE(std::regex_match(ack, kAckCode)) << ack;
  EXPECT_EQ(conn_.command({"GET", store::ackcode_key("anna", ack)}).str, r.page_id);
  // The code lives as long as the page can be answered, no longer (issue 10):
  // the page's code_until (domain) and the key's TTL (the backstop).
  const auto window = config_.reply_code_window();
  EXPECT_EQ(hget(page, "code_until"), std::to_string(common::to_epoch_ms(domain_.now() + window)));
  const auto ttl = conn_.command({"PTTL", store::ackcode_key("anna", ack)}).integer;
  EXPECT_GT(ttl, window.count() - 60'000);
  EXPECT_LE(ttl, window.count());

  // The text is the rendered page and nothing else: no household, summary or names.
  const auto text = hget(page, "text");
  EXPECT_EQ(text, paging::render_page_sms(
                      {kCase, common::IncidentKind::home_ban, "groningen", kReportedAt, ack}));
  for (const std::string& secret :
       {kHousehold, kSummary, std::string("Jansen"), std::string("Marie"), std::string("+316")})
    EXPECT_EQ(text.find(secret), std::string::npos) << text;

  // The incident is dispatched, the case assigned.
  const auto inc = store::incident_key(kIncident);
  EXPECT_EQ(hget(inc, "status"), "dispatched");
  EXPECT_EQ(hget(inc, "page_id"), r.page_id);
  EXPECT_EQ(hget(inc, "assignee"), "anna");
  EXPECT_EQ(hget(inc, "rule"), "on_call");
  EXPECT_EQ(hget(inc, "dispatched_at"), now_ms);
  EXPECT_EQ(hget(store::case_key(kCase), "casemanager"), "anna");
  EXPECT_EQ(conn_.command({"SISMEMBER", store::caseload_key("anna"), kCase}).integer, 1);

  const auto events = timeline();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].at("type").as_string(), "casemanager_assigned");
  EXPECT_EQ(events[1].at("person").as_string(), "anna");
  EXPECT_EQ(events[2].at("type").as_string(), "paged");
  EXPECT_EQ(events[2].at("page").as_string(), r.page_id);
  EXPECT_EQ(events[2].at("incident").as_string(), kIncident);
  EXPECT_EQ(events[2].at("at").to_number<std::int64_t>(), common::to_epoch_ms(domain_.now()));

  // The notify outbox holds the page, due after resend_after in transport time.
  const auto score = conn_.command({"ZSCORE", store::outbox_due_key("notify"), r.page_id});
  ASSERT_FALSE(score.is_nil());
  EXPECT_EQ(std::stoll(score.str), common::to_epoch_ms(kTransportStart) + kResendAfter.count());
  const auto payload = hget(store::outbox_data_key("notify"), r.page_id);
  EXPECT_EQ(json::parse(payload).at("page_id").as_string(), r.page_id);
  const auto w = woken();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].first, r.page_id);
  EXPECT_EQ(json::parse(w[0].second), json::parse(payload));
}

TEST_F(DispatcherRedisTest, SecondDispatchIsAlreadyDispatchedWithOnePage) {
  seed_incident();
  const auto first = dispatcher_.dispatch(kIncident, kCase);
  ASSERT_EQ(first.kind, DispatchResult::Kind::dispatched);
  const auto before = snapshot();
  domain_.advance(1min);
  const auto second = dispatcher_.dispatch(kIncident, kCase);
  EXPECT_EQ(second.kind, DispatchResult::Kind::already_dispatched);
  // As a message delivered twice: acknowledged, nothing new.
  EXPECT_TRUE(dispatcher_.handle_message(
      "dispatch", kIncident,
      R"({"incident_id":")" + kIncident + R"(","case_id":")" + kCase + "\"}"));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(count_keys(store::page_key("*")), 1u);
  EXPECT_EQ(count_keys(store::ackcode_key("*", "*")), 1u);
  EXPECT_EQ(conn_.command({"ZCARD", store::outbox_due_key("notify")}).integer, 1);
  EXPECT_EQ(woken().size(), 1u);
}

// A message acts only on an incident still `accepted` (Redis is the record):
// for one that moved on (here: acknowledged, with no page of this dispatch)
// nothing is written, whatever the message says.
TEST_F(DispatcherRedisTest, AMessageForAnIncidentNoLongerAcceptedChangesNothing) {
  seed_incident();
  for (const char* status : {"dispatched", "escalated", "acknowledged"}) {
    conn_.command({"HSET", store::incident_key(kIncident), "status", status});
    const auto before = snapshot();
    EXPECT_TRUE(dispatcher_.handle_message(
        "dispatch", kIncident,
        R"({"incident_id":")" + kIncident + R"(","case_id":")" + kCase + "\"}"))
        << status;
    EXPECT_EQ(snapshot(), before) << status;
  }
  EXPECT_EQ(count_keys(store::page_key("*")), 0u);
  EXPECT_TRUE(woken().empty());
}

TEST_F(DispatcherRedisTest, OwnCasemanagerOnDutyIsPagedWithoutReassignment) {
  seed_incident();
  conn_.command({"HSET", store::case_key(kCase), "casemanager", "anna"});
  conn_.command({"SADD", store::caseload_key("anna"), kCase, "C00000001",
                 "C00000002"});  // at cap: irrelevant
  const auto r = dispatcher_.dispatch(kIncident, kCase);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "anna");
  EXPECT_EQ(r.rule, rota::SelectionRule::own_casemanager);
  EXPECT_EQ(hget(store::page_key(r.page_id), "rule"), "own_casemanager");
  EXPECT_EQ(hget(store::incident_key(kIncident), "rule"), "own_casemanager");
  EXPECT_EQ(conn_.command({"SCARD", store::caseload_key("anna")}).integer, 3);
  const auto events = timeline();
  ASSERT_EQ(events.size(), 2u);  // accepted, paged: no new assignment
  EXPECT_EQ(events[1].at("type").as_string(), "paged");
}

TEST_F(DispatcherRedisTest, OwnCasemanagerOffDutyKeepsTheCaseAndOnCallIsPaged) {
  seed_incident();
  conn_.command({"HSET", store::case_key(kCase), "casemanager", "bert"});
  conn_.command({"SADD", store::caseload_key("bert"), kCase});
  const auto r = dispatcher_.dispatch(kIncident, kCase);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "anna");
  EXPECT_EQ(r.rule, rota::SelectionRule::on_call);
  EXPECT_EQ(hget(store::case_key(kCase), "casemanager"), "bert");
  EXPECT_EQ(conn_.command({"EXISTS", store::caseload_key("anna")}).integer, 0);
}

// The founding story: a casemanager off ill. Recorded absent (POST
// /v1/people/{id}/absence), anna is passed over as own casemanager and as the
// one on call: the team lead gets the incident, anna keeps her case and is
// informed. Her absence over, she is paged again.
TEST_F(DispatcherRedisTest, AnAbsentCasemanagerIsNotPagedEvenWhenOnCall) {
  seed_incident();
  conn_.command({"HSET", store::case_key(kCase), "casemanager", "anna"});
  conn_.command({"SADD", store::caseload_key("anna"), kCase});
  const auto since = std::to_string(common::to_epoch_ms(kAnchor - 24h));
  conn_.command({"HSET", store::person_absence_key("anna"), "since", since});
  const auto r = dispatcher_.dispatch(kIncident, kCase);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "tina");
  EXPECT_EQ(r.rule, rota::SelectionRule::team_lead);
  EXPECT_EQ(hget(store::case_key(kCase), "casemanager"), "anna");

  // Back at work (the absence dropped): her own case's next incident is hers.
  conn_.command({"DEL", store::person_absence_key("anna")});
  const std::string next = "I0000000000000002";
  seed_incident(next);
  const auto again = dispatcher_.dispatch(next, kCase);
  ASSERT_EQ(again.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(again.person_id, "anna");
  EXPECT_EQ(again.rule, rota::SelectionRule::own_casemanager);
}

TEST_F(DispatcherRedisTest, FullOnCallEscalatesToTheTeamLeadWhoIsNotAssigned) {
  seed_incident();
  conn_.command({"SADD", store::caseload_key("anna"), "C00000001", "C00000002"});  // cap 2
  const auto r = dispatcher_.dispatch(kIncident, kCase);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "tina");
  EXPECT_EQ(r.rule, rota::SelectionRule::team_lead);
  EXPECT_EQ(hget(store::page_key(r.page_id), "to"), "+31600000009");
  EXPECT_FALSE(hexists(store::case_key(kCase), "casemanager"));
  EXPECT_EQ(conn_.command({"EXISTS", store::caseload_key("tina")}).integer, 0);
}

TEST_F(DispatcherRedisTest, NextShiftPagesTheNextCasemanager) {
  seed_incident();
  domain_.advance(24h);
  const auto r = dispatcher_.dispatch(kIncident, kCase);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "bert");
  EXPECT_EQ(hget(store::case_key(kCase), "casemanager"), "bert");
}

TEST_F(DispatcherRedisTest, MisleadingCaseHintIsNotTrusted) {
  seed_incident();
  // Another case, held by anna: if the hint were believed, the rule would be own_casemanager.
  conn_.command(
      {"HSET", store::case_key("C99999999"), "casemanager", "anna", "region", "groningen"});
  EXPECT_TRUE(dispatcher_.handle_message(
      "dispatch", kIncident, R"({"incident_id":")" + kIncident + R"(","case_id":"C99999999"})"));
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
  EXPECT_EQ(hget(store::incident_key(kIncident), "rule"), "on_call");
  EXPECT_EQ(hget(store::case_key(kCase), "casemanager"), "anna");
  const auto page = hget(store::incident_key(kIncident), "page_id");
  EXPECT_EQ(hget(store::page_key(page), "case"), kCase);
}

TEST_F(DispatcherRedisTest, MalformedMessagesAreDroppedWithoutWrites) {
  seed_incident();
  const auto before = snapshot();
  for (const std::string id :
       {"", "bad", "I0123", "X0123456789ABCDEF", "I0123456789ABCDEF0", "P0123456789ABCDEF"})
    EXPECT_TRUE(dispatcher_.handle_message("dispatch", id, "{}")) << id;
  // The right incident on the wrong channel is dropped too.
  EXPECT_TRUE(dispatcher_.handle_message("notify", kIncident, "{}"));
  // A well-formed id of an incident that does not exist: acknowledged, nothing written.
  EXPECT_TRUE(dispatcher_.handle_message("dispatch", "I00000000000000ZZ", "{}"));
  EXPECT_EQ(dispatcher_.dispatch("I00000000000000ZZ").kind, DispatchResult::Kind::unknown_incident);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "accepted");
  EXPECT_TRUE(woken().empty());
}

// The family's own casemanager is off duty: the on-call one is paged, the own
// one gets an FYI — information (paging/page_class.hpp): no reply code on the
// page, in its text or as an ackcode key, nothing that could be answered.
TEST_F(DispatcherRedisTest, TheFyiToTheOwnCasemanagerOffDutyIsInformationWithoutAReplyCode) {
  seed_incident();
  conn_.command({"HSET", store::case_key(kCase), "casemanager", "bert"});  // anna is on duty
  const auto r = dispatcher_.dispatch(kIncident, kCase);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "anna");
  std::string fyi;
  for (const auto& e : timeline())
    if (e.at("type").as_string() == "informed") fyi = std::string(e.at("page").as_string());
  ASSERT_TRUE(std::regex_match(fyi, kPageId)) << fyi;
  const auto page = store::page_key(fyi);
  EXPECT_EQ(hget(page, "person"), "bert");
  EXPECT_EQ(hget(page, "rule"), "inform");
  EXPECT_EQ(hget(page, "info"), "1");
  EXPECT_FALSE(hexists(page, "ack_code"));
  EXPECT_FALSE(hexists(page, "code_until"));
  EXPECT_EQ(count_keys(store::ackcode_key("bert", "*")), 0u);
  const auto text = hget(page, "text");
  EXPECT_EQ(text.rfind("piket INFO HUISVERBOD in je zaak C12345678", 0), 0u) << text;
  EXPECT_EQ(text.find("Antwoord"), std::string::npos) << text;
  EXPECT_NE(text.find("Geen antwoord nodig."), std::string::npos) << text;
  EXPECT_EQ(hget(page, "brief"), "INFO HUISVERBOD C12345678");
  EXPECT_EQ(hget(page, "rank"), std::to_string(paging::page_rank::kInformation));
  // The page to the on-call casemanager asks for an answer, with its line for a bundle.
  const auto paged = store::page_key(r.page_id);
  EXPECT_FALSE(hexists(paged, "info"));
  EXPECT_EQ(conn_.command({"GET", store::ackcode_key("anna", hget(paged, "ack_code"))}).str,
            r.page_id);
  EXPECT_EQ(hget(paged, "brief"), "HUISVERBOD C12345678");
  EXPECT_EQ(hget(paged, "rank"), std::to_string(paging::page_rank::kIncident + 2));
}

TEST_F(DispatcherRedisTest, RegionWithoutRotaIsNobodyToPageAndLeftForLater) {
  seed_incident(kIncident, kCase, "friesland");
  const auto before = snapshot();
  EXPECT_EQ(dispatcher_.dispatch(kIncident, kCase).kind, DispatchResult::Kind::nobody_to_page);
  // Not acknowledged: the outbox sends it again (a rota may be configured by then).
  EXPECT_FALSE(dispatcher_.handle_message("dispatch", kIncident, "{}"));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(DispatcherRedisTest, EveryKindGetsItsLabelAndAssignmentsCountTowardsTheCap) {
  const std::vector<std::pair<std::string, common::IncidentKind>> kinds{
      {"code_red", common::IncidentKind::code_red},
      {"ban_violation", common::IncidentKind::ban_violation},
      {"home_ban_lifted", common::IncidentKind::home_ban_lifted}};
  // anna's cap is 2: the two cases assigned to her fill it, the third goes to the team lead.
  const std::vector<std::string> expected_person{"anna", "anna", "tina"};
  for (std::size_t n = 0; n < kinds.size(); ++n) {
    const auto& [name, kind] = kinds[n];
    const std::string incident = "I000000000000000" + std::to_string(n);
    const std::string case_id = "C0000000" + std::to_string(n);
    seed_incident(incident, case_id, "groningen", name);
    const auto r = dispatcher_.dispatch(incident, case_id);
    ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched) << name;
    EXPECT_EQ(r.person_id, expected_person[n]) << name;
    const auto text = hget(store::page_key(r.page_id), "text");
    EXPECT_NE(text.find(std::string(paging::kind_label(kind, i18n::Language::nl))),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(case_id), std::string::npos) << text;
  }
  EXPECT_EQ(conn_.command({"SCARD", store::caseload_key("anna")}).integer, 2);
  EXPECT_EQ(count_keys(store::ackcode_key("anna", "*")), 2u);
  // The third also finds every on-call casemanager at the cap: tina is told
  // of the coverage problem once, besides her page for the incident.
  EXPECT_EQ(count_keys(store::ackcode_key("tina", "*")), 2u);
  EXPECT_EQ(conn_.command({"ZCARD", store::outbox_due_key("notify")}).integer, 4);
}

// ------------------------------------------------------------- batches

std::string incident_message(const std::string& incident, const std::string& case_id,
                             const std::string& kind = "home_ban") {
  return R"({"incident_id":")" + incident + R"(","case_id":")" + case_id + R"(","kind":")" + kind +
         "\"}";
}

// The caseload cap holds inside a batch exactly as one incident at a time
// (EveryKindGetsItsLabelAndAssignmentsCountTowardsTheCap): each case the
// batch assigns counts for the incidents after it, before it is written.
TEST_F(DispatcherRedisTest, TheCaseloadCapHoldsInsideABatch) {
  std::vector<Dispatcher::Request> batch;
  for (int n = 0; n < 3; ++n) {
    const std::string incident = "I000000000000000" + std::to_string(n);
    const std::string case_id = "C0000000" + std::to_string(n);
    seed_incident(incident, case_id, "groningen", "ban_violation");
    batch.push_back({incident, case_id, {}});
  }
  const auto out = dispatcher_.dispatch_batch(batch);
  ASSERT_EQ(out.size(), 3u);
  // anna's cap is 2: the first two cases are hers, the third goes to the team lead.
  const std::vector<std::string> expected_person{"anna", "anna", "tina"};
  for (std::size_t n = 0; n < out.size(); ++n) {
    EXPECT_FALSE(out[n].error) << n;
    ASSERT_EQ(out[n].result.kind, DispatchResult::Kind::dispatched) << n;
    EXPECT_EQ(out[n].result.person_id, expected_person[n]) << n;
    EXPECT_EQ(hget(store::case_key(batch[n].case_hint), "casemanager"), n < 2 ? "anna" : "") << n;
  }
  EXPECT_EQ(out[2].result.rule, rota::SelectionRule::team_lead);
  EXPECT_EQ(conn_.command({"SCARD", store::caseload_key("anna")}).integer, 2);
  // The third also finds every on-call casemanager at the cap: tina is told
  // of the coverage problem once, besides her page for the incident.
  EXPECT_EQ(count_keys(store::ackcode_key("tina", "*")), 2u);
  EXPECT_EQ(conn_.command({"ZCARD", store::outbox_due_key("notify")}).integer, 4);
  EXPECT_EQ(woken().size(), 4u);
}

// A code red later in the batch is decided first: it gets the last place
// under the cap, not a routine incident that came before it.
TEST_F(DispatcherRedisTest, ACodeRedInABatchIsDecidedFirst) {
  const std::vector<std::string> kinds{"home_ban", "home_ban", "code_red"};
  std::vector<Dispatcher::Request> batch;
  for (int n = 0; n < 3; ++n) {
    const std::string incident = "I000000000000000" + std::to_string(n);
    const std::string case_id = "C0000000" + std::to_string(n);
    seed_incident(incident, case_id, "groningen", kinds[static_cast<std::size_t>(n)]);
    batch.push_back({incident, case_id, {}});
  }
  const auto out = dispatcher_.dispatch_batch(batch);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].result.person_id, "anna");  // the code red
  EXPECT_EQ(out[0].result.person_id, "anna");
  EXPECT_EQ(out[1].result.person_id, "tina");
  // Its page was woken first, too.
  const auto w = woken();
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(w[0].first, out[2].result.page_id);
}

// Two incidents of one new case in a batch: the first assigns the case, the
// second finds its own casemanager (as it would one at a time) — one
// assignment, one case in the caseload.
TEST_F(DispatcherRedisTest, TwoIncidentsOfOneCaseInABatchGoToTheCasemanagerTheFirstAssigned) {
  seed_incident("I0000000000000001", kCase);
  seed_incident("I0000000000000002", kCase, "groningen", "ban_violation");
  const auto out = dispatcher_.dispatch_batch(
      {{"I0000000000000001", kCase, {}}, {"I0000000000000002", kCase, {}}});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].result.kind, DispatchResult::Kind::dispatched);
  ASSERT_EQ(out[1].result.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(out[0].result.person_id, "anna");
  EXPECT_EQ(out[0].result.rule, rota::SelectionRule::on_call);
  EXPECT_EQ(out[1].result.person_id, "anna");
  EXPECT_EQ(out[1].result.rule, rota::SelectionRule::own_casemanager);
  EXPECT_EQ(hget(store::case_key(kCase), "casemanager"), "anna");
  EXPECT_EQ(conn_.command({"SCARD", store::caseload_key("anna")}).integer, 1);
  std::size_t assigned = 0;
  for (const auto& e : timeline()) assigned += e.at("type").as_string() == "casemanager_assigned";
  EXPECT_EQ(assigned, 1u);
}

// One result per message: a new incident, an unknown one, a malformed id, one
// dispatched before (acknowledged, nothing new) and one nobody can take (left
// for a resend). A second delivery of the whole batch changes nothing.
TEST_F(DispatcherRedisTest, ABatchAnswersEachMessageOnItsOwn) {
  seed_incident("I0000000000000001", "C00000001");
  seed_incident("I0000000000000002", "C00000002");
  seed_incident("I0000000000000003", "C00000003", "friesland");
  ASSERT_EQ(dispatcher_.dispatch("I0000000000000002", "C00000002").kind,
            DispatchResult::Kind::dispatched);
  const std::vector<std::string> payloads{incident_message("I0000000000000001", "C00000001"),
                                          incident_message("I00000000000000ZZ", "C00000009"), "{}",
                                          incident_message("I0000000000000002", "C00000002"),
                                          incident_message("I0000000000000003", "C00000003")};
  const std::vector<common::InboxMessage> batch{{"dispatch", "I0000000000000001", payloads[0]},
                                                {"dispatch", "I00000000000000ZZ", payloads[1]},
                                                {"dispatch", "I123", payloads[2]},
                                                {"dispatch", "I0000000000000002", payloads[3]},
                                                {"dispatch", "I0000000000000003", payloads[4]}};
  EXPECT_EQ(dispatcher_.handle_batch(batch), (std::vector<bool>{true, true, true, true, false}));
  EXPECT_EQ(hget(store::incident_key("I0000000000000001"), "status"), "dispatched");
  EXPECT_EQ(hget(store::incident_key("I0000000000000003"), "status"), "accepted");
  EXPECT_EQ(count_keys(store::page_key("*")), 2u);
  const auto before = snapshot();
  EXPECT_EQ(dispatcher_.handle_batch(batch), (std::vector<bool>{true, true, true, true, false}));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(woken().size(), 2u);
}

// The same, on a Redis at a small memory limit (noeviction).
class DispatcherFullRedisTest : public DispatcherRedisTest {
 protected:
  static void SetUpTestSuite() {
    redis_ = new piket::test::PrivateRedis("piket-dispatch-full", 4ULL << 20);
  }
};

TEST_F(DispatcherFullRedisTest, AtTheMemoryLimitNothingIsHalfDoneAndTheRedeliveryDispatchesOnce) {
  seed_incident();
  const auto message = R"({"incident_id":")" + kIncident + R"(","case_id":")" + kCase + "\"}";
  const int filled = piket::test::fill_to_maxmemory(conn_);
  ASSERT_GT(filled, 0);
  const auto before = snapshot();
  // The commit script is refused whole: the message is not acknowledged (the ingest outbox
  // brings it again) and not a key has changed — no page, no half-assigned case.
  EXPECT_THROW(dispatcher_.handle_message("dispatch", kIncident, message), common::RedisFullError);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "accepted");
  EXPECT_TRUE(woken().empty());

  // Memory freed: the redelivered message dispatches the incident, once.
  piket::test::free_filled(conn_, filled);
  EXPECT_TRUE(dispatcher_.handle_message("dispatch", kIncident, message));
  EXPECT_TRUE(dispatcher_.handle_message("dispatch", kIncident, message));
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
  EXPECT_EQ(count_keys(store::page_key("*")), 1u);
  EXPECT_EQ(woken().size(), 1u);
}

// A batch at the memory limit: every commit is refused whole, each message
// is left for its resend (no exception: the batch's other messages could
// have been done), and nothing is half-written. Memory freed, the resent
// batch dispatches each incident once.
TEST_F(DispatcherFullRedisTest, AtTheMemoryLimitABatchLeavesEveryRefusedIncidentForItsResend) {
  seed_incident("I0000000000000001", "C00000001");
  seed_incident("I0000000000000002", "C00000002");
  const auto m1 = incident_message("I0000000000000001", "C00000001");
  const auto m2 = incident_message("I0000000000000002", "C00000002");
  const std::vector<common::InboxMessage> batch{{"dispatch", "I0000000000000001", m1},
                                                {"dispatch", "I0000000000000002", m2}};
  const int filled = piket::test::fill_to_maxmemory(conn_);
  ASSERT_GT(filled, 0);
  const auto before = snapshot();
  EXPECT_EQ(dispatcher_.handle_batch(batch), (std::vector<bool>{false, false}));
  EXPECT_EQ(snapshot(), before);
  EXPECT_TRUE(woken().empty());

  piket::test::free_filled(conn_, filled);
  EXPECT_EQ(dispatcher_.handle_batch(batch), (std::vector<bool>{true, true}));
  EXPECT_EQ(dispatcher_.handle_batch(batch), (std::vector<bool>{true, true}));
  EXPECT_EQ(count_keys(store::page_key("*")), 2u);
  EXPECT_EQ(woken().size(), 2u);
}

// ------------------------------------------------------------- the region hint

// Read events Redis has processed (INFO stats): one per round trip of a small pipeline.
long long reads_processed(common::RedisConnection& conn) {
  const auto info = conn.command({"INFO", "stats"}).str;
  constexpr std::string_view key = "total_reads_processed:";
  const auto at = info.find(key);
  return at == std::string::npos ? -1 : std::stoll(info.substr(at + key.size()));
}

// The message's region lets dispatch read its on-call people's caseloads with the incident:
// one round trip fewer. A wrong or missing hint costs that round trip back, and changes no
// decision (the selection goes by the incident's own region).
TEST_F(DispatcherRedisTest, ARegionHintReadsTheCaseloadsWithTheIncident) {
  const auto dispatch_counting = [&](const std::string& n, const std::string& region_hint) {
    const std::string incident = "I000000000000000" + n;
    const std::string case_id = "C0000000" + n;
    seed_incident(incident, case_id, "groningen", "home_ban");
    const auto before = reads_processed(conn_);
    const auto out = dispatcher_.dispatch_batch({{incident, case_id, region_hint}});
    const auto after = reads_processed(conn_);
    EXPECT_FALSE(out.at(0).error) << n;
    EXPECT_EQ(out.at(0).result.kind, DispatchResult::Kind::dispatched) << n;
    // The selection as without hints: bert has the fewest cases after anna's first.
    return std::pair{after - before, out.at(0).result.person_id};
  };
  // The first loads the scripts and opens the connection.
  (void)dispatch_counting("1", "groningen");
  const auto [hinted, p2] = dispatch_counting("2", "groningen");
  const auto [unhinted, p3] = dispatch_counting("3", "");
  const auto [wrong, p4] = dispatch_counting("4", "friesland");  // nobody on call there
  // The reads and the commit: two round trips, and INFO's own read.
  EXPECT_EQ(hinted, 3);
  EXPECT_EQ(unhinted, hinted + 1);
  EXPECT_EQ(wrong, hinted + 1);
  EXPECT_EQ(p2, "anna");  // anna is on call; her cap is 2
  EXPECT_EQ(p3, "tina");  // anna at her cap: the team lead
  EXPECT_EQ(p4, "tina");
}

// The receiver takes the region from the message only when it could be one: anything else is
// no hint (and costs only the round trip).
TEST_F(DispatcherRedisTest, TheReceiverTakesARegionHintOnlyWhenItCouldBeOne) {
  seed_incident("I0000000000000001", "C00000001");
  seed_incident("I0000000000000002", "C00000002");
  const auto message = [](const std::string& incident, const std::string& case_id,
                          const std::string& region_json) {
    return R"({"incident_id":")" + incident + R"(","case_id":")" + case_id +
           R"(","kind":"home_ban","region":)" + region_json + "}";
  };
  const auto m1 = message("I0000000000000001", "C00000001", R"("groningen")");
  const auto m2 = message("I0000000000000002", "C00000002", R"("gron ingen\n{}")");
  (void)dispatcher_.handle_batch(
      std::vector<common::InboxMessage>{{"dispatch", "I0000000000000001", m1}});
  seed_incident("I0000000000000003", "C00000003");
  const auto m3 =
      message("I0000000000000003", "C00000003", std::string("\"") + std::string(65, 'g') + "\"");
  const auto before = reads_processed(conn_);
  EXPECT_EQ(dispatcher_.handle_batch(std::vector<common::InboxMessage>{
                {"dispatch", "I0000000000000002", m2}, {"dispatch", "I0000000000000003", m3}}),
            (std::vector<bool>{true, true}));
  // Neither hint was taken: the incidents, then the caseloads, then the commits.
  EXPECT_EQ(reads_processed(conn_) - before, 4);
  EXPECT_EQ(hget(store::case_key("C00000002"), "casemanager"), "anna");
}

}  // namespace
}  // namespace piket::dispatch
