#pragma once
// The typed arguments and replies of notify's delivery scripts
// (store/lua/notify/notify_*.lua, owner piket-notify; each file's header says
// what it reads and writes). Each `…Args::argv()` is the script's ARGV in
// order; each `parse_…` reads a reply given as its array's strings. Pure: the
// caller runs the script (services/notify/src/delivery_scripts.hpp).

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace piket::store {

namespace detail {
// A number of a script's reply; 0 when it is not one (the scripts write
// numbers with tostring, or '' for a field that is not set).
inline long long reply_number(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}
}  // namespace detail

// ---- notify_page_load: a page's delivery state for the planner.
struct NotifyLoadedDelivery {
  std::string state;  // the delivery's state (notify_page_load: 'failed' when it is gone)
  long long after_ms = 0;
};
struct NotifyPageLoad {
  std::string state;  // the page's
  long long created_at_ms = 0;
  std::string rev;                               // pass back to notify_apply as it is
  std::vector<std::string> channels;             // in the page's order
  bool informational = false;                    // `info` = 1 (paging/page_class.hpp)
  std::vector<NotifyLoadedDelivery> deliveries;  // one per channel
};
// Empty for no page, a page not planned yet, or a reply whose deliveries do
// not match its channels.
inline std::optional<NotifyPageLoad> parse_notify_page_load(const std::vector<std::string>& e) {
  if (e.size() < 5) return std::nullopt;
  NotifyPageLoad out;
  out.state = e[0];
  out.created_at_ms = detail::reply_number(e[1]);
  out.rev = e[2];
  out.informational = e[4] == "1";
  const auto& list = e[3];
  for (std::size_t at = 0; at <= list.size();) {
    auto comma = list.find(',', at);
    if (comma == std::string::npos) comma = list.size();
    out.channels.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  if (e.size() != 5 + 2 * out.channels.size()) return std::nullopt;
  for (std::size_t k = 0; k < out.channels.size(); ++k)
    out.deliveries.push_back({e[5 + 2 * k], detail::reply_number(e[6 + 2 * k])});
  return out;
}

// ---- notify_apply: a page's delivery plan.
enum class NotifyPlanOutcome { none, exhausted, duplicate };
struct NotifyApplyStart {
  std::string channel;
  std::string reason;                   // at_once | not_acknowledged | previous_failed
  std::optional<std::string> previous;  // the channel before it, if any
};
struct NotifyApplyArgs {
  std::string page_id;
  std::string rev;  // as notify_page_load read it
  long long domain_now_ms = 0;
  long long transport_now_ms = 0;
  std::optional<long long> next_wakeup_ms;  // domain; none: no timer
  NotifyPlanOutcome outcome = NotifyPlanOutcome::none;
  long long outbox_due_ms = 0;  // transport: when the escalation outbox first sends
  std::vector<NotifyApplyStart> start;
  std::vector<std::string> cancel;  // channels

  std::vector<std::string> argv() const {
    std::vector<std::string> a{page_id};
    append_plan(a);
    return a;
  }
  // The plan as lib/notify_apply_plan.lua takes it (every argument after the page id).
  void append_plan(std::vector<std::string>& a) const {
    a.insert(a.end(), {rev, std::to_string(domain_now_ms), std::to_string(transport_now_ms),
                       next_wakeup_ms ? std::to_string(*next_wakeup_ms) : "-",
                       outcome == NotifyPlanOutcome::exhausted   ? "exhausted"
                       : outcome == NotifyPlanOutcome::duplicate ? "duplicate"
                                                                 : "-",
                       std::to_string(outbox_due_ms), std::to_string(start.size())});
    for (const auto& s : start) {
      a.push_back(s.channel);
      a.push_back(s.reason);
      a.push_back(s.previous.value_or("-"));
    }
    a.push_back(std::to_string(cancel.size()));
    a.insert(a.end(), cancel.begin(), cancel.end());
  }
};

// ---- notify_expand: a page's deliveries, one per contact rule, and the plan of the page
// as expanded applied in the same step when the page is as the plan assumed.
struct NotifyExpandRule {
  std::string channel;     // sms | push | email
  long long after_ms = 0;  // how long after the page this channel starts
  std::string address;     // the push stream, the e-mail address; '' for sms: the page's number
};
// The rev a page has right after its expansion (piket_page_expanded,
// lib/paging_page_delivery.lua): what a plan made for the page as expanded is made at.
inline constexpr std::string_view kNotifyExpandedRev = "1";
// The plan of the page as the expansion leaves it (every channel scheduled,
// rev kNotifyExpandedRev), made on the page's created_at and info as read
// before the expansion.
struct NotifyExpandPlan {
  long long created_at_ms = 0;  // domain
  bool informational = false;
  NotifyApplyArgs apply;  // its page_id is not passed again
};
struct NotifyExpandArgs {
  std::string page_id;
  long long now_ms = 0;  // domain
  std::vector<NotifyExpandRule> rules;
  std::optional<NotifyExpandPlan> plan = std::nullopt;  // none: expand only (its timer due now)
  // Whose contact rules `rules` are, when taken from the page's message rather than read
  // from the page: a page of another person is not expanded (Kind::other_person). '': any.
  std::string person{};

  std::vector<std::string> argv() const {
    std::vector<std::string> a{page_id, std::to_string(now_ms), person,
                               std::to_string(rules.size())};
    for (const auto& r : rules) {
      a.push_back(r.channel);
      a.push_back(std::to_string(r.after_ms));
      a.push_back(r.address);
    }
    if (plan) {
      a.push_back(std::to_string(plan->created_at_ms));
      a.push_back(plan->informational ? "1" : "0");
      plan->apply.append_plan(a);
    }
    return a;
  }
};
struct NotifyExpandReply {
  enum class Kind { expanded, already, not_queued, missing, other_person };
  Kind kind = Kind::missing;
  std::string state;         // already, not_queued: the page's state
  long long suppressed = 0;  // expanded: channels suppressed as duplicates of an earlier page
  bool applied = false;      // expanded: the plan given was applied in the same step
  long long started = 0;     // applied: the channels it started
  std::string not_applied;   // a plan given and not applied: suppressed | changed | stale
};
inline NotifyExpandReply parse_notify_expand(const std::vector<std::string>& e) {
  using K = NotifyExpandReply::Kind;
  NotifyExpandReply r;
  if (e.empty()) return r;
  if (e[0] == "already" || e[0] == "not_queued") {
    r.kind = e[0] == "already" ? K::already : K::not_queued;
    if (e.size() > 1) r.state = e[1];
  } else if (e[0] == "expanded") {
    r.kind = K::expanded;
    if (e.size() > 1) r.suppressed = detail::reply_number(e[1]);
    r.applied = e.size() > 3 && e[2] == "applied";
    if (r.applied) r.started = detail::reply_number(e[3]);
    if (e.size() == 3) r.not_applied = e[2];
  } else if (e[0] == "other_person") {
    r.kind = K::other_person;
  }
  return r;
}

// ---- notify_claim: a batch of the deliveries due, urgent first, leased for their sends.
struct NotifyClaimArgs {
  long long transport_now_ms = 0;
  long long lease_until_ms = 0;  // transport: for one send (now + gateway timeout + grace)
  long long domain_now_ms = 0;
  long long bundle_window_ms = 0;  // 0: no bundling
  int max_candidates = 20;
  int max_deliveries = 1;             // the batch: at most this many sends
  long long gateway_timeout_ms = 0;   // the lease grows by this per round of sends
  int gateway_connections = 1;        // sends at once
  long long in_doubt_confirm_ms = 0;  // a send in doubt waits this long for its worker's record
  // When the store last came back for this worker (transport ms; 0: never lost): a send in
  // doubt's wait runs from here if that is later than its first sighting.
  long long store_back_ms = 0;
  // A page whose timer is due by domain_now_ms comes first: nothing is claimed, the
  // batch names the page (NotifyClaimBatch::due_timer).
  bool timers_first = false;

  std::vector<std::string> argv() const {
    return {std::to_string(transport_now_ms),
            std::to_string(lease_until_ms),
            std::to_string(domain_now_ms),
            std::to_string(bundle_window_ms),
            std::to_string(max_candidates),
            std::to_string(max_deliveries),
            std::to_string(gateway_timeout_ms),
            std::to_string(gateway_connections),
            std::to_string(in_doubt_confirm_ms),
            std::to_string(store_back_ms),
            timers_first ? "1" : "0"};
  }
};
// Another SMS delivery to the same person that may go along in a bundle.
struct NotifyBundleCandidate {
  std::string delivery_id, page_id, ack_code, brief, body, household;
  int rank = 50;
  long long created_at_ms = 0;
};
// What the claim hands over for one send.
struct NotifyClaimedDelivery {
  std::string delivery_id, channel, page_id, to, text, ack_code, case_id;
  int attempt = 1;
  bool in_doubt = false;  // sent before, its lease ran out without an outcome
  std::string kind, region, reported_at, body, household, person;  // the incident's
  std::string reason;  // the page's: '' (first page), escalated, no_first_contact
  std::string brief;   // its line in a bundled SMS ('' none: never bundled)
  int rank = 50;
  long long created_at_ms = 0;
  bool info = false;  // information (paging/page_class.hpp): no reply code
  std::vector<NotifyBundleCandidate> candidates;
};
struct NotifyClaimReply {
  enum class Kind {
    idle,      // nothing claimed (not in a batch's reply)
    skip,      // delivery_id: gone, cancelled or not sendable
    held,      // delivery_id waits until held_until_ms (the person's bundle window)
    doubt,     // delivery_id, in doubt, waits until held_until_ms for its worker's record
    resolved,  // delivery_id (channel, page_id): a delivery report showed the gateway had it
    send,      // send `send`
  };
  Kind kind = Kind::idle;
  std::string delivery_id, channel, page_id;
  long long held_until_ms = 0;  // transport (held, doubt)
  NotifyClaimedDelivery send;
};
// One delivery's claim, as a batch's reply lists it (lib/notify_claim_one.lua).
// Throws std::out_of_range for a reply shorter than its kind needs (any
// unknown kind is read as a send).
inline NotifyClaimReply parse_notify_claim(const std::vector<std::string>& e) {
  using K = NotifyClaimReply::Kind;
  NotifyClaimReply r;
  const auto& what = e.at(0);
  if (what == "idle") return r;
  if (what == "skip" || what == "held" || what == "doubt") {
    r.kind = what == "skip" ? K::skip : what == "held" ? K::held : K::doubt;
    r.delivery_id = e.at(1);
    if (r.kind != K::skip && e.size() > 2) r.held_until_ms = detail::reply_number(e[2]);
    return r;
  }
  if (what == "resolved") {
    r.kind = K::resolved;
    r.delivery_id = e.at(1);
    r.channel = e.at(2);
    r.page_id = e.at(3);
    return r;
  }
  r.kind = K::send;
  auto& c = r.send;
  c.delivery_id = e.at(1);
  c.channel = e.at(2);
  c.page_id = e.at(3);
  c.to = e.at(4);
  c.text = e.at(5);
  c.ack_code = e.at(6);
  c.case_id = e.at(7);
  c.attempt = static_cast<int>(detail::reply_number(e.at(8)));
  c.in_doubt = e.at(9) == "in_doubt";
  c.kind = e.at(10);
  c.region = e.at(11);
  c.reported_at = e.at(12);
  c.body = e.at(13);
  c.household = e.at(14);
  c.person = e.at(15);
  if (e.size() > 16) c.reason = e.at(16);
  if (e.size() > 21) {
    c.brief = e.at(17);
    c.rank = static_cast<int>(detail::reply_number(e.at(18)));
    c.created_at_ms = detail::reply_number(e.at(19));
    c.info = e.at(20) == "1";
    const auto n = static_cast<std::size_t>(detail::reply_number(e.at(21)));
    for (std::size_t k = 0; k < n && 22 + 8 * k + 7 < e.size(); ++k) {
      const auto at = 22 + 8 * k;
      NotifyBundleCandidate d;
      d.delivery_id = e[at];
      d.page_id = e[at + 1];
      d.ack_code = e[at + 2];
      d.brief = e[at + 3];
      d.rank = static_cast<int>(detail::reply_number(e[at + 4]));
      d.created_at_ms = detail::reply_number(e[at + 5]);
      d.body = e[at + 6];
      d.household = e[at + 7];
      c.candidates.push_back(std::move(d));
    }
  }
  r.delivery_id = c.delivery_id;
  r.channel = c.channel;
  r.page_id = c.page_id;
  return r;
}

// The batch: each delivery's claim in the order made (urgent first), and the
// lease every delivery sent in it got.
struct NotifyClaimBatch {
  long long lease_until_ms = 0;  // transport
  std::vector<NotifyClaimReply> claims;
  // timers_first: the page whose timer is due (nothing claimed), to evaluate first.
  std::optional<std::string> due_timer = std::nullopt;
};
// Throws std::out_of_range for a reply shorter than it says it is.
inline NotifyClaimBatch parse_notify_claim_batch(const std::vector<std::string>& e) {
  NotifyClaimBatch b;
  if (e.at(0) == "timer") {
    b.due_timer = e.at(1);
    return b;
  }
  if (e.at(0) != "batch") throw std::out_of_range("notify_claim: not a batch reply");
  b.lease_until_ms = detail::reply_number(e.at(1));
  const auto m = static_cast<std::size_t>(detail::reply_number(e.at(2)));
  std::size_t at = 3;
  for (std::size_t k = 0; k < m; ++k) {
    const auto len = static_cast<std::size_t>(detail::reply_number(e.at(at)));
    if (at + 1 + len > e.size()) throw std::out_of_range("notify_claim: reply cut short");
    b.claims.push_back(parse_notify_claim(
        std::vector<std::string>(e.begin() + static_cast<std::ptrdiff_t>(at + 1),
                                 e.begin() + static_cast<std::ptrdiff_t>(at + 1 + len))));
    at += 1 + len;
  }
  return b;
}

// ---- notify_join: the candidates that go along in one bundled SMS. The
// reply is the delivery ids in the bundle, the claimed one first.
struct NotifyJoinArgs {
  std::string bundle_id;
  std::string delivery_id;       // the claimed one
  long long lease_until_ms = 0;  // transport
  long long domain_now_ms = 0;
  long long record_ttl_ms = 0;  // how long smsbundle:{id} is kept
  long long transport_now_ms = 0;
  std::vector<std::string> candidates;  // delivery ids

  std::vector<std::string> argv() const {
    std::vector<std::string> a{bundle_id,
                               delivery_id,
                               std::to_string(lease_until_ms),
                               std::to_string(domain_now_ms),
                               std::to_string(record_ttl_ms),
                               std::to_string(transport_now_ms)};
    a.insert(a.end(), candidates.begin(), candidates.end());
    return a;
  }
};

// ---- notify_complete: what the gateways did with a batch of sends.
struct NotifySendOutcome {
  std::string outcome;         // accepted | retry | failed
  long long retry_due_ms = 0;  // transport; 0 unless retry
  int gateway_status = 0;      // HTTP status, 0: no answer
  std::string detail;          // the error text
  std::string reason;          // why it failed: gateway_down, permanent, privacy_check, …
};
struct NotifyCompleteItem {
  std::string delivery_id;
  NotifySendOutcome sent;
};
// The reply: the outcome applied per delivery (or the state found), in order.
struct NotifyCompleteArgs {
  long long domain_now_ms = 0;
  std::vector<NotifyCompleteItem> items;  // a bundled SMS: one per delivery, the same outcome

  std::vector<std::string> argv() const {
    std::vector<std::string> a{std::to_string(domain_now_ms)};
    a.reserve(1 + 6 * items.size());
    for (const auto& i : items) {
      a.push_back(i.delivery_id);
      a.push_back(i.sent.outcome);
      a.push_back(std::to_string(i.sent.retry_due_ms));
      a.push_back(std::to_string(i.sent.gateway_status));
      a.push_back(i.sent.detail);
      a.push_back(i.sent.reason);
    }
    return a;
  }
};

// ---- notify_push: a page on the person's push stream. The reply is
// {'accepted', stream id} or {state found}.
struct NotifyPushArgs {
  std::string delivery_id;
  long long domain_now_ms = 0;
  int stream_cap = 0;  // approximate MAXLEN of push:{person}
  std::vector<std::pair<std::string, std::string>> entry;

  std::vector<std::string> argv() const {
    std::vector<std::string> a{delivery_id, std::to_string(domain_now_ms),
                               std::to_string(stream_cap)};
    for (const auto& [field, value] : entry) {
      a.push_back(field);
      a.push_back(value);
    }
    return a;
  }
};

}  // namespace piket::store
