#include "piket/dispatch/family_router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <stdexcept>
#include <utility>

#include "piket/dispatch/redis_caseload.hpp"
#include "piket/paging/page_script.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/page.hpp"

namespace piket::dispatch {
namespace {

const common::RedisScript& script() {
  static const common::RedisScript s{std::string(lua::dispatch_family_step())};
  return s;
}

std::optional<std::int64_t> number(const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  try {
    return std::stoll(*s);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<common::Instant> instant(const std::optional<std::string>& s) {
  if (auto v = number(s)) return common::from_epoch_ms(*v);
  return std::nullopt;
}

constexpr std::string_view kRuleFirst = "family_message";
constexpr std::string_view kRuleTeamLead = "family_message_team_lead";
// Steps taken per round at most.
constexpr int kBatch = 100;

}  // namespace

bool is_family_wake(std::string_view message_id) {
  return message_id.rfind("family:", 0) == 0;
}

FamilyRouter::FamilyRouter(FamilyPolicy policy, const rota::Directory& directory,
                           const rota::CasemanagerSelector& selector, common::OutboxConfig outbox,
                           const common::Clock& domain_clock, const common::Clock& transport_clock,
                           common::RedisPool& redis, OnPage on_page)
    : policy_(policy),
      directory_(directory),
      selector_(selector),
      outbox_(outbox),
      domain_clock_(domain_clock),
      transport_clock_(transport_clock),
      redis_(redis),
      on_page_(std::move(on_page)),
      loop_(std::make_unique<common::Periodic>(
          common::PeriodicOptions{.name = "family messages",
                                  .every = kFamilyLongestSleep,
                                  .after_failure = common::Millis{1000}},
          transport_clock_, [this] { run_loop(); })) {}

FamilyRouter::~FamilyRouter() {
  stop();
}

FamilyRound FamilyRouter::round() {
  auto conn = redis_.lease();
  const auto now = common::to_epoch_ms(domain_clock_.now());
  // The earliest steps: those due now are taken; the first not yet due is the next.
  const auto first = conn->command({"ZRANGE", std::string(store::kFamilyDue), "0",
                                    std::to_string(kBatch - 1), "WITHSCORES"})
                         .element_strings();
  FamilyRound out;
  int taken = 0;
  for (std::size_t k = 0; k + 1 < first.size(); k += 2) {
    const auto at = number(first[k + 1]).value_or(0);
    if (at > now) {
      out.next = common::from_epoch_ms(at);
      break;
    }
    ++taken;
    const auto& member = first[k];
    const auto bar = member.find('|');
    if (bar == std::string::npos) {
      conn->command({"ZREM", std::string(store::kFamilyDue), member});
      continue;
    }
    out.pages += step(*conn, member.substr(0, bar), member.substr(bar + 1));
  }
  out.more = taken == kBatch;
  return out;
}

void FamilyRouter::start() {
  loop_->start();
}

void FamilyRouter::stop() {
  loop_->stop();
}

void FamilyRouter::wake() {
  loop_->wake_kept();
}

bool FamilyRouter::handle_message(std::string_view /*channel*/, std::string_view /*id*/,
                                  std::string_view /*payload*/) {
  wake();
  return true;
}

void FamilyRouter::run_loop() {
  auto r = round();
  while (r.more && loop_->running()) r = round();
  // Sleep until the next step is due (on the domain clock: a simulated one
  // wakes the loop when it moves), at most kFamilyLongestSleep.
  auto pause = kFamilyLongestSleep;
  if (r.next)
    pause = std::clamp<common::Millis>(
        std::chrono::duration_cast<common::Millis>(*r.next - domain_clock_.now()),
        common::Millis{0}, kFamilyLongestSleep);
  loop_->pause_next(pause);
}

int FamilyRouter::step(common::RedisConnection& conn, const std::string& case_id,
                       const std::string& message) {
  const auto now = domain_clock_.now();
  // The message's time and urgency (never its text).
  const auto stored = conn.command({"HGET", store::case_family_key(case_id), message}).opt_string();
  if (!stored) {
    conn.command({"ZREM", std::string(store::kFamilyDue), case_id + "|" + message});
    return 0;
  }
  FamilyRoute route;
  {
    const auto m = boost::json::parse(*stored).as_object();
    route.at = common::from_epoch_ms(m.at("at").to_number<std::int64_t>());
    route.urgent = m.at("urgent").as_bool();
  }
  const auto r = conn.command({"HMGET", store::family_route_key(case_id, message), "paged_at",
                               "deadline", "escalated_at", "page", "page_tl"})
                     .element_optionals();
  route.paged = r[0].has_value();
  route.deadline = instant(r[1]);
  route.escalated = instant(r[2]);
  bool first_page = true;
  for (const auto& page : {r[3], r[4]}) {
    const bool is_first = std::exchange(first_page, false);
    if (!page || page->empty() || route.acknowledged_by) continue;
    const auto p =
        conn.command({"HMGET", store::page_key(*page), "state", "person", "acknowledged_at"})
            .element_optionals();
    if (p[0] == "acknowledged" && p[1]) {
      route.acknowledged_by = *p[1];
      route.acknowledged_at = instant(p[2]).value_or(now);
    } else if (is_first && (p[0] == "declined" || p[0] == "failed")) {
      route.first_refused = true;
    }
  }
  const auto next = next_family_step(route, now, policy_);

  store::FamilyStepArgs a;
  a.case_id = case_id;
  a.message_id = message;
  a.action = std::string(to_string(next.action));
  a.now_ms = common::to_epoch_ms(now);
  if (next.next) a.next_ms = common::to_epoch_ms(*next.next);
  if (route.acknowledged_by) {
    a.acknowledged_by = *route.acknowledged_by;
    a.acknowledged_at_ms = common::to_epoch_ms(route.acknowledged_at);
    // The "received" answer, in the deployment's language (sent only when the
    // route holds the number that wrote: never a perpetrator's).
    a.received_text = family_received_text(directory_.language_of(nullptr));
  }
  const bool paging = next.action == FamilyAction::page || next.action == FamilyAction::team_lead;
  const rota::PersonConfig* person = nullptr;
  std::function<bool()> render = [] { return true; };
  if (paging) {
    const bool first = next.action == FamilyAction::page;
    const auto c = conn.command({"HMGET", store::case_key(case_id), "region", "casemanager"})
                       .element_optionals();
    rota::SelectionRequest req{c[0].value_or(""), std::nullopt, now};
    std::vector<std::string> exclude;
    // The own casemanager first; the selection passes over anyone absent now
    // (POST /v1/people/{id}/absence), as own casemanager and on call alike.
    if (first && c[1] && !c[1]->empty()) req.own_casemanager = *c[1];
    RedisCaseload caseload(conn);
    caseload.prefetch(selector_.candidates(req));
    using T = paging::EscalationTarget;
    const auto targets =
        first ? std::vector<T>{T::primary, T::backup, T::team_lead} : std::vector<T>{T::team_lead};
    for (auto t : targets) {
      if (auto s = selector_.select_step(t, req, exclude, caseload)) {
        person = directory_.person(s->person_id);
        if (person) break;
      }
    }
    const auto deadline = route.deadline.value_or(family_deadline(route.at, route.urgent, policy_));
    a.deadline_ms = common::to_epoch_ms(deadline);
    a.rule = std::string(first ? kRuleFirst : kRuleTeamLead);
    // The reply code answers until the router stops watching.
    const auto until = (first ? deadline : now) + policy_.watch + std::chrono::hours{1};
    a.code_ttl_ms = std::max<std::int64_t>(60'000, (until - now).count());
    if (person) {
      const auto language = directory_.language_of(person);
      const auto tag = family_tag(case_id, route.urgent, language);
      a.person = person->id;
      a.phone = person->phone;
      a.brief = tag.brief;
      a.rank = tag.rank;
      render = [&a, &case_id, urgent = route.urgent, first, language] {
        a.reply_code = paging::new_ack_code();
        auto text = render_family_page(case_id, urgent, !first, a.reply_code, language);
        if (!text) return false;
        a.text = std::move(*text);
        return true;
      };
    } else {
      spdlog::warn("family message {} of case {}: nobody to page ({})", message, case_id, a.rule);
    }
  }
  const bool acknowledging = next.action == FamilyAction::acknowledged;
  if (acknowledging && on_acknowledged_) on_acknowledged_(case_id, message, a.acknowledged_by);
  for (int attempt = 0; attempt < 8; ++attempt) {
    a.page_id = person ? paging::new_page_id() : std::string();
    if (acknowledging) a.received_page_id = paging::new_page_id();
    if (!render()) {
      spdlog::error("family message {} of case {}: no page text", message, case_id);
      return 0;
    }
    a.outbox_due_ms = common::to_epoch_ms(transport_clock_.now()) + outbox_.resend_after.count();
    const auto reply =
        store::FamilyStepReply::parse(conn.eval(script(), {}, a.args()).element_strings());
    if (!reply) throw std::runtime_error("unexpected reply from the family step script");
    using K = store::FamilyStepReply::Kind;
    if (reply->kind == K::collision) continue;
    if (reply->kind != K::done) return 0;
    if (acknowledging) {
      spdlog::info(
          "family message {} of case {} acknowledged by {}{}", message, case_id, a.acknowledged_by,
          reply->payload.empty() ? "" : "; \"received\" answer page " + a.received_page_id);
      if (on_page_ && !reply->payload.empty()) on_page_(a.received_page_id, reply->payload);
      return 0;
    }
    if (!paging || !person) return 0;
    spdlog::info("family message {} of case {}: {} paged ({}, page {})", message, case_id,
                 person->id, a.rule, a.page_id);
    if (on_page_ && !reply->payload.empty()) on_page_(a.page_id, reply->payload);
    return 1;
  }
  return 0;
}

}  // namespace piket::dispatch
