// Notify's Lua scripts (store/lua/notify/*.lua) and the lib files notify owns
// (store/lua/lib/notify_*.lua), each run directly against a real redis-server
// (label redis) as the Redis user of the service that runs it: "notify" for
// its own scripts, "inbound" (and "web") for the lib functions inbound's
// scripts call as notify's store API. Arguments and replies go through the
// typed structs of piket/store/delivery_scripts.hpp.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "instances.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/delivery_scripts.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"
#include "scripts_fixture.hpp"

namespace piket::store {
namespace {

namespace json = boost::json;
using common::RedisConnection;
using common::RedisReply;
using common::RedisScript;

const RedisScript kExpand{std::string(lua::notify_expand())};
const RedisScript kLoad{std::string(lua::notify_page_load())};
const RedisScript kApply{std::string(lua::notify_apply())};
const RedisScript kClaim{std::string(lua::notify_claim())};
const RedisScript kJoin{std::string(lua::notify_join())};
const RedisScript kComplete{std::string(lua::notify_complete())};
const RedisScript kPush{std::string(lua::notify_push())};

// A lib file's functions called directly: the lib's text (with what it
// includes) and a last line that calls them.
RedisScript lib_call(std::string_view lib, std::string_view call) {
  return RedisScript{std::string(lib) + "\n" + std::string(call) + "\n"};
}

const std::string kPage = "P0123456789ABCDEF";
const std::string kPage2 = "P0123456789ABCDEG";
const std::string kPage3 = "P0123456789ABCDEH";
const std::string kCase = "C12345678";
const std::string kIncident = "I0123456789ABCDEF";
const std::string kTo = "+31612345678";
const long long kNow = 1795870800000;        // domain ms
const long long kTransport = 1924992000000;  // transport ms

using test::n;

class NotifyScriptsTest : public test::ScriptsFixture<NotifyScriptsTest> {
 public:
  static constexpr const char* kServer = "piket-notify-scripts";

 protected:
  // A page as its producer writes it (lib/paging_page_create.lua), for anna.
  void seed_page(const std::string& id, std::string_view state = "queued") {
    ops_.command(
        {"HSET",       page_key(id),    "incident", kIncident, "case",     kCase,
         "person",     "anna",          "to",       kTo,       "text",     "piket page " + id,
         "ack_code",   "123456",        "rule",     "on_call", "state",    state,
         "created_at", n(kNow - 60000), "channel",  "sms",     "attempts", "0"});
  }
  // One SMS delivery of a page, as notify_expand and notify_apply leave it.
  void seed_sms(const std::string& page, std::string_view state, std::string_view person = "anna",
                std::string_view to = kTo) {
    ops_.command({"HSET", delivery_key(page, "sms"), "page", page, "channel", "sms", "person",
                  person, "case", kCase, "to", to, "state", state, "attempts", "0"});
  }

  // A claim (notify_claim.lua) as a batch, and its first delivery's claim (idle: none).
  NotifyClaimBatch claim_batch(const NotifyClaimArgs& args) {
    return parse_notify_claim_batch(notify_.eval(kClaim, {}, args.argv()).element_strings());
  }
  NotifyClaimReply claim_one(const NotifyClaimArgs& args) {
    auto batch = claim_batch(args);
    return batch.claims.empty() ? NotifyClaimReply{} : batch.claims.front();
  }
  // One delivery's outcome through notify_complete.lua; what it applied.
  std::string complete_one(const std::string& delivery_id, const NotifySendOutcome& sent,
                           long long now = kNow) {
    const NotifyCompleteArgs args{now, {{delivery_id, sent}}};
    const auto r = notify_.eval(kComplete, {}, args.argv()).element_strings();
    return r.size() == 1 ? r[0] : "<" + std::to_string(r.size()) + " replies>";
  }

  RedisConnection notify_{redis_->config_as("notify")};
};

// ------------------------------------------------------------------ notify_expand

// One delivery per contact rule, in order; a channel whose (case, step,
// person, channel) another page holds is suppressed, with a timeline event;
// the page gets its channel list, rev 1 and its timer.
TEST_F(NotifyScriptsTest, ExpandMakesOneDeliveryPerRuleAndSuppressesADuplicate) {
  seed_page(kPage);
  ops_.command({"SET", pagekey_key(kCase, kIncident + ":on_call", "anna", "sms"), kPage2 + ":sms"});
  const NotifyExpandArgs args{
      kPage, kNow, {{"sms", 0, ""}, {"push", 60000, push_key("anna")}, {"email", 120000, "a@x"}}};

  const auto r = notify_.eval(kExpand, {}, args.argv()).element_strings();
  EXPECT_EQ(r, (std::vector<std::string>{"expanded", "1"}));

  const auto sms = delivery_key(kPage, "sms");
  EXPECT_EQ(hget(sms, "state"), "suppressed");
  EXPECT_EQ(hget(sms, "duplicate_of"), kPage2 + ":sms");
  EXPECT_EQ(hget(sms, "to"), kTo) << "sms without an address: the page's number";
  EXPECT_EQ(hget(sms, "order"), "0");
  const auto push = delivery_key(kPage, "push");
  EXPECT_EQ(hget(push, "state"), "scheduled");
  EXPECT_EQ(hget(push, "to"), push_key("anna"));
  EXPECT_EQ(hget(push, "after_ms"), "60000");
  EXPECT_EQ(hget(push, "order"), "1");
  EXPECT_EQ(hget(push, "attempts"), "0");
  EXPECT_EQ(hget(push, "created_at"), n(kNow));
  EXPECT_EQ(hget(delivery_key(kPage, "email"), "to"), "a@x");
  EXPECT_EQ(ops_.command({"GET", pagekey_key(kCase, kIncident + ":on_call", "anna", "push")}).str,
            kPage + ":push");

  EXPECT_EQ(hget(page_key(kPage), "channels"), "sms,push,email");
  EXPECT_EQ(hget(page_key(kPage), "rev"), "1");
  EXPECT_EQ(hget(page_key(kPage), "step"), kIncident + ":on_call");
  EXPECT_EQ(hget(page_key(kPage), "expanded_at"), n(kNow));
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow));
  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "duplicate_suppressed");
  EXPECT_EQ(events[0].at("channel").as_string(), "sms");
  EXPECT_EQ(events[0].at("duplicate_of").as_string(), kPage2 + ":sms");
  EXPECT_EQ(events[0].at("by").as_string(), "notify");

  // Once only; only a queued page; only a complete one.
  EXPECT_EQ(notify_.eval(kExpand, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"already", "queued"}));
  seed_page(kPage3, "sending");
  auto other = args;
  other.page_id = kPage3;
  EXPECT_EQ(notify_.eval(kExpand, {}, other.argv()).element_strings(),
            (std::vector<std::string>{"not_queued", "sending"}));
  other.page_id = "PNOSUCHPAGE000000";
  EXPECT_EQ(notify_.eval(kExpand, {}, other.argv()).element_strings(),
            (std::vector<std::string>{"missing"}));
}

// A page of an incident of its own (seed_page's pages share one: the same step).
void own_incident(RedisConnection& ops, const std::string& page) {
  ops.command({"HSET", page_key(page), "incident", "I" + page.substr(1)});
}

// Rules given as another person's (the page's message said so) are not the
// page's: nothing is written, and the caller is told so; the page's own person
// given, it is expanded.
TEST_F(NotifyScriptsTest, ExpandOfRulesOfAnotherPersonWritesNothing) {
  seed_page(kPage);
  NotifyExpandArgs args{kPage, kNow, {{"sms", 0, ""}}};
  args.person = "bob";
  const auto before = ops_.command({"DBSIZE"}).integer;
  const auto r = notify_.eval(kExpand, {}, args.argv()).element_strings();
  EXPECT_EQ(r, (std::vector<std::string>{"other_person"}));
  EXPECT_EQ(parse_notify_expand(r).kind, NotifyExpandReply::Kind::other_person);
  EXPECT_EQ(ops_.command({"DBSIZE"}).integer, before);
  EXPECT_FALSE(ops_.command({"HEXISTS", page_key(kPage), "channels"}).integer);

  args.person = "anna";
  EXPECT_EQ(notify_.eval(kExpand, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"expanded", "0"}));
  EXPECT_EQ(hget(page_key(kPage), "channels"), "sms");
}

// The plan of the page as expanded, for anna's SMS at once and push a minute
// later (what Notifier::handle_batch makes with paging::plan_deliveries): the
// SMS starts, the page wakes for the push at created_at + 60 s.
NotifyExpandArgs expand_with_plan(const std::string& page) {
  NotifyExpandArgs args{page, kNow, {{"sms", 0, ""}, {"push", 60000, push_key("anna")}}, {}};
  NotifyApplyArgs apply;
  apply.rev = std::string(kNotifyExpandedRev);
  apply.domain_now_ms = kNow;
  apply.transport_now_ms = kTransport;
  apply.next_wakeup_ms = kNow - 60000 + 60000;
  apply.outbox_due_ms = kTransport + 100;
  apply.start = {{"sms", "at_once", std::nullopt}};
  args.plan = NotifyExpandPlan{kNow - 60000, false, apply};
  return args;
}

// Expanded and planned in one step: the plan's SMS is queued, the push stays
// scheduled, and the page's timer is the plan's next wake-up — not due at
// once, so no worker evaluates the fresh page a second time.
TEST_F(NotifyScriptsTest, ExpandWithAPlanAppliesItInTheSameStep) {
  seed_page(kPage);
  const auto r = notify_.eval(kExpand, {}, expand_with_plan(kPage).argv()).element_strings();
  EXPECT_EQ(r, (std::vector<std::string>{"expanded", "0", "applied", "1"}));
  const auto parsed = parse_notify_expand(r);
  EXPECT_EQ(parsed.kind, NotifyExpandReply::Kind::expanded);
  EXPECT_TRUE(parsed.applied);
  EXPECT_EQ(parsed.started, 1);

  const auto sms = delivery_key(kPage, "sms");
  EXPECT_EQ(hget(sms, "state"), "queued");
  EXPECT_EQ(hget(sms, "queued_at"), n(kNow));
  EXPECT_EQ(hget(sms, "start_reason"), "at_once");
  EXPECT_EQ(hget(sms, "to"), kTo);
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport));
  EXPECT_EQ(zscore(sms_queue_key("anna"), kPage + ":sms"), n(kTransport));
  EXPECT_EQ(hget(delivery_key(kPage, "push"), "state"), "scheduled");
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":push"));
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow)) << "created_at + 60 s: the push's turn";
  EXPECT_EQ(hget(page_key(kPage), "channels"), "sms,push");
  EXPECT_EQ(hget(page_key(kPage), "rev"), "2") << "expanded (1), then the plan applied";
  EXPECT_TRUE(timeline().empty());

  // The same plan at a page whose push is due later still: the timer is that wake-up.
  seed_page(kPage2);
  own_incident(ops_, kPage2);
  auto later = expand_with_plan(kPage2);
  later.plan->apply.next_wakeup_ms = kNow + 5000;
  EXPECT_TRUE(
      parse_notify_expand(notify_.eval(kExpand, {}, later.argv()).element_strings()).applied);
  EXPECT_EQ(zscore(kNotifyTimers, kPage2), n(kNow + 5000));
  // No wake-up in the plan: no timer at all.
  seed_page(kPage3);
  own_incident(ops_, kPage3);
  auto none = expand_with_plan(kPage3);
  none.plan->apply.next_wakeup_ms.reset();
  EXPECT_TRUE(
      parse_notify_expand(notify_.eval(kExpand, {}, none.argv()).element_strings()).applied);
  EXPECT_FALSE(zscore(kNotifyTimers, kPage3));
}

// A channel suppressed as a duplicate of an earlier page: the plan (made for
// every channel scheduled) is not applied; the page is expanded only, its
// timer due at once, and the caller plans it from what is there.
TEST_F(NotifyScriptsTest, ExpandWithAPlanOnlyExpandsWhenAChannelWasSuppressed) {
  seed_page(kPage);
  ops_.command({"SET", pagekey_key(kCase, kIncident + ":on_call", "anna", "sms"), kPage2 + ":sms"});
  const auto r = notify_.eval(kExpand, {}, expand_with_plan(kPage).argv()).element_strings();
  EXPECT_EQ(r, (std::vector<std::string>{"expanded", "1", "suppressed"}));
  const auto parsed = parse_notify_expand(r);
  EXPECT_FALSE(parsed.applied);
  EXPECT_EQ(parsed.suppressed, 1);
  EXPECT_EQ(parsed.not_applied, "suppressed");

  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "suppressed");
  EXPECT_EQ(hget(delivery_key(kPage, "push"), "state"), "scheduled");
  EXPECT_EQ(ops_.command({"ZCARD", kNotifyQueue}).integer, 0);
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow)) << "due at once: planned by the caller";
  EXPECT_EQ(hget(page_key(kPage), "rev"), "1");
  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "duplicate_suppressed");
}

// A plan made at another rev, or on another created_at or info than the page
// has: expanded only, as above.
TEST_F(NotifyScriptsTest, ExpandWithAPlanOnlyExpandsAtAnotherRevOrAnotherPage) {
  seed_page(kPage);
  auto stale = expand_with_plan(kPage);
  stale.plan->apply.rev = "2";
  EXPECT_EQ(notify_.eval(kExpand, {}, stale.argv()).element_strings(),
            (std::vector<std::string>{"expanded", "0", "stale"}));
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "scheduled");
  EXPECT_EQ(ops_.command({"ZCARD", kNotifyQueue}).integer, 0);
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow));
  EXPECT_EQ(hget(page_key(kPage), "rev"), "1");

  seed_page(kPage2);
  own_incident(ops_, kPage2);
  auto created = expand_with_plan(kPage2);
  created.plan->created_at_ms = kNow;
  EXPECT_EQ(notify_.eval(kExpand, {}, created.argv()).element_strings(),
            (std::vector<std::string>{"expanded", "0", "changed"}));
  seed_page(kPage3);
  own_incident(ops_, kPage3);
  auto info = expand_with_plan(kPage3);
  info.plan->informational = true;
  EXPECT_EQ(
      parse_notify_expand(notify_.eval(kExpand, {}, info.argv()).element_strings()).not_applied,
      "changed");
  for (const auto& page : {kPage2, kPage3}) {
    EXPECT_EQ(hget(delivery_key(page, "sms"), "state"), "scheduled") << page;
    EXPECT_EQ(zscore(kNotifyTimers, page), n(kNow)) << page;
    EXPECT_EQ(hget(page_key(page), "rev"), "1") << page;
  }
  EXPECT_EQ(ops_.command({"ZCARD", kNotifyQueue}).integer, 0);
}

// Expanded before, or no longer queued: the plan changes nothing.
TEST_F(NotifyScriptsTest, ExpandWithAPlanChangesNothingOnAPageExpandedBeforeOrNotQueued) {
  seed_page(kPage);
  const auto args = expand_with_plan(kPage);
  ASSERT_TRUE(
      parse_notify_expand(notify_.eval(kExpand, {}, args.argv()).element_strings()).applied);
  ops_.command({"HSET", delivery_key(kPage, "sms"), "state", "accepted"});
  ops_.command({"ZREM", kNotifyQueue, kPage + ":sms"});
  const auto r = parse_notify_expand(notify_.eval(kExpand, {}, args.argv()).element_strings());
  EXPECT_EQ(r.kind, NotifyExpandReply::Kind::already);
  EXPECT_EQ(r.state, "queued");
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "accepted");
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":sms"));
  EXPECT_EQ(hget(page_key(kPage), "rev"), "2");
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow));

  seed_page(kPage2, "acknowledged");
  const auto answered = parse_notify_expand(
      notify_.eval(kExpand, {}, expand_with_plan(kPage2).argv()).element_strings());
  EXPECT_EQ(answered.kind, NotifyExpandReply::Kind::not_queued);
  EXPECT_EQ(answered.state, "acknowledged");
  EXPECT_FALSE(exists(delivery_key(kPage2, "sms")));
  EXPECT_FALSE(hexists(page_key(kPage2), "channels"));
  EXPECT_FALSE(zscore(kNotifyTimers, kPage2));
  EXPECT_EQ(ops_.command({"ZCARD", kNotifyQueue}).integer, 0);
}

// -------------------------------------------------------------- notify_page_load

TEST_F(NotifyScriptsTest, PageLoadReportsThePageAndEachChannelsDelivery) {
  EXPECT_FALSE(parse_notify_page_load(notify_.eval(kLoad, {}, {kPage}).element_strings()));
  seed_page(kPage);  // not expanded: no channels
  EXPECT_FALSE(parse_notify_page_load(notify_.eval(kLoad, {}, {kPage}).element_strings()));

  ops_.command({"HSET", page_key(kPage), "channels", "sms,push", "rev", "3", "info", "1", "state",
                "sending"});
  ops_.command({"HSET", delivery_key(kPage, "sms"), "state", "retry", "after_ms", "0"});
  // push: no delivery hash (gone): read as failed
  const auto loaded = parse_notify_page_load(notify_.eval(kLoad, {}, {kPage}).element_strings());
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->state, "sending");
  EXPECT_EQ(loaded->created_at_ms, kNow - 60000);
  EXPECT_EQ(loaded->rev, "3");
  EXPECT_TRUE(loaded->informational);
  EXPECT_EQ(loaded->channels, (std::vector<std::string>{"sms", "push"}));
  ASSERT_EQ(loaded->deliveries.size(), 2u);
  EXPECT_EQ(loaded->deliveries[0].state, "retry");
  EXPECT_EQ(loaded->deliveries[1].state, "failed");
  EXPECT_EQ(loaded->deliveries[1].after_ms, 0);
}

// ------------------------------------------------------------------ notify_apply

TEST_F(NotifyScriptsTest, ApplyStartsAndCancelsChannelsAndArmsTheTimerOnlyAtTheLoadedRev) {
  seed_page(kPage);
  ops_.command({"HSET", page_key(kPage), "channels", "sms,push,email", "rev", "1"});
  seed_sms(kPage, "scheduled");
  ops_.command({"HSET", delivery_key(kPage, "push"), "state", "scheduled"});
  ops_.command({"HSET", delivery_key(kPage, "email"), "state", "queued"});
  ops_.command({"ZADD", kNotifyQueue, "1", kPage + ":email"});

  NotifyApplyArgs args;
  args.page_id = kPage;
  args.rev = "1";
  args.domain_now_ms = kNow;
  args.transport_now_ms = kTransport;
  args.next_wakeup_ms = kNow + 5000;
  args.outbox_due_ms = kTransport + 100;
  args.start = {{"sms", "at_once", std::nullopt}, {"push", "not_acknowledged", "sms"}};
  args.cancel = {"email"};
  EXPECT_EQ(notify_.eval(kApply, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"applied", "2"}));

  const auto sms = delivery_key(kPage, "sms");
  EXPECT_EQ(hget(sms, "state"), "queued");
  EXPECT_EQ(hget(sms, "queued_at"), n(kNow));
  EXPECT_EQ(hget(sms, "start_reason"), "at_once");
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport));
  EXPECT_EQ(zscore(sms_queue_key("anna"), kPage + ":sms"), n(kTransport));
  EXPECT_EQ(hget(delivery_key(kPage, "push"), "state"), "queued");
  EXPECT_FALSE(zscore(sms_queue_key("anna"), kPage + ":push")) << "only SMS wait to be bundled";
  EXPECT_EQ(hget(delivery_key(kPage, "email"), "state"), "cancelled");
  EXPECT_EQ(hget(delivery_key(kPage, "email"), "cancelled_at"), n(kNow));
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":email"));
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow + 5000));
  EXPECT_EQ(hget(page_key(kPage), "rev"), "2");
  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u) << "a channel started at once is no fallback";
  EXPECT_EQ(events[0].at("type").as_string(), "channel_fallback");
  EXPECT_EQ(events[0].at("to").as_string(), "push");
  EXPECT_EQ(events[0].at("from").as_string(), "sms");
  EXPECT_EQ(events[0].at("reason").as_string(), "not_acknowledged");

  // A plan made at rev 1 is stale now: nothing changes.
  args.next_wakeup_ms.reset();
  EXPECT_EQ(notify_.eval(kApply, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"stale"}));
  EXPECT_EQ(hget(page_key(kPage), "rev"), "2");
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow + 5000));
  // At the current rev, no next wake-up drops the timer.
  args.rev = "2";
  args.start.clear();
  args.cancel.clear();
  EXPECT_EQ(notify_.eval(kApply, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"applied", "0"}));
  EXPECT_FALSE(zscore(kNotifyTimers, kPage));
}

// Every channel failed: the page fails, its reply code goes, and escalation
// hears of it through its outbox (the owners' store API in the same script);
// the deadline engine resyncs the case. Information is never escalated.
TEST_F(NotifyScriptsTest, ApplyExhaustedFailsThePageDropsItsCodeAndAsksEscalation) {
  seed_page(kPage, "sending");
  ops_.command({"HSET", page_key(kPage), "channels", "sms", "rev", "4"});
  ops_.command({"SET", ackcode_key("anna", "123456"), kPage});
  ops_.command({"ZADD", kNotifyTimers, "1", kPage});
  NotifyApplyArgs args;
  args.page_id = kPage;
  args.rev = "4";
  args.domain_now_ms = kNow;
  args.transport_now_ms = kTransport;
  args.outcome = NotifyPlanOutcome::exhausted;
  args.outbox_due_ms = kTransport + 100;
  EXPECT_EQ(notify_.eval(kApply, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"applied", "0"}));

  EXPECT_EQ(hget(page_key(kPage), "state"), "failed");
  EXPECT_EQ(hget(page_key(kPage), "failed_at"), n(kNow));
  EXPECT_EQ(hget(page_key(kPage), "rev"), "5");
  EXPECT_FALSE(exists(ackcode_key("anna", "123456")));
  EXPECT_FALSE(zscore(kNotifyTimers, kPage));
  const auto mid = kPage + ":undeliverable";
  EXPECT_EQ(zscore(outbox_due_key("escalation"), mid), n(kTransport + 100));
  const auto payload =
      json::parse(ops_.command({"HGET", outbox_data_key("escalation"), mid}).str).as_object();
  EXPECT_EQ(payload.at("page_id").as_string(), kPage);
  EXPECT_EQ(payload.at("reason").as_string(), "undeliverable");
  EXPECT_EQ(payload.at("case_id").as_string(), kCase);
  EXPECT_EQ(payload.at("person").as_string(), "anna");
  EXPECT_EQ(zscore(kDeadlinesDue, kCase + "|resync"), n(kNow));
  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "page_undeliverable");
  EXPECT_EQ(events[0].at("person").as_string(), "anna");

  // Failed already: not again.
  args.rev = "5";
  notify_.eval(kApply, {}, args.argv());
  EXPECT_EQ(timeline().size(), 1u);
  EXPECT_EQ(ops_.command({"ZCARD", outbox_due_key("escalation")}).integer, 1);

  // Information: fails, but nobody waits on it.
  seed_page(kPage2, "sending");
  ops_.command({"HSET", page_key(kPage2), "channels", "sms", "rev", "1", "info", "1"});
  args.page_id = kPage2;
  args.rev = "1";
  EXPECT_EQ(notify_.eval(kApply, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"applied", "0"}));
  EXPECT_EQ(hget(page_key(kPage2), "state"), "failed");
  EXPECT_FALSE(zscore(outbox_due_key("escalation"), kPage2 + ":undeliverable"));
}

TEST_F(NotifyScriptsTest, ApplyMarksADuplicateAndForgetsAPageThatIsGone) {
  seed_page(kPage);
  ops_.command({"HSET", page_key(kPage), "channels", "sms", "rev", "1"});
  ops_.command({"SET", ackcode_key("anna", "123456"), kPage});
  NotifyApplyArgs args;
  args.page_id = kPage;
  args.rev = "1";
  args.domain_now_ms = kNow;
  args.outcome = NotifyPlanOutcome::duplicate;
  EXPECT_EQ(notify_.eval(kApply, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"applied", "0"}));
  EXPECT_EQ(hget(page_key(kPage), "state"), "duplicate");
  EXPECT_FALSE(exists(ackcode_key("anna", "123456")));

  ops_.command({"ZADD", kNotifyTimers, "1", kPage2});
  args.page_id = kPage2;
  EXPECT_EQ(notify_.eval(kApply, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"missing"}));
  EXPECT_FALSE(zscore(kNotifyTimers, kPage2));
}

// ------------------------------------------------------------------ notify_claim

// Timers first (a worker's step): the earliest page whose timer is due by the
// domain's now is named and nothing is claimed, though a delivery is due; with
// no timer due, or without timers_first, the claim claims.
TEST_F(NotifyScriptsTest, ClaimWithTimersFirstNamesTheEarliestPageDueAndClaimsNothing) {
  seed_page(kPage);
  ops_.command({"HSET", incident_key(kIncident), "kind", "home_ban", "region", "groningen",
                "reported_at", "1795870000000", "body", "{\"reference\":\"R1\"}"});
  ops_.command({"HSET", case_key(kCase), "household", "hh-1"});
  seed_sms(kPage, "queued");
  ops_.command({"ZADD", kNotifyQueue, n(kTransport - 1), kPage + ":sms"});
  ops_.command(
      {"ZADD", kNotifyTimers, n(kNow - 10), kPage2, n(kNow - 20), kPage3, n(kNow + 1), kPage});
  NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20};
  args.timers_first = true;
  const auto timer = claim_batch(args);
  EXPECT_EQ(timer.due_timer, kPage3);
  EXPECT_TRUE(timer.claims.empty());
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "queued") << "nothing claimed";
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport - 1));

  args.domain_now_ms = kNow - 30;  // no timer due yet
  const auto batch = claim_batch(args);
  EXPECT_FALSE(batch.due_timer);
  ASSERT_EQ(batch.claims.size(), 1u);
  EXPECT_EQ(batch.claims[0].kind, NotifyClaimReply::Kind::send);

  ops_.command({"HSET", delivery_key(kPage, "sms"), "state", "queued"});
  ops_.command({"ZADD", kNotifyQueue, n(kTransport - 1), kPage + ":sms"});
  args.domain_now_ms = kNow;
  args.timers_first = false;  // the timers are not looked at
  EXPECT_FALSE(claim_batch(args).due_timer);
}

TEST_F(NotifyScriptsTest, ClaimLeasesTheDeliveryDueAndHandsOverWhatItsSendNeeds) {
  NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20};
  EXPECT_EQ(claim_one(args).kind, NotifyClaimReply::Kind::idle);

  seed_page(kPage);
  ops_.command({"HSET", page_key(kPage), "reason", "escalated", "brief", "HOME BAN groningen",
                "rank", "10", "info", "0"});
  ops_.command({"HSET", incident_key(kIncident), "kind", "home_ban", "region", "groningen",
                "reported_at", "1795870000000", "body", "{\"reference\":\"R1\"}"});
  ops_.command({"HSET", case_key(kCase), "household", "hh-1"});
  seed_sms(kPage, "queued");
  ops_.command({"ZADD", kNotifyQueue, n(kTransport - 1), kPage + ":sms"});
  ops_.command({"ZADD", kNotifyQueue, n(kTransport + 60000), kPage2 + ":sms"});  // not due yet

  const auto r = claim_one(args);
  ASSERT_EQ(r.kind, NotifyClaimReply::Kind::send);
  const auto& c = r.send;
  EXPECT_EQ(c.delivery_id, kPage + ":sms");
  EXPECT_EQ(c.channel, "sms");
  EXPECT_EQ(c.page_id, kPage);
  EXPECT_EQ(c.to, kTo);
  EXPECT_EQ(c.text, "piket page " + kPage);
  EXPECT_EQ(c.ack_code, "123456");
  EXPECT_EQ(c.case_id, kCase);
  EXPECT_EQ(c.attempt, 1);
  EXPECT_FALSE(c.in_doubt);
  EXPECT_EQ(c.kind, "home_ban");
  EXPECT_EQ(c.region, "groningen");
  EXPECT_EQ(c.reported_at, "1795870000000");
  EXPECT_EQ(c.body, "{\"reference\":\"R1\"}");
  EXPECT_EQ(c.household, "hh-1");
  EXPECT_EQ(c.person, "anna");
  EXPECT_EQ(c.reason, "escalated");
  EXPECT_EQ(c.brief, "HOME BAN groningen");
  EXPECT_EQ(c.rank, 10);
  EXPECT_EQ(c.created_at_ms, kNow - 60000);
  EXPECT_FALSE(c.info);
  EXPECT_TRUE(c.candidates.empty()) << "no bundle window";

  const auto d = delivery_key(kPage, "sms");
  EXPECT_EQ(hget(d, "state"), "sending");
  EXPECT_EQ(hget(d, "sending_since"), n(kNow));
  EXPECT_EQ(hget(d, "attempts"), "1");
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport + 8000)) << "the lease";
  EXPECT_EQ(hget(page_key(kPage), "state"), "sending");

  // Its lease over with no outcome: in doubt, sent again.
  args.transport_now_ms = kTransport + 9000;
  args.lease_until_ms = kTransport + 20000;
  const auto again = claim_one(args);
  ASSERT_EQ(again.kind, NotifyClaimReply::Kind::send);
  EXPECT_TRUE(again.send.in_doubt);
  EXPECT_EQ(again.send.attempt, 2);
  EXPECT_EQ(hget(d, "in_doubt_resends"), "1");
}

// A forced interleaving, 100 times: two notify instances claim at the same
// moment, each on its own connection, over the same three due deliveries (a
// batch of up to 2 each: both want two). Every delivery is leased for a send
// once, to one of them — the first script takes two, the other the one left:
// nothing sent twice, nothing left behind.
TEST_F(NotifyScriptsTest, TwoInstancesClaimingAtOnceLeaseEachDueDeliveryOnceHundredTimes) {
  RedisConnection second{redis_->config_as("notify")};
  RedisConnection* connections[] = {&notify_, &second};
  const std::string pages[] = {kPage, kPage2, kPage3};
  int split = 0;  // rounds in which both instances got some of the work
  for (int round = 0; round < 100; ++round) {
    SetUp();
    for (const auto& p : pages) {
      seed_page(p);
      seed_sms(p, "queued");
      ops_.command({"ZADD", kNotifyQueue, n(kTransport - 1), p + ":sms"});
    }
    NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20};
    args.max_deliveries = 2;
    std::vector<NotifyClaimBatch> batches(2);
    piket::test::race(2, [&](int i) {
      const auto k = static_cast<std::size_t>(i);
      const RedisScript claim{std::string(lua::notify_claim())};  // one each
      batches[k] =
          parse_notify_claim_batch(connections[k]->eval(claim, {}, args.argv()).element_strings());
    });
    std::map<std::string, int> leased;
    for (const auto& b : batches)
      for (const auto& c : b.claims)
        if (c.kind == NotifyClaimReply::Kind::send) ++leased[c.send.delivery_id];
    split += !batches[0].claims.empty() && !batches[1].claims.empty();
    EXPECT_EQ(leased.size(), 3u) << "round " << round;
    for (const auto& p : pages) {
      EXPECT_EQ(leased[p + ":sms"], 1) << "round " << round << " " << p;
      EXPECT_EQ(hget(delivery_key(p, "sms"), "attempts"), "1") << "round " << round;
    }
  }
  EXPECT_EQ(split, 100) << "rounds in which both instances leased some";
}

// A send in doubt waits for its worker's record (ARGV[9]): the first claim to
// find its lease over marks it and leaves it; a record meanwhile settles it;
// without one, a claim after the wait sends it again — once.
TEST_F(NotifyScriptsTest, ClaimLeavesASendInDoubtToItsWorkersRecordBeforeSendingAgain) {
  const auto d = delivery_key(kPage, "sms");
  const auto d2 = delivery_key(kPage2, "sms");
  seed_page(kPage, "sending");
  seed_sms(kPage, "sending");
  seed_page(kPage2, "sending");
  seed_sms(kPage2, "sending");
  ops_.command({"ZADD", kNotifyQueue, n(kTransport - 1), kPage + ":sms"});  // lease over
  ops_.command({"ZADD", kNotifyQueue, n(kTransport - 1), kPage2 + ":sms"});
  NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20, 16, 3000, 4, 5000};

  const auto first = claim_batch(args);
  ASSERT_EQ(first.claims.size(), 2u);
  for (const auto& c : first.claims) {
    EXPECT_EQ(c.kind, NotifyClaimReply::Kind::doubt) << c.delivery_id;
    EXPECT_EQ(c.held_until_ms, kTransport + 5000) << c.delivery_id;
  }
  EXPECT_EQ(hget(d, "state"), "sending");
  EXPECT_EQ(hget(d, "doubt_seen"), n(kTransport));
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport + 5000)) << "due after the wait";
  EXPECT_EQ(hget(d, "attempts"), "0") << "not claimed for a send";

  // Within the wait: nothing due.
  args.transport_now_ms = kTransport + 4999;
  EXPECT_TRUE(claim_batch(args).claims.empty());

  // The first one's worker records its send meanwhile: it is not sent again.
  EXPECT_EQ(complete_one(kPage + ":sms", {"accepted", 0, 202, "", ""}), "accepted");
  EXPECT_FALSE(hexists(d, "doubt_seen"));

  // After the wait, only the second (no record, no delivery report) goes again.
  args.transport_now_ms = kTransport + 5000;
  args.lease_until_ms = kTransport + 13000;
  const auto after = claim_batch(args);
  ASSERT_EQ(after.claims.size(), 1u);
  ASSERT_EQ(after.claims[0].kind, NotifyClaimReply::Kind::send);
  EXPECT_EQ(after.claims[0].delivery_id, kPage2 + ":sms");
  EXPECT_TRUE(after.claims[0].send.in_doubt);
  EXPECT_EQ(hget(d2, "in_doubt_resends"), "1");
  EXPECT_FALSE(hexists(d2, "doubt_seen")) << "sent again: a new lease, no longer in doubt";
  EXPECT_EQ(hget(d, "state"), "accepted");
  EXPECT_EQ(hget(d, "attempts"), "0");

  // Its new lease over as well: in doubt afresh, a new wait.
  args.transport_now_ms = kTransport + 14000;
  const auto again = claim_batch(args);
  ASSERT_EQ(again.claims.size(), 1u);
  EXPECT_EQ(again.claims[0].kind, NotifyClaimReply::Kind::doubt);
  EXPECT_EQ(again.claims[0].held_until_ms, kTransport + 19000);

  // Without ARGV[9] (0): sent again at once, as before.
  args.in_doubt_confirm_ms = 0;
  args.transport_now_ms = kTransport + 20000;
  ops_.command({"HDEL", d2, "doubt_seen"});
  const auto at_once = claim_batch(args);
  ASSERT_EQ(at_once.claims.size(), 1u);
  EXPECT_EQ(at_once.claims[0].kind, NotifyClaimReply::Kind::send);
  EXPECT_EQ(hget(d2, "in_doubt_resends"), "2");
}

// A wait that began before an outage runs again from the store's return (ARGV[10]): the
// claim after two quick failovers does not send what its worker — alive, recording since
// the first — could not record while the second kept every write out.
TEST_F(NotifyScriptsTest, ASendInDoubtWaitsAgainFromWhenTheStoreCameBack) {
  const auto d = delivery_key(kPage, "sms");
  seed_page(kPage, "sending");
  seed_sms(kPage, "sending");
  ops_.command({"ZADD", kNotifyQueue, n(kTransport - 1), kPage + ":sms"});  // lease over
  NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20, 16, 3000, 4, 5000};
  ASSERT_EQ(claim_batch(args).claims.at(0).held_until_ms, kTransport + 5000);
  EXPECT_EQ(hget(d, "doubt_seen"), n(kTransport));

  // The store was away from +1 s to +7 s; the first claim after it, at +7.2 s, knows.
  args.transport_now_ms = kTransport + 7200;
  args.store_back_ms = kTransport + 7200;
  const auto after = claim_batch(args);
  ASSERT_EQ(after.claims.size(), 1u);
  EXPECT_EQ(after.claims[0].kind, NotifyClaimReply::Kind::doubt) << "not sent: waits again";
  EXPECT_EQ(after.claims[0].held_until_ms, kTransport + 12200);
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport + 12200));
  EXPECT_EQ(hget(d, "doubt_seen"), n(kTransport)) << "the first sighting is kept";
  EXPECT_EQ(hget(d, "attempts"), "0");

  // A claim whose store came back before the first sighting counts from the sighting.
  args.transport_now_ms = kTransport + 12200;
  args.store_back_ms = kTransport - 60000;
  const auto sent = claim_batch(args);
  ASSERT_EQ(sent.claims.size(), 1u);
  ASSERT_EQ(sent.claims[0].kind, NotifyClaimReply::Kind::send);
  EXPECT_TRUE(sent.claims[0].send.in_doubt);
  EXPECT_EQ(hget(d, "in_doubt_resends"), "1");
}

TEST_F(NotifyScriptsTest, ClaimSkipsWhatIsGoneOrAnsweredAndResolvesByADeliveryReport) {
  const NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20};
  // A queue entry without its delivery: dropped.
  ops_.command({"ZADD", kNotifyQueue, "1", kPage3 + ":sms"});
  auto r = claim_one(args);
  EXPECT_EQ(r.kind, NotifyClaimReply::Kind::skip);
  EXPECT_EQ(r.delivery_id, kPage3 + ":sms");
  EXPECT_FALSE(zscore(kNotifyQueue, kPage3 + ":sms"));

  // Its page answered: the delivery is cancelled.
  seed_page(kPage, "acknowledged");
  seed_sms(kPage, "queued");
  ops_.command({"ZADD", kNotifyQueue, "1", kPage + ":sms"});
  r = claim_one(args);
  EXPECT_EQ(r.kind, NotifyClaimReply::Kind::skip);
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "cancelled");
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":sms"));

  // Sending (a crash mid-send) and a delivery report came: the gateway had it.
  seed_page(kPage2, "sending");
  seed_sms(kPage2, "sending");
  ops_.command({"HSET", delivery_key(kPage2, "sms"), "dlr_type", "1"});
  ops_.command({"ZADD", kNotifyQueue, "1", kPage2 + ":sms"});
  r = claim_one(args);
  EXPECT_EQ(r.kind, NotifyClaimReply::Kind::resolved);
  EXPECT_EQ(r.delivery_id, kPage2 + ":sms");
  EXPECT_EQ(r.channel, "sms");
  EXPECT_EQ(r.page_id, kPage2);
  EXPECT_EQ(hget(delivery_key(kPage2, "sms"), "state"), "accepted");
  EXPECT_EQ(hget(delivery_key(kPage2, "sms"), "resolved_by"), "delivery_report");
  EXPECT_EQ(hget(page_key(kPage2), "state"), "accepted");
  EXPECT_EQ(hget(page_key(kPage2), "accepted_at"), n(kNow));
  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "page_sent");
  EXPECT_EQ(events[0].at("resolved_by").as_string(), "delivery_report");
}

// Within the person's bundle window: a new SMS waits for the window's end;
// after it, the claim lists the person's other SMS due within the window, the
// most urgent first, at most ARGV[5] of them.
TEST_F(NotifyScriptsTest, ClaimHoldsWithinTheWindowAndListsBundleCandidatesByUrgency) {
  const long long window = 60000;
  for (const auto& id : {kPage, kPage2, kPage3}) {
    seed_page(id);
    ops_.command({"HSET", page_key(id), "brief", "brief " + id});
    seed_sms(id, "queued");
    ops_.command({"ZADD", sms_queue_key("anna"), n(kTransport + 1000), id + ":sms"});
  }
  ops_.command({"HSET", page_key(kPage2), "rank", "40"});
  ops_.command({"HSET", page_key(kPage3), "rank", "20"});
  ops_.command({"ZADD", kNotifyQueue, "1", kPage + ":sms"});

  ops_.command({"SET", sms_last_key("anna"), n(kTransport - 1000)});
  NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, window, 1};
  auto r = claim_one(args);
  EXPECT_EQ(r.kind, NotifyClaimReply::Kind::held);
  EXPECT_EQ(r.delivery_id, kPage + ":sms");
  EXPECT_EQ(r.held_until_ms, kTransport - 1000 + window);
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport - 1000 + window));
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "queued");

  args.transport_now_ms = kTransport - 1000 + window;
  r = claim_one(args);
  ASSERT_EQ(r.kind, NotifyClaimReply::Kind::send);
  EXPECT_EQ(ops_.command({"GET", sms_last_key("anna")}).str, n(args.transport_now_ms));
  EXPECT_FALSE(zscore(sms_queue_key("anna"), kPage + ":sms")) << "claimed: not waiting";
  ASSERT_EQ(r.send.candidates.size(), 1u) << "at most ARGV[5]";
  const auto& cand = r.send.candidates[0];
  EXPECT_EQ(cand.delivery_id, kPage3 + ":sms") << "rank 20 before rank 40";
  EXPECT_EQ(cand.page_id, kPage3);
  EXPECT_EQ(cand.ack_code, "123456");
  EXPECT_EQ(cand.brief, "brief " + kPage3);
  EXPECT_EQ(cand.rank, 20);
  EXPECT_EQ(cand.created_at_ms, kNow - 60000);
  EXPECT_EQ(hget(delivery_key(kPage3, "sms"), "state"), "queued") << "listed, not claimed";
}

// ------------------------------------------------------- notify_claim: batches

// A batch is whatever is due, up to ARGV[6] sends, by due time: each claimed
// and leased as a claim of one would, the lease long enough for the rounds of
// sends the batch needs over ARGV[8] connections. What is claimed is not due
// again until its lease ends: the next batch takes the rest.
TEST_F(NotifyScriptsTest, ClaimTakesABatchLeasesEachAndTheNextBatchTheRest) {
  std::vector<std::string> ids;
  for (int k = 0; k < 5; ++k) {
    const auto id = "P0123456789ABC0" + std::to_string(k) + "0";
    seed_page(id);
    seed_sms(id, "queued");
    ops_.command({"ZADD", kNotifyQueue, n(kTransport - 100 + k), id + ":sms"});
    ids.push_back(id);
  }
  ops_.command({"ZADD", kNotifyQueue, n(kTransport + 60000), kPage2 + ":sms"});  // not due yet
  // Up to 3 sends over 2 connections, a gateway timeout of 3 s: 2 rounds.
  NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20, 3, 3000, 2};
  auto batch = claim_batch(args);
  EXPECT_EQ(batch.lease_until_ms, kTransport + 8000 + 3000);
  ASSERT_EQ(batch.claims.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    const auto& c = batch.claims[static_cast<std::size_t>(k)];
    ASSERT_EQ(c.kind, NotifyClaimReply::Kind::send) << k;
    EXPECT_EQ(c.delivery_id, ids[static_cast<std::size_t>(k)] + ":sms") << "by due time";
    EXPECT_EQ(c.send.attempt, 1);
    const auto d = delivery_key(ids[static_cast<std::size_t>(k)], "sms");
    EXPECT_EQ(hget(d, "state"), "sending");
    EXPECT_EQ(hget(d, "attempts"), "1");
    EXPECT_EQ(zscore(kNotifyQueue, c.delivery_id), n(kTransport + 11000)) << "the batch's lease";
  }
  // The rest: two sends, one round.
  batch = claim_batch(args);
  EXPECT_EQ(batch.lease_until_ms, kTransport + 8000);
  ASSERT_EQ(batch.claims.size(), 2u);
  EXPECT_EQ(batch.claims[0].delivery_id, ids[3] + ":sms");
  EXPECT_EQ(batch.claims[1].delivery_id, ids[4] + ":sms");
  EXPECT_EQ(zscore(kNotifyQueue, ids[4] + ":sms"), n(kTransport + 8000));
  // Nothing due any more: an empty batch, nothing claimed twice.
  EXPECT_TRUE(claim_batch(args).claims.empty());
  for (const auto& id : ids) EXPECT_EQ(hget(delivery_key(id, "sms"), "attempts"), "1") << id;
  EXPECT_EQ(hget(delivery_key(kPage2, "sms"), "state"), "") << "not due: untouched";
  // Without ARGV[6..8] (a claim of one): one send, the lease as given.
  for (const auto& id : ids)
    ops_.command({"ZADD", kNotifyQueue, n(kTransport + 20000), id + ":sms"});
  const NotifyClaimArgs one{kTransport + 20000, kTransport + 28000, kNow, 0, 20};
  batch = claim_batch(one);
  ASSERT_EQ(batch.claims.size(), 1u);
  EXPECT_TRUE(batch.claims[0].send.in_doubt);
  EXPECT_EQ(batch.lease_until_ms, kTransport + 28000);
}

// The batch's lease is known once the batch is claimed: each send's place in notify:queue
// (and an urgent one's in notify:urgent) is written once, at that lease — not first at a
// lease for a whole batch and then again. Until then a delivery claimed from notify:urgent
// is still due in notify:queue, and is not claimed a second time from there.
TEST_F(NotifyScriptsTest, ClaimWritesEachSendsLeaseOnceAndClaimsAnUrgentOneOnce) {
  std::vector<std::string> ids;
  for (int k = 0; k < 4; ++k) {
    const auto id = "P0123456789ABC0" + std::to_string(k) + "0";
    const auto due = n(kTransport - 100 + k);
    seed_page(id);
    seed_sms(id, "queued");
    ops_.command({"ZADD", kNotifyQueue, due, id + ":sms"});
    if (k >= 2) {  // the two due last are urgent (a code red's rank)
      ops_.command({"HSET", page_key(id), "rank", "5"});
      ops_.command({"ZADD", kNotifyUrgent, due, id + ":sms"});
    }
    ids.push_back(id);
  }
  // Up to 8 sends over 1 connection, a gateway timeout of 3 s: 4 sends, 4 rounds.
  const NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20, 8, 3000, 1};
  const auto zadds = test::command_calls(ops_, "zadd");
  const auto hincrbys = test::command_calls(ops_, "hincrby");
  const auto zrems = test::command_calls(ops_, "zrem");
  const auto batch = claim_batch(args);
  EXPECT_EQ(test::command_calls(ops_, "zadd") - zadds, 6) << "one per send, one per urgent one";
  EXPECT_EQ(test::command_calls(ops_, "zrem") - zrems, 4)
      << "one per SMS, off its person's queue: an urgent one's index entry moves to the lease";
  EXPECT_EQ(test::command_calls(ops_, "hincrby"), hincrbys) << "attempts in the state's HSET";
  const auto lease = n(kTransport + 8000 + 3 * 3000);
  EXPECT_EQ(n(batch.lease_until_ms), lease);
  ASSERT_EQ(batch.claims.size(), 4u);
  const std::vector<std::string> order{ids[2], ids[3], ids[0], ids[1]};  // urgent first
  for (std::size_t k = 0; k < 4; ++k) {
    const auto& c = batch.claims[k];
    ASSERT_EQ(c.kind, NotifyClaimReply::Kind::send) << k;
    EXPECT_EQ(c.delivery_id, order[k] + ":sms") << k << ": each once, urgent first";
    EXPECT_EQ(c.send.attempt, 1);
    EXPECT_EQ(hget(delivery_key(order[k], "sms"), "attempts"), "1");
    EXPECT_EQ(hget(delivery_key(order[k], "sms"), "state"), "sending");
    EXPECT_EQ(hget(page_key(order[k]), "state"), "sending");
    EXPECT_EQ(zscore(kNotifyQueue, c.delivery_id), lease) << "the batch's lease";
  }
  EXPECT_EQ(zscore(kNotifyUrgent, ids[2] + ":sms"), lease);
  EXPECT_EQ(zscore(kNotifyUrgent, ids[3] + ":sms"), lease);
  EXPECT_FALSE(zscore(kNotifyUrgent, ids[0] + ":sms")) << "a routine one is not urgent";
  EXPECT_TRUE(claim_batch(args).claims.empty()) << "nothing due any more";
}

// A send's record reads the delivery and its page once each and writes the page's state
// and first acceptance time with one HSET; what the delivery does not hold (doubt_seen) it
// does not delete. A later acceptance keeps the first time.
TEST_F(NotifyScriptsTest, CompleteReadsThePageOnceAndWritesItsAcceptanceOnce) {
  seed_page(kPage, "sending");
  seed_sms(kPage, "sending");
  seed_page(kPage2, "sending");
  seed_sms(kPage2, "sending");
  ops_.command({"HSET", delivery_key(kPage2, "sms"), "doubt_seen", n(kTransport)});
  const auto calls = [this] {
    std::map<std::string, long long> c;
    for (const char* cmd : {"hget", "hsetnx", "hdel", "hset"})
      c[cmd] = test::command_calls(ops_, cmd);
    return c;
  };
  const auto before = calls();
  EXPECT_EQ(complete_one(kPage + ":sms", {"accepted", 0, 202, "", ""}), "accepted");
  auto after = calls();
  EXPECT_EQ(after["hget"], before.at("hget"));
  EXPECT_EQ(after["hsetnx"], before.at("hsetnx"));
  EXPECT_EQ(after["hdel"], before.at("hdel")) << "no doubt_seen: nothing to delete";
  EXPECT_EQ(after["hset"] - before.at("hset"), 2) << "the delivery and the page";
  EXPECT_EQ(hget(page_key(kPage), "state"), "accepted");
  EXPECT_EQ(hget(page_key(kPage), "accepted_at"), n(kNow));
  EXPECT_EQ(complete_one(kPage2 + ":sms", {"accepted", 0, 202, "", ""}, kNow + 5), "accepted");
  EXPECT_FALSE(hexists(delivery_key(kPage2, "sms"), "doubt_seen"));
  EXPECT_EQ(calls()["hdel"] - after["hdel"], 1);
  // The same page accepted again (its other channel): the first time stays.
  seed_sms(kPage, "sending");
  EXPECT_EQ(complete_one(kPage + ":sms", {"accepted", 0, 202, "", ""}, kNow + 9), "accepted");
  EXPECT_EQ(hget(page_key(kPage), "accepted_at"), n(kNow));
}

// Urgent first: a code red or an escalation due last is claimed before a
// backlog of routine deliveries due long before it. notify_apply lists an
// urgent page's delivery in notify:urgent (lib/notify_queue.lua); the claim
// takes what is due there first, then notify:queue by due time.
TEST_F(NotifyScriptsTest, ClaimTakesAnEscalationDueLastBeforeARoutineBacklog) {
  std::vector<std::string> routine;
  for (int k = 0; k < 10; ++k) {
    const auto id = "P0123456789ABC" + std::to_string(k) + "00";
    seed_page(id);
    ops_.command({"HSET", page_key(id), "rank", "30"});  // a reminder
    seed_sms(id, "queued");
    ops_.command({"ZADD", kNotifyQueue, n(kTransport - 5000 + k), id + ":sms"});
    routine.push_back(id);
  }
  // The escalation arrives last: notify_apply queues its SMS due now.
  seed_page(kPage);
  ops_.command({"HSET", page_key(kPage), "rank", "2", "channels", "sms", "rev", "1"});
  seed_sms(kPage, "scheduled");
  NotifyApplyArgs apply;
  apply.page_id = kPage;
  apply.rev = "1";
  apply.domain_now_ms = kNow;
  apply.transport_now_ms = kTransport;
  apply.outbox_due_ms = kTransport;
  apply.start = {{"sms", "at_once", std::nullopt}};
  ASSERT_EQ(notify_.eval(kApply, {}, apply.argv()).element_strings(),
            (std::vector<std::string>{"applied", "1"}));
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport));
  EXPECT_EQ(zscore(kNotifyUrgent, kPage + ":sms"), n(kTransport));
  EXPECT_FALSE(zscore(kNotifyUrgent, routine[0] + ":sms")) << "a reminder is not urgent";

  const NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20, 3, 3000, 4};
  auto batch = claim_batch(args);
  ASSERT_EQ(batch.claims.size(), 3u);
  EXPECT_EQ(batch.claims[0].delivery_id, kPage + ":sms") << "the escalation first";
  EXPECT_EQ(batch.claims[0].send.rank, 2);
  EXPECT_EQ(batch.claims[1].delivery_id, routine[0] + ":sms");
  EXPECT_EQ(batch.claims[2].delivery_id, routine[1] + ":sms");
  // Its lease in both: an in-doubt resend of it is urgent too.
  EXPECT_EQ(zscore(kNotifyUrgent, kPage + ":sms"), n(kTransport + 8000));
  // With a claim of one as well.
  const std::string kRed = "P0123456789ABCRED";
  seed_page(kRed);
  ops_.command({"HSET", page_key(kRed), "rank", "0"});
  seed_sms(kRed, "queued");
  ops_.command({"ZADD", kNotifyQueue, n(kTransport), kRed + ":sms"});
  ops_.command({"ZADD", kNotifyUrgent, n(kTransport), kRed + ":sms"});
  EXPECT_EQ(claim_one({kTransport, kTransport + 8000, kNow, 0, 20}).delivery_id, kRed + ":sms");
  // A retry of an urgent delivery stays urgent (lib/notify_complete_one.lua); its success
  // takes it off both.
  EXPECT_EQ(complete_one(kRed + ":sms", {"retry", kTransport + 500, 503, "gateway 503", ""}),
            "retry");
  EXPECT_EQ(zscore(kNotifyUrgent, kRed + ":sms"), n(kTransport + 500));
  EXPECT_EQ(complete_one(kPage + ":sms", {"accepted", 0, 202, "", ""}), "accepted");
  EXPECT_FALSE(zscore(kNotifyUrgent, kPage + ":sms"));
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":sms"));
}

// notify:urgent is an index of notify:queue: a member no longer queued (a
// report, an answer took it off) is dropped when seen, one whose time moved
// later is moved with it and not claimed before then.
TEST_F(NotifyScriptsTest, ClaimKeepsTheUrgentIndexInStepWithTheQueue) {
  seed_page(kPage);
  ops_.command({"HSET", page_key(kPage), "rank", "1"});
  seed_sms(kPage, "queued");
  ops_.command({"ZADD", kNotifyQueue, n(kTransport + 5000), kPage + ":sms"});
  ops_.command({"ZADD", kNotifyUrgent, n(kTransport - 10), kPage + ":sms"});
  ops_.command({"ZADD", kNotifyUrgent, n(kTransport - 20), kPage2 + ":sms"});  // not queued
  const NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20, 4, 3000, 4};
  EXPECT_TRUE(claim_batch(args).claims.empty());
  EXPECT_FALSE(zscore(kNotifyUrgent, kPage2 + ":sms"));
  EXPECT_EQ(zscore(kNotifyUrgent, kPage + ":sms"), n(kTransport + 5000));
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "queued");
  auto later = args;
  later.transport_now_ms = kTransport + 5000;
  later.lease_until_ms = kTransport + 13000;
  const auto batch = claim_batch(later);
  ASSERT_EQ(batch.claims.size(), 1u);
  EXPECT_EQ(batch.claims[0].kind, NotifyClaimReply::Kind::send);
}

// With bundling, one SMS per person per batch: the person's other SMS due (a
// retry, which a window does not hold) is left for the join that follows —
// listed as a candidate, not claimed — while another person's SMS is claimed.
TEST_F(NotifyScriptsTest, ClaimTakesOneSmsPerPersonPerBatchTheOthersAreLeftForTheJoin) {
  const std::string bert = "PBERT000000000000";
  for (const auto& id : {kPage, kPage2}) {
    seed_page(id);
    ops_.command({"HSET", page_key(id), "brief", "brief " + id});
    seed_sms(id, "retry");
    ops_.command({"ZADD", kNotifyQueue, n(kTransport - 10), id + ":sms"});
    ops_.command({"ZADD", sms_queue_key("anna"), n(kTransport - 10), id + ":sms"});
  }
  seed_page(bert);
  seed_sms(bert, "queued", "bert", "+31600000000");
  ops_.command({"ZADD", kNotifyQueue, n(kTransport - 5), bert + ":sms"});
  const NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 60000, 20, 8, 3000, 4};
  const auto batch = claim_batch(args);
  ASSERT_EQ(batch.claims.size(), 2u);
  EXPECT_EQ(batch.claims[0].delivery_id, kPage + ":sms");
  ASSERT_EQ(batch.claims[0].send.candidates.size(), 1u);
  EXPECT_EQ(batch.claims[0].send.candidates[0].delivery_id, kPage2 + ":sms");
  EXPECT_EQ(batch.claims[1].delivery_id, bert + ":sms");
  EXPECT_EQ(hget(delivery_key(kPage2, "sms"), "state"), "retry") << "left for the join";
  EXPECT_EQ(zscore(kNotifyQueue, kPage2 + ":sms"), n(kTransport - 10)) << "still due";
  // Not joined (say it did not fit): the next batch takes it.
  const auto next = claim_batch(args);
  ASSERT_EQ(next.claims.size(), 1u);
  EXPECT_EQ(next.claims[0].delivery_id, kPage2 + ":sms");
  EXPECT_EQ(next.claims[0].kind, NotifyClaimReply::Kind::send) << "a retry keeps its schedule";
}

// Two workers (or two instances) claiming batches at the same moment, each on
// its own connection: every delivery is claimed exactly once.
TEST_F(NotifyScriptsTest, TwoConnectionsClaimingBatchesAtOnceClaimEachDeliveryOnce) {
  constexpr int kCount = 120;
  for (int k = 0; k < kCount; ++k) {
    auto id = std::to_string(1000 + k);
    id = "P0123456789AB" + id;
    seed_page(id);
    if (k % 7 == 0) ops_.command({"HSET", page_key(id), "rank", "0"});
    seed_sms(id, "queued");
    ops_.command({"ZADD", kNotifyQueue, n(kTransport - k), id + ":sms"});
    if (k % 7 == 0) ops_.command({"ZADD", kNotifyUrgent, n(kTransport - k), id + ":sms"});
  }
  std::mutex mutex;
  std::map<std::string, int> claimed;
  const auto worker = [&] {
    RedisConnection conn{redis_->config_as("notify")};
    const NotifyClaimArgs args{kTransport, kTransport + 8000, kNow, 0, 20, 7, 3000, 3};
    for (int round = 0; round < kCount; ++round) {
      const auto batch =
          parse_notify_claim_batch(conn.eval(kClaim, {}, args.argv()).element_strings());
      if (batch.claims.empty()) return;
      std::lock_guard lock(mutex);
      for (const auto& c : batch.claims) ++claimed[c.delivery_id];
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kCount));
  for (const auto& [id, times] : claimed) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(ops_.command({"ZCOUNT", kNotifyQueue, "-inf", n(kTransport)}).integer, 0);
}

// ------------------------------------------------------------------- notify_join

TEST_F(NotifyScriptsTest, JoinClaimsTheCandidatesThatStillWaitAndRecordsTheBundle) {
  seed_page(kPage, "sending");
  seed_sms(kPage, "sending");
  seed_page(kPage2);
  seed_sms(kPage2, "queued");
  ops_.command({"ZADD", sms_queue_key("anna"), "1", kPage2 + ":sms"});
  seed_page(kPage3, "acknowledged");  // answered meanwhile: stays out
  seed_sms(kPage3, "queued");
  const std::string bert = "PBERT000000000000";
  seed_page(bert);
  seed_sms(bert, "queued", "bert");  // another person's: stays out

  const NotifyJoinArgs args{"B0000000000000001",
                            kPage + ":sms",
                            kTransport + 8000,
                            kNow,
                            3600000,
                            kTransport,
                            {kPage2 + ":sms", kPage3 + ":sms", bert + ":sms"}};
  EXPECT_EQ(notify_.eval(kJoin, {}, args.argv()).element_strings(),
            (std::vector<std::string>{kPage + ":sms", kPage2 + ":sms"}));

  const auto d2 = delivery_key(kPage2, "sms");
  EXPECT_EQ(hget(d2, "state"), "sending");
  EXPECT_EQ(hget(d2, "bundle"), "B0000000000000001");
  EXPECT_EQ(hget(d2, "attempts"), "1");
  EXPECT_EQ(hget(d2, "sending_since"), n(kNow));
  EXPECT_EQ(zscore(kNotifyQueue, kPage2 + ":sms"), n(kTransport + 8000));
  EXPECT_FALSE(zscore(sms_queue_key("anna"), kPage2 + ":sms"));
  EXPECT_EQ(hget(page_key(kPage2), "state"), "sending");
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "bundle"), "B0000000000000001");
  EXPECT_EQ(hget(delivery_key(kPage3, "sms"), "state"), "queued");
  EXPECT_EQ(hget(delivery_key(bert, "sms"), "state"), "queued");

  const auto b = sms_bundle_key("B0000000000000001");
  EXPECT_EQ(hget(b, "person"), "anna");
  EXPECT_EQ(hget(b, "deliveries"), kPage + ":sms," + kPage2 + ":sms");
  EXPECT_EQ(hget(b, "pages"), kPage + "," + kPage2);
  EXPECT_EQ(hget(b, "created_at"), n(kNow));
  const auto ttl = ops_.command({"PTTL", b}).integer;
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 3600000);

  // The claimed delivery is no longer being sent: nothing joins.
  ops_.command({"HSET", delivery_key(kPage, "sms"), "state", "accepted"});
  EXPECT_TRUE(notify_.eval(kJoin, {}, args.argv()).elements.empty());
}

// --------------------------------------------------------------- notify_complete

TEST_F(NotifyScriptsTest, CompleteRecordsAcceptedRetryAndFailed) {
  seed_page(kPage, "sending");
  seed_sms(kPage, "sending");
  ops_.command({"ZADD", kNotifyQueue, "1", kPage + ":sms"});
  const auto d = delivery_key(kPage, "sms");

  const NotifySendOutcome retry{"retry", kTransport + 500, 503, "gateway 503", ""};
  EXPECT_EQ(complete_one(kPage + ":sms", retry), "retry");
  EXPECT_EQ(hget(d, "state"), "retry");
  EXPECT_EQ(hget(d, "last_error"), "gateway 503");
  EXPECT_EQ(hget(d, "gateway_status"), "503");
  EXPECT_EQ(zscore(kNotifyQueue, kPage + ":sms"), n(kTransport + 500));
  EXPECT_EQ(zscore(sms_queue_key("anna"), kPage + ":sms"), n(kTransport + 500));
  // Not sending any more: the state found, and off the queue.
  EXPECT_EQ(complete_one(kPage + ":sms", retry), "retry");
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":sms"));

  ops_.command({"HSET", d, "state", "sending"});
  EXPECT_EQ(complete_one(kPage + ":sms", {"accepted", 0, 202, "", ""}, kNow + 1), "accepted");
  EXPECT_EQ(hget(d, "state"), "accepted");
  EXPECT_EQ(hget(d, "accepted_at"), n(kNow + 1));
  EXPECT_EQ(hget(d, "gateway_status"), "202");
  EXPECT_EQ(hget(page_key(kPage), "state"), "accepted");
  EXPECT_EQ(hget(page_key(kPage), "accepted_at"), n(kNow + 1));
  auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "page_sent");
  EXPECT_EQ(events[0].at("channel").as_string(), "sms");
  EXPECT_FALSE(events[0].contains("bundle"));

  seed_page(kPage2, "sending");
  ops_.command({"HSET", page_key(kPage2), "rev", "3"});
  seed_sms(kPage2, "sending");
  EXPECT_EQ(complete_one(kPage2 + ":sms", {"failed", 0, 400, "gateway 400", "permanent"}, kNow + 2),
            "failed");
  const auto d2 = delivery_key(kPage2, "sms");
  EXPECT_EQ(hget(d2, "state"), "failed");
  EXPECT_EQ(hget(d2, "fail_reason"), "permanent");
  EXPECT_EQ(hget(d2, "failed_at"), n(kNow + 2));
  EXPECT_EQ(hget(page_key(kPage2), "rev"), "4");
  EXPECT_EQ(zscore(kNotifyTimers, kPage2), n(kNow + 2)) << "the page is planned again at once";
  events = timeline();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].at("type").as_string(), "delivery_failed");
  EXPECT_EQ(events[1].at("reason").as_string(), "permanent");
  EXPECT_EQ(events[1].at("detail").as_string(), "gateway 400");

  // A retry of a page answered meanwhile is a cancellation.
  seed_page(kPage3, "acknowledged");
  seed_sms(kPage3, "sending");
  EXPECT_EQ(complete_one(kPage3 + ":sms", retry), "cancelled");
  EXPECT_EQ(hget(delivery_key(kPage3, "sms"), "state"), "cancelled");
  EXPECT_EQ(complete_one("PNOSUCHPAGE000000:sms", retry), "missing");
}

// One script for a batch: a bundled SMS's outcome for each of its deliveries,
// other sends' own outcomes, each delivery as one complete would leave it.
TEST_F(NotifyScriptsTest, CompleteRecordsABatchEachDeliveryAsAlone) {
  const std::string kPage4 = "P0123456789ABCDEJ";
  const std::string kPage5 = "P0123456789ABCDEK";
  for (const auto& id : {kPage, kPage2}) {
    seed_page(id, "sending");
    seed_sms(id, "sending");
    ops_.command({"HSET", delivery_key(id, "sms"), "bundle", "B0000000000000001"});
  }
  seed_page(kPage3, "acknowledged");
  seed_sms(kPage3, "cancelled");
  seed_page(kPage4, "sending");
  seed_sms(kPage4, "sending");
  seed_page(kPage5, "sending");
  ops_.command({"HSET", page_key(kPage5), "rev", "2"});
  seed_sms(kPage5, "sending");
  for (const auto& id : {kPage, kPage2, kPage3, kPage4, kPage5})
    ops_.command({"ZADD", kNotifyQueue, "1", id + ":sms"});
  const NotifySendOutcome accepted{"accepted", 0, 202, "", ""};
  const NotifyCompleteArgs args{
      kNow,
      {{kPage + ":sms", accepted},
       {kPage2 + ":sms", accepted},
       {kPage3 + ":sms", accepted},
       {kPage4 + ":sms", {"retry", kTransport + 700, 0, "no answer", ""}},
       {kPage5 + ":sms", {"failed", 0, 400, "gateway 400", "permanent"}}}};
  EXPECT_EQ(notify_.eval(kComplete, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"accepted", "accepted", "cancelled", "retry", "failed"}));
  EXPECT_EQ(hget(page_key(kPage), "state"), "accepted");
  EXPECT_EQ(hget(page_key(kPage2), "state"), "accepted");
  EXPECT_EQ(hget(page_key(kPage3), "state"), "acknowledged");
  EXPECT_EQ(hget(delivery_key(kPage3, "sms"), "state"), "cancelled");
  EXPECT_EQ(hget(delivery_key(kPage4, "sms"), "state"), "retry");
  EXPECT_EQ(zscore(kNotifyQueue, kPage4 + ":sms"), n(kTransport + 700));
  EXPECT_EQ(hget(delivery_key(kPage5, "sms"), "state"), "failed");
  EXPECT_EQ(hget(page_key(kPage5), "rev"), "3");
  EXPECT_EQ(zscore(kNotifyTimers, kPage5), n(kNow));
  for (const auto& id : {kPage, kPage2, kPage3, kPage5})
    EXPECT_FALSE(zscore(kNotifyQueue, id + ":sms")) << id;
  const auto events = timeline();
  ASSERT_EQ(events.size(), 3u);
  for (int k : {0, 1}) {
    EXPECT_EQ(events[k].at("type").as_string(), "page_sent");
    EXPECT_EQ(events[k].at("bundle").as_string(), "B0000000000000001");
  }
  EXPECT_EQ(events[2].at("type").as_string(), "delivery_failed");
  EXPECT_EQ(events[2].at("page").as_string(), kPage5);
}

// ------------------------------------------------------------------- notify_push

TEST_F(NotifyScriptsTest, PushAddsThePageToThePersonsStream) {
  seed_page(kPage, "sending");
  ops_.command({"HSET", delivery_key(kPage, "push"), "page", kPage, "channel", "push", "to",
                push_key("anna"), "state", "sending"});
  ops_.command({"ZADD", kNotifyQueue, "1", kPage + ":push"});
  const NotifyPushArgs args{kPage + ":push", kNow, 100, {{"type", "page"}, {"page_id", kPage}}};
  const auto r = notify_.eval(kPush, {}, args.argv()).element_strings();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], "accepted");
  const auto entries = ops_.command({"XRANGE", push_key("anna"), "-", "+"});
  ASSERT_EQ(entries.elements.size(), 1u);
  EXPECT_EQ(entries.elements[0].elements[0].str, r[1]);
  EXPECT_EQ((entries.elements[0].elements[1]).element_strings(),
            (std::vector<std::string>{"type", "page", "page_id", kPage}));
  const auto d = delivery_key(kPage, "push");
  EXPECT_EQ(hget(d, "state"), "accepted");
  EXPECT_EQ(hget(d, "stream_id"), r[1]);
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":push"));
  EXPECT_EQ(hget(page_key(kPage), "state"), "accepted");
  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("channel").as_string(), "push");

  // Sent already: the state found. An address that is no push stream: refused.
  EXPECT_EQ(notify_.eval(kPush, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"accepted"}));
  ops_.command({"HSET", d, "state", "sending", "to", case_key(kCase)});
  EXPECT_EQ(notify_.eval(kPush, {}, args.argv()).element_strings(),
            (std::vector<std::string>{"bad_stream"}));
  EXPECT_EQ(ops_.command({"XLEN", push_key("anna")}).integer, 1);
}

// ------------------------------------------------------------ lib/notify_*.lua

// lib/cases_timeline.lua (piket-cases') and lib/paging_page_delivery.lua (paging's), which
// notify's scripts call, are tested in lib_scripts_redis_test.cpp, as notify too.

TEST_F(NotifyScriptsTest, LibCompleteOneAppliesAnOutcomeAndReturnsIt) {
  const auto call =
      lib_call(lua::notify_complete_one(),
               "return piket_notify_complete_one(ARGV[1], ARGV[2], ARGV[3], '0', '202', '', '')");
  seed_page(kPage, "queued");
  seed_sms(kPage, "sending");
  EXPECT_EQ(notify_.eval(call, {}, {kPage + ":sms", "accepted", n(kNow)}).str, "accepted");
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "accepted");
  EXPECT_EQ(hget(page_key(kPage), "state"), "accepted");
  EXPECT_EQ(notify_.eval(call, {}, {kPage + ":sms", "accepted", n(kNow)}).str, "accepted")
      << "not sending: the state found";
  EXPECT_EQ(timeline().size(), 1u);
}

// notify's store API for inbound's delivery report scripts, run as inbound.
TEST_F(NotifyScriptsTest, LibDeliveryReportFailsTheSmsOnAFailedReportAndWakesThePage) {
  RedisConnection inbound{redis_->config_as("inbound")};
  const auto call = lib_call(lua::notify_delivery_report(),
                             "return piket_notify_delivery_report(ARGV[1], ARGV[2], ARGV[3], "
                             "ARGV[4])");
  seed_page(kPage, "accepted");
  ops_.command({"HSET", page_key(kPage), "rev", "2"});
  EXPECT_EQ(inbound.eval(call, {}, {kPage, kCase, "1", n(kNow)}).str, "recorded")
      << "no SMS delivery: nothing of notify's to change";
  EXPECT_EQ(ops_.command({"KEYS", delivery_key("*")}).elements.size(), 0u);

  seed_sms(kPage, "accepted");
  EXPECT_EQ(inbound.eval(call, {}, {kPage, kCase, "8", n(kNow)}).str, "recorded");
  const auto d = delivery_key(kPage, "sms");
  EXPECT_EQ(hget(d, "dlr_type"), "8");
  EXPECT_EQ(hget(d, "dlr_at"), n(kNow));
  EXPECT_FALSE(hexists(d, "delivered_at"));
  EXPECT_FALSE(hexists(page_key(kPage), "dlr_type")) << "the page's fields are inbound's";

  ops_.command({"ZADD", kNotifyQueue, "1", kPage + ":sms"});
  EXPECT_EQ(inbound.eval(call, {}, {kPage, kCase, "16", n(kNow + 1)}).str, "failed");
  EXPECT_EQ(hget(d, "state"), "failed");
  EXPECT_EQ(hget(d, "fail_reason"), "delivery_report");
  EXPECT_EQ(hget(d, "last_error"), "delivery report 16");
  EXPECT_EQ(hget(d, "failed_at"), n(kNow + 1));
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":sms"));
  EXPECT_EQ(hget(page_key(kPage), "rev"), "3");
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow + 1));
  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "delivery_failed");
  EXPECT_EQ(events[0].at("report").as_int64(), 16);
  EXPECT_EQ(events[0].at("by").as_string(), "gateway");

  // Failed already: recorded, not failed twice.
  EXPECT_EQ(inbound.eval(call, {}, {kPage, kCase, "2", n(kNow + 2)}).str, "recorded");
  EXPECT_EQ(hget(page_key(kPage), "rev"), "3");
}

// notify's store API for inbound's answer script, run as inbound and as web
// (which runs the answer code in-process).
TEST_F(NotifyScriptsTest, LibPageClosedStopsTheDeliveriesStillToComeAndTellsTheApp) {
  const auto stop = lib_call(lua::notify_page_closed(),
                             "local n, pushed = piket_notify_stop_deliveries(ARGV[1], ARGV[2], "
                             "ARGV[3]) return {n, pushed and 1 or 0}");
  const auto closed = lib_call(lua::notify_page_closed(),
                               "piket_notify_push_closed(ARGV[1], ARGV[2], ARGV[3], ARGV[4], "
                               "ARGV[5]) return 1");
  seed_page(kPage, "accepted");
  ops_.command({"HSET", page_key(kPage), "rev", "2"});
  seed_sms(kPage, "queued");
  ops_.command({"HSET", delivery_key(kPage, "push"), "state", "accepted"});
  ops_.command({"HSET", delivery_key(kPage, "email"), "state", "scheduled"});
  ops_.command({"ZADD", kNotifyQueue, "1", kPage + ":sms"});
  ops_.command({"ZADD", kNotifyTimers, "1", kPage});

  RedisConnection inbound{redis_->config_as("inbound")};
  const auto r = inbound.eval(stop, {}, {kPage, "sms,push,email", n(kNow)});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].integer, 2);
  EXPECT_EQ(r.elements[1].integer, 1) << "its push had reached the app";
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "cancelled");
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "cancelled_at"), n(kNow));
  EXPECT_EQ(hget(delivery_key(kPage, "email"), "state"), "cancelled");
  EXPECT_EQ(hget(delivery_key(kPage, "push"), "state"), "accepted");
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":sms"));
  EXPECT_FALSE(zscore(kNotifyTimers, kPage));
  EXPECT_EQ(hget(page_key(kPage), "rev"), "3");

  RedisConnection web{redis_->config_as("web")};
  web.eval(closed, {}, {"anna", kPage, kCase, "acknowledged", "100"});
  const auto entries = ops_.command({"XRANGE", push_key("anna"), "-", "+"});
  ASSERT_EQ(entries.elements.size(), 1u);
  EXPECT_EQ((entries.elements[0].elements[1]).element_strings(),
            (std::vector<std::string>{"type", "page_closed", "page_id", kPage, "case_id", kCase,
                                      "state", "acknowledged"}));
}

// ------------------------------------------ shebangs: at Redis's memory limit

// `#!lua` (claim, join): refused up front, nothing written. `#!lua
// flags=allow-oom` (complete): an outcome is recorded even
// then (else the SMS would go twice).
class NotifyScriptsFullTest : public NotifyScriptsTest {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-notify-full", 4ULL << 20); }
};

TEST_F(NotifyScriptsFullTest, AtTheMemoryLimitNothingIsClaimedButOutcomesAreRecorded) {
  EXPECT_EQ(lua::notify_claim().substr(0, 6), "#!lua\n");
  EXPECT_EQ(lua::notify_join().substr(0, 6), "#!lua\n");
  EXPECT_EQ(lua::notify_complete().substr(0, 22), "#!lua flags=allow-oom\n");

  seed_page(kPage);
  seed_sms(kPage, "queued");
  ops_.command({"ZADD", kNotifyQueue, "1", kPage + ":sms"});
  seed_page(kPage2, "sending");
  seed_sms(kPage2, "sending");
  const int filled = test::fill_to_maxmemory(ops_);
  ASSERT_GT(filled, 0);

  const NotifyClaimArgs claim{kTransport, kTransport + 8000, kNow, 0, 20};
  EXPECT_THROW(notify_.eval(kClaim, {}, claim.argv()), common::RedisFullError);
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "queued");
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "attempts"), "0");
  const NotifyJoinArgs join{"B0000000000000001", kPage2 + ":sms", 1, kNow, 1000, 1, {}};
  EXPECT_THROW(notify_.eval(kJoin, {}, join.argv()), common::RedisFullError);

  EXPECT_EQ(complete_one(kPage2 + ":sms", {"accepted", 0, 202, "", ""}), "accepted");
  EXPECT_EQ(hget(delivery_key(kPage2, "sms"), "state"), "accepted");
  test::free_filled(ops_, filled);
}

}  // namespace
}  // namespace piket::store
