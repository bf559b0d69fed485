// Escalator against a real, private redis-server (label `redis`): dispatch
// pages the primary, and in simulated time an unanswered page moves to the
// backup and the team lead, repeats, and ends; an acknowledgement stops it, a
// decline moves on at once, an acknowledgement without first contact is paged
// again. Answers go through the inbound service's own script. The selector is
// a fixed table (the rota's select_step has its own unit tests).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/messaging.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/dispatcher.hpp"
#include "piket/paging/escalator.hpp"
#include "piket/paging/page_answer.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::paging {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
// The first page is dispatch's.
using dispatch::Dispatcher;
using dispatch::DispatchResult;

const common::Instant kStart = common::from_epoch_ms(1795420800000);  // 2026-11-23T08:00Z
const common::Instant kTransportStart = common::from_epoch_ms(1924992000000);
const std::string kCase = "C12345678";

// primary: anna, then bert; backup: carl; team lead: tina.
class TableSelector final : public rota::CasemanagerSelector {
 public:
  std::map<EscalationTarget, std::vector<std::string>> people{
      {EscalationTarget::primary, {"anna", "bert"}},
      {EscalationTarget::backup, {"carl"}},
      {EscalationTarget::team_lead, {"tina"}}};

  std::vector<std::string> candidates(const rota::SelectionRequest&) const override { return {}; }
  std::optional<rota::Selection> select(const rota::SelectionRequest& r,
                                        const rota::CaseloadView& c) const override {
    return select_step(EscalationTarget::primary, r, {}, c);
  }
  std::optional<rota::Selection> select_step(EscalationTarget target, const rota::SelectionRequest&,
                                             const std::vector<std::string>& exclude,
                                             const rota::CaseloadView&) const override {
    for (const auto& p : people.at(target))
      if (std::find(exclude.begin(), exclude.end(), p) == exclude.end()) {
        const auto rule = target == EscalationTarget::primary  ? rota::SelectionRule::on_call
                          : target == EscalationTarget::backup ? rota::SelectionRule::backup
                                                               : rota::SelectionRule::team_lead;
        return rota::Selection{p, rule, std::nullopt};
      }
    return std::nullopt;
  }
};

rota::PersonConfig person(std::string id, std::string phone, rota::StaffRole role) {
  rota::PersonConfig p;
  p.id = std::move(id);
  p.display_name = "Display " + p.id;
  p.role = role;
  p.phone = std::move(phone);
  p.regions = {"groningen"};
  return p;
}

config::Config make_config(const common::RedisConfig& redis) {
  config::Config c;
  c.redis = redis;
  c.regions = {{"groningen", "Groningen"}};
  c.people = {person("anna", "+31600000001", rota::StaffRole::casemanager),
              person("bert", "+31600000002", rota::StaffRole::casemanager),
              person("carl", "+31600000003", rota::StaffRole::casemanager),
              person("tina", "+31600000009", rota::StaffRole::team_lead)};
  paging::EscalationConfig esc;
  esc.defaults.steps = {{EscalationTarget::primary, 5min},
                        {EscalationTarget::backup, 5min},
                        {EscalationTarget::team_lead, 10min}};
  esc.defaults.repeat = 1;
  esc.defaults.forgotten = 60min;
  esc.defaults.forgotten_repages = 1;
  c.escalation = esc;
  return c;
}

class EscalatorRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-escalator-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  EscalatorRedisTest()
      : conn_(redis_->config()),
        config_(make_config(redis_->config_as("dispatch"))),
        pool_(config_.redis),
        dispatcher_(config_, config_, config_.escalation, config_.reply_code_window(), domain_,
                    transport_, selector_, metrics_, record()),
        escalator_(config_.escalation, config_, config_, config_.reply_code_window(), domain_,
                   transport_, selector_, pool_, metrics_, record()) {
    conn_.command({"FLUSHALL"});
  }

  Escalator::OnPage record() {
    return [this](const std::string& id, const std::string&) {
      std::lock_guard lock(mutex_);
      woken_.push_back(id);
    };
  }

  // An accepted incident of a new case, as ingest leaves it.
  std::string incident(int n) {
    const std::string id =
        "I" + std::string(15 - std::to_string(n).size(), '0') + std::to_string(n) + "A";
    const std::string case_id =
        "C" + std::string(7 - std::to_string(n).size(), '0') + std::to_string(n) + "Z";
    const auto at = std::to_string(common::to_epoch_ms(domain_.now()));
    conn_.command({"HSET", store::case_key(case_id), "region", "groningen", "opened_at", at,
                   "phase", "registered", "state", "open"});
    conn_.command({"HSET", store::incident_key(id), "kind", "home_ban", "region", "groningen",
                   "reported_at", at, "accepted_at", at, "case_id", case_id, "status", "accepted"});
    return id;
  }
  std::string case_of(const std::string& incident) {
    return hget(store::incident_key(incident), "case_id");
  }

  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  // Pages of an incident, oldest first: (person, step, rule).
  struct PageRow {
    std::string id, person, esc_at, rule, text;
    long long created_at = 0;
  };
  std::vector<PageRow> pages(const std::string& incident) {
    std::vector<PageRow> out;
    for (const auto& k : conn_.command({"KEYS", store::page_key("*")}).elements) {
      if (k.str.size() != 22) continue;  // page:{id} only
      const auto f = conn_.command(
          {"HMGET", k.str, "incident", "person", "esc_at", "rule", "text", "created_at"});
      if (f.elements[0].str != incident) continue;
      out.push_back({k.str.substr(5), f.elements[1].str, f.elements[2].str, f.elements[3].str,
                     f.elements[4].str, std::stoll(f.elements[5].str)});
    }
    std::sort(out.begin(), out.end(), [](const PageRow& a, const PageRow& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.esc_at < b.esc_at;
    });
    return out;
  }
  std::vector<std::string> people_paged(const std::string& incident) {
    std::vector<std::string> out;
    for (const auto& p : pages(incident)) out.push_back(p.person + "@" + p.esc_at);
    return out;
  }
  std::vector<json::object> timeline(const std::string& case_id, const std::string& type) {
    std::vector<json::object> out;
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements) {
      auto o = json::parse(e.str).as_object();
      if (o["type"].as_string() == type) out.push_back(o);
    }
    return out;
  }
  void advance(common::Millis by) {
    domain_.advance(by);
    escalator_.run_due();
  }
  // The value of a metric (its only sample) in the text exposition.
  double metric(const std::string& name) {
    const auto text = metrics_.render();
    const auto at = text.find("\n" + name + "{");
    if (at == std::string::npos) return -1;
    const auto value = text.find("} ", at);
    return std::stod(text.substr(value + 2));
  }
  // The value of a labelled sample, e.g. ("piket_escalation_total", "outcome=\"ignored\"").
  double metric(const std::string& name, const std::string& label) {
    std::istringstream in(metrics_.render());
    for (std::string line; std::getline(in, line);)
      if (line.rfind(name + "{", 0) == 0 && line.find(label) != std::string::npos)
        return std::stod(line.substr(line.rfind(' ') + 1));
    return -1;
  }
  // What notify leaves when no channel could deliver a page (delivery_scripts.cpp,
  // apply: state failed, failed_at).
  void fail_page(const std::string& page) {
    conn_.command({"HSET", store::page_key(page), "state", "failed", "failed_at",
                   std::to_string(common::to_epoch_ms(domain_.now()))});
  }
  paging::PageAnswerOutcome answer(const std::string& person, const std::string& page,
                                   paging::Answer a) {
    return paging::answer_page(conn_,
                               {person, page, "", a, paging::AnswerVia::api, "token " + person, ""},
                               domain_.now(), transport_.now(), 100);
  }
  // The escalation message inbound queued for a decline, handled as dispatch would.
  void deliver_escalation_messages() {
    const auto keys = common::outbox_keys("escalation");
    const auto ids = conn_.command({"ZRANGE", keys.due, "0", "-1"});
    for (const auto& id : ids.elements) {
      const auto payload = conn_.command({"HGET", keys.data, id.str}).str;
      EXPECT_TRUE(escalator_.handle_message("escalation", id.str, payload));
      conn_.command({"ZREM", keys.due, id.str});
      conn_.command({"HDEL", keys.data, id.str});
    }
  }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;
  config::Config config_;
  common::RedisPool pool_;
  TableSelector selector_;
  common::SimulatedClock domain_{kStart};
  common::SimulatedClock transport_{kTransportStart};
  common::Metrics metrics_{"dispatch"};
  std::mutex mutex_;
  std::vector<std::string> woken_;
  Dispatcher dispatcher_;
  Escalator escalator_;
};

piket::test::PrivateRedis* EscalatorRedisTest::redis_ = nullptr;

TEST_F(EscalatorRedisTest, UnansweredGoesPrimaryBackupTeamLeadThenRepeatsThenEnds) {
  const auto inc = incident(1);
  ASSERT_EQ(dispatcher_.dispatch(inc).kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0"}));
  EXPECT_EQ(hget(store::incident_key(inc), "esc_state"), "active");

  advance(5min - 1ms);  // not yet
  EXPECT_EQ(pages(inc).size(), 1u);
  advance(1ms);
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
  EXPECT_EQ(hget(store::incident_key(inc), "status"), "escalated");
  EXPECT_EQ(metric("piket_escalations_running"), 1);
  escalator_.run_due();  // the same instant again: nothing twice
  EXPECT_EQ(pages(inc).size(), 2u);

  advance(5min);
  advance(10min);
  // Round 2 starts with the primary again, and anna is paged again.
  advance(5min);
  advance(5min);
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1", "tina@0.2",
                                                         "anna@1.0", "carl@1.1", "tina@1.2"}));
  advance(10min);
  EXPECT_EQ(hget(store::incident_key(inc), "esc_state"), "exhausted");
  EXPECT_EQ(conn_.command({"ZSCORE", store::kEscalationsDue, inc}).type,
            common::RedisReply::Type::nil);
  escalator_.run_due();
  EXPECT_EQ(metric("piket_escalations_running"), 0);
  advance(1h);
  EXPECT_EQ(pages(inc).size(), 6u);

  const auto escalated = timeline(case_of(inc), "escalated");
  ASSERT_EQ(escalated.size(), 5u);
  EXPECT_EQ(escalated[0].at("from").as_string(), "0.0");
  EXPECT_EQ(escalated[0].at("to").as_string(), "0.1");
  EXPECT_EQ(escalated[0].at("target").as_string(), "backup");
  EXPECT_EQ(escalated[0].at("reason").as_string(), "timeout");
  EXPECT_EQ(escalated[0].at("person").as_string(), "carl");
  EXPECT_EQ(escalated[0].at("at").as_int64(), common::to_epoch_ms(kStart + 5min));
  EXPECT_EQ(timeline(case_of(inc), "escalation_exhausted").size(), 1u);
  for (const auto& p : pages(inc)) {
    if (p.esc_at == "0.0") continue;
    EXPECT_EQ(p.text.rfind("piket OPGESCHAALD ", 0), 0u) << p.text;
  }
  // Each page went to notify once.
  std::set<std::string> unique(woken_.begin(), woken_.end());
  EXPECT_EQ(unique.size(), woken_.size());
  EXPECT_EQ(woken_.size(), 6u);
  // Each page left its step (dispatch's commit, the escalator's steps) expanded: its SMS
  // queued for notify's workers, none waiting for notify to expand it first.
  for (const auto& p : pages(inc)) {
    EXPECT_EQ(hget(store::page_key(p.id), "channels"), "sms") << p.id;
    EXPECT_EQ(hget(store::delivery_key(p.id, "sms"), "state"), "queued") << p.id;
  }
}

// A deployment file without [escalation]: paging owns acknowledgement with
// the built-in policy (paging::builtin_policy). Nobody acknowledges the
// primary's page within 15 minutes → the team lead is paged, exactly once,
// and nothing follows; an acknowledged page pages nobody else. (What the
// deadline engine's acknowledgement clock did before.)
TEST_F(EscalatorRedisTest, WithoutAnEscalationSectionTheTeamLeadIsPagedAfterFifteenMinutesOnce) {
  auto cfg = config_;
  cfg.escalation = config::parse_config(
                       "[kannel]\nusername = \"u\"\n[rota]\nfile = "
                       "\"rota.toml\"\n\n[[regions]]\nid = \"groningen\"\n",
                       "no-escalation.toml")
                       .escalation;
  ASSERT_EQ(cfg.reply_code_window(), 90min);  // 15 + 15 minutes and the hour's grace
  Dispatcher dispatcher(cfg, cfg, cfg.escalation, cfg.reply_code_window(), domain_, transport_,
                        selector_, metrics_, record());
  Escalator escalator(cfg.escalation, cfg, cfg, cfg.reply_code_window(), domain_, transport_,
                      selector_, pool_, metrics_, record());
  auto run = [&](common::Millis by) {
    domain_.advance(by);
    escalator.run_due();
  };
  const auto unanswered = incident(1);
  ASSERT_EQ(dispatcher.dispatch(unanswered).kind, DispatchResult::Kind::dispatched);
  const auto acked = incident(2);
  const auto first = dispatcher.dispatch(acked);
  ASSERT_EQ(first.kind, DispatchResult::Kind::dispatched);
  EXPECT_EQ(people_paged(unanswered), (std::vector<std::string>{"anna@0.0"}));
  EXPECT_EQ(hget(store::page_key(first.page_id), "code_until"),
            std::to_string(common::to_epoch_ms(kStart + 90min)));
  run(2min);
  ASSERT_EQ(answer("anna", first.page_id, paging::Answer::acknowledge).kind,
            paging::PageAnswerOutcome::Kind::acknowledged);

  run(13min - 1ms);  // 15 minutes less a millisecond: nobody else yet
  EXPECT_EQ(pages(unanswered).size(), 1u);
  run(1ms);
  EXPECT_EQ(people_paged(unanswered), (std::vector<std::string>{"anna@0.0", "tina@0.1"}));
  EXPECT_EQ(pages(unanswered).back().rule, "team_lead");
  EXPECT_EQ(pages(unanswered).back().text.rfind("piket OPGESCHAALD ", 0), 0u)
      << pages(unanswered).back().text;
  EXPECT_EQ(hget(store::incident_key(unanswered), "status"), "escalated");
  const auto escalated = timeline(case_of(unanswered), "escalated");
  ASSERT_EQ(escalated.size(), 1u);
  EXPECT_EQ(escalated[0].at("target").as_string(), "team_lead");
  EXPECT_EQ(escalated[0].at("reason").as_string(), "timeout");
  EXPECT_EQ(escalated[0].at("due").as_int64(), common::to_epoch_ms(kStart + 15min));
  // The acknowledged one: nobody else, ever.
  EXPECT_EQ(people_paged(acked), (std::vector<std::string>{"anna@0.0"}));

  // No repeat, no re-page: after the team lead's 15 minutes the escalation
  // is over, and a day later nothing more has been paged.
  run(15min);
  EXPECT_EQ(hget(store::incident_key(unanswered), "esc_state"), "exhausted");
  run(24h);
  EXPECT_EQ(people_paged(unanswered), (std::vector<std::string>{"anna@0.0", "tina@0.1"}));
  EXPECT_EQ(people_paged(acked), (std::vector<std::string>{"anna@0.0"}));
  EXPECT_EQ(hget(store::incident_key(acked), "esc_state"), "stopped");
  EXPECT_TRUE(timeline(case_of(acked), "escalated").empty());
  EXPECT_TRUE(timeline(case_of(acked), "repaged").empty()) << "no forgotten re-page";
}

TEST_F(EscalatorRedisTest, AnHourJumpWithNobodyAnsweringWalksTheWholePolicyInDueOrder) {
  // Two incidents seven minutes apart, then one jump of an hour and one run:
  // every step of both that fell due is taken, each once, in due order
  // across the incidents, and each is recorded with when it was due.
  const auto a = incident(1);
  ASSERT_EQ(dispatcher_.dispatch(a).kind, DispatchResult::Kind::dispatched);
  domain_.advance(7min);
  const auto b = incident(2);
  ASSERT_EQ(dispatcher_.dispatch(b).kind, DispatchResult::Kind::dispatched);
  woken_.clear();
  advance(1h);
  const std::vector<std::string> walk{"anna@0.0", "carl@0.1", "tina@0.2",
                                      "anna@1.0", "carl@1.1", "tina@1.2"};
  EXPECT_EQ(people_paged(a), walk);
  EXPECT_EQ(people_paged(b), walk);
  EXPECT_EQ(hget(store::incident_key(a), "esc_state"), "exhausted");
  EXPECT_EQ(hget(store::incident_key(b), "esc_state"), "exhausted");
  // In due order: a's steps are due 5, 10, 20, 25, 30 minutes after kStart,
  // b's 12, 17, 27, 32, 37.
  std::vector<std::string> order;
  for (const auto& id : woken_) {
    const auto f = conn_.command({"HMGET", store::page_key(id), "incident", "esc_at"});
    order.push_back((f.elements[0].str == a ? "a" : "b") + f.elements[1].str);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a0.1", "a0.2", "b0.1", "b0.2", "a1.0", "a1.1", "b1.0",
                                             "a1.2", "b1.1", "b1.2"}));
  std::vector<long long> due_a;
  for (const auto& e : timeline(case_of(a), "escalated")) {
    due_a.push_back((e.at("due").as_int64() - common::to_epoch_ms(kStart)) / 60000);
    EXPECT_EQ(e.at("at").as_int64(), common::to_epoch_ms(kStart + 67min)) << "taken after the jump";
  }
  EXPECT_EQ(due_a, (std::vector<long long>{5, 10, 20, 25, 30}));
  EXPECT_EQ(timeline(case_of(b), "escalation_exhausted").size(), 1u);
  // Nothing more, ever.
  advance(2h);
  EXPECT_EQ(pages(a).size(), 6u);
  EXPECT_EQ(pages(b).size(), 6u);
}

TEST_F(EscalatorRedisTest, AStepWithNobodyIsSkippedAndTheNextStepIsWhereThePageIs) {
  selector_.people[EscalationTarget::backup] = {};  // nobody on the backup layer
  const auto inc = incident(11);
  dispatcher_.dispatch(inc);
  advance(5min);  // the backup step has nobody: straight on to the team lead
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "tina@0.2"}));
  EXPECT_EQ(hget(store::incident_key(inc), "esc_at"), "0.2");
  const auto escalated = timeline(case_of(inc), "escalated");
  ASSERT_EQ(escalated.size(), 1u);
  EXPECT_EQ(escalated[0].at("to").as_string(), "0.2");
  ASSERT_EQ(escalated[0].at("skipped").as_array().size(), 1u);
  EXPECT_EQ(escalated[0].at("skipped").as_array()[0].as_string(), "0.1");
  // The team lead's wait (10 min) ends: round 2 starts with the primary, the
  // team lead is not paged a second time at the step that was skipped.
  advance(10min);
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "tina@0.2", "anna@1.0"}));
}

TEST_F(EscalatorRedisTest, AcknowledgementStopsTheEscalation) {
  const auto inc = incident(2);
  const auto first = dispatcher_.dispatch(inc);
  advance(5min);
  const auto backup_page = pages(inc).back();
  ASSERT_EQ(backup_page.person, "carl");
  ASSERT_EQ(answer("carl", backup_page.id, paging::Answer::acknowledge).kind,
            paging::PageAnswerOutcome::Kind::acknowledged);
  EXPECT_EQ(hget(store::incident_key(inc), "acknowledged_by"), "carl");
  // anna's page stands down: not open any more, and her late answer changes nothing.
  EXPECT_EQ(hget(store::page_key(first.page_id), "state"), "cancelled");
  EXPECT_EQ(hget(store::page_key(first.page_id), "cancelled_reason"), "answered_by_other");
  EXPECT_EQ(answer("anna", first.page_id, paging::Answer::acknowledge).kind,
            paging::PageAnswerOutcome::Kind::taken_by_other);
  EXPECT_EQ(timeline(case_of(inc), "acknowledged").size(), 1u);
  EXPECT_EQ(timeline(case_of(inc), "acknowledged").at(0).at("stood_down").as_int64(), 1);
  advance(5min);
  advance(10min);
  EXPECT_EQ(pages(inc).size(), 2u);  // no team lead
  // Record the first contact: at the forgotten check the escalation ends.
  conn_.command({"HSET", store::case_key(case_of(inc)), "first_contact_at",
                 std::to_string(common::to_epoch_ms(domain_.now()))});
  advance(2h);
  EXPECT_EQ(hget(store::incident_key(inc), "esc_state"), "stopped");
  EXPECT_EQ(pages(inc).size(), 2u);
  EXPECT_EQ(first.person_id, "anna");
}

TEST_F(EscalatorRedisTest, DeclineMovesToTheNextStepAtOnceAndIsNotAskedAgain) {
  const auto inc = incident(3);
  const auto first = dispatcher_.dispatch(inc);
  ASSERT_EQ(answer("anna", first.page_id, paging::Answer::decline).kind,
            paging::PageAnswerOutcome::Kind::declined);
  deliver_escalation_messages();  // no clock movement at all
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
  const auto escalated = timeline(case_of(inc), "escalated");
  ASSERT_EQ(escalated.size(), 1u);
  EXPECT_EQ(escalated[0].at("reason").as_string(), "declined");
  EXPECT_EQ(escalated[0].at("at").as_int64(), common::to_epoch_ms(kStart));

  // Round 2: anna declined, so bert is the primary now.
  advance(5min);
  advance(10min);
  EXPECT_EQ(people_paged(inc),
            (std::vector<std::string>{"anna@0.0", "carl@0.1", "tina@0.2", "bert@1.0"}));
}

TEST_F(EscalatorRedisTest, ADeclineOfAnOlderStepChangesNothing) {
  const auto inc = incident(4);
  const auto first = dispatcher_.dispatch(inc);
  advance(5min);  // carl paged at 0.1
  ASSERT_EQ(answer("anna", first.page_id, paging::Answer::decline).kind,
            paging::PageAnswerOutcome::Kind::declined);
  deliver_escalation_messages();
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
  // A second delivery of the same message is harmless too.
  const auto payload =
      json::serialize(json::object{{"page_id", first.page_id}, {"reason", "declined"}});
  EXPECT_TRUE(escalator_.handle_message("escalation", first.page_id + ":declined", payload));
  EXPECT_EQ(pages(inc).size(), 2u);
}

TEST_F(EscalatorRedisTest, UndeliverablePageMovesOn) {
  const auto inc = incident(5);
  const auto first = dispatcher_.dispatch(inc);
  fail_page(first.page_id);
  const auto payload =
      json::serialize(json::object{{"page_id", first.page_id}, {"reason", "undeliverable"}});
  EXPECT_TRUE(escalator_.handle_message("escalation", first.page_id + ":undeliverable", payload));
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
  EXPECT_EQ(timeline(case_of(inc), "escalated").at(0).at("reason").as_string(), "undeliverable");
}

// The issue's attack: a forged "declined" message for a page nobody declined.
// Redis is the record: the page was not declined, so nothing moves.
TEST_F(EscalatorRedisTest, ADeclineMessageForAPageThatWasNotDeclinedIsIgnored) {
  const auto inc = incident(21);
  const auto first = dispatcher_.dispatch(inc);
  const auto forged =
      json::serialize(json::object{{"page_id", first.page_id}, {"reason", "declined"}});
  EXPECT_TRUE(escalator_.handle_message("escalation", first.page_id + ":declined", forged));
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0"}));
  EXPECT_TRUE(timeline(case_of(inc), "escalated").empty());
  EXPECT_EQ(hget(store::incident_key(inc), "status"), "dispatched");
  EXPECT_EQ(hget(store::incident_key(inc), "esc_at"), "0.0");
  EXPECT_EQ(hget(store::page_key(first.page_id), "state"), "queued");
  EXPECT_EQ(conn_.command({"SCARD", store::incident_declined_key(inc)}).integer, 0);
  EXPECT_EQ(metric("piket_escalation_total", "outcome=\"ignored\""), 1);
  // The real decline still moves on at once.
  ASSERT_EQ(answer("anna", first.page_id, paging::Answer::decline).kind,
            paging::PageAnswerOutcome::Kind::declined);
  deliver_escalation_messages();
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
}

TEST_F(EscalatorRedisTest, AnUndeliverableMessageForAPageThatDidNotFailIsIgnored) {
  const auto inc = incident(22);
  const auto first = dispatcher_.dispatch(inc);
  const auto forged =
      json::serialize(json::object{{"page_id", first.page_id}, {"reason", "undeliverable"}});
  EXPECT_TRUE(escalator_.handle_message("escalation", first.page_id + ":undeliverable", forged));
  // Declined is not undeliverable either.
  ASSERT_EQ(answer("anna", first.page_id, paging::Answer::decline).kind,
            paging::PageAnswerOutcome::Kind::declined);
  EXPECT_TRUE(escalator_.handle_message("escalation", first.page_id + ":undeliverable", forged));
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0"}));
  EXPECT_TRUE(timeline(case_of(inc), "escalated").empty());
  EXPECT_EQ(metric("piket_escalation_total", "outcome=\"ignored\""), 2);
}

// A message whose id does not name its page and reason is not one piket
// writes (inbound: "<page>:declined", notify: "<page>:undeliverable").
TEST_F(EscalatorRedisTest, AnEscalationMessageWhoseIdDoesNotMatchItsPageIsDropped) {
  const auto inc = incident(23);
  const auto first = dispatcher_.dispatch(inc);
  ASSERT_EQ(answer("anna", first.page_id, paging::Answer::decline).kind,
            paging::PageAnswerOutcome::Kind::declined);
  conn_.command(
      {"DEL", common::outbox_keys("escalation").due, common::outbox_keys("escalation").data});
  const auto payload =
      json::serialize(json::object{{"page_id", first.page_id}, {"reason", "declined"}});
  EXPECT_TRUE(escalator_.handle_message("escalation", "PAAAAAAAAAAAAAAAA:declined", payload));
  EXPECT_TRUE(escalator_.handle_message("escalation", first.page_id + ":undeliverable", payload));
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0"}));
  // The message as inbound writes it moves on.
  EXPECT_TRUE(escalator_.handle_message("escalation", first.page_id + ":declined", payload));
  EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
}

// A page that is not part of an escalation (the off-duty own casemanager's
// "inform" page, a rota notice) never moves one, even when it was declined;
// inbound sends a message for every decline, so this one is not suspicious.
TEST_F(EscalatorRedisTest, ADeclinedPageOutsideTheEscalationMovesNothing) {
  const auto inc = incident(24);
  const auto first = dispatcher_.dispatch(inc);
  // A page of the same incident without an escalation position.
  const std::string other = "PBBBBBBBBBBBBBBBB";
  conn_.command({"HSET", store::page_key(other), "incident", inc, "case", case_of(inc), "person",
                 "bert", "state", "declined", "declined_at", "1", "rule", "inform", "created_at",
                 "1"});
  const auto payload = json::serialize(json::object{{"page_id", other}, {"reason", "declined"}});
  EXPECT_TRUE(escalator_.handle_message("escalation", other + ":declined", payload));
  EXPECT_EQ(pages(inc).size(), 2u);  // anna's and the inform page: nobody new
  EXPECT_TRUE(timeline(case_of(inc), "escalated").empty());
  EXPECT_EQ(hget(store::incident_key(inc), "esc_at"), "0.0");
  EXPECT_EQ(hget(store::page_key(first.page_id), "state"), "queued");
  EXPECT_EQ(metric("piket_escalation_total", "outcome=\"ignored\""), 0);
  // A message for a page that does not exist is.
  const std::string none = "PCCCCCCCCCCCCCCCC";
  EXPECT_TRUE(escalator_.handle_message(
      "escalation", none + ":declined",
      json::serialize(json::object{{"page_id", none}, {"reason", "declined"}})));
  EXPECT_EQ(metric("piket_escalation_total", "outcome=\"ignored\""), 1);
  EXPECT_EQ(pages(inc).size(), 2u);
}

TEST_F(EscalatorRedisTest, AcknowledgedWithoutFirstContactIsPagedAgainThenMovesOn) {
  const auto inc = incident(6);
  const auto first = dispatcher_.dispatch(inc);
  advance(1min);
  ASSERT_EQ(answer("anna", first.page_id, paging::Answer::acknowledge).kind,
            paging::PageAnswerOutcome::Kind::acknowledged);
  advance(59min);
  EXPECT_EQ(pages(inc).size(), 1u);
  advance(1min);  // 60 minutes after the acknowledgement
  const auto all = pages(inc);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].person, "anna");
  EXPECT_EQ(all[1].rule, "forgotten");
  EXPECT_EQ(all[1].text.rfind("piket NOG GEEN CONTACT ", 0), 0u) << all[1].text;
  EXPECT_EQ(timeline(case_of(inc), "repaged").size(), 1u);
  EXPECT_EQ(hget(store::incident_key(inc), "status"), "dispatched");
  // Not acknowledged within the step's wait: the backup.
  advance(5min);
  EXPECT_EQ(pages(inc).back().person, "carl");
  EXPECT_EQ(pages(inc).size(), 3u);
}

TEST_F(EscalatorRedisTest, ALaterIncidentIsMetByTheContactRecordedForItNotTheCasesFirstContact) {
  // A code red on a case whose first contact was months ago (ingest marks it
  // new_case = 0): acknowledged, but nobody goes out for it.
  const auto inc = incident(8);
  conn_.command({"HSET", store::incident_key(inc), "new_case", "0"});
  conn_.command({"HSET", store::case_key(case_of(inc)), "first_contact_at",
                 std::to_string(common::to_epoch_ms(kStart - std::chrono::hours{24 * 150}))});
  const auto first = dispatcher_.dispatch(inc);
  advance(1min);
  ASSERT_EQ(answer("anna", first.page_id, paging::Answer::acknowledge).kind,
            paging::PageAnswerOutcome::Kind::acknowledged);
  advance(60min);
  ASSERT_EQ(pages(inc).size(), 2u) << "the case's old first contact does not meet it";
  EXPECT_EQ(pages(inc)[1].rule, "forgotten");
  // Contact recorded for the incident (the case API writes contact_at): no more.
  conn_.command({"HSET", store::incident_key(inc), "contact_at",
                 std::to_string(common::to_epoch_ms(domain_.now()))});
  ASSERT_EQ(answer("anna", pages(inc)[1].id, paging::Answer::acknowledge).kind,
            paging::PageAnswerOutcome::Kind::acknowledged);
  advance(3h);
  EXPECT_EQ(pages(inc).size(), 2u);
  EXPECT_EQ(hget(store::incident_key(inc), "esc_state"), "stopped");
}

TEST_F(EscalatorRedisTest, MalformedMessagesAreDroppedAndChangeNothing) {
  const auto inc = incident(7);
  dispatcher_.dispatch(inc);
  for (const std::string bad : {"", "{", "[]", "{\"page_id\":1,\"reason\":\"declined\"}",
                                "{\"page_id\":\"P123\",\"reason\":\"declined\"}",
                                "{\"page_id\":\"PAAAAAAAAAAAAAAAA\",\"reason\":\"bored\"}"})
    EXPECT_TRUE(escalator_.handle_message("escalation", "m1", bad)) << bad;
  EXPECT_TRUE(escalator_.handle_message("dispatch", "m1", "{}"));
  // A page that is not part of any escalation (unknown id) is ignored.
  EXPECT_TRUE(escalator_.handle_message(
      "escalation", "m2", "{\"page_id\":\"PAAAAAAAAAAAAAAAA\",\"reason\":\"declined\"}"));
  EXPECT_EQ(pages(inc).size(), 1u);
}

TEST_F(EscalatorRedisTest, AnIncidentThatCannotBeEscalatedDoesNotHoldUpTheOthers) {
  const auto bad = incident(8);
  const auto good = incident(9);
  dispatcher_.dispatch(bad);
  dispatcher_.dispatch(good);
  // The bad one's record is broken after its first page (no kind to render).
  conn_.command({"HSET", store::incident_key(bad), "kind", "not-a-kind"});
  // Make it fall due first, so it is at the head of the round.
  conn_.command({"ZADD", store::kEscalationsDue,
                 std::to_string(common::to_epoch_ms(domain_.now() + 4min)), bad});
  advance(5min);
  EXPECT_EQ(people_paged(good), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
  EXPECT_EQ(pages(bad).size(), 1u);
  // Retried a minute later, not in a busy loop.
  const auto score = conn_.command({"ZSCORE", store::kEscalationsDue, bad}).str;
  EXPECT_EQ(std::stoll(score), common::to_epoch_ms(domain_.now() + 1min));
}

TEST_F(EscalatorRedisTest, ConcurrentEscalatorsPageEachStepOnce) {
  std::vector<std::string> incidents;
  for (int n = 10; n < 40; ++n) {
    incidents.push_back(incident(n));
    ASSERT_EQ(dispatcher_.dispatch(incidents.back()).kind, DispatchResult::Kind::dispatched);
  }
  Escalator second(config_.escalation, config_, config_, config_.reply_code_window(), domain_,
                   transport_, selector_, pool_, metrics_, record());
  domain_.advance(5min);
  std::thread a([&] { escalator_.run_due(); });
  std::thread b([&] { second.run_due(); });
  a.join();
  b.join();
  for (const auto& inc : incidents)
    EXPECT_EQ(people_paged(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1"})) << inc;
}

}  // namespace
}  // namespace piket::paging
