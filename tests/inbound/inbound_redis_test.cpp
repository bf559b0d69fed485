// InboundApi::handle against a real, private redis-server (label `redis`):
// Kannel delivery reports and acknowledgements by SMS reply code; the
// callback secret, the wrong-code lock-out, reply codes' lifetime, forged
// delivery reports (issue 10).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "piket/common/crypto.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/phone_number.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/inbound/family_sms.hpp"
#include "piket/inbound/inbound_api.hpp"
#include "piket/launch/url_codec.hpp"
#include "piket/paging/page_answer.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"
#include "redis_snapshot.hpp"

namespace piket::inbound {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using paging::locked_numbers;

const common::Instant kDomainStart = common::from_epoch_ms(1795870800000);  // 2026-11-28
const std::string kPage = "P0123456789ABCDEF";
const std::string kBertPage = "PZZZZZZZZZZZZZZZZ";
const std::string kIncident = "I0123456789ABCDEF";
const std::string kCase = "C12345678";
const std::string kAnnaPhone = "+31600000001";
const std::string kBertPhone = "+31600000002";
const std::string kAnnaCode = "123456";
const std::string kBertCode = "654321";
const std::string kSecret = "CallbackSecret0123456789abcdefABCDEF0123";

rota::PersonConfig person(std::string id, std::string phone) {
  rota::PersonConfig p;
  p.id = std::move(id);
  p.display_name = "Display " + p.id;
  p.phone = std::move(phone);
  p.regions = {"groningen"};
  return p;
}

config::Config make_config(const common::RedisConfig& redis) {
  config::Config c;
  c.redis = redis;
  c.regions = {{"groningen", "Groningen"}};
  c.people = {person("anna", kAnnaPhone), person("bert", kBertPhone)};
  c.people[0].token_sha256 = common::sha256_hex("anna-staff-token");
  // bert reads English; the deployment (and anna) Dutch, the default.
  c.people[1].language = i18n::Language::en;
  c.kannel.callback_secret = kSecret;
  return c;
}

class InboundRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-inbound-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  InboundRedisTest() : conn_(redis_->config()), config_(make_config(redis_->config_as("inbound"))) {
    conn_.command({"FLUSHALL"});
    seed();
  }

  // What dispatch and notify leave behind: anna paged for the incident (sent),
  // bert holding a page of his own for another case.
  void seed() {
    const auto t = ms(domain_.now() - 1min);
    conn_.command({"HSET", store::incident_key(kIncident), "status", "dispatched", "case_id", kCase,
                   "page_id", kPage, "assignee", "anna", "region", "groningen"});
    conn_.command({"HSET",       store::page_key(kPage),
                   "incident",   kIncident,
                   "case",       kCase,
                   "person",     "anna",
                   "to",         kAnnaPhone,
                   "text",       "piket …",
                   "ack_code",   kAnnaCode,
                   "rule",       "on_call",
                   "state",      "accepted",
                   "created_at", t,
                   "attempts",   "1"});
    conn_.command({"SET", store::ackcode_key("anna", kAnnaCode), kPage});
    conn_.command({"HSET", store::page_key(kBertPage), "incident", "IZZZZZZZZZZZZZZZZ", "case",
                   "C99999999", "person", "bert", "to", kBertPhone, "ack_code", kBertCode, "state",
                   "accepted"});
    conn_.command({"SET", store::ackcode_key("bert", kBertCode), kBertPage});
    conn_.command({"RPUSH", store::case_timeline_key(kCase),
                   json::serialize(json::object{{"at", std::stoll(t)}, {"type", "paged"}})});
  }

  static std::string ms(common::Instant t) { return std::to_string(common::to_epoch_ms(t)); }

  common::HttpResponse get(const std::string& path, const std::string& query) {
    common::HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.query = query;
    r.target = path + "?" + query;
    r.remote = "127.0.0.1";
    return api_.handle(r);
  }
  // As Kannel's sms-service post-url sends it (piket's own Kannel): the secret
  // alone in the URL, the sender in X-Kannel-From, the text as the body.
  common::HttpResponse sms_post(const std::string& from, const std::string& text,
                                const std::string& key) {
    common::HttpRequest r;
    r.method = "POST";
    r.path = "/kannel/sms";
    r.query = "key=" + key;
    r.target = r.path + "?" + r.query;
    r.headers = {{"x-kannel-from", from}, {"content-type", "text/plain"}};
    r.body = text;
    r.remote = "127.0.0.1";
    return api_.handle(r);
  }
  // A Kannel callback: the deployment's secret first, as piket configures it.
  common::HttpResponse callback(const std::string& path, const std::string& query) {
    return get(path, "key=" + kSecret + (query.empty() ? "" : "&" + query));
  }
  common::HttpResponse dlr(const std::string& page, const std::string& type) {
    return callback("/kannel/dlr", "page=" + launch::url_encode(page) +
                                       "&type=" + launch::url_encode(type) + "&ts=1795870800");
  }
  std::string sms_query(const std::string& from, const std::string& text) {
    return "from=" + launch::url_encode(from) + "&to=4411&text=" + launch::url_encode(text);
  }
  // As Kannel's sms-service get-url sends it (%p, %P, %a url-encoded).
  common::HttpResponse sms(const std::string& from, const std::string& text) {
    auto r = callback("/kannel/sms", sms_query(from, text));
    expect_no_phone_number(r.body);
    if (r.status == 200) {  // a reply Kannel may send: one GSM-7 segment
      EXPECT_LE(r.body.size(), 160u) << r.body;
      EXPECT_TRUE(paging::is_gsm7_basic(r.body)) << r.body;
    }
    return r;
  }
  // The database without the wrong-code guards (which a wrong code writes).
  std::vector<std::string> snapshot_without_guards() {
    auto all = snapshot();
    std::erase_if(all, [](const std::string& l) {
      return l.find(" " + std::string(store::kCodeguardPrefix)) != std::string::npos;
    });
    return all;
  }
  double counter(const std::string& name, const std::string& label = {}) {
    std::istringstream lines(metrics_.render());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
      if (line[name.size()] != ' ' && line[name.size()] != '{') continue;
      if (!label.empty() && line.find(label) == std::string::npos) continue;
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
    return -1;
  }
  void expect_no_phone_number(const std::string& body) {
    for (const auto& p : config_.people) {
      EXPECT_EQ(body.find(p.phone), std::string::npos) << body;
      EXPECT_EQ(body.find(p.phone.substr(3)), std::string::npos) << body;  // national part
    }
    EXPECT_EQ(body.find("+31"), std::string::npos) << body;
  }

  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  bool hexists(const std::string& key, const std::string& field) {
    return conn_.command({"HEXISTS", key, field}).integer == 1;
  }
  std::vector<json::object> timeline(const std::string& case_id = kCase) {
    std::vector<json::object> out;
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements)
      out.push_back(json::parse(e.str).as_object());
    return out;
  }
  std::size_t count_events(const std::string& type, const std::string& case_id = kCase) {
    const auto events = timeline(case_id);
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const auto& e) {
      return e.at("type").as_string() == type;
    }));
  }
  std::vector<std::string> snapshot() { return piket::test::redis_snapshot(conn_); }
  // The value of `name{…outcome="…"…}` in the Prometheus text, or -1.
  double metric(const std::string& name, const std::string& outcome) {
    std::istringstream lines(metrics_.render());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name + "{", 0) != 0) continue;
      if (line.find("outcome=\"" + outcome + "\"") == std::string::npos) continue;
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
    return -1;
  }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;
  config::Config config_;
  common::SimulatedClock domain_{kDomainStart};
  common::Metrics metrics_{"inbound"};
  InboundApi api_{config_.inbound,
                  InboundDeps{config_.redis, config_.people, config_.bearer_tokens(),
                              config_.kannel.callback_secret, config_.notify.push_stream_maxlen},
                  domain_, metrics_};
};

piket::test::PrivateRedis* InboundRedisTest::redis_ = nullptr;

constexpr const char* kDlrTotal = "piket_inbound_delivery_reports_total";
constexpr const char* kAcksTotal = "piket_inbound_acks_total";

// ------------------------------------------------------------ delivery reports

TEST_F(InboundRedisTest, DeliveryReportIsRecordedOnThePageAndTimeline) {
  const auto r = dlr(kPage, "1");
  EXPECT_EQ(r.status, 200);
  const auto page = store::page_key(kPage);
  const auto now = ms(domain_.now());
  EXPECT_EQ(hget(page, "dlr_type"), "1");
  EXPECT_EQ(hget(page, "dlr_at"), now);
  EXPECT_EQ(hget(page, "delivered_at"), now);
  EXPECT_FALSE(hexists(page, "delivery_failed_at"));
  const auto list = conn_.command({"LRANGE", page + ":dlr", "0", "-1"});
  ASSERT_EQ(list.elements.size(), 1u);
  EXPECT_EQ(list.elements[0].str, "1:" + now);
  EXPECT_EQ(conn_.command({"SISMEMBER", page + ":dlr_types", "1"}).integer, 1);
  const auto events = timeline();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].at("type").as_string(), "delivery_report");
  EXPECT_EQ(events[1].at("page").as_string(), kPage);
  EXPECT_EQ(events[1].at("report").to_number<int>(), 1);
  EXPECT_EQ(events[1].at("at").to_number<std::int64_t>(), common::to_epoch_ms(domain_.now()));
  EXPECT_EQ(metric(kDlrTotal, "recorded"), 1);
}

TEST_F(InboundRedisTest, DuplicateDeliveryReportIsCountedNotRecordedTwice) {
  EXPECT_EQ(dlr(kPage, "1").status, 200);
  const auto first_at = hget(store::page_key(kPage), "dlr_at");
  domain_.advance(30s);
  EXPECT_EQ(dlr(kPage, "1").status, 200);
  // Counted only: not in the raw list (which a repeating gateway would grow),
  // not on the timeline or the page fields.
  EXPECT_EQ(conn_.command({"LLEN", store::page_dlr_key(kPage)}).integer, 1);
  EXPECT_EQ(count_events("delivery_report"), 1u);
  EXPECT_EQ(hget(store::page_key(kPage), "dlr_at"), first_at);
  EXPECT_EQ(metric(kDlrTotal, "recorded"), 1);
  EXPECT_EQ(metric(kDlrTotal, "duplicate"), 1);
}

TEST_F(InboundRedisTest, SuccessiveReportTypesAreEachRecorded) {
  EXPECT_EQ(dlr(kPage, "8").status, 200);  // SMSC accepted
  EXPECT_FALSE(hexists(store::page_key(kPage), "delivered_at"));
  domain_.advance(5s);
  EXPECT_EQ(dlr(kPage, "1").status, 200);  // delivered to the phone
  EXPECT_EQ(hget(store::page_key(kPage), "dlr_type"), "1");
  EXPECT_EQ(hget(store::page_key(kPage), "delivered_at"), ms(domain_.now()));
  EXPECT_EQ(count_events("delivery_report"), 2u);
  EXPECT_EQ(conn_.command({"SCARD", store::page_dlr_types_key(kPage)}).integer, 2);
}

TEST_F(InboundRedisTest, FailedDeliveryIsMarked) {
  EXPECT_EQ(dlr(kPage, "16").status, 200);
  EXPECT_EQ(hget(store::page_key(kPage), "delivery_failed_at"), ms(domain_.now()));
  EXPECT_FALSE(hexists(store::page_key(kPage), "delivered_at"));
}

TEST_F(InboundRedisTest, ReportForUnknownPageIsAnsweredButNotWritten) {
  const auto before = snapshot();
  const auto r = dlr("P00000000000000ZZ", "1");
  EXPECT_EQ(r.status, 200);  // Kannel must not retry it forever
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(metric(kDlrTotal, "unknown_page"), 1);
}

TEST_F(InboundRedisTest, MalformedPageOrTypeIs400AndNotWritten) {
  const auto before = snapshot();
  for (const std::string page :
       {"", "P123", "p0123456789ABCDEF", "P0123456789abcdef", "P0123456789ABCDEF0",
        "I0123456789ABCDEF", "P0123456789ABCDE*", "P0123456789ABCDEF\n", "../P0123456789AB"}) {
    EXPECT_EQ(dlr(page, "1").status, 400) << page;
  }
  for (const std::string type :
       {"", "x", "-1", "256", "1000", "1.5", "1e2", " 1", "0x1", "\xC3\xA9", "1\xD9\xA1"})
    EXPECT_EQ(dlr(kPage, type).status, 400) << type;
  EXPECT_EQ(callback("/kannel/dlr", "type=1").status, 400);
  EXPECT_EQ(callback("/kannel/dlr", "page=" + kPage).status, 400);
  EXPECT_EQ(snapshot(), before);
  // The edges of the type range are fine.
  EXPECT_EQ(dlr(kPage, "0").status, 200);
  EXPECT_EQ(dlr(kPage, "255").status, 200);
}

// ------------------------------------------------------------ acknowledgements

TEST_F(InboundRedisTest, AckFromThePagedPersonAcknowledges) {
  domain_.advance(2min);
  const auto r = sms(kAnnaPhone, "ok " + kAnnaCode + " on my way");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("is aangenomen"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(kCase), std::string::npos) << r.body;
  const auto now = ms(domain_.now());
  EXPECT_EQ(hget(store::page_key(kPage), "acknowledged_at"), now);
  EXPECT_EQ(hget(store::page_key(kPage), "acknowledged_via"), "sms");
  EXPECT_EQ(hget(store::page_key(kPage), "acknowledged_via_ref"), "\u2026001");  // masked number
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "acknowledged");
  EXPECT_EQ(hget(store::incident_key(kIncident), "acknowledged_at"), now);
  const auto events = timeline();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].at("type").as_string(), "acknowledged");
  EXPECT_EQ(events[1].at("person").as_string(), "anna");
  EXPECT_EQ(events[1].at("page").as_string(), kPage);
  EXPECT_EQ(events[1].at("incident").as_string(), kIncident);
  EXPECT_EQ(events[1].at("at").to_number<std::int64_t>(), common::to_epoch_ms(domain_.now()));
  EXPECT_EQ(events[1].at("via").as_string(), "sms");
  EXPECT_EQ(events[1].at("via_ref").as_string(), "\u2026001");
  // bert's page is untouched.
  EXPECT_FALSE(hexists(store::page_key(kBertPage), "acknowledged_at"));
  EXPECT_EQ(metric(kAcksTotal, "acknowledged"), 1);
}

// piket's own Kannel uses post-url: the same answer from the header and body,
// and the same refusals (no secret: 401; no sender: 400), changing nothing.
TEST_F(InboundRedisTest, APostedReplyAcknowledgesLikeAGetAndIsRefusedWithoutTheSecret) {
  domain_.advance(2min);
  const auto before = snapshot();
  EXPECT_EQ(sms_post(kAnnaPhone, kAnnaCode, "wrong-secret").status, 401);
  EXPECT_EQ(sms_post("", kAnnaCode, kSecret).status, 400);
  EXPECT_EQ(snapshot(), before);
  const auto r = sms_post(kAnnaPhone, "ok " + kAnnaCode, kSecret);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("is aangenomen"), std::string::npos) << r.body;
  EXPECT_EQ(hget(store::page_key(kPage), "acknowledged_via"), "sms");
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "acknowledged");
}

TEST_F(InboundRedisTest, SomeoneElsesCodeIsRefusedAndChangesNothing) {
  const auto before = snapshot_without_guards();
  // bert (on the rota) sends anna's code; anna sends bert's.
  const auto r = sms(kBertPhone, kAnnaCode);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("aangenomen"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("acknowledged"), std::string::npos) << r.body;
  // In the deployment's language though bert reads English: the answer must
  // not tell which numbers are staff's (or whose).
  EXPECT_EQ(r.body, "piket: deze code geldt niet (fout, al gebruikt of verlopen).");
  EXPECT_EQ(sms(kAnnaPhone, kBertCode).body, r.body);
  EXPECT_EQ(snapshot_without_guards(), before);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
  EXPECT_EQ(metric(kAcksTotal, "refused"), 2);
}

// The answers to families (below).
std::vector<std::string> family_answers(common::RedisConnection& conn);

// Issue 10: /kannel/sms must not tell a caller which numbers are staff's; issue
// 18: every SMS from a number that is not staff's is a family's message — also
// one with six digits in a row, which before was taken for a wrong code and lost.
TEST_F(InboundRedisTest, AStrangersTextWithSixDigitsIsAFamilysMessageNotAWrongCode) {
  const auto before_page = hget(store::page_key(kPage), "state");
  for (const std::string from : {"+31699999999", "0600000001"}) {
    for (const std::string& text : {kAnnaCode, "NO " + kAnnaCode, std::string("bel 123456 ok")}) {
      const auto r = sms(from, text);
      EXPECT_EQ(r.status, 200) << from;
      EXPECT_EQ(r.body, "") << from << " " << text << ": the family's answer is an SMS of its own";
    }
  }
  // No page was answered by a stranger: the code of anna's page is still live.
  EXPECT_EQ(hget(store::page_key(kPage), "state"), before_page);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
  EXPECT_EQ(metric(kAcksTotal, "refused"), 0);
  // Each number (of no open case: not routed) got the same "van dienst"
  // answer, once per distinct text; a text with or without digits alike.
  EXPECT_EQ(sms("+31699999998", "hello").body, "");
  const auto duty = family_reply_text(FamilyReply::duty, i18n::Language::nl);
  const auto answers = family_answers(conn_);
  EXPECT_EQ(answers.size(), 7u);
  for (const auto& a : answers) EXPECT_EQ(a.substr(a.find('|') + 1), duty) << a;
  EXPECT_EQ(std::count(answers.begin(), answers.end(), "+31600000001|" + duty), 3);
  // anna's own code still acknowledges her page.
  EXPECT_NE(sms(kAnnaPhone, kAnnaCode).body.find("aangenomen"), std::string::npos);
}

TEST_F(InboundRedisTest, ReplyWithoutCodeOrWithWrongCodeIsRefused) {
  const auto before = snapshot_without_guards();
  EXPECT_NE(sms(kAnnaPhone, "on my way").body.find("geen code gevonden"), std::string::npos);
  EXPECT_NE(sms(kAnnaPhone, "12345").body.find("geen code gevonden"), std::string::npos);
  EXPECT_NE(sms(kAnnaPhone, "1234567").body.find("geen code gevonden"), std::string::npos);
  EXPECT_NE(sms(kAnnaPhone, "999999").body.find("geldt niet"), std::string::npos);
  EXPECT_EQ(snapshot_without_guards(), before);
  EXPECT_EQ(counter("piket_inbound_reply_codes_wrong_total"), 1);
}

// A used code is gone: a second SMS with it answers nothing (and counts as a
// wrong code); the first answer stands.
TEST_F(InboundRedisTest, UsedCodeIsGoneAndTheFirstAnswerStands) {
  ASSERT_NE(sms(kAnnaPhone, kAnnaCode).body.find("is aangenomen"), std::string::npos);
  const auto first_at = hget(store::page_key(kPage), "acknowledged_at");
  EXPECT_EQ(conn_.command({"EXISTS", store::ackcode_key("anna", kAnnaCode)}).integer, 0);
  const auto after_first = snapshot_without_guards();
  domain_.advance(10min);
  for (const std::string& text : {kAnnaCode, "NO " + kAnnaCode}) {
    const auto r = sms(kAnnaPhone, text);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("geldt niet"), std::string::npos) << r.body;
  }
  EXPECT_EQ(hget(store::page_key(kPage), "acknowledged_at"), first_at);
  EXPECT_EQ(count_events("acknowledged"), 1u);
  EXPECT_EQ(count_events("declined"), 0u);
  EXPECT_EQ(snapshot_without_guards(), after_first);
  EXPECT_EQ(metric(kAcksTotal, "acknowledged"), 1);
}

TEST_F(InboundRedisTest, AckAfterEscalationStillAcknowledgesTheIncident) {
  conn_.command({"HSET", store::incident_key(kIncident), "status", "escalated"});
  sms(kAnnaPhone, kAnnaCode);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "acknowledged");
}

TEST_F(InboundRedisTest, MalformedSmsRequestIs400) {
  const auto before = snapshot();
  EXPECT_EQ(callback("/kannel/sms", "to=4411&text=" + kAnnaCode).status, 400);
  EXPECT_EQ(callback("/kannel/sms", "from=" + std::string(33, '1') + "&text=" + kAnnaCode).status,
            400);
  EXPECT_EQ(callback("/kannel/sms", "from=%2B31600000001&text=" + std::string(1601, 'x')).status,
            400);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(InboundRedisTest, OtherRoutesAndHealth) {
  EXPECT_EQ(get("/kannel/nothing", "").status, 404);
  common::HttpRequest post;
  post.method = "POST";
  post.path = post.target = "/kannel/dlr";
  EXPECT_EQ(api_.handle(post).status, 404);
  common::HttpRequest health;
  health.method = "GET";
  health.path = health.target = "/healthz";
  EXPECT_EQ(api_.handle(health).status, 200);
}

// ------------------------------------------------------------ issue 10

// Kannel's callbacks carry the deployment's secret; without it, or with a
// wrong one, nothing changes and the refusal is counted.
TEST_F(InboundRedisTest, CallbacksWithoutTheSecretAre401AndChangeNothing) {
  const auto before = snapshot();
  const std::vector<std::string> keys{"",
                                      "key=",
                                      "key=" + kSecret.substr(0, 39),
                                      "key=" + kSecret + "x",
                                      "key=" + std::string(kSecret.size(), 'A'),
                                      "KEY=" + kSecret,
                                      "secret=" + kSecret};
  for (const auto& key : keys) {
    const auto sep = key.empty() ? "" : "&";
    EXPECT_EQ(get("/kannel/sms", key + sep + sms_query(kAnnaPhone, kAnnaCode)).status, 401) << key;
    EXPECT_EQ(get("/kannel/dlr", key + sep + "page=" + kPage + "&type=16").status, 401) << key;
  }
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(counter("piket_inbound_callbacks_refused_total", "callback=\"sms\""), 7);
  EXPECT_EQ(counter("piket_inbound_callbacks_refused_total", "callback=\"dlr\""), 7);
}

// The attack of the issue: guessing reply codes over /kannel/sms without a
// credential. Now every guess is refused before any lookup.
TEST_F(InboundRedisTest, BruteForceWithoutTheSecretAcknowledgesNothing) {
  const auto before = snapshot();
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    char code[8];
    std::snprintf(code, sizeof code, "%06d", 123000 + i);  // includes anna's code 123456
    const std::string text = (i % 2 ? "NO " : "") + std::string(code);
    refused += get("/kannel/sms", sms_query(kAnnaPhone, text)).status == 401;
  }
  EXPECT_EQ(refused, 1000);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
}

// With the secret (or a real SMSC that lets a sender spoof the number): after
// code_max_failures wrong codes within code_lock the number is locked; while
// locked, even the right code answers nothing and the reply says to use the app.
TEST_F(InboundRedisTest, BruteForceWithTheSecretLocksTheNumberAndAcknowledgesNothing) {
  ASSERT_EQ(config_.inbound.code_max_failures, 5);
  int not_valid = 0, locked = 0;
  for (int i = 0; i < 1000; ++i) {
    char code[8];
    std::snprintf(code, sizeof code, "%06d", 500000 + i);  // never anna's code
    const auto r = sms(kAnnaPhone, (i % 2 ? "NO " : "") + std::string(code));
    not_valid += r.body.find("geldt niet") != std::string::npos;
    locked += r.body.find("app") != std::string::npos;
  }
  EXPECT_EQ(not_valid, 4);  // the fifth wrong code locks
  EXPECT_EQ(locked, 996);
  const auto until = domain_.now() + config_.inbound.code_lock;
  // The right code, both ways, while locked: nothing.
  for (const std::string& text : {kAnnaCode, "NO " + kAnnaCode})
    EXPECT_NE(sms(kAnnaPhone, text).body.find("app"), std::string::npos);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
  EXPECT_FALSE(hexists(store::page_key(kPage), "acknowledged_at"));
  EXPECT_FALSE(hexists(store::page_key(kPage), "declined_at"));
  EXPECT_EQ(conn_.command({"EXISTS", store::ackcode_key("anna", kAnnaCode)}).integer, 1);
  EXPECT_EQ(count_events("acknowledged") + count_events("declined"), 0u);
  EXPECT_EQ(counter("piket_inbound_reply_code_lockouts_total"), 1);
  EXPECT_EQ(counter("piket_inbound_reply_codes_wrong_total"), 5);
  EXPECT_EQ(counter("piket_inbound_sms_locked_total"), 998);
  // The team lead's board reads who is locked, until when.
  const auto board = locked_numbers(conn_, domain_.now());
  ASSERT_EQ(board.size(), 1u);
  EXPECT_EQ(board[0].person, "anna");
  EXPECT_EQ(board[0].until, until);
  // bert's number is not locked by anna's.
  EXPECT_EQ(sms(kBertPhone, kBertCode).body, "piket: case C99999999 acknowledged, it is yours.");
  // The guards are bounded: two small hashes and one board entry, with TTLs.
  EXPECT_GT(conn_.command({"PTTL", store::codeguard_person_key("anna")}).integer, 0);
  EXPECT_EQ(conn_.command({"KEYS", std::string(store::kCodeguardPrefix) + "*"}).elements.size(),
            3u);
  // After the lock the right code works again (the page is still open).
  domain_.advance(config_.inbound.code_lock + 1s);
  EXPECT_TRUE(locked_numbers(conn_, domain_.now()).empty());
  EXPECT_NE(sms(kAnnaPhone, kAnnaCode).body.find("is aangenomen"), std::string::npos);
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "acknowledged");
}

TEST_F(InboundRedisTest, WrongCodesOutsideTheWindowDoNotAddUp) {
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i)
      EXPECT_NE(sms(kAnnaPhone, "999999").body.find("geldt niet"), std::string::npos);
    domain_.advance(config_.inbound.code_lock);
  }
  EXPECT_EQ(counter("piket_inbound_reply_code_lockouts_total"), 0);
  EXPECT_NE(sms(kAnnaPhone, kAnnaCode).body.find("is aangenomen"), std::string::npos);
}

// A code is valid only while its page can be answered (code_until, domain
// time); an expired one is deleted when tried and answers nothing.
TEST_F(InboundRedisTest, ExpiredCodeAnswersNothing) {
  conn_.command({"HSET", store::page_key(kPage), "code_until", ms(domain_.now() + 10min)});
  domain_.advance(10min + 1ms);
  EXPECT_NE(sms(kAnnaPhone, kAnnaCode).body.find("geldt niet"), std::string::npos);
  EXPECT_EQ(conn_.command({"EXISTS", store::ackcode_key("anna", kAnnaCode)}).integer, 0);
  EXPECT_FALSE(hexists(store::page_key(kPage), "acknowledged_at"));
  EXPECT_EQ(hget(store::incident_key(kIncident), "status"), "dispatched");
}

// No ackcode key outlives its page's answerable life: answered, declined,
// stood down (a colleague acknowledged the incident).
TEST_F(InboundRedisTest, AnsweringDeletesTheCodesOfThePageAndOfPagesThatStandDown) {
  const std::string bert_second = "P0000000000000BBB";
  conn_.command({"HSET", store::page_key(bert_second), "incident", kIncident, "case", kCase,
                 "person", "bert", "ack_code", "111111", "state", "accepted"});
  conn_.command({"SET", store::ackcode_key("bert", "111111"), bert_second});
  conn_.command({"SADD", store::incident_pages_key(kIncident), kPage, bert_second});
  // bert declines his other page (another incident) by SMS: its code goes.
  // In bert's own language (English): his preference beats the deployment's.
  EXPECT_EQ(sms(kBertPhone, "NO " + kBertCode).body,
            "piket: case C99999999 goes to the next person.");
  EXPECT_EQ(conn_.command({"EXISTS", store::ackcode_key("bert", kBertCode)}).integer, 0);
  // anna acknowledges: her code goes, and bert's page of this incident stands
  // down with its code.
  EXPECT_NE(sms(kAnnaPhone, kAnnaCode).body.find("is aangenomen"), std::string::npos);
  EXPECT_EQ(hget(store::page_key(bert_second), "cancelled_reason"), "answered_by_other");
  EXPECT_EQ(conn_.command({"KEYS", std::string(store::kAckcodePrefix) + "*"}).elements.size(), 0u);
  EXPECT_NE(sms(kBertPhone, "111111").body.find("geldt niet"), std::string::npos);
}

// The API records the token's owner, in the page and the timeline.
TEST_F(InboundRedisTest, ApiAnswerRecordsTheTokenOwner) {
  common::HttpRequest r;
  r.method = "POST";
  r.path = r.target = "/v1/pages/" + kPage + "/ack";
  r.headers.push_back({"authorization", "Bearer anna-staff-token"});
  ASSERT_EQ(api_.handle(r).status, 200);
  EXPECT_EQ(hget(store::page_key(kPage), "acknowledged_via"), "api");
  EXPECT_EQ(hget(store::page_key(kPage), "acknowledged_via_ref"), "token anna");
  const auto events = timeline();
  EXPECT_EQ(events.back().at("via").as_string(), "api");
  EXPECT_EQ(events.back().at("via_ref").as_string(), "token anna");
  EXPECT_EQ(conn_.command({"EXISTS", store::ackcode_key("anna", kAnnaCode)}).integer, 0);
}

// The attack of the issue: a type 16 after Kannel reported the SMS delivered
// (8, then 1) failed it and moved the page on. Now it changes nothing.
TEST_F(InboundRedisTest, ForgedFailureReportAfterDeliveryChangesNothing) {
  const auto d = store::delivery_key(kPage, "sms");
  conn_.command({"HSET", d, "state", "accepted", "page", kPage, "channel", "sms"});
  ASSERT_EQ(dlr(kPage, "8").status, 200);
  ASSERT_EQ(dlr(kPage, "1").status, 200);
  const auto before = snapshot();
  domain_.advance(1min);
  for (const std::string type : {"16", "2", "16"}) EXPECT_EQ(dlr(kPage, type).status, 200);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(hget(d, "state"), "accepted");
  EXPECT_FALSE(hexists(store::page_key(kPage), "delivery_failed_at"));
  EXPECT_EQ(count_events("delivery_failed"), 0u);
  EXPECT_EQ(counter("piket_inbound_delivery_reports_suspicious_total"), 3);
  EXPECT_EQ(counter("piket_inbound_delivery_failures_total"), 0);
  // A late 8 (intermediate) is recorded as before.
  EXPECT_EQ(dlr(kPage, "4").status, 200);
  EXPECT_EQ(metric(kDlrTotal, "recorded"), 3);
}

// The reverse order: the first final report stands; a "delivered" after a
// failure does not un-fail the delivery (notify has moved on) and is counted.
TEST_F(InboundRedisTest, DeliveredAfterAFailureIsSuspiciousToo) {
  const auto d = store::delivery_key(kPage, "sms");
  conn_.command({"HSET", d, "state", "accepted", "page", kPage, "channel", "sms"});
  ASSERT_EQ(dlr(kPage, "16").status, 200);
  EXPECT_EQ(hget(d, "state"), "failed");
  const auto before = snapshot();
  EXPECT_EQ(dlr(kPage, "1").status, 200);
  EXPECT_EQ(dlr(kPage, "16").status, 200);  // a duplicate: counted as such
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(counter("piket_inbound_delivery_reports_suspicious_total"), 1);
  EXPECT_EQ(metric(kDlrTotal, "duplicate"), 1);
}

// ---- issue 18: a family's SMS ---------------------------------------------------------

const std::string kVictimPhone = "+31611111111";
const std::string kPerpetratorPhone = "+31622222222";

// The index ingest writes (family:phone:{h}, store/family_contact.hpp) for the
// case's victim and perpetrator; anna is the case's casemanager.
void seed_family(common::RedisConnection& conn) {
  for (const auto& [phone, role] :
       {std::pair{kVictimPhone, "victim"}, std::pair{kPerpetratorPhone, "perpetrator"}})
    conn.command({"HSET", store::family_phone_key(common::phone_key_hash(phone)), kCase, role});
  conn.command({"HSET", store::case_key(kCase), "state", "open", "casemanager", "anna"});
}

// The answers to families (pages of rule family_reply), as "to|text", sorted.
std::vector<std::string> family_answers(common::RedisConnection& conn) {
  std::vector<std::string> out;
  for (const auto& k : conn.command({"KEYS", store::page_key("*")}).element_strings()) {
    const auto f = conn.command({"HMGET", k, "rule", "to", "text"}).element_strings();
    if (f.size() == 3 && f[0] == "family_reply") out.push_back(f[1] + "|" + f[2]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Stored in the case, and answered by an SMS of its own (a page through
// notify's outbox, to the number that wrote); the response to Kannel is empty.
TEST_F(InboundRedisTest, AFamilysSmsIsStoredInTheCaseAndAnsweredByRole) {
  seed_family(conn_);
  const auto r = sms("06 1111 1111", "Hij staat weer voor de deur");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  const auto own = family_reply_text(FamilyReply::own, i18n::Language::nl);
  EXPECT_NE(own.find("Uw casemanager"), std::string::npos) << own;
  EXPECT_EQ(family_answers(conn_), std::vector<std::string>{kVictimPhone + "|" + own});
  const auto m = json::parse(hget(store::case_family_key(kCase), "F1")).as_object();
  EXPECT_EQ(m.at("text").as_string(), "Hij staat weer voor de deur");
  EXPECT_FALSE(m.at("urgent").as_bool());
  EXPECT_EQ(count_events("family_message"), 1u);
  EXPECT_EQ(metric("piket_inbound_family_messages_total", "stored"), 1);
  EXPECT_EQ(metric("piket_inbound_family_replies_total", "sent"), 1);
  // DRINGEND as the first word: urgent, the word not kept.
  sms(kVictimPhone, "dringend: bel me");
  const auto u = json::parse(hget(store::case_family_key(kCase), "F2")).as_object();
  EXPECT_TRUE(u.at("urgent").as_bool());
  EXPECT_EQ(u.at("text").as_string(), "bel me");
  EXPECT_EQ(metric("piket_inbound_family_messages_total", "urgent"), 1);
  // Kannel's retry of the same SMS (its response lost): stored once, answered once.
  const auto before = snapshot();
  EXPECT_EQ(sms(kVictimPhone, "dringend: bel me").status, 200);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(metric("piket_inbound_family_messages_total", "repeat"), 1);
  EXPECT_EQ(family_answers(conn_).size(), 2u);
}

// An unknown number is not routed (nothing stored, counted) and its answer is
// byte for byte a known family's answer when its casemanager is away, and a
// perpetrator's (which tells nothing about the case).
TEST_F(InboundRedisTest, AnUnknownNumbersAnswerIsTheSameAsAKnownOnes) {
  seed_family(conn_);
  conn_.command({"HSET", store::person_absence_key("anna"), "since", ms(domain_.now() - 1h)});
  EXPECT_EQ(sms("+31633333333", "Hallo, ik zoek hulp").body, "");
  EXPECT_EQ(hget(store::case_family_key(kCase), "seq"), "");
  EXPECT_EQ(metric("piket_inbound_family_messages_total", "unknown"), 1);
  sms(kVictimPhone, "Hallo, ik zoek hulp");
  sms(kPerpetratorPhone, "Hallo, ik zoek hulp");
  const auto duty = family_reply_text(FamilyReply::duty, i18n::Language::nl);
  std::vector<std::string> expected{"+31633333333|" + duty, kVictimPhone + "|" + duty,
                                    kPerpetratorPhone + "|" + duty};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(family_answers(conn_), expected);
  EXPECT_EQ(hget(store::case_family_key(kCase), "seq"), "2");  // both known ones stored
  // Over the number's rate: not stored, the same answer; over the answers'
  // rate: no answer, counted.
  for (int i = 0; i < kFamilyRateMax; ++i) sms(kPerpetratorPhone, "nog eens " + std::to_string(i));
  EXPECT_EQ(metric("piket_inbound_family_messages_total", "limited"), 1);
  EXPECT_EQ(hget(store::case_family_key(kCase), "seq"), std::to_string(1 + kFamilyRateMax));
  EXPECT_EQ(family_answers(conn_).size(), 2u + kFamilyRepliesMax);
  EXPECT_EQ(metric("piket_inbound_family_replies_total", "suppressed"), 1);
}

}  // namespace
}  // namespace piket::inbound
