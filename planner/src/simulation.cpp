#include "piket/planner/simulation.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <queue>

#include "piket/cases/staff.hpp"
#include "piket/paging/escalation_plan.hpp"
#include "piket/planner/arrivals.hpp"
#include "piket/planner/deadline_walk.hpp"
#include "piket/planner/random_streams.hpp"
#include "piket/rota/fairness.hpp"
#include "piket/rota/rota_selector.hpp"
#include "piket/rota/wall_clock.hpp"

namespace piket::planner {
namespace {

using common::IncidentKind;
using common::Instant;
using common::Millis;
using namespace std::chrono_literals;

constexpr auto kWeek = std::chrono::days{7};

std::string numbered(char letter, std::size_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%0*zu", letter, width, n);
  return buf;
}

bool opens_case(IncidentKind k) {
  return k == IncidentKind::home_ban || k == IncidentKind::code_red;
}

struct Staff {
  std::string id;
  bool lead = false;
  Instant free_at{};
  std::vector<rota::TimeRange> sick;
  int open = 0, monitoring = 0;
  int taken = 0;
  bool is_sick(Instant t) const {
    return std::any_of(sick.begin(), sick.end(), [&](const auto& r) { return r.contains(t); });
  }
};

struct Case {
  std::string id;
  std::string casemanager;
  Instant opened;
  IncidentKind kind = IncidentKind::home_ban;
  bool open = true, monitoring = false;
  std::size_t opening = 0;  // its first incident
  Millis intensive{0};
  Instant closes{};
};

struct Incident {
  std::string id;
  std::size_t case_index = 0;
  IncidentOutcome out;   // what the report reads
  bool counted = false;  // accepted within the period (not in the warm-up)
  Millis travel{0}, intake{0}, visit{0}, plan{0};  // drawn at arrival
  bool plan_clock = false;
  paging::EscalationState esc;
  std::vector<std::string> declined;
  std::map<std::string, int> paged_round;
  ClockOutcome clocks;
};

enum class EventKind { arrival, answer, timer, monitoring, closing, visit, sample };

struct Event {
  Instant at;
  std::uint64_t seq = 0;
  EventKind kind = EventKind::arrival;
  std::size_t index = 0;  // incident or case
  std::string person;
  bool ack = false;                     // answer: acknowledge (else decline)
  paging::EscalationPosition position;  // answer: the page's step
  Instant due{};                        // timer
  bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

Event event(Instant at, EventKind kind, std::size_t index = 0) {
  Event e;
  e.at = at;
  e.kind = kind;
  e.index = index;
  return e;
}
Event timer_event(Instant due, std::size_t incident) {
  Event e = event(due, EventKind::timer, incident);
  e.due = due;
  return e;
}

cases::IncidentFacts facts(const std::string& id, IncidentKind kind, Instant accepted) {
  cases::IncidentFacts f;
  f.id = id;
  f.kind = kind;
  f.accepted_at = accepted;
  f.status = "acknowledged";
  return f;
}

class Caseload final : public rota::CaseloadView {
 public:
  explicit Caseload(const std::map<std::string, Staff, std::less<>>& staff) : staff_(staff) {}
  int open_cases(const std::string& p) const override {
    const auto it = staff_.find(p);
    return it == staff_.end() ? 0 : it->second.open;
  }
  int monitoring_cases(const std::string& p) const override {
    const auto it = staff_.find(p);
    return it == staff_.end() ? 0 : it->second.monitoring;
  }

 private:
  const std::map<std::string, Staff, std::less<>>& staff_;
};

// The first instant at or after `t` in office hours (09:00–17:00 on weekdays).
Instant office_hours(Instant t) {
  auto local = rota::to_local(t);
  for (int i = 0; i < 8; ++i) {
    const auto day = date::floor<date::days>(local);
    const auto wd = date::weekday{day}.iso_encoding();
    const auto into = local - day;
    if (wd <= 5 && into < 17h) return into < 9h ? rota::to_instant(day + 9h) : t;
    local = day + date::days{1};
    t = rota::to_instant(local);
  }
  return t;
}

class Simulation {
 public:
  Simulation(const Scenario& s, const World& w, std::uint64_t seed)
      : s_(s),
        w_(w),
        seed_(seed),
        selector_(w.rota, w.directory.people, w.monitoring_weight),
        staff_dir_(w_.directory),
        rules_{w_.deadlines, staff_dir_, w_.reply_code_window, nullptr},
        caseload_(staff_),
        arrivals_rng_(stream(seed, Stream::arrivals)),
        work_rng_(stream(seed, Stream::work)),
        answers_rng_(stream(seed, Stream::answers)),
        visits_rng_(stream(seed, Stream::visits)) {}

  Result run() {
    setup_staff();
    const auto from = s_.sim_start();
    for (const auto& a : arrivals(s_.arrivals, from, s_.end(), arrivals_rng_)) add_arrival(a);
    for (Instant t = s_.start; t < s_.end(); t += kWeek) push(event(t, EventKind::sample));
    while (!events_.empty()) {
      const Event e = events_.top();
      events_.pop();
      if (e.at >= s_.end()) break;
      now_ = e.at;
      handle(e);
    }
    // Incidents nobody took before the end: their clocks as they stand.
    for (auto& inc : incidents_)
      if (!inc.out.first_contact && !inc.clocks.contact_due) walk(inc);
    return result();
  }

 private:
  void push(Event e) {
    e.seq = seq_++;
    events_.push(std::move(e));
  }

  void setup_staff() {
    for (const auto& p : w_.directory.people) {
      if (std::find(p.regions.begin(), p.regions.end(), s_.region) == p.regions.end()) continue;
      if (p.role == rota::StaffRole::admin) continue;
      Staff st;
      st.id = p.id;
      st.lead = p.role == rota::StaffRole::team_lead;
      st.free_at = s_.sim_start();
      if (!st.lead && s_.people.sick_share > 0) {
        auto rng = stream(seed_, Stream::sickness, p.id);
        const double spell = s_.people.sick_spell_days;
        const double healthy = spell * (1 - s_.people.sick_share) / s_.people.sick_share;
        std::exponential_distribution<double> well(1 / healthy), ill(1 / spell);
        auto t = s_.sim_start();
        auto days = [](double d) { return Millis{static_cast<Millis::rep>(d * 86'400'000.0)}; };
        while (t < s_.end()) {
          t += days(well(rng));
          const auto back = t + days(ill(rng));
          if (t < s_.end()) st.sick.push_back({t, back});
          t = back;
        }
      }
      staff_.emplace(st.id, std::move(st));
    }
  }

  void add_arrival(const FixedArrival& a) {
    Incident inc;
    inc.id = numbered('I', incidents_.size() + 1, 16);
    inc.out.kind = a.kind;
    inc.out.accepted = a.at;
    inc.counted = a.at >= s_.start;
    // Drawn now, from the incident's own stream position, whoever takes it.
    const auto& m = s_.people;
    inc.travel = m.travel.draw(work_rng_);
    inc.intake = m.intake.draw(work_rng_);
    inc.visit = m.visit.draw(work_rng_);
    inc.plan = m.plan.draw(work_rng_);
    // Which open case a later incident belongs to (drawn now, used if open).
    pick_.push_back(std::uniform_real_distribution<double>(0, 1)(arrivals_rng_));
    incidents_.push_back(std::move(inc));
    push(event(a.at, EventKind::arrival, incidents_.size() - 1));
  }

  void handle(const Event& e) {
    switch (e.kind) {
      case EventKind::arrival:
        return arrive(e.index);
      case EventKind::answer:
        return answer(e);
      case EventKind::timer:
        return timer(e);
      case EventKind::monitoring:
        return to_monitoring(e.index);
      case EventKind::closing:
        return close(e.index);
      case EventKind::visit:
        return visit(e.index);
      case EventKind::sample:
        return sample();
    }
  }

  WeekCounts* week(Instant t) {
    if (t < s_.start) return nullptr;
    const auto i = static_cast<std::size_t>((t - s_.start) / kWeek);
    if (weeks_.size() <= i) weeks_.resize(i + 1);
    return &weeks_[i];
  }

  const cases::DeadlinePolicy& policy(IncidentKind k) const {
    return w_.deadlines.policy(s_.region, common::to_string(k));
  }

  void arrive(std::size_t i) {
    auto& inc = incidents_[i];
    const auto& open = open_cases_;  // open and taken by a casemanager
    inc.out.opens_case = opens_case(inc.out.kind) || open.empty();
    if (inc.out.opens_case) {
      Case c;
      c.id = numbered('C', cases_.size() + 1, 8);
      c.opened = inc.out.accepted;
      c.kind = inc.out.kind;
      c.opening = i;
      c.intensive = Millis{
          static_cast<Millis::rep>(s_.people.intensive_days.sample(work_rng_) * 86'400'000.0)};
      c.closes = inc.out.accepted + std::chrono::days{policy(inc.out.kind).closing_days};
      cases_.push_back(c);
      inc.case_index = cases_.size() - 1;
    } else {
      inc.case_index = open[std::min(
          open.size() - 1, static_cast<std::size_t>(pick_[i] * static_cast<double>(open.size())))];
    }
    inc.plan_clock = inc.out.opens_case ||
                     policy(inc.out.kind)
                         .incident_clocks.value_or(cases::default_incident_clocks(inc.out.kind))
                         .plan;
    if (auto* wk = week(inc.out.accepted)) ++wk->incidents;
    const auto& c = cases_[inc.case_index];
    rota::SelectionRequest request{s_.region, std::nullopt, now_};
    if (!c.casemanager.empty()) request.own_casemanager = c.casemanager;
    const auto sel = selector_.select(request, caseload_);
    if (!sel) return;  // nobody in the region at all: its clocks show it at the end
    inc.out.cap_passed = sel->on_call_at_cap && sel->rule != rota::SelectionRule::own_casemanager;
    if (inc.out.cap_passed)
      if (auto* wk = week(inc.out.accepted)) ++wk->cap_passed;
    inc.esc.active = true;
    inc.esc.at = paging::initial_position(w_.escalation, sel->rule);
    inc.esc.due = paging::next_due(w_.escalation, inc.esc.at, now_);
    inc.paged_round[sel->person_id] = inc.esc.at.round;
    page(i, sel->person_id);
    push(timer_event(inc.esc.due, i));
  }

  void page(std::size_t i, const std::string& person) {
    auto& inc = incidents_[i];
    const auto& st = staff_.at(person);
    if (auto* wk = inc.counted ? week(now_) : nullptr) {
      ++wk->pages;
      if (st.lead) ++wk->team_lead_pages;
    }
    const auto delay = s_.people.acknowledge.draw(answers_rng_);
    Event answer = event(now_ + delay, EventKind::answer, i);
    answer.person = person;
    answer.ack = true;
    answer.position = inc.esc.at;
    if (!st.lead) {
      if (st.is_sick(now_)) return;  // nobody answers
      if (st.free_at > now_) {       // at a family
        if (!s_.people.busy_declines) return;
        answer.ack = false;
      }
    }
    push(std::move(answer));
  }

  void answer(const Event& e) {
    auto& inc = incidents_[e.index];
    if (inc.out.acknowledged) return;
    if (!e.ack) {
      if (!inc.esc.active || e.position != inc.esc.at) return;  // an earlier step's page
      inc.declined.push_back(e.person);
      return escalate(e.index, paging::EscalationTrigger::declined);
    }
    inc.out.acknowledged = now_;
    inc.esc.active = false;
    if (staff_.at(e.person).lead) return hand_out(e.index);
    assign(e.index, e.person);
  }

  void timer(const Event& e) {
    const auto& inc = incidents_[e.index];
    if (inc.out.acknowledged || !inc.esc.active || e.due != inc.esc.due) return;
    escalate(e.index, paging::EscalationTrigger::timer);
  }

  void escalate(std::size_t i, paging::EscalationTrigger trigger) {
    auto& inc = incidents_[i];
    const auto& c = cases_[inc.case_index];
    rota::SelectionRequest request{s_.region, std::nullopt, now_};
    if (!c.casemanager.empty()) request.own_casemanager = c.casemanager;
    const paging::Candidates candidates = [&](paging::EscalationTarget target,
                                              int round) -> std::optional<paging::Candidate> {
      auto exclude = inc.declined;
      for (const auto& [person, r] : inc.paged_round)
        if (r == round) exclude.push_back(person);
      const auto chosen = selector_.select_step(target, request, exclude, caseload_);
      if (!chosen || !staff_.count(chosen->person_id)) return std::nullopt;
      return paging::Candidate{chosen->person_id, chosen->rule};
    };
    const auto d = paging::decide(inc.esc, w_.escalation, candidates, trigger, now_);
    using K = paging::EscalationDecision::Kind;
    switch (d.kind) {
      case K::stop:
      case K::repage:  // acknowledged incidents run no escalation here
        return;
      case K::wait:
        inc.esc.due = d.until;
        push(timer_event(d.until, i));
        return;
      case K::page_next:
        inc.esc.at = d.next;
        inc.esc.due = paging::next_due(w_.escalation, d.next, d.step_due);
        inc.paged_round[d.who->person_id] = d.next.round;
        page(i, d.who->person_id);
        push(timer_event(inc.esc.due, i));
        return;
      case K::exhausted:
        inc.esc.active = false;
        if (auto* wk = inc.counted ? week(now_) : nullptr) ++wk->exhausted;
        // The team lead sees the exhausted escalation on the board and hands
        // the incident out.
        inc.out.acknowledged = now_;
        return hand_out(i);
    }
  }

  // The team lead gives the incident to whoever can go soonest: the case's
  // own casemanager when not ill; else, of the casemanagers who are not ill
  // and within reach — on call (primary, backup), or at work in office
  // hours — the one free first (ties: on call first, then by id); else
  // whoever is not ill; else anyone.
  void hand_out(std::size_t i) {
    auto& inc = incidents_[i];
    inc.out.team_lead_assigned = true;
    const auto& own = cases_[inc.case_index].casemanager;
    if (!own.empty() && !staff_.at(own).is_sick(now_)) return assign(i, own);
    std::vector<std::string> on_call;
    for (auto layer : {rota::kPrimary, rota::kBackup})
      for (auto& p : w_.rota->on_call(layer, s_.region, now_)) on_call.push_back(std::move(p));
    const bool at_work = office_hours(now_) == now_;
    const Staff* best = nullptr;
    bool best_on_call = false;
    auto pick = [&](bool need_reach, bool need_well) {
      for (const auto& [id, st] : staff_) {
        if (st.lead || (need_well && st.is_sick(now_))) continue;
        const bool called = std::find(on_call.begin(), on_call.end(), id) != on_call.end();
        if (need_reach && !called && !at_work) continue;
        if (!best || st.free_at < best->free_at ||
            (st.free_at == best->free_at && called && !best_on_call)) {
          best = &st;
          best_on_call = called;
        }
      }
    };
    pick(true, true);
    if (!best) pick(false, true);
    if (!best) pick(false, false);
    if (best) assign(i, best->id);
  }

  void assign(std::size_t i, const std::string& person) {
    auto& inc = incidents_[i];
    auto& st = staff_.at(person);
    if (inc.counted) ++st.taken;
    const auto begin = std::max(now_, st.free_at);
    inc.out.first_contact = begin + inc.travel;
    // A new case's intake; on an open case, a visit.
    const auto done = *inc.out.first_contact + (inc.out.opens_case ? inc.intake : inc.visit);
    if (inc.plan_clock) inc.out.plan = done + inc.plan;
    st.free_at = inc.out.plan.value_or(done);
    auto& c = cases_[inc.case_index];
    if (inc.out.opens_case && c.casemanager.empty()) {
      c.casemanager = person;
      ++st.open;
      open_cases_.push_back(inc.case_index);
      push(event(c.opened + c.intensive, EventKind::monitoring, inc.case_index));
      push(event(c.closes, EventKind::closing, inc.case_index));
      schedule_visit(inc.case_index, st.free_at);
    }
    walk(inc);
  }

  void walk(Incident& inc) {
    const auto& c = cases_[inc.case_index];
    cases::CaseState state;
    state.id = c.id;
    state.region = s_.region;
    state.opened_at = c.opened;
    state.phase_at = c.opened;
    state.last_activity_at = c.opened;
    state.casemanager = c.casemanager;
    if (!inc.out.opens_case) {
      // The case as it stands: its opening incident met (first contact, plan).
      const auto& first = incidents_[c.opening];
      auto f = facts(first.id, first.out.kind, first.out.accepted);
      f.contact_at = first.out.first_contact;
      f.plan_at = first.out.plan;
      state.incidents.push_back(f);
      state.first_contact_at = first.out.first_contact;
      state.plan_at = first.out.plan;
      state.phase = c.monitoring ? cases::Phase::monitoring : cases::Phase::help;
      state.phase_at = first.out.plan.value_or(c.opened);
      state.last_activity_at = state.phase_at;
    }
    state.incidents.push_back(facts(inc.id, inc.out.kind, inc.out.accepted));
    inc.clocks =
        walk_incident_clocks(state, rules_, inc.id, inc.out.first_contact, inc.out.plan, s_.end());
    if (!inc.counted) return;
    for (const auto t : inc.clocks.team_lead_steps)
      if (t < s_.end())
        if (auto* wk = week(t)) ++wk->deadline_team_lead;
  }

  void to_monitoring(std::size_t ci) {
    auto& c = cases_[ci];
    if (!c.open || c.monitoring) return;
    c.monitoring = true;
    if (!c.casemanager.empty()) ++staff_.at(c.casemanager).monitoring;
  }

  void close(std::size_t ci) {
    auto& c = cases_[ci];
    if (!c.open) return;
    c.open = false;
    if (c.casemanager.empty()) return;
    open_cases_.erase(std::find(open_cases_.begin(), open_cases_.end(), ci));
    auto& st = staff_.at(c.casemanager);
    --st.open;
    if (c.monitoring) --st.monitoring;
  }

  // Routine visits while the case is intensive, in office hours; one that
  // finds its casemanager busy or ill moves to the next day.
  void schedule_visit(std::size_t ci, Instant after) {
    if (s_.people.visits_per_week <= 0) return;
    const double mean_ms = 7.0 * 86'400'000.0 / s_.people.visits_per_week;
    const Millis gap{
        static_cast<Millis::rep>(std::exponential_distribution<double>(1 / mean_ms)(visits_rng_))};
    push(event(office_hours(after + gap), EventKind::visit, ci));
  }

  void visit(std::size_t ci) {
    const auto& c = cases_[ci];
    if (!c.open || c.monitoring) return;
    auto& st = staff_.at(c.casemanager);
    if (st.free_at > now_ || st.is_sick(now_)) {
      push(event(office_hours(now_ + 24h), EventKind::visit, ci));
      return;
    }
    st.free_at = now_ + s_.people.routine.draw(visits_rng_);
    schedule_visit(ci, st.free_at);
  }

  void sample() {
    for (auto& [id, st] : staff_)
      if (!st.lead)
        samples_[id].push_back(
            rota::weighted_caseload(st.open, st.monitoring, w_.monitoring_weight));
  }

  Result result() const {
    Result r;
    r.region = s_.region;
    r.start = s_.start;
    r.days = s_.days;
    r.seed = seed_;
    for (const auto& inc : incidents_) {
      if (!inc.counted) continue;
      IncidentOutcome o = inc.out;
      o.contact_due = inc.clocks.contact_due;
      o.plan_due = inc.clocks.plan_due;
      r.incidents.push_back(o);
    }
    r.weeks = weeks_;
    r.weeks.resize(static_cast<std::size_t>((s_.end() - s_.start + kWeek - 1ms) / kWeek));
    std::map<std::string, rota::FairnessRow> on_call;
    for (const auto& row : rota::fairness(*w_.rota, {s_.start, s_.end()})) {
      if (row.region != s_.region || (row.layer != rota::kPrimary && row.layer != rota::kBackup &&
                                      row.layer != rota::kTeamLead))
        continue;
      auto& sum = on_call[row.person];
      sum.on_call += row.on_call;
      sum.night += row.night;
      sum.weekend += row.weekend;
    }
    auto hours = [](Millis m) { return static_cast<double>(m.count()) / 3'600'000.0; };
    for (const auto& [id, st] : staff_) {
      PersonOutcome p;
      p.id = id;
      p.team_lead = st.lead;
      p.incidents_taken = st.taken;
      if (const auto it = on_call.find(id); it != on_call.end()) {
        p.on_call_hours = hours(it->second.on_call);
        p.night_hours = hours(it->second.night);
        p.weekend_hours = hours(it->second.weekend);
      }
      for (const auto& range : st.sick) {
        const auto from = std::max(range.start, s_.start);
        const auto to = std::min(range.end, s_.end());
        if (from < to) p.sick_days += hours(to - from) / 24;
      }
      if (const auto it = samples_.find(id); it != samples_.end()) p.caseload = it->second;
      if (!st.lead) ++r.casemanagers;
      r.people.push_back(std::move(p));
    }
    return r;
  }

  const Scenario& s_;
  const World& w_;
  std::uint64_t seed_;
  rota::RotaSelector selector_;
  cases::StaffDirectory staff_dir_;
  cases::EngineRules rules_;
  std::map<std::string, Staff, std::less<>> staff_;
  Caseload caseload_;
  std::mt19937_64 arrivals_rng_, work_rng_, answers_rng_, visits_rng_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t seq_ = 0;
  Instant now_{};
  std::vector<Incident> incidents_;
  std::vector<double> pick_;
  std::vector<Case> cases_;
  std::vector<std::size_t> open_cases_;  // in the order they were taken
  std::vector<WeekCounts> weeks_;
  std::map<std::string, std::vector<double>> samples_;
};

}  // namespace

Result simulate(const Scenario& scenario, const World& world, std::uint64_t seed) {
  return Simulation(scenario, world, seed).run();
}

}  // namespace piket::planner
