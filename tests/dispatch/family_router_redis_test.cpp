// FamilyRouter against a private redis-server (issue 18): a family's message
// (stored by inbound's script, as inbound does) is paged to the case's own
// casemanager when on duty and not absent, else to the on-call casemanager;
// unacknowledged by the policy's deadline it goes to the team lead; an
// acknowledgement stops it and is recorded with who. Simulated time.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "piket/common/phone_number.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/family_page.hpp"
#include "piket/dispatch/family_router.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/paging/gsm7.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::dispatch {
namespace {

using namespace std::chrono_literals;

config::Config config_for(const common::RedisConfig& redis) {
  auto c = config::parse_config(R"(
[kannel]
username = "u"
[[regions]]
id = "groningen"
[[people]]
id = "icm-a"
name = "A"
role = "casemanager"
phone = "+447700900001"
regions = ["groningen"]
[[people]]
id = "icm-b"
name = "B"
role = "casemanager"
phone = "+447700900002"
regions = ["groningen"]
[[people]]
id = "icm-c"
name = "C"
role = "casemanager"
phone = "+447700900003"
regions = ["groningen"]
[[people]]
id = "tl"
name = "TL"
role = "team_lead"
phone = "+447700900010"
regions = ["groningen"]
[rota]
file = "/nonexistent/rota.toml"
)",
                                "test.toml");
  c.redis = redis;
  return c;
}

// icm-a primary, icm-b backup, tl team lead, every day; icm-c is on no layer
// (the case's own casemanager, off duty).
constexpr const char* kRota = R"(
[[rotations]]
region = "groningen"
layer = "primary"
shift = "day"
handoff = "08:00"
start = 2026-11-01
members = ["icm-a"]
[[rotations]]
region = "groningen"
layer = "backup"
shift = "day"
handoff = "08:00"
start = 2026-11-01
members = ["icm-b"]
[[rotations]]
region = "groningen"
layer = "team_lead"
shift = "day"
handoff = "08:00"
start = 2026-11-01
members = ["tl"]
)";

const std::string kCase = "C12345678";
const std::string kPhone = "+31611111111";

class FamilyRouterRedis : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new test::PrivateRedis("family-router"); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  FamilyRouterRedis() {
    ops_.command({"FLUSHALL"});
    ops_.command({"HSET", store::case_key(kCase), "state", "open", "region", "groningen",
                  "casemanager", "icm-a"});
    ops_.command(
        {"HSET", store::family_phone_key(common::phone_key_hash(kPhone)), kCase, "victim"});
  }

  // The family's SMS as inbound stores it (inbound_family_message.lua, as "inbound").
  void family_sms(bool urgent) {
    static const common::RedisScript s{std::string(lua::inbound_family_message())};
    store::FamilyMessageArgs a;
    a.phone_hash = common::phone_key_hash(kPhone);
    a.now_ms = common::to_epoch_ms(clock_.now());
    a.text = "Wij hebben hulp nodig";
    a.urgent = urgent;
    a.reply_page_id = "PF00000000000000" + std::to_string(++answers_);
    a.number = kPhone;
    a.text_own = "OWN";
    a.text_duty = "DUTY";
    a.sender_ttl_ms = 3'600'000;
    inbound_.eval(s, {}, a.args());
  }
  std::string route(const std::string& field) {
    return ops_.command({"HGET", store::family_route_key(kCase, "F1"), field}).str;
  }
  std::string page(const std::string& id, const std::string& field) {
    return ops_.command({"HGET", store::page_key(id), field}).str;
  }
  // A page's acknowledgement as inbound's answer records it (the fields the router reads).
  void acknowledge(const std::string& id) {
    ops_.command({"HSET", store::page_key(id), "state", "acknowledged", "acknowledged_at",
                  std::to_string(common::to_epoch_ms(clock_.now()))});
  }
  std::vector<std::string> types() {
    std::vector<std::string> out;
    for (const auto& e :
         ops_.command({"LRANGE", store::case_timeline_key(kCase), "0", "-1"}).elements)
      out.push_back(std::string(boost::json::parse(e.str).as_object().at("type").as_string()));
    return out;
  }
  // Runs the router each simulated minute for `d`; the pages it made.
  std::vector<std::string> run_for(common::Millis d) {
    std::vector<std::string> made;
    const auto end = clock_.now() + d;
    while (true) {
      router_.run_once();
      made.insert(made.end(), sent_.begin(), sent_.end());
      sent_.clear();
      if (clock_.now() >= end) break;
      clock_.advance(std::min<common::Millis>(60s, end - clock_.now()));
    }
    return made;
  }

  static test::PrivateRedis* server_;
  common::RedisConnection ops_{server_->config()};
  common::RedisConnection inbound_{server_->config_as("inbound")};
  config::Config cfg_ = config_for(server_->config_as("dispatch"));
  // 2026-11-22 (a Sunday) 14:00 Amsterdam.
  common::SimulatedClock clock_{*common::parse_rfc3339("2026-11-22T14:00:00+01:00")};
  LiveRota live_{rota::parse_rota_file(kRota, "rota.toml", cfg_.people), cfg_.people, cfg_.caseload,
                 clock_, 30};
  common::RedisPool pool_{server_->config_as("dispatch")};
  std::vector<std::string> sent_;
  int answers_ = 0;
  FamilyRouter router_{
      FamilyPolicy{}, cfg_,
      live_,          cfg_.outbox,
      clock_,         clock_,
      pool_,          [this](const std::string& id, const std::string&) { sent_.push_back(id); }};
};
test::PrivateRedis* FamilyRouterRedis::server_ = nullptr;

// The own casemanager, on duty and present, gets the page; its text says only
// that there is a message for the case, and how to acknowledge.
TEST_F(FamilyRouterRedis, TheOwnCasemanagerOnDutyIsPagedAndTheirAckStopsIt) {
  std::vector<std::string> audited;  // the audit trail's hook
  router_.on_acknowledged([&](const std::string& c, const std::string& m, const std::string& by) {
    audited.push_back(c + "|" + m + "|" + by);
  });
  family_sms(false);
  auto made = run_for(0ms);
  ASSERT_EQ(made.size(), 1u);
  const auto p = made[0];
  EXPECT_EQ(page(p, "person"), "icm-a");
  EXPECT_EQ(page(p, "rule"), "family_message");
  EXPECT_EQ(page(p, "case"), kCase);
  const auto text = page(p, "text");
  EXPECT_EQ(text, "piket BERICHT GEZIN zaak " + kCase + ". Lees het in de app. Antwoord " +
                      page(p, "ack_code") + " om aan te nemen.");
  EXPECT_TRUE(paging::fits_one_segment(text));
  EXPECT_EQ(text.find("hulp"), std::string::npos);
  clock_.advance(10min);
  acknowledge(p);
  const auto received = run_for(2min);
  EXPECT_EQ(route("state"), "acknowledged");
  EXPECT_EQ(route("acknowledged_by"), "icm-a");
  // The number that wrote hears "received", once, in the deployment's language.
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(page(received[0], "to"), kPhone);
  EXPECT_EQ(page(received[0], "text"), family_received_text(i18n::Language::nl));
  EXPECT_EQ(page(received[0], "rule"), "family_reply");
  EXPECT_EQ(page(received[0], "person"), "");
  EXPECT_EQ(audited, std::vector<std::string>{kCase + "|F1|icm-a"});
  // Nobody else is paged, not even at the deadline (the next 09:00).
  EXPECT_TRUE(run_for(20h).empty());
  EXPECT_EQ(ops_.command({"ZCARD", std::string(store::kFamilyDue)}).integer, 0);
  const auto t = types();
  EXPECT_EQ(std::count(t.begin(), t.end(), "family_message_acknowledged"), 1);
}

// The own casemanager is absent: the on-call casemanager; unanswered, the team
// lead at 09:00 the next morning (the policy for a message that is not urgent).
TEST_F(FamilyRouterRedis, AbsentCasemanagerGoesOnCallThenTheTeamLeadTheNextMorning) {
  ops_.command({"HSET", store::case_key(kCase), "casemanager", "icm-c"});
  ops_.command({"HSET", store::person_absence_key("icm-c"), "since",
                std::to_string(common::to_epoch_ms(clock_.now() - 1h))});
  family_sms(false);
  auto made = run_for(0ms);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(page(made[0], "person"), "icm-a");  // on call (primary)
  // Nothing until 09:00 on Monday (19 h after 14:00).
  EXPECT_TRUE(run_for(18h + 59min).empty());
  made = run_for(1min);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(page(made[0], "person"), "tl");
  EXPECT_EQ(page(made[0], "rule"), "family_message_team_lead");
  EXPECT_NE(page(made[0], "text").find("niet opgepakt"), std::string::npos);
  EXPECT_EQ(route("escalated_at"), std::to_string(common::to_epoch_ms(clock_.now())));
  // The team lead acknowledges: recorded with who.
  acknowledge(made[0]);
  run_for(1min);
  EXPECT_EQ(route("state"), "acknowledged");
  EXPECT_EQ(route("acknowledged_by"), "tl");
}

// An urgent message reaches the team lead within the hour when nobody answers.
TEST_F(FamilyRouterRedis, AnUrgentMessageReachesTheTeamLeadWithinTheHour) {
  family_sms(true);
  auto made = run_for(0ms);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_NE(page(made[0], "text").find("dringend"), std::string::npos);
  EXPECT_TRUE(run_for(59min).empty());
  made = run_for(1min);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(page(made[0], "person"), "tl");
  EXPECT_NE(page(made[0], "text").find("dringend, niet opgepakt"), std::string::npos);
}

// A declined first page goes to the team lead at once; each step is taken once
// however often the router runs (two dispatch instances).
TEST_F(FamilyRouterRedis, ADeclineGoesToTheTeamLeadAtOnceAndEachStepOnce) {
  family_sms(false);
  auto made = run_for(0ms);
  ASSERT_EQ(made.size(), 1u);
  ops_.command({"HSET", store::page_key(made[0]), "state", "declined"});
  clock_.advance(1min);
  router_.run_once();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(page(sent_[0], "person"), "tl");
  // Another dispatch instance that read the step as due before this one's
  // write: the same step again changes nothing.
  FamilyRouter other{FamilyPolicy{}, cfg_, live_, cfg_.outbox, clock_, clock_, pool_, {}};
  ops_.command({"ZADD", std::string(store::kFamilyDue),
                std::to_string(common::to_epoch_ms(clock_.now())), kCase + "|F1"});
  EXPECT_EQ(other.run_once(), 0);
  // The family's answer and the two pages.
  EXPECT_EQ(ops_.command({"KEYS", "page:*"}).elements.size(), 3u);
}

// Started, the router does nothing at rest: a message due now waits for a wake
// (inbound's message on the escalation channel), then is paged at once; an
// acknowledgement's wake records it at once. Real time is not simulated here:
// the loop's longest sleep is a minute.
TEST_F(FamilyRouterRedis, StartedItIsWokenAndDoesNotPoll) {
  std::atomic<int> made{0};
  FamilyRouter loop{
      FamilyPolicy{}, cfg_,   live_, cfg_.outbox,
      clock_,         clock_, pool_, [&](const std::string&, const std::string&) { ++made; }};
  const auto calls = [&] {
    const auto info = ops_.command({"INFO", "commandstats"}).str;
    const auto at = info.find("cmdstat_zrange:calls=");
    return at == std::string::npos ? 0L : std::stol(info.substr(at + 21));
  };
  const auto eventually = [](auto pred) {
    for (int i = 0; i < 200 && !pred(); ++i) std::this_thread::sleep_for(10ms);
    return pred();
  };
  const auto base = calls();
  loop.start();
  ASSERT_TRUE(eventually([&] { return calls() >= base + 1; }));  // its first round
  family_sms(false);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(made, 0) << "not polled";
  EXPECT_EQ(calls(), base + 1) << "one round only";
  EXPECT_TRUE(loop.handle_message("escalation", "family:PF00000000000001", "{}"));
  ASSERT_TRUE(eventually([&] { return made == 1; }));
  // Acknowledged (inbound sets the step due now and wakes the router).
  acknowledge(route("page"));
  ops_.command({"ZADD", std::string(store::kFamilyDue),
                std::to_string(common::to_epoch_ms(clock_.now())), kCase + "|F1"});
  loop.wake();
  ASSERT_TRUE(eventually([&] { return route("state") == "acknowledged"; }));
  EXPECT_EQ(made, 2) << "and the received answer";
  loop.stop();
  EXPECT_TRUE(is_family_wake("family:PF00000000000001"));
  EXPECT_FALSE(is_family_wake("P0000000000000001:declined"));
}

// The policy's deadline: urgent an hour, otherwise the next 09:00 in Amsterdam,
// never more than 24 hours.
TEST(FamilyPolicy, TheDeadlineIsAnHourOrTheNextMorningAtNine) {
  const FamilyPolicy p;
  const auto at = [](const char* s) { return *common::parse_rfc3339(s); };
  EXPECT_EQ(family_deadline(at("2026-11-22T14:00:00+01:00"), true, p),
            at("2026-11-22T15:00:00+01:00"));
  EXPECT_EQ(family_deadline(at("2026-11-22T14:00:00+01:00"), false, p),
            at("2026-11-23T09:00:00+01:00"));
  EXPECT_EQ(family_deadline(at("2026-11-23T03:00:00+01:00"), false, p),
            at("2026-11-23T09:00:00+01:00"));
  EXPECT_EQ(family_deadline(at("2026-11-23T09:00:00+01:00"), false, p),
            at("2026-11-24T09:00:00+01:00"));
  // Summer time: 09:00 local is 07:00 UTC.
  EXPECT_EQ(family_deadline(at("2026-07-01T22:00:00+02:00"), false, p),
            at("2026-07-02T09:00:00+02:00"));
  FamilyPolicy short_day = p;
  short_day.longest = 6h;
  EXPECT_EQ(family_deadline(at("2026-11-22T14:00:00+01:00"), false, short_day),
            at("2026-11-22T20:00:00+01:00"));
}

}  // namespace
}  // namespace piket::dispatch
