// Web Push end to end at the sender: a push endpoint run by the test (a
// Beast server that records each request) receives a message for a person's
// subscription; the test decrypts the body with the subscription's own
// private key and auth secret, checks the payload carries no person data,
// verifies the VAPID header, and sees a 410 forget the subscription and a 503
// tried again under the retry rule — a retry kept in Redis across a restart of
// the sender (notify's), delivered by the next one — with each outcome
// counted on the service's metrics. Label redis (a private redis-server).

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <sstream>
#include <thread>

#include "http_listener.hpp"
#include "piket/push/base64url.hpp"
#include "piket/push/retry_store.hpp"
#include "piket/push/subscriptions.hpp"
#include "piket/push/vapid.hpp"
#include "piket/push/web_push_sender.hpp"
#include "piket/store/webpush.hpp"
#include "private_redis.hpp"

namespace piket::push {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// A browser's side of a subscription: its key pair and auth secret.
struct Browser {
  P256Key key = P256Key::generate();
  std::string auth = std::string("0123456789abcdef");

  Subscription subscription(const std::string& endpoint) const {
    return {subscription_id(endpoint), endpoint, base64url_encode(key.public_bytes()),
            base64url_encode(auth), common::from_epoch_ms(1000)};
  }
};

template <class F>
bool eventually(F done, std::chrono::milliseconds within = 5s) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

class WebPushSenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-webpush-send"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { common::RedisConnection(redis_->config()).command({"FLUSHALL"}); }

  WebPushSender::Options options() {
    return {redis_->config_as("notify"), "mailto:piket@example.org",
            WebPushRetry{3, [](int attempt) { return common::Millis{1000 * attempt}; }}, 100};
  }

  // The retries waiting in Redis.
  long long retries_kept() {
    return common::RedisConnection(redis_->config())
        .command({"ZCARD", std::string(store::kWebpushRetryDue)})
        .integer;
  }
  // A counter's value on the metrics registry (the series of `name` with
  // `label`, e.g. outcome="sent"); -1: not there.
  static double metric(const common::Metrics& m, const std::string& name,
                       const std::string& label = "") {
    std::istringstream text(m.render());
    for (std::string line; std::getline(text, line);)
      if (line.rfind(name + "{", 0) == 0 && line.find(label) != std::string::npos)
        return std::stod(line.substr(line.rfind(' ') + 1));
    return -1;
  }

  static test::PrivateRedis* redis_;
  common::RedisConnection web_{redis_->config_as("web")};
  common::RedisConnection notify_{redis_->config_as("notify")};  // the retry store's user
  common::SimulatedClock clock_{common::from_epoch_ms(1'796'000'000'000)};
  P256Key vapid_ = P256Key::generate();
  HttpPushClient client_{2s};
};
test::PrivateRedis* WebPushSenderTest::redis_ = nullptr;

TEST_F(WebPushSenderTest, APageReachesTheEndpointEncryptedSignedAndWithoutPersonData) {
  test::HttpListener endpoint([](const test::RecordedRequest&) {
    return test::ListenerResponse{201, {}};
  });
  Browser browser;
  Subscriptions(web_).add("icm-anna", browser.subscription(endpoint.url("/push/s1")));

  WebPushSender sender(options(), vapid_, client_, clock_);
  sender.send("icm-anna", {R"({"kind":"page","id":"PABCDEFGH23456789"})", 600s, true});
  const auto got = endpoint.wait_for("/push/s1", 1, 5s);
  ASSERT_EQ(got.size(), 1u);
  const auto& req = got[0];

  EXPECT_EQ(req.headers.at("content-encoding"), "aes128gcm");
  EXPECT_EQ(req.headers.at("ttl"), "600");
  EXPECT_EQ(req.headers.at("urgency"), "high");

  // Only the browser can read it: its private key and auth secret.
  const auto plain = decrypt(req.body, browser.key, browser.auth);
  ASSERT_TRUE(plain);
  const auto payload = json::parse(*plain).as_object();
  EXPECT_EQ(payload.size(), 2u);  // kind and id: nothing about a person
  EXPECT_EQ(payload.at("kind"), "page");
  EXPECT_FALSE(decrypt(req.body, P256Key::generate(), browser.auth));

  // VAPID: the token verifies with the key in the header, which is ours.
  const auto creds = parse_vapid_authorization(req.headers.at("authorization"));
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->public_key, base64url_encode(vapid_.public_bytes()));
  const auto claims =
      verify_vapid_token(creds->token, *P256Key::from_public(*base64url_decode(creds->public_key)));
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->audience, "http://127.0.0.1:" + std::to_string(endpoint.port()));
  EXPECT_EQ(claims->subject, "mailto:piket@example.org");
  const auto now_s = common::to_epoch_ms(clock_.now()) / 1000;
  EXPECT_GT(claims->expires_s, now_s);
  EXPECT_LE(claims->expires_s, now_s + 24 * 3600);
  EXPECT_TRUE(eventually([&] { return sender.counts().accepted == 1; }));
}

TEST_F(WebPushSenderTest, AGoneSubscriptionIsForgottenAndTheOthersStillGet) {
  test::HttpListener endpoint([](const test::RecordedRequest& r) {
    return test::ListenerResponse{r.path == "/push/gone" ? 410 : 201, {}};
  });
  Browser a, b;
  Subscriptions(web_).add("icm-anna", a.subscription(endpoint.url("/push/gone")));
  Subscriptions(web_).add("icm-anna", b.subscription(endpoint.url("/push/live")));

  WebPushSender sender(options(), vapid_, client_, clock_);
  sender.send("icm-anna", {R"({"kind":"page"})", 60s, false});
  EXPECT_EQ(endpoint.wait_for("/push/gone", 1, 5s).size(), 1u);
  const auto live = endpoint.wait_for("/push/live", 1, 5s);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].headers.at("urgency"), "normal");
  EXPECT_TRUE(eventually([&] { return Subscriptions(web_).list("icm-anna").size() == 1; }));
  EXPECT_EQ(Subscriptions(web_).list("icm-anna").at(0).endpoint, endpoint.url("/push/live"));
  // Counted after the subscription is removed: wait for the count as for the removal.
  EXPECT_TRUE(eventually([&] { return sender.counts().gone == 1u; }));
}

TEST_F(WebPushSenderTest, AnOverloadedPushServiceIsTriedAgainUnderTheRetryRule) {
  std::atomic<int> seen{0};
  test::HttpListener endpoint([&](const test::RecordedRequest&) {
    return test::ListenerResponse{++seen < 3 ? 503 : 201, {}};
  });
  Browser a;
  Subscriptions(web_).add("icm-anna", a.subscription(endpoint.url("/push/s")));

  WebPushSender sender(options(), vapid_, client_, clock_);
  sender.send("icm-anna", {R"({"kind":"page"})", 60s, true});
  ASSERT_EQ(endpoint.wait_for("/push/s", 1, 5s).size(), 1u);
  // Not again before its delay (1 s of transport time after attempt 1)…
  ASSERT_TRUE(eventually([&] { return sender.counts().retried == 1; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(endpoint.requests_to("/push/s").size(), 1u);
  clock_.advance(999ms);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(endpoint.requests_to("/push/s").size(), 1u);
  clock_.advance(1ms);
  ASSERT_EQ(endpoint.wait_for("/push/s", 2, 5s).size(), 2u);
  // …then 2 s after attempt 2.
  ASSERT_TRUE(eventually([&] { return sender.counts().retried == 2; }));
  clock_.advance(2000ms);
  ASSERT_EQ(endpoint.wait_for("/push/s", 3, 5s).size(), 3u);
  EXPECT_TRUE(eventually([&] { return sender.counts().accepted == 1; }));
  EXPECT_EQ(sender.counts().retried, 2u);
  // Each try is the same message, readable by the browser.
  for (const auto& r : endpoint.requests_to("/push/s"))
    EXPECT_EQ(decrypt(r.body, a.key, a.auth), R"({"kind":"page"})");
  EXPECT_EQ(Subscriptions(web_).list("icm-anna").size(), 1u);  // 503 keeps it
}

// Notify stops while a message waits for its retry: the retry is in Redis,
// and the next sender (notify started again) sends it when it is due, to the
// subscription, readable by the browser; then nothing is left waiting. The
// outcomes are counted on the registry each sender was given.
TEST_F(WebPushSenderTest, ARetryOutlivesARestartOfNotifyAndTheNextSenderDeliversIt) {
  std::atomic<int> seen{0};
  test::HttpListener endpoint([&](const test::RecordedRequest&) {
    return test::ListenerResponse{++seen == 1 ? 503 : 201, {}};
  });
  Browser a;
  Subscriptions(web_).add("icm-anna", a.subscription(endpoint.url("/push/s")));
  const auto message = page_message("PABCDEFGH23456789", true);

  common::Metrics before("notify");
  {
    auto o = options();
    o.metrics = &before;
    WebPushSender sender(o, vapid_, client_, clock_);
    sender.send("icm-anna", message);
    ASSERT_EQ(endpoint.wait_for("/push/s", 1, 5s).size(), 1u);
    ASSERT_TRUE(eventually([&] { return sender.counts().retried == 1; }));
  }  // notify stops
  EXPECT_EQ(metric(before, "piket_notify_webpush_sends_total", R"(outcome="retry")"), 1);
  EXPECT_EQ(metric(before, "piket_notify_webpush_sends_total", R"(outcome="sent")"), 0);
  EXPECT_EQ(retries_kept(), 1);

  common::Metrics after("notify");
  auto o = options();
  o.metrics = &after;
  WebPushSender restarted(o, vapid_, client_, clock_);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(endpoint.requests_to("/push/s").size(), 1u);  // not before its delay
  clock_.advance(1000ms);
  const auto got = endpoint.wait_for("/push/s", 2, 5s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(decrypt(got[1].body, a.key, a.auth), message.payload);
  EXPECT_EQ(got[1].headers.at("urgency"), "high");
  ASSERT_TRUE(eventually([&] { return restarted.counts().accepted == 1; }));
  EXPECT_TRUE(eventually([&] { return retries_kept() == 0; }));
  EXPECT_EQ(metric(after, "piket_notify_webpush_sends_total", R"(outcome="sent")"), 1);
  EXPECT_EQ(metric(after, "piket_notify_webpush_sends_total", R"(outcome="retry")"), 0);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(endpoint.requests_to("/push/s").size(), 2u);  // once, not again
}

// A subscription that is gone while retries wait for it: the 410 forgets the
// subscription and every retry kept for it; a retry whose subscription the
// person removed in the meantime is dropped unsent. Counted as gone.
TEST_F(WebPushSenderTest, RetriesEndWithTheirSubscription) {
  std::atomic<int> to_gone{0};
  test::HttpListener endpoint([&](const test::RecordedRequest& r) {
    if (r.path == "/push/gone") return test::ListenerResponse{++to_gone == 1 ? 503 : 410, {}};
    return test::ListenerResponse{503, {}};
  });
  Browser a, b;
  Subscriptions(web_).add("icm-anna", a.subscription(endpoint.url("/push/gone")));
  Subscriptions(web_).add("icm-bram", b.subscription(endpoint.url("/push/removed")));
  // A retry a sender before this one left for anna's subscription.
  const auto sub = a.subscription(endpoint.url("/push/gone")).id;
  RetryStore(notify_).put({"icm-anna", sub, page_message("POLDOLDOLDOLDOLD1", true), 2},
                          clock_.now() + 5000ms, {});

  common::Metrics metrics("notify");
  auto o = options();
  o.metrics = &metrics;
  WebPushSender sender(o, vapid_, client_, clock_);
  sender.send("icm-anna", page_message("PABCDEFGH23456789", true));
  sender.send("icm-bram", page_message("PABCDEFGH23456789", true));
  ASSERT_TRUE(eventually([&] { return sender.counts().retried == 2; }));
  EXPECT_EQ(retries_kept(), 3);
  Subscriptions(web_).remove("icm-bram", b.subscription(endpoint.url("/push/removed")).id);

  clock_.advance(1000ms);  // anna's fresh one is due: 410
  ASSERT_TRUE(eventually([&] { return sender.counts().gone == 1; }));
  EXPECT_TRUE(Subscriptions(web_).list("icm-anna").empty());
  EXPECT_TRUE(eventually([&] { return retries_kept() == 0; }));  // bram's dropped unsent too
  EXPECT_EQ(endpoint.requests_to("/push/gone").size(), 2u);
  EXPECT_EQ(endpoint.requests_to("/push/removed").size(), 1u);
  clock_.advance(10'000ms);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(endpoint.requests_to("/push/gone").size(), 2u);
  EXPECT_EQ(metric(metrics, "piket_notify_webpush_sends_total", R"(outcome="gone")"), 1);
  EXPECT_EQ(metric(metrics, "piket_notify_webpush_sends_total", R"(outcome="retry")"), 2);
}

// Beyond the bound per subscription a message is not kept to be tried again:
// dropped, counted, and what is kept stays within the bound.
TEST_F(WebPushSenderTest, RetriesAreBoundedPerSubscription) {
  test::HttpListener endpoint([](const test::RecordedRequest&) {
    return test::ListenerResponse{503, {}};
  });
  Browser a;
  Subscriptions(web_).add("icm-anna", a.subscription(endpoint.url("/push/s")));
  common::Metrics metrics("notify");
  auto o = options();
  o.metrics = &metrics;
  o.retry_limits = {2, 100};
  WebPushSender sender(o, vapid_, client_, clock_);
  for (const char* id : {"PAAAAAAAAAAAAAAA1", "PAAAAAAAAAAAAAAA2", "PAAAAAAAAAAAAAAA3"})
    sender.send("icm-anna", page_message(id, true));
  ASSERT_EQ(endpoint.wait_for("/push/s", 3, 5s).size(), 3u);
  ASSERT_TRUE(eventually([&] { return sender.counts().dropped == 1; }));
  EXPECT_EQ(sender.counts().retried, 2u);
  EXPECT_EQ(retries_kept(), 2);
  EXPECT_EQ(metric(metrics, "piket_notify_webpush_dropped_total"), 1);
}

}  // namespace
}  // namespace piket::push
