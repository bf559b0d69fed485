#pragma once
// Delivers pages over the person's contact channels (push, SMS, e-mail),
// falling back from one to the next, exactly once per channel as far as the
// gateways allow. Keys, states and the contract with the other services:
// docs/paging.md.
//
// A page (page:{id}, written by dispatch or the deadline engine) arrives as a
// "notify" outbox message. handle_message() expands it, atomically, into one
// delivery per channel of the person's contact rules (delivery:{page}:{channel},
// state `scheduled`), each guarded by the idempotency key
// pagekey:{case}:{step}:{person}:{channel}: a second page for the same step
// finds the key taken and its delivery `suppressed`.
//
// Two sorted sets drive the work:
//   notify:timers  page id -> when (domain time) to look at the page again:
//                  plan_deliveries() decides which delivery starts (its
//                  `after` passed, or the one before it failed for good) and
//                  when to wake up next.
//   notify:queue   delivery id -> when (real time) to act: send, retry, or a
//                  lease that ran out.
// A worker claims a batch of due deliveries — whatever is due now, up to
// notify.claim_batch, urgent pages first (notify:urgent) — by setting each
// `sending` with a lease (gateway timeout + in_doubt_grace, plus a gateway
// timeout per further round of sends), sends them over its
// notify.gateway_connections connections at once (SendLanes) and records
// every outcome with one script; the answer makes a delivery `accepted`,
// `retry` (temporary failure, backoff) or `failed` (permanent, out of
// attempts, or refused by the privacy check), and a failure wakes the page at
// once so the next channel starts. An SMS still `sending` when its lease runs
// out was interrupted by a crash: a delivery report recorded meanwhile by
// inbound proves the gateway had it and it is not sent again.
//
// SMS to one person are bundled (notify.bundle_window): a delivery due less
// than a window after the person's last SMS waits for the window's end, and
// the SMS then sent carries every delivery of that person due by then that
// fits three segments (paging/sms_bundle.hpp) — each still its own
// delivery:{page}:sms, claimed, completed and resolved by delivery reports
// one by one, with the bundle's id (docs/paging.md, "Bundling").

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/notify/email_gateway.hpp"
#include "piket/notify/gateway_lanes.hpp"
#include "piket/notify/notify_config.hpp"
#include "piket/notify/sms_gateway.hpp"
#include "piket/rota/directory.hpp"

namespace piket::notify {

struct StepResult {
  enum class Kind {
    idle,
    sent,
    retry_scheduled,
    failed,
    resolved_by_report,
    skipped,
    evaluated,
    held,  // an SMS waits for the end of its person's bundle window
  };
  // What became of one delivery of the step.
  struct Item {
    Kind kind = Kind::idle;
    std::string page_id;
    std::string channel;    // for deliveries: "sms", "push", "email"
    std::size_t pages = 1;  // pages the send carried (a bundled SMS: more than one)
  };
  // The first item: the most urgent delivery of the batch, or the page evaluated.
  Kind kind = Kind::idle;
  std::string page_id;
  std::string channel;    // for deliveries: "sms", "push", "email"
  std::size_t pages = 1;  // pages the send carried (a bundled SMS: more than one)
  // Every delivery the step claimed, in the order claimed (urgent first); a
  // delivery that went along in a bundled SMS is counted in its `pages`.
  // Empty for idle and evaluated.
  std::vector<Item> items{};
  // Whether more may be due at once: a page evaluated, or a claim that took
  // a whole batch. A worker takes steps while this holds, then pauses until
  // it is woken or its next tick (no idle polls after a batch that was
  // smaller than `claim_batch`: nothing more was due).
  bool more = true;
};

// A page message's place in notify's queue (common::InboxRank): the page's
// urgency, the "rank" its producer wrote (lib/paging_page_create.lua;
// paging::page_rank: code red and escalations first, information last); a
// message without it ranks as an incident (page_rank::kIncident).
int message_rank(std::string_view channel, std::string_view id, std::string_view payload);

class Notifier {
 public:
  // Its own section, Kannel's sender id ([kannel]), the people (their numbers
  // and contact rules) and the shared Redis and outbox settings; all must
  // outlive the Notifier.
  Notifier(const NotifyConfig& config, const KannelConfig& kannel, const rota::Directory& directory,
           const common::SharedConfig& shared, const common::Clock& domain_clock,
           const common::Clock& transport_clock, GatewayFactory gateways, common::Metrics& metrics,
           EmailGatewayFactory email_gateways = {});
  ~Notifier();

  // Inbox handler for channel "notify" (message id = page id): expands the
  // page into its deliveries if that has not happened; idempotent.
  bool handle_message(std::string_view channel, std::string_view id, std::string_view payload);
  // The same for a batch, one result per message: what the pages' plans need
  // read in one round trip, then every page expanded and, in the same
  // script, its plan applied (made here for the page as expanded) in another;
  // a page the plan did not fit (a channel suppressed) is loaded, planned and
  // applied after (two more, for such pages only). In a batch of one an error is
  // thrown (as handle_message does); in a larger one it is logged and that
  // message is left for a resend.
  std::vector<bool> handle_batch(std::span<const common::InboxMessage> messages);

  // One unit of work on the calling thread with its own Redis connection
  // (exposed for tests): looks at one page whose timer is due, or else claims
  // a batch of due deliveries (up to config.claim_batch, urgent first) and
  // sends them over `lanes`, several at once: one claim script and, with
  // [redis] min_replicas, one WAIT before any send; one script for all
  // outcomes after.
  StepResult step(SendLanes& lanes, common::RedisConnection& redis);
  // The same over one gateway connection, the sends one after the other.
  StepResult step(const Gateways& gateways, common::RedisConnection& redis) {
    InlineLanes lanes(gateways);
    return step(lanes, redis);
  }
  StepResult step(SmsGateway& sms, common::RedisConnection& redis) {
    return step(Gateways{&sms, nullptr}, redis);
  }

  // config.workers loops (common::Periodic) calling step(), each with
  // config.gateway_connections gateway connections (ThreadLanes)
  void start();
  void stop();

  // Web Push (docs/web-push.md): called with the person and the page once a
  // page's `push` delivery is on the person's stream, to wake their installed
  // app through their subscriptions as well. Must return at once (the
  // sender queues). Set before start(); unset: the stream alone.
  using WebPushHook =
      std::function<void(const std::string& person, const std::string& page_id, bool urgent)>;
  void set_web_push(WebPushHook hook);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::notify
