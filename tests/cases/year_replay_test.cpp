// A year of a busy region replayed in simulated time (label redis): 10,000
// incidents through ingest's real acceptance script, about 260,000
// casemanager events through the case rules and the Redis store (weekly
// check-ins before handover, monthly after, some late plans, some families
// dropping out of sight, bans extended or lifted), a casemanager off sick for
// ten days, and the deadline engine's shell on a private redis-server. What
// piket-dispatch and piket-inbound write (assignment, acknowledgement) is
// written directly.
//
// Every deadline must fire exactly at its due time and exactly once, and the
// counts must match what the generator expects independently (late plans,
// late first contacts, unacknowledged pages, cases to reassign).
//
// The replay is a conservative discrete-event simulation: cases do not
// affect each other, so a case's happenings are applied ahead of the clock
// as long as none of its own deadlines is due before them (the pure engine
// tells), many cases per pipelined batch; the clock then moves to the next
// due timer and the shell fires it. The absence, which concerns several
// cases, is a barrier. Redis runs without its append-only file: a replay can
// be run again, and durability across kill -9 is what the shell and
// whole-stack tests check.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <deque>
#include <iostream>
#include <map>
#include <queue>
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
         "\"\n\n[kannel]\nusername = \"u\"\n\n[[regions]]\nid = "
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

TEST_F(YearReplay, ABusyRegionsYearOf10000CasesReplaysInSimulatedTime) {
  const auto wall_start = std::chrono::steady_clock::now();  // a stopwatch, not domain time
  spdlog::set_level(spdlog::level::warn);  // one log line per action would dominate the run
  conn_.command({"CONFIG", "SET", "appendonly", "no"});
  const auto cfg = common::parse_config(region_config(redis_->server().port()), "year.toml");
  StaffDirectory staff(cfg);
  EngineRules rules{cfg, staff};
  const Instant start = at("2027-01-01T07:00:00Z");
  const Instant end = start + 365 * kDay;
  common::SimulatedClock clock(start);
  RedisCaseStore store(redis_->config_as("cases"));
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
    while ((c = c + days(uniform(3, 7.2))) < handover) ev(c, EventType::monitoring_contact);
    ev(handover, EventType::handover);
    c = handover;
    // After handover monthly check-ins; one family in twelve drops out of
    // sight for six to eight weeks once (the stall the method warns about).
    const bool drops_out = uniform(0, 1) < 1.0 / 12;
    while ((c = c + days(uniform(14, 32))) < t + 360 * kDay) {
      ev(c, EventType::monitoring_contact);
      if (drops_out && c > handover + 30 * kDay && c < handover + 40 * kDay)
        c = c + days(uniform(42, 56));
    }
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
  std::erase_if(hs, [&](const Happening& h) { return h.at > end; });  // the year is over
  std::stable_sort(hs.begin(), hs.end(),
                   [](const Happening& a, const Happening& b) { return a.at < b.at; });

  // ---- the replay
  // A conservative discrete-event simulation. Cases are independent of each
  // other, so a case's next happening is applied as soon as none of that
  // case's deadlines is due before it (the pure engine says so) — in large
  // pipelined batches across cases, ahead of the clock. Deadlines fire only
  // when the clock reaches them, in order, each at its exact due time; a case
  // blocked on one continues once it has fired. The absence, the one
  // happening that concerns several cases, is a barrier the clock waits for.
  std::vector<test::Opened> opened(kCases);
  std::vector<std::string> by(kCases);  // who records events on the case now
  std::vector<Fired> fired;
  shell.set_observer([&](const Fired& f) { fired.push_back(f); });
  std::size_t events = 0;
  std::map<std::string, int> refused;
  const Actor lead{"tl-g", common::StaffRole::team_lead, {"groningen"}};

  std::vector<std::vector<std::size_t>> per_case(kCases);
  std::vector<std::size_t> barriers;
  for (std::size_t i = 0; i < hs.size(); ++i)
    (hs[i].case_index < 0 ? barriers : per_case[static_cast<std::size_t>(hs[i].case_index)])
        .push_back(i);
  std::vector<std::size_t> cursor(kCases, 0);
  // Cases that may go on, by the time of their next happening: the clock may
  // not pass the earliest of them before they have.
  using Waiting = std::pair<Instant, int>;
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> ready;
  for (int c = 0; c < kCases; ++c)
    if (!per_case[static_cast<std::size_t>(c)].empty())
      ready.push({hs[per_case[static_cast<std::size_t>(c)][0]].at, c});
  // Cases waiting for one of their deadlines, by its due time.
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> blocked;
  std::size_t next_barrier = 0, batches = 0, steps = 0;
  std::vector<int> parked;  // cases whose next happening lies after the next barrier

  auto happening_of = [&](int c) -> const Happening& {
    return hs[per_case[static_cast<std::size_t>(c)][cursor[static_cast<std::size_t>(c)]]];
  };
  auto advance = [&](int c, std::vector<int>& again) {
    if (++cursor[static_cast<std::size_t>(c)] < per_case[static_cast<std::size_t>(c)].size())
      again.push_back(c);
  };
  auto opens_case = [](const Happening& h) {
    return h.kind == Happening::Kind::incident && h.incident_kind != "home_ban_extended" &&
           h.incident_kind != "home_ban_lifted";
  };

  // Applies the next happenings of each case in `take` — a run of events is
  // applied through the pure rules one after the other and sent in one
  // pipeline with consecutive versions — and returns the cases that may go
  // on. A case stops at a happening that a deadline of its own is due before
  // (it waits for the engine), or that lies after the next barrier.
  auto progress = [&](const std::vector<int>& take) {
    ++batches;
    std::vector<int> again;
    std::vector<std::vector<std::string>> writes;
    std::vector<int> checked;
    auto fenced = [&](const Happening& h) {
      return next_barrier < barriers.size() && h.at >= hs[barriers[next_barrier]].at;
    };
    for (int c : take) {
      const auto& h = happening_of(c);
      if (fenced(h)) {
        parked.push_back(c);  // the absence first: it concerns this case too
        continue;
      }
      if (!opens_case(h)) {
        checked.push_back(c);
        continue;
      }
      // A new case: ingest's acceptance script, then what dispatch writes.
      const auto o = test::accept_incident(incidents_, "Y-" + std::to_string(c),
                                           "hh-year-" + std::to_string(c), h.at, h.incident_kind,
                                           h.ban_ends, h.ban_starts);
      opened[static_cast<std::size_t>(c)] = o;
      by[static_cast<std::size_t>(c)] = assigned[static_cast<std::size_t>(c)];
      writes.push_back(
          {"HSET", "case:" + o.case_id, "casemanager", by[static_cast<std::size_t>(c)]});
      writes.push_back({"SADD", "caseload:" + by[static_cast<std::size_t>(c)], o.case_id});
      writes.push_back({"HSET", "incident:" + o.incident_id, "status", "dispatched"});
      advance(c, again);
    }
    if (!writes.empty()) conn_.pipeline(writes);
    writes.clear();
    std::vector<std::string> ids;
    for (int c : checked) ids.push_back(opened[static_cast<std::size_t>(c)].case_id);
    const auto states =
        ids.empty() ? std::vector<std::optional<CaseState>>{} : store.load_many(ids);
    std::deque<Change> changes;
    std::vector<RedisCaseStore::RecordRequest> requests;
    for (std::size_t i = 0; i < checked.size(); ++i) {
      const int c = checked[i];
      auto& cursor_c = cursor[static_cast<std::size_t>(c)];
      const auto& list = per_case[static_cast<std::size_t>(c)];
      if (!states[i]) {
        ADD_FAILURE() << "no case " << ids[i];
        continue;
      }
      CaseState cur = *states[i];
      bool stopped = false;
      for (int run = 0; cursor_c < list.size() && run < 64; ++run) {
        const auto& h = hs[list[cursor_c]];
        if (run > 0 && (h.kind != Happening::Kind::event || fenced(h))) break;
        if (fenced(h)) {
          parked.push_back(c);
          stopped = true;
          break;
        }
        const auto due = evaluate(cur, rules, h.at).actions;
        if (!due.empty()) {
          // Due now at the latest (the engine has yet to run at this time), never before.
          EXPECT_GE(due.front().step.due, clock.now())
              << "a deadline the engine passed without firing: " << due.front().step.key;
          blocked.push({due.front().step.due, c});
          stopped = true;
          break;
        }
        const auto& o = opened[static_cast<std::size_t>(c)];
        if (h.kind == Happening::Kind::acknowledge) {
          writes.push_back({"HSET", "incident:" + o.incident_id, "status", "acknowledged",
                            "acknowledged_at", std::to_string(common::to_epoch_ms(h.at))});
          writes.push_back(
              {"RPUSH", "case:" + o.case_id + ":timeline", R"({"type":"acknowledged"})"});
          ++cursor_c;
          break;
        }
        if (h.kind == Happening::Kind::incident) {  // the ban extended or lifted
          const auto x = test::accept_incident(
              incidents_, "Y-" + std::to_string(c) + "-" + std::to_string(cursor_c),
              "hh-year-" + std::to_string(c), h.at, h.incident_kind, h.ban_ends, h.ban_starts);
          writes.push_back({"HSET", "incident:" + x.incident_id, "status", "acknowledged",
                            "acknowledged_at", std::to_string(common::to_epoch_ms(h.at + 1min))});
          ++cursor_c;
          break;
        }
        const Actor actor = h.by_team_lead ? lead
                                           : Actor{by[static_cast<std::size_t>(c)],
                                                   common::StaffRole::casemanager,
                                                   {"groningen"}};
        auto change = apply_event(cur, {h.type, h.at, {}, h.casemanager}, actor, rules, h.at);
        ++cursor_c;
        if (auto* r = std::get_if<Refusal>(&change)) {
          ++refused[std::string(to_string(h.type)) + ":" + r->code];
          continue;
        }
        changes.push_back(std::get<Change>(std::move(change)));
        requests.push_back({ids[i], cur.version, &changes.back(),
                            evaluate(changes.back().after, rules, h.at).timers});
        cur = changes.back().after;
        cur.version += 1;  // the record appends one timeline entry
        if (h.type == EventType::reassigned) by[static_cast<std::size_t>(c)] = h.casemanager;
      }
      if (!stopped && cursor_c < list.size()) again.push_back(c);
    }
    if (!writes.empty()) conn_.pipeline(writes);
    const auto outcomes =
        requests.empty() ? std::vector<WriteOutcome>{} : store.record_many(requests);
    for (const auto& outcome : outcomes) {
      EXPECT_EQ(outcome, WriteOutcome::done) << "nobody else writes these cases meanwhile";
      events += outcome == WriteOutcome::done;
    }
    return again;
  };

  const auto generated = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration in_timers{}, in_happenings{};
  std::optional<std::optional<Instant>> known;  // the next timer, when the shell just told us
  for (;;) {
    const auto timer = known ? *known : shell.next_due();
    known.reset();
    if (!ready.empty() && (!timer || ready.top().first <= *timer)) {
      // Everything that may go on goes on now, each case until it blocks or
      // has nothing left, in batches of up to 1000 cases.
      const auto a = std::chrono::steady_clock::now();
      std::vector<int> going;
      while (!ready.empty()) {
        going.push_back(ready.top().second);
        ready.pop();
      }
      while (!going.empty()) {
        std::vector<int> next_round;
        for (std::size_t at = 0; at < going.size(); at += 1000) {
          const std::vector<int> take(
              going.begin() + static_cast<std::ptrdiff_t>(at),
              going.begin() + static_cast<std::ptrdiff_t>(std::min(going.size(), at + 1000)));
          const auto again = progress(take);
          next_round.insert(next_round.end(), again.begin(), again.end());
        }
        going = std::move(next_round);
      }
      in_happenings += std::chrono::steady_clock::now() - a;
      continue;
    }
    const auto barrier = next_barrier < barriers.size()
                             ? std::optional<Instant>(hs[barriers[next_barrier]].at)
                             : std::nullopt;
    if (barrier && (!timer || *barrier <= *timer)) {
      clock.set(*barrier);
      store.set_absence(sick, true, sick_from, sick_until, "person:tl-g", *barrier);
      ++next_barrier;
      for (int c : parked) ready.push({happening_of(c).at, c});
      parked.clear();
      continue;
    }
    if (!timer || *timer > end) break;
    clock.set(*timer);
    ++steps;
    const auto a = std::chrono::steady_clock::now();
    shell.run_due();
    known = shell.next_due_after_last_round();
    in_timers += std::chrono::steady_clock::now() - a;
    while (!blocked.empty() && blocked.top().first <= *timer) {
      const int c = blocked.top().second;
      ready.push({happening_of(c).at, c});
      blocked.pop();
    }
  }
  EXPECT_TRUE(blocked.empty()) << blocked.size() << " cases still wait for a deadline";
  for (int c = 0; c < kCases; ++c)
    EXPECT_EQ(cursor[static_cast<std::size_t>(c)], per_case[static_cast<std::size_t>(c)].size())
        << c;
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
            << events << " events recorded in " << batches << " batches), " << steps
            << " clock steps, " << fired.size() << " actions taken (" << team_lead_pages
            << " to the team lead) in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(wall).count() << " ms\n";
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << "[ info ] generating " << ms(generated - wall_start) << " ms, firing "
            << ms(in_timers) << " ms, applying happenings " << ms(in_happenings) << " ms\n";
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
  EXPECT_GT(count["checkin.escalate"], 0);
  EXPECT_GT(count["handover.escalate"], 0);
  EXPECT_GT(count["evaluation.escalate"], 0);
  // Pages in Redis: one per action with a recipient.
  EXPECT_EQ(conn_.command({"EVAL", "return #redis.call('KEYS', 'page:*')", "0"}).integer,
            static_cast<long long>(fired.size()));
  EXPECT_LT(wall, std::chrono::seconds{60}) << "a year of a busy region in under a minute";
}

}  // namespace
}  // namespace piket::cases
