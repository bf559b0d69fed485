// The shared Lua functions (store/lua/lib/*.lua) run directly against a real redis-server
// (label redis). A lib file defines functions that other scripts include at build time; each
// test evaluates the file's text plus a one-line call, as the Redis user of a service whose
// scripts include it, and checks what the function wrote and returned.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::store {
namespace {

namespace json = boost::json;
using common::RedisConnection;
using common::RedisScript;

constexpr std::int64_t kNow = 1'800'000'000'000;  // domain ms
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

// A lib file's text and one call after it.
RedisScript with_call(std::string_view lib, std::string_view call) {
  return RedisScript{std::string(lib) + "\n" + std::string(call) + "\n"};
}

class LibScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-lib-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  std::string hget(const std::string& key, const std::string& field) {
    return ops_.command({"HGET", key, field}).str;
  }
  bool exists(const std::string& key) { return ops_.command({"EXISTS", key}).integer == 1; }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
};
test::PrivateRedis* LibScriptsTest::redis_ = nullptr;

// ---- lib/outbox_add.lua: a message in a receiver's outbox (ingest -> dispatch).
TEST_F(LibScriptsTest, OutboxAddPutsTheMessageInTheReceiversOutboxAndAReAddReplacesIt) {
  const auto add =
      with_call(lua::outbox_add(), "piket_outbox_add(ARGV[1], ARGV[2], ARGV[3], ARGV[4]) return 1");
  RedisConnection ingest{redis_->config_as("ingest")};
  ingest.eval(add, {}, {"dispatch", "I1", R"({"incident_id":"I1"})", "5000"});
  ingest.eval(add, {}, {"dispatch", "I2", "p2", "4000"});
  EXPECT_EQ(ops_.command({"ZRANGE", outbox_due_key("dispatch"), "0", "-1", "WITHSCORES"})
                .element_strings(),
            (std::vector<std::string>{"I2", "4000", "I1", "5000"}));
  EXPECT_EQ(hget(outbox_data_key("dispatch"), "I1"), R"({"incident_id":"I1"})");
  ingest.eval(add, {}, {"dispatch", "I1", "again", "6000"});
  EXPECT_EQ(ops_.command({"ZSCORE", outbox_due_key("dispatch"), "I1"}).str, "6000");
  EXPECT_EQ(hget(outbox_data_key("dispatch"), "I1"), "again");
  EXPECT_FALSE(exists(outbox_due_key("notify")));
}

// ---- lib/deadline_resync.lua: the case's resync timer, only ever moved earlier.
TEST_F(LibScriptsTest, DeadlineResyncAddsTheCasesResyncTimerAndOnlyMovesItEarlier) {
  const auto resync =
      with_call(lua::deadline_resync(), "piket_deadline_resync(ARGV[1], ARGV[2]) return 1");
  RedisConnection ingest{redis_->config_as("ingest")};
  ingest.eval(resync, {}, {"C1", "5000"});
  EXPECT_EQ(ops_.command({"ZSCORE", kDeadlinesDue, "C1|resync"}).str, "5000");
  ingest.eval(resync, {}, {"C1", "9000"});  // later: unchanged
  EXPECT_EQ(ops_.command({"ZSCORE", kDeadlinesDue, "C1|resync"}).str, "5000");
  ingest.eval(resync, {}, {"C1", "3000"});  // earlier: moved
  EXPECT_EQ(ops_.command({"ZSCORE", kDeadlinesDue, "C1|resync"}).str, "3000");
  EXPECT_EQ(ops_.command({"ZCARD", kDeadlinesDue}).integer, 1);
}

// ---- lib/paging_page_create.lua: a page, its reply code and its notify message (dispatch, cases).
TEST_F(LibScriptsTest, CreatePageWritesThePageItsReplyCodeAndTheNotifyOutbox) {
  const auto create =
      with_call(lua::paging_page_create(), "return piket_create_page(cjson.decode(ARGV[1]))");
  const json::object p{{"id", "P1"},
                       {"person", "anna"},
                       {"ack_code", "123456"},
                       {"to", "+4470001"},
                       {"text", "the text"},
                       {"incident", "I1"},
                       {"case", "C1"},
                       {"rule", "on_call"},
                       {"now", std::to_string(kNow)},
                       {"due", "7000"},
                       {"code_ttl", "600000"},
                       {"step", "I1:0.0"},
                       {"brief", "CODE RED C1"},
                       {"rank", "10"}};
  for (const char* user : {"dispatch", "cases"}) {
    SCOPED_TRACE(user);
    ops_.command({"FLUSHALL"});
    RedisConnection producer{redis_->config_as(user)};
    const auto payload = producer.eval(create, {}, {json::serialize(p)}).str;
    // The rank, so that notify's receiver takes the most urgent first; whose page it is,
    // when it was made and whether it is information, so that notify plans it without
    // reading it first (notify/page_message.hpp).
    EXPECT_EQ(json::parse(payload), (json::value{{"page_id", "P1"},
                                                 {"rank", 10},
                                                 {"person", "anna"},
                                                 {"created_at", kNow},
                                                 {"info", 0}}));
    const auto page = page_key("P1");
    for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
             {"incident", "I1"},
             {"case", "C1"},
             {"person", "anna"},
             {"to", "+4470001"},
             {"text", "the text"},
             {"rule", "on_call"},
             {"state", "queued"},
             {"created_at", std::to_string(kNow)},
             {"channel", "sms"},
             {"attempts", "0"},
             {"ack_code", "123456"},
             {"code_until", std::to_string(kNow + 600000)},
             {"step", "I1:0.0"},
             {"brief", "CODE RED C1"},
             {"rank", "10"}})
      EXPECT_EQ(hget(page, field), value) << field;
    EXPECT_TRUE(ops_.command({"HGET", page, "info"}).is_nil()) << "it asks for an answer";
    const auto code = ackcode_key("anna", "123456");
    EXPECT_EQ(ops_.command({"GET", code}).str, "P1");
    const auto ttl = ops_.command({"PTTL", code}).integer;
    EXPECT_GT(ttl, 590000);
    EXPECT_LE(ttl, 600000);
    EXPECT_EQ(ops_.command({"ZSCORE", outbox_due_key("notify"), "P1"}).str, "7000");
    EXPECT_EQ(hget(outbox_data_key("notify"), "P1"), payload);
  }
}

TEST_F(LibScriptsTest, CreatePageWithoutAReplyCodeIsInformationAndPageTakenChecksCodeAndId) {
  RedisConnection dispatch{redis_->config_as("dispatch")};
  const auto create =
      with_call(lua::paging_page_create(), "return piket_create_page(cjson.decode(ARGV[1]))");
  const json::object p{{"id", "P2"},       {"person", "bert"},    {"ack_code", ""},
                       {"to", "+4470002"}, {"text", "fyi"},       {"incident", ""},
                       {"case", ""},       {"rule", "inform"},    {"now", std::to_string(kNow)},
                       {"due", "7000"},    {"code_ttl", "600000"}};
  const auto payload = dispatch.eval(create, {}, {json::serialize(p)}).str;
  EXPECT_EQ(hget(page_key("P2"), "info"), "1");
  EXPECT_EQ(
      json::parse(payload),
      (json::value{{"page_id", "P2"}, {"person", "bert"}, {"created_at", kNow}, {"info", 1}}));
  EXPECT_TRUE(ops_.command({"HGET", page_key("P2"), "ack_code"}).is_nil());
  EXPECT_TRUE(ops_.command({"HGET", page_key("P2"), "code_until"}).is_nil());
  EXPECT_TRUE(ops_.command({"HGET", page_key("P2"), "step"}).is_nil());
  EXPECT_TRUE(ops_.command({"HGET", page_key("P2"), "brief"}).is_nil());
  EXPECT_EQ(ops_.command({"ZCARD", outbox_due_key("notify")}).integer, 1);

  const auto taken =
      with_call(lua::paging_page_create(),
                "if piket_page_taken(ARGV[1], ARGV[2], ARGV[3]) then return 1 else return 0 end");
  ops_.command({"SET", ackcode_key("bert", "111111"), "P0"});
  EXPECT_EQ(dispatch.eval(taken, {}, {"bert", "111111", "P9"}).integer, 1) << "code in use";
  EXPECT_EQ(dispatch.eval(taken, {}, {"anna", "111111", "P9"}).integer, 0) << "another person's";
  EXPECT_EQ(dispatch.eval(taken, {}, {"bert", "222222", "P2"}).integer, 1) << "page id exists";
  EXPECT_EQ(dispatch.eval(taken, {}, {"bert", "", "P2"}).integer, 1) << "information: id only";
  EXPECT_EQ(dispatch.eval(taken, {}, {"bert", "", "P9"}).integer, 0);
}

// The page hash is written by one HSET (each command a script runs costs Redis time on
// the hot path: docs/performance.md), its fields in the order they always had.
TEST_F(LibScriptsTest, CreatePageWritesThePageHashInOneCommandInItsFieldOrder) {
  RedisConnection dispatch{redis_->config_as("dispatch")};
  const auto create =
      with_call(lua::paging_page_create(), "return piket_create_page(cjson.decode(ARGV[1]))");
  const auto hset_calls = [&] {
    const auto info = ops_.command({"INFO", "commandstats"}).str;
    const auto at = info.find("cmdstat_hset:calls=");
    return at == std::string::npos ? 0LL : std::stoll(info.substr(at + 19));
  };
  const json::object p{{"id", "P3"},          {"person", "anna"},     {"ack_code", "654321"},
                       {"to", "+4470001"},    {"text", "the text"},   {"incident", "I3"},
                       {"case", "C3"},        {"rule", "on_call"},    {"now", "1000"},
                       {"due", "7000"},       {"code_ttl", "600000"}, {"step", "I3:0.0"},
                       {"brief", "CODE RED"}, {"rank", "10"}};
  const auto before = hset_calls();
  dispatch.eval(create, {}, {json::serialize(p)});
  // The page and the notify outbox's data: two HSETs.
  EXPECT_EQ(hset_calls() - before, 2);
  EXPECT_EQ(ops_.command({"HGETALL", page_key("P3")}).element_strings(),
            (std::vector<std::string>{"incident", "I3",      "case",       "C3",       "person",
                                      "anna",     "to",      "+4470001",   "text",     "the text",
                                      "rule",     "on_call", "state",      "queued",   "created_at",
                                      "1000",     "channel", "sms",        "attempts", "0",
                                      "ack_code", "654321",  "code_until", "601000",   "step",
                                      "I3:0.0",   "brief",   "CODE RED",   "rank",     "10"}));
}

// The producer's own fields (p.more) go last in the same HSET; a taken code or id is
// found with one EXISTS for both keys.
TEST_F(LibScriptsTest, CreatePageWritesTheProducersFieldsLastInTheSameCommand) {
  RedisConnection dispatch{redis_->config_as("dispatch")};
  const auto create = with_call(lua::paging_page_create(),
                                "local p = cjson.decode(ARGV[1]) p.more = {'esc_at', '0.0'} "
                                "return piket_create_page(p)");
  const auto taken = with_call(lua::paging_page_create(),
                               "if piket_page_taken(ARGV[1], ARGV[2], ARGV[3]) then return 1 end "
                               "return 0");
  const json::object p{{"id", "P4"},       {"person", "anna"},    {"ack_code", ""},
                       {"to", "+4470001"}, {"text", "t"},         {"incident", "I4"},
                       {"case", "C4"},     {"rule", "inform"},    {"now", "1000"},
                       {"due", "7000"},    {"code_ttl", "600000"}};
  const auto hsets = test::command_calls(ops_, "hset");
  dispatch.eval(create, {}, {json::serialize(p)});
  EXPECT_EQ(test::command_calls(ops_, "hset") - hsets, 2) << "the page and the outbox's data";
  const auto h = ops_.command({"HGETALL", page_key("P4")}).element_strings();
  ASSERT_GE(h.size(), 4u);
  EXPECT_EQ(h[h.size() - 4], "info");
  EXPECT_EQ(h[h.size() - 2], "esc_at");
  EXPECT_EQ(h.back(), "0.0");
  ops_.command({"SET", ackcode_key("bert", "111111"), "P5"});
  const auto exists_calls = test::command_calls(ops_, "exists");
  EXPECT_EQ(dispatch.eval(taken, {}, {"bert", "111111", "P9"}).integer, 1) << "the code";
  EXPECT_EQ(dispatch.eval(taken, {}, {"bert", "222222", "P4"}).integer, 1) << "the page";
  EXPECT_EQ(dispatch.eval(taken, {}, {"bert", "222222", "P9"}).integer, 0);
  EXPECT_EQ(test::command_calls(ops_, "exists") - exists_calls, 3) << "one EXISTS a look";
}

// ---- lib/paging_reply_code.lua: the page's reply code goes (notify, inbound).
TEST_F(LibScriptsTest, DropReplyCodeDeletesOnlyThePagesOwnCode) {
  const auto drop = with_call(lua::paging_reply_code(), "piket_drop_reply_code(ARGV[1]) return 1");
  for (const char* user : {"notify", "inbound"}) {
    SCOPED_TRACE(user);
    ops_.command({"FLUSHALL"});
    ops_.command({"HSET", page_key("P1"), "person", "anna", "ack_code", "123456"});
    ops_.command({"HSET", page_key("P2"), "person", "anna", "info", "1"});
    ops_.command({"SET", ackcode_key("anna", "123456"), "P1"});
    ops_.command({"SET", ackcode_key("anna", "654321"), "P3"});
    RedisConnection service{redis_->config_as(user)};
    service.eval(drop, {}, {"P2"});  // no reply code: nothing to drop
    service.eval(drop, {}, {"P9"});  // no such page
    EXPECT_TRUE(exists(ackcode_key("anna", "123456")));
    service.eval(drop, {}, {"P1"});
    EXPECT_FALSE(exists(ackcode_key("anna", "123456")));
    EXPECT_TRUE(exists(ackcode_key("anna", "654321")));
    EXPECT_EQ(hget(page_key("P1"), "ack_code"), "123456") << "the page keeps its record";
  }
}

// ---- lib/ban.lua: the home ban of a case (ingest's acceptance; cases' join and split).
class BanLibTest : public LibScriptsTest {
 protected:
  // Applies incident `i` (JSON) to the ban on case:C1 and stores the result; {'ok'} or
  // {code, field} when the strict rule refuses it.
  std::vector<std::string> apply(const json::object& i, bool strict = true) {
    static const auto script = with_call(
        lua::ban(),
        "local i = cjson.decode(ARGV[1]) local b, code, field = "
        "piket_ban_apply(piket_ban_get(KEYS[1]), i, ARGV[2] == '1') if code then return {code, "
        "field} end piket_ban_put(KEYS[1], b, i, tonumber(ARGV[3])) return {'ok'}");
    return ingest_
        .eval(script, {case_key("C1")},
              {json::serialize(i), strict ? "1" : "0", std::to_string(kNow)})
        .element_strings();
  }
  static json::object ban(const std::string& id, const std::string& kind, std::int64_t starts,
                          std::int64_t ends, int starts_off = 60, int ends_off = 60) {
    return {{"id", id},
            {"kind", kind},
            {"starts", starts},
            {"ends", ends},
            {"starts_off", starts_off},
            {"ends_off", ends_off},
            {"reported", starts}};
  }
  std::vector<json::value> history() {
    std::vector<json::value> out;
    for (const auto& e : ops_.command({"LRANGE", case_ban_key("C1"), "0", "-1"}).element_strings())
      out.push_back(json::parse(e));
    return out;
  }

  RedisConnection ingest_{redis_->config_as("ingest")};
};

TEST_F(BanLibTest, ABanBeginsIsRestatedAndExtendedWithinTwentyEightDays) {
  ASSERT_EQ(apply(ban("I1", "home_ban", kNow, kNow + 10 * kDay)), std::vector<std::string>{"ok"});
  const auto c = case_key("C1");
  EXPECT_EQ(hget(c, "ban_first_start"), std::to_string(kNow));
  EXPECT_EQ(hget(c, "ban_first_offset"), "60");
  EXPECT_EQ(hget(c, "ban_end"), std::to_string(kNow + 10 * kDay));
  EXPECT_EQ(hget(c, "ban_state"), "in_force");
  EXPECT_TRUE(ops_.command({"HGET", c, "ban_lifted_at"}).is_nil());

  // A home_ban overlapping the ban in force restates it: the earlier start, the later end.
  ASSERT_EQ(apply(ban("I2", "home_ban", kNow - kDay, kNow + 5 * kDay)),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(hget(c, "ban_first_start"), std::to_string(kNow - kDay));
  EXPECT_EQ(hget(c, "ban_end"), std::to_string(kNow + 10 * kDay));
  ASSERT_EQ(apply(ban("I3", "home_ban_extended", kNow + 9 * kDay, kNow + 20 * kDay)),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(hget(c, "ban_end"), std::to_string(kNow + 20 * kDay));

  const auto h = history();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[2].at("incident").as_string(), "I3");
  EXPECT_EQ(h[2].at("kind").as_string(), "home_ban_extended");
  EXPECT_EQ(h[2].at("state").as_string(), "in_force");
  EXPECT_EQ(h[2].at("at").to_number<std::int64_t>(), kNow);
  EXPECT_EQ(h[2].at("end").to_number<std::int64_t>(), kNow + 20 * kDay);
}

TEST_F(BanLibTest, BeyondTwentyEightDaysOrWithoutABanInForceIsRefusedWhenStrict) {
  ASSERT_EQ(apply(ban("I1", "home_ban", kNow, kNow + 10 * kDay)), std::vector<std::string>{"ok"});
  const auto keys = test::all_keys(ops_);
  const auto before = history();
  EXPECT_EQ(apply(ban("I2", "home_ban_extended", kNow + 5 * kDay, kNow + 28 * kDay + 1)),
            (std::vector<std::string>{"ban_total_too_long", "home_ban.ends_at"}));
  EXPECT_EQ(hget(case_key("C1"), "ban_end"), std::to_string(kNow + 10 * kDay));
  EXPECT_EQ(history(), before);
  EXPECT_EQ(test::all_keys(ops_), keys);
  // Not strict (a join or split rebuilding the ban): taken as it is.
  EXPECT_EQ(apply(ban("I2", "home_ban_extended", kNow + 5 * kDay, kNow + 28 * kDay + 1), false),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(hget(case_key("C1"), "ban_end"), std::to_string(kNow + 28 * kDay + 1));

  ops_.command({"FLUSHALL"});
  EXPECT_EQ(apply(ban("I3", "home_ban_extended", kNow, kNow + kDay)),
            (std::vector<std::string>{"no_ban_in_force", "kind"}));
  EXPECT_FALSE(exists(case_key("C1")));
  EXPECT_FALSE(exists(case_ban_key("C1")));
}

// Across the end of daylight saving time one hour more is allowed: 28 days of wall clock.
TEST_F(BanLibTest, TwentyEightDaysOfWallClockAcrossTheEndOfSummerTimeAreAllowed) {
  ASSERT_EQ(apply(ban("I1", "home_ban", kNow, kNow + kDay, 120, 120)),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(apply(ban("I2", "home_ban_extended", kNow, kNow + 28 * kDay + kHour, 120, 60)),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(hget(case_key("C1"), "ban_end_offset"), "60");
  // The same length without the change of offset is too long.
  ops_.command({"FLUSHALL"});
  ASSERT_EQ(apply(ban("I1", "home_ban", kNow, kNow + kDay, 120, 120)),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(apply(ban("I2", "home_ban_extended", kNow, kNow + 28 * kDay + kHour, 120, 120)),
            (std::vector<std::string>{"ban_total_too_long", "home_ban.ends_at"}));
}

TEST_F(BanLibTest, ALiftingEndsTheBanWhenItIsReported) {
  ASSERT_EQ(apply(ban("I1", "home_ban", kNow, kNow + 10 * kDay)), std::vector<std::string>{"ok"});
  auto lift = ban("I2", "home_ban_lifted", 0, 0);
  lift["reported"] = kNow + 3 * kDay;
  ASSERT_EQ(apply(lift), std::vector<std::string>{"ok"});
  const auto c = case_key("C1");
  EXPECT_EQ(hget(c, "ban_state"), "lifted");
  EXPECT_EQ(hget(c, "ban_lifted_at"), std::to_string(kNow + 3 * kDay));
  EXPECT_EQ(hget(c, "ban_end"), std::to_string(kNow + 3 * kDay));
  EXPECT_EQ(history().back().at("state").as_string(), "lifted");

  // piket_ban_put(c, nil): the ban's fields go.
  const auto clear = with_call(lua::ban(), "piket_ban_put(KEYS[1], nil) return 1");
  ingest_.eval(clear, {c}, {});
  EXPECT_TRUE(ops_.command({"HGET", c, "ban_first_start"}).is_nil());
  EXPECT_TRUE(ops_.command({"HGET", c, "ban_state"}).is_nil());
  EXPECT_TRUE(ops_.command({"HGET", c, "ban_lifted_at"}).is_nil());
}

// ---- lib/cases_open.lua: the case an incident joins or opens (piket-cases' functions
// that ingest's acceptance calls).
class CasesOpenLibTest : public LibScriptsTest {
 protected:
  // {open case or '', previous case or ''} of police's household `hh` at `accepted`.
  std::vector<std::string> of_household(const std::string& hh, std::int64_t accepted,
                                        std::int64_t link = 30 * kDay) {
    static const auto script = with_call(
        lua::cases_open(),
        "local open, previous = piket_case_of_household(ARGV[1], ARGV[2], tonumber(ARGV[3]), "
        "tonumber(ARGV[4])) return {open or '', previous or ''}");
    return (ingest_.eval(script, {},
                         {"police", hh, std::to_string(accepted), std::to_string(link)}))
        .element_strings();
  }
  long long open(const json::object& c) {
    static const auto script = with_call(
        lua::cases_open(), "if piket_case_open(cjson.decode(ARGV[1])) then return 1 end return 0");
    return ingest_.eval(script, {}, {json::serialize(c)}).integer;
  }
  static json::object new_case(const std::string& id, std::int64_t accepted) {
    return {{"id", id},
            {"region", "groningen"},
            {"partner", "police"},
            {"household", "hh"},
            {"opened_at", std::to_string(accepted)},
            {"accepted", accepted}};
  }

  RedisConnection ingest_{redis_->config_as("ingest")};
};

TEST_F(CasesOpenLibTest, OpenWritesTheCaseTheHouseholdAndTheOpenSetOnceOnly) {
  EXPECT_EQ(of_household("hh", kNow), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(open(new_case("C1", kNow)), 1);
  const auto c = case_key("C1");
  EXPECT_EQ(hget(c, "region"), "groningen");
  EXPECT_EQ(hget(c, "partner"), "police");
  EXPECT_EQ(hget(c, "household"), "hh");
  EXPECT_EQ(hget(c, "opened_at"), std::to_string(kNow));
  EXPECT_EQ(hget(c, "phase"), "registered");
  EXPECT_EQ(hget(c, "state"), "open");
  EXPECT_TRUE(ops_.command({"HGET", c, "previous_case"}).is_nil());
  EXPECT_EQ(ops_.command({"GET", household_key("police", "hh")}).str, "C1");
  EXPECT_EQ(ops_.command({"SISMEMBER", kCasesOpen, "C1"}).integer, 1);
  EXPECT_EQ(of_household("hh", kNow), (std::vector<std::string>{"C1", ""}));

  // Its id taken: nothing written.
  const auto keys = test::all_keys(ops_);
  auto other = new_case("C1", kNow + 1);
  other["household"] = "hh-2";
  EXPECT_EQ(open(other), 0);
  EXPECT_EQ(test::all_keys(ops_), keys);
  EXPECT_EQ(hget(c, "opened_at"), std::to_string(kNow));
}

TEST_F(CasesOpenLibTest,
       TheHouseholdsCaseIsFollowedThroughJoinsAndAClosedOneLinksWhileTheLinkLasts) {
  ops_.command({"SET", household_key("police", "hh"), "C1"});
  ops_.command({"HSET", case_key("C1"), "state", "merged", "merged_into", "C2"});
  ops_.command({"HSET", case_key("C2"), "state", "merged", "merged_into", "C3"});
  ops_.command({"HSET", case_key("C3"), "state", "open"});
  EXPECT_EQ(of_household("hh", kNow), (std::vector<std::string>{"C3", ""}));

  ops_.command({"HSET", case_key("C3"), "state", "closed", "closed_at", std::to_string(kNow)});
  EXPECT_EQ(of_household("hh", kNow + 30 * kDay), (std::vector<std::string>{"", "C3"}));
  EXPECT_EQ(of_household("hh", kNow + 30 * kDay + 1), (std::vector<std::string>{"", ""}));
}

// The open case's other fields the caller names come with its state, in the same HMGET.
TEST_F(CasesOpenLibTest, TheHouseholdsOpenCaseComesWithTheFieldsTheCallerNames) {
  static const auto script = with_call(
      lua::cases_open(),
      "local open, previous, v = piket_case_of_household(ARGV[1], ARGV[2], tonumber(ARGV[3]), "
      "30 * 86400000, {'ban_end', 'ban_state'}) "
      "return {open or '', previous or '', v and (v[1] or '-') or 'none', v and (v[2] or '-') "
      "or 'none'}");
  ops_.command({"SET", household_key("police", "hh"), "C1"});
  ops_.command({"HSET", case_key("C1"), "state", "merged", "merged_into", "C2"});
  ops_.command({"HSET", case_key("C2"), "state", "open", "ban_end", "500"});
  const auto hmgets = test::command_calls(ops_, "hmget");
  EXPECT_EQ(ingest_.eval(script, {}, {"police", "hh", std::to_string(kNow)}).element_strings(),
            (std::vector<std::string>{"C2", "", "500", "-"}))
      << "the open case's, followed through the join";
  EXPECT_EQ(test::command_calls(ops_, "hmget") - hmgets, 2) << "one per case looked at";
  ops_.command({"HSET", case_key("C2"), "state", "closed", "closed_at", std::to_string(kNow)});
  EXPECT_EQ(ingest_.eval(script, {}, {"police", "hh", std::to_string(kNow)}).element_strings(),
            (std::vector<std::string>{"", "C2", "none", "none"}))
      << "no open case: no fields";
}

TEST_F(CasesOpenLibTest, AReturningFamilysCaseIsLinkedToItsEarlierCasesAndCounted) {
  std::string chain = "C1";
  for (int n = 2; n <= 25; ++n) chain += " C" + std::to_string(n);
  ops_.command({"HSET", case_key("C0"), "state", "closed", "casemanager", "icm-3", "closed_at",
                std::to_string(kNow), "previous_cases", chain});
  ops_.command({"ZADD", returns_key("groningen"), std::to_string(kNow - 3 * 365 * kDay), "C-old"});
  auto c = new_case("C9", kNow + 20 * kDay);
  c["previous"] = "C0";
  EXPECT_EQ(open(c), 1);
  const auto key = case_key("C9");
  EXPECT_EQ(hget(key, "previous_case"), "C0");
  std::string kept = "C0";
  for (int n = 1; n <= 19; ++n) kept += " C" + std::to_string(n);
  EXPECT_EQ(hget(key, "previous_cases"), kept) << "newest first, at most 20";
  EXPECT_EQ(hget(key, "returned_after_ms"), std::to_string(20 * kDay));
  EXPECT_EQ(hget(key, "previous_casemanager"), "icm-3");
  EXPECT_EQ(hget(case_key("C0"), "next_case"), "C9");
  EXPECT_EQ(ops_.command({"ZRANGE", returns_key("groningen"), "0", "-1"}).element_strings(),
            std::vector<std::string>{"C9"})
      << "counted; entries older than two years dropped";

  // Back after more than a year: linked, not counted.
  auto late = new_case("C10", kNow + 400 * kDay);
  late["household"] = "hh-late";
  late["previous"] = "C0";
  EXPECT_EQ(open(late), 1);
  EXPECT_EQ(hget(case_key("C10"), "previous_case"), "C0");
  EXPECT_TRUE(ops_.command({"ZSCORE", returns_key("groningen"), "C10"}).is_nil());
}

TEST_F(CasesOpenLibTest, AddIncidentAppendsTheIncidentAndItsTimelineEntry) {
  const auto add = with_call(lua::cases_open(),
                             "piket_case_add_incident(ARGV[1], ARGV[2], cjson.decode(ARGV[3])) "
                             "return 1");
  ingest_.eval(add, {}, {"C1", "I1", R"({"type":"incident_accepted","incident":"I1"})"});
  ingest_.eval(add, {}, {"C1", "I2", R"({"type":"incident_accepted","incident":"I2"})"});
  EXPECT_EQ(ops_.command({"LRANGE", case_incidents_key("C1"), "0", "-1"}).element_strings(),
            (std::vector<std::string>{"I1", "I2"}));
  const auto t = ops_.command({"LRANGE", case_timeline_key("C1"), "0", "-1"}).element_strings();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(json::parse(t[1]), json::parse(R"({"type":"incident_accepted","incident":"I2"})"));
}

// ---- lib/cases_timeline.lua: piket-cases' timeline, appended by the other services
// (dispatch, inbound, notify, ingest through lib/cases_open.lua; web runs dispatch's and
// inbound's scripts in-process).
TEST_F(LibScriptsTest, CaseTimelineAppendAddsTheEventOnlyForAPageWithACase) {
  const auto append = with_call(lua::cases_timeline(),
                                "piket_case_timeline_append(ARGV[1], {type = 'x', at = 1}) "
                                "return 1");
  const auto no_case = with_call(lua::cases_timeline(),
                                 "piket_case_timeline_append(nil, {type = 'x', at = 1}) return 1");
  for (const char* user : {"dispatch", "inbound", "notify", "ingest", "web"}) {
    SCOPED_TRACE(user);
    ops_.command({"FLUSHALL"});
    RedisConnection service{redis_->config_as(user)};
    service.eval(append, {}, {""});
    service.eval(no_case, {}, {});
    EXPECT_TRUE(test::all_keys(ops_).empty()) << "a page without a case has no timeline";
    service.eval(append, {}, {"C1"});
    ops_.command({"RPUSH", case_timeline_key("C1"), R"({"type":"y"})"});
    service.eval(append, {}, {"C1"});
    const auto t = ops_.command({"LRANGE", case_timeline_key("C1"), "0", "-1"}).element_strings();
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(json::parse(t[0]), json::parse(R"({"type":"x","at":1})"));
    EXPECT_EQ(json::parse(t[1]), json::parse(R"({"type":"y"})"));
    EXPECT_EQ(json::parse(t[2]), json::parse(R"({"type":"x","at":1})")) << "appended at the end";
    EXPECT_EQ(test::all_keys(ops_), std::vector<std::string>{case_timeline_key("C1")});
  }
}

// ---- lib/cases_casemanager.lua: a case's first casemanager (dispatch's commit script).
TEST_F(LibScriptsTest, CaseAssignIfNoneMakesTheFirstCasemanagerAndKeepsOneThatIsThere) {
  const auto assign =
      with_call(lua::cases_casemanager(),
                "if piket_case_assign_if_none(ARGV[1], ARGV[2], {type = "
                "'casemanager_assigned', person = ARGV[2], at = 5}) then return 1 end return 0");
  for (const char* user : {"dispatch", "web"}) {
    SCOPED_TRACE(user);
    ops_.command({"FLUSHALL"});
    RedisConnection service{redis_->config_as(user)};
    ops_.command({"HSET", case_key("C1"), "state", "open", "casemanager", ""});
    EXPECT_EQ(service.eval(assign, {}, {"C1", "anna"}).integer, 1) << "'' is no casemanager";
    EXPECT_EQ(hget(case_key("C1"), "casemanager"), "anna");
    EXPECT_EQ(ops_.command({"SMEMBERS", caseload_key("anna")}).element_strings(),
              std::vector<std::string>{"C1"});
    auto t = ops_.command({"LRANGE", case_timeline_key("C1"), "0", "-1"}).element_strings();
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(json::parse(t[0]),
              json::parse(R"({"type":"casemanager_assigned","person":"anna","at":5})"));

    const auto keys = test::all_keys(ops_);
    EXPECT_EQ(service.eval(assign, {}, {"C1", "bert"}).integer, 0) << "anna stays";
    EXPECT_EQ(hget(case_key("C1"), "casemanager"), "anna");
    EXPECT_FALSE(exists(caseload_key("bert")));
    EXPECT_EQ(ops_.command({"LLEN", case_timeline_key("C1")}).integer, 1);
    EXPECT_EQ(test::all_keys(ops_), keys);
  }
}

// Several entries of one step with one RPUSH, in order; none for an empty list or no case.
TEST_F(LibScriptsTest, CaseTimelineAppendAllPushesTheEntriesInOrderWithOneCommand) {
  const auto append_all =
      with_call(lua::cases_timeline(),
                "piket_case_timeline_append_all(ARGV[1], {{type = 'a', at = 1}, "
                "{type = 'b', at = 2}}) piket_case_timeline_append_all(ARGV[1], "
                "{}) return 1");
  RedisConnection dispatch{redis_->config_as("dispatch")};
  dispatch.eval(append_all, {}, {""});
  EXPECT_TRUE(test::all_keys(ops_).empty()) << "no case: no timeline";
  ops_.command({"RPUSH", case_timeline_key("C1"), R"({"type":"y"})"});
  const auto rpushes = test::command_calls(ops_, "rpush");
  dispatch.eval(append_all, {}, {"C1"});
  EXPECT_EQ(test::command_calls(ops_, "rpush") - rpushes, 1);
  const auto t = ops_.command({"LRANGE", case_timeline_key("C1"), "0", "-1"}).element_strings();
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(json::parse(t[1]), json::parse(R"({"type":"a","at":1})"));
  EXPECT_EQ(json::parse(t[2]), json::parse(R"({"type":"b","at":2})"));
}

// With a list, the assignment's timeline entry is added to it for the caller's one write.
TEST_F(LibScriptsTest, CaseAssignIfNoneWithAListLeavesTheEntryToTheCaller) {
  const auto assign = with_call(
      lua::cases_casemanager(),
      "local events = {} local done = piket_case_assign_if_none(ARGV[1], ARGV[2], {type = "
      "'casemanager_assigned', person = ARGV[2], at = 5}, events) "
      "return {done and 1 or 0, #events, events[1] and events[1].person or ''}");
  RedisConnection dispatch{redis_->config_as("dispatch")};
  ops_.command({"HSET", case_key("C1"), "state", "open"});
  auto r = dispatch.eval(assign, {}, {"C1", "anna"});
  ASSERT_EQ(r.elements.size(), 3u);
  EXPECT_EQ(r.elements[0].integer, 1);
  EXPECT_EQ(r.elements[1].integer, 1);
  EXPECT_EQ(r.elements[2].str, "anna");
  EXPECT_EQ(hget(case_key("C1"), "casemanager"), "anna");
  EXPECT_FALSE(exists(case_timeline_key("C1"))) << "the caller writes it";
  r = dispatch.eval(assign, {}, {"C1", "bert"});
  EXPECT_EQ(r.elements[0].integer, 0);
  EXPECT_EQ(r.elements[1].integer, 0) << "nothing assigned: no entry";
}

// ---- lib/ingest_incident_status.lua: the incident's status as paging moves it (dispatch's
// commit and escalation scripts, inbound's answer; web runs both in-process).
class IncidentStatusLibTest : public LibScriptsTest {
 protected:
  // Runs `call` (a line calling the lib's functions with ARGV) as `user`.
  void run(const std::string& user, std::string_view call, const std::vector<std::string>& argv) {
    RedisConnection service{redis_->config_as(user)};
    service.eval(with_call(lua::ingest_incident_status(), call), {}, argv);
  }
  void seed(const std::string& status) {
    ops_.command({"DEL", incident_key("I1")});
    ops_.command({"HSET", incident_key("I1"), "status", status, "case_id", "C1"});
  }
  std::string status() { return hget(incident_key("I1"), "status"); }
};

TEST_F(IncidentStatusLibTest, DispatchedRecordsThePageAndPastCapMarksIt) {
  for (const char* user : {"dispatch", "web"}) {
    SCOPED_TRACE(user);
    seed("accepted");
    run(user, "piket_incident_dispatched(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]) return 1",
        {"I1", "P1", "anna", "on_call", std::to_string(kNow)});
    EXPECT_EQ(status(), "dispatched");
    EXPECT_EQ(hget(incident_key("I1"), "page_id"), "P1");
    EXPECT_EQ(hget(incident_key("I1"), "assignee"), "anna");
    EXPECT_EQ(hget(incident_key("I1"), "rule"), "on_call");
    EXPECT_EQ(hget(incident_key("I1"), "dispatched_at"), std::to_string(kNow));
    EXPECT_EQ(hget(incident_key("I1"), "case_id"), "C1") << "the rest stays";
    EXPECT_TRUE(ops_.command({"HGET", incident_key("I1"), "past_cap"}).is_nil());
    run(user, "piket_incident_past_cap(ARGV[1]) return 1", {"I1"});
    EXPECT_EQ(hget(incident_key("I1"), "past_cap"), "1");
  }
}

// The caller's own fields (paging's esc_*) go ahead of the status in the same HSET.
TEST_F(IncidentStatusLibTest, DispatchedWritesTheCallersFieldsFirstInOneCommand) {
  seed("accepted");
  const auto hsets = test::command_calls(ops_, "hset");
  run("dispatch",
      "piket_incident_dispatched(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], "
      "{'esc_state', 'active', 'esc_at', '0.0'}) return 1",
      {"I1", "P1", "anna", "on_call", "100"});
  EXPECT_EQ(test::command_calls(ops_, "hset") - hsets, 1);
  EXPECT_EQ(ops_.command({"HGETALL", incident_key("I1")}).element_strings(),
            (std::vector<std::string>{"status", "dispatched", "case_id", "C1", "esc_state",
                                      "active", "esc_at", "0.0", "page_id", "P1", "assignee",
                                      "anna", "rule", "on_call", "dispatched_at", "100"}));
}

TEST_F(IncidentStatusLibTest,
       AnEscalationStepEscalatesOnlyADispatchedIncidentAndARepageDispatches) {
  const std::string escalated = "piket_incident_escalated(ARGV[1]) return 1";
  for (const char* user : {"dispatch", "web"}) {
    SCOPED_TRACE(user);
    seed("dispatched");
    run(user, escalated, {"I1"});
    EXPECT_EQ(status(), "escalated");
    for (const char* other : {"accepted", "acknowledged", "escalated"}) {
      seed(other);
      run(user, escalated, {"I1"});
      EXPECT_EQ(status(), other);
    }
    run(user, escalated, {"I9"});
    EXPECT_FALSE(exists(incident_key("I9"))) << "no incident: none made";

    seed("acknowledged");
    run(user, "piket_incident_repaged(ARGV[1]) return 1", {"I1"});
    EXPECT_EQ(status(), "dispatched");
  }
}

TEST_F(IncidentStatusLibTest, AnAcknowledgementTakesADispatchedOrEscalatedIncident) {
  const std::string ack =
      "piket_incident_acknowledged(ARGV[1], ARGV[2], ARGV[3], ARGV[4]) return 1";
  for (const char* user : {"inbound", "web"}) {
    SCOPED_TRACE(user);
    for (const char* from : {"dispatched", "escalated"}) {
      seed(from);
      run(user, ack, {"I1", std::to_string(kNow), "anna", "P1"});
      EXPECT_EQ(status(), "acknowledged") << from;
      EXPECT_EQ(hget(incident_key("I1"), "acknowledged_at"), std::to_string(kNow));
      EXPECT_EQ(hget(incident_key("I1"), "acknowledged_by"), "anna");
      EXPECT_EQ(hget(incident_key("I1"), "acknowledged_page"), "P1");
    }
    for (const char* other : {"accepted", "acknowledged"}) {
      seed(other);
      run(user, ack, {"I1", std::to_string(kNow), "bert", "P2"});
      EXPECT_EQ(status(), other);
      EXPECT_TRUE(ops_.command({"HGET", incident_key("I1"), "acknowledged_by"}).is_nil());
    }
    run(user, ack, {"", std::to_string(kNow), "bert", "P2"});  // a page without an incident
    EXPECT_FALSE(exists(incident_key("")));
  }
}

// ---- lib/ingest_incident_case.lua: what piket-cases changes on its incidents (the join and
// split, a recorded event, a deadline step; web runs the case code in-process).
TEST_F(LibScriptsTest, IncidentCaseFunctionsMoveRecordAndEscalateByADeadline) {
  const auto moved =
      with_call(lua::ingest_incident_case(), "piket_incident_moved(ARGV[1], ARGV[2]) return 1");
  const auto fact = with_call(lua::ingest_incident_case(),
                              "piket_incident_case_fact(ARGV[1], ARGV[2], ARGV[3]) return 1");
  const auto escalate =
      with_call(lua::ingest_incident_case(),
                "piket_incident_escalated_by_deadline(ARGV[1], ARGV[2]) return 1");
  const auto inc = incident_key("I1");
  for (const char* user : {"cases", "web"}) {
    SCOPED_TRACE(user);
    ops_.command({"FLUSHALL"});
    RedisConnection service{redis_->config_as(user)};
    ops_.command({"HSET", inc, "status", "accepted", "case_id", "C1"});
    service.eval(moved, {}, {"I1", "C2"});
    EXPECT_EQ(hget(inc, "case_id"), "C2");
    service.eval(fact, {}, {"I1", "contact_at", "1234"});
    EXPECT_EQ(hget(inc, "contact_at"), "1234");

    service.eval(escalate, {}, {"I1", "100"});
    EXPECT_EQ(hget(inc, "status"), "accepted") << "not paged yet: the status stays";
    EXPECT_EQ(hget(inc, "escalated_at"), "100");
    for (const char* from : {"dispatched", "acknowledged"}) {
      ops_.command({"HSET", inc, "status", from});
      service.eval(escalate, {}, {"I1", "200"});
      EXPECT_EQ(hget(inc, "status"), "escalated") << from;
      EXPECT_EQ(hget(inc, "escalated_at"), "100") << "the first time only";
    }
    service.eval(escalate, {}, {"I9", "300"});
    EXPECT_FALSE(exists(incident_key("I9"))) << "no incident: none made";
  }
}

// ---- lib/paging_page_delivery.lua and paging_page_rev.lua: the page's delivery progress,
// paging's store API for notify (and, for the rev, for inbound's and web's scripts through
// notify's lib files).
class PageDeliveryLibTest : public LibScriptsTest {
 protected:
  void seed(const std::string& id, const std::string& state) {
    ops_.command({"DEL", page_key(id)});
    ops_.command({"HSET", page_key(id), "person", "anna", "case", "C1", "state", state, "ack_code",
                  "123456", "created_at", "1"});
  }
  void run(std::string_view call, const std::vector<std::string>& argv) {
    notify_.eval(with_call(lua::paging_page_delivery(), call), {}, argv);
  }
  RedisConnection notify_{redis_->config_as("notify")};
};

TEST_F(PageDeliveryLibTest, ExpandedRecordsTheChannelsAndSendingMovesOnlyAQueuedPage) {
  seed("P1", "queued");
  run("piket_page_expanded(ARGV[1], ARGV[2], ARGV[3], ARGV[4]) return 1",
      {"P1", "push,sms", "100", "I1:0.0"});
  EXPECT_EQ(hget(page_key("P1"), "channels"), "push,sms");
  EXPECT_EQ(hget(page_key("P1"), "expanded_at"), "100");
  EXPECT_EQ(hget(page_key("P1"), "rev"), "1");
  EXPECT_EQ(hget(page_key("P1"), "step"), "I1:0.0");
  EXPECT_EQ(hget(page_key("P1"), "state"), "queued");

  const std::string sending = "piket_page_sending(ARGV[1]) return 1";
  run(sending, {"P1"});
  EXPECT_EQ(hget(page_key("P1"), "state"), "sending");
  for (const char* other : {"accepted", "acknowledged", "declined", "failed"}) {
    seed("P2", other);
    run(sending, {"P2"});
    EXPECT_EQ(hget(page_key("P2"), "state"), other);
  }
  run(sending, {"P9"});
  EXPECT_FALSE(exists(page_key("P9")));
}

// (Moved from notify's tests with lib/notify_page_accepted.lua.)
TEST_F(PageDeliveryLibTest, AcceptedMovesOnlyAnUnansweredPageAndKeepsTheFirstTime) {
  const std::string accepted = "piket_page_accepted(ARGV[1], ARGV[2]) return 1";
  seed("P1", "sending");
  run(accepted, {"P1", "100"});
  EXPECT_EQ(hget(page_key("P1"), "state"), "accepted");
  EXPECT_EQ(hget(page_key("P1"), "accepted_at"), "100");
  run(accepted, {"P1", "200"});
  EXPECT_EQ(hget(page_key("P1"), "accepted_at"), "100");
  seed("P2", "acknowledged");
  run(accepted, {"P2", "300"});
  EXPECT_EQ(hget(page_key("P2"), "state"), "acknowledged");
  EXPECT_EQ(hget(page_key("P2"), "accepted_at"), "300");
  seed("P3", "queued");
  run(accepted, {"P3", "400"});
  EXPECT_EQ(hget(page_key("P3"), "state"), "accepted");
}

// With what the caller has just read of the page (its state; and its accepted_at), the
// page is not read again: what was seen decides, and one HSET writes what changes.
TEST_F(PageDeliveryLibTest, SendingAndAcceptedTakeWhatTheCallerReadAndReadNothing) {
  // Runs `call`; how many HSETs it ran, having run no HGET and no HSETNX.
  const auto run_seen = [this](std::string_view call, const std::vector<std::string>& argv) {
    const auto hgets = test::command_calls(ops_, "hget");
    const auto hsetnxs = test::command_calls(ops_, "hsetnx");
    const auto hsets = test::command_calls(ops_, "hset");
    run(call, argv);
    EXPECT_EQ(test::command_calls(ops_, "hget"), hgets) << "nothing read";
    EXPECT_EQ(test::command_calls(ops_, "hsetnx"), hsetnxs);
    return test::command_calls(ops_, "hset") - hsets;
  };
  const std::string sending = "piket_page_sending(ARGV[1], ARGV[2]) return 1";
  seed("P1", "queued");
  EXPECT_EQ(run_seen(sending, {"P1", "queued"}), 1);
  EXPECT_EQ(hget(page_key("P1"), "state"), "sending");
  seed("P2", "queued");
  EXPECT_EQ(run_seen(sending, {"P2", "accepted"}), 0);
  EXPECT_EQ(hget(page_key("P2"), "state"), "queued") << "what was seen decides";

  const std::string accepted =
      "piket_page_accepted(ARGV[1], ARGV[2], {ARGV[3], ARGV[4] ~= '' and ARGV[4] or false}) "
      "return 1";
  seed("P3", "sending");
  EXPECT_EQ(run_seen(accepted, {"P3", "100", "sending", ""}), 1) << "state and time together";
  EXPECT_EQ(hget(page_key("P3"), "state"), "accepted");
  EXPECT_EQ(hget(page_key("P3"), "accepted_at"), "100");
  EXPECT_EQ(run_seen(accepted, {"P3", "200", "accepted", "100"}), 0);
  EXPECT_EQ(hget(page_key("P3"), "accepted_at"), "100") << "the first time stays";
  seed("P4", "acknowledged");
  EXPECT_EQ(run_seen(accepted, {"P4", "300", "acknowledged", ""}), 1);
  EXPECT_EQ(hget(page_key("P4"), "state"), "acknowledged");
  EXPECT_EQ(hget(page_key("P4"), "accepted_at"), "300");
}

TEST_F(PageDeliveryLibTest, FailedAndDuplicateEndThePageAndDropItsReplyCode) {
  seed("P1", "accepted");
  seed("P2", "queued");
  ops_.command({"HSET", page_key("P2"), "ack_code", "654321"});
  ops_.command({"SET", ackcode_key("anna", "123456"), "P1"});
  ops_.command({"SET", ackcode_key("anna", "654321"), "P2"});
  run("piket_page_failed(ARGV[1], ARGV[2]) return 1", {"P1", "500"});
  EXPECT_EQ(hget(page_key("P1"), "state"), "failed");
  EXPECT_EQ(hget(page_key("P1"), "failed_at"), "500");
  EXPECT_FALSE(exists(ackcode_key("anna", "123456")));
  EXPECT_TRUE(exists(ackcode_key("anna", "654321")));
  run("piket_page_duplicate(ARGV[1]) return 1", {"P2"});
  EXPECT_EQ(hget(page_key("P2"), "state"), "duplicate");
  EXPECT_FALSE(exists(ackcode_key("anna", "654321")));
  EXPECT_EQ(hget(page_key("P2"), "ack_code"), "654321") << "the page keeps its record";
}

TEST_F(PageDeliveryLibTest, RevBumpMakesAPlanMadeBeforeStale) {
  const auto bump = with_call(lua::paging_page_rev(), "piket_page_rev_bump(ARGV[1]) return 1");
  seed("P1", "accepted");
  for (const char* user : {"notify", "inbound", "web"}) {
    SCOPED_TRACE(user);
    RedisConnection service{redis_->config_as(user)};
    ops_.command({"HSET", page_key("P1"), "rev", "2"});
    service.eval(bump, {}, {"P1"});
    EXPECT_EQ(hget(page_key("P1"), "rev"), "3");
  }
  run("piket_page_rev_bump(ARGV[1]) return 1", {"P1"});  // through paging_page_delivery.lua
  EXPECT_EQ(hget(page_key("P1"), "rev"), "4");
  EXPECT_EQ(hget(page_key("P1"), "state"), "accepted");
}

}  // namespace
}  // namespace piket::store
