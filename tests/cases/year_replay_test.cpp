// A year of a busy region replayed in simulated time (label redis): 10,000
// incidents through ingest's real acceptance script, realistic casemanager
// events through the case rules and the Redis store, a casemanager off sick
// for ten days, and the deadline engine's shell on a private redis-server.
// The replay is a discrete-event simulation: the clock jumps to the next
// event or the next due timer, whichever comes first, so every deadline must
// fire exactly at its due time — and exactly once. What piket-dispatch and
// piket-inbound write (assignment, acknowledgement) is written directly.
//
// The replay runs Redis without its append-only file: a replay can be run
// again, and durability across kill -9 is what the shell and whole-stack
// tests check.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "piket/cases/case_events.hpp"
#include "redis_fixture.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;
using common::Instant;
using test::at;

constexpr int kCases = 10000;
constexpr int kCasemanagers = 40;
constexpr auto kDay = std::chrono::hours{24};

std::string icm(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "icm-%02d", n);
  return buf;
}

std::string region_config(int redis_port) {
  std::string people;
  for (int n = 1; n <= kCasemanagers; ++n)
    people += "[[people]]\nid = \"" + icm(n) +
              "\"\nname = \"ICM\"\nrole = \"casemanager\"\nphone = \"+4477009" +
              std::to_string(10000 + n).substr(1) + "\"\nregions = [\"groningen\"]\n\n";
  people +=
      "[[people]]\nid = \"tl-g\"\nname = \"TL\"\nrole = \"team_lead\"\nphone = \"+447700900999\"\n"
      "regions = [\"groningen\"]\n";
  return "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_port) +
         "\"\n\n[kannel]\nusername = \"u\"\npassword = \"p\"\n\n[[regions]]\nid = "
         "\"groningen\"\n\n" +
         people;
}

// Something that happens in the replay, at a whole minute.
struct Happening {
  enum class Kind { incident, acknowledge, event, absence } kind = Kind::event;
  Instant at;
  int case_index = 0;
  std::string incident_kind;  // incident
  std::string ban_ends;       // incident: RFC 3339 or empty
  std::string ban_starts;
  EventType type = EventType::first_contact;  // event
  std::string casemanager;                    // reassigned: to whom
  bool by_team_lead = false;
};

Happening happening(Happening::Kind kind, Instant at, int case_index,
                    std::string incident_kind = {}, std::string ban_ends = {}) {
  Happening h;
  h.kind = kind;
  h.at = at;
  h.case_index = case_index;
  h.incident_kind = std::move(incident_kind);
  h.ban_ends = std::move(ban_ends);
  return h;
}

struct Expected {
  int plan_breaches = 0;
  int first_contact_overdue = 0;
  int first_contact_escalations = 0;
  int never_acknowledged = 0;
  int reassignments = 0;
};

class YearReplay : public test::CasesRedisTest {};

TEST_F(YearReplay, ABusyRegionsYearOf10000CasesReplaysInUnderAMinute) {
  const auto wall_start = std::chrono::steady_clock::now();  // a stopwatch, not domain time
  spdlog::set_level(spdlog::level::warn);  // one log line per action would dominate the run
  conn_.command({"CONFIG", "SET", "appendonly", "no"});
  const auto cfg = common::parse_config(region_config(redis_->server.port()), "year.toml");
  StaffDirectory staff(cfg);
  EngineRules rules{cfg, staff};
  const Instant start = at("2027-01-01T07:00:00Z");
  const Instant end = start + 365 * kDay;
  common::SimulatedClock clock(start);
  RedisCaseStore store(redis_->config());
  DeadlineShell shell(store, rules, clock, transport_, ShellOptions{}, nullptr);

  // ---- the year's happenings, from a fixed seed
  std::mt19937_64 rng(20270101);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  auto minutes = [](double m) { return std::chrono::minutes{static_cast<long long>(m)}; };
  auto days = [&](double d) { return minutes(d * 24 * 60); };
  std::vector<Happening> hs;
  std::vector<std::string> assigned(kCases);
  std::vector<Instant> opened_at(kCases);
  Expected expected;
  const std::string sick = icm(7);
  const Instant sick_from = start + 100 * kDay + 9h;
  const Instant sick_until = sick_from + 10 * kDay;
  int round_robin = 0;
  for (int i = 0; i < kCases; ++i) {
    const Instant t = start + minutes(uniform(0, 365 * 24 * 60 - 1));
    // Dispatch's choice: round robin over the casemanagers at work.
    std::string cm;
    do {
      cm = icm(1 + (round_robin++ % kCasemanagers));
    } while (cm == sick && t >= sick_from && t < sick_until);
    assigned[i] = cm;
    opened_at[i] = t;
    const double k = uniform(0, 1);
    const std::string kind = k < 0.45  ? "home_ban"
                             : k < 0.6 ? "code_red"
                             : k < 0.8 ? "repeat_incident"
                                       : "ban_violation";
    auto inc = happening(Happening::Kind::incident, t, i, kind);
    if (kind == "home_ban") {
      inc.ban_starts = common::format_rfc3339(t);
      inc.ban_ends = common::format_rfc3339(t + 10 * kDay);
      const double b = uniform(0, 1);
      if (b < 0.25) {  // extended by the mayor three days before the end, to 24 days
        hs.push_back(happening(Happening::Kind::incident, t + 7 * kDay, i, "home_ban_extended",
                               common::format_rfc3339(t + 24 * kDay)));
        hs.back().ban_starts = common::format_rfc3339(t);
      } else if (b < 0.35) {
        hs.push_back(
            happening(Happening::Kind::incident, t + days(uniform(2, 8)), i, "home_ban_lifted"));
      }
    }
    hs.push_back(inc);
    const bool acknowledged = uniform(0, 1) >= 0.03;
    if (acknowledged)
      hs.push_back(happening(Happening::Kind::acknowledge, t + minutes(uniform(1, 12)), i));
    else if (t + 15min <= end)
      ++expected.never_acknowledged;
    auto ev = [&](Instant when, EventType type) {
      if (when > end) return;
      auto h = happening(Happening::Kind::event, when, i);
      h.type = type;
      hs.push_back(h);
    };
    const Instant fc = t + minutes(uniform(20, 280));
    if (fc >= t + 3h && t + 3h <= end) ++expected.first_contact_overdue;
    if (fc >= t + 4h && t + 4h <= end) ++expected.first_contact_escalations;
    ev(fc, EventType::first_contact);
    const Instant intake = fc + minutes(uniform(120, 360));
    ev(intake, EventType::intake);
    const Instant plan =
        std::max(intake + 60min, t + minutes(std::normal_distribution<double>(600, 110)(rng)));
    if (plan >= t + 12h && t + 12h <= end) ++expected.plan_breaches;
    ev(plan, EventType::plan_of_action);
    const Instant help = plan + days(uniform(0.5, 3));
    ev(help, EventType::help_started);
    const Instant handover = t + days(uniform(85, 130));
    Instant c = help;
    while ((c = c + days(uniform(4, 7.5))) < handover) ev(c, EventType::monitoring_contact);
    ev(handover, EventType::handover);
    c = handover;
    while ((c = c + days(uniform(20, 40))) < t + 360 * kDay) ev(c, EventType::monitoring_contact);
    ev(t + days(uniform(160, 220)), EventType::evaluation);
  }
  // Off sick: icm-07's open cases reach the team lead at once; a day later
  // the team lead reassigns each of them.
  hs.push_back(happening(Happening::Kind::absence, sick_from, -1));
  for (int i = 0; i < kCases; ++i) {
    if (assigned[i] != sick || opened_at[i] >= sick_from) continue;
    ++expected.reassignments;
    auto r = happening(Happening::Kind::event, sick_from + kDay, i);
    r.type = EventType::reassigned;
    int to = 1 + i % (kCasemanagers - 1);  // anyone but icm-07
    if (to >= 7) ++to;
    r.casemanager = icm(to);
    r.by_team_lead = true;
    hs.push_back(r);
  }
  std::stable_sort(hs.begin(), hs.end(),
                   [](const Happening& a, const Happening& b) { return a.at < b.at; });

  // ---- the replay
  // The clock jumps to the next due timer or the next happening. Happenings
  // before the next due timer (in windows of at most 15 minutes — shorter
  // than any step a happening can start) are applied together: the events'
  // cases are loaded in one round trip and the events recorded in one
  // pipeline, each against its case's version. Timers fire in order.
  constexpr auto kWindow = 15min;
  std::vector<test::Opened> opened(kCases);
  std::vector<std::string> by(kCases);  // who records events on the case now
  std::vector<Fired> fired;
  shell.set_observer([&](const Fired& f) { fired.push_back(f); });
  std::size_t events = 0;
  std::map<std::string, int> refused;
  const Actor lead{"tl-g", common::StaffRole::team_lead, {"groningen"}};
  auto apply_other = [&](const Happening& h, std::size_t seq) {
    switch (h.kind) {
      case Happening::Kind::incident: {
        const auto o = test::accept_incident(incidents_, "Y-" + std::to_string(seq),
                                             "hh-year-" + std::to_string(h.case_index), h.at,
                                             h.incident_kind, h.ban_ends, h.ban_starts);
        if (h.incident_kind == "home_ban_extended" || h.incident_kind == "home_ban_lifted") {
          test::assign_and_acknowledge(conn_, o, by[h.case_index], h.at, h.at + 1min);
        } else {
          opened[h.case_index] = o;
          by[h.case_index] = assigned[h.case_index];
          // piket-dispatch's assignment (the acknowledgement comes later).
          conn_.pipeline({{"HSET", "case:" + o.case_id, "casemanager", by[h.case_index]},
                          {"SADD", "caseload:" + by[h.case_index], o.case_id},
                          {"HSET", "incident:" + o.incident_id, "status", "dispatched"}});
        }
        return;
      }
      case Happening::Kind::acknowledge: {
        const auto& o = opened[h.case_index];
        conn_.pipeline(
            {{"HSET", "incident:" + o.incident_id, "status", "acknowledged", "acknowledged_at",
              std::to_string(common::to_epoch_ms(h.at))},
             {"RPUSH", "case:" + o.case_id + ":timeline", R"({"type":"acknowledged"})"}});
        return;
      }
      case Happening::Kind::absence:
        store.set_absence(sick, true, sick_from, sick_until, "person:tl-g", h.at);
        return;
      case Happening::Kind::event:
        return;
    }
  };
  // Records events of distinct cases together; returns those to try again.
  auto record_events = [&](const std::vector<const Happening*>& batch) {
    std::vector<std::string> ids;
    for (const auto* h : batch) ids.push_back(opened[h->case_index].case_id);
    const auto states = store.load_many(ids);
    std::vector<Change> changes;
    changes.reserve(batch.size());
    std::vector<const Happening*> sent;
    std::vector<RedisCaseStore::RecordRequest> requests;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& h = *batch[i];
      if (!states[i]) {
        ADD_FAILURE() << "no case " << ids[i];
        continue;
      }
      const Actor actor =
          h.by_team_lead ? lead
                         : Actor{by[h.case_index], common::StaffRole::casemanager, {"groningen"}};
      auto change = apply_event(*states[i], {h.type, h.at, {}, h.casemanager}, actor, rules, h.at);
      if (auto* r = std::get_if<Refusal>(&change)) {
        ++refused[std::string(to_string(h.type)) + ":" + r->code];
        continue;
      }
      changes.push_back(std::get<Change>(std::move(change)));
      requests.push_back({ids[i], states[i]->version, &changes.back(),
                          evaluate(changes.back().after, rules, h.at).timers});
      sent.push_back(batch[i]);
    }
    const auto outcomes = store.record_many(requests);
    std::vector<const Happening*> again;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      if (outcomes[i] != WriteOutcome::done) {
        again.push_back(sent[i]);
        continue;
      }
      if (sent[i]->type == EventType::reassigned) by[sent[i]->case_index] = sent[i]->casemanager;
      ++events;
    }
    return again;
  };

  const auto generated = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration in_timers{}, in_windows{};
  std::size_t next = 0, steps = 0, windows = 0;
  std::optional<std::optional<Instant>> known;  // the next timer, when the shell just told us
  for (;;) {
    const auto timer = known ? *known : shell.next_due();
    known.reset();
    std::optional<Instant> t;
    if (next < hs.size()) t = hs[next].at;
    if (timer && (!t || *timer <= *t)) t = *timer;
    if (!t || *t > end) break;
    clock.set(*t);
    ++steps;
    if (timer && *timer <= *t) {
      const auto a = std::chrono::steady_clock::now();
      shell.run_due();  // everything due up to now, before what happens now
      known = shell.next_due_after_last_round();
      in_timers += std::chrono::steady_clock::now() - a;
      continue;
    }
    const auto a = std::chrono::steady_clock::now();
    const auto window_end = std::min(timer ? *timer : Instant::max(), *t + kWindow);
    ++windows;
    // In order; a case's second event of the window goes into the next batch.
    std::vector<const Happening*> batch;
    std::set<int> in_batch;
    auto flush = [&] {
      for (int attempt = 0; !batch.empty() && attempt < 5; ++attempt) batch = record_events(batch);
      EXPECT_TRUE(batch.empty()) << "events could not be recorded";
      batch.clear();
      in_batch.clear();
    };
    for (; next < hs.size() && hs[next].at < window_end; ++next) {
      const auto& h = hs[next];
      if (h.kind != Happening::Kind::event) {
        if (h.case_index >= 0 && in_batch.count(h.case_index)) flush();
        apply_other(h, next);
        continue;
      }
      if (!in_batch.insert(h.case_index).second) {
        flush();
        in_batch.insert(h.case_index);
      }
      batch.push_back(&h);
    }
    flush();
    in_windows += std::chrono::steady_clock::now() - a;
  }
  clock.set(end);
  shell.run_due();
  const auto wall = std::chrono::steady_clock::now() - wall_start;

  // ---- what happened
  std::map<std::string, int> count;
  std::set<std::string> keys;
  int late = 0, duplicates = 0, team_lead_pages = 0;
  for (const auto& f : fired) {
    ++count[std::string(to_string(f.clock)) + "." + f.step];
    if (!keys.insert(f.key).second) ++duplicates;
    if (f.late != 0ms) ++late;
    if (f.person == "tl-g") ++team_lead_pages;
  }
  std::cout << "[ info ] replayed " << kCases << " cases, " << hs.size() << " happenings ("
            << events << " events recorded), " << steps << " clock steps (" << windows
            << " windows of happenings), " << fired.size() << " actions taken (" << team_lead_pages
            << " to the team lead) in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(wall).count() << " ms\n";
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << "[ info ] generating " << ms(generated - wall_start) << " ms, firing "
            << ms(in_timers) << " ms, applying happenings " << ms(in_windows) << " ms\n";
  for (const auto& [k, n] : count) std::cout << "[ info ]   " << k << ": " << n << "\n";
  std::cout << "[ info ] plans that missed 12 hours: " << count["plan.escalate"] << " of " << kCases
            << " (" << (100.0 * count["plan.escalate"] / kCases) << " %)\n";

  EXPECT_TRUE(refused.empty()) << refused.begin()->first << " x" << refused.begin()->second;
  EXPECT_EQ(duplicates, 0) << "an action taken twice";
  EXPECT_EQ(late, 0) << "every deadline fires at its due time in simulated time";
  EXPECT_EQ(count["plan.escalate"], expected.plan_breaches);
  EXPECT_EQ(count["first_contact.overdue"], expected.first_contact_overdue);
  EXPECT_EQ(count["first_contact.escalate"], expected.first_contact_escalations);
  EXPECT_EQ(count["acknowledgement.escalate"], expected.never_acknowledged);
  EXPECT_EQ(count["reassignment.reassign"], expected.reassignments);
  EXPECT_GT(count["home_ban.decision"], 0);
  EXPECT_GT(count["checkin.remind"], 0);
  EXPECT_GT(count["handover.escalate"], 0);
  EXPECT_GT(count["evaluation.escalate"], 0);
  // Pages in Redis: one per action with a recipient.
  EXPECT_EQ(conn_.command({"EVAL", "return #redis.call('KEYS', 'page:*')", "0"}).integer,
            static_cast<long long>(fired.size()));
  EXPECT_LT(wall, std::chrono::seconds{60}) << "a year of a busy region in under a minute";
}

}  // namespace
}  // namespace piket::cases
