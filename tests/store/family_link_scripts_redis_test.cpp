// The family's contact link (issue 18) against a real redis-server (label
// redis), each script as the Redis user of the service that runs it: making
// and revoking a case's link (cases_family_link_create.lua and
// cases_family_link_revoke.lua, as "cases"; piket-web runs the same code) and
// a message posted by the link (web_family_form_post.lua, as "web"), stored as
// a family's SMS is, through lib/family_message_add.lua.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "piket/common/crypto.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "scripts_fixture.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;
using common::RedisScript;
using Kind = FamilyMessageReply::Kind;

constexpr std::int64_t kNow = 1'800'000'000'000;  // domain ms
const std::string kCase = "C12345678";

class FamilyLinkScriptsTest : public test::ScriptsFixture<FamilyLinkScriptsTest> {
 public:
  static constexpr const char* kServer = "piket-family-link-scripts";

 protected:
  void SetUp() override {
    ScriptsFixture::SetUp();
    ops_.command(
        {"HSET", case_key(kCase), "state", "open", "region", "groningen", "casemanager", "anna"});
  }
  // Makes a link for `secret` (the caller's random part) as piket-cases does.
  std::vector<std::string> create(const std::string& secret, const std::string& c = kCase) {
    static const RedisScript script{std::string(lua::cases_family_link_create())};
    const auto hash = common::sha256_hex(secret);
    return cases_
        .eval(script, {case_key(c), case_family_link_key(c), family_link_key(hash)},
              {c, hash, hash.substr(0, 12), std::to_string(kNow), "anna"})
        .element_strings();
  }
  std::string revoke(const std::string& c = kCase) {
    static const RedisScript script{std::string(lua::cases_family_link_revoke())};
    return cases_.eval(script, {case_family_link_key(c)}, {c, std::to_string(kNow + 5), "gerrit"})
        .str;
  }
  FamilyMessageReply post(const std::string& secret, const std::string& text, bool urgent = false,
                          std::int64_t at = kNow + 1000) {
    static const RedisScript script{std::string(lua::web_family_form_post())};
    FamilyMessageArgs a;
    a.phone_hash = common::sha256_hex(secret);
    a.now_ms = at;
    a.text = text;
    a.urgent = urgent;
    a.rate_max = 3;
    a.case_max = 4;
    a.via = "link";
    const auto r = FamilyMessageReply::parse(web_.eval(script, {}, a.args()).element_strings());
    if (!r) throw std::runtime_error("unexpected reply");
    return *r;
  }
  std::vector<std::string> keys() {
    auto k = ops_.command({"KEYS", "*"}).element_strings();
    std::sort(k.begin(), k.end());
    return k;
  }

  RedisConnection cases_{redis_->config_as("cases")};
  RedisConnection web_{redis_->config_as("web")};
};

const std::string kSecret = "ABCDEFGHJKMNPQRSTVWXYZ0123";
const std::string kOther = "0123456789ABCDEFGHJKMNPQRS";

// Redis keeps the hash, never the secret; the case names its one link.
TEST_F(FamilyLinkScriptsTest, ALinkIsKeptByItsHashOnly) {
  EXPECT_EQ(create(kSecret), (std::vector<std::string>{"created", ""}));
  const auto hash = common::sha256_hex(kSecret);
  EXPECT_EQ(hget(family_link_key(hash), "case"), kCase);
  EXPECT_EQ(hget(case_family_link_key(kCase), "hash"), hash);
  EXPECT_EQ(hget(case_family_link_key(kCase), "id"), hash.substr(0, 12));
  for (const auto& k : keys()) EXPECT_EQ(k.find(kSecret), std::string::npos) << k;
  for (const auto& k : keys()) {
    if (ops_.command({"TYPE", k}).str != "hash") continue;
    for (const auto& v : ops_.command({"HGETALL", k}).element_strings()) {
      EXPECT_EQ(v.find(kSecret), std::string::npos) << k;
    }
  }
  const auto t = timeline();
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.back().at("type").as_string(), "family_link_created");
  EXPECT_EQ(t.back().at("by").as_string(), "anna");
}

// One live link per case: a new one deletes the old one, which then opens nothing.
TEST_F(FamilyLinkScriptsTest, ANewLinkRevokesTheOldOne) {
  create(kSecret);
  const auto r = create(kOther);
  EXPECT_EQ(r.at(0), "created");
  EXPECT_EQ(r.at(1), common::sha256_hex(kSecret).substr(0, 12));
  EXPECT_FALSE(exists(family_link_key(common::sha256_hex(kSecret))));
  EXPECT_EQ(post(kSecret, "hallo").kind, Kind::unknown);
  EXPECT_EQ(post(kOther, "hallo").kind, Kind::stored);
}

TEST_F(FamilyLinkScriptsTest, NoLinkForAMissingOrClosedCase) {
  EXPECT_EQ(create(kSecret, "C99999999"), (std::vector<std::string>{"missing"}));
  ops_.command({"HSET", case_key(kCase), "state", "closed"});
  EXPECT_EQ(create(kSecret), (std::vector<std::string>{"closed"}));
  EXPECT_FALSE(exists(case_family_link_key(kCase)));
}

// A message by the link is stored as a family's SMS is: the text only in
// case:{id}:family, the timeline entry without it, its routing started.
TEST_F(FamilyLinkScriptsTest, AMessageByTheLinkIsStoredAsAFamilysSms) {
  create(kSecret);
  const auto r = post(kSecret, "Bel mij terug aub", true);
  ASSERT_EQ(r.kind, Kind::stored);
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_EQ(r.stored[0].case_id, kCase);
  EXPECT_EQ(r.stored[0].message_id, "F1");
  EXPECT_EQ(r.stored[0].from, "family");
  EXPECT_TRUE(r.stored[0].own);
  const auto m = boost::json::parse(hget(case_family_key(kCase), "F1")).as_object();
  EXPECT_EQ(m.at("text").as_string(), "Bel mij terug aub");
  EXPECT_EQ(m.at("via").as_string(), "link");
  EXPECT_EQ(m.at("from").as_string(), "family");
  EXPECT_TRUE(m.at("urgent").as_bool());
  const auto t = timeline();
  ASSERT_FALSE(t.empty());
  const auto& e = t.back();
  EXPECT_EQ(e.at("type").as_string(), "family_message");
  EXPECT_EQ(e.at("via").as_string(), "link");
  EXPECT_EQ(boost::json::serialize(e).find("Bel mij"), std::string::npos);
  EXPECT_EQ(zscore(kFamilyDue, kCase + "|F1"), std::to_string(kNow + 1000));
  // The family router is woken at once, as for an SMS (the escalation outbox).
  EXPECT_EQ(zscore(outbox_due_key("escalation"), "family:" + kCase + ":F1"), "0");
  EXPECT_EQ(hget(outbox_data_key("escalation"), "family:" + kCase + ":F1"),
            R"({"reason":"family"})");
}

// The casemanager absent: the family hears of the casemanager on duty.
TEST_F(FamilyLinkScriptsTest, AnAbsentCasemanagerIsNotOwn) {
  create(kSecret);
  ops_.command({"HSET", person_absence_key("anna"), "since", std::to_string(kNow)});
  EXPECT_FALSE(post(kSecret, "hallo").stored.at(0).own);
}

// Revoked, unknown, or its case closed: nothing is stored or counted; a dead
// link is deleted on first use.
TEST_F(FamilyLinkScriptsTest, ARevokedUnknownOrClosedLinkStoresNothing) {
  create(kSecret);
  EXPECT_EQ(revoke(), common::sha256_hex(kSecret).substr(0, 12));
  EXPECT_EQ(timeline().back().at("type").as_string(), "family_link_revoked");
  EXPECT_EQ(revoke(), "");  // nothing left to revoke
  const auto before = keys();
  EXPECT_EQ(post(kSecret, "hallo").kind, Kind::unknown);
  EXPECT_EQ(post(kOther, "hallo").kind, Kind::unknown);
  EXPECT_EQ(keys(), before);
  create(kOther);
  ops_.command({"HSET", case_key(kCase), "state", "closed"});
  EXPECT_EQ(post(kOther, "hallo").kind, Kind::unknown);
  EXPECT_FALSE(exists(family_link_key(common::sha256_hex(kOther))));
  EXPECT_FALSE(exists(case_family_link_key(kCase)));
  EXPECT_FALSE(exists(case_family_key(kCase)));
}

// Per link: rate_max messages per window (the counter expires); per case:
// case_max messages.
TEST_F(FamilyLinkScriptsTest, TheRatePerLinkIsBounded) {
  create(kSecret);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post(kSecret, "m").kind, Kind::stored);
  EXPECT_EQ(post(kSecret, "m").kind, Kind::limited);
  const auto rate = family_link_rate_key(common::sha256_hex(kSecret));
  EXPECT_GT(ops_.command({"PTTL", rate}).integer, 0);
  EXPECT_EQ(hget(case_family_key(kCase), "seq"), "3");
}

}  // namespace
}  // namespace piket::store
