#include "piket/cases/deadline_shell.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <variant>

#include "piket/common/fault_point.hpp"
#include "piket/common/periodic.hpp"
#include "piket/common/redis.hpp"
#include "piket/paging/deadline_text.hpp"
#include "piket/paging/page_class.hpp"
#include "piket/paging/page_script.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::cases {
namespace {
constexpr int kAttempts = 16;
}

struct DeadlineShell::Impl {
  RedisCaseStore& store;
  EngineRules rules;
  const common::Clock& domain_clock;
  const common::Clock& transport_clock;
  ShellOptions options;
  PageCallback on_page;
  std::function<void(const Fired&)> observer;
  prometheus::Counter* reminders = nullptr;
  prometheus::Counter* escalations = nullptr;
  prometheus::Counter* unpaged = nullptr;
  prometheus::Histogram* lateness = nullptr;
  // The earliest timer after the last round's writes (valid until anything
  // else writes timers): saves the simulation driver a round trip.
  std::optional<common::Instant> next_due_hint;
  bool hint_valid = false;
  // Every poll, all that is due (run_due); after a Redis failure, again in 200 ms.
  common::Periodic loop;

  Impl(RedisCaseStore& s, EngineRules r, const common::Clock& d, const common::Clock& t,
       ShellOptions o, PageCallback p)
      : store(s),
        rules(r),
        domain_clock(d),
        transport_clock(t),
        options(o),
        on_page(std::move(p)),
        loop({.name = "deadline engine",
              .every = options.poll,
              .after_failure = common::Millis{200}},
             transport_clock, [this] {
               while (loop.running() && round(nullptr).more) {
               }
             }) {}

  // The page for an action, or why there is none.
  std::optional<PageOrder> page_for(const CaseState& s, const Action& a, std::string& why) const {
    if (a.recipient.empty()) {
      why = "no_recipient";
      return std::nullopt;
    }
    const auto* person = rules.staff.person(a.recipient);
    if (!person || person->phone.empty()) {
      why = "no_phone";
      return std::nullopt;
    }
    PageOrder p;
    p.page_id = paging::new_page_id();
    p.rule = "deadline:" + std::string(to_string(a.step.clock)) + ":" + a.step.name;
    // A page that is information (the ban ended) has no reply code.
    if (!paging::is_informational(p.rule)) p.ack_code = paging::new_ack_code();
    p.code_ttl = rules.reply_code_window;
    p.person = person->id;
    p.phone = person->phone;
    p.incident = a.step.incident;
    const paging::DeadlinePageContent content{s.id,
                                              a.step.text_clock,
                                              a.step.stage,
                                              s.region,
                                              a.step.text_at,
                                              p.ack_code,
                                              rules.staff.language_of(person)};
    const auto text = paging::render_deadline_sms(content);
    const auto tag = paging::deadline_tag(content);
    if (!text || !tag) {
      why = "text_not_renderable";
      return std::nullopt;
    }
    p.text = *text;
    p.brief = tag->brief;
    p.rank = tag->rank;
    return p;
  }

  std::string timeline_entry(const Action& a, const std::optional<PageOrder>& page,
                             const std::string& why, common::Instant now) const {
    boost::json::object ev;
    ev["at"] = common::to_epoch_ms(now);
    ev["type"] = "deadline_fired";
    ev["clock"] = std::string(to_string(a.step.clock));
    ev["step"] = a.step.name;
    ev["key"] = a.step.key;
    ev["due"] = common::to_epoch_ms(a.step.due);
    ev["late_ms"] = a.late.count();
    ev["role"] = std::string(to_string(a.step.role));
    ev["escalation"] = a.step.escalation();
    if (!a.recipient.empty()) ev["to"] = a.recipient;
    if (!a.step.incident.empty()) ev["incident"] = a.step.incident;
    if (page)
      ev["page"] = page->page_id;
    else
      ev["unpaged"] = why;
    ev["by"] = "cases";
    return boost::json::serialize(ev);
  }

  // What to do about one timer of a round.
  struct Planned {
    std::optional<Action> action;  // taken when the write succeeds
    std::optional<PageOrder> page;
    std::string why;
  };

  void taken(const std::string& case_id, const Action& a, const std::optional<PageOrder>& page,
             const std::string& why, const std::string& payload, common::Instant now,
             std::vector<Fired>* fired) {
    Fired out{case_id,
              a.step.key,
              a.step.clock,
              a.step.name,
              a.step.escalation(),
              a.step.due,
              now,
              a.late,
              page ? page->person : std::string(),
              page ? page->page_id : std::string()};
    (a.step.escalation() ? escalations : reminders)->Increment();
    if (!page) unpaged->Increment();
    lateness->Observe(std::chrono::duration<double>(a.late).count());
    spdlog::info("case {}: {} {} taken{} ({} ms late){}", case_id, to_string(a.step.clock),
                 a.step.name, page ? ", page " + page->page_id + " to " + page->person : "",
                 a.late.count(), page ? "" : ", nobody paged: " + why);
    // The step, its page and its outbox entry are written; the wake-up is not sent.
    if (page) common::fault_point("cases.after_fire");
    if (page && on_page) on_page(page->page_id, payload);
    if (observer) observer(out);
    if (fired) fired->push_back(std::move(out));
  }

  FireRequest fire_request(const CaseState& state, const Action& a, const std::string& popped,
                           common::Instant now, Planned& plan) {
    CaseState after = state;
    after.fired.insert(a.step.key);
    FireRequest f;
    f.page = page_for(state, a, plan.why);
    // A reminder that went to a casemanager is watched: not acknowledged in
    // time, it goes to the team lead (engine: followups).
    const auto* to = rules.staff.person(a.recipient);
    if (a.step.asks_ack && to && to->role == rota::StaffRole::casemanager) {
      f.watch = true;
      f.watch_person = a.recipient;
      after.reminders[a.step.key] =
          ReminderPage{f.page ? f.page->page_id : std::string(), a.recipient, false};
    }
    f.case_id = state.id;
    f.version = state.version;
    f.popped = popped;
    f.key = a.step.key;
    f.timeline_json = timeline_entry(a, f.page, plan.why, now);
    if (a.step.escalation()) f.escalate_incident = a.step.incident;
    f.now = now;
    f.outbox_due = transport_clock.now() + options.outbox_resend_after;
    auto ev = evaluate(after, rules, now);
    f.timers = std::move(ev.timers);
    f.forget_reminders = std::move(ev.stale_reminders);
    // A reminder whose follow-up is moot from the start (the clock reaches
    // the team lead sooner anyway) is not watched at all.
    if (const auto it = std::find(f.forget_reminders.begin(), f.forget_reminders.end(), f.key);
        it != f.forget_reminders.end()) {
      f.forget_reminders.erase(it);
      f.watch = false;
    }
    plan.action = a;
    plan.page = f.page;
    return f;
  }

  struct RoundResult {
    std::size_t handled = 0;
    bool more = false;  // something may still be due
  };

  RoundResult round(std::vector<Fired>* fired) {
    const auto now = domain_clock.now();
    auto batch = store.due_with_cases(now, options.batch);
    if (batch.due == 0) {
      next_due_hint = std::nullopt;
      hint_valid = false;
      return {};
    }
    // More is due when this round leaves timers behind (a case's second timer
    // waits for the next round: its first may change what the second means),
    // or a case of the round has a further due action after the one it takes.
    bool more = batch.due == options.batch || batch.timers.size() < batch.due;
    const auto& picked = batch.timers;
    const auto& states = batch.cases;
    std::vector<std::string> ids;
    for (const auto& t : picked) ids.emplace_back(case_of_timer(t.member));
    std::vector<std::variant<FireRequest, SyncRequest>> ops;
    std::vector<Planned> plans;
    // No timer due after an action some case of this round has yet to take
    // is handled in this round: due order holds across cases.
    auto cutoff = common::Instant::max();
    for (std::size_t i = 0; i < picked.size() && picked[i].due <= cutoff; ++i) {
      const auto& t = picked[i];
      const auto& state = states[i];
      Planned plan;
      if (!state) {
        ops.emplace_back(SyncRequest{ids[i], 0, t.member, {}});
      } else {
        const auto ev = evaluate(*state, rules, now);
        if (ev.actions.empty() || ev.actions.front().step.due > t.due) {
          // A resync or a stale timer: store the case's timers afresh.
          if (!ev.actions.empty()) cutoff = std::min(cutoff, ev.actions.front().step.due);
          more = more || !ev.actions.empty();
          ops.emplace_back(SyncRequest{ids[i], state->version, t.member, ev.timers});
        } else {
          auto f = fire_request(*state, ev.actions.front(), t.member, now, plan);
          if (ev.actions.size() > 1) cutoff = std::min(cutoff, ev.actions[1].step.due);
          more = more || ev.actions.size() > 1;
          ops.emplace_back(std::move(f));
        }
      }
      plans.push_back(std::move(plan));
    }
    more = more || ops.size() < picked.size();
    const auto results = store.write_many(ops, &next_due_hint);
    hint_valid = true;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i].outcome == WriteOutcome::done && plans[i].action)
        taken(ids[i], *plans[i].action, plans[i].page, plans[i].why, results[i].payload, now,
              fired);
      else if (results[i].outcome != WriteOutcome::done &&
               results[i].outcome != WriteOutcome::missing &&
               results[i].outcome != WriteOutcome::duplicate)
        more = true;  // stale or a reply-code collision: try again
    }
    return {ops.size(), more};
  }

  enum class Handled { took, nothing, gave_up };

  // Takes one case's earliest action due at or before now (DeadlineShell::settle).
  Handled settle_one(const std::string& case_id, common::Instant now, std::vector<Fired>* fired) {
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      const auto state = store.load(case_id);
      if (!state) return Handled::nothing;
      const auto ev = evaluate(*state, rules, now);
      if (ev.actions.empty()) return Handled::nothing;
      Planned plan;
      const auto f = fire_request(*state, ev.actions.front(), "", now, plan);
      const auto r = store.fire(f);
      if (r.outcome == WriteOutcome::stale || r.outcome == WriteOutcome::collision) continue;
      if (r.outcome == WriteOutcome::done)
        taken(case_id, *plan.action, plan.page, plan.why, r.payload, now, fired);
      return Handled::took;
    }
    return Handled::gave_up;
  }
};

DeadlineShell::DeadlineShell(RedisCaseStore& store, EngineRules rules,
                             const common::Clock& domain_clock,
                             const common::Clock& transport_clock, ShellOptions options,
                             PageCallback on_page, common::Metrics* metrics)
    : impl_(std::make_unique<Impl>(store, rules, domain_clock, transport_clock, options,
                                   std::move(on_page))) {
  static common::Metrics fallback("cases");
  auto& m = metrics ? *metrics : fallback;
  impl_->reminders =
      &m.counter("piket_cases_actions_total", "Deadline actions taken", {{"kind", "reminder"}});
  impl_->escalations =
      &m.counter("piket_cases_actions_total", "Deadline actions taken", {{"kind", "escalation"}});
  impl_->unpaged =
      &m.counter("piket_cases_actions_unpaged_total", "Deadline actions taken with nobody to page");
  impl_->lateness = &m.latency("piket_cases_action_lateness_seconds",
                               "How long after its due time an action was taken");
}

DeadlineShell::~DeadlineShell() {
  stop();
}

bool DeadlineShell::step(std::vector<Fired>* fired) {
  return impl_->round(fired).handled > 0;
}

std::vector<Fired> DeadlineShell::run_due(std::size_t limit) {
  std::vector<Fired> out;
  for (std::size_t n = 0; n < limit && impl_->round(&out).more; ++n) {
  }
  return out;
}

void DeadlineShell::resync(const std::string& case_id) {
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const auto state = impl_->store.load(case_id);
    if (!state) return;
    const auto ev = evaluate(*state, impl_->rules, impl_->domain_clock.now());
    if (impl_->store.sync(case_id, state->version, "", ev.timers) != WriteOutcome::stale) return;
  }
}

std::optional<common::Instant> DeadlineShell::next_due() {
  return impl_->store.next_due();
}

std::optional<std::optional<common::Instant>> DeadlineShell::next_due_after_last_round() const {
  if (!impl_->hint_valid) return std::nullopt;
  return impl_->next_due_hint;
}

std::vector<Fired> DeadlineShell::settle(const std::string& case_id) {
  std::vector<Fired> out;
  const auto now = impl_->domain_clock.now();
  for (int n = 0; n < 1000; ++n)
    if (impl_->settle_one(case_id, now, &out) != Impl::Handled::took) break;
  return out;
}

void DeadlineShell::start() {
  impl_->loop.start();
}

void DeadlineShell::stop() {
  impl_->loop.stop();
}

void DeadlineShell::set_observer(std::function<void(const Fired&)> observer) {
  impl_->observer = std::move(observer);
}

}  // namespace piket::cases
