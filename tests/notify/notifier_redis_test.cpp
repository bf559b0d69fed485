// Notifier against a real, private redis-server (label `redis`) with a scripted
// SMS gateway, for a person reached by SMS only (one delivery per page,
// delivery:{page}:sms): queueing, sending, retry and failure, idempotent
// messages, and the in-doubt resolution of a send interrupted by a crash.
// Channel fallback across push/SMS/e-mail is tested in tests/paging.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_sms_gateway.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/notify/notifier.hpp"
#include "piket/paging/page_expansion.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"
#include "temp_dir.hpp"

namespace piket::notify {
namespace {

namespace json = boost::json;
using common::Millis;
using test::FakeSmsGateway;
using namespace std::chrono_literals;

const common::Instant kDomainStart = common::from_epoch_ms(1795870800000);     // 2026-11-28
const common::Instant kTransportStart = common::from_epoch_ms(1924992000000);  // 2031-01-01
const std::string kPage = "P0123456789ABCDEF";
const std::string kDelivery = kPage + ":sms";  // the page's SMS delivery
const std::string kCase = "C12345678";
const std::string kTo = "+31612345678";
const std::string kText =
    "piket HOME BAN case C12345678 region groningen reported 28-11 10:00. "
    "Reply 04711 to acknowledge.";

class NotifierRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-notify-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  NotifierRedisTest() : conn_(redis_->config()) {
    conn_.command({"FLUSHALL"});
    config_.redis = redis_->config_as("notify");
    config_.notify.retry_initial = 500ms;
    config_.notify.retry_max = 30000ms;
    config_.notify.max_attempts = 3;
    config_.notify.gateway_timeout = 3000ms;
    config_.notify.in_doubt_grace = 5000ms;
    rota::PersonConfig anna;
    anna.id = "anna";
    anna.display_name = "Anna";
    anna.phone = kTo;
    anna.contact = {{rota::ContactChannel::sms, Millis{0}}};
    config_.people = {anna};
  }

  Notifier& notifier() {
    if (!notifier_)
      notifier_.emplace(
          config_.notify, config_.kannel, config_, config_, domain_, transport_,
          [] { return std::make_unique<FakeSmsGateway>(); }, metrics_);
    return *notifier_;
  }

  // A page as dispatch writes it.
  void seed_page(const std::string& id = kPage) {
    conn_.command({"HSET",       store::page_key(id),
                   "incident",   "I0123456789ABCDEF",
                   "case",       kCase,
                   "person",     "anna",
                   "to",         kTo,
                   "text",       kText,
                   "ack_code",   "047110",
                   "rule",       "on_call",
                   "state",      "queued",
                   "created_at", ms(domain_.now()),
                   "channel",    "sms",
                   "attempts",   "0"});
  }
  // `count` pages of different incidents (none a duplicate of another), their
  // ids ending in `series` and 0, 1, …
  std::vector<std::string> seed_pages(int count, char series) {
    std::vector<std::string> ids;
    for (int n = 0; n < count; ++n) {
      const auto tail = std::string(1, series) + std::to_string(n);
      ids.push_back("P0123456789ABCD" + tail);
      seed_page(ids.back());
      conn_.command({"HSET", store::page_key(ids.back()), "incident", "I0123456789ABCD" + tail});
    }
    return ids;
  }
  // The message dispatch writes for a page (lib/paging_page_create.lua): with
  // what notify's plan needs, so that notify does not read the page first.
  std::string message_of(const std::string& id, const std::string& person = "anna") {
    return json::serialize(json::object{{"page_id", id},
                                        {"person", person},
                                        {"created_at", common::to_epoch_ms(domain_.now())},
                                        {"info", 0}});
  }
  // Seeds the page and hands it to notify, as the outbox does.
  void page_arrives() {
    seed_page();
    ASSERT_TRUE(notifier().handle_message("notify", kPage, message_of(kPage)));
  }

  static std::string ms(common::Instant t) { return std::to_string(common::to_epoch_ms(t)); }
  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  std::string delivery(const std::string& field) {
    return hget(store::delivery_key(kDelivery), field);
  }
  std::string page(const std::string& field) { return hget(store::page_key(kPage), field); }
  bool hexists(const std::string& key, const std::string& field) {
    return conn_.command({"HEXISTS", key, field}).integer == 1;
  }
  std::optional<long long> queue_score(const std::string& id = kDelivery) {
    const auto r = conn_.command({"ZSCORE", store::kNotifyQueue, id});
    if (r.is_nil()) return std::nullopt;
    return std::stoll(r.str);
  }
  long long queue_size() { return conn_.command({"ZCARD", store::kNotifyQueue}).integer; }
  std::vector<json::object> timeline() {
    std::vector<json::object> out;
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(kCase), "0", "-1"}).elements)
      out.push_back(json::parse(e.str).as_object());
    return out;
  }
  std::size_t count_events(const std::string& type) {
    std::size_t n = 0;
    for (const auto& e : timeline()) n += e.at("type").as_string() == type;
    return n;
  }
  // A worker's step, on a connection as Redis user "notify" (its least privilege).
  StepResult step(FakeSmsGateway& gateway) { return notifier().step(gateway, notify_conn_); }
  // Steps until nothing is left to do now; returns the kinds seen (idle
  // excluded), one per delivery of each batch.
  std::vector<StepResult::Kind> drain(FakeSmsGateway& gateway) {
    std::vector<StepResult::Kind> kinds;
    for (int i = 0; i < 20; ++i) {
      const auto r = step(gateway);
      if (r.kind == StepResult::Kind::idle) break;
      if (r.items.empty()) kinds.push_back(r.kind);
      for (const auto& item : r.items) kinds.push_back(item.kind);
    }
    return kinds;
  }

  // A metric's value (its first series); -1: not there.
  double metric(const std::string& name) {
    std::istringstream text(metrics_.render());
    for (std::string line; std::getline(text, line);)
      if (line.rfind(name + "{", 0) == 0) return std::stod(line.substr(line.rfind(' ') + 1));
    return -1;
  }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;  // the test's own view: Redis user "ops"
  common::RedisConnection notify_conn_{redis_->config_as("notify")};
  config::Config config_;
  common::SimulatedClock domain_{kDomainStart};
  common::SimulatedClock transport_{kTransportStart};
  common::Metrics metrics_{"notify"};
  std::optional<Notifier> notifier_;
};

piket::test::PrivateRedis* NotifierRedisTest::redis_ = nullptr;

// A message without the page's facts (written before they were) has the
// page read: the same delivery, queued at once.
TEST_F(NotifierRedisTest, AMessageWithoutThePagesFactsHasThePageRead) {
  seed_page();
  ASSERT_TRUE(notifier().handle_message("notify", kPage, R"({"page_id":")" + kPage + "\"}"));
  EXPECT_EQ(delivery("state"), "queued");
  EXPECT_EQ(page("channels"), "sms");
  EXPECT_EQ(queue_score(), common::to_epoch_ms(kTransportStart));
}

// The message names bob, whose rules are e-mail only; the page is anna's. Her
// rules are used (read from the page), not bob's: a message is trusted only as
// far as the page agrees.
TEST_F(NotifierRedisTest, AMessageNamingAnotherPersonThanThePageIsNotTrusted) {
  rota::PersonConfig bob;
  bob.id = "bob";
  bob.display_name = "Bob";
  bob.email = "bob@example.invalid";
  bob.contact = {{rota::ContactChannel::email, Millis{0}}};
  config_.people.push_back(bob);
  seed_page();
  ASSERT_TRUE(notifier().handle_message("notify", kPage, message_of(kPage, "bob")));
  EXPECT_EQ(page("channels"), "sms");
  EXPECT_EQ(delivery("state"), "queued");
  EXPECT_EQ(delivery("person"), "anna");
  EXPECT_EQ(conn_.command({"EXISTS", store::delivery_key(kPage + ":email")}).integer, 0);
}

// A message made on another created_at than the page's: expanded, its plan not
// applied (the page is not as the plan assumed), then planned from the page —
// the SMS is queued all the same.
TEST_F(NotifierRedisTest, AMessageWithAnotherCreatedAtIsPlannedFromThePage) {
  seed_page();
  const auto message = json::serialize(
      json::object{{"page_id", kPage}, {"person", "anna"}, {"created_at", 1}, {"info", 0}});
  ASSERT_TRUE(notifier().handle_message("notify", kPage, message));
  EXPECT_EQ(delivery("state"), "queued");
  EXPECT_EQ(queue_score(), common::to_epoch_ms(kTransportStart));
}

TEST_F(NotifierRedisTest, AcceptedPageIsSentOnceAndRecorded) {
  page_arrives();
  // The SMS delivery is queued for now, in transport time.
  EXPECT_EQ(delivery("state"), "queued");
  EXPECT_EQ(delivery("to"), kTo);
  EXPECT_EQ(queue_score(), common::to_epoch_ms(kTransportStart));

  FakeSmsGateway gateway({202});
  domain_.advance(7s);
  const auto r = step(gateway);
  EXPECT_EQ(r.kind, StepResult::Kind::sent);
  EXPECT_EQ(r.page_id, kPage);
  EXPECT_EQ(r.channel, "sms");
  ASSERT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(gateway.sent[0].page_id, kPage);
  EXPECT_EQ(gateway.sent[0].to, kTo);
  EXPECT_EQ(gateway.sent[0].text, kText);

  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_EQ(delivery("accepted_at"), ms(domain_.now()));
  EXPECT_EQ(delivery("attempts"), "1");
  EXPECT_EQ(delivery("gateway_status"), "202");
  EXPECT_EQ(page("state"), "accepted");
  EXPECT_EQ(page("accepted_at"), ms(domain_.now()));
  EXPECT_FALSE(queue_score().has_value());

  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "page_sent");
  EXPECT_EQ(events[0].at("page").as_string(), kPage);
  EXPECT_EQ(events[0].at("channel").as_string(), "sms");
  EXPECT_EQ(events[0].at("at").to_number<std::int64_t>(), common::to_epoch_ms(domain_.now()));

  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 1u);
}

TEST_F(NotifierRedisTest, ClaimMarksTheDeliverySendingWithALease) {
  page_arrives();
  FakeSmsGateway gateway({202});
  std::string state_during_send;
  std::optional<long long> lease;
  gateway.on_send = [&](const OutgoingSms&) {
    state_during_send = delivery("state");
    lease = queue_score();
  };
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  EXPECT_EQ(state_during_send, "sending");
  EXPECT_EQ(lease, common::to_epoch_ms(kTransportStart + config_.notify.gateway_timeout +
                                       config_.notify.in_doubt_grace));
}

TEST_F(NotifierRedisTest, TemporaryFailureIsRetriedLaterThenSucceeds) {
  page_arrives();
  FakeSmsGateway gateway({503, 202});
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::retry_scheduled);
  EXPECT_EQ(delivery("state"), "retry");
  EXPECT_EQ(delivery("gateway_status"), "503");
  EXPECT_EQ(delivery("attempts"), "1");
  const auto now = common::to_epoch_ms(transport_.now());
  const auto score = queue_score();
  ASSERT_TRUE(score.has_value());
  // First retry: 500 ms ± 20 %.
  EXPECT_GE(*score, now + 400);
  EXPECT_LE(*score, now + 600);
  EXPECT_TRUE(timeline().empty());

  // Not due yet: nothing happens.
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 1u);

  transport_.set(common::from_epoch_ms(*score));
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  EXPECT_EQ(gateway.sent.size(), 2u);
  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_EQ(delivery("attempts"), "2");
  EXPECT_EQ(page("state"), "accepted");
  EXPECT_FALSE(queue_score().has_value());
  EXPECT_EQ(count_events("page_sent"), 1u);
}

TEST_F(NotifierRedisTest, NoAnswerAndRateLimitAreRetried) {
  for (int status : {0, 429, 500}) {
    conn_.command({"FLUSHALL"});
    page_arrives();
    FakeSmsGateway gateway({status});
    EXPECT_EQ(step(gateway).kind, StepResult::Kind::retry_scheduled) << status;
    EXPECT_EQ(delivery("state"), "retry") << status;
    EXPECT_TRUE(queue_score().has_value()) << status;
  }
}

TEST_F(NotifierRedisTest, PermanentFailureIsNotRetried) {
  page_arrives();
  FakeSmsGateway gateway({400});
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::failed);
  EXPECT_EQ(delivery("state"), "failed");
  EXPECT_EQ(delivery("failed_at"), ms(domain_.now()));
  EXPECT_EQ(delivery("gateway_status"), "400");
  EXPECT_EQ(delivery("fail_reason"), "permanent");
  EXPECT_FALSE(queue_score().has_value());
  // SMS was the only channel: the page is undeliverable.
  drain(gateway);
  EXPECT_EQ(page("state"), "failed");
  EXPECT_EQ(count_events("delivery_failed"), 1u);
  EXPECT_EQ(count_events("page_sent"), 0u);
  // …and escalated once.
  EXPECT_EQ(conn_.command({"ZCARD", store::outbox_due_key("escalation")}).integer, 1);
  // The recorded events carry no person data.
  for (const auto& e : timeline()) EXPECT_EQ(json::serialize(e).find(kTo), std::string::npos);

  transport_.advance(1h);
  domain_.advance(1h);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  // A message arriving again does not revive a failed page.
  notifier().handle_message("notify", kPage, "{}");
  drain(gateway);
  EXPECT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(delivery("state"), "failed");
}

TEST_F(NotifierRedisTest, FailsAfterMaxAttempts) {
  page_arrives();
  FakeSmsGateway gateway({503});
  std::vector<StepResult::Kind> kinds;
  for (int i = 0; i < 5; ++i) {
    const auto r = step(gateway);
    if (r.kind != StepResult::Kind::evaluated) kinds.push_back(r.kind);
    transport_.advance(config_.notify.retry_max + 1ms);
  }
  const std::vector<StepResult::Kind> expected{StepResult::Kind::retry_scheduled,
                                               StepResult::Kind::retry_scheduled,
                                               StepResult::Kind::failed, StepResult::Kind::idle};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(gateway.sent.size(), static_cast<std::size_t>(config_.notify.max_attempts));
  EXPECT_EQ(delivery("state"), "failed");
  EXPECT_EQ(delivery("fail_reason"), "gateway_down");
  EXPECT_EQ(delivery("attempts"), "3");
  EXPECT_FALSE(queue_score().has_value());
  EXPECT_EQ(page("state"), "failed");
  EXPECT_EQ(count_events("delivery_failed"), 1u);
}

TEST_F(NotifierRedisTest, SameMessageTwiceSendsOnce) {
  page_arrives();
  transport_.advance(1s);
  EXPECT_TRUE(notifier().handle_message("notify", kPage, "{}"));
  EXPECT_EQ(queue_size(), 1);
  // The first queueing time stands.
  EXPECT_EQ(queue_score(), common::to_epoch_ms(kTransportStart));
  FakeSmsGateway gateway({202});
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  // And once more after it was sent (a resend by the outbox).
  EXPECT_TRUE(notifier().handle_message("notify", kPage, "{}"));
  EXPECT_EQ(queue_size(), 0);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(count_events("page_sent"), 1u);
}

TEST_F(NotifierRedisTest, UnknownOrMalformedMessagesAreAcknowledgedWithoutWrites) {
  EXPECT_TRUE(notifier().handle_message("notify", kPage, "{}"));   // no such page
  EXPECT_TRUE(notifier().handle_message("notify", "P123", "{}"));  // malformed id
  EXPECT_TRUE(notifier().handle_message("notify", "I0123456789ABCDEF", "{}"));
  EXPECT_TRUE(notifier().handle_message("dispatch", kPage, "{}"));  // wrong channel
  EXPECT_EQ(conn_.command({"DBSIZE"}).integer, 0);
  seed_page();
  EXPECT_TRUE(notifier().handle_message("dispatch", kPage, "{}"));
  EXPECT_EQ(queue_size(), 0);
  EXPECT_FALSE(hexists(store::delivery_key(kDelivery), "state"));
}

// A batch of page messages, as the receiver hands over what was waiting:
// every page is expanded and queued in one call (its reads one round trip,
// its expansions with their plans another); a page seen before, an unknown page
// and a malformed id are acknowledged without action; each page goes out
// exactly once.
TEST_F(NotifierRedisTest, ABatchOfPagesQueuesEachOnceAndEachIsSentOnce) {
  config_.notify.bundle_window = 0ms;  // an SMS per page (bundling: BundlingTest)
  const auto ids = seed_pages(6, '0');
  ASSERT_TRUE(notifier().handle_message("notify", ids[0], "{}"));  // seen before
  std::vector<common::InboxMessage> batch;
  for (const auto& id : ids) batch.push_back({"notify", id, "{}"});
  batch.push_back({"notify", "PZZZZZZZZZZZZZZZZ", "{}"});  // no such page
  batch.push_back({"notify", "P123", "{}"});               // malformed
  EXPECT_EQ(notifier().handle_batch(batch), std::vector<bool>(batch.size(), true));
  EXPECT_EQ(queue_size(), 6);
  for (const auto& id : ids)
    EXPECT_EQ(hget(store::delivery_key(id + ":sms"), "state"), "queued") << id;
  // The same batch again (the outbox's resend): nothing changes.
  EXPECT_EQ(notifier().handle_batch(batch), std::vector<bool>(batch.size(), true));
  EXPECT_EQ(queue_size(), 6);

  FakeSmsGateway gateway({202});
  drain(gateway);
  ASSERT_EQ(gateway.sent.size(), 6u);
  std::set<std::string> sent;
  for (const auto& sms : gateway.sent) sent.insert(sms.page_id);
  EXPECT_EQ(sent, std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_EQ(count_events("page_sent"), 6u);
  EXPECT_EQ(notifier().handle_batch(batch), std::vector<bool>(batch.size(), true));
  EXPECT_EQ(queue_size(), 0);
}

// Each new page is expanded and planned by one script call, every page of a
// batch in one round trip: its SMS is queued at once, and no timer is left
// due (an SMS-only page has no next wake-up), so no worker evaluates the
// fresh page a second time.
TEST_F(NotifierRedisTest, ABatchOfNewPagesIsExpandedAndPlannedWithOneScriptCallEach) {
  config_.notify.bundle_window = 0ms;
  page_arrives();  // the scripts loaded on the server before counting
  std::vector<common::InboxMessage> batch;
  const auto ids = seed_pages(4, '1');
  for (const auto& id : ids) batch.push_back({"notify", id, "{}"});
  conn_.command({"CONFIG", "RESETSTAT"});
  EXPECT_EQ(notifier().handle_batch(batch), std::vector<bool>(batch.size(), true));
  const auto stats = conn_.command({"INFO", "commandstats"}).str;
  EXPECT_NE(stats.find("cmdstat_evalsha:calls=4,"), std::string::npos) << stats;
  EXPECT_EQ(stats.find("cmdstat_eval:"), std::string::npos) << stats;
  for (const auto& id : ids) {
    EXPECT_EQ(hget(store::delivery_key(id + ":sms"), "state"), "queued") << id;
    EXPECT_EQ(hget(store::page_key(id), "rev"), "2") << id;
  }
  EXPECT_EQ(conn_.command({"ZCARD", store::kNotifyTimers}).integer, 0);

  FakeSmsGateway gateway({202});
  const auto kinds = drain(gateway);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), StepResult::Kind::evaluated), 0);
  EXPECT_EQ(gateway.sent.size(), 5u);
}

// A page its producer expanded in its own script (dispatch's commit, with the
// expansion paging::attach_plan makes) has its SMS queued already: its message
// says `expanded`, and notify neither reads nor writes anything for it — it
// wakes a worker, whose claim sends the SMS once, without planning it again.
TEST_F(NotifierRedisTest, APageItsProducerExpandedIsSentWithoutNotifyTouchingItFirst) {
  config_.notify.bundle_window = 0ms;
  seed_page();
  auto args = paging::expansion_args(kPage, "anna", &config_.people[0], domain_.now());
  paging::attach_plan(args, common::to_epoch_ms(domain_.now()), false,
                      {domain_.now(), transport_.now(), Millis{1000}});
  const common::RedisScript expand{std::string(lua::notify_expand())};
  EXPECT_EQ(
      store::parse_notify_expand(conn_.eval(expand, {}, args.argv()).element_strings()).started, 1);
  ASSERT_EQ(delivery("state"), "queued");
  const auto rev = page("rev");

  auto message = json::parse(message_of(kPage)).as_object();
  message["expanded"] = 1;
  notifier();  // made (its scripts not counted)
  conn_.command({"CONFIG", "RESETSTAT"});
  ASSERT_TRUE(notifier().handle_message("notify", kPage, json::serialize(message)));
  const auto stats = conn_.command({"INFO", "commandstats"}).str;
  EXPECT_EQ(stats.find("cmdstat_evalsha:"), std::string::npos) << stats;
  EXPECT_EQ(stats.find("cmdstat_hmget:"), std::string::npos) << stats;
  EXPECT_EQ(metric("piket_notify_pages_expanded_by_producer_total"), 1);
  EXPECT_EQ(page("rev"), rev);

  FakeSmsGateway gateway({202});
  const auto kinds = drain(gateway);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), StepResult::Kind::evaluated), 0);
  ASSERT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(delivery("state"), "accepted");
  // Told again (the outbox's resend): nothing more goes out.
  ASSERT_TRUE(notifier().handle_message("notify", kPage, json::serialize(message)));
  EXPECT_TRUE(drain(gateway).empty());
  EXPECT_EQ(gateway.sent.size(), 1u);
}

// A page whose only channel is a duplicate of an earlier page's: the plan made
// for it before its expansion does not hold, so it is loaded and planned
// again after it (the whole page a duplicate), in the same call.
TEST_F(NotifierRedisTest, APageWhoseChannelWasSuppressedIsPlannedFromWhatItsExpansionLeft) {
  seed_page();
  conn_.command({"SET", store::pagekey_key(kCase, "I0123456789ABCDEF:on_call", "anna", "sms"),
                 "P0123456789ABCDEG:sms"});
  ASSERT_TRUE(notifier().handle_message("notify", kPage, "{}"));
  EXPECT_EQ(delivery("state"), "suppressed");
  EXPECT_EQ(page("state"), "duplicate");
  EXPECT_EQ(page("rev"), "2");
  EXPECT_EQ(queue_size(), 0);
  EXPECT_TRUE(conn_.command({"ZSCORE", store::kNotifyTimers, kPage}).is_nil());
  EXPECT_EQ(metric("piket_notify_duplicates_suppressed_total"), 1);
  FakeSmsGateway gateway({202});
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_TRUE(gateway.sent.empty());
}

// A page message acts only on a page still `queued`: one answered or stood
// down before notify saw it is not expanded, and that is counted.
TEST_F(NotifierRedisTest, AMessageForAPageNoLongerQueuedIsIgnoredAndCounted) {
  for (const char* state : {"acknowledged", "declined", "cancelled", "failed"}) {
    conn_.command({"FLUSHALL"});
    seed_page();
    conn_.command({"HSET", store::page_key(kPage), "state", state});
    EXPECT_TRUE(notifier().handle_message("notify", kPage, "{}")) << state;
    EXPECT_EQ(queue_size(), 0) << state;
    EXPECT_FALSE(hexists(store::delivery_key(kDelivery), "state")) << state;
    EXPECT_FALSE(hexists(store::page_key(kPage), "channels")) << state;
  }
  double ignored = -1;
  std::istringstream text(metrics_.render());
  for (std::string line; std::getline(text, line);)
    if (line.rfind("piket_notify_messages_ignored_total{", 0) == 0 &&
        line.find("reason=\"not_queued\"") != std::string::npos)
      ignored = std::stod(line.substr(line.rfind(' ') + 1));
  EXPECT_EQ(ignored, 4);
}

// ------------------------------------------------------------- in doubt

// The delivery left `sending` by a crashed worker whose lease has run out.
void leave_in_doubt(common::RedisConnection& conn, const common::Clock& transport) {
  conn.command({"HSET", store::delivery_key(kDelivery), "state", "sending", "attempts", "1"});
  conn.command({"ZADD", store::kNotifyQueue,
                std::to_string(common::to_epoch_ms(transport.now()) - 1), kDelivery});
}

TEST_F(NotifierRedisTest, InDoubtSendWithDeliveryReportIsAcceptedWithoutSending) {
  page_arrives();
  leave_in_doubt(conn_, transport_);
  conn_.command(
      {"HSET", store::delivery_key(kDelivery), "dlr_type", "8", "dlr_at", ms(domain_.now())});
  domain_.advance(3s);
  FakeSmsGateway gateway({202});
  const auto r = step(gateway);
  EXPECT_EQ(r.kind, StepResult::Kind::resolved_by_report);
  EXPECT_EQ(r.page_id, kPage);
  EXPECT_TRUE(gateway.sent.empty());
  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_EQ(delivery("resolved_by"), "delivery_report");
  EXPECT_EQ(delivery("accepted_at"), ms(domain_.now()));
  EXPECT_EQ(delivery("attempts"), "1");
  EXPECT_FALSE(hexists(store::delivery_key(kDelivery), "in_doubt_resends"));
  EXPECT_EQ(page("state"), "accepted");
  EXPECT_FALSE(queue_score().has_value());
  // The case's record shows the page as sent, and how that is known.
  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "page_sent");
  EXPECT_EQ(events[0].at("page").as_string(), kPage);
  EXPECT_EQ(events[0].at("resolved_by").as_string(), "delivery_report");
  EXPECT_EQ(events[0].at("at").to_number<std::int64_t>(), common::to_epoch_ms(domain_.now()));
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_TRUE(gateway.sent.empty());
}

TEST_F(NotifierRedisTest, InDoubtSendWithoutDeliveryReportIsSentAgain) {
  page_arrives();
  leave_in_doubt(conn_, transport_);
  FakeSmsGateway gateway({202});
  // First left to its worker's record (it may still come: a failover), then sent.
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::skipped);
  EXPECT_TRUE(gateway.sent.empty());
  EXPECT_EQ(delivery("state"), "sending");
  transport_.advance(config_.notify.in_doubt_confirm - 1ms);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  transport_.advance(1ms);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  ASSERT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(gateway.sent[0].to, kTo);
  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_EQ(delivery("in_doubt_resends"), "1");
  EXPECT_EQ(delivery("attempts"), "2");
  EXPECT_FALSE(hexists(store::delivery_key(kDelivery), "resolved_by"));
}

// The gateway took the SMS but its answer was lost (timeout: status 0, a
// retry). A delivery report that arrives before the retry proves it got there.
TEST_F(NotifierRedisTest, UnansweredSendWithLaterReportIsNotSentAgain) {
  page_arrives();
  FakeSmsGateway gateway({0, 202});
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::retry_scheduled);
  EXPECT_EQ(delivery("state"), "retry");
  conn_.command(
      {"HSET", store::delivery_key(kDelivery), "dlr_type", "8", "dlr_at", ms(domain_.now())});
  transport_.advance(config_.notify.retry_max);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::resolved_by_report);
  EXPECT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_EQ(delivery("resolved_by"), "delivery_report");
  EXPECT_FALSE(queue_score().has_value());
  EXPECT_EQ(count_events("page_sent"), 1u);
}

TEST_F(NotifierRedisTest, LiveLeaseIsNotTakenOver) {
  page_arrives();
  conn_.command({"HSET", store::delivery_key(kDelivery), "state", "sending", "attempts", "1"});
  conn_.command({"ZADD", store::kNotifyQueue, ms(transport_.now() + 5s), kDelivery});
  FakeSmsGateway gateway({202});
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  transport_.advance(5s);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::skipped);  // in doubt: its worker first
  transport_.advance(config_.notify.in_doubt_confirm);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  EXPECT_EQ(gateway.sent.size(), 1u);
}

// The whole story: the worker dies after the gateway took the SMS; a delivery
// report arrives while the lease runs; the next worker does not send again.
TEST_F(NotifierRedisTest, CrashAfterGatewayAcceptedIsResolvedByTheReport) {
  page_arrives();
  FakeSmsGateway crashing({202});
  crashing.on_send = [](const OutgoingSms&) { throw std::runtime_error("worker killed"); };
  EXPECT_THROW(step(crashing), std::runtime_error);
  EXPECT_EQ(crashing.sent.size(), 1u);
  EXPECT_EQ(delivery("state"), "sending");

  FakeSmsGateway gateway({202});
  // Within the lease: nobody touches it.
  transport_.advance(config_.notify.gateway_timeout);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  // The report (as inbound records it) comes in; then the lease runs out.
  conn_.command(
      {"HSET", store::delivery_key(kDelivery), "dlr_type", "1", "dlr_at", ms(domain_.now())});
  transport_.advance(config_.notify.in_doubt_grace);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::resolved_by_report);
  EXPECT_TRUE(gateway.sent.empty());
  EXPECT_EQ(delivery("state"), "accepted");
}

// notify killed after the gateway took the SMS and before Redis had the record (here: the
// record refused, NOREPLICAS, and the process stopping, which ends its tries): the next run
// finds the outcome in its send journal and records it before it claims anything, so the SMS
// is not sent a second time when the lease ends, delivery report or not. The control, without
// a journal: the in-doubt resend (the one duplicate piket allowed before).
TEST_F(NotifierRedisTest, ASendTheGatewayTookBeforeAKillIsRecordedFromTheJournalNotSentAgain) {
  for (const bool with_journal : {true, false}) {
    SCOPED_TRACE(with_journal ? "with a send journal" : "without (the control)");
    conn_.command({"FLUSHALL"});
    notifier_.reset();
    piket::test::TempDir dir("piket-journal");
    config_.notify.send_journal = with_journal ? (dir.path() / "notify.journal").string() : "";
    page_arrives();
    FakeSmsGateway gateway({202});
    gateway.on_send = [&](const OutgoingSms&) {
      conn_.command({"CONFIG", "SET", "min-replicas-to-write", "1"});
      notifier().stop();
    };
    EXPECT_THROW(step(gateway), common::RedisError);
    conn_.command({"CONFIG", "SET", "min-replicas-to-write", "0"});
    ASSERT_EQ(gateway.sent.size(), 1u);
    ASSERT_EQ(delivery("state"), "sending");

    notifier_.reset();  // the next run, on the same file
    FakeSmsGateway after({202});
    drain(after);
    transport_.advance(config_.notify.gateway_timeout + config_.notify.in_doubt_grace +
                       config_.notify.in_doubt_confirm);
    drain(after);
    transport_.advance(config_.notify.in_doubt_confirm);
    drain(after);
    if (with_journal) {
      EXPECT_TRUE(after.sent.empty());
      EXPECT_EQ(delivery("state"), "accepted");
      EXPECT_EQ(delivery("attempts"), "1");
      EXPECT_EQ(metric("piket_notify_journal_recorded_total"), 1);
    } else {
      EXPECT_EQ(after.sent.size(), 1u);
      EXPECT_EQ(delivery("in_doubt_resends"), "1");
    }
  }
  config_.notify.send_journal.clear();
}

// The same, on a Redis at a small memory limit (noeviction).
class NotifierFullRedisTest : public NotifierRedisTest {
 protected:
  static void SetUpTestSuite() {
    redis_ = new piket::test::PrivateRedis("piket-notify-full", 4ULL << 20);
  }
};

TEST_F(NotifierFullRedisTest, APageArrivingAtTheMemoryLimitWaitsForItsRedelivery) {
  seed_page();
  const int filled = piket::test::fill_to_maxmemory(conn_);
  ASSERT_GT(filled, 0);
  const auto message = R"({"page_id":")" + kPage + "\"}";
  // Not acknowledged (the outbox brings it again), nothing planned half.
  EXPECT_THROW(notifier().handle_message("notify", kPage, message), common::RedisFullError);
  EXPECT_EQ(conn_.command({"EXISTS", store::delivery_key(kDelivery)}).integer, 0);
  EXPECT_EQ(queue_size(), 0);
  EXPECT_EQ(page("state"), "queued");

  piket::test::free_filled(conn_, filled);
  EXPECT_TRUE(notifier().handle_message("notify", kPage, message));
  EXPECT_EQ(delivery("state"), "queued");
  FakeSmsGateway gateway({202});
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  EXPECT_EQ(gateway.sent.size(), 1u);
}

TEST_F(NotifierFullRedisTest, ADeliveryDueAtTheMemoryLimitIsNotClaimedAndIsSentOnceAfter) {
  page_arrives();
  const int filled = piket::test::fill_to_maxmemory(conn_);
  FakeSmsGateway gateway({202});
  for (int i = 0; i < 3; ++i) EXPECT_THROW(step(gateway), common::RedisFullError);
  EXPECT_TRUE(gateway.sent.empty());
  EXPECT_EQ(delivery("state"), "queued");
  EXPECT_EQ(delivery("attempts"), "0");

  piket::test::free_filled(conn_, filled);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 1u);
}

TEST_F(NotifierFullRedisTest, AnSmsThatWentOutIsRecordedEvenWhenRedisFillsUpMeanwhile) {
  // The send outcome script is `allow-oom`: refusing it would leave the delivery `sending`,
  // and after the lease the SMS would go out a second time.
  page_arrives();
  FakeSmsGateway gateway({202});
  int filled = 0;
  gateway.on_send = [&](const OutgoingSms&) { filled = piket::test::fill_to_maxmemory(conn_); };
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  ASSERT_GT(filled, 0);
  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_EQ(page("state"), "accepted");
  EXPECT_EQ(count_events("page_sent"), 1u);
  // Long after the lease: nothing is sent again.
  gateway.on_send = nullptr;
  piket::test::free_filled(conn_, filled);
  transport_.advance(1h);
  domain_.advance(1h);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 1u);
}

TEST_F(NotifierRedisTest, AnSmsThatWentOutIsRecordedWhenRedisDropsTheConnectionMeanwhile) {
  // What the gateway did is known only to this worker: a Redis error between
  // the send and its record (the primary lost, a failover under way) must not
  // lose it, or the SMS goes out a second time after the lease (seen in the
  // failover test). The outcome is recorded again on a new connection.
  page_arrives();
  FakeSmsGateway gateway({202});
  long long killed = 0;
  gateway.on_send = [&](const OutgoingSms&) {
    killed = conn_.command({"CLIENT", "KILL", "USER", "notify"}).integer;
  };
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  ASSERT_GE(killed, 1) << "the worker's connection was dropped between the send and its record";
  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_EQ(page("state"), "accepted");
  EXPECT_EQ(count_events("page_sent"), 1u);
  // Long after the lease: nothing is sent again.
  gateway.on_send = nullptr;
  transport_.advance(1h);
  domain_.advance(1h);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 1u);
}

TEST_F(NotifierRedisTest, AnSmsThatWentOutIsRecordedWhenRedisRefusesWritesPastItsLease) {
  // A failover: the new primary refuses every write (no replica yet) for
  // longer than the lease. The worker keeps recording what the gateway did;
  // a claim by another worker meanwhile finds the delivery in doubt and
  // leaves it to that record, so the SMS does not go out a second time.
  page_arrives();
  FakeSmsGateway gateway({202});
  std::thread outage;
  std::atomic<bool> restored{false};
  gateway.on_send = [&](const OutgoingSms&) {
    conn_.command({"CONFIG", "SET", "min-replicas-to-write", "1"});  // every write: NOREPLICAS
    outage = std::thread([&] {
      std::this_thread::sleep_for(300ms);
      transport_.advance(config_.notify.gateway_timeout + config_.notify.in_doubt_grace + 1s);
      // Writes come back: another worker's claim runs first and finds the
      // lease over; it must not send.
      std::this_thread::sleep_for(300ms);
      common::RedisConnection admin(redis_->config());
      admin.command({"CONFIG", "SET", "min-replicas-to-write", "0"});
      common::RedisConnection other(redis_->config_as("notify"));
      FakeSmsGateway other_gateway({202});
      const auto claimed = notifier().step(other_gateway, other);
      // In doubt, left to its worker (skipped); or, if the worker's record
      // came first (it tries every 200 ms), nothing due (idle). Never sent.
      EXPECT_TRUE(claimed.kind == StepResult::Kind::skipped ||
                  claimed.kind == StepResult::Kind::idle);
      EXPECT_TRUE(other_gateway.sent.empty()) << "sent a second time";
      restored = true;
    });
  };
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  outage.join();
  ASSERT_TRUE(restored);
  EXPECT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(delivery("state"), "accepted");
  EXPECT_FALSE(hexists(store::delivery_key(kDelivery), "doubt_seen"));
  EXPECT_EQ(count_events("page_sent"), 1u);
  EXPECT_GE(metric("piket_notify_record_retries_total"), 1.0);
  // Long after: nothing is sent again.
  gateway.on_send = nullptr;
  transport_.advance(1h);
  domain_.advance(1h);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 1u);
}

// ------------------------------------------------------------- bundling
// Several SMS to one person within notify.bundle_window go out as one
// (paging/sms_bundle.hpp): the first at once, what follows within the window
// together at its end — each page still its own delivery, sent exactly once.

struct Bundled {
  std::string id, code, brief;
  int rank = 0;
  bool info = false;
};

class BundlingTest : public NotifierRedisTest {
 protected:
  // A page to anna as a producer writes it (its own step: no duplicate).
  void arrives(const Bundled& b) {
    std::vector<std::string> cmd{"HSET",       store::page_key(b.id),
                                 "incident",   "I0123456789ABCDEF",
                                 "case",       kCase,
                                 "person",     "anna",
                                 "to",         kTo,
                                 "text",       "piket single text of " + b.brief,
                                 "rule",       "on_call",
                                 "state",      "queued",
                                 "created_at", ms(domain_.now()),
                                 "channel",    "sms",
                                 "attempts",   "0",
                                 "step",       "step-" + b.id,
                                 "brief",      b.brief,
                                 "rank",       std::to_string(b.rank)};
    if (b.info) {
      cmd.insert(cmd.end(), {"info", "1"});
    } else {
      cmd.insert(cmd.end(), {"ack_code", b.code});
      conn_.command({"SET", store::ackcode_key("anna", b.code), b.id});
    }
    conn_.command(cmd);
    ASSERT_TRUE(notifier().handle_message("notify", b.id, "{}"));
  }
  static Bundled nth(int n, int rank = 12, bool info = false) {
    const auto digits = [](long long v, std::size_t w) {
      auto t = std::to_string(v);
      return std::string(w > t.size() ? w - t.size() : 0, '0') + t;
    };
    const auto code = digits(300000 + n, 6);
    const auto case_code = "C" + digits(20000000 + n, 8);
    return {"PB" + digits(n, 15), info ? "" : code,
            std::string(info ? "INFO HUISVERBOD " : "HUISVERBOD ") + case_code, rank, info};
  }
  // Steps until nothing is due now (more steps than drain(): a burst holds each).
  void settle(FakeSmsGateway& gateway) {
    for (int i = 0; i < 200; ++i)
      if (step(gateway).kind == StepResult::Kind::idle) return;
    ADD_FAILURE() << "notify did not settle";
  }
  std::string dhget(const std::string& page, const std::string& field) {
    return hget(store::delivery_key(page, "sms"), field);
  }
  // How often `needle` occurs in everything the gateway got.
  static std::size_t occurrences(const FakeSmsGateway& g, const std::string& needle) {
    std::size_t n = 0;
    for (const auto& m : g.sent)
      for (auto at = m.text.find(needle); at != std::string::npos; at = m.text.find(needle, at + 1))
        ++n;
    return n;
  }
};

// The bundle's frame is in the recipient's language: anna chose English here
// (the deployment's is Dutch, the default; the test above).
TEST_F(BundlingTest, TheFrameIsInTheLanguageOfThePersonTheNumberBelongsTo) {
  config_.people[0].language = i18n::Language::en;
  FakeSmsGateway gateway({202});
  arrives(nth(0));
  ASSERT_EQ(step(gateway).kind, StepResult::Kind::sent);
  std::vector<Bundled> burst{nth(1), nth(2, 90, true)};
  for (const auto& b : burst) arrives(b);
  drain(gateway);
  transport_.advance(3000ms);
  ASSERT_EQ(step(gateway).kind, StepResult::Kind::sent);
  ASSERT_EQ(gateway.sent.size(), 2u);
  EXPECT_EQ(gateway.sent[1].text,
            "piket 2 pages: 300001 HUISVERBOD C20000001; info INFO HUISVERBOD C20000002. Reply a "
            "code to acknowledge.");
}

TEST_F(BundlingTest, ABurstToOnePersonIsTheFirstPageAtOnceThenOneSmsForTheRest) {
  ASSERT_EQ(config_.notify.bundle_window, 3000ms);  // the default
  FakeSmsGateway gateway({202});
  arrives(nth(0));
  // A page with nothing else waiting goes at once, as it always did: its own text.
  auto r = step(gateway);
  EXPECT_EQ(r.kind, StepResult::Kind::sent);
  EXPECT_EQ(r.pages, 1u);
  ASSERT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(gateway.sent[0].text, "piket single text of HUISVERBOD C20000000");
  EXPECT_EQ(gateway.sent[0].bundle_id, "");
  EXPECT_FALSE(hexists(store::delivery_key(nth(0).id, "sms"), "bundle"));

  // Eight more within the window: an escalated code red, reminders, an FYI.
  std::vector<Bundled> burst{nth(1, 12), nth(2, 30), nth(3, 0),  nth(4, 90, true),
                             nth(5, 12), nth(6, 2),  nth(7, 31), nth(8, 12)};
  for (const auto& b : burst) arrives(b);
  EXPECT_EQ(drain(gateway), std::vector<StepResult::Kind>(burst.size(), StepResult::Kind::held));
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 1u) << "nothing more before the window ends";

  transport_.advance(3000ms);
  r = step(gateway);
  EXPECT_EQ(r.kind, StepResult::Kind::sent);
  EXPECT_EQ(r.pages, burst.size());
  ASSERT_EQ(gateway.sent.size(), 2u);
  const auto& sms = gateway.sent[1];
  EXPECT_EQ(sms.to, kTo);
  ASSERT_EQ(sms.bundle_id.size(), 17u);
  EXPECT_EQ(sms.bundle_id[0], 'B');
  // Urgent first: the escalated code red (rank 0), the escalation (2), the
  // incidents by age, the reminders, the FYI last and without a code.
  EXPECT_EQ(sms.text,
            "piket 8 oproepen: 300003 HUISVERBOD C20000003; 300006 HUISVERBOD C20000006; "
            "300001 HUISVERBOD C20000001; 300005 HUISVERBOD C20000005; 300008 HUISVERBOD "
            "C20000008; 300002 HUISVERBOD C20000002; 300007 HUISVERBOD C20000007; info INFO "
            "HUISVERBOD C20000004. Stuur een code om aan te nemen.");
  EXPECT_LE(sms.text.size(), 459u);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);

  // Every page is its own delivery, accepted by that one request, with the bundle's id.
  std::vector<std::string> pages;
  for (const auto& b : burst) {
    EXPECT_EQ(dhget(b.id, "state"), "accepted") << b.id;
    EXPECT_EQ(dhget(b.id, "bundle"), sms.bundle_id) << b.id;
    EXPECT_EQ(dhget(b.id, "attempts"), "1") << b.id;
    EXPECT_EQ(hget(store::page_key(b.id), "state"), "accepted") << b.id;
    pages.push_back(b.id);
  }
  const auto rec = store::sms_bundle_key(sms.bundle_id);
  EXPECT_EQ(hget(rec, "person"), "anna");
  auto listed = hget(rec, "pages");
  for (const auto& id : pages) EXPECT_NE(listed.find(id), std::string::npos) << id;
  EXPECT_EQ(listed.size(), pages.size() * 18 - 1);
  EXPECT_GT(conn_.command({"PTTL", rec}).integer, 0);
  std::size_t sent_events = 0;
  for (const auto& e : timeline())
    if (e.at("type").as_string() == "page_sent" && e.contains("bundle")) {
      EXPECT_EQ(e.at("bundle").as_string(), sms.bundle_id);
      ++sent_events;
    }
  EXPECT_EQ(sent_events, burst.size());
}

TEST_F(BundlingTest, APageAfterTheWindowGoesAtOnceAndAlone) {
  FakeSmsGateway gateway({202});
  arrives(nth(0));
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  transport_.advance(3000ms);
  arrives(nth(1));
  const auto r = step(gateway);
  EXPECT_EQ(r.kind, StepResult::Kind::sent);
  EXPECT_EQ(r.pages, 1u);
  ASSERT_EQ(gateway.sent.size(), 2u);
  EXPECT_EQ(gateway.sent[1].text, "piket single text of HUISVERBOD C20000001");
  EXPECT_EQ(gateway.sent[1].bundle_id, "");
}

TEST_F(BundlingTest, WithoutABundleWindowEveryPageIsItsOwnSms) {
  config_.notify.bundle_window = 0ms;
  FakeSmsGateway gateway({202});
  for (int n = 0; n < 3; ++n) arrives(nth(n));
  EXPECT_EQ(drain(gateway), (std::vector<StepResult::Kind>(3, StepResult::Kind::sent)));
  ASSERT_EQ(gateway.sent.size(), 3u);
  for (const auto& m : gateway.sent) EXPECT_EQ(m.bundle_id, "");
}

TEST_F(BundlingTest, MoreThanThreeSegmentsHoldTheRestForTheNextSmsEachPageOnce) {
  FakeSmsGateway gateway({202});
  arrives(nth(0));
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  for (int n = 1; n <= 30; ++n) arrives(nth(n, n % 5 == 0 ? 0 : 12));
  settle(gateway);
  ASSERT_EQ(gateway.sent.size(), 1u);
  std::size_t rounds = 0;
  while (gateway.sent.size() < 31 && rounds < 10) {
    transport_.advance(3000ms);
    const auto before = gateway.sent.size();
    settle(gateway);
    ++rounds;
    ASSERT_EQ(gateway.sent.size(), before + 1) << "one SMS per window";
    const auto& text = gateway.sent.back().text;
    EXPECT_LE(text.size(), 459u) << text;
    EXPECT_TRUE(paging::is_gsm7_basic(text));
    if (conn_.command({"ZCARD", store::kNotifyQueue}).integer > 0) {
      EXPECT_NE(text.find(" meer in de app."), std::string::npos) << text;
    }
    if (conn_.command({"ZCARD", store::kNotifyQueue}).integer == 0) break;
  }
  // Every page reached the phone with its code exactly once, the urgent ones first.
  for (int n = 1; n <= 30; ++n) EXPECT_EQ(occurrences(gateway, nth(n).code), 1u) << nth(n).code;
  for (int n = 5; n <= 30; n += 5)
    EXPECT_NE(gateway.sent[1].text.find(nth(n).code), std::string::npos)
        << n << ": " << gateway.sent[1].text;
  EXPECT_GE(rounds, 2u);
  EXPECT_LE(rounds, 4u);
}

TEST_F(BundlingTest, AnAnsweredPageDoesNotGoAlong) {
  FakeSmsGateway gateway({202});
  arrives(nth(0));
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  arrives(nth(1));
  arrives(nth(2));
  arrives(nth(3));
  drain(gateway);
  // Acknowledged in the app meanwhile (as inbound's answer script leaves it).
  conn_.command(
      {"HSET", store::page_key(nth(2).id), "state", "acknowledged", "acknowledged_at", "1"});
  conn_.command({"HSET", store::delivery_key(nth(2).id, "sms"), "state", "cancelled"});
  transport_.advance(3000ms);
  drain(gateway);
  ASSERT_EQ(gateway.sent.size(), 2u);
  EXPECT_NE(gateway.sent[1].text.find(nth(1).code), std::string::npos);
  EXPECT_NE(gateway.sent[1].text.find(nth(3).code), std::string::npos);
  EXPECT_EQ(gateway.sent[1].text.find(nth(2).code), std::string::npos) << gateway.sent[1].text;
  EXPECT_EQ(dhget(nth(2).id, "state"), "cancelled");
}

TEST_F(BundlingTest, APermanentFailureFailsEveryPageOfTheSmsAndWakesEach) {
  FakeSmsGateway gateway({202, 403});
  arrives(nth(0));
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  arrives(nth(1));
  arrives(nth(2));
  drain(gateway);
  transport_.advance(3000ms);
  const auto r = step(gateway);
  EXPECT_EQ(r.kind, StepResult::Kind::failed);
  EXPECT_EQ(r.pages, 2u);
  for (int n : {1, 2}) {
    EXPECT_EQ(dhget(nth(n).id, "state"), "failed");
    EXPECT_EQ(dhget(nth(n).id, "fail_reason"), "permanent");
    // The page is planned again at once: its next channel, or undeliverable.
    EXPECT_FALSE(conn_.command({"ZSCORE", store::kNotifyTimers, nth(n).id}).is_nil());
  }
}

TEST_F(BundlingTest, ATemporaryFailureRetriesTheWholeBundleTogether) {
  FakeSmsGateway gateway({202, 503, 202});
  arrives(nth(0));
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::sent);
  arrives(nth(1));
  arrives(nth(2));
  drain(gateway);
  transport_.advance(3000ms);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::retry_scheduled);
  EXPECT_EQ(dhget(nth(1).id, "state"), "retry");
  EXPECT_EQ(dhget(nth(2).id, "state"), "retry");
  transport_.advance(config_.notify.retry_max);
  const auto r = step(gateway);
  EXPECT_EQ(r.kind, StepResult::Kind::sent);
  EXPECT_EQ(r.pages, 2u);
  ASSERT_EQ(gateway.sent.size(), 3u);
  EXPECT_EQ(gateway.sent[1].text, gateway.sent[2].text);
  EXPECT_NE(gateway.sent[1].bundle_id, gateway.sent[2].bundle_id);
  EXPECT_EQ(dhget(nth(1).id, "attempts"), "2");
  EXPECT_EQ(dhget(nth(2).id, "attempts"), "2");
}

// A crash between the gateway's 202 and the write of `accepted`: every page of
// the bundle is left `sending`. A delivery report (inbound writes it to every
// page of the bundle: tests/paging) proves the gateway had it: nothing is sent
// again. Without one, each page is sent once more — never twice more.
TEST_F(BundlingTest, ACrashAfterTheGatewayTookABundleIsResolvedPerPage) {
  arrives(nth(0));
  FakeSmsGateway first({202});
  EXPECT_EQ(step(first).kind, StepResult::Kind::sent);
  for (int n = 1; n <= 4; ++n) arrives(nth(n));
  drain(first);
  transport_.advance(3000ms);
  FakeSmsGateway crashing({202});
  crashing.on_send = [](const OutgoingSms&) { throw std::runtime_error("worker killed"); };
  EXPECT_THROW(step(crashing), std::runtime_error);
  ASSERT_EQ(crashing.sent.size(), 1u);
  for (int n = 1; n <= 4; ++n) EXPECT_EQ(dhget(nth(n).id, "state"), "sending");
  // The report came for pages 1 and 2 (as inbound records a bundle's report on
  // each page; here the bundle's report reached only part of them), not 3 and 4.
  for (int n : {1, 2})
    conn_.command({"HSET", store::delivery_key(nth(n).id, "sms"), "dlr_type", "1", "dlr_at", "1"});
  FakeSmsGateway gateway({202});
  transport_.advance(config_.notify.gateway_timeout);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);  // the lease still runs
  transport_.advance(config_.notify.in_doubt_grace);
  drain(gateway);
  EXPECT_TRUE(gateway.sent.empty()) << "in doubt: first left to the worker's record";
  transport_.advance(config_.notify.in_doubt_confirm);
  drain(gateway);
  for (int n : {1, 2}) {
    EXPECT_EQ(dhget(nth(n).id, "state"), "accepted");
    EXPECT_EQ(dhget(nth(n).id, "resolved_by"), "delivery_report");
    EXPECT_FALSE(hexists(store::delivery_key(nth(n).id, "sms"), "in_doubt_resends"));
  }
  // 3 and 4 went once more, together.
  ASSERT_EQ(gateway.sent.size(), 1u);
  EXPECT_EQ(occurrences(gateway, nth(1).code), 0u);
  EXPECT_EQ(occurrences(gateway, nth(2).code), 0u);
  EXPECT_EQ(occurrences(gateway, nth(3).code), 1u);
  EXPECT_EQ(occurrences(gateway, nth(4).code), 1u);
  for (int n : {3, 4}) {
    EXPECT_EQ(dhget(nth(n).id, "state"), "accepted");
    EXPECT_EQ(dhget(nth(n).id, "in_doubt_resends"), "1");
  }
  // Nothing more, ever.
  transport_.advance(60000ms);
  drain(gateway);
  EXPECT_EQ(gateway.sent.size(), 1u);
}

// ------------------------------------------------------------- batches
// A worker claims whatever is due now (up to notify.claim_batch) with one
// script, urgent pages first, sends the batch over its gateway connections at
// once and records every outcome with one script (docs/paging.md, "Sending").

class BatchTest : public BundlingTest {
 protected:
  BatchTest() { config_.notify.bundle_window = 0ms; }  // each page its own SMS

  // Script calls Redis ran so far (EVALSHA: notify runs every script so).
  long long script_calls() { return command_calls("evalsha"); }
  long long command_calls(const std::string& command) {
    const auto info = conn_.command({"INFO", "commandstats"}).str;
    const auto at = info.find("cmdstat_" + command + ":calls=");
    if (at == std::string::npos) return 0;
    return std::stoll(info.substr(at + command.size() + 15));
  }
  // How many SMS the gateway got for the page.
  static std::size_t sends_of(const FakeSmsGateway& g, const std::string& page) {
    std::size_t k = 0;
    for (const auto& m : g.sent) k += m.page_id == page;
    return k;
  }
  // Sends one page to warm the scripts up (the first call of each loads it).
  void warm_up(FakeSmsGateway& gateway) {
    arrives(nth(900));
    ASSERT_EQ(step(gateway).kind, StepResult::Kind::sent);
    gateway.sent.clear();
  }
};

TEST_F(BatchTest, WhatIsDueGoesInOneBatchOneClaimAndOneOutcomeScript) {
  FakeSmsGateway gateway({202});
  warm_up(gateway);
  for (int n = 1; n <= 5; ++n) arrives(nth(n));
  const auto before = script_calls();
  const auto r = step(gateway);
  // One claim (its timer look in the same script) and one outcome script for the five.
  EXPECT_EQ(script_calls() - before, 2);
  EXPECT_EQ(r.kind, StepResult::Kind::sent);
  ASSERT_EQ(r.items.size(), 5u);
  for (const auto& item : r.items) EXPECT_EQ(item.kind, StepResult::Kind::sent);
  ASSERT_EQ(gateway.sent.size(), 5u);
  for (int n = 1; n <= 5; ++n) {
    EXPECT_EQ(dhget(nth(n).id, "state"), "accepted") << n;
    EXPECT_EQ(dhget(nth(n).id, "attempts"), "1") << n;
    EXPECT_EQ(hget(store::page_key(nth(n).id), "state"), "accepted") << n;
  }
  EXPECT_EQ(count_events("page_sent"), 6u);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 5u);
  // Per-stage figures: batches and what they claimed (the warm-up's one and these five).
  EXPECT_EQ(metric("piket_notify_claim_batches_total"), 2);
  EXPECT_EQ(metric("piket_notify_claimed_deliveries_total"), 6);
  EXPECT_EQ(metric("piket_notify_claim_seconds_count"), 3);  // the idle claim too
  EXPECT_EQ(metric("piket_notify_complete_seconds_count"), 2);
}

TEST_F(BatchTest, ABatchIsAtMostClaimBatchAndTheNextStepTakesTheRest) {
  config_.notify.claim_batch = 3;
  FakeSmsGateway gateway({202});
  for (int n = 1; n <= 7; ++n) arrives(nth(n));
  EXPECT_EQ(step(gateway).items.size(), 3u);
  EXPECT_EQ(step(gateway).items.size(), 3u);
  EXPECT_EQ(step(gateway).items.size(), 1u);
  EXPECT_EQ(step(gateway).kind, StepResult::Kind::idle);
  EXPECT_EQ(gateway.sent.size(), 7u);
}

// A backlog of routine pages due, then an escalation due last: it is sent
// first — in the first batch, and first in it.
TEST_F(BatchTest, AnEscalationDueAfterARoutineBacklogIsSentFirst) {
  config_.notify.claim_batch = 4;
  FakeSmsGateway gateway({202});
  for (int n = 1; n <= 12; ++n) {
    arrives(nth(n, 30));  // deadline reminders
    transport_.advance(1ms);
  }
  arrives(nth(13, 2));  // an escalation, due last
  const auto r = step(gateway);
  EXPECT_EQ(r.page_id, nth(13).id);
  ASSERT_EQ(gateway.sent.size(), 4u);
  EXPECT_EQ(gateway.sent[0].page_id, nth(13).id) << "the escalation first";
  EXPECT_EQ(gateway.sent[1].page_id, nth(1).id) << "then the oldest routine ones";
  // One at a time too.
  config_.notify.claim_batch = 1;
  arrives(nth(14, 1));  // a code red
  EXPECT_EQ(step(gateway).page_id, nth(14).id);
  for (int n = 0; n < 20 && step(gateway).kind != StepResult::Kind::idle; ++n) {
  }
  EXPECT_EQ(gateway.sent.size(), 14u);
  for (int n = 1; n <= 14; ++n) EXPECT_EQ(sends_of(gateway, nth(n).id), 1u) << n;
}

// The batch's sends over two connections at once: the first gateway to get a
// send answers only when the other connection has sent all the rest (a
// connection that hung holds up only its own send).
TEST_F(BatchTest, ASlowGatewayConnectionDoesNotHoldUpTheOthers) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    int fast_sent = 0;
    bool slow_saw_the_rest = false;
    std::atomic<int> made{0};
  } shared;
  class Gateway final : public SmsGateway {
   public:
    Gateway(Shared& s, bool slow) : s_(s), slow_(slow) {}
    SendResult send(const OutgoingSms&) override {
      std::unique_lock lock(s_.mutex);
      if (slow_) {
        s_.slow_saw_the_rest = s_.changed.wait_for(lock, 10s, [&] { return s_.fast_sent == 4; });
      } else {
        ++s_.fast_sent;
        s_.changed.notify_all();
      }
      return {SendResult::Kind::accepted, 202, "ok"};
    }

   private:
    Shared& s_;
    bool slow_;
  };
  // Whichever connection takes a send first is the slow one.
  std::atomic<bool> slow_taken{false};
  class First final : public SmsGateway {
   public:
    First(Shared& s, std::atomic<bool>& taken) : slow_(s, true), fast_(s, false), taken_(taken) {}
    SendResult send(const OutgoingSms& sms) override {
      if (!mine_.has_value()) mine_ = !taken_.exchange(true);
      return *mine_ ? slow_.send(sms) : fast_.send(sms);
    }

   private:
    Gateway slow_, fast_;
    std::atomic<bool>& taken_;
    std::optional<bool> mine_;
  };
  for (int n = 1; n <= 5; ++n) arrives(nth(n));
  ThreadLanes lanes(2,
                    [&] {
                      ++shared.made;
                      return std::make_unique<First>(shared, slow_taken);
                    },
                    {});
  ASSERT_EQ(lanes.width(), 2u);
  const auto r = notifier().step(lanes, notify_conn_);
  ASSERT_EQ(r.items.size(), 5u);
  EXPECT_TRUE(shared.slow_saw_the_rest) << "the other connection sent while one hung";
  EXPECT_EQ(shared.fast_sent, 4);
  EXPECT_EQ(shared.made.load(), 2) << "a gateway (connection) per lane";
  for (int n = 1; n <= 5; ++n) EXPECT_EQ(dhget(nth(n).id, "state"), "accepted") << n;
  EXPECT_EQ(metric("piket_notify_claimed_deliveries_total"), 5);
}

// Each send of a batch keeps its own outcome: one that crashed mid-send (its
// outcome unknown) stays `sending` under the batch's lease while the others
// are recorded; when the lease ends it is sent again, once.
TEST_F(BatchTest, ASendThatCrashedIsLeftToItsLeaseTheOthersAreRecorded) {
  FakeSmsGateway gateway({202, 503, 202});
  gateway.on_send = [&](const OutgoingSms& sms) {
    if (sms.page_id == nth(2).id) throw std::runtime_error("worker killed mid-send");
  };
  for (int n = 1; n <= 3; ++n) arrives(nth(n));
  EXPECT_THROW(step(gateway), std::runtime_error);
  ASSERT_EQ(gateway.sent.size(), 3u);
  EXPECT_EQ(dhget(nth(1).id, "state"), "accepted");
  EXPECT_EQ(dhget(nth(2).id, "state"), "sending");
  EXPECT_EQ(dhget(nth(3).id, "state"), "retry") << "its own outcome: 503";
  // Three sends over one connection: the lease is three gateway timeouts and the grace.
  const auto lease = conn_.command({"ZSCORE", store::kNotifyQueue, nth(2).id + ":sms"}).str;
  EXPECT_EQ(lease, ms(kTransportStart + 3 * config_.notify.gateway_timeout +
                      config_.notify.in_doubt_grace));
  gateway.on_send = nullptr;
  transport_.set(common::from_epoch_ms(std::stoll(lease)) - 1ms);
  drain(gateway);
  EXPECT_EQ(dhget(nth(2).id, "state"), "sending") << "a live lease is not taken";
  transport_.advance(1ms);
  drain(gateway);
  EXPECT_EQ(dhget(nth(2).id, "state"), "sending") << "in doubt: left to its worker's record";
  EXPECT_EQ(sends_of(gateway, nth(2).id), 1u);
  transport_.advance(config_.notify.in_doubt_confirm);
  drain(gateway);
  EXPECT_EQ(dhget(nth(2).id, "state"), "accepted");
  EXPECT_EQ(dhget(nth(2).id, "in_doubt_resends"), "1");
  EXPECT_EQ(dhget(nth(3).id, "state"), "accepted");
  EXPECT_EQ(sends_of(gateway, nth(1).id), 1u);
  EXPECT_EQ(sends_of(gateway, nth(2).id), 2u) << "in doubt: sent again once";
  EXPECT_EQ(sends_of(gateway, nth(3).id), 2u) << "the retry";
}

// A send that waited for a free connection and could no longer end before its
// lease runs out is not begun: another worker may take the delivery when the
// lease ends, and it must not be under way then. It goes when the lease ends.
// (The first round of a batch goes at once, as a single send always did.)
TEST_F(BatchTest, ASendThatCouldNotEndBeforeItsLeaseIsNotBegun) {
  FakeSmsGateway gateway({202});
  gateway.on_send = [&](const OutgoingSms&) {
    // A send that took its timeout and the whole grace.
    transport_.advance(config_.notify.gateway_timeout + config_.notify.in_doubt_grace + 1ms);
  };
  arrives(nth(1));
  arrives(nth(2));
  const auto r = step(gateway);
  ASSERT_EQ(gateway.sent.size(), 1u);
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[1].kind, StepResult::Kind::skipped);
  const auto& late = gateway.sent[0].page_id == nth(1).id ? nth(2) : nth(1);
  EXPECT_EQ(dhget(late.id, "state"), "sending");
  EXPECT_EQ(metric("piket_notify_sends_deferred_total"), 1);
  gateway.on_send = nullptr;
  transport_.advance(config_.notify.gateway_timeout + config_.notify.in_doubt_grace);
  drain(gateway);  // in doubt: left to the record (that never comes) first
  EXPECT_EQ(gateway.sent.size(), 1u);
  transport_.advance(config_.notify.in_doubt_confirm);
  drain(gateway);
  EXPECT_EQ(dhget(late.id, "state"), "accepted");
  EXPECT_EQ(gateway.sent.size(), 2u);
}

// Time passes between the claim and the sends (the WAIT, the join, the lanes):
// a transport clock that moves a millisecond at every look. The batch's first
// round still goes at once, and the sends waiting behind it while their lease
// allows.
TEST_F(BatchTest, TimePassingBetweenClaimAndSendHoldsNothingBack) {
  class Ticking final : public common::Clock {
   public:
    explicit Ticking(common::Instant start) : ms_(common::to_epoch_ms(start)) {}
    common::Instant now() const override { return common::from_epoch_ms(ms_.fetch_add(1)); }

   private:
    mutable std::atomic<long long> ms_;
  } ticking(kTransportStart);
  for (int n = 1; n <= 3; ++n) arrives(nth(n));
  Notifier ticking_notifier(
      config_.notify, config_.kannel, config_, config_, domain_, ticking,
      [] { return std::make_unique<FakeSmsGateway>(); }, metrics_);
  FakeSmsGateway gateway({202});
  const auto r = ticking_notifier.step(gateway, notify_conn_);
  ASSERT_EQ(r.items.size(), 3u);
  for (const auto& item : r.items) EXPECT_EQ(item.kind, StepResult::Kind::sent);
  EXPECT_EQ(gateway.sent.size(), 3u);
}

// With [redis] min_replicas: one WAIT for the whole batch's claims before any
// send; not on enough replicas in time (here there are none): nothing is sent
// until the leases end.
TEST_F(BatchTest, WithMinReplicasOneWaitCoversTheBatchAndNothingGoesWhenItTimesOut) {
  auto cfg = redis_->config_as("notify");
  cfg.min_replicas = 1;
  cfg.replica_wait = 20ms;
  common::RedisConnection conn(cfg);
  FakeSmsGateway gateway({202});
  for (int n = 1; n <= 4; ++n) arrives(nth(n));
  const auto waits = command_calls("wait");
  const auto r = notifier().step(gateway, conn);
  EXPECT_EQ(command_calls("wait") - waits, 1);
  ASSERT_EQ(r.items.size(), 4u);
  for (const auto& item : r.items) EXPECT_EQ(item.kind, StepResult::Kind::skipped);
  EXPECT_TRUE(gateway.sent.empty());
  for (int n = 1; n <= 4; ++n) EXPECT_EQ(dhget(nth(n).id, "state"), "sending") << n;
  EXPECT_EQ(metric("piket_notify_sends_deferred_total"), 4);
}

}  // namespace
}  // namespace piket::notify
