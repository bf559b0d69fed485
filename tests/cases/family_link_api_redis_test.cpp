// The case API's contact link for the family (issue 18) over a real
// redis-server (label redis): made, read and revoked by the case's
// casemanager or a team lead of its region; every other caller refused with
// nothing changed; the secret only in the answer that makes it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "piket/cases/cases_api.hpp"
#include "piket/common/crypto.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "redis_fixture.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::staff_request;

class FamilyLinkApiTest : public test::CasesRedisTest {
 protected:
  void SetUp() override {
    CasesRedisTest::SetUp();
    api_ = std::make_unique<CasesApi>(CasesApiDeps{config_.redis, config_, config_.bearer_tokens(),
                                                   clock_, *store_, rules_, metrics_});
    case_ = open_case("REF-1", t0_, t0_ + 2min).case_id;
  }
  common::HttpResponse call(const std::string& method, const std::string& who,
                            const std::string& id = {}) {
    return api_->handle(
        staff_request(method, "/v1/cases/" + (id.empty() ? case_ : id) + "/family-link", who));
  }
  static json::object parse(const common::HttpResponse& r) {
    return json::parse(r.body).as_object();
  }
  static std::string code(const common::HttpResponse& r) {
    return std::string(parse(r).at("error").as_object().at("code").as_string());
  }
  // The link's keys and the case's timeline: what a refusal must leave alone.
  std::string snapshot() {
    std::string s;
    for (const auto& e : conn_.command({"KEYS", "family:link:*"}).elements) s += e.str + "|";
    for (const auto& e : conn_.command({"HGETALL", store::case_family_link_key(case_)}).elements)
      s += e.str + "|";
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(case_), "0", "-1"}).elements)
      s += e.str + "|";
    return s;
  }

  common::Metrics metrics_{"cases-test"};
  std::unique_ptr<CasesApi> api_;
  std::string case_;
};

TEST_F(FamilyLinkApiTest, TheCasemanagerMakesALinkShownOnceAndKeptAsAHash) {
  EXPECT_TRUE(parse(call("GET", "icm-1")).at("link").is_null());
  const auto r = call("POST", "icm-1");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto o = parse(r);
  const std::string path(o.at("path").as_string());
  ASSERT_EQ(path.rfind("/m/", 0), 0u);
  const auto secret = path.substr(3);
  EXPECT_TRUE(store::looks_like_family_link_secret(secret)) << secret;
  const auto hash = common::sha256_hex(secret);
  EXPECT_EQ(o.at("id").as_string(), hash.substr(0, 12));
  EXPECT_EQ(o.at("by").as_string(), "icm-1");
  EXPECT_EQ(o.at("replaced").as_string(), "");
  EXPECT_EQ(hget(store::family_link_key(hash), "case"), case_);
  // Read back: which link, never the secret.
  const auto read = call("GET", "icm-1");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(parse(read).at("link").as_object().at("id").as_string(), hash.substr(0, 12));
  EXPECT_EQ(read.body.find(secret), std::string::npos);
  EXPECT_EQ(snapshot().find(secret), std::string::npos) << "the secret is not stored";
}

TEST_F(FamilyLinkApiTest, ANewLinkRevokesTheOldOneAndTheTeamLeadMayToo) {
  const auto first = parse(call("POST", "icm-1"));
  const auto old_hash = common::sha256_hex(std::string(first.at("path").as_string()).substr(3));
  const auto second = call("POST", "tl-g");
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(parse(second).at("replaced").as_string(), first.at("id").as_string());
  EXPECT_EQ(conn_.command({"EXISTS", store::family_link_key(old_hash)}).integer, 0);
  const auto revoked = call("DELETE", "tl-g");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(parse(revoked).at("revoked").as_string(), parse(second).at("id").as_string());
  EXPECT_EQ(conn_.command({"KEYS", "family:link:*"}).elements.size(), 0u);
  const auto again = call("DELETE", "icm-1");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(code(again), "no_link");
  EXPECT_TRUE(parse(call("GET", "icm-1")).at("link").is_null());
}

// Everyone else: refused before anything is read or written.
TEST_F(FamilyLinkApiTest, EveryOtherCallerIsRefusedAndNothingChanges) {
  ASSERT_EQ(call("POST", "icm-1").status, 201);
  const auto before = snapshot();
  for (const char* method : {"GET", "POST", "DELETE"}) {
    EXPECT_EQ(call(method, "").status, 401) << method;
    auto r = call(method, "icm-2");
    EXPECT_EQ(r.status, 403) << method;
    EXPECT_EQ(code(r), "not_your_case");
    r = call(method, "tl-d");
    EXPECT_EQ(r.status, 403) << method;
    EXPECT_EQ(code(r), "not_your_region");
    EXPECT_EQ(call(method, "icm-1", "C99999999").status, 404) << method;
    EXPECT_EQ(call(method, "icm-1", "not-a-case").status, 404) << method;
  }
  EXPECT_EQ(
      api_->handle(staff_request("PUT", "/v1/cases/" + case_ + "/family-link", "icm-1")).status,
      405);
  EXPECT_EQ(snapshot(), before);
}

// A closed case has no link: none is made; the one it had opens nothing.
TEST_F(FamilyLinkApiTest, AClosedCaseGetsNoLink) {
  conn_.command({"HSET", store::case_key(case_), "state", "closed", "phase", "closed"});
  const auto before = snapshot();
  const auto r = call("POST", "tl-g");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(code(r), "case_closed");
  EXPECT_EQ(snapshot(), before);
}

}  // namespace
}  // namespace piket::cases
