// The deadline engine's shell against a real redis-server (label redis):
// timers are durable, fire in due order across cases, each action exactly
// once (replaying a firing does nothing), and after downtime the missed ones
// fire on start-up, oldest first, with how late they were.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <thread>

#include "piket/paging/page_answer.hpp"
#include "piket/paging/page_class.hpp"
#include "piket/paging/page_script.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "redis_fixture.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using common::Instant;
using test::at;

std::vector<std::string> described(const std::vector<Fired>& fired) {
  std::vector<std::string> out;
  for (const auto& f : fired)
    out.push_back(f.case_id + ":" + std::string(to_string(f.clock)) + "." + f.step);
  return out;
}

class ShellRedisTest : public test::CasesRedisTest {
 protected:
  std::vector<json::object> timeline(const std::string& case_id) {
    std::vector<json::object> out;
    for (const auto& e : store_->timeline(case_id)) out.push_back(json::parse(e).as_object());
    return out;
  }
  std::vector<json::object> fired_entries(const std::string& case_id) {
    auto all = timeline(case_id);
    std::erase_if(
        all, [](const json::object& o) { return o.at("type").as_string() != "deadline_fired"; });
    return all;
  }
};

TEST_F(ShellRedisTest, AnAcceptedIncidentBecomesDurableTimersAtOnce) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  // ingest's acceptance script asked the engine to look at the case.
  EXPECT_EQ(timers(), (std::vector<std::string>{o.case_id + "|resync"}));
  EXPECT_TRUE(shell_->run_due().empty());
  auto t = timers();
  std::sort(t.begin(), t.end());
  const auto opened = std::to_string(common::to_epoch_ms(t0_));
  const auto ban_end = std::to_string(common::to_epoch_ms(at("2026-12-02T13:00:00Z")));
  std::vector<std::string> expected{
      o.case_id + "|checkin|remind|" + opened,    o.case_id + "|closing|remind|" + opened,
      o.case_id + "|evaluation|remind|" + opened, o.case_id + "|first_contact|overdue|" + opened,
      o.case_id + "|handover|warn|" + opened,     o.case_id + "|home_ban|decision|" + ban_end,
      o.case_id + "|plan|warn_8h|" + opened};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(t, expected) << "one timer per running clock (none for the page: paging's)";
  EXPECT_EQ(
      std::stoll(
          conn_.command({"ZSCORE", store::kDeadlinesDue, o.case_id + "|plan|warn_8h|" + opened})
              .str),
      common::to_epoch_ms(t0_ + 8h));
  // The case lists the timers it owns.
  auto owned = conn_.command({"GET", store::case_timers_key(o.case_id)}).str;
  for (const auto& m : expected) EXPECT_NE(owned.find(m), std::string::npos) << m;
}

TEST_F(ShellRedisTest, TimersSurviveKill9OfRedis) {
  open_case("REF-1", t0_, t0_ + 2min);
  open_case("REF-2", t0_ + 1h, std::nullopt);
  clock_.set(t0_ + 1h);
  shell_->run_due();
  const auto before = conn_.command({"ZRANGE", store::kDeadlinesDue, "0", "-1", "WITHSCORES"});
  // 7 timers of each case (the one whose page awaits acknowledgement too: that is paging's).
  ASSERT_EQ(before.elements.size(), 2u * 14u);
  redis_->server().kill9();
  redis_->server().start();
  conn_.disconnect();
  const auto after = conn_.command({"ZRANGE", store::kDeadlinesDue, "0", "-1", "WITHSCORES"});
  ASSERT_EQ(after.elements.size(), before.elements.size());
  for (std::size_t i = 0; i < after.elements.size(); ++i)
    EXPECT_EQ(after.elements[i].str, before.elements[i].str);
}

TEST_F(ShellRedisTest, DueTimersFireInDueOrderAcrossCases) {
  const auto a = open_case("REF-A", t0_, t0_ + 1min);
  const auto b = open_case("REF-B", t0_ + 20min, t0_ + 21min);
  const auto c = open_case("REF-C", t0_ + 50min, std::nullopt);  // never acknowledged
  clock_.set(t0_ + 1h);
  shell_->run_due();
  // First contacts on time (their timers are left behind and dropped when due).
  for (const auto& id : {a.case_id, b.case_id, c.case_id}) first_contact(id, t0_ + 2h);
  clock_.set(t0_ + 1h + 10min);
  // c's page was not acknowledged by 01:05: paging escalates it, the engine takes nothing.
  EXPECT_TRUE(shell_->run_due().empty());
  clock_.set(t0_ + 14h);
  const auto fired = shell_->run_due();
  EXPECT_EQ(described(fired),
            (std::vector<std::string>{a.case_id + ":plan.warn_8h",      // 08:00
                                      b.case_id + ":plan.warn_8h",      // 08:20
                                      c.case_id + ":plan.warn_8h",      // 08:50
                                      a.case_id + ":plan.warn_11h",     // 11:00
                                      b.case_id + ":plan.warn_11h",     // 11:20
                                      c.case_id + ":plan.warn_11h",     // 11:50
                                      a.case_id + ":plan.escalate",     // 12:00
                                      b.case_id + ":plan.escalate",     // 12:20
                                      c.case_id + ":plan.escalate"}));  // 12:50
  for (std::size_t i = 1; i < fired.size(); ++i) EXPECT_LE(fired[i - 1].due, fired[i].due);
  for (const auto& f : fired) {
    EXPECT_EQ(f.at, t0_ + 14h);
    EXPECT_EQ(f.late, f.at - f.due);
    EXPECT_EQ(f.person, f.escalation ? "tl-g" : "icm-1");
  }
  EXPECT_TRUE(shell_->run_due().empty());
}

TEST_F(ShellRedisTest, AnEscalationPagesTheTeamLeadAndMarksTheIncidentEscalated) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  shell_->run_due();
  clock_.set(t0_ + 12h);
  const auto fired = shell_->run_due();
  ASSERT_FALSE(fired.empty());
  const auto& esc = fired.back();
  ASSERT_EQ(std::string(to_string(esc.clock)) + "." + esc.step, "plan.escalate");
  const auto page = store::page_key(esc.page_id);
  EXPECT_EQ(hget(page, "person"), "tl-g");
  EXPECT_EQ(hget(page, "to"), "+447700900010");
  EXPECT_EQ(hget(page, "state"), "queued");
  EXPECT_EQ(hget(page, "case"), o.case_id);
  EXPECT_EQ(hget(page, "incident"), o.incident_id);
  EXPECT_EQ(hget(page, "rule"), "deadline:plan:escalate");
  EXPECT_EQ(hget(page, "step"), esc.key)
      << "notify sends one page per (case, step, person, channel)";
  EXPECT_EQ(hget(page, "text"),
            "piket OPGESCHAALD PLAN VAN AANPAK TE LAAT sinds 23-11 02:00 zaak " + o.case_id +
                " regio groningen. Antwoord " + hget(page, "ack_code") + " om aan te nemen.");
  EXPECT_EQ(conn_.command({"GET", store::ackcode_key("tl-g", hget(page, "ack_code"))}).str,
            esc.page_id);
  EXPECT_FALSE(conn_.command({"ZSCORE", store::outbox_due_key("notify"), esc.page_id}).is_nil());
  EXPECT_EQ(hget(store::incident_key(o.incident_id), "status"), "escalated");
  EXPECT_EQ(hget(store::incident_key(o.incident_id), "escalated_at"),
            std::to_string(common::to_epoch_ms(t0_ + 12h)));
  const auto entries = fired_entries(o.case_id);
  ASSERT_EQ(entries.size(), 5u);  // first contact overdue and escalated, two warnings, the breach
  const auto& last = entries.back();
  EXPECT_EQ(last.at("clock").as_string(), "plan");
  EXPECT_EQ(last.at("step").as_string(), "escalate");
  EXPECT_EQ(last.at("to").as_string(), "tl-g");
  EXPECT_EQ(last.at("page").as_string(), esc.page_id);
  EXPECT_EQ(last.at("late_ms").as_int64(), 0);
  EXPECT_TRUE(last.at("escalation").as_bool());
}

// The ban's end is information (paging/page_class.hpp): no reply code, nothing
// escalates for want of an answer; the extension decision before it asks for one.
TEST_F(ShellRedisTest, TheBanEndedPageIsInformationTheDecisionPageAsksForAnAnswer) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  shell_->run_due();
  clock_.set(at("2026-12-02T13:01:00Z"));  // the ban ended a minute ago
  std::string decision, ended;
  for (const auto& f : shell_->run_due()) {
    if (f.clock != ClockKind::home_ban) continue;
    // (decision_unanswered, the team lead's page a day later, fired too)
    if (f.step == "end") ended = f.page_id;
    if (f.step == "decision") decision = f.page_id;
  }
  ASSERT_FALSE(decision.empty());
  ASSERT_FALSE(ended.empty());
  const auto end = store::page_key(ended);
  EXPECT_EQ(hget(end, "rule"), "deadline:home_ban:end");
  EXPECT_EQ(hget(end, "info"), "1");
  EXPECT_TRUE(conn_.command({"HGET", end, "ack_code"}).is_nil());
  EXPECT_TRUE(conn_.command({"HGET", end, "code_until"}).is_nil());
  EXPECT_EQ(hget(end, "text"), "piket HUISVERBOD AFGELOPEN 02-12 14:00 zaak " + o.case_id +
                                   " regio groningen. Geen antwoord nodig.");
  EXPECT_EQ(hget(end, "brief"), "HUISVERBOD AFGELOPEN " + o.case_id);
  EXPECT_EQ(hget(end, "rank"), std::to_string(paging::page_rank::kInformation));
  EXPECT_FALSE(conn_.command({"ZSCORE", store::outbox_due_key("notify"), ended}).is_nil());
  const auto dec = store::page_key(decision);
  EXPECT_TRUE(conn_.command({"HGET", dec, "info"}).is_nil());
  EXPECT_EQ(conn_.command({"GET", store::ackcode_key("icm-1", hget(dec, "ack_code"))}).str,
            decision);
  EXPECT_EQ(hget(dec, "brief"), "BESLUIT VERLENGING NODIG " + o.case_id);
}

TEST_F(ShellRedisTest, ReplayingTheSameFiringDoesNothing) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  shell_->run_due();
  first_contact(o.case_id, t0_ + 1h);
  clock_.set(t0_ + 8h);
  const auto state = *store_->load(o.case_id);
  const auto ev = evaluate(state, rules_, clock_.now());
  ASSERT_EQ(ev.actions.size(), 1u);
  auto after = state;
  after.fired.insert(ev.actions[0].step.key);
  FireRequest f;
  f.case_id = o.case_id;
  f.version = state.version;
  f.popped = ev.actions[0].step.key;
  f.key = ev.actions[0].step.key;
  f.page = PageOrder{paging::new_page_id(),
                     "icm-1",
                     "+447700900001",
                     "piket test",
                     "123456",
                     "",
                     "deadline:plan:warn_8h",
                     std::chrono::minutes{75},
                     "PLAN VAN AANPAK BINNENKORT C12345678",
                     paging::page_rank::kWarning};
  f.timeline_json = R"({"type":"deadline_fired"})";
  f.now = clock_.now();
  f.outbox_due = transport_.now();
  f.timers = evaluate(after, rules_, clock_.now()).timers;
  ASSERT_EQ(store_->fire(f).outcome, WriteOutcome::done);
  const auto pages = conn_.command({"KEYS", store::page_key("*")}).elements.size();
  const auto length = conn_.command({"LLEN", store::case_timeline_key(o.case_id)}).integer;
  const auto timer_set = timers();
  // The same firing again, even with a fresh version and a new page id: nothing happens.
  f.version = length;
  f.page->page_id = paging::new_page_id();
  f.page->ack_code = "654321";
  EXPECT_EQ(store_->fire(f).outcome, WriteOutcome::duplicate);
  EXPECT_EQ(conn_.command({"KEYS", store::page_key("*")}).elements.size(), pages);
  EXPECT_EQ(conn_.command({"LLEN", store::case_timeline_key(o.case_id)}).integer, length);
  EXPECT_EQ(timers(), timer_set);
  // With the old version it is refused as stale before anything else.
  f.version = state.version;
  EXPECT_EQ(store_->fire(f).outcome, WriteOutcome::stale);
  // And the engine does not take it again either.
  EXPECT_TRUE(shell_->run_due().empty());
}

TEST_F(ShellRedisTest, AfterDowntimeMissedDeadlinesFireOnStartUpOldestFirstWithTheirLateness) {
  const auto a = open_case("REF-A", t0_, t0_ + 1min);
  const auto b = open_case("REF-B", t0_ + 2h, t0_ + 2h + 1min);
  shell_->run_due();
  clock_.set(t0_ + 1h);
  EXPECT_TRUE(shell_->run_due().empty());
  // The engine is down (its objects are gone) while the clock moves 12 hours.
  shell_.reset();
  store_.reset();
  clock_.set(t0_ + 13h);
  reset_stores();  // start-up
  const auto fired = shell_->run_due();
  EXPECT_EQ(described(fired),
            (std::vector<std::string>{a.case_id + ":first_contact.overdue",   // 03:00
                                      a.case_id + ":first_contact.escalate",  // 04:00
                                      b.case_id + ":first_contact.overdue",   // 05:00
                                      b.case_id + ":first_contact.escalate",  // 06:00
                                      a.case_id + ":plan.warn_8h",            // 08:00
                                      b.case_id + ":plan.warn_8h",            // 10:00
                                      a.case_id + ":plan.warn_11h",           // 11:00
                                      a.case_id + ":plan.escalate",           // 12:00
                                      b.case_id + ":plan.warn_11h"}));        // 13:00, due now
  for (const auto& f : fired) EXPECT_EQ(f.late, t0_ + 13h - f.due);
  // Recorded on the timeline with how late each one was.
  const auto entries = fired_entries(a.case_id);
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].at("late_ms").as_int64(), std::chrono::milliseconds(10h).count());
  EXPECT_EQ(entries[4].at("late_ms").as_int64(), std::chrono::milliseconds(1h).count());
  EXPECT_EQ(entries[4].at("due").as_int64(), common::to_epoch_ms(t0_ + 12h));
}

TEST_F(ShellRedisTest, TheEngineThreadFollowsTheClockAndWakesTheNotifyOutbox) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  first_contact(o.case_id, t0_ + 1h);
  std::mutex m;
  std::vector<std::string> woken;
  std::vector<Fired> seen;
  DeadlineShell engine(*store_, rules_, clock_, transport_, ShellOptions{2000ms, 5ms},
                       [&](const std::string& id, const std::string&) {
                         std::lock_guard l(m);
                         woken.push_back(id);
                       });
  engine.set_observer([&](const Fired& f) {
    std::lock_guard l(m);
    seen.push_back(f);
  });
  engine.start();
  clock_.set(t0_ + 8h);
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard l(m);
      if (!seen.empty()) break;
    }
    std::this_thread::sleep_for(5ms);
  }
  engine.stop();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].case_id, o.case_id);
  EXPECT_EQ(seen[0].step, "warn_8h");
  EXPECT_EQ(woken, (std::vector<std::string>{seen[0].page_id}));
}

TEST_F(ShellRedisTest, AStaleWriteIsRefusedAndChangesNothing) {
  const auto o = open_case("REF-1", t0_, t0_ + 2min);
  shell_->run_due();
  const auto state = *store_->load(o.case_id);
  conn_.command({"RPUSH", store::case_timeline_key(o.case_id), R"({"type":"page_sent"})"});
  Change c;
  c.after = state;
  c.timeline_json = R"({"type":"first_contact"})";
  c.fields = {{"phase", "first_contact"}};
  const auto before = timers();
  EXPECT_EQ(store_->record(o.case_id, state.version, c, {}), WriteOutcome::stale);
  EXPECT_EQ(hget(store::case_key(o.case_id), "phase"), "registered");
  EXPECT_EQ(timers(), before);
}

TEST_F(ShellRedisTest, AReminderNobodyAcknowledgesReachesTheTeamLeadAnAcknowledgedOneDoesNot) {
  // Two cases with their plans made and help running, then nothing recorded.
  // (B's last activity a minute after A's: due order is case order.)
  std::vector<test::Opened> cases;
  for (const char* ref : {"REF-A", "REF-B"}) {
    cases.push_back(open_case(ref, t0_, t0_ + 2min, "icm-1", "code_red"));
    const auto ms = std::to_string(common::to_epoch_ms(t0_ + 10h + (cases.size() - 1) * 1min));
    conn_.command({"HSET", store::case_key(cases.back().case_id), "phase", "help", "phase_at", ms,
                   "first_contact_at", ms, "plan_at", ms, "help_at", ms, "last_activity_at", ms});
  }
  clock_.set(t0_ + 10h + 1min);
  shell_->run_due();
  // Five days later: the stall reminder to the casemanager, one per case.
  clock_.set(t0_ + 10h + 1min + 5 * 24h);
  auto fired = shell_->run_due();
  ASSERT_EQ(described(fired), (std::vector<std::string>{cases[0].case_id + ":checkin.remind",
                                                        cases[1].case_id + ":checkin.remind"}));
  // The reminder's page is watched: its key, its page, the casemanager.
  EXPECT_EQ(conn_.command({"HGET", store::case_reminders_key(cases[0].case_id), fired[0].key}).str,
            fired[0].page_id + " icm-1");
  // icm-1 acknowledges A's reminder (inbound's script), not B's.
  const auto answered =
      paging::answer_page(conn_,
                          {"icm-1", fired[0].page_id, "", paging::Answer::acknowledge,
                           paging::AnswerVia::api, "token icm-1", ""},
                          clock_.now() + 3h, transport_.now(), 100);
  ASSERT_EQ(answered.kind, paging::PageAnswerOutcome::Kind::acknowledged);
  clock_.set(t0_ + 10h + 1min + 6 * 24h);
  fired = shell_->run_due();
  ASSERT_EQ(described(fired),
            (std::vector<std::string>{cases[1].case_id + ":checkin.remind_unanswered"}));
  EXPECT_EQ(fired[0].person, "tl-g");
  EXPECT_TRUE(fired[0].escalation);
  EXPECT_EQ(fired[0].due, t0_ + 10h + 1min + 6 * 24h);
  const auto text = conn_.command({"HGET", store::page_key(fired[0].page_id), "text"}).str;
  EXPECT_EQ(text.rfind("piket OPGESCHAALD HERINNERING CONTACTMOMENT ONBEANTWOORD sinds 28-11 00:01 "
                       "zaak " +
                           cases[1].case_id,
                       0),
            0u)
      << text;
  // The stall itself reaches the team lead on day 7 for both.
  clock_.set(t0_ + 10h + 1min + 7 * 24h);
  EXPECT_EQ(described(shell_->run_due()),
            (std::vector<std::string>{cases[0].case_id + ":checkin.escalate",
                                      cases[1].case_id + ":checkin.escalate"}));
  // The watch lists forget what leads nowhere any more (one acknowledged,
  // one whose follow-up was taken): they stay short.
  for (const auto& c : cases)
    EXPECT_EQ(conn_.command({"HLEN", store::case_reminders_key(c.case_id)}).integer, 0);
}

TEST_F(ShellRedisTest, TimersOfAGoneCaseAreDropped) {
  conn_.command({"ZADD", store::kDeadlinesDue, std::to_string(common::to_epoch_ms(t0_)),
                 store::deadline_resync_member("C00000000")});
  EXPECT_TRUE(shell_->run_due().empty());
  EXPECT_TRUE(timers().empty());
}

// A case from before paging owned acknowledgement: its acknowledgement
// clock's timer is still in deadlines:due (and listed in the case's timers),
// and another incident's escalation key is in case:{id}:fired. The engine
// has no such clock: the timer is a stale one (the case's timers are stored
// afresh without it), nothing is paged, and the case's clocks run on.
TEST_F(ShellRedisTest, AnAcknowledgementTimerFromBeforeTheUpgradeIsDroppedWithoutAPage) {
  const auto o = open_case("REF-1", t0_, std::nullopt);
  shell_->run_due();
  const auto clocks = timers();
  const auto legacy = o.case_id + "|acknowledgement|escalate|" + o.incident_id;
  const auto due = std::to_string(common::to_epoch_ms(t0_ + 15min));
  conn_.command({"ZADD", store::kDeadlinesDue, due, legacy});
  const auto listed = conn_.command({"GET", store::case_timers_key(o.case_id)}).str;
  conn_.command({"SET", store::case_timers_key(o.case_id), listed + " " + legacy});
  conn_.command({"SADD", store::case_fired_key(o.case_id),
                 o.case_id + "|acknowledgement|escalate|I0000000000000009"});
  const auto timeline_before = store_->timeline(o.case_id).size();
  clock_.set(t0_ + 20min);
  EXPECT_TRUE(shell_->run_due().empty());
  EXPECT_TRUE(conn_.command({"ZSCORE", store::kDeadlinesDue, legacy}).is_nil());
  EXPECT_EQ(conn_.command({"GET", store::case_timers_key(o.case_id)}).str.find("acknowledgement"),
            std::string::npos);
  EXPECT_EQ(timers(), clocks) << "the case's own timers stay";
  EXPECT_EQ(store_->timeline(o.case_id).size(), timeline_before) << "nothing taken, nothing paged";
  EXPECT_EQ(hget(store::incident_key(o.incident_id), "status"), "dispatched");
  // Its clocks run on: first contact overdue at 03:00.
  clock_.set(t0_ + 3h);
  EXPECT_EQ(described(shell_->run_due()),
            (std::vector<std::string>{o.case_id + ":first_contact.overdue"}));
}

}  // namespace
}  // namespace piket::cases
