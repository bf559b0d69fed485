// Paging over several channels, against a real private redis-server (label
// `redis`) with scripted SMS and e-mail gateways: notify's fallback from one
// channel to the next, inbound's delivery reports, acknowledgements and
// declines, and duplicate suppression.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_email_gateway.hpp"
#include "fake_sms_gateway.hpp"
#include "http_listener.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/inbound/inbound_api.hpp"
#include "piket/notify/notifier.hpp"
#include "piket/push/base64url.hpp"
#include "piket/push/message_encryption.hpp"
#include "piket/push/subscriptions.hpp"
#include "piket/push/web_push_sender.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::notify {
namespace {

namespace json = boost::json;
using rota::ContactChannel;
using test::FakeEmailGateway;
using test::FakeSmsGateway;
using namespace std::chrono_literals;

const common::Instant kDomainStart = common::from_epoch_ms(1795870800000);
const common::Instant kTransportStart = common::from_epoch_ms(1924992000000);
const std::string kCase = "C12345678";
const std::string kIncident = "I0123456789ABCDEF";
const std::string kAnnaPhone = "+447700900001";
const std::string kBertPhone = "+447700900002";
const std::string kAnnaToken = "anna-staff-token-0001";
const std::string kBertToken = "bert-staff-token-0002";
const std::string kText =
    "piket HOME BAN case C12345678 region groningen reported 28-11 10:00. "
    "Reply 04711 to acknowledge.";
const std::string kBody =
    R"({"reference":"R-1","kind":"home_ban","region":"groningen","household":"hh-redis-1",)"
    R"("persons":[{"role":"victim","name":"Zyxwa Qorvath","phone":"+31687654321"}],)"
    R"("summary":"Synthetic summary of the night"})";

rota::PersonConfig person(std::string id, std::string phone, std::string token,
                          std::vector<rota::ContactRule> contact) {
  rota::PersonConfig p;
  p.id = std::move(id);
  p.display_name = "Display " + p.id;
  p.phone = std::move(phone);
  p.regions = {"groningen"};
  p.email = p.id + "@piket.test";
  p.token_sha256 = common::sha256_hex(token);
  p.contact = std::move(contact);
  return p;
}

class PagingRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-paging-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  PagingRedisTest() : conn_(redis_->config()) {
    conn_.command({"FLUSHALL"});
    config_.redis = redis_->config();
    config_.notify.retry_initial = 500ms;
    config_.notify.retry_max = 2000ms;
    config_.notify.max_attempts = 3;
    config_.notify.push_stream_maxlen = 100;
    config_.smtp =
        notify::SmtpConfig{"smtp://127.0.0.1:2525", "piket@piket.test", "", "", false, 5000ms};
    config_.regions = {{"groningen", "Groningen"}};
    config_.kannel.callback_secret = "PagingCallbackSecret0123456789";
    // anna: push at once, SMS after a minute, e-mail after five.
    config_.people = {person("anna", kAnnaPhone, kAnnaToken,
                             {{ContactChannel::push, 0ms},
                              {ContactChannel::sms, 60s},
                              {ContactChannel::email, 300s}}),
                      person("bert", kBertPhone, kBertToken,
                             {{ContactChannel::sms, 0ms}, {ContactChannel::email, 300s}})};
    conn_.command({"HSET", store::incident_key(kIncident), "status", "dispatched", "case_id", kCase,
                   "kind", "home_ban", "region", "groningen", "reported_at", ms(kDomainStart - 1h),
                   "body", kBody});
    conn_.command(
        {"HSET", store::case_key(kCase), "household", "hh-redis-1", "region", "groningen"});
  }

  Notifier& notifier() {
    if (!notifier_) {
      // Each service as its own Redis user: its least privilege must be enough.
      notify_config_ = config_;
      redis_->use_as(notify_config_, "notify");
      notifier_.emplace(
          notify_config_.notify, notify_config_.kannel, notify_config_, notify_config_, domain_,
          transport_, [] { return std::make_unique<FakeSmsGateway>(); }, metrics_);
    }
    return *notifier_;
  }
  inbound::InboundApi& inbound() {
    if (!inbound_) {
      inbound_config_ = config_;
      redis_->use_as(inbound_config_, "inbound");
      inbound_.emplace(inbound_config_.inbound,
                       inbound::InboundDeps{inbound_config_.redis, inbound_config_.people,
                                            inbound_config_.bearer_tokens(),
                                            inbound_config_.kannel.callback_secret,
                                            inbound_config_.notify.push_stream_maxlen},
                       domain_, inbound_metrics_, &transport_);
    }
    return *inbound_;
  }

  // A page as the shared page helper writes it, announced to notify.
  void page(const std::string& id, const std::string& who, const std::string& code,
            const std::string& step = "") {
    const auto* p = config_.person(who);
    std::vector<std::string> cmd{"HSET",       store::page_key(id),
                                 "incident",   kIncident,
                                 "case",       kCase,
                                 "person",     who,
                                 "to",         p->phone,
                                 "text",       kText,
                                 "ack_code",   code,
                                 "rule",       "on_call",
                                 "state",      "queued",
                                 "created_at", ms(domain_.now()),
                                 "channel",    "sms",
                                 "attempts",   "0"};
    if (!step.empty()) {
      cmd.push_back("step");
      cmd.push_back(step);
    }
    conn_.command(cmd);
    conn_.command({"SET", store::ackcode_key(who, code), id});
    EXPECT_TRUE(notifier().handle_message("notify", id, "{}"));
  }

  // Steps until there is nothing due (bounded).
  void drain() {
    for (int n = 0; n < 50; ++n) {
      const auto r = notifier().step(Gateways{&sms_, &email_}, notify_conn());
      if (r.kind == StepResult::Kind::idle) return;
    }
    ADD_FAILURE() << "notify did not settle";
  }
  // Moves both clocks and works off what became due.
  void advance(common::Millis by) {
    domain_.advance(by);
    transport_.advance(by);
    drain();
  }

  static std::string ms(common::Instant t) { return std::to_string(common::to_epoch_ms(t)); }
  std::string hget(const std::string& key, const std::string& field) {
    const auto r = conn_.command({"HGET", key, field});
    return r.is_nil() ? "<nil>" : r.str;
  }
  std::string delivery(const std::string& page, const char* channel, const char* field = "state") {
    return hget(store::delivery_key(page, channel), field);
  }
  std::vector<json::object> timeline(std::string_view type = {}) {
    std::vector<json::object> out;
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(kCase), "0", "-1"}).elements) {
      auto o = json::parse(e.str).as_object();
      if (type.empty() || o.at("type").as_string() == type) out.push_back(o);
    }
    return out;
  }
  // Entries of a push stream as field maps.
  std::vector<std::map<std::string, std::string>> pushes(const std::string& who) {
    std::vector<std::map<std::string, std::string>> out;
    for (const auto& entry : conn_.command({"XRANGE", store::push_key(who), "-", "+"}).elements) {
      std::map<std::string, std::string> m;
      const auto& kv = entry.elements.at(1).elements;
      for (std::size_t i = 0; i + 1 < kv.size(); i += 2) m[kv[i].str] = kv[i + 1].str;
      out.push_back(m);
    }
    return out;
  }
  common::HttpResponse get(const std::string& target) {
    common::HttpRequest r;
    r.method = "GET";
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    return inbound().handle(r);
  }
  common::HttpResponse post(const std::string& path, const std::string& token) {
    common::HttpRequest r;
    r.method = "POST";
    r.target = r.path = path;
    if (!token.empty()) r.headers.push_back({"authorization", "Bearer " + token});
    return inbound().handle(r);
  }
  common::HttpResponse sms_from(const std::string& phone, const std::string& text) {
    std::string escaped;
    for (char c : text) escaped += c == ' ' ? std::string("+") : std::string(1, c);
    return get("/kannel/sms?key=" + config_.kannel.callback_secret + "&from=%2B" + phone.substr(1) +
               "&to=4411&text=" + escaped);
  }
  // The value of the first sample of `name` whose labels include `label`.
  std::string metric(const std::string& name, const std::string& label = "") {
    std::istringstream text(metrics_.render() + inbound_metrics_.render());
    for (std::string line; std::getline(text, line);) {
      if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
      if (!label.empty() && line.find(label) == std::string::npos) continue;
      return line.substr(line.rfind(' ') + 1);
    }
    return "<none>";
  }

  // notify's worker connection: Redis user "notify".
  common::RedisConnection& notify_conn() {
    if (!notify_conn_) notify_conn_.emplace(redis_->config_as("notify"));
    return *notify_conn_;
  }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;
  std::optional<common::RedisConnection> notify_conn_;
  config::Config config_;
  config::Config notify_config_;
  config::Config inbound_config_;
  common::SimulatedClock domain_{kDomainStart};
  common::SimulatedClock transport_{kTransportStart};
  common::Metrics metrics_{"notify"};
  common::Metrics inbound_metrics_{"inbound"};
  FakeSmsGateway sms_{{202}};
  FakeEmailGateway email_{{250}};
  std::optional<Notifier> notifier_;
  std::optional<inbound::InboundApi> inbound_;
};

piket::test::PrivateRedis* PagingRedisTest::redis_ = nullptr;

const std::string kP1 = "P0000000000000001";
const std::string kP2 = "P0000000000000002";

TEST_F(PagingRedisTest, PushAtOnceThenSmsThenEmailWhileNobodyAnswers) {
  page(kP1, "anna", "047110");
  EXPECT_EQ(hget(store::page_key(kP1), "channels"), "push,sms,email");
  drain();
  const auto pushed = pushes("anna");
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_EQ(pushed[0].at("type"), "page");
  EXPECT_EQ(pushed[0].at("page_id"), kP1);
  EXPECT_EQ(pushed[0].at("case_id"), kCase);
  EXPECT_EQ(pushed[0].at("text"), kText);
  EXPECT_EQ(delivery(kP1, "push"), "accepted");
  EXPECT_EQ(delivery(kP1, "sms"), "scheduled");
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "accepted");
  EXPECT_TRUE(sms_.sent.empty());

  advance(59s);
  EXPECT_TRUE(sms_.sent.empty());
  advance(1s);
  ASSERT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(sms_.sent[0].to, kAnnaPhone);
  EXPECT_EQ(sms_.sent[0].text, kText);
  EXPECT_EQ(delivery(kP1, "sms"), "accepted");
  EXPECT_TRUE(email_.sent.empty());

  advance(240s);
  ASSERT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(email_.sent[0].to, "anna@piket.test");
  EXPECT_EQ(email_.sent[0].subject, "piket HUISVERBOD C12345678");
  EXPECT_NE(email_.sent[0].body.find("stuur 047110 per sms"), std::string::npos);
  EXPECT_EQ(delivery(kP1, "email"), "accepted");

  const auto fallbacks = timeline("channel_fallback");
  ASSERT_EQ(fallbacks.size(), 2u);
  EXPECT_EQ(fallbacks[0].at("from").as_string(), "push");
  EXPECT_EQ(fallbacks[0].at("to").as_string(), "sms");
  EXPECT_EQ(fallbacks[0].at("reason").as_string(), "not_acknowledged");
  EXPECT_EQ(fallbacks[1].at("to").as_string(), "email");
  EXPECT_EQ(timeline("page_sent").size(), 3u);
  EXPECT_EQ(metric("piket_notify_fallbacks_total", "reason=\"not_acknowledged\""), "2");

  // Nothing more to do for this page.
  advance(1h);
  EXPECT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(pushes("anna").size(), 1u);
}

TEST_F(PagingRedisTest, PermanentSmsFailureGoesStraightToEmailWithoutRetry) {
  sms_ = FakeSmsGateway({403});  // Kannel: "Not routable. Do not try again."
  page(kP1, "bert", "047120");
  drain();
  EXPECT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(delivery(kP1, "sms"), "failed");
  EXPECT_EQ(delivery(kP1, "sms", "fail_reason"), "permanent");
  EXPECT_EQ(delivery(kP1, "sms", "attempts"), "1");
  // E-mail did not wait its five minutes.
  ASSERT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(email_.sent[0].to, "bert@piket.test");
  EXPECT_EQ(delivery(kP1, "email"), "accepted");
  const auto fb = timeline("channel_fallback");
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].at("from").as_string(), "sms");
  EXPECT_EQ(fb[0].at("reason").as_string(), "previous_failed");
  ASSERT_EQ(timeline("delivery_failed").size(), 1u);
  advance(10min);
  EXPECT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(email_.sent.size(), 1u);
}

TEST_F(PagingRedisTest, FailedDeliveryReportAfterAcceptanceFallsBackToEmail) {
  page(kP1, "bert", "047130");
  drain();
  ASSERT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(delivery(kP1, "sms"), "accepted");
  EXPECT_TRUE(email_.sent.empty());
  // Kannel reports the SMS rejected by the SMSC (16).
  EXPECT_EQ(
      get("/kannel/dlr?key=" + config_.kannel.callback_secret + "&page=" + kP1 + "&type=16").status,
      200);
  EXPECT_EQ(delivery(kP1, "sms"), "failed");
  EXPECT_EQ(delivery(kP1, "sms", "fail_reason"), "delivery_report");
  drain();
  ASSERT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(sms_.sent.size(), 1u) << "a failed report is not retried";
  // The same report again is a counted duplicate and changes nothing.
  EXPECT_EQ(
      get("/kannel/dlr?key=" + config_.kannel.callback_secret + "&page=" + kP1 + "&type=16").status,
      200);
  drain();
  EXPECT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(metric("piket_inbound_delivery_reports_total", "outcome=\"duplicate\""), "1");
}

TEST_F(PagingRedisTest, GatewayDownIsRetriedThenFallsBack) {
  sms_ = FakeSmsGateway({0});  // connection refused, every time
  page(kP1, "bert", "047140");
  drain();
  EXPECT_EQ(delivery(kP1, "sms"), "retry");
  EXPECT_TRUE(email_.sent.empty());
  advance(2s);  // retry_max: every retry is due
  EXPECT_EQ(delivery(kP1, "sms"), "retry");
  advance(2s);
  EXPECT_EQ(sms_.sent.size(), 3u);  // max_attempts
  EXPECT_EQ(delivery(kP1, "sms"), "failed");
  EXPECT_EQ(delivery(kP1, "sms", "fail_reason"), "gateway_down");
  ASSERT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(delivery(kP1, "email"), "accepted");
}

TEST_F(PagingRedisTest, AcknowledgementBySmsStopsTheRemainingChannels) {
  page(kP1, "anna", "047150");
  drain();
  ASSERT_EQ(pushes("anna").size(), 1u);
  const auto r = sms_from(kAnnaPhone, "047150");
  EXPECT_EQ(r.body, "piket: zaak C12345678 is aangenomen, hij is van jou.");
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "acknowledged");
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "acknowledged");
  EXPECT_EQ(delivery(kP1, "sms"), "cancelled");
  EXPECT_EQ(delivery(kP1, "email"), "cancelled");
  advance(1h);
  EXPECT_TRUE(sms_.sent.empty());
  EXPECT_TRUE(email_.sent.empty());
  // The web app learns that the page is closed.
  const auto pushed = pushes("anna");
  ASSERT_EQ(pushed.size(), 2u);
  EXPECT_EQ(pushed[1].at("type"), "page_closed");
  EXPECT_EQ(pushed[1].at("state"), "acknowledged");
  const auto acks = timeline("acknowledged");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].at("via").as_string(), "sms");
  EXPECT_EQ(acks[0].at("cancelled").to_number<int>(), 2);
}

TEST_F(PagingRedisTest, WhenAColleagueTakesTheIncidentTheOtherPagesStandDown) {
  // The escalation paged anna (push now, SMS after 1 min, e-mail after 5) and then bert.
  page(kP1, "anna", "047210", kIncident + ":0.0");
  page(kP2, "bert", "047220", kIncident + ":0.1");
  conn_.command({"SADD", store::incident_pages_key(kIncident), kP1, kP2});
  drain();
  ASSERT_EQ(pushes("anna").size(), 1u);
  EXPECT_EQ(sms_from(kBertPhone, "047220").body,
            "piket: zaak C12345678 is aangenomen, hij is van jou.");
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "cancelled");
  EXPECT_EQ(hget(store::page_key(kP1), "cancelled_reason"), "answered_by_other");
  EXPECT_EQ(delivery(kP1, "sms"), "cancelled");
  EXPECT_EQ(delivery(kP1, "email"), "cancelled");
  advance(1h);
  // Bert's SMS went out before he answered; nothing more went to anna.
  for (const auto& m : sms_.sent) EXPECT_NE(m.to, kAnnaPhone);
  EXPECT_TRUE(email_.sent.empty());
  // anna's app closes the page; her late answer is told a colleague has it.
  const auto pushed = pushes("anna");
  ASSERT_EQ(pushed.size(), 2u);
  EXPECT_EQ(pushed[1].at("state"), "answered_by_other");
  const auto late = post("/v1/pages/" + kP1 + "/ack", kAnnaToken);
  EXPECT_EQ(late.status, 409);
  EXPECT_NE(late.body.find("taken_by_other"), std::string::npos);
  // Her page stood down: its reply code is gone and answers nothing.
  EXPECT_EQ(conn_.command({"EXISTS", store::ackcode_key("anna", "047210")}).integer, 0);
  EXPECT_NE(sms_from(kAnnaPhone, "047210").body.find("geldt niet"), std::string::npos);
  EXPECT_EQ(timeline("acknowledged").size(), 1u);
  EXPECT_EQ(timeline("acknowledged").at(0).at("stood_down").to_number<int>(), 1);
}

TEST_F(PagingRedisTest, AckWhileTheGatewayIsRetryingStopsTheRetries) {
  sms_ = FakeSmsGateway({503});
  page(kP1, "bert", "047160");
  drain();
  EXPECT_EQ(delivery(kP1, "sms"), "retry");
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", kBertToken).status, 200);
  EXPECT_EQ(delivery(kP1, "sms"), "cancelled");
  advance(1h);
  EXPECT_EQ(sms_.sent.size(), 1u);
  EXPECT_TRUE(email_.sent.empty());
}

TEST_F(PagingRedisTest, DeclineIsRecordedAndRaisedForTheEscalationEngine) {
  page(kP1, "anna", "047170");
  drain();
  const auto r = post("/v1/pages/" + kP1 + "/decline", kAnnaToken);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("state").as_string(), "declined");
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "declined");
  EXPECT_EQ(hget(store::page_key(kP1), "declined_via"), "api");
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
  EXPECT_EQ(delivery(kP1, "sms"), "cancelled");
  // The outbox message for the deadline engine, written with the decline.
  const auto payload =
      conn_.command({"HGET", store::outbox_data_key("escalation"), kP1 + ":declined"});
  ASSERT_FALSE(payload.is_nil());
  const auto msg = json::parse(payload.str).as_object();
  EXPECT_EQ(msg.at("page_id").as_string(), kP1);
  EXPECT_EQ(msg.at("reason").as_string(), "declined");
  EXPECT_EQ(msg.at("case_id").as_string(), kCase);
  EXPECT_FALSE(
      conn_.command({"ZSCORE", store::outbox_due_key("escalation"), kP1 + ":declined"}).is_nil());
  // …and the deadline engine's resync timer for the case, due now.
  EXPECT_EQ(conn_.command({"ZSCORE", std::string(store::kDeadlinesDue), kCase + "|resync"}).str,
            ms(domain_.now()));
  ASSERT_EQ(timeline("declined").size(), 1u);
  // Declining again is harmless; acknowledging after it is refused.
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/decline", kAnnaToken).status, 200);
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", kAnnaToken).status, 409);
  EXPECT_EQ(timeline("declined").size(), 1u);
  advance(1h);
  EXPECT_TRUE(sms_.sent.empty());
}

TEST_F(PagingRedisTest, DeclineBySmsReply) {
  page(kP1, "bert", "047180");
  drain();
  EXPECT_EQ(sms_from(kBertPhone, "NO 047180").body, "piket: zaak C12345678 gaat naar de volgende.");
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "declined");
  EXPECT_EQ(hget(store::page_key(kP1), "declined_via"), "sms");
  EXPECT_EQ(delivery(kP1, "email"), "cancelled");
  EXPECT_EQ(metric("piket_inbound_declines_total"), "1");
}

TEST_F(PagingRedisTest, OnlyStaffTokensAnswerPagesWhateverTheCallersId) {
  // A partner and an admin whose ids equal anna's: their tokens are not hers.
  config_.partners = {{"anna", common::sha256_hex("partner-token-anna"), {"groningen"}, 50, 100}};
  config_.admins = {{"anna", common::sha256_hex("admin-token-anna")}};
  page(kP1, "anna", "047200");
  drain();
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", "partner-token-anna").status, 401);
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", "admin-token-anna").status, 401);
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "accepted");
  // The scheme name is case-insensitive (RFC 7235), surrounding spaces are ignored.
  common::HttpRequest r;
  r.method = "POST";
  r.target = r.path = "/v1/pages/" + kP1 + "/ack";
  r.headers.push_back({"authorization", "bearer  " + kAnnaToken + " "});
  EXPECT_EQ(inbound().handle(r).status, 200);
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "acknowledged");
}

TEST_F(PagingRedisTest, AnswersFromSomeoneNotPagedAreRefusedAndChangeNothing) {
  page(kP1, "anna", "047190");
  drain();
  const auto before = timeline().size();
  // Bert's token, Anna's page.
  const auto r = post("/v1/pages/" + kP1 + "/ack", kBertToken);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("not_paged"), std::string::npos);
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/decline", kBertToken).status, 403);
  // Bert's phone, Anna's code.
  EXPECT_NE(sms_from(kBertPhone, "047190").body.find("geldt niet"), std::string::npos);
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", "").status, 401);
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", "wrong-token").status, 401);
  EXPECT_EQ(post("/v1/pages/P0000000000000009/ack", kAnnaToken).status, 404);
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "accepted");
  EXPECT_EQ(delivery(kP1, "sms"), "scheduled");
  EXPECT_EQ(timeline().size(), before);
  EXPECT_EQ(conn_.command({"EXISTS", store::outbox_data_key("escalation")}).integer, 0);
  // Anna's own acknowledgement works, twice is harmless, decline after it is refused.
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", kAnnaToken).status, 200);
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", kAnnaToken).status, 200);
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/decline", kAnnaToken).status, 409);
  EXPECT_EQ(timeline("acknowledged").size(), 1u);
}

TEST_F(PagingRedisTest, SecondPageForTheSameStepIsSuppressed) {
  page(kP1, "bert", "047200", "I0123456789ABCDEF:primary");
  drain();
  page(kP2, "bert", "047210", "I0123456789ABCDEF:primary");
  drain();
  EXPECT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(delivery(kP2, "sms"), "suppressed");
  EXPECT_EQ(delivery(kP2, "sms", "duplicate_of"), kP1 + ":sms");
  EXPECT_EQ(delivery(kP2, "email"), "suppressed");
  EXPECT_EQ(hget(store::page_key(kP2), "state"), "duplicate");
  EXPECT_EQ(timeline("duplicate_suppressed").size(), 2u);
  EXPECT_EQ(metric("piket_notify_duplicates_suppressed_total"), "2");
  advance(1h);
  EXPECT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(email_.sent.size(), 1u);  // P1's own fallback, once
  // A different step for the same person is a page of its own.
  page("P0000000000000003", "bert", "047220", "I0123456789ABCDEF:reminder");
  drain();
  EXPECT_EQ(sms_.sent.size(), 2u);
}

TEST_F(PagingRedisTest, RepeatedMessagesAndRestartsDoNotSendAgain) {
  page(kP1, "bert", "047230");
  drain();
  EXPECT_EQ(sms_.sent.size(), 1u);
  // The outbox delivers the message again, and a fresh notify starts.
  notifier_.reset();
  EXPECT_TRUE(notifier().handle_message("notify", kP1, "{}"));
  drain();
  EXPECT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(delivery(kP1, "sms", "attempts"), "1");
}

TEST_F(PagingRedisTest, AMessageCarryingPersonDataIsRefusedAndTheNextChannelTried) {
  // A page whose stored text (wrongly) holds the household key.
  page(kP1, "bert", "047240");
  conn_.command({"HSET", store::page_key(kP1), "text", kText + " hh-redis-1"});
  drain();
  EXPECT_TRUE(sms_.sent.empty());
  EXPECT_EQ(delivery(kP1, "sms"), "failed");
  EXPECT_EQ(delivery(kP1, "sms", "fail_reason"), "privacy_check");
  EXPECT_EQ(delivery(kP1, "sms", "last_error"),
            "message refused: it contains the incident's household");
  // The e-mail is rendered from typed fields, so it goes.
  ASSERT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(email_.sent[0].body.find("hh-redis-1"), std::string::npos);
  EXPECT_EQ(metric("piket_notify_privacy_refusals_total"), "1");
}

TEST_F(PagingRedisTest, EveryChannelFailingRaisesUndeliverable) {
  sms_ = FakeSmsGateway({400});
  email_ = FakeEmailGateway({550});
  page(kP1, "bert", "047250");
  drain();
  EXPECT_EQ(delivery(kP1, "sms"), "failed");
  EXPECT_EQ(delivery(kP1, "email"), "failed");
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "failed");
  // Nobody got it: its reply code is gone with it (issue 10).
  EXPECT_EQ(conn_.command({"KEYS", store::ackcode_key("*", "*")}).elements.size(), 0u);
  ASSERT_EQ(timeline("page_undeliverable").size(), 1u);
  const auto payload =
      conn_.command({"HGET", store::outbox_data_key("escalation"), kP1 + ":undeliverable"});
  ASSERT_FALSE(payload.is_nil());
  EXPECT_EQ(json::parse(payload.str).at("reason").as_string(), "undeliverable");
  EXPECT_FALSE(
      conn_.command({"ZSCORE", std::string(store::kDeadlinesDue), kCase + "|resync"}).is_nil());
  advance(1h);
  EXPECT_EQ(timeline("page_undeliverable").size(), 1u);
}

TEST_F(PagingRedisTest, EmailWithoutSmtpFailsAndIsSkipped) {
  sms_ = FakeSmsGateway({400});
  page(kP1, "bert", "047260");
  for (int n = 0; n < 20; ++n)
    if (notifier().step(Gateways{&sms_, nullptr}, notify_conn()).kind == StepResult::Kind::idle)
      break;
  EXPECT_EQ(delivery(kP1, "email"), "failed");
  EXPECT_EQ(delivery(kP1, "email", "fail_reason"), "no_gateway");
}

// ------------------------------------------------- bundles and information

class BundlePagingTest : public PagingRedisTest {
 protected:
  void bert_page(const std::string& id, const std::string& code, int rank = 12,
                 const std::string& incident = kIncident) {
    conn_.command({"HSET",       store::page_key(id),
                   "incident",   incident,
                   "case",       kCase,
                   "person",     "bert",
                   "to",         kBertPhone,
                   "text",       "piket single " + code,
                   "ack_code",   code,
                   "rule",       "on_call",
                   "state",      "queued",
                   "created_at", ms(domain_.now()),
                   "channel",    "sms",
                   "attempts",   "0",
                   "step",       "s-" + id,
                   "brief",      "HOME BAN " + kCase,
                   "rank",       std::to_string(rank)});
    conn_.command({"SET", store::ackcode_key("bert", code), id});
    EXPECT_TRUE(notifier().handle_message("notify", id, "{}"));
  }
  StepResult one() { return notifier().step(Gateways{&sms_, &email_}, conn_); }
  std::string dlr(const std::string& page, const std::string& bundle, int type) {
    return std::to_string(get("/kannel/dlr?key=" + config_.kannel.callback_secret +
                              "&page=" + page + (bundle.empty() ? "" : "&bundle=" + bundle) +
                              "&type=" + std::to_string(type))
                              .status);
  }
};

const std::string kP3 = "P0000000000000003";
const std::string kP4 = "P0000000000000004";

// Crash between Kannel's 202 for a bundled SMS and notify's write: Kannel's
// one delivery report names the bundle, inbound records it on every page of
// it, and when the lease runs out none of them is sent again.
TEST_F(BundlePagingTest, OneReportForABundledSmsResolvesEveryPageAfterACrash) {
  bert_page(kP1, "111111");
  EXPECT_EQ(one().kind, StepResult::Kind::sent);
  bert_page(kP2, "222222");
  bert_page(kP3, "333333", 0);
  bert_page(kP4, "444444");
  drain();
  transport_.advance(config_.notify.bundle_window);
  FakeSmsGateway crashing({202});
  crashing.on_send = [](const OutgoingSms&) { throw std::runtime_error("worker killed"); };
  EXPECT_THROW(notifier().step(Gateways{&crashing, &email_}, conn_), std::runtime_error);
  ASSERT_EQ(crashing.sent.size(), 1u);
  const auto bundle = crashing.sent[0].bundle_id;
  ASSERT_FALSE(bundle.empty());
  EXPECT_EQ(crashing.sent[0].text.find("333333"), crashing.sent[0].text.find(": ") + 2)
      << "the most urgent first: " << crashing.sent[0].text;
  // Kannel calls the dlr-url it was given: page = the SMS's first page, bundle = its id.
  EXPECT_EQ(dlr(crashing.sent[0].page_id, bundle, 8), "200");
  EXPECT_EQ(dlr(crashing.sent[0].page_id, bundle, 1), "200");
  for (const auto& id : {kP2, kP3, kP4}) {
    EXPECT_EQ(delivery(id, "sms", "dlr_type"), "1") << id;
    EXPECT_EQ(hget(store::page_key(id), "delivered_at"), ms(domain_.now())) << id;
    EXPECT_EQ(delivery(id, "sms", "state"), "sending") << id;  // notify never heard the 202
  }
  EXPECT_EQ(metric("piket_inbound_delivery_reports_total", "outcome=\"recorded\""), "6");
  transport_.advance(config_.notify.gateway_timeout + config_.notify.in_doubt_grace);
  drain();
  for (const auto& id : {kP2, kP3, kP4}) {
    EXPECT_EQ(delivery(id, "sms"), "accepted") << id;
    EXPECT_EQ(delivery(id, "sms", "resolved_by"), "delivery_report") << id;
  }
  EXPECT_EQ(sms_.sent.size(), 1u) << "only the first page's own SMS; the bundle never again";
  // A report naming a bundle that does not hold the page changes nothing.
  EXPECT_EQ(dlr(kP1, bundle, 2), "200");
  EXPECT_EQ(delivery(kP1, "sms"), "accepted");
  EXPECT_EQ(dlr(kP1, "not-a-bundle", 1), "400");
}

// A reply with one code answers that page of the bundle and nothing else.
TEST_F(BundlePagingTest, AReplyWithOneCodeOfABundleAnswersThatPageOnly) {
  bert_page(kP1, "111111", 12, "I0000000000000001");
  EXPECT_EQ(one().kind, StepResult::Kind::sent);
  bert_page(kP2, "222222", 12, "I0000000000000002");
  bert_page(kP3, "333333", 12, "I0000000000000003");
  drain();
  transport_.advance(config_.notify.bundle_window);
  drain();
  ASSERT_EQ(sms_.sent.size(), 2u);
  EXPECT_NE(sms_.sent[1].text.find("222222"), std::string::npos);
  EXPECT_NE(sms_.sent[1].text.find("333333"), std::string::npos);
  const auto r = sms_from(kBertPhone, "333333");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(hget(store::page_key(kP3), "state"), "acknowledged");
  EXPECT_EQ(hget(store::page_key(kP3), "acknowledged_via"), "sms");
  EXPECT_NE(hget(store::page_key(kP2), "state"), "acknowledged");
  EXPECT_NE(hget(store::page_key(kP1), "state"), "acknowledged");
  EXPECT_EQ(sms_from(kBertPhone, "NO 222222").status, 200);
  EXPECT_EQ(hget(store::page_key(kP2), "state"), "declined");
}

// An FYI to the off-duty own casemanager is information (paging/page_class.hpp).
// Answering it changes nothing: before, acknowledging it acknowledged the
// incident and stood down the on-call casemanager's page.
TEST_F(BundlePagingTest, AnInformationPageCannotBeAnsweredAndTakesNothingFromTheOnCall) {
  // The on-call page (bert's, part of the incident's escalation) and the FYI
  // (anna's own case, she is off duty), as dispatch writes them.
  bert_page(kP1, "111111");
  conn_.command({"SADD", store::incident_pages_key(kIncident), kP1});
  conn_.command({"HSET",
                 store::page_key(kP2),
                 "incident",
                 kIncident,
                 "case",
                 kCase,
                 "person",
                 "anna",
                 "to",
                 kAnnaPhone,
                 "text",
                 "piket INFO HUISVERBOD in je zaak C12345678 regio groningen van 28-11 10:00 ging "
                 "naar piket. Geen antwoord nodig.",
                 "rule",
                 "inform",
                 "state",
                 "queued",
                 "created_at",
                 ms(domain_.now()),
                 "channel",
                 "sms",
                 "attempts",
                 "0",
                 "info",
                 "1",
                 "brief",
                 "INFO HUISVERBOD C12345678",
                 "rank",
                 "90"});
  EXPECT_TRUE(notifier().handle_message("notify", kP2, "{}"));
  drain();
  const auto r = post("/v1/pages/" + kP2 + "/ack", kAnnaToken);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("informational"), std::string::npos) << r.body;
  EXPECT_EQ(post("/v1/pages/" + kP2 + "/decline", kAnnaToken).status, 409);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "accepted");
  EXPECT_EQ(hget(store::page_key(kP2), "acknowledged_at"), "<nil>");
  EXPECT_TRUE(timeline("acknowledged").empty());
  // Its push says it is information, and no later channel starts for want of an answer.
  const auto pushed = pushes("anna");
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_EQ(pushed[0].at("info"), "1");
  advance(1h);
  EXPECT_EQ(delivery(kP2, "sms"), "scheduled");
  EXPECT_EQ(delivery(kP2, "email"), "scheduled");
  for (const auto& m : email_.sent) EXPECT_NE(m.to, "anna@piket.test");
  for (const auto& e : timeline("channel_fallback")) EXPECT_NE(e.at("page").as_string(), kP2);
  // (bert's page asks for an answer: without one, his e-mail followed after 300 s.)
  EXPECT_EQ(delivery(kP1, "email"), "accepted");
  // The on-call casemanager still answers their own page.
  EXPECT_EQ(post("/v1/pages/" + kP1 + "/ack", kBertToken).status, 200);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "acknowledged");
}

// Information whose every channel fails is not escalated: nobody waits on it.
TEST_F(BundlePagingTest, UndeliverableInformationRaisesNoEscalation) {
  sms_ = FakeSmsGateway({403});
  email_ = FakeEmailGateway({550});
  conn_.command({"HSET",       store::page_key(kP1),
                 "incident",   "",
                 "case",       "",
                 "person",     "bert",
                 "to",         kBertPhone,
                 "text",       "piket GAT IN PIKETROOSTER ... Geen antwoord nodig.",
                 "rule",       "gap_warning",
                 "state",      "queued",
                 "created_at", ms(domain_.now()),
                 "channel",    "sms",
                 "attempts",   "0",
                 "info",       "1"});
  EXPECT_TRUE(notifier().handle_message("notify", kP1, "{}"));
  drain();
  EXPECT_EQ(hget(store::page_key(kP1), "state"), "failed");
  EXPECT_EQ(delivery(kP1, "email"), "failed");
  EXPECT_EQ(conn_.command({"ZCARD", store::outbox_due_key("escalation")}).integer, 0);
}

// Web Push (docs/web-push.md): a `push` delivery, once on anna's stream,
// also goes to her installed app's subscription — the real notify, sender and
// HTTP client against a push endpoint run by the test. The body decrypts with
// the subscription's own keys to the page's id alone: no name, number,
// household, case or text. bert (SMS only) gets no Web Push.
TEST_F(PagingRedisTest, APushDeliveryAlsoWakesTheInstalledAppWithThePageIdAlone) {
  ::piket::test::HttpListener endpoint([](const ::piket::test::RecordedRequest&) {
    return ::piket::test::ListenerResponse{201, {}};
  });
  const auto browser = push::P256Key::generate();
  const std::string auth = "0123456789abcdef";
  const std::string url = endpoint.url("/push/anna-phone");
  {
    common::RedisConnection web(redis_->config_as("web"));
    push::Subscriptions(web).add(
        "anna", {push::subscription_id(url), url, push::base64url_encode(browser.public_bytes()),
                 push::base64url_encode(auth), transport_.now()});
  }
  const auto vapid = push::P256Key::generate();
  push::HttpPushClient client(2s);
  push::WebPushSender sender({redis_->config_as("notify"), "mailto:piket@piket.test"}, vapid,
                             client, transport_);
  notifier().set_web_push([&](const std::string& person, const std::string& page_id, bool urgent) {
    sender.send(person, push::page_message(page_id, urgent));
  });

  page(kP1, "anna", "047110");
  drain();
  EXPECT_EQ(delivery(kP1, "push"), "accepted");
  const auto got = endpoint.wait_for("/push/anna-phone", 1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].headers.at("urgency"), "high");
  const auto plain = push::decrypt(got[0].body, browser, auth);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, R"({"kind":"page","id":")" + kP1 + R"("})");
  for (const auto& secret :
       {kAnnaPhone, std::string("hh-redis-1"), kCase, kText, kBody, std::string("anna")})
    EXPECT_EQ(plain->find(secret), std::string::npos) << secret;

  page(kP2, "bert", "047220");
  drain();
  EXPECT_EQ(sms_.sent.size(), 1u);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(endpoint.requests().size(), 1u) << "bert has no push channel";
}

}  // namespace
}  // namespace piket::notify
