#include "piket/planner/trainer.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>

#include "piket/rota/wall_clock.hpp"

namespace piket::planner {
namespace {

using common::Instant;
using common::Millis;
using namespace std::chrono_literals;

constexpr auto kWeek = std::chrono::duration_cast<Millis>(std::chrono::days{7});

// "2027-01-04 21:13" (Amsterdam wall clock), as the board shows times.
std::string local(Instant t) {
  return date::format("%Y-%m-%d %H:%M", date::floor<std::chrono::minutes>(rota::to_local(t)));
}

long minutes(Millis m) {
  return static_cast<long>(std::lround(m.count() / 60'000.0));
}

struct Played {
  std::optional<PostedIncident> posted;
  Instant posted_at{};
  int pages_seen = 0;
  std::optional<std::string> taken_by;
  bool went = false;  // first contact recorded
};

struct Answer {
  Instant due;
  std::string person, page;
  std::size_t incident = 0;
  int nth = 0;
};

struct Work {
  Instant due;
  std::string person, case_id, type, incident_id;
  std::size_t incident = 0;
};

// Takes what is due at or before `now` out of `pending`, earliest first
// (ties in the order they were added).
template <typename T>
std::vector<T> take_due(std::vector<T>& pending, Instant now) {
  std::vector<T> due;
  std::erase_if(pending, [&](const T& x) {
    if (x.due > now) return false;
    due.push_back(x);
    return true;
  });
  std::stable_sort(due.begin(), due.end(), [](const T& a, const T& b) { return a.due < b.due; });
  return due;
}

class Player {
 public:
  Player(const std::vector<TrainingIncident>& schedule, Millis shift, const TrainingOptions& o,
         TrainingStack& stack, std::ostream& out)
      : schedule_(schedule),
        shift_(shift),
        o_(o),
        stack_(stack),
        out_(out),
        played_(schedule.size()) {}

  // Everything due at or before `now`.
  void play(Instant now) {
    post_due(now);
    look_at_apps(now);
    answer_due(now);
    work_due(now);
  }

  // The earliest thing due after now (or `fallback`).
  Instant next(Instant fallback) const {
    auto t = fallback;
    if (next_post_ < schedule_.size()) t = std::min(t, at(next_post_));
    for (const auto& a : answers_) t = std::min(t, a.due);
    for (const auto& w : work_) t = std::min(t, w.due);
    return t;
  }

  const TrainingSummary& summary() {
    summary_.left_for_team_lead = static_cast<int>(std::count_if(
        played_.begin(), played_.end(), [](const Played& p) { return p.posted && !p.taken_by; }));
    return summary_;
  }

 private:
  Instant at(std::size_t i) const { return schedule_[i].at + shift_; }

  // One line of the trace, from the catalogue in the training's language.
  template <class... Args>
  std::string say(std::string_view id, const Args&... args) const {
    return i18n::render(o_.language, id, args...) + "\n";
  }

  void post_due(Instant now) {
    const auto tag = date::format(
        "%Y%m%d%H%M", date::floor<std::chrono::minutes>(schedule_.empty() ? now : at(0)));
    while (next_post_ < schedule_.size() && at(next_post_) <= now) {
      const auto i = next_post_++;
      const auto& inc = schedule_[i];
      auto posted = stack_.post(incident_body(inc, o_.region, at(i), tag));
      played_[i].posted = posted;
      played_[i].posted_at = at(i);
      by_case_[posted.case_id].push_back(i);
      ++summary_.posted;
      out_ << say("train.posted", fmt::arg("at", local(at(i))),
                  fmt::arg("kind", common::to_string(inc.kind)),
                  fmt::arg("reference", inc.reference), fmt::arg("incident", posted.incident_id),
                  fmt::arg("case", posted.case_id));
    }
  }

  // The incident a page is for: the newest posted incident of its case not
  // yet taken. (Not by the page's time: a service may still follow the
  // clock's previous step when it makes the page.)
  std::optional<std::size_t> incident_of(const PendingPage& p) const {
    const auto it = by_case_.find(p.case_id);
    if (it == by_case_.end()) return std::nullopt;
    for (auto i = it->second.rbegin(); i != it->second.rend(); ++i)
      if (!played_[*i].taken_by) return *i;
    return std::nullopt;
  }

  void look_at_apps(Instant now) {
    for (const auto& person : o_.casemanagers) {
      const auto app = stack_.view(person);
      for (const auto& c : app.cases) follow_owner(c, person, now);
      look_at_pages(person, app.pages);
    }
  }

  // A case of this training that the team lead gave to `person` (it was
  // another's): they go out for its incidents nobody went out for yet.
  void follow_owner(const std::string& case_id, const std::string& person, Instant now) {
    auto& owner = owner_[case_id];
    const bool handed = !owner.empty() && owner != person;
    owner = person;
    const auto it = by_case_.find(case_id);
    if (!handed || it == by_case_.end()) return;
    for (const auto i : it->second) {
      auto& played = played_[i];
      if (played.went) continue;
      std::erase_if(work_, [&](const Work& w) { return w.incident == i; });
      std::erase_if(answers_, [&](const Answer& a) { return a.incident == i; });
      played.taken_by = person;
      ++summary_.handed_out;
      out_ << say("train.handed_out", fmt::arg("at", local(now)), fmt::arg("staff", person),
                  fmt::arg("case", case_id));
      plan_work(i, person, now);
    }
  }

  void look_at_pages(const std::string& person, const std::vector<PendingPage>& pages) {
    for (const auto& page : pages) {
      // Only the escalation's pages are answered: a deadline's reminder
      // is not a call-out (the work it asks for is played anyway).
      if (!seen_.insert(page.id).second || page.deadline_step()) continue;
      const auto i = incident_of(page);
      if (!i) continue;  // not this training's
      const auto& inc = schedule_[*i];
      const int nth = played_[*i].pages_seen++;
      const auto delay = nth < static_cast<int>(inc.answers.size())
                             ? inc.answers[static_cast<std::size_t>(nth)]
                             : std::nullopt;
      if (!delay) {
        ++summary_.left_unanswered;
        out_ << say("train.not_answered", fmt::arg("at", local(page.created_at)),
                    fmt::arg("page", page.id), fmt::arg("case", page.case_id),
                    fmt::arg("rule", page.rule), fmt::arg("staff", person));
        continue;
      }
      // From when the page was made, and never before the incident.
      const auto from = std::max(page.created_at, played_[*i].posted_at);
      answers_.push_back({from + *delay, person, page.id, *i, nth});
    }
  }

  void answer_due(Instant now) {
    for (const auto& a : take_due(answers_, now)) {
      auto& played = played_[a.incident];
      if (played.taken_by) continue;
      const auto answer = stack_.acknowledge(a.person, a.page);
      if (!answer.done) {
        out_ << say("train.ack_refused", fmt::arg("at", local(a.due)), fmt::arg("staff", a.person),
                    fmt::arg("page", a.page), fmt::arg("why", answer.refusal));
        continue;
      }
      played.taken_by = a.person;
      ++summary_.acknowledged;
      out_ << say("train.acknowledged", fmt::arg("at", local(a.due)), fmt::arg("staff", a.person),
                  fmt::arg("page", a.page), fmt::arg("case", played.posted->case_id),
                  fmt::arg("minutes", minutes(a.due - played.posted_at)));
      plan_work(a.incident, a.person, a.due);
    }
  }

  // Out to the family, then the intake and plan (a new case) or a visit and,
  // when the kind asks for one, a revised plan (a later incident).
  void plan_work(std::size_t i, const std::string& person, Instant from) {
    const auto& inc = schedule_[i];
    const auto& posted = *played_[i].posted;
    auto add = [&](Instant due, const char* type) {
      work_.push_back({due, person, posted.case_id, type, posted.incident_id, i});
    };
    const auto contact = from + inc.travel;
    add(contact, "first_contact");
    if (inc.opens_case) {
      add(contact + inc.intake, "intake");
      add(contact + inc.intake + inc.plan, "plan_of_action");
    } else if (o_.plan_on_open_case && o_.plan_on_open_case(inc.kind)) {
      add(contact + inc.visit + inc.plan, "plan_of_action");
    }
  }

  void work_due(Instant now) {
    std::vector<Work> again;              // the deployment lags a step: at the next one
    std::set<std::size_t> held, dropped;  // incidents whose earlier work waits / was refused
    for (const auto& w : take_due(work_, now)) {
      if (dropped.count(w.incident)) continue;
      if (held.count(w.incident)) {  // its earlier work waits: so does this
        again.push_back(w);
        continue;
      }
      const auto done = stack_.record(w.person, w.case_id, w.type, w.due,
                                      w.type == "intake" ? std::string() : w.incident_id);
      if (done.refusal == "in_the_future") {
        held.insert(w.incident);
        again.push_back(w);
        continue;
      }
      ++(done.done ? summary_.recorded : summary_.not_recorded);
      if (done.done && w.type == "first_contact") played_[w.incident].went = true;
      out_ << say(done.done ? "train.recorded" : "train.not_recorded", fmt::arg("at", local(w.due)),
                  fmt::arg("staff", w.person), fmt::arg("type", w.type),
                  fmt::arg("case", w.case_id), fmt::arg("why", done.refusal));
      // Not theirs (a backup's acknowledgement leaves the case with its
      // casemanager): the rest of this work waits for the team lead to hand
      // the case out (follow_owner).
      if (!done.done) {
        dropped.insert(w.incident);
        std::erase_if(work_, [&](const Work& x) { return x.incident == w.incident; });
      }
    }
    work_.insert(work_.end(), again.begin(), again.end());
  }

  const std::vector<TrainingIncident>& schedule_;
  Millis shift_;
  const TrainingOptions& o_;
  TrainingStack& stack_;
  std::ostream& out_;
  std::vector<Played> played_;
  std::size_t next_post_ = 0;
  std::map<std::string, std::vector<std::size_t>> by_case_;
  std::set<std::string> seen_;
  std::map<std::string, std::string> owner_;  // case → its casemanager, as last seen
  std::vector<Answer> answers_;
  std::vector<Work> work_;
  TrainingSummary summary_;
};

}  // namespace

Millis training_shift(Instant start, Instant now) {
  if (now <= start) return Millis{0};
  const auto weeks = (now - start + kWeek - 1ms) / kWeek;
  return weeks * kWeek;
}

TrainingSummary train(const std::vector<TrainingIncident>& schedule, Instant start, Instant until,
                      const TrainingOptions& o, TrainingStack& stack, const common::Clock& real,
                      const std::function<void(Millis)>& sleep, std::ostream& out) {
  if (!(o.speed >= kMinSpeed && o.speed <= kMaxSpeed))
    throw TrainingError("speed: between 1 and 3600 simulated seconds a second");
  if (o.step < 1s || o.step > 1h) throw TrainingError("step: between 1 s and 1 h");
  auto now = stack.now();
  const auto shift = training_shift(start, now);
  start += shift;
  until += shift;
  if (now < start) now = stack.advance_to(start);
  out << i18n::render(o.language, shift.count() > 0 ? "train.starts_moved" : "train.starts",
                      fmt::arg("at", local(now)), fmt::arg("weeks", shift / kWeek),
                      fmt::arg("incidents", schedule.size()), fmt::arg("until", local(until)),
                      fmt::arg("speed", o.speed))
      << "\n";
  Player player(schedule, shift, o, stack, out);
  const auto real_start = real.now();
  const auto sim_start = now;
  for (;;) {
    player.play(now);
    if (now >= until) break;
    const auto next = std::max(now + 1s, player.next(std::min(now + o.step, until)));
    // Pace: simulated time runs `speed` times as fast as real time.
    const auto real_due =
        real_start +
        Millis{static_cast<Millis::rep>(static_cast<double>((next - sim_start).count()) / o.speed)};
    if (const auto wait = real_due - real.now(); wait > Millis{0}) sleep(wait);
    now = stack.advance_to(next);
  }
  const auto& s = player.summary();
  out << i18n::render(
             o.language, "train.ends", fmt::arg("at", local(now)), fmt::arg("posted", s.posted),
             fmt::arg("acknowledged", s.acknowledged), fmt::arg("unanswered", s.left_unanswered),
             fmt::arg("for_lead", s.left_for_team_lead), fmt::arg("handed_out", s.handed_out),
             fmt::arg("recorded", s.recorded), fmt::arg("refused", s.not_recorded))
      << "\n";
  return s;
}

}  // namespace piket::planner
