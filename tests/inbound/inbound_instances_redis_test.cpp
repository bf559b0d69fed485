// Two instances of inbound on one real redis-server (label `redis`; docs/availability.md, "Two
// instances of every service"), each an InboundApi with its own connections as Redis user
// "inbound". Kannel (or a staff member's retry through the load balancer) brings the same answer
// to both at the same moment: each page is acknowledged once — one timeline entry, one
// acknowledgement counted over both instances, the other instance answering
// `already_acknowledged` — and declined once, with one escalation message in the outbox.
// inbound_page_answer.lua decides and writes in one script; inbound holds no work of its own
// between requests, so an instance that dies leaves nothing to take over (the caller's retry
// reaches the other instance).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "instances.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/inbound/inbound_api.hpp"
#include "piket/launch/url_codec.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::inbound {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const common::Instant kDomainStart = common::from_epoch_ms(1795870800000);  // 2026-11-28
const std::string kAnnaPhone = "+31600000001";
const std::string kSecret = "CallbackSecret0123456789abcdefABCDEF0123";
constexpr int kPages = 60;

std::string digits(long long v, std::size_t w) {
  auto t = std::to_string(v);
  return std::string(w > t.size() ? w - t.size() : 0, '0') + t;
}

std::string phone(int n) {
  return "+3161000" + digits(n, 4);
}

class InboundInstancesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-inbound-inst"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  struct Instance {
    Instance(const config::Config& c, const common::Clock& domain)
        : api(c.inbound,
              InboundDeps{c.redis, c.people, c.bearer_tokens(), c.kannel.callback_secret,
                          c.notify.push_stream_maxlen},
              domain, metrics) {}
    common::Metrics metrics{"inbound"};
    InboundApi api;
  };

  InboundInstancesTest() : conn_(redis_->config()) {
    conn_.command({"FLUSHALL"});
    config_.redis = redis_->config_as("inbound");
    config_.regions = {{"groningen", "Groningen"}};
    rota::PersonConfig anna;
    anna.id = "anna";
    anna.display_name = "Anna";
    anna.phone = kAnnaPhone;
    anna.regions = {"groningen"};
    anna.token_sha256 = common::sha256_hex("anna-staff-token");
    config_.people = {anna};
    // One casemanager per SMS page: a number that sends a used code again counts one wrong
    // code (tests/inbound/inbound_redis_test.cpp, UsedCodeIsGone…), far below the lock-out.
    for (int n = 1; n <= kPages; ++n) {
      rota::PersonConfig p;
      p.id = "icm-" + std::to_string(n);
      p.display_name = "ICM " + std::to_string(n);
      p.phone = phone(n);
      p.regions = {"groningen"};
      config_.people.push_back(p);
    }
    config_.kannel.callback_secret = kSecret;
    for (int i = 0; i < 2; ++i) instances_.push_back(std::make_unique<Instance>(config_, domain_));
  }

  struct Seeded {
    std::string page, code, incident, case_id, person;
  };
  // Page n to `person` (anna, or icm-n), sent (what dispatch and notify leave), with its
  // incident and case.
  Seeded seed(int n, bool own_person) {
    Seeded s{"P" + digits(n, 16), digits(200000 + n, 6), "I" + digits(n, 16),
             "C" + digits(n, 7) + "Z", own_person ? "icm-" + std::to_string(n) : "anna"};
    const auto to = own_person ? phone(n) : kAnnaPhone;
    const auto t = ms(domain_.now() - 1min);
    conn_.command({"HSET", store::incident_key(s.incident), "status", "dispatched", "case_id",
                   s.case_id, "page_id", s.page, "assignee", s.person, "region", "groningen",
                   "esc_state", "active", "esc_at", "0.0"});
    conn_.command({"HSET",       store::page_key(s.page),
                   "incident",   s.incident,
                   "case",       s.case_id,
                   "person",     s.person,
                   "to",         to,
                   "text",       "piket …",
                   "ack_code",   s.code,
                   "rule",       "on_call",
                   "state",      "accepted",
                   "created_at", t,
                   "attempts",   "1",
                   "esc_at",     "0.0"});
    conn_.command({"SET", store::ackcode_key(s.person, s.code), s.page});
    conn_.command({"RPUSH", store::case_timeline_key(s.case_id),
                   json::serialize(json::object{{"at", std::stoll(t)}, {"type", "paged"}})});
    return s;
  }
  std::vector<Seeded> seed_all(bool own_person) {
    std::vector<Seeded> out;
    for (int n = 1; n <= kPages; ++n) out.push_back(seed(n, own_person));
    return out;
  }

  // Kannel's get-url for an SMS reply from `from`, at instance i.
  common::HttpResponse sms(int i, const std::string& from, const std::string& text) {
    common::HttpRequest r;
    r.method = "GET";
    r.path = "/kannel/sms";
    r.query = "key=" + kSecret + "&from=" + launch::url_encode(from) +
              "&to=4411&text=" + launch::url_encode(text);
    r.target = r.path + "?" + r.query;
    r.remote = "127.0.0.1";
    return instances_[static_cast<std::size_t>(i)]->api.handle(r);
  }
  // A staff answer by API at instance i.
  common::HttpResponse staff(int i, const std::string& page, const std::string& action) {
    common::HttpRequest r;
    r.method = "POST";
    r.path = "/v1/pages/" + page + "/" + action;
    r.target = r.path;
    r.headers = {{"authorization", "Bearer anna-staff-token"},
                 {"content-type", "application/json"}};
    r.body = "{}";
    r.remote = "127.0.0.1";
    return instances_[static_cast<std::size_t>(i)]->api.handle(r);
  }
  std::size_t count_events(const std::string& case_id, const std::string& type) {
    std::size_t n = 0;
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements)
      n += json::parse(e.str).as_object().at("type").as_string() == type;
    return n;
  }
  double acks(const std::string& outcome) {
    double sum = 0;
    for (const auto& in : instances_) {
      std::istringstream lines(in->metrics.render());
      for (std::string line; std::getline(lines, line);)
        if (line.rfind("piket_inbound_acks_total{", 0) == 0 &&
            line.find("outcome=\"" + outcome + "\"") != std::string::npos)
          sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }
  static std::string ms(common::Instant t) { return std::to_string(common::to_epoch_ms(t)); }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;
  config::Config config_;
  common::SimulatedClock domain_{kDomainStart};
  std::vector<std::unique_ptr<Instance>> instances_;
};

piket::test::PrivateRedis* InboundInstancesTest::redis_ = nullptr;

TEST_F(InboundInstancesTest, TheSameSmsReplyAtBothInstancesAtOnceAcknowledgesOnce) {
  const auto pages = seed_all(true);
  test::race(2, [&](int i) {
    for (int n = 1; n <= kPages; ++n) {
      const auto& s = pages[static_cast<std::size_t>(n - 1)];
      EXPECT_EQ(sms(i, phone(n), "ok " + s.code).status, 200) << s.page;
    }
  });
  for (const auto& s : pages) {
    EXPECT_EQ(conn_.command({"HGET", store::page_key(s.page), "state"}).str, "acknowledged");
    EXPECT_EQ(conn_.command({"HGET", store::incident_key(s.incident), "status"}).str,
              "acknowledged");
    EXPECT_EQ(count_events(s.case_id, "acknowledged"), 1u) << s.case_id;
  }
  EXPECT_EQ(acks("acknowledged"), kPages);
}

TEST_F(InboundInstancesTest, TheSameDeclineAtBothInstancesAtOnceDeclinesOnceWithOneMessage) {
  const auto pages = seed_all(false);
  std::vector<std::vector<int>> statuses(2);
  test::race(2, [&](int i) {
    for (const auto& s : pages)
      statuses[static_cast<std::size_t>(i)].push_back(staff(i, s.page, "decline").status);
  });
  for (std::size_t k = 0; k < pages.size(); ++k) {
    const auto& s = pages[k];
    EXPECT_EQ(conn_.command({"HGET", store::page_key(s.page), "state"}).str, "declined");
    EXPECT_EQ(count_events(s.case_id, "declined"), 1u) << s.case_id;
    EXPECT_LT(statuses[0][k], 300) << s.page;
    EXPECT_LT(statuses[1][k], 300) << s.page;
  }
  // One escalation message per declined page, whichever instance recorded it.
  EXPECT_EQ(conn_.command({"ZCARD", store::outbox_due_key("escalation")}).integer, kPages);
}

}  // namespace
}  // namespace piket::inbound
