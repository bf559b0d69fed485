// InboundApi::handle against a real, private redis-server (label `redis`):
// Kannel delivery reports and acknowledgements by SMS reply code.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/inbound/inbound_api.hpp"
#include "piket/launch/url_codec.hpp"
#include "private_redis.hpp"
#include "redis_snapshot.hpp"

namespace piket::inbound {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const common::Instant kDomainStart = common::from_epoch_ms(1795870800000);  // 2026-11-28
const std::string kPage = "P0123456789ABCDEF";
const std::string kBertPage = "PZZZZZZZZZZZZZZZZ";
const std::string kIncident = "I0123456789ABCDEF";
const std::string kCase = "C12345678";
const std::string kAnnaPhone = "+31600000001";
const std::string kBertPhone = "+31600000002";
const std::string kAnnaCode = "12345";
const std::string kBertCode = "54321";

common::PersonConfig person(std::string id, std::string phone) {
  common::PersonConfig p;
  p.id = std::move(id);
  p.display_name = "Display " + p.id;
  p.phone = std::move(phone);
  p.regions = {"groningen"};
  return p;
}

common::Config make_config(const common::RedisConfig& redis) {
  common::Config c;
  c.redis = redis;
  c.regions = {{"groningen", "Groningen"}};
  c.people = {person("anna", kAnnaPhone), person("bert", kBertPhone)};
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
    conn_.command({"HSET", "incident:" + kIncident, "status", "dispatched", "case_id", kCase,
                   "page_id", kPage, "assignee", "anna", "region", "groningen"});
    conn_.command({"HSET",       "page:" + kPage,
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
    conn_.command({"SET", "ackcode:anna:" + kAnnaCode, kPage});
    conn_.command({"HSET", "page:" + kBertPage, "incident", "IZZZZZZZZZZZZZZZZ", "case",
                   "C99999999", "person", "bert", "to", kBertPhone, "ack_code", kBertCode, "state",
                   "accepted"});
    conn_.command({"SET", "ackcode:bert:" + kBertCode, kBertPage});
    conn_.command({"RPUSH", "case:" + kCase + ":timeline",
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
  common::HttpResponse dlr(const std::string& page, const std::string& type) {
    return get("/kannel/dlr", "page=" + launch::url_encode(page) +
                                  "&type=" + launch::url_encode(type) + "&ts=1795870800");
  }
  // As Kannel's sms-service get-url sends it (%p, %P, %a url-encoded).
  common::HttpResponse sms(const std::string& from, const std::string& text) {
    auto r = get("/kannel/sms",
                 "from=" + launch::url_encode(from) + "&to=4411&text=" + launch::url_encode(text));
    expect_no_phone_number(r.body);
    return r;
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
         conn_.command({"LRANGE", "case:" + case_id + ":timeline", "0", "-1"}).elements)
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
  common::Config config_;
  common::SimulatedClock domain_{kDomainStart};
  common::Metrics metrics_{"inbound"};
  InboundApi api_{config_, domain_, metrics_};
};

piket::test::PrivateRedis* InboundRedisTest::redis_ = nullptr;

constexpr const char* kDlrTotal = "piket_inbound_delivery_reports_total";
constexpr const char* kAcksTotal = "piket_inbound_acks_total";

// ------------------------------------------------------------ delivery reports

TEST_F(InboundRedisTest, DeliveryReportIsRecordedOnThePageAndTimeline) {
  const auto r = dlr(kPage, "1");
  EXPECT_EQ(r.status, 200);
  const auto page = "page:" + kPage;
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
  const auto first_at = hget("page:" + kPage, "dlr_at");
  domain_.advance(30s);
  EXPECT_EQ(dlr(kPage, "1").status, 200);
  // Kept in the raw list (both), not on the timeline or the page fields.
  EXPECT_EQ(conn_.command({"LLEN", "page:" + kPage + ":dlr"}).integer, 2);
  EXPECT_EQ(count_events("delivery_report"), 1u);
  EXPECT_EQ(hget("page:" + kPage, "dlr_at"), first_at);
  EXPECT_EQ(metric(kDlrTotal, "recorded"), 1);
  EXPECT_EQ(metric(kDlrTotal, "duplicate"), 1);
}

TEST_F(InboundRedisTest, SuccessiveReportTypesAreEachRecorded) {
  EXPECT_EQ(dlr(kPage, "8").status, 200);  // SMSC accepted
  EXPECT_FALSE(hexists("page:" + kPage, "delivered_at"));
  domain_.advance(5s);
  EXPECT_EQ(dlr(kPage, "1").status, 200);  // delivered to the phone
  EXPECT_EQ(hget("page:" + kPage, "dlr_type"), "1");
  EXPECT_EQ(hget("page:" + kPage, "delivered_at"), ms(domain_.now()));
  EXPECT_EQ(count_events("delivery_report"), 2u);
  EXPECT_EQ(conn_.command({"SCARD", "page:" + kPage + ":dlr_types"}).integer, 2);
}

TEST_F(InboundRedisTest, FailedDeliveryIsMarked) {
  EXPECT_EQ(dlr(kPage, "16").status, 200);
  EXPECT_EQ(hget("page:" + kPage, "delivery_failed_at"), ms(domain_.now()));
  EXPECT_FALSE(hexists("page:" + kPage, "delivered_at"));
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
  EXPECT_EQ(get("/kannel/dlr", "type=1").status, 400);
  EXPECT_EQ(get("/kannel/dlr", "page=" + kPage).status, 400);
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
  EXPECT_NE(r.body.find("acknowledged"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(kCase), std::string::npos) << r.body;
  const auto now = ms(domain_.now());
  EXPECT_EQ(hget("page:" + kPage, "acknowledged_at"), now);
  EXPECT_EQ(hget("page:" + kPage, "acknowledged_via"), "sms");
  EXPECT_EQ(hget("incident:" + kIncident, "status"), "acknowledged");
  EXPECT_EQ(hget("incident:" + kIncident, "acknowledged_at"), now);
  const auto events = timeline();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].at("type").as_string(), "acknowledged");
  EXPECT_EQ(events[1].at("person").as_string(), "anna");
  EXPECT_EQ(events[1].at("page").as_string(), kPage);
  EXPECT_EQ(events[1].at("incident").as_string(), kIncident);
  EXPECT_EQ(events[1].at("at").to_number<std::int64_t>(), common::to_epoch_ms(domain_.now()));
  // bert's page is untouched.
  EXPECT_FALSE(hexists("page:" + kBertPage, "acknowledged_at"));
  EXPECT_EQ(metric(kAcksTotal, "acknowledged"), 1);
}

TEST_F(InboundRedisTest, SomeoneElsesCodeIsRefusedAndChangesNothing) {
  const auto before = snapshot();
  // bert (on the rota) sends anna's code; anna sends bert's.
  const auto r = sms(kBertPhone, kAnnaCode);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("acknowledged case"), std::string::npos) << r.body;
  EXPECT_EQ(sms(kAnnaPhone, kBertCode).body, r.body);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(hget("incident:" + kIncident, "status"), "dispatched");
  EXPECT_EQ(metric(kAcksTotal, "refused"), 2);
}

TEST_F(InboundRedisTest, UnknownNumberIsRefused) {
  const auto before = snapshot();
  for (const std::string from : {"+31699999999", "31600000001", "0600000001", "+316000000011"}) {
    const auto r = sms(from, kAnnaCode);
    EXPECT_EQ(r.status, 200) << from;
    EXPECT_NE(r.body.find("not registered"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(from), std::string::npos) << r.body;
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_F(InboundRedisTest, ReplyWithoutCodeOrWithWrongCodeIsRefused) {
  const auto before = snapshot();
  EXPECT_NE(sms(kAnnaPhone, "on my way").body.find("no reply code"), std::string::npos);
  EXPECT_NE(sms(kAnnaPhone, "123456").body.find("no reply code"), std::string::npos);
  EXPECT_NE(sms(kAnnaPhone, "99999").body.find("not valid"), std::string::npos);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(InboundRedisTest, SecondAckAnswersAlreadyAndKeepsTheFirst) {
  ASSERT_NE(sms(kAnnaPhone, kAnnaCode).body.find("acknowledged case"), std::string::npos);
  const auto first_at = hget("page:" + kPage, "acknowledged_at");
  const auto after_first = snapshot();
  domain_.advance(10min);
  const auto r = sms(kAnnaPhone, kAnnaCode);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("already"), std::string::npos) << r.body;
  EXPECT_EQ(hget("page:" + kPage, "acknowledged_at"), first_at);
  EXPECT_EQ(count_events("acknowledged"), 1u);
  EXPECT_EQ(snapshot(), after_first);
  EXPECT_EQ(metric(kAcksTotal, "acknowledged"), 1);
}

TEST_F(InboundRedisTest, AckAfterEscalationStillAcknowledgesTheIncident) {
  conn_.command({"HSET", "incident:" + kIncident, "status", "escalated"});
  sms(kAnnaPhone, kAnnaCode);
  EXPECT_EQ(hget("incident:" + kIncident, "status"), "acknowledged");
}

TEST_F(InboundRedisTest, MalformedSmsRequestIs400) {
  const auto before = snapshot();
  EXPECT_EQ(get("/kannel/sms", "to=4411&text=" + kAnnaCode).status, 400);
  EXPECT_EQ(get("/kannel/sms", "from=" + std::string(33, '1') + "&text=" + kAnnaCode).status, 400);
  EXPECT_EQ(get("/kannel/sms", "from=%2B31600000001&text=" + std::string(1601, 'x')).status, 400);
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

}  // namespace
}  // namespace piket::inbound
