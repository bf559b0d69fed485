// The acceptance script against a real, private redis-server (label redis),
// for what depends on stored state (issue 11, items 2 and 6):
//  - the home ban is one thing per case: a `home_ban_extended` that would
//    make it last more than 28 days from its FIRST start is refused (422
//    home_ban.ends_at), as is one without a ban in force (422 kind) — and a
//    refused incident stores nothing and leaves its reference free, while a
//    retry of an accepted extension is still 200;
//  - a family that returns after its case closed gets a new case linked to
//    the earlier one (household_link_days), not a stranger's case.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <string>

#include "piket/common/crypto.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/canonical_json.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/ingest_wiring.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/ingest/validation.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "private_redis.hpp"

namespace piket::ingest {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const RegionSet kRegions{"groningen"};
const common::Instant kAcceptedAt = *common::parse_rfc3339("2026-11-22T13:05:00Z");
const common::Instant kTransportNow = *common::parse_rfc3339("2031-01-01T00:00:00Z");
constexpr auto kDay = std::chrono::hours{24};

// A private redis-server with piket's ACL: the store runs as Redis user "ingest",
// the test's own reads as "ops".
using ::piket::test::PrivateRedis;

json::object incident(const std::string& reference, const std::string& kind,
                      const std::string& household, const std::string& starts = {},
                      const std::string& ends = {}) {
  json::object o{{"reference", reference},
                 {"kind", kind},
                 {"region", "groningen"},
                 {"reported_at", "2026-11-22T14:03:00+01:00"},
                 {"household", household}};
  if (!starts.empty()) o["home_ban"] = json::object{{"starts_at", starts}, {"ends_at", ends}};
  return o;
}

struct Prepared {
  IncidentRequest request;
  std::string body_hash;
};

Prepared prepare(const json::object& body) {
  const json::value v = body;
  auto validated = validate_parsed_incident(v, kRegions);
  if (auto* e = std::get_if<common::ApiRefusal>(&validated))
    throw std::runtime_error("test body invalid: " + e->field);
  return {std::get<IncidentRequest>(std::move(validated)), common::sha256_hex(canonical_json(v))};
}

class BanAndFamilyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new PrivateRedis("piket-ban-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  BanAndFamilyTest() { conn_.command({"FLUSHALL"}); }

  StoreOutcome post(const json::object& body, common::Instant at = kAcceptedAt,
                    RedisIncidentStore* store = nullptr) {
    const auto p = prepare(body);
    NewIncident n;
    n.partner = "police";
    n.request = &p.request;
    n.body_hash = p.body_hash;
    n.accepted_at = at;
    n.transport_now = kTransportNow;
    return (store ? *store : store_).store(n);
  }
  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  long long count(std::initializer_list<std::string_view> cmd) {
    return conn_.command(cmd).integer;
  }
  long long keys(const std::string& pattern) {
    return static_cast<long long>(conn_.command({"KEYS", pattern}).elements.size());
  }
  // Everything a refused incident must leave as it was.
  std::vector<std::string> snapshot(const std::string& case_id) {
    std::vector<std::string> out;
    for (const auto& k : conn_.command({"KEYS", "*"}).elements) out.push_back(k.str);
    std::sort(out.begin(), out.end());
    std::vector<std::string> fields;  // sorted: the order on the wire may change
    const auto h = conn_.command({"HGETALL", store::case_key(case_id)});
    for (std::size_t i = 0; i + 1 < h.elements.size(); i += 2)
      fields.push_back(h.elements[i].str + "=" + h.elements[i + 1].str);
    std::sort(fields.begin(), fields.end());
    out.insert(out.end(), fields.begin(), fields.end());
    for (const auto& list : {store::case_incidents_key(case_id), store::case_timeline_key(case_id),
                             store::case_ban_key(case_id)})
      for (const auto& e : conn_.command({"LRANGE", list, "0", "-1"}).elements)
        out.push_back(e.str);
    for (const auto& e :
         conn_.command({"ZRANGE", store::outbox_due_key("dispatch"), "0", "-1"}).elements)
      out.push_back(e.str);
    for (const auto& e :
         conn_.command({"ZRANGE", store::kDeadlinesDue, "0", "-1", "WITHSCORES"}).elements)
      out.push_back(e.str);
    return out;
  }

  static inline PrivateRedis* redis_ = nullptr;
  common::RedisConnection conn_{redis_->config()};
  RedisIncidentStore store_{redis_->config_as("ingest"), 2000ms, nullptr};
};

const std::string kStart = "2026-11-22T13:40:00+01:00";
const std::string kEnd10 = "2026-12-02T13:40:00+01:00";

TEST_F(BanAndFamilyTest, TheBanIsOneThingPerCaseWithItsFirstStartCurrentEndAndHistory) {
  const auto ban = post(incident("PNN-1", "home_ban", "hh-1", kStart, kEnd10));
  ASSERT_EQ(ban.kind, StoreOutcome::Kind::created);
  const auto c = store::case_key(ban.case_id);
  const auto start_ms = std::to_string(common::to_epoch_ms(*common::parse_rfc3339(kStart)));
  EXPECT_EQ(hget(c, "ban_first_start"), start_ms);
  EXPECT_EQ(hget(c, "ban_end"),
            std::to_string(common::to_epoch_ms(*common::parse_rfc3339(kEnd10))));
  EXPECT_EQ(hget(c, "ban_state"), "in_force");
  EXPECT_EQ(hget(c, "ban_first_offset"), "60");
  // Extended by the mayor to 24 days: the end moves, the first start stays.
  const auto ext =
      post(incident("PNN-2", "home_ban_extended", "hh-1", kEnd10, "2026-12-16T13:40:00+01:00"),
           kAcceptedAt + 7 * kDay);
  ASSERT_EQ(ext.kind, StoreOutcome::Kind::created);
  EXPECT_EQ(ext.case_id, ban.case_id);
  EXPECT_EQ(hget(c, "ban_first_start"), start_ms);
  EXPECT_EQ(
      hget(c, "ban_end"),
      std::to_string(common::to_epoch_ms(*common::parse_rfc3339("2026-12-16T13:40:00+01:00"))));
  // Lifted: the ban ends.
  const auto lifted = post(incident("PNN-3", "home_ban_lifted", "hh-1"), kAcceptedAt + 8 * kDay);
  ASSERT_EQ(lifted.kind, StoreOutcome::Kind::created);
  EXPECT_EQ(hget(c, "ban_state"), "lifted");
  const auto history = conn_.command({"LRANGE", store::case_ban_key(ban.case_id), "0", "-1"});
  ASSERT_EQ(history.elements.size(), 3u);
  EXPECT_EQ(json::parse(history.elements[1].str).at("kind").as_string(), "home_ban_extended");
  EXPECT_EQ(json::parse(history.elements[2].str).at("state").as_string(), "lifted");
  EXPECT_EQ(json::parse(history.elements[0].str).at("incident").as_string(), ban.incident_id);
}

TEST_F(BanAndFamilyTest, AnExtensionToThirtyDaysIsRefusedNamingTheFieldAndStoresNothing) {
  const auto ban = post(incident("PNN-1", "home_ban", "hh-1", kStart, kEnd10));
  ASSERT_EQ(ban.kind, StoreOutcome::Kind::created);
  const auto before = snapshot(ban.case_id);
  // The extension on its own is 20 days (valid by itself); from the ban's
  // first start it makes 30.
  const auto refused =
      post(incident("PNN-ext", "home_ban_extended", "hh-1", kEnd10, "2026-12-22T13:40:00+01:00"),
           kAcceptedAt + 8 * kDay);
  EXPECT_EQ(refused.kind, StoreOutcome::Kind::refused);
  EXPECT_EQ(refused.refusal_code, "ban_total_too_long");
  EXPECT_EQ(refused.refusal_field, "home_ban.ends_at");
  ASSERT_TRUE(refused.ban_first_start);
  EXPECT_EQ(*refused.ban_first_start, *common::parse_rfc3339(kStart));
  EXPECT_TRUE(refused.incident_id.empty());
  EXPECT_EQ(snapshot(ban.case_id), before) << "nothing stored, nothing enqueued";
  EXPECT_TRUE(conn_.command({"GET", store::idempotency_key("police", "PNN-ext")}).is_nil());
  EXPECT_EQ(keys(store::incident_key("*")), 1);
  // Exactly 28 days from the first start is allowed — under the same,
  // unused, reference.
  const auto ok =
      post(incident("PNN-ext", "home_ban_extended", "hh-1", kEnd10, "2026-12-20T13:40:00+01:00"),
           kAcceptedAt + 8 * kDay);
  EXPECT_EQ(ok.kind, StoreOutcome::Kind::created);
  // And one minute more is not.
  const auto over =
      post(incident("PNN-ext-2", "home_ban_extended", "hh-1", kEnd10, "2026-12-20T13:41:00+01:00"),
           kAcceptedAt + 9 * kDay);
  EXPECT_EQ(over.kind, StoreOutcome::Kind::refused);
}

TEST_F(BanAndFamilyTest, ARestatedBanMayNotGrowPast28DaysEither) {
  ASSERT_EQ(post(incident("PNN-1", "home_ban", "hh-1", kStart, kEnd10)).kind,
            StoreOutcome::Kind::created);
  // Reported again while in force, with a start inside the ban: the same ban.
  const auto again = post(incident("PNN-2", "home_ban", "hh-1", "2026-11-30T13:40:00+01:00",
                                   "2026-12-21T13:40:00+01:00"));
  EXPECT_EQ(again.kind, StoreOutcome::Kind::refused);
  EXPECT_EQ(again.refusal_field, "home_ban.ends_at");
  // A new ban after the first one ended starts its own 28 days.
  const auto next = post(incident("PNN-3", "home_ban", "hh-1", "2026-12-10T13:40:00+01:00",
                                  "2027-01-07T13:40:00+01:00"),
                         kAcceptedAt + 18 * kDay);
  EXPECT_EQ(next.kind, StoreOutcome::Kind::created);
}

TEST_F(BanAndFamilyTest, AnExtensionWithoutABanInForceIsRefusedOnKind) {
  const auto before = snapshot("none");
  // A household without any case: no case is opened.
  const auto first =
      post(incident("PNN-x", "home_ban_extended", "hh-new", kStart, "2026-12-06T13:40:00+01:00"));
  EXPECT_EQ(first.kind, StoreOutcome::Kind::refused);
  EXPECT_EQ(first.refusal_code, "no_ban_in_force");
  EXPECT_EQ(first.refusal_field, "kind");
  EXPECT_EQ(snapshot("none"), before);
  EXPECT_EQ(keys(store::case_key("*")), 0);
  // A case with a code red and no ban.
  const auto red = post(incident("PNN-r", "code_red", "hh-red"));
  ASSERT_EQ(red.kind, StoreOutcome::Kind::created);
  EXPECT_EQ(post(incident("PNN-r2", "home_ban_extended", "hh-red", kStart, kEnd10)).refusal_code,
            "no_ban_in_force");
  // A lifted ban cannot be extended.
  ASSERT_EQ(post(incident("PNN-b", "home_ban", "hh-b", kStart, kEnd10)).kind,
            StoreOutcome::Kind::created);
  ASSERT_EQ(post(incident("PNN-l", "home_ban_lifted", "hh-b")).kind, StoreOutcome::Kind::created);
  EXPECT_EQ(
      post(incident("PNN-b2", "home_ban_extended", "hh-b", kEnd10, "2026-12-10T13:40:00+01:00"))
          .refusal_code,
      "no_ban_in_force");
  // Nor can a ban whose end lies before the extension's start.
  ASSERT_EQ(post(incident("PNN-c", "home_ban", "hh-c", kStart, kEnd10)).kind,
            StoreOutcome::Kind::created);
  EXPECT_EQ(post(incident("PNN-c2", "home_ban_extended", "hh-c", "2026-12-03T13:40:00+01:00",
                          "2026-12-10T13:40:00+01:00"))
                .refusal_code,
            "no_ban_in_force");
}

TEST_F(BanAndFamilyTest, ABanAcrossTheEndOfDaylightSavingTimeMayLast28WallClockDays) {
  // 2026-10-25 03:00 CEST → 02:00 CET. 28 days on the wall clock are 28 d + 1 h.
  ASSERT_EQ(post(incident("PNN-d", "home_ban", "hh-d", "2026-10-10T10:00:00+02:00",
                          "2026-10-20T10:00:00+02:00"))
                .kind,
            StoreOutcome::Kind::created);
  EXPECT_EQ(post(incident("PNN-d2", "home_ban_extended", "hh-d", "2026-10-20T10:00:00+02:00",
                          "2026-11-07T10:00:00+01:00"))
                .kind,
            StoreOutcome::Kind::created);
  EXPECT_EQ(post(incident("PNN-d3", "home_ban_extended", "hh-d", "2026-10-20T10:00:00+02:00",
                          "2026-11-07T10:01:00+01:00"))
                .kind,
            StoreOutcome::Kind::refused);
}

TEST_F(BanAndFamilyTest, TheApiAnswers422ForARefusedExtensionAnd200ForARetryOfAnAcceptedOne) {
  const std::string token = "police-token";
  const auto config = config::parse_config(
      "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n[[regions]]\nid = \"groningen\"\n"
      "[[partners]]\nid = \"police\"\ntoken_sha256 = \"" +
          common::sha256_hex(token) + "\"\nregions = [\"groningen\"]\n",
      "ban-test.toml");
  common::SimulatedClock domain(kAcceptedAt), transport(kTransportNow);
  common::Metrics metrics("ingest");
  IngestApi api(ingest_deps(config, domain, transport, store_, metrics));
  auto request = [&](const json::object& body) {
    common::HttpRequest r;
    r.method = "POST";
    r.path = r.target = "/v1/incidents";
    r.headers = {{"authorization", "Bearer " + token}, {"content-type", "application/json"}};
    r.body = json::serialize(body);
    return api.handle(r);
  };
  ASSERT_EQ(request(incident("PNN-1", "home_ban", "hh-api", kStart, kEnd10)).status, 201);
  domain.advance(8 * kDay);
  const auto accepted = request(
      incident("PNN-2", "home_ban_extended", "hh-api", kEnd10, "2026-12-16T13:40:00+01:00"));
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  // The partner's retry of the accepted extension: the first answer again.
  const auto retry = request(
      incident("PNN-2", "home_ban_extended", "hh-api", kEnd10, "2026-12-16T13:40:00+01:00"));
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.body, accepted.body);
  // Thirty days: refused, the field named, no person data echoed.
  const auto refused = request(incident("PNN-3", "home_ban_extended", "hh-api",
                                        "2026-12-16T13:40:00+01:00", "2026-12-22T13:40:00+01:00"));
  ASSERT_EQ(refused.status, 422) << refused.body;
  const auto e = json::parse(refused.body).at("error");
  EXPECT_EQ(e.at("code").as_string(), "ban_total_too_long");
  EXPECT_EQ(e.at("field").as_string(), "home_ban.ends_at");
  EXPECT_NE(std::string(e.at("message").as_string()).find("2026-11-22T12:40:00"), std::string::npos)
      << "the message names the ban's first start";
  EXPECT_EQ(refused.body.find("hh-api"), std::string::npos);
  // And again: still 422 (nothing was stored under the reference).
  EXPECT_EQ(request(incident("PNN-3", "home_ban_extended", "hh-api", "2026-12-16T13:40:00+01:00",
                             "2026-12-22T13:40:00+01:00"))
                .status,
            422);
  const auto none = request(incident("PNN-4", "home_ban_extended", "hh-nobody", kStart, kEnd10));
  ASSERT_EQ(none.status, 422);
  EXPECT_EQ(json::parse(none.body).at("error").at("field").as_string(), "kind");
  EXPECT_EQ(json::parse(none.body).at("error").at("code").as_string(), "no_ban_in_force");
}

// What closing (piket-cases) writes, as far as the acceptance script reads it.
void close_case(common::RedisConnection& c, const std::string& id, common::Instant at) {
  c.command({"HSET", store::case_key(id), "state", "closed", "phase", "closed", "closed_at",
             std::to_string(common::to_epoch_ms(at))});
  c.command({"SREM", store::kCasesOpen, id});
}

TEST_F(BanAndFamilyTest, AFamilyReturningAfterClosingGetsANewCaseLinkedToTheEarlierOnes) {
  const auto first = post(incident("PNN-1", "code_red", "hh-fam"));
  ASSERT_EQ(first.kind, StoreOutcome::Kind::created);
  conn_.command({"HSET", store::case_key(first.case_id), "casemanager", "icm-3"});
  const auto closed_at = kAcceptedAt + 370 * kDay;
  close_case(conn_, first.case_id, closed_at);
  // Five months later the family is back.
  const auto back =
      post(incident("PNN-2", "home_ban", "hh-fam", kStart, kEnd10), closed_at + 150 * kDay);
  ASSERT_EQ(back.kind, StoreOutcome::Kind::created);
  EXPECT_NE(back.case_id, first.case_id) << "a new case, not the closed one";
  const auto c = store::case_key(back.case_id);
  EXPECT_EQ(hget(c, "previous_case"), first.case_id);
  EXPECT_EQ(hget(c, "previous_cases"), first.case_id);
  EXPECT_EQ(hget(c, "previous_casemanager"), "icm-3");
  EXPECT_EQ(hget(c, "returned_after_ms"),
            std::to_string(std::chrono::duration_cast<common::Millis>(150 * kDay).count()));
  EXPECT_EQ(hget(store::case_key(first.case_id), "next_case"), back.case_id);
  EXPECT_EQ(conn_.command({"GET", store::household_key("police", "hh-fam")}).str, back.case_id);
  EXPECT_EQ(count({"ZCOUNT", store::returns_key("groningen"), "-inf", "+inf"}), 1)
      << "back within a year of closing: counted on the board";
  EXPECT_EQ(hget(store::incident_key(back.incident_id), "new_case"), "1");
  EXPECT_EQ(hget(store::incident_key(back.incident_id), "household"), "hh-fam");
  const auto entry =
      json::parse(conn_.command({"LINDEX", store::case_timeline_key(back.case_id), "0"}).str)
          .as_object();
  EXPECT_EQ(entry.at("previous_case").as_string(), first.case_id);
  // The next incident joins the new, open case.
  const auto more = post(incident("PNN-3", "ban_violation", "hh-fam"), closed_at + 151 * kDay);
  EXPECT_EQ(more.case_id, back.case_id);
  // Closed again (early, by a team lead) and back once more after 400 days:
  // the chain grows, but this return is not within a year.
  close_case(conn_, back.case_id, closed_at + 160 * kDay);
  const auto third = post(incident("PNN-4", "code_red", "hh-fam"), closed_at + 560 * kDay);
  EXPECT_EQ(hget(store::case_key(third.case_id), "previous_cases"),
            back.case_id + " " + first.case_id);
  EXPECT_TRUE(
      conn_.command({"HGET", store::case_key(third.case_id), "previous_casemanager"}).is_nil())
      << "the second case never had a casemanager";
  EXPECT_EQ(count({"ZCOUNT", store::returns_key("groningen"), "-inf", "+inf"}), 1);
}

TEST_F(BanAndFamilyTest, AfterTheLinkHasRunOutTheFamilyIsNotLinked) {
  RedisIncidentStore short_link{redis_->config_as("ingest"), 2000ms, nullptr, 30 * kDay};
  const auto first = post(incident("PNN-1", "code_red", "hh-old"), kAcceptedAt, &short_link);
  close_case(conn_, first.case_id, kAcceptedAt + 10 * kDay);
  const auto late =
      post(incident("PNN-2", "code_red", "hh-old"), kAcceptedAt + 41 * kDay, &short_link);
  ASSERT_EQ(late.kind, StoreOutcome::Kind::created);
  EXPECT_NE(late.case_id, first.case_id);
  EXPECT_TRUE(conn_.command({"HGET", store::case_key(late.case_id), "previous_case"}).is_nil());
  // household_link_days = 0: never linked.
  RedisIncidentStore no_link{redis_->config_as("ingest"), 2000ms, nullptr, common::Millis{0}};
  close_case(conn_, late.case_id, kAcceptedAt + 42 * kDay);
  const auto again =
      post(incident("PNN-3", "code_red", "hh-old"), kAcceptedAt + 42 * kDay + 1min, &no_link);
  EXPECT_NE(again.case_id, late.case_id);
  EXPECT_TRUE(conn_.command({"HGET", store::case_key(again.case_id), "previous_case"}).is_nil());
}

TEST_F(BanAndFamilyTest, AnIncidentForAHouseholdWhoseCaseWasJoinedGoesToTheSurvivor) {
  // What a join writes (cases::CaseFamilies): the absorbed case merged.
  const auto a = post(incident("PNN-a", "code_red", "hh-a"));
  const auto s = post(incident("PNN-s", "code_red", "hh-s"));
  conn_.command({"HSET", store::case_key(a.case_id), "state", "merged", "merged_into", s.case_id});
  const auto next = post(incident("PNN-a2", "ban_violation", "hh-a"));
  EXPECT_EQ(next.case_id, s.case_id);
}

}  // namespace
}  // namespace piket::ingest
