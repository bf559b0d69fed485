// The caseload cap in dispatch against a private redis-server (label redis),
// issue 11 items 5 and 6: monitoring cases count with their weight (read
// from Redis by RedisCaseload), every on-call casemanager at the cap pages
// the team lead once per coverage problem, and a returning family's new case
// goes to the earlier casemanager when on duty (rule previous_casemanager).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/capacity_alert.hpp"
#include "piket/dispatch/dispatcher.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/dispatch/redis_caseload.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"
#include "small_rota.hpp"

namespace piket::dispatch {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// 2026-11-23T08:00:00Z (09:00 in Amsterdam): anna's day on call starts, then bert's.
const common::Instant kAnchor = common::from_epoch_ms(1795420800000);
const common::Instant kTransportStart = common::from_epoch_ms(1924992000000);

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
  c.regions = {{"groningen", "Groningen"}};
  c.people = {person("anna", "+31600000001", rota::StaffRole::casemanager, 2),
              person("bert", "+31600000002", rota::StaffRole::casemanager, 2),
              person("tina", "+31600000009", rota::StaffRole::team_lead, 12)};
  c.caseload.monitoring_weight = 0.25;
  return c;
}

// anna and bert a day each from the anchor, team lead tina.
std::string rota_file() {
  return piket::test::small_rota_file({.primary = {"anna", "bert"},
                                       .team_lead = "tina",
                                       .start = "2026-11-23",
                                       .handoff = "09:00"});
}

class CapacityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-capacity-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  CapacityTest() { conn_.command({"FLUSHALL"}); }

  // A new case with one incident, as ingest's acceptance script writes it.
  std::string incident(int n, const std::string& previous_casemanager = {}) {
    const auto id = "I" + std::string(15 - std::to_string(n).size(), '0') + std::to_string(n) + "X";
    const auto case_id =
        "C" + std::string(7 - std::to_string(n).size(), '0') + std::to_string(n) + "X";
    const auto ms = std::to_string(common::to_epoch_ms(domain_.now()));
    conn_.command({"HSET", store::case_key(case_id), "region", "groningen", "partner", "police",
                   "household", "hh-" + std::to_string(n), "opened_at", ms, "phase", "registered",
                   "state", "open"});
    if (!previous_casemanager.empty())
      conn_.command({"HSET", store::case_key(case_id), "previous_casemanager", previous_casemanager,
                     "previous_case", "C9999999Z"});
    conn_.command({"HSET", store::incident_key(id), "partner", "police", "kind", "code_red",
                   "region", "groningen", "reported_at", ms, "accepted_at", ms, "case_id", case_id,
                   "status", "accepted"});
    conn_.command({"RPUSH", store::case_incidents_key(case_id), id});
    return id;
  }
  // A case a casemanager already holds, in `phase`.
  void holds(const std::string& person, const std::string& case_id, const std::string& phase) {
    conn_.command({"HSET", store::case_key(case_id), "region", "groningen", "phase", phase, "state",
                   "open", "casemanager", person});
    conn_.command({"SADD", store::caseload_key(person), case_id});
    // What piket-cases keeps with the phase (store/lua/lib/cases_monitoring_refresh.lua).
    if (phase == "handover" || phase == "monitoring")
      conn_.command({"SADD", store::kCasesMonitoring, case_id});
  }
  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  // The capacity pages created so far.
  std::vector<std::string> capacity_pages() {
    std::vector<std::string> out;
    for (const auto& k : conn_.command({"KEYS", store::page_key("*")}).elements)
      if (hget(k.str, "rule") == "capacity") out.push_back(k.str.substr(5));
    return out;
  }

  static inline piket::test::PrivateRedis* redis_ = nullptr;
  common::RedisConnection conn_{redis_->config()};
  config::Config config_ = make_config(redis_->config_as("dispatch"));
  common::SimulatedClock domain_{kAnchor + 1h};  // anna's shift
  LiveRota rota_{rota::parse_rota_file(rota_file(), "rota.toml", config_.people), config_.people,
                 config_.caseload, domain_};
  common::SimulatedClock transport_{kTransportStart};
  common::Metrics metrics_{"dispatch"};
  std::mutex mutex_;
  std::vector<std::string> woken_;
  Dispatcher dispatcher_{config_,
                         config_,
                         config_.escalation,
                         config_.reply_code_window(),
                         domain_,
                         transport_,
                         rota_,
                         metrics_,
                         [this](const std::string& id, const std::string&) {
                           std::lock_guard lock(mutex_);
                           woken_.push_back(id);
                         }};
};

TEST_F(CapacityTest, RedisCaseloadCountsTheCasesInMonitoring) {
  holds("anna", "C0000001A", "help");
  holds("anna", "C0000002A", "handover");
  holds("anna", "C0000003A", "monitoring");
  holds("anna", "C0000004A", "registered");
  RedisCaseload view(conn_);
  EXPECT_EQ(view.open_cases("anna"), 4);
  EXPECT_EQ(view.monitoring_cases("anna"), 2);
  EXPECT_DOUBLE_EQ(rota::weighted_caseload(view, "anna", 0.25), 2.5);
  EXPECT_EQ(view.open_cases("nobody"), 0);
}

TEST_F(CapacityTest, MonitoringCasesDoNotFillTheCap) {
  // Three cases in monitoring and none intensive: 0.75 against a cap of 2.
  for (const auto* c : {"C0000001A", "C0000002A", "C0000003A"}) holds("anna", c, "monitoring");
  const auto r = dispatcher_.dispatch(incident(1));
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "anna");
  EXPECT_EQ(r.rule, rota::SelectionRule::on_call);
  EXPECT_TRUE(capacity_pages().empty());
  EXPECT_EQ(conn_.command({"EXISTS", capacity_key("groningen")}).integer, 0);
}

TEST_F(CapacityTest, EveryOnCallCasemanagerAtTheCapPagesTheTeamLeadOnceUntilItIsOver) {
  holds("anna", "C0000001A", "intake");
  holds("anna", "C0000002A", "help");
  const auto since = domain_.now();
  // The first incident past the full on-call layer: the team lead gets it,
  // and is told of the coverage problem.
  const auto first = incident(1);
  auto r = dispatcher_.dispatch(first);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "tina");
  EXPECT_EQ(r.rule, rota::SelectionRule::team_lead);
  auto pages = capacity_pages();
  ASSERT_EQ(pages.size(), 1u);
  const auto page = store::page_key(pages[0]);
  EXPECT_EQ(hget(page, "person"), "tina");
  EXPECT_EQ(hget(page, "to"), "+31600000009");
  EXPECT_EQ(hget(page, "incident"), "") << "not an incident's page: answering it stops nothing";
  EXPECT_EQ(hget(page, "case"), "");
  const auto text = hget(page, "text");
  EXPECT_EQ(text,
            render_capacity_alert("groningen", since, hget(page, "ack_code"), i18n::Language::nl));
  EXPECT_EQ(text,
            "piket CAPACITEIT regio groningen: alle casemanagers van piket vol sinds 23-11 10:00, "
            "nieuw werk slaat hen over. Antwoord " +
                hget(page, "ack_code") + " om aan te nemen.");
  EXPECT_EQ(render_capacity_alert("groningen", since, "047110", i18n::Language::en),
            "piket CAPACITY region groningen: every on-call casemanager at caseload cap since "
            "23-11 10:00, new work skips them. Reply 047110 to acknowledge.");
  EXPECT_LE(text.size(), 160u);
  EXPECT_TRUE(paging::is_gsm7_basic(text));
  EXPECT_EQ(hget(capacity_key("groningen"), "since"), std::to_string(common::to_epoch_ms(since)));
  EXPECT_EQ(hget(capacity_key("groningen"), "past_on_call"), "1");
  EXPECT_EQ(hget(store::incident_key(first), "past_cap"), "1");
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(woken_.size(), 2u) << "the incident's page and the capacity page, both sent";
  }
  // More incidents while it lasts: counted, not paged again.
  domain_.advance(10min);
  ASSERT_EQ(dispatcher_.dispatch(incident(2)).person_id, "tina");
  domain_.advance(10min);
  ASSERT_EQ(dispatcher_.dispatch(incident(3)).person_id, "tina");
  EXPECT_EQ(capacity_pages().size(), 1u);
  EXPECT_EQ(hget(capacity_key("groningen"), "past_on_call"), "3");
  // One of anna's cases is handed over: 1.25 against her cap of 2. The next
  // incident is hers and the problem is over.
  conn_.command({"HSET", store::case_key("C0000002A"), "phase", "handover"});
  conn_.command({"SADD", store::kCasesMonitoring, "C0000002A"});
  domain_.advance(10min);
  r = dispatcher_.dispatch(incident(4));
  EXPECT_EQ(r.person_id, "anna");
  EXPECT_EQ(conn_.command({"EXISTS", capacity_key("groningen")}).integer, 0);
  const auto history = conn_.command({"LRANGE", capacity_history_key("groningen"), "0", "-1"});
  ASSERT_EQ(history.elements.size(), 1u);
  const auto ended = json::parse(history.elements[0].str);
  EXPECT_EQ(ended.at("since").to_number<std::int64_t>(), common::to_epoch_ms(since));
  EXPECT_EQ(ended.at("past_on_call").to_number<std::int64_t>(), 3);
  // Full again (anna now holds 2.25): a new problem, a new page.
  domain_.advance(10min);
  EXPECT_EQ(dispatcher_.dispatch(incident(5)).person_id, "tina");
  EXPECT_EQ(capacity_pages().size(), 2u);
}

TEST_F(CapacityTest, AReturningFamilyGoesToItsEarlierCasemanagerWhenOnDuty) {
  // bert, the earlier casemanager, is off duty (anna's shift): the on-call rule.
  auto r = dispatcher_.dispatch(incident(1, "bert"));
  EXPECT_EQ(r.person_id, "anna");
  EXPECT_EQ(r.rule, rota::SelectionRule::on_call);
  // On bert's shift, at his cap: still his — one family, one caseworker.
  domain_.advance(24h);
  holds("bert", "C0000001B", "intake");
  holds("bert", "C0000002B", "intake");
  const auto id = incident(2, "bert");
  r = dispatcher_.dispatch(id);
  ASSERT_EQ(r.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(r.person_id, "bert");
  EXPECT_EQ(r.rule, rota::SelectionRule::previous_casemanager);
  const auto case_id = hget(store::incident_key(id), "case_id");
  EXPECT_EQ(hget(store::case_key(case_id), "casemanager"), "bert");
  EXPECT_EQ(hget(store::incident_key(id), "rule"), "previous_casemanager");
  EXPECT_EQ(hget(store::page_key(r.page_id), "rule"), "previous_casemanager");
  const auto assigned =
      json::parse(conn_.command({"LINDEX", store::case_timeline_key(case_id), "0"}).str);
  EXPECT_EQ(assigned.at("type").as_string(), "casemanager_assigned");
  EXPECT_EQ(assigned.at("rule").as_string(), "previous_casemanager");
  // Without the link the full on-call layer sends it to the team lead.
  EXPECT_EQ(dispatcher_.dispatch(incident(3)).person_id, "tina");
}

}  // namespace
}  // namespace piket::dispatch
