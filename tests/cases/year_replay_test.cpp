// Years of a region replayed in simulated time (label redis): incidents
// through ingest's real acceptance script, casemanager events through the
// case rules and the Redis store, and the deadline engine's shell on a
// private redis-server. What piket-dispatch and piket-inbound write
// (assignment, the incident page, acknowledgements of pages and of most
// reminders) is written directly.
//
// Two scenarios:
//   - a region the size of the sources' (Venlo: 278 families in three years
//     with six casemanagers, so 93 new families a year and six casemanagers,
//     one team lead): the figures a team lead needs — pages per person per
//     week (median, max) and the largest burst any phone received — are
//     printed;
//   - a busy region (3,000 new families, 12 casemanagers): capacity.
// In both, families get later incidents (code red, ban violation, repeat
// incident) that start clocks of their own, bans are extended (some to the
// 28-day maximum) or lifted, casemanagers sometimes let a week pass, one is
// off sick for ten days, and one reminder in ten is never acknowledged.
//
// Every deadline must fire exactly at its due time and exactly once, and the
// counts must match what the generator expects independently (late plans,
// late first contacts — for opening and later incidents — and cases to
// reassign; an unacknowledged incident page is paging's, not the engine's,
// and takes no step here); no extension decision for a ban at its maximum;
// every stall reaches the team lead seven days after the last activity; every
// unanswered-reminder escalation follows a reminder nobody acknowledged.
//
// Issue 16: every family gets agreements — referrals to the region's chain
// partners, each partner with its own seeded distribution of waiting times
// (request → help starts; a referral is due three weeks after it was asked)
// and its own share never started (marked missed), and appointments with the
// family, some late or missed. Each agreement that is still open at its due
// time must be overdue exactly then (a page to the casemanager) and reach the
// team lead after the grace period; the year's per-partner waiting-time view
// (the board's chain_stalls over every case: median, p90, overdue) is printed
// and must equal the generator's own waiting times.
//
// Issue 16, the tracks: each family's opening incident names its persons'
// roles (victim, mostly a perpetrator, often children, sometimes another
// person — roles only), and per track the casemanager records a first contact
// (some late, some never), an intake, or "not applicable" with a reason
// (refuses, unreachable, no children). Each track on the clock that is not
// seen (or taken off the clock) within seven calendar days of the case's
// first contact must remind the casemanager exactly then and reach the team
// lead a day later: per role, as many as the generator expects. A per-role
// table (tracks, seen within 7 days, median days to the track's first
// contact, reminded, escalated) is printed.
//
// Issue 13: a third scenario replays a year (1,000 new families) twice — once
// with one deadline engine, once with two shells with their own Redis
// connections on their own threads, let loose together on every due moment —
// and the actions taken must be the same, each once.
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
#include <array>
#include <barrier>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <set>
#include <thread>

#include "engine_support.hpp"
#include "piket/cases/agreement.hpp"
#include "piket/cases/calendar.hpp"
#include "piket/cases/case_events.hpp"
#include "piket/cases/track.hpp"
#include "piket/config/config.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "piket/web/chain_stalls.hpp"
#include "piket/web/service_backend.hpp"
#include "redis_fixture.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;
using common::Instant;
using test::at;

constexpr auto kDay = std::chrono::hours{24};

std::string icm(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "icm-%02d", n);
  return buf;
}

// The region's chain partners and how the year's referrals to them go: the
// median waiting time (days; lognormal around it) and the share of referrals
// whose help never starts. One partner gets no referrals at all.
struct PartnerProfile {
  const char* id;
  const char* kind;
  double median_days;
  double missed;
};
constexpr std::array<PartnerProfile, 5> kPartners{{
    {"vz-noord", "addiction_care", 24, 0.15},
    {"jz-stad", "youth_care", 10, 0.05},
    {"ggz-groningen", "mental_health", 35, 0.10},
    {"mw-stad", "social_work", 4, 0.03},
    {"rn-noord", "probation", 14, 0.08},
}};
constexpr const char* kUnusedPartner = "politie-noord";
constexpr auto kReferralDue = std::chrono::days{21};

// The track policy (the deployment's defaults, docs/deadlines.md "Tracks"):
// every track on the clock seen within 7 calendar days of the case's first
// contact, the team lead a day after.
constexpr int kTrackDays = 7;
constexpr auto kTrackGrace = std::chrono::hours{24};
constexpr std::array<Track, 4> kTracks{Track::perpetrator, Track::victim, Track::children,
                                       Track::other};
// The tracks the policy watches: every track of the case, "other" too.
constexpr bool on_the_clock(Track) {
  return true;
}

std::string region_config(int redis_port, int casemanagers) {
  std::string people;
  for (int n = 1; n <= casemanagers; ++n)
    people += "[[people]]\nid = \"" + icm(n) +
              "\"\nname = \"ICM\"\nrole = \"casemanager\"\nphone = \"+4477009" +
              std::to_string(10000 + n).substr(1) + "\"\nregions = [\"groningen\"]\n\n";
  people +=
      "[[people]]\nid = \"tl-g\"\nname = \"TL\"\nrole = \"team_lead\"\nphone = \"+447700900999\"\n"
      "regions = [\"groningen\"]\n";
  for (const auto& p : kPartners)
    people += "\n[[chain_partners]]\nid = \"" + std::string(p.id) + "\"\nname = \"Synthetic " +
              p.id + "\"\nkind = \"" + p.kind + "\"\nregion = \"groningen\"\n";
  people += "\n[[chain_partners]]\nid = \"" + std::string(kUnusedPartner) +
            "\"\nname = \"Synthetic police\"\nkind = \"police\"\nregion = \"groningen\"\n";
  return "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_port) +
         "\"\n\n[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n\n[[regions]]\nid = "
         "\"groningen\"\n\n" +
         people;
}

// Something that happens in the replay, at a whole minute.
struct Happening {
  enum class Kind { incident, acknowledge, event, absence, agreement, track } kind = Kind::event;
  Instant at;
  int case_index = 0;
  int tag = 0;                // incident: its number within the case; acknowledge/answer: which
  bool opens = false;         // incident: the one that opens the case
  std::string incident_kind;  // incident
  std::string ban_ends;       // incident: RFC 3339 or empty
  std::string ban_starts;
  std::string persons;  // incident: its persons (a JSON array of roles) or empty
  EventType type = EventType::first_contact;  // event
  int answers = -1;                           // event: the tag of the incident it answers
  std::string casemanager;                    // reassigned: to whom
  bool by_team_lead = false;
  // agreement: made (no `settle`) or settled; `tag` numbers it within the case.
  std::string who, category;
  Track track = Track::other;
  Instant due;
  std::optional<AgreementState> settle;
  // track: what is recorded on `track` (and why it does not apply).
  TrackMark mark = TrackMark::first_contact;
  std::optional<TrackReason> reason;
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
  int reassignments = 0;
  int later_incidents = 0;
  std::set<std::string> bans_at_maximum;  // "<case index>|<end ms>"
  int agreements = 0;                     // made in the year
  int agreement_settles = 0;              // settled in the year
  int agreement_overdue = 0;              // still open at their due time (within the year)
  int agreement_escalations = 0;          // still open a grace period later
  // Per partner, the waiting times of the referrals whose help started in the year.
  std::map<std::string, std::vector<common::Millis>> waits;
  // Per track (its role): the cases with the track at the year's end, the
  // reminders and the team lead's pages its clock must give.
  struct TrackCounts {
    std::size_t tracks = 0;
    int overdue = 0;
    int escalations = 0;
  };
  std::map<std::string, TrackCounts> tracks;
};

// Per track, as the store holds the year's cases at its end.
struct TrackRow {
  std::size_t tracks = 0;
  std::size_t seen_in_time = 0;         // seen within kTrackDays of the case's first contact
  std::vector<double> days_to_contact;  // the case's first contact → the track's
  int reminded = 0, escalated = 0;      // the clock's steps taken
};

struct Scenario {
  const char* name;
  int families;  // new cases in the year
  int casemanagers;
  std::uint64_t seed;
  double later_incident_share;  // families with a later incident during the year
  // Deadline engines working on the same Redis: 1, or 2 (two shells with
  // their own connections on their own threads, both let loose on the same
  // due timers at the same simulated moment).
  int instances = 1;
};

// One reminder in ten is never acknowledged (decided by its key).
bool acknowledges(const std::string& key) {
  return std::hash<std::string>{}(key) % 10 != 0;
}

struct Figures {
  double median_cm_week = 0, max_cm_week = 0, median_lead_week = 0, max_lead_week = 0;
  std::size_t burst = 0;  // the most pages one phone got within one minute
  std::string burst_person;
  Instant burst_at;
  std::size_t cm_burst = 0;  // the same over the casemanagers' phones
};

class YearReplay : public test::CasesRedisTest {
 protected:
  struct Result {
    std::vector<Fired> fired;
    Expected expected;
    std::map<std::string, int> refused;
    std::size_t happenings = 0, events = 0, batches = 0, steps = 0;
    std::map<std::string, std::vector<Instant>> pages;  // person → when paged (every page)
    std::set<std::string> unanswered_reminders;         // reminder keys never acknowledged
    std::map<std::string, std::string> case_of_index;
    std::array<std::size_t, 2> by_instance{};  // actions taken by each engine
    std::size_t shared_moments = 0;            // clock steps at which both engines took an action
    // Clock steps at which both engines were inside run_due() at the same time.
    std::size_t overlapping_moments = 0;
    std::map<std::string, std::string> incident_of_id;  // incident id → "<case index>/<tag>"
    std::size_t left_due = 0;  // timers still due after both engines were done
    std::chrono::steady_clock::duration wall{}, generating{}, firing{}, applying{};
    Instant start, end;
    std::size_t agreement_writes = 0;
    std::size_t track_writes = 0;
    std::map<std::string, TrackRow> track_rows;  // per track
    // The board's view at the year's end over every case, and per partner the
    // agreements that went overdue during the year.
    web::ChainStalls chain;
    std::map<std::string, int> went_overdue;
  };

  Result replay(const Scenario& sc);
  // The actions taken, each named without the case's random id (by the
  // case's index in the replay), sorted: equal for equal seeds.
  static std::vector<std::string> actions(const Result& r);
  static Figures figures(const Result& r, int casemanagers);
  static void print_chain(const Result& r, const Scenario& sc);
  static void print_tracks(const Result& r, const Scenario& sc);
  void check(const Result& r, const Scenario& sc);
};

YearReplay::Result YearReplay::replay(const Scenario& sc) {
  Result res;
  const auto wall_start = std::chrono::steady_clock::now();  // a stopwatch, not domain time
  spdlog::set_level(spdlog::level::warn);  // one log line per action would dominate the run
  conn_.command({"FLUSHALL"});
  conn_.command({"CONFIG", "SET", "appendonly", "no"});
  const auto cfg =
      config::parse_config(region_config(redis_->server().port(), sc.casemanagers), "year.toml");
  StaffDirectory staff(cfg);
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  const Instant start = at("2027-01-01T07:00:00Z");
  const Instant end = start + 365 * kDay;
  res.start = start;
  res.end = end;
  common::SimulatedClock clock(start);
  RedisCaseStore store(redis_->config_as("cases"));
  DeadlineShell shell(store, rules, clock, transport_, ShellOptions{}, nullptr);
  // The second instance: its own store (its own pool of connections).
  const bool two = sc.instances == 2;
  std::optional<RedisCaseStore> store2;
  std::optional<DeadlineShell> shell2;
  if (two) {
    store2.emplace(redis_->config_as("cases"));
    shell2.emplace(*store2, rules, clock, transport_, ShellOptions{}, nullptr);
  }
  const int kCases = sc.families;
  const int kCasemanagers = sc.casemanagers;

  // ---- the year's happenings, from a fixed seed
  std::mt19937_64 rng(sc.seed);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  auto minutes = [](double m) { return std::chrono::minutes{static_cast<long long>(m)}; };
  auto days = [&](double d) { return minutes(d * 24 * 60); };
  std::vector<Happening> hs;
  std::vector<std::string> assigned(kCases);
  std::vector<Instant> opened_at(kCases);
  Expected& expected = res.expected;
  const std::string sick = icm(std::min(7, kCasemanagers));
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
    int tags = 0;
    const double k = uniform(0, 1);
    const std::string kind = k < 0.45  ? "home_ban"
                             : k < 0.6 ? "code_red"
                             : k < 0.8 ? "repeat_incident"
                                       : "ban_violation";
    auto inc = happening(Happening::Kind::incident, t, i, kind);
    inc.opens = true;
    inc.tag = tags++;
    // The persons' roles: a victim, mostly a perpetrator, often children,
    // sometimes another person (roles only: the tracks need no more).
    const bool has_perpetrator = uniform(0, 1) < 0.9;
    const bool has_children = uniform(0, 1) < 0.6;
    const bool has_other = uniform(0, 1) < 0.15;
    inc.persons = std::string(R"([{"role":"victim"})") +
                  (has_perpetrator ? R"(,{"role":"perpetrator"})" : "") +
                  (has_children ? R"(,{"role":"child"},{"role":"child"})" : "") +
                  (has_other ? R"(,{"role":"other"})" : "") + "]";
    if (kind == "home_ban") {
      inc.ban_starts = common::format_rfc3339(t);
      inc.ban_ends = common::format_rfc3339(t + 10 * kDay);
      const double b = uniform(0, 1);
      if (b < 0.25) {
        // Extended by the mayor three days before the end: to 24 days, or to
        // the 28-day maximum (then no extension decision is asked).
        const bool to_max = uniform(0, 1) < 0.5;
        const auto new_end = t + (to_max ? 28 : 24) * kDay;
        hs.push_back(happening(Happening::Kind::incident, t + 7 * kDay, i, "home_ban_extended",
                               common::format_rfc3339(new_end)));
        hs.back().ban_starts = common::format_rfc3339(t);
        hs.back().tag = tags++;
        if (to_max)
          expected.bans_at_maximum.insert(std::to_string(i) + "|" +
                                          std::to_string(common::to_epoch_ms(new_end)));
      } else if (b < 0.35) {
        hs.push_back(
            happening(Happening::Kind::incident, t + days(uniform(2, 8)), i, "home_ban_lifted"));
        hs.back().tag = tags++;
      }
    }
    hs.push_back(inc);
    // 3 % of pages are never acknowledged: paging escalates them; the
    // engine's clocks run as for any other incident.
    auto acknowledge = [&](Instant when, int tag) {
      if (uniform(0, 1) >= 0.03) {
        auto a = happening(Happening::Kind::acknowledge, when + minutes(uniform(1, 12)), i);
        a.tag = tag;
        hs.push_back(a);
      }
    };
    acknowledge(t, 0);
    auto ev = [&](Instant when, EventType type, int answers = -1) {
      if (when > end) return;
      auto h = happening(Happening::Kind::event, when, i);
      h.type = type;
      h.answers = answers;
      hs.push_back(h);
    };
    const Instant fc = t + minutes(uniform(20, 280));
    if (fc >= t + 3h && t + 3h <= end) ++expected.first_contact_overdue;
    if (fc >= t + 4h && t + 4h <= end) ++expected.first_contact_escalations;
    ev(fc, EventType::first_contact);
    // The tracks: per track a first contact (and sometimes an intake later),
    // "not applicable", or nothing in the year. A track on the clock not seen
    // or taken off it by its due time reminds then, a day later the team lead.
    const Instant track_due = add_calendar_days(fc, kTrackDays);
    auto mark = [&](Track tr, TrackMark m, Instant when, std::optional<TrackReason> why = {}) {
      auto h = happening(Happening::Kind::track, when, i);
      h.track = tr;
      h.mark = m;
      h.reason = why;
      hs.push_back(h);
    };
    auto track_year = [&](Track tr, std::optional<Instant> stop) {
      auto& e = expected.tracks[std::string(to_string(tr))];
      ++e.tracks;
      if (!on_the_clock(tr)) return;
      if (track_due <= end && (!stop || *stop >= track_due)) ++e.overdue;
      if (track_due + kTrackGrace <= end && (!stop || *stop >= track_due + kTrackGrace))
        ++e.escalations;
    };
    // seen: the share seen at a time from `when`; then the shares not
    // applicable (refuses or unreachable); the rest is never seen.
    auto one_track = [&](Track tr, double seen, auto when, double refuses, double unreachable) {
      const double u = uniform(0, 1);
      std::optional<Instant> stop;
      if (u < seen) {
        stop = when();
        mark(tr, TrackMark::first_contact, *stop);
        if (uniform(0, 1) < 0.3) mark(tr, TrackMark::intake, *stop + days(uniform(0.2, 5)));
      } else if (u < seen + refuses + unreachable) {
        stop = fc + days(uniform(1, 9));
        mark(tr, TrackMark::not_applicable, *stop,
             u < seen + refuses ? TrackReason::refuses : TrackReason::unreachable);
      }
      track_year(tr, stop);
    };
    one_track(
        Track::victim, 0.9, [&] { return fc + minutes(uniform(0, 90)); }, 0, 0.05);
    if (has_perpetrator)
      one_track(
          Track::perpetrator, 0.8, [&] { return fc + days(uniform(0.5, 10)); }, 0.12, 0);
    if (has_children) {
      one_track(
          Track::children, 0.75, [&] { return fc + days(uniform(1, 9)); }, 0, 0.1);
    } else if (uniform(0, 1) < 0.3 && fc + 10h <= end) {
      // No children in the family: the casemanager says so on the first day.
      const Instant none = fc + minutes(uniform(30, 600));
      mark(Track::children, TrackMark::not_applicable, none, TrackReason::no_children);
      track_year(Track::children, none);
    }
    if (has_other)
      one_track(
          Track::other, 0.5, [&] { return fc + days(uniform(0, 12)); }, 0, 0);
    const Instant intake = fc + minutes(uniform(120, 360));
    ev(intake, EventType::intake);
    const Instant plan =
        std::max(intake + 60min, t + minutes(std::normal_distribution<double>(600, 110)(rng)));
    if (plan >= t + 12h && t + 12h <= end) ++expected.plan_breaches;
    ev(plan, EventType::plan_of_action);
    const Instant help = plan + days(uniform(0.5, 3));
    ev(help, EventType::help_started);
    // Agreements: one or two referrals to chain partners in the first weeks
    // of help, and in half the families an appointment with the family.
    int agreements = 0;
    auto agree = [&](Instant made, std::string who, std::string category, Track track, Instant due,
                     AgreementState settle, Instant settled) {
      auto h = happening(Happening::Kind::agreement, made, i);
      h.tag = agreements++;
      h.who = std::move(who);
      h.category = std::move(category);
      h.track = track;
      h.due = due;
      hs.push_back(h);
      if (made > end) return;
      ++expected.agreements;
      if (settled <= end) ++expected.agreement_settles;
      if (due <= end && settled >= due) ++expected.agreement_overdue;
      if (due + 24h <= end && settled >= due + 24h) ++expected.agreement_escalations;
      auto x = happening(Happening::Kind::agreement, settled, i);
      x.tag = h.tag;
      x.settle = settle;
      hs.push_back(x);
    };
    const int referrals = uniform(0, 1) < 0.5 ? 1 : 2;
    for (int n = 0; n < referrals; ++n) {
      const auto& p =
          kPartners[static_cast<std::size_t>(uniform(0, kPartners.size())) % kPartners.size()];
      const Instant asked = help + minutes(uniform(10, 20 * 24 * 60));
      const Instant due = asked + kReferralDue;
      const double wait = std::clamp(
          p.median_days * std::exp(0.5 * std::normal_distribution<double>(0, 1)(rng)), 0.5, 120.0);
      const bool missed = uniform(0, 1) < p.missed;
      const Instant settled = missed ? due + days(uniform(1, 10)) : asked + days(wait);
      const Track track = uniform(0, 1) < 0.5 ? Track::perpetrator : Track::victim;
      agree(asked, p.id, "referral", track, due,
            missed ? AgreementState::missed : AgreementState::done, settled);
      if (!missed && settled <= end)
        expected.waits[p.id].push_back(std::chrono::duration_cast<common::Millis>(settled - asked));
    }
    if (uniform(0, 1) < 0.5) {
      const Instant made = help + minutes(uniform(10, 5 * 24 * 60));
      const Instant due = made + days(uniform(3, 10));
      const bool missed = uniform(0, 1) < 0.2;
      agree(made, "family", "appointment", Track::children, due,
            missed ? AgreementState::missed : AgreementState::done,
            missed ? due + days(uniform(1, 3)) : made + days(uniform(1, 12)));
    }
    const Instant handover = t + days(uniform(85, 130));
    // Contacts in the intensive phase every two to six days (a reminder
    // after five, the team lead after seven).
    // One casemanager in twenty lets eight days pass once (the Groningen
    // evaluation's eight days): the team lead hears on day 7.
    const bool lapses = uniform(0, 1) < 1.0 / 20;
    Instant c = help;
    bool lapsed = false;
    while ((c = c + days(uniform(2, 6))) < handover) {
      ev(c, EventType::monitoring_contact);
      if (lapses && !lapsed && c > help + 20 * kDay && c + 8 * kDay < handover) {
        c = c + 8 * kDay;  // nothing recorded for eight days
        ev(c, EventType::monitoring_contact);
        lapsed = true;
      }
    }
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
    // A later incident while help runs: a code red (go out, revised plan), a
    // ban violation or a repeat incident (go out).
    if (uniform(0, 1) < sc.later_incident_share) {
      const Instant li = help + days(uniform(1, 200));
      const double lk = uniform(0, 1);
      const std::string later = lk < 0.3   ? "code_red"
                                : lk < 0.7 ? "ban_violation"
                                           : "repeat_incident";
      auto x = happening(Happening::Kind::incident, li, i, later);
      x.tag = tags++;
      if (li <= end) {
        hs.push_back(x);
        ++expected.later_incidents;
        acknowledge(li, x.tag);
        const Instant go = li + minutes(uniform(20, 300));
        if (go >= li + 3h && li + 3h <= end) ++expected.first_contact_overdue;
        if (go >= li + 4h && li + 4h <= end) ++expected.first_contact_escalations;
        ev(go, EventType::first_contact, x.tag);
        if (later == "code_red") {
          const Instant revised =
              std::max(go + 60min, li + minutes(std::normal_distribution<double>(600, 110)(rng)));
          if (revised >= li + 12h && li + 12h <= end) ++expected.plan_breaches;
          ev(revised, EventType::plan_of_action, x.tag);
        }
      }
    }
  }
  // Off sick: the casemanager's open cases reach the team lead at once; a day
  // later the team lead reassigns each of them.
  hs.push_back(happening(Happening::Kind::absence, sick_from, -1));
  for (int i = 0; i < kCases; ++i) {
    if (assigned[i] != sick || opened_at[i] >= sick_from) continue;
    ++expected.reassignments;
    auto r = happening(Happening::Kind::event, sick_from + kDay, i);
    r.type = EventType::reassigned;
    int to = 1 + i % (kCasemanagers - 1);  // anyone but the sick one
    if (icm(to) >= sick) ++to;
    r.casemanager = icm(to);
    r.by_team_lead = true;
    hs.push_back(r);
  }
  std::erase_if(hs, [&](const Happening& h) { return h.at > end; });  // the year is over
  std::stable_sort(hs.begin(), hs.end(),
                   [](const Happening& a, const Happening& b) { return a.at < b.at; });
  res.happenings = hs.size();

  // ---- the replay
  // A conservative discrete-event simulation. Cases are independent of each
  // other, so a case's next happening is applied as soon as none of that
  // case's deadlines is due before it (the pure engine says so) — in large
  // pipelined batches across cases, ahead of the clock. Deadlines fire only
  // when the clock reaches them, in order, each at its exact due time; a case
  // blocked on one continues once it has fired. The absence, the one
  // happening that concerns several cases, is a barrier the clock waits for.
  std::vector<std::string> case_ids(kCases);
  std::vector<std::map<int, std::string>> incident_ids(kCases);  // tag → incident id
  std::vector<std::string> by(kCases);  // who records events on the case now
  std::vector<std::map<int, std::string>> agreement_ids(kCases);  // tag → agreement id
  // Reminders acknowledged (written after each round of the engine, long
  // before a follow-up could be due).
  std::vector<std::vector<std::string>> acks;
  std::mutex observed;  // two engines report from their own threads
  std::array<std::size_t, 2> this_moment{};
  auto observer = [&](int instance, const Fired& f) {
    std::lock_guard lock(observed);
    ++res.by_instance[static_cast<std::size_t>(instance)];
    ++this_moment[static_cast<std::size_t>(instance)];
    res.fired.push_back(f);
    if (f.person.empty()) return;
    res.pages[f.person].push_back(f.at);
    // What inbound writes when the casemanager answers a reminder by SMS.
    const auto* p = cfg.person(f.person);
    if (f.escalation || !p || p->role != rota::StaffRole::casemanager) return;
    // (Decided by the key with the case's index for its random id, so that
    // a replay of the same seed answers the same reminders.)
    if (acknowledges(res.case_of_index.at(f.case_id) + f.key.substr(f.case_id.size())))
      acks.push_back({"HSET", store::page_key(f.page_id), "acknowledged_at",
                      std::to_string(common::to_epoch_ms(f.at + 20min))});
    else
      res.unanswered_reminders.insert(f.key);
  };
  shell.set_observer([&](const Fired& f) { observer(0, f); });
  if (two) shell2->set_observer([&](const Fired& f) { observer(1, f); });
  // Both engines at the same simulated moment: two threads that start
  // run_due() together (a barrier) and report back (a second one).
  std::barrier<> go(two ? 3 : 1), done(two ? 3 : 1);
  bool quit = false;
  std::vector<std::string> thread_errors;
  std::vector<std::jthread> engines;
  using Steady = std::chrono::steady_clock;  // a stopwatch: did the two overlap?
  std::array<std::pair<Steady::time_point, Steady::time_point>, 2> inside{};
  // Which thread drives which engine alternates with every moment, so that
  // neither engine is always the one whose thread happens to start first.
  std::size_t moment = 0;
  if (two)
    for (std::size_t n : {0u, 1u})
      engines.emplace_back([&, n] {
        for (;;) {
          go.arrive_and_wait();
          if (quit) return;
          DeadlineShell& s = (n + moment) % 2 == 0 ? shell : *shell2;
          try {
            inside[n].first = Steady::now();
            s.run_due();
            inside[n].second = Steady::now();
          } catch (const std::exception& e) {
            std::lock_guard lock(observed);
            thread_errors.push_back(e.what());
          }
          done.arrive_and_wait();
        }
      });
  // Whatever ends the replay (a failure too) lets the engines' threads go.
  struct Release {
    std::barrier<>& go;
    bool& quit;
    bool two;
    ~Release() {
      if (two && !quit) {
        quit = true;
        go.arrive_and_wait();
      }
    }
  } release{go, quit, two};
  auto run_due = [&] {
    this_moment = {};
    if (!two) {
      shell.run_due();
      return;
    }
    ++moment;
    go.arrive_and_wait();
    done.arrive_and_wait();
    if (this_moment[0] > 0 && this_moment[1] > 0) ++res.shared_moments;
    if (std::max(inside[0].first, inside[1].first) < std::min(inside[0].second, inside[1].second))
      ++res.overlapping_moments;
    // Neither engine stops while something is due: nothing is left behind.
    if (const auto next = shell.next_due(); next && *next <= clock.now()) ++res.left_due;
  };
  const Actor lead{"tl-g", rota::StaffRole::team_lead, {"groningen"}};

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
  std::size_t next_barrier = 0;
  std::vector<int> parked;  // cases whose next happening lies after the next barrier

  auto happening_of = [&](int c) -> const Happening& {
    return hs[per_case[static_cast<std::size_t>(c)][cursor[static_cast<std::size_t>(c)]]];
  };
  auto advance = [&](int c, std::vector<int>& again) {
    if (++cursor[static_cast<std::size_t>(c)] < per_case[static_cast<std::size_t>(c)].size())
      again.push_back(c);
  };
  auto ms = [](Instant t) { return std::to_string(common::to_epoch_ms(t)); };

  // Applies the next happenings of each case in `take` — a run of events is
  // applied through the pure rules one after the other and sent in one
  // pipeline with consecutive versions — and returns the cases that may go
  // on. A case stops at a happening that a deadline of its own is due before
  // (it waits for the engine), or that lies after the next barrier.
  auto progress = [&](const std::vector<int>& take) {
    ++res.batches;
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
      if (!(h.kind == Happening::Kind::incident && h.opens)) {
        checked.push_back(c);
        continue;
      }
      // A new case: ingest's acceptance script, then what dispatch writes.
      const auto o = test::accept_incident(incidents_, "Y-" + std::to_string(c),
                                           "hh-year-" + std::to_string(c), h.at, h.incident_kind,
                                           h.ban_ends, h.ban_starts, h.persons);
      case_ids[static_cast<std::size_t>(c)] = o.case_id;
      incident_ids[static_cast<std::size_t>(c)][h.tag] = o.incident_id;
      res.incident_of_id[o.incident_id] = std::to_string(c) + "/" + std::to_string(h.tag);
      res.case_of_index[o.case_id] = std::to_string(c);
      auto& who = by[static_cast<std::size_t>(c)];
      who = assigned[static_cast<std::size_t>(c)];
      res.pages[who].push_back(h.at);  // dispatch's page
      writes.push_back({"HSET", store::case_key(o.case_id), "casemanager", who});
      writes.push_back({"SADD", store::caseload_key(who), o.case_id});
      writes.push_back({"HSET", store::incident_key(o.incident_id), "status", "dispatched"});
      advance(c, again);
    }
    if (!writes.empty()) conn_.pipeline(writes);
    writes.clear();
    std::vector<std::string> ids;
    for (int c : checked) ids.push_back(case_ids[static_cast<std::size_t>(c)]);
    const auto states =
        ids.empty() ? std::vector<std::optional<CaseState>>{} : store.load_many(ids);
    // Events, agreements and tracks' records, each through the case rules,
    // sent in one pipeline in order (the store's scripts check each version).
    std::deque<Change> changes;
    std::deque<AgreementWrite> agreement_writes;
    std::deque<TrackWrite> track_writes;
    std::vector<RedisCaseStore::RecordRequest> requests;
    for (std::size_t i = 0; i < checked.size(); ++i) {
      const int c = checked[i];
      const auto ci = static_cast<std::size_t>(c);
      auto& cursor_c = cursor[ci];
      const auto& list = per_case[ci];
      if (!states[i]) {
        ADD_FAILURE() << "no case " << ids[i];
        continue;
      }
      CaseState cur = *states[i];
      bool stopped = false;
      for (int run = 0; cursor_c < list.size() && run < 64; ++run) {
        const auto& h = hs[list[cursor_c]];
        const bool written_here = h.kind == Happening::Kind::event ||
                                  h.kind == Happening::Kind::agreement ||
                                  h.kind == Happening::Kind::track;
        if (run > 0 && (!written_here || fenced(h))) break;
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
        if (h.kind == Happening::Kind::acknowledge) {
          const auto& inc = incident_ids[ci][h.tag];
          writes.push_back({"HSET", store::incident_key(inc), "status", "acknowledged",
                            "acknowledged_at", ms(h.at)});
          writes.push_back(
              {"RPUSH", store::case_timeline_key(ids[i]), R"({"type":"acknowledged"})"});
          ++cursor_c;
          break;
        }
        const Actor actor =
            h.by_team_lead ? lead : Actor{by[ci], rota::StaffRole::casemanager, {"groningen"}};
        // A write decided by the case rules, queued in the batch's pipeline:
        // its version after the entries before it (each script appends one).
        auto queue = [&](const auto& write, const Change* change, const TrackWrite* track,
                         const AgreementWrite* agreement) {
          requests.push_back({.case_id = ids[i],
                              .version = cur.version,
                              .change = change,
                              .timers = evaluate(write.after, rules, h.at).timers,
                              .track = track,
                              .agreement = agreement});
          cur = write.after;
          cur.version += 1;
        };
        if (h.kind == Happening::Kind::agreement) {
          // Made or settled through the case rules; the store's script in the
          // batch's pipeline, its version after the entries before it.
          ++cursor_c;
          std::variant<AgreementWrite, common::ApiRefusal> w =
              common::ApiRefusal{404, "unknown_agreement", "", ""};
          if (!h.settle) {
            w = make_agreement(cur,
                               {h.who, h.category, "Synthetic agreement", h.track, h.due, {}, {}},
                               actor, cfg.chain, h.at);
          } else if (const auto id = agreement_ids[ci].find(h.tag); id != agreement_ids[ci].end()) {
            AgreementStateChange change;
            change.agreement = id->second;
            change.state = *h.settle;
            change.at = h.at;
            w = change_agreement(cur, change, actor, h.at);
          }
          if (auto* r = std::get_if<common::ApiRefusal>(&w)) {
            ++res.refused[std::string("agreement:") + r->code];
            continue;
          }
          const auto& aw = agreement_writes.emplace_back(std::get<AgreementWrite>(std::move(w)));
          if (!h.settle) agreement_ids[ci][h.tag] = aw.agreement.id;
          queue(aw, nullptr, nullptr, &aw);
          continue;
        }
        if (h.kind == Happening::Kind::track) {
          ++cursor_c;
          auto w = change_track(cur, {h.track, h.mark, h.at, h.reason}, actor, h.at);
          if (auto* r = std::get_if<common::ApiRefusal>(&w)) {
            ++res.refused[std::string("track:") + r->code];
            continue;
          }
          const auto& tw = track_writes.emplace_back(std::get<TrackWrite>(std::move(w)));
          queue(tw, nullptr, &tw, nullptr);
          continue;
        }
        if (h.kind == Happening::Kind::incident) {  // on the open case
          const auto x = test::accept_incident(
              incidents_, "Y-" + std::to_string(c) + "-" + std::to_string(cursor_c),
              "hh-year-" + std::to_string(c), h.at, h.incident_kind, h.ban_ends, h.ban_starts);
          EXPECT_EQ(x.case_id, ids[i]) << "the family's open case";
          incident_ids[ci][h.tag] = x.incident_id;
          res.incident_of_id[x.incident_id] = std::to_string(c) + "/" + std::to_string(h.tag);
          if (h.incident_kind == "home_ban_extended" || h.incident_kind == "home_ban_lifted") {
            writes.push_back({"HSET", store::incident_key(x.incident_id), "status", "acknowledged",
                              "acknowledged_at", ms(h.at + 1min)});
          } else {
            // Dispatch pages the family's own casemanager.
            writes.push_back({"HSET", store::incident_key(x.incident_id), "status", "dispatched"});
            res.pages[by[ci]].push_back(h.at);
          }
          ++cursor_c;
          break;
        }
        EventRequest request{h.type, h.at, {}, h.casemanager};
        if (h.type == EventType::handover) request.handover = test::confirmed_handover();
        if (h.answers >= 0) request.incident = incident_ids[ci][h.answers];
        auto change = apply_event(cur, request, actor, rules, h.at);
        ++cursor_c;
        if (auto* r = std::get_if<common::ApiRefusal>(&change)) {
          ++res.refused[std::string(to_string(h.type)) + ":" + r->code];
          continue;
        }
        changes.push_back(std::get<Change>(std::move(change)));
        queue(changes.back(), &changes.back(), nullptr, nullptr);
        if (h.type == EventType::reassigned) by[ci] = h.casemanager;
      }
      if (!stopped && cursor_c < list.size()) again.push_back(c);
    }
    if (!writes.empty()) conn_.pipeline(writes);
    const auto outcomes =
        requests.empty() ? std::vector<WriteOutcome>{} : store.record_many(requests);
    for (std::size_t k = 0; k < outcomes.size(); ++k) {
      EXPECT_EQ(outcomes[k], WriteOutcome::done) << "nobody else writes these cases meanwhile";
      if (outcomes[k] != WriteOutcome::done) continue;
      ++(requests[k].agreement ? res.agreement_writes
         : requests[k].track   ? res.track_writes
                               : res.events);
    }
    return again;
  };

  const auto generated = std::chrono::steady_clock::now();
  res.generating = generated - wall_start;
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
      res.applying += std::chrono::steady_clock::now() - a;
      continue;
    }
    const auto barrier = next_barrier < barriers.size()
                             ? std::optional<Instant>(hs[barriers[next_barrier]].at)
                             : std::nullopt;
    if (barrier && (!timer || *barrier <= *timer)) {
      clock.set(*barrier);
      store.set_absence(sick, true, sick_from, sick_until, store::by_person("tl-g"), *barrier);
      ++next_barrier;
      for (int c : parked) ready.push({happening_of(c).at, c});
      parked.clear();
      continue;
    }
    if (!timer || *timer > end) break;
    clock.set(*timer);
    ++res.steps;
    const auto a = std::chrono::steady_clock::now();
    run_due();
    // (One engine's hint of the next timer does not know the other's writes.)
    if (!two) known = shell.next_due_after_last_round();
    if (!acks.empty()) {
      conn_.pipeline(acks);
      acks.clear();
    }
    res.firing += std::chrono::steady_clock::now() - a;
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
  run_due();
  if (two) {
    quit = true;
    go.arrive_and_wait();
  }
  engines.clear();  // joined
  EXPECT_TRUE(thread_errors.empty()) << thread_errors.front();

  // The per-partner view at the year's end: the board's chain_stalls over
  // every case's agreements as the store holds them.
  std::vector<web::AgreementView> views;
  for (std::size_t from = 0; from < case_ids.size(); from += 1000) {
    const std::vector<std::string> chunk(
        case_ids.begin() + static_cast<std::ptrdiff_t>(from),
        case_ids.begin() + static_cast<std::ptrdiff_t>(std::min(case_ids.size(), from + 1000)));
    for (const auto& st : store.load_many(chunk)) {
      if (!st) continue;
      for (const auto& a : st->agreements)
        views.push_back(web::agreement_view(st->id, st->region, a, cfg.chain));
      // Its tracks: seen in time, and how long after the case's first contact.
      for (const auto t : case_tracks(*st)) {
        auto& row = res.track_rows[std::string(to_string(t))];
        ++row.tracks;
        const auto* rec = track_record(*st, t);
        if (!rec || !st->first_contact_at) continue;
        if (const auto seen = rec->seen_at();
            seen && *seen <= add_calendar_days(*st->first_contact_at, kTrackDays))
          ++row.seen_in_time;
        if (rec->first_contact_at)
          row.days_to_contact.push_back(
              std::chrono::duration<double>(*rec->first_contact_at - *st->first_contact_at)
                  .count() /
              86400);
      }
    }
  }
  // The track clocks' steps, by the track in their anchor ("perpetrator:<ms>").
  for (const auto& f : res.fired) {
    if (f.clock != ClockKind::track) continue;
    const auto anchor = f.key.substr(f.key.rfind('|') + 1);
    auto& row = res.track_rows[anchor.substr(0, anchor.find(':'))];
    if (f.step == "overdue") ++row.reminded;
    if (f.step == "escalate") ++row.escalated;
  }
  std::vector<web::ChainPartnerView> partners;
  for (const auto& p : cfg.chain.partners)
    partners.push_back({p.id, p.name, std::string(to_string(p.kind)), p.region});
  res.chain = web::chain_stalls(views, partners, "groningen", end);
  std::map<std::string, std::string> who_of;  // "<case>|<agreement>" → who
  for (const auto& v : views) who_of[v.case_id + "|" + v.id] = v.who;
  for (const auto& f : res.fired)
    if (f.clock == ClockKind::agreement && f.step == "overdue")
      ++res.went_overdue[who_of[f.case_id + "|" + f.key.substr(f.key.rfind('|') + 1)]];
  res.wall = std::chrono::steady_clock::now() - wall_start;
  return res;
}

std::vector<std::string> YearReplay::actions(const Result& r) {
  std::vector<std::string> out;
  for (const auto& f : r.fired) {
    // The key is "<case>|<clock>|<step>|<anchor>", the anchor a time or an incident.
    auto key = r.case_of_index.at(f.case_id) + f.key.substr(f.case_id.size());
    const auto anchor = key.rfind('|') + 1;
    if (const auto it = r.incident_of_id.find(key.substr(anchor)); it != r.incident_of_id.end())
      key = key.substr(0, anchor) + it->second;
    out.push_back(key + " " + f.step + " to " + f.person + " due " + common::format_rfc3339(f.due) +
                  " at " + common::format_rfc3339(f.at) +
                  (f.page_id.empty() ? " unpaged" : " paged"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Pages per person per week (weeks of the replayed year, empty weeks
// included) and the largest burst one phone received within a minute.
Figures YearReplay::figures(const Result& r, int casemanagers) {
  Figures f;
  constexpr std::size_t weeks = 52;  // the year's whole weeks
  auto per_week = [&](const std::string& person) {
    std::vector<double> w(weeks, 0);
    const auto it = r.pages.find(person);
    if (it != r.pages.end())
      for (const auto t : it->second)
        if (const auto k = static_cast<std::size_t>((t - r.start) / (7 * kDay)); k < weeks)
          w[k] += 1;
    return w;
  };
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty()      ? 0.0
           : v.size() % 2 ? v[v.size() / 2]
                          : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  std::vector<double> cm;
  for (int n = 1; n <= casemanagers; ++n) {
    const auto w = per_week(icm(n));
    cm.insert(cm.end(), w.begin(), w.end());
  }
  f.median_cm_week = median(cm);
  f.max_cm_week = cm.empty() ? 0 : *std::max_element(cm.begin(), cm.end());
  const auto lead = per_week("tl-g");
  f.median_lead_week = median(lead);
  f.max_lead_week = *std::max_element(lead.begin(), lead.end());
  for (const auto& [person, times] : r.pages) {
    auto t = times;
    std::sort(t.begin(), t.end());
    for (std::size_t i = 0, j = 0; j < t.size(); ++j) {
      while (t[j] - t[i] >= 1min) ++i;
      if (j - i + 1 > f.burst) {
        f.burst = j - i + 1;
        f.burst_person = person;
        f.burst_at = t[i];
      }
      if (person != "tl-g") f.cm_burst = std::max(f.cm_burst, j - i + 1);
    }
  }
  return f;
}

// Where the chain stalls, per partner, as the board shows it at the year's end.
void YearReplay::print_chain(const Result& r, const Scenario& sc) {
  const auto days = [](const std::optional<common::Millis>& d) {
    if (!d) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f d", std::chrono::duration<double>(*d).count() / 86400);
    return std::string(buf);
  };
  char line[200];
  std::cout << "[ figures ] " << sc.name << ": where the chain stalls (" << r.expected.agreements
            << " agreements; referrals due " << kReferralDue.count() << " days after asked)\n";
  std::snprintf(line, sizeof line, "[ figures ]   %-14s %-15s %8s %8s %8s %7s %9s %9s\n", "partner",
                "kind", "started", "median", "p90", "missed", "overdue*", "overdue@");
  std::cout << line;
  for (const auto& p : r.chain.partners) {
    const auto w = r.went_overdue.find(p.partner.id);
    std::snprintf(line, sizeof line, "[ figures ]   %-14s %-15s %8zu %8s %8s %7zu %9d %9zu\n",
                  p.partner.id.c_str(), p.partner.kind.c_str(), p.started,
                  days(p.median_wait).c_str(), days(p.p90_wait).c_str(), p.missed,
                  w == r.went_overdue.end() ? 0 : w->second, p.overdue);
    std::cout << line;
  }
  std::cout << "[ figures ]   (overdue*: went overdue during the year; overdue@: open and overdue "
               "at the year's end; family appointments overdue during the year: "
            << (r.went_overdue.count("family") ? r.went_overdue.at("family") : 0) << ")\n";
}

// The tracks, per role, as the store and the engine have them at the year's end.
void YearReplay::print_tracks(const Result& r, const Scenario& sc) {
  char line[200];
  std::cout << "[ figures ] " << sc.name << ": the tracks (" << r.track_writes
            << " records; on the clock: seen within " << kTrackDays
            << " days of the case's first contact)\n";
  std::snprintf(line, sizeof line, "[ figures ]   %-12s %7s %9s %15s %9s %10s\n", "track", "tracks",
                "seen<=7d", "median contact", "reminded", "escalated");
  std::cout << line;
  for (const auto t : kTracks) {
    const auto it = r.track_rows.find(std::string(to_string(t)));
    const TrackRow none;
    const auto& row = it == r.track_rows.end() ? none : it->second;
    auto d = row.days_to_contact;
    std::string median = "-";
    if (!d.empty()) {
      std::sort(d.begin(), d.end());
      const double m = d.size() % 2 ? d[d.size() / 2] : (d[d.size() / 2 - 1] + d[d.size() / 2]) / 2;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f d", m);
      median = buf;
    }
    std::snprintf(line, sizeof line, "[ figures ]   %-12s %7zu %9zu %15s %9d %10d%s\n",
                  std::string(to_string(t)).c_str(), row.tracks, row.seen_in_time, median.c_str(),
                  row.reminded, row.escalated, on_the_clock(t) ? "" : "  (no clock)");
    std::cout << line;
  }
}

void YearReplay::check(const Result& r, const Scenario& sc) {
  std::map<std::string, int> count;
  std::set<std::string> keys;
  int late = 0, duplicates = 0, team_lead_pages = 0, stalls_intensive = 0, stalls_monitoring = 0;
  for (const auto& f : r.fired) {
    ++count[std::string(to_string(f.clock)) + "." + f.step];
    if (!keys.insert(f.key).second) ++duplicates;
    if (f.late != 0ms) ++late;
    if (f.person == "tl-g") ++team_lead_pages;
  }
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << "[ info ] " << sc.name << ": " << sc.families << " new families, "
            << r.expected.later_incidents << " later incidents, " << sc.casemanagers
            << " casemanagers; " << r.happenings << " happenings (" << r.events
            << " events recorded in " << r.batches << " batches), " << r.steps << " clock steps, "
            << r.fired.size() << " actions taken (" << team_lead_pages << " to the team lead) in "
            << ms(r.wall) << " ms (generating " << ms(r.generating) << ", firing " << ms(r.firing)
            << ", applying happenings " << ms(r.applying) << "; "
            << static_cast<long long>(
                   static_cast<double>(r.fired.size()) /
                   std::max(0.001, std::chrono::duration<double>(r.wall).count()))
            << " actions/s)\n";
  for (const auto& [k, n] : count) std::cout << "[ info ]   " << k << ": " << n << "\n";

  EXPECT_TRUE(r.refused.empty()) << r.refused.begin()->first << " x" << r.refused.begin()->second;
  EXPECT_EQ(duplicates, 0) << "an action taken twice";
  EXPECT_EQ(late, 0) << "every deadline fires at its due time in simulated time";
  EXPECT_EQ(count["plan.escalate"], r.expected.plan_breaches);
  EXPECT_EQ(count["first_contact.overdue"], r.expected.first_contact_overdue);
  EXPECT_EQ(count["first_contact.escalate"], r.expected.first_contact_escalations);
  EXPECT_EQ(count["reassignment.reassign"], r.expected.reassignments);
  EXPECT_GT(count["home_ban.decision"], 0);
  EXPECT_GT(count["checkin.remind"], 0);
  EXPECT_GT(count["checkin.escalate"], 0);
  // Agreements: each made and settled through the case rules; each open at its
  // due time overdue then, and at the team lead a grace period later.
  EXPECT_EQ(r.agreement_writes,
            static_cast<std::size_t>(r.expected.agreements + r.expected.agreement_settles))
      << "every agreement made, and settled unless that lies after the year";
  EXPECT_EQ(count["agreement.overdue"], r.expected.agreement_overdue);
  EXPECT_EQ(count["agreement.escalate"], r.expected.agreement_escalations);
  EXPECT_GT(r.expected.agreement_overdue, 0);
  // The board's waiting times equal the generator's, partner by partner.
  ASSERT_EQ(r.chain.partners.size(), kPartners.size() + 1) << "every partner, the unused one too";
  for (const auto& row : r.chain.partners) {
    const auto it = r.expected.waits.find(row.partner.id);
    const std::vector<common::Millis> none;
    const auto& waits = it == r.expected.waits.end() ? none : it->second;
    EXPECT_EQ(row.started, waits.size()) << row.partner.id;
    EXPECT_EQ(row.median_wait, web::median(waits)) << row.partner.id;
    EXPECT_EQ(row.p90_wait, web::percentile(waits, 90)) << row.partner.id;
  }
  print_chain(r, sc);
  // The tracks: per role, each reminder and team lead's page the generator
  // expects, and no other; as many tracks as it made.
  int track_overdue = 0, track_escalations = 0;
  for (const auto t : kTracks) {
    const auto name = std::string(to_string(t));
    const auto e =
        r.expected.tracks.count(name) ? r.expected.tracks.at(name) : Expected::TrackCounts{};
    const auto it = r.track_rows.find(name);
    const TrackRow none;
    const auto& row = it == r.track_rows.end() ? none : it->second;
    EXPECT_EQ(row.tracks, e.tracks) << name;
    EXPECT_EQ(row.reminded, e.overdue) << name;
    EXPECT_EQ(row.escalated, e.escalations) << name;
    track_overdue += e.overdue;
    track_escalations += e.escalations;
  }
  EXPECT_EQ(count["track.overdue"], track_overdue);
  EXPECT_EQ(count["track.escalate"], track_escalations);
  EXPECT_GT(track_overdue, 0);
  EXPECT_GT(track_escalations, 0);
  print_tracks(r, sc);
  // Each rule of issue 11, over the whole year:
  for (const auto& f : r.fired) {
    const auto anchor = f.key.substr(f.key.rfind('|') + 1);
    // No extension decision for a ban at its 28-day maximum; its end notice stays.
    if (f.clock == ClockKind::home_ban) {
      const bool at_max =
          r.expected.bans_at_maximum.count(r.case_of_index.at(f.case_id) + "|" + anchor) > 0;
      if (at_max) {
        EXPECT_NE(f.step, "decision") << f.key;
      }
    }
    // A stall reaches the team lead seven days after the last activity in
    // the intensive phase (thirty-seven after handover). Calendar days: 168
    // hours, or one more or less across a DST change.
    if (f.clock == ClockKind::checkin && f.step == "escalate") {
      const auto after = f.due - common::from_epoch_ms(std::stoll(anchor));
      const bool intensive = after >= 7 * kDay - 1h && after <= 7 * kDay + 1h;
      const bool monitoring = after >= 37 * kDay - 1h && after <= 37 * kDay + 1h;
      EXPECT_TRUE(intensive || monitoring) << f.key << " " << after / 1h << " h";
      ++(intensive ? stalls_intensive : stalls_monitoring);
    }
    // An unanswered-reminder escalation follows a reminder nobody acknowledged.
    if (const auto u = f.step.find("_unanswered"); u != std::string::npos) {
      const auto reminder = f.case_id + "|" + std::string(to_string(f.clock)) + "|" +
                            f.step.substr(0, u) + "|" + anchor;
      EXPECT_EQ(r.unanswered_reminders.count(reminder), 1u) << f.key;
      EXPECT_EQ(f.person, "tl-g");
    }
  }
  std::cout << "[ info ]   stalls that reached the team lead: " << stalls_intensive
            << " in the intensive phase (day 7), " << stalls_monitoring << " after handover\n";
  int ended_at_max = 0;
  for (const auto& f : r.fired)
    if (f.clock == ClockKind::home_ban && f.step == "end" &&
        r.expected.bans_at_maximum.count(r.case_of_index.at(f.case_id) + "|" +
                                         f.key.substr(f.key.rfind('|') + 1)))
      ++ended_at_max;
  if (!r.expected.bans_at_maximum.empty()) {
    EXPECT_GT(ended_at_max, 0);
  }
  // Pages in Redis: one per action, and no other.
  long long pages = 0;
  std::string cursor = "0";
  do {
    const auto s = conn_.command({"SCAN", cursor, "MATCH", store::page_key("*"), "COUNT", "5000"});
    cursor = s.elements.at(0).str;
    pages += static_cast<long long>(s.elements.at(1).elements.size());
  } while (cursor != "0");
  EXPECT_EQ(pages, static_cast<long long>(r.fired.size()));
}

TEST_F(YearReplay, AYearOfARegionTheSizeOfTheSourcesReportsPagesPerPersonAndBursts) {
  // Venlo (the practice report): 278 families in three years with six
  // casemanagers — 93 new families a year; a team lead over them.
  const Scenario sc{"Venlo-size region", 93, 6, 20270101, 0.3};
  const auto r = replay(sc);
  check(r, sc);
  const auto f = figures(r, sc.casemanagers);
  std::cout << "[ figures ] pages per casemanager per week: median " << f.median_cm_week << ", max "
            << f.max_cm_week << "; team lead: median " << f.median_lead_week << ", max "
            << f.max_lead_week << "; largest burst on one phone: " << f.burst
            << " pages within a minute (" << f.burst_person << ", "
            << common::format_rfc3339(f.burst_at) << "); on a casemanager's phone: " << f.cm_burst
            << "\n";
  int total = 0;
  for (const auto& [p, t] : r.pages) total += static_cast<int>(t.size());
  std::cout << "[ figures ] " << total << " pages in the year\n";
  // What must hold: the deadline engine never floods a casemanager's phone
  // (each step at its own due time: at most two pages in one minute), and the
  // worst minute of any phone is the absence fan-out — the team lead asked at
  // once to reassign each open case of the casemanager who fell ill (one
  // page per case: bundling them is issue 11's item 10, not done here).
  EXPECT_LE(f.cm_burst, 2u) << "pages to a casemanager's phone within a minute";
  EXPECT_EQ(f.burst, static_cast<std::size_t>(std::max(2, r.expected.reassignments)));
  // The absence: the team lead is asked at once about each open case of the
  // casemanager who fell ill — the largest burst when that is more than two
  // (two tracks of one case not seen by their due time page its casemanager
  // at the same minute too).
  const auto absence = at("2027-04-11T16:00:00Z");
  const auto& lead = r.pages.at("tl-g");
  EXPECT_GE(std::count_if(lead.begin(), lead.end(),
                          [&](Instant t) { return t >= absence && t < absence + 1min; }),
            r.expected.reassignments);
  if (r.expected.reassignments > 2) {
    EXPECT_EQ(f.burst_at, absence) << "the absence: start + 100 days + 9 h";
  }
  // Its wall time is a figure, not a check (STYLE: performance is measured, not timed in a
  // test: a loaded CI machine made this flaky).
  std::cout << "[ figures ] Venlo-size year replayed in "
            << std::chrono::duration<double>(r.wall).count() << " s\n";
}

TEST_F(YearReplay, ABusyRegionsYearReplaysInSimulatedTime) {
  // Capacity: 3,000 new families a year with 12 casemanagers (250 each, far
  // beyond the sources' 15). PIKET_YEAR_FAMILIES=10000 replays a larger
  // region (the casemanagers scale with it). The wall time is printed as a
  // figure (it was a 60 s check, which a loaded machine failed: 74.7 s and
  // 93.3 s once the tracks came in, 78.7 s before them).
  int families = 3000;
  if (const char* n = std::getenv("PIKET_YEAR_FAMILIES"))
    families = std::clamp(std::atoi(n), 100, 50000);
  const Scenario sc{"busy region", families, std::max(2, families / 250), 20270101, 0.3};
  const auto r = replay(sc);
  check(r, sc);
  const auto f = figures(r, sc.casemanagers);
  std::cout << "[ figures ] busy region: pages per casemanager per week: median "
            << f.median_cm_week << ", max " << f.max_cm_week << "; team lead: median "
            << f.median_lead_week << ", max " << f.max_lead_week << "; largest burst: " << f.burst
            << " within a minute (" << f.burst_person << ")\n";
  std::cout << "[ info ] plans that missed 12 hours: " << r.expected.plan_breaches << " of "
            << sc.families << " new cases and their code reds\n";
  std::cout << "[ figures ] " << sc.families << " families' year replayed in "
            << std::chrono::duration<double>(r.wall).count() << " s\n";
}

// Issue 13: two instances of the deadline engine over a replayed year. Two
// shells, each with its own Redis connections and its own thread, are let
// loose together on every due moment of the year (the same due timers at
// the same simulated moment), and what they take together must be exactly
// what one engine takes alone in the same replay: every reminder,
// escalation and closing step once, none dropped, none late, one page each.
TEST_F(YearReplay, TwoEnginesOnTheSameDueTimersTakeEachStepOnceAsOneEngineDoes) {
  // A region of 1,000 new families a year (four casemanagers): a third of the
  // busy region's year, which takes each engine's round trips twice over.
  Scenario sc{"two engines", 1000, 4, 20270313, 0.3};
  sc.instances = 1;
  const auto one = replay(sc);
  check(one, sc);
  sc.instances = 2;
  const auto two = replay(sc);
  check(two, sc);

  const auto alone = actions(one);
  const auto together = actions(two);
  EXPECT_EQ(together.size(), alone.size()) << "as many actions as one engine takes";
  EXPECT_EQ(together, alone) << "the same actions: same case, step, person, due and moment";
  const auto twice = std::adjacent_find(together.begin(), together.end());
  EXPECT_TRUE(twice == together.end()) << "taken twice: " << *twice;
  EXPECT_EQ(two.left_due, 0u) << "moments after which a due timer was left for later";
  EXPECT_EQ(two.expected.plan_breaches, one.expected.plan_breaches);
  // Both engines really worked, and were at work at the same time.
  EXPECT_GT(two.by_instance[0], 0u);
  EXPECT_GT(two.by_instance[1], 0u);
  EXPECT_EQ(two.by_instance[0] + two.by_instance[1], two.fired.size());
  EXPECT_GT(two.overlapping_moments, 0u);
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << "[ figures ] two engines: " << two.fired.size() << " actions over " << two.steps
            << " clock steps (one engine alone: " << one.fired.size() << "); taken by the first "
            << two.by_instance[0] << ", by the second " << two.by_instance[1] << "; moments at "
            << "which both took actions: " << two.shared_moments
            << ", at which both were at work at once: " << two.overlapping_moments << " of "
            << two.steps << "; duplicates 0, dropped 0; wall " << ms(two.wall) << " ms (one engine "
            << ms(one.wall) << " ms)\n";
}

}  // namespace
}  // namespace piket::cases
