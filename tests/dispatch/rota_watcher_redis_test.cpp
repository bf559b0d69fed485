// RotaWatcher against a private redis-server: handoff notices before a shift,
// gap warnings to the team lead, each exactly once; texts carry no case data.
// Both are information (paging/page_class.hpp): no reply code anywhere.

#include <gtest/gtest.h>

#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/rota_watcher.hpp"
#include "piket/paging/page_class.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::dispatch {
namespace {

config::Config config_for(const common::RedisConfig& redis) {
  auto c = config::parse_config(R"(
[kannel]
username = "u"
[[regions]]
id = "groningen"
[[people]]
id = "icm-a"
name = "A"
role = "casemanager"
phone = "+447700900001"
regions = ["groningen"]
[[people]]
id = "icm-b"
name = "B"
role = "casemanager"
phone = "+447700900002"
regions = ["groningen"]
[[people]]
id = "tl"
name = "TL"
role = "team_lead"
phone = "+447700900010"
regions = ["groningen"]
[rota]
file = "/nonexistent/rota.toml"
handoff_notice_minutes = 60
gap_warning_hours = 72
)",
                                "test.toml");
  c.redis = redis;
  return c;
}

// Daily shifts handing off at 08:00; the team-lead layer ends on 2026-11-24
// 08:00, leaving a gap after it.
constexpr const char* kRota = R"(
[[rotations]]
region = "groningen"
layer = "primary"
shift = "day"
handoff = "08:00"
start = 2026-11-01
members = ["icm-a", "icm-b"]
[[rotations]]
region = "groningen"
layer = "backup"
shift = "day"
handoff = "08:00"
start = 2026-11-01
members = ["icm-b", "icm-a"]
[[rotations]]
region = "groningen"
layer = "team_lead"
shift = "day"
handoff = "08:00"
start = 2026-11-01
end = 2026-11-24
members = ["tl"]
)";

struct Sent {
  std::vector<std::string> pages;
};

TEST(RotaWatcherRedis, HandoffNoticeOnceBeforeTheShiftAndGapWarningOnceToTheTeamLead) {
  test::PrivateRedis server("rota-watcher");
  auto cfg = config_for(server.config_as("dispatch"));
  auto def = rota::parse_rota_file(kRota, "rota.toml", cfg.people);
  // 2026-11-22 07:30 Amsterdam: half an hour before the 08:00 handoff.
  common::SimulatedClock clock(*common::parse_rfc3339("2026-11-22T07:30:00+01:00"));
  auto built = std::make_shared<const rota::Rota>(
      def, std::vector<rota::Override>{},
      rota::TimeRange{clock.now() - std::chrono::hours{24 * 30},
                      clock.now() + std::chrono::hours{24 * 60}});
  common::RedisPool pool(server.config_as("dispatch"));
  Sent sent;
  RotaWatcher watcher(
      cfg.rota, cfg, cfg.outbox, clock, clock, [&] { return built; }, pool,
      [&](const std::string& id, const std::string&) { sent.pages.push_back(id); });

  const int first = watcher.run_once();
  // One handoff notice (the incoming primary and the incoming backup each get
  // theirs) and one gap warning for the team-lead layer within 72 h.
  EXPECT_GE(first, 2);
  EXPECT_EQ(watcher.run_once(), 0) << "notices are sent once";
  common::RedisConnection redis(server.config());
  int handoffs = 0, gaps = 0;
  for (const auto& id : sent.pages) {
    const auto rule = redis.command({"HGET", store::page_key(id), "rule"}).str;
    const auto text = redis.command({"HGET", store::page_key(id), "text"}).str;
    const auto person = redis.command({"HGET", store::page_key(id), "person"}).str;
    EXPECT_LE(text.size(), 160u);
    EXPECT_EQ(redis.command({"HGET", store::page_key(id), "case"}).str, "");
    // Information: no reply code on the page, in the text or as an ackcode key.
    EXPECT_EQ(redis.command({"HGET", store::page_key(id), "info"}).str, "1");
    EXPECT_TRUE(redis.command({"HGET", store::page_key(id), "ack_code"}).is_nil());
    EXPECT_TRUE(redis.command({"HGET", store::page_key(id), "code_until"}).is_nil());
    EXPECT_EQ(text.find("Antwoord"), std::string::npos) << text;
    EXPECT_NE(text.find("Geen antwoord nodig."), std::string::npos) << text;
    EXPECT_TRUE(paging::is_page_brief(redis.command({"HGET", store::page_key(id), "brief"}).str));
    EXPECT_EQ(redis.command({"HGET", store::page_key(id), "rank"}).str,
              std::to_string(paging::page_rank::kInformation));
    if (rule == "handoff_notice") {
      ++handoffs;
      // A day's shift from Sunday 08:00 ends Monday 08:00: the notice, sent
      // half an hour before, says so (it once said "until" its start).
      EXPECT_NE(text.find(" van zo 22-11 08:00 tot ma 23-11 08:00."), std::string::npos) << text;
      EXPECT_NE(person, "tl");
    } else if (rule == "gap_warning") {
      ++gaps;
      EXPECT_EQ(person, "tl");
      EXPECT_NE(text.find("team_lead"), std::string::npos) << text;
    }
  }
  EXPECT_GE(handoffs, 1);
  EXPECT_EQ(gaps, 1);
  EXPECT_EQ(redis.command({"KEYS", store::ackcode_key("*", "*")}).elements.size(), 0u);
  EXPECT_EQ(redis.command({"ZCARD", store::outbox_due_key("notify")}).integer,
            static_cast<long long>(sent.pages.size()));

  // A day later, the next handoff gets its own notice.
  clock.advance(std::chrono::hours{24});
  EXPECT_GE(watcher.run_once(), 1);
}

// A layer that is empty already: coverage reports the open gap from `now`
// at every run. The team lead hears of it once a day while it lasts — not at
// every run of the watcher (every two seconds).
TEST(RotaWatcherRedis, AnOpenGapIsWarnedOnceADayNotAtEveryRun) {
  test::PrivateRedis server("rota-watcher-open-gap");
  auto cfg = config_for(server.config_as("dispatch"));
  auto def = rota::parse_rota_file(kRota, "rota.toml", cfg.people);
  // 2026-11-25 10:00 Amsterdam: the team-lead layer has been empty since the 24th.
  common::SimulatedClock clock(*common::parse_rfc3339("2026-11-25T10:00:00+01:00"));
  auto built = std::make_shared<const rota::Rota>(
      def, std::vector<rota::Override>{},
      rota::TimeRange{clock.now() - std::chrono::hours{24 * 30},
                      clock.now() + std::chrono::hours{24 * 60}});
  common::RedisPool pool(server.config_as("dispatch"));
  std::vector<std::string> pages;
  RotaWatcher watcher(
      cfg.rota, cfg, cfg.outbox, clock, clock, [&] { return built; }, pool,
      [&](const std::string& id, const std::string&) { pages.push_back(id); });
  common::RedisConnection redis(server.config());
  auto gap_warnings = [&] {
    int n = 0;
    for (const auto& id : pages)
      n += redis.command({"HGET", store::page_key(id), "rule"}).str == "gap_warning";
    return n;
  };
  watcher.run_once();
  EXPECT_EQ(gap_warnings(), 1);
  for (int run = 0; run < 5; ++run) {
    clock.advance(std::chrono::seconds{2});
    watcher.run_once();
  }
  clock.advance(std::chrono::hours{3});
  watcher.run_once();
  EXPECT_EQ(gap_warnings(), 1) << "the same open gap is not warned again within the day";
  clock.advance(std::chrono::hours{24});
  watcher.run_once();
  EXPECT_EQ(gap_warnings(), 2) << "a day later, while the layer is still empty, once more";
}

TEST(RotaWatcherText, NoticesAreInformationShortGsm7AndRefuseMalformedIds) {
  const auto from = *common::parse_rfc3339("2026-11-23T08:00:00+01:00");
  const auto until = *common::parse_rfc3339("2026-11-30T08:00:00+01:00");
  constexpr auto nl = i18n::Language::nl;
  constexpr auto en = i18n::Language::en;
  auto t = render_handoff_notice("primary", "groningen", from, until, nl);
  ASSERT_TRUE(t);
  EXPECT_EQ(*t,
            "piket PIKETROOSTER: je hebt dienst (primary, groningen) van ma 23-11 08:00 tot "
            "ma 30-11 08:00. Geen antwoord nodig.");
  auto g = render_gap_warning("team_lead", "groningen", from, until, nl);
  ASSERT_TRUE(g);
  EXPECT_EQ(*g,
            "piket GAT IN PIKETROOSTER: niemand heeft dienst (team_lead, groningen) van ma 23-11 "
            "08:00 tot ma 30-11 08:00. Geen antwoord nodig.");
  EXPECT_EQ(render_handoff_notice("primary", "groningen", from, until, en),
            "piket ROTA: you are on call (primary, groningen) from Mon 23-11 08:00 until "
            "Mon 30-11 08:00. No reply needed.");
  // A stretch whose end the watcher does not look that far for: "from" only.
  EXPECT_EQ(render_handoff_notice("primary", "groningen", from, std::nullopt, nl),
            "piket PIKETROOSTER: je hebt dienst (primary, groningen) vanaf ma 23-11 08:00. Geen "
            "antwoord nodig.");
  // The longest ids: layer and region are left out rather than the notice.
  const std::string id32(32, 'x');
  for (const auto& text : {render_handoff_notice(id32, id32, from, until, nl),
                           render_gap_warning(id32, id32, from, until, nl)}) {
    ASSERT_TRUE(text);
    EXPECT_LE(text->size(), 160u) << *text;
    EXPECT_TRUE(paging::is_gsm7_basic(*text)) << *text;
    EXPECT_EQ(text->find(id32), std::string::npos) << *text;
  }
  EXPECT_FALSE(render_handoff_notice("Primary Name", "groningen", from, until, nl));
  EXPECT_FALSE(render_gap_warning("primary", "Groningen!", from, until, nl));
  // Their lines in a bundled SMS.
  EXPECT_EQ(rota_notice_tag(RotaNotice::handoff, "primary", from, nl).brief,
            "PIKETROOSTER DIENST primary ma 23-11 08:00");
  EXPECT_EQ(rota_notice_tag(RotaNotice::handoff, "primary", from, en).brief,
            "ROTA ON CALL primary Mon 23-11 08:00");
  EXPECT_EQ(rota_notice_tag(RotaNotice::gap, id32, from, nl).brief,
            "PIKETROOSTER GAT ma 23-11 08:00");
  EXPECT_EQ(rota_notice_tag(RotaNotice::gap, "team_lead", from, nl).rank,
            paging::page_rank::kInformation);
}

}  // namespace
}  // namespace piket::dispatch
