#include "piket/notify/notifier.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "delivery_scripts.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/fault_point.hpp"
#include "piket/common/periodic.hpp"
#include "piket/common/records.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/notify/page_message.hpp"
#include "piket/notify/privacy_guard.hpp"
#include "piket/notify/retry_policy.hpp"
#include "piket/notify/send_journal.hpp"
#include "piket/paging/delivery_plan.hpp"
#include "piket/paging/page_class.hpp"
#include "piket/paging/page_expansion.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/sms_bundle.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/delivery_scripts.hpp"
#include "piket/store/page.hpp"

namespace piket::notify {
namespace {

long long to_ll(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

// What the claim script hands over for one send.
using Claimed = store::NotifyClaimedDelivery;

// A script's array reply as its strings (the typed parsers of piket/store read those).
// Candidates looked at per bundled SMS: more never fit three segments.
constexpr int kMaxCandidates = 20;
// How often the outcomes of a batch's sends are recorded again after a Redis error.
constexpr common::Millis kCompleteRetryEvery{200};
// How often an idle worker looks for work due by time (retries, fallback
// timers, held SMS, leases that end); new pages wake a worker at once. Every
// look is two script calls: at 20 ms, two workers made 200 a second at rest
// (docs/performance.md).
constexpr common::Millis kIdleEvery{100};
// A warning for the first try again and every 25th after it (5 s).
constexpr long long kCompleteLogEvery = 25;
// How long smsbundle:{id} is kept for late delivery reports.
constexpr common::Millis kBundleRecordTtl{std::chrono::hours{24 * 7}};

}  // namespace

struct Notifier::Impl {
  Impl(const NotifyConfig& c, const KannelConfig& k, const rota::Directory& people,
       const common::SharedConfig& sh, const common::Clock& domain, const common::Clock& transport,
       GatewayFactory sms, EmailGatewayFactory email, common::Metrics& m)
      : config(c),
        kannel(k),
        directory(people),
        shared(sh),
        domain_clock(domain),
        transport_clock(transport),
        sms_gateways(std::move(sms)),
        email_gateways(std::move(email)),
        metrics(m),
        inbox_redis(sh.redis) {
    for (int n = 0; n < config.workers; ++n) workers.push_back(std::make_unique<Worker>(*this));
  }

  const NotifyConfig& config;
  const KannelConfig& kannel;
  const rota::Directory& directory;
  const common::SharedConfig& shared;
  const common::Clock& domain_clock;
  const common::Clock& transport_clock;
  GatewayFactory sms_gateways;
  EmailGatewayFactory email_gateways;
  common::Metrics& metrics;
  common::RedisPool inbox_redis;
  Notifier* owner = nullptr;
  // Set by stop(): a worker recording its sends' outcomes stops trying (the
  // deliveries are then in doubt; another worker's claim takes them).
  std::atomic<bool> stopping{false};

  // When the store came back (transport ms), for the claims' sends in doubt
  // (store::NotifyClaimArgs::store_back_ms): an outage seen by any worker (the
  // connection lost, NOREPLICAS), or a failover followed by any connection of
  // this process, makes the next claim note its own time here — the first look
  // after an outage. A send in doubt then waits in_doubt_confirm from that look,
  // not from a sighting made before the outage, so its worker (which keeps
  // recording, record_outcomes) has the whole wait with a store that takes writes.
  std::atomic<bool> store_lost{false};
  // Only what an outage gives counts (the connection lost, or a primary without its replicas):
  // a reply error that repeats (a script refusing one page) must not hold sends in doubt.
  void note_store_error(const common::RedisError& e) {
    if (dynamic_cast<const common::RedisIoError*>(&e) ||
        dynamic_cast<const common::RedisNoReplicasError*>(&e))
      store_lost = true;
  }
  std::atomic<std::uint64_t> failovers_seen{common::redis_stats().failovers_followed.load()};
  std::atomic<long long> store_back_ms{0};
  long long store_back_for_claim(common::Instant now) {
    const auto followed = common::redis_stats().failovers_followed.load();
    const bool lost = store_lost.exchange(false);
    if (failovers_seen.exchange(followed) != followed || lost)
      store_back_ms = common::to_epoch_ms(now);
    return store_back_ms.load();
  }

  // One of config.workers loops (common::Periodic): it takes steps until
  // one finds less than a whole batch due (StepResult::more), then pauses 20 ms
  // (100 ms when it found nothing: kIdleEvery) — less when woken
  // (a new page, a failure that starts the next channel); after a failure (Redis away) 100 ms. Its
  // sends go over config.gateway_connections lanes of its own, whose gateways are made on the
  // lanes' threads at the first batch.
  struct Worker {
    explicit Worker(Impl& i)
        : impl(i),
          redis(i.shared.redis),
          lanes(static_cast<std::size_t>(i.config.gateway_connections), i.sms_gateways,
                i.email_gateways),
          loop(
              {.name = "notify", .every = common::Millis{20}, .after_failure = common::Millis{100}},
              i.transport_clock, [this] { run(); }) {}

    void run() {
      while (loop.running()) {
        StepResult r;
        try {
          r = impl.owner->step(lanes, redis);
        } catch (const common::RedisError& e) {
          impl.note_store_error(e);  // the next claim tells its sends in doubt (store_back_ms)
          throw;
        }
        if (r.kind == StepResult::Kind::idle) {
          loop.pause_next(kIdleEvery);  // nothing due: look less often, until woken
          break;
        }
        if (!r.more && !impl.work_arrived.exchange(false)) break;
      }
    }

    Impl& impl;
    common::RedisConnection redis;
    ThreadLanes lanes;
    common::Periodic loop;  // last: stopped before the members it uses go
  };
  // Made once (never resized: handle_message wakes them from other threads).
  std::vector<std::unique_ptr<Worker>> workers;

  // Cuts the pause of one idle worker short; with none idle, the next
  // worker to end a step that was not a whole batch takes another step
  // instead of pausing (a wake during a step is otherwise not kept).
  std::atomic<bool> work_arrived{false};
  void wake_one() {
    for (auto& w : workers)
      if (w->loop.wake()) return;
    work_arrived = true;
  }
  void wake_all() {
    for (auto& w : workers) w->loop.wake();
  }
  // Wakes as many workers as `sends` new sends need: one per claim_batch of them (what one
  // claim takes), at most every worker; none for none. One page wakes one worker: the others
  // would look, find it claimed and make an idle claim each (a Redis script call per page).
  void wake_for(std::size_t sends) {
    const auto batch = static_cast<std::size_t>(std::max(1, config.claim_batch));
    const auto n = std::min(workers.size(), (sends + batch - 1) / batch);
    for (std::size_t k = 0; k < n; ++k) wake_one();
  }

  std::map<std::pair<std::string, std::string>, prometheus::Counter*> deliveries;
  std::map<std::string, prometheus::Counter*> fallbacks;
  prometheus::Counter* in_doubt = nullptr;
  prometheus::Counter* in_doubt_waits = nullptr;
  prometheus::Counter* records_retried = nullptr;
  prometheus::Counter* privacy_refusals = nullptr;
  prometheus::Counter* duplicates = nullptr;
  prometheus::Counter* undeliverable = nullptr;
  prometheus::Counter* producer_expanded = nullptr;
  std::map<std::string, prometheus::Counter*> ignored;  // by reason
  Notifier::WebPushHook web_push;
  // What the gateways took, on this instance's disk until Redis has it (SendJournal;
  // config.send_journal); null: none. What a killed run left is recorded by the first step.
  std::unique_ptr<SendJournal> journal =
      config.send_journal.empty() ? nullptr : std::make_unique<SendJournal>(config.send_journal);
  std::mutex left_over_mutex;
  std::atomic<bool> left_over_done{false};
  prometheus::Counter* journal_recorded = nullptr;
  prometheus::Counter* journal_failures = nullptr;
  prometheus::Histogram* gateway_latency = nullptr;
  prometheus::Counter* bundles = nullptr;
  prometheus::Counter* bundled_pages = nullptr;
  prometheus::Counter* held = nullptr;
  prometheus::Counter* claim_batches = nullptr;
  prometheus::Counter* claimed = nullptr;
  prometheus::Counter* not_sent = nullptr;
  prometheus::Histogram* claim_latency = nullptr;
  prometheus::Histogram* complete_latency = nullptr;

  void init_metrics() {
    for (const char* ch : {"sms", "push", "email"})
      for (const char* outcome :
           {"sent", "retry", "failed", "resolved_by_report", "cancelled", "skipped"})
        deliveries[{ch, outcome}] =
            &metrics.counter("piket_notify_deliveries_total", "Deliveries by channel and outcome",
                             {{"channel", ch}, {"outcome", outcome}});
    for (const char* reason : {"not_acknowledged", "previous_failed"})
      fallbacks[reason] =
          &metrics.counter("piket_notify_fallbacks_total",
                           "Channels started after the one before them", {{"reason", reason}});
    in_doubt = &metrics.counter("piket_notify_in_doubt_resends_total",
                                "Deliveries sent again after a crash mid-send");
    in_doubt_waits = &metrics.counter(
        "piket_notify_in_doubt_waits_total",
        "Sends found in doubt and left for their worker's record before they go again");
    journal_recorded = &metrics.counter(
        "piket_notify_journal_recorded_total",
        "Send outcomes a killed notify had noted in its send journal, recorded after its restart");
    journal_failures =
        &metrics.counter("piket_notify_journal_failures_total",
                         "Send outcomes that could not be noted in the send journal (the disk)");
    records_retried = &metrics.counter(
        "piket_notify_record_retries_total",
        "Tries again to record a batch's send outcomes (Redis away or no replica in time)");
    privacy_refusals = &metrics.counter(
        "piket_notify_privacy_refusals_total",
        "Messages refused because they contained a value of the incident's person data");
    duplicates = &metrics.counter("piket_notify_duplicates_suppressed_total",
                                  "Deliveries suppressed: the same (case, step, person, channel) "
                                  "was paged before");
    producer_expanded = &metrics.counter(
        "piket_notify_pages_expanded_by_producer_total",
        "Page messages of pages their producer expanded (dispatch's commit): a worker woken, "
        "nothing read or written");
    undeliverable = &metrics.counter("piket_notify_pages_undeliverable_total",
                                     "Pages that failed on every channel");
    for (const char* reason : {"unknown_page", "already_expanded", "not_queued"})
      ignored[reason] = &metrics.counter(
          "piket_notify_messages_ignored_total",
          "Page messages not acted on: the page is unknown, was expanded before, or is no "
          "longer queued",
          {{"reason", reason}});
    gateway_latency = &metrics.latency("piket_notify_gateway_seconds", "Gateway request time");
    bundles =
        &metrics.counter("piket_notify_sms_bundles_total", "SMS that carried more than one page");
    bundled_pages = &metrics.counter("piket_notify_sms_bundled_pages_total",
                                     "Pages sent in an SMS together with others");
    held = &metrics.counter("piket_notify_sms_held_total",
                            "SMS deliveries held for the end of the person's bundle window");
    // The batch size is claimed / batches (the deliveries sent per claim).
    claim_batches = &metrics.counter("piket_notify_claim_batches_total",
                                     "Claims that found deliveries to send (one script each)");
    claimed = &metrics.counter("piket_notify_claimed_deliveries_total",
                               "Deliveries claimed for a send (bundled SMS members not counted)");
    not_sent = &metrics.counter(
        "piket_notify_sends_deferred_total",
        "Claimed sends not made: not on enough replicas in time, or no gateway connection free "
        "before the lease's send time ran out (sent when the lease ends)");
    claim_latency =
        &metrics.latency("piket_notify_claim_seconds", "Claim script time (one per batch)");
    complete_latency =
        &metrics.latency("piket_notify_complete_seconds", "Outcome script time (one per batch)");
  }

  void count(const std::string& channel, const char* outcome) {
    if (auto it = deliveries.find({channel, outcome}); it != deliveries.end())
      it->second->Increment();
  }

  store::NotifyExpandArgs expand_args(const std::string& page_id, const std::string& person_id) {
    return paging::expansion_args(page_id, person_id, directory.person(person_id),
                                  domain_clock.now());
  }

  // Loads the page, plans, applies; again if the page changed in between.
  // Throws what Redis answered (RedisFullError, …).
  void evaluate(const std::string& page_id, common::RedisConnection& redis) {
    const auto errors = evaluate_batch({page_id}, redis);
    if (errors.at(0)) std::rethrow_exception(errors[0]);
  }

  paging::PlanTimes plan_times() const {
    return {domain_clock.now(), transport_clock.now(), shared.outbox.resend_after};
  }

  // A page's plan and the apply script's arguments (paging/page_expansion.hpp).
  struct Planned : paging::PlannedPage {
    std::size_t index = 0;  // in the pages
  };
  Planned plan_page(std::size_t index, const std::string& page_id, store::NotifyPageLoad loaded) {
    return {paging::plan_loaded(page_id, std::move(loaded), plan_times()), index};
  }

  // Logs and counts what an applied plan did; returns how many channels it started.
  std::size_t report_applied(const Planned& p, const std::string& page_id) {
    const auto& channels = p.loaded.channels;
    for (const auto& st : p.plan.start) {
      if (st.reason == paging::StartReason::at_once) continue;
      if (auto it = fallbacks.find(std::string(to_string(st.reason))); it != fallbacks.end())
        it->second->Increment();
      spdlog::info("page {}: {} started ({})", page_id, channels[st.index], to_string(st.reason));
    }
    if (p.plan.exhausted && p.loaded.state != "failed") {
      undeliverable->Increment();
      spdlog::error("page {}: every channel failed; escalation raised", page_id);
    }
    return p.plan.start.size();
  }

  // The plan a page will have once notify_expand has expanded it by `args`,
  // put into `args` for the expansion to apply in the same step.
  Planned attach_plan(std::size_t index, store::NotifyExpandArgs& args, long long created_at_ms,
                      bool informational) {
    return {paging::attach_plan(args, created_at_ms, informational, plan_times()), index};
  }

  // evaluate() for many pages: each round loads every page still to do in
  // one pipeline and applies every plan in another; a page that changed in
  // between (stale) goes round again, up to five times, on its own. One
  // error per page (null: evaluated, or left to its timer).
  std::vector<std::exception_ptr> evaluate_batch(const std::vector<std::string>& pages,
                                                 common::RedisConnection& redis) {
    std::vector<std::exception_ptr> errors(pages.size());
    std::vector<std::size_t> todo(pages.size());
    for (std::size_t k = 0; k < pages.size(); ++k) todo[k] = k;
    std::size_t started = 0;  // channels
    for (int round = 0; round < 5 && !todo.empty(); ++round) {
      std::vector<common::RedisScriptCall> loads;
      for (const auto k : todo) loads.push_back({&scripts::load(), {}, {pages[k]}});
      const auto loaded = redis.eval_pipeline(loads);
      std::vector<Planned> planned;
      std::vector<std::vector<std::string>> gone;  // pages no longer there: their timers
      for (std::size_t t = 0; t < todo.size(); ++t) {
        const auto k = todo[t];
        const auto& load = loaded[t];
        if (!load.ok()) {
          errors[k] = load.error;
          continue;
        }
        auto page = store::parse_notify_page_load(load.reply.element_strings());
        if (!page) {
          gone.push_back({"ZREM", std::string(store::kNotifyTimers), pages[k]});
          continue;
        }
        planned.push_back(plan_page(k, pages[k], std::move(*page)));
      }
      if (!gone.empty()) redis.pipeline(gone);
      std::vector<common::RedisScriptCall> applies;
      for (const auto& p : planned) applies.push_back({&scripts::apply(), {}, p.args.argv()});
      common::fault_point("notify.mid_batch");  // loaded, not yet applied
      const auto applied = redis.eval_pipeline(applies);
      std::vector<std::size_t> again;
      for (std::size_t n = 0; n < planned.size(); ++n) {
        const auto& p = planned[n];
        const auto& page_id = pages[p.index];
        if (!applied[n].ok()) {
          errors[p.index] = applied[n].error;
          continue;
        }
        const auto& r = applied[n].reply;
        if (r.elements.empty() || r.elements[0].str == "stale") {
          again.push_back(p.index);
          continue;
        }
        if (r.elements[0].str != "applied") continue;
        started += report_applied(p, page_id);
      }
      todo = std::move(again);
    }
    for (const auto k : todo)
      spdlog::warn("page {}: changed while being planned five times; will look again", pages[k]);
    wake_for(started);
    return errors;
  }

  // A send's outcome, as the complete script wants it.
  struct Outcome {
    std::string what;  // accepted | retry | failed
    StepResult::Kind kind = StepResult::Kind::sent;
    long long due_ms = 0;  // transport: when a retry goes
    std::string reason;
    std::string detail;
    int status = 0;
  };

  Outcome outcome_of(const SendResult& result, int attempt, std::string_view gateway) {
    Outcome o;
    o.status = result.http_status;
    o.detail = result.http_status == 0
                   ? "no answer from " + std::string(gateway)
                   : std::string(gateway) + " answered " + std::to_string(result.http_status);
    switch (result.kind) {
      case SendResult::Kind::accepted:
        o.what = "accepted";
        o.kind = StepResult::Kind::sent;
        break;
      case SendResult::Kind::temporary_failure:
        if (attempt < config.max_attempts) {
          static thread_local std::mt19937 rng{std::random_device{}()};
          const auto delay = retry_delay(attempt, config.retry_initial, config.retry_max,
                                         std::uniform_real_distribution<double>(0, 1)(rng));
          o.what = "retry";
          o.due_ms = common::to_epoch_ms(transport_clock.now() + delay);
          o.kind = StepResult::Kind::retry_scheduled;
        } else {
          o.what = "failed";
          o.reason = "gateway_down";
          o.kind = StepResult::Kind::failed;
        }
        break;
      case SendResult::Kind::permanent_failure:
      default:
        o.what = "failed";
        o.reason = "permanent";
        o.kind = StepResult::Kind::failed;
    }
    return o;
  }

  static Outcome refused(std::string reason, std::string detail) {
    Outcome o;
    o.what = "failed";
    o.kind = StepResult::Kind::failed;
    o.reason = std::move(reason);
    o.detail = std::move(detail);
    return o;
  }

  // The outcome as notify_complete records it.
  static store::NotifySendOutcome sent_outcome(const Outcome& o) {
    return {o.what, o.due_ms, o.status, o.detail, o.reason};
  }

  void observe_gateway(common::Instant started) {
    gateway_latency->Observe(
        std::chrono::duration<double>(transport_clock.now() - started).count());
  }

  // A delivery's own message over a lane's gateways (SMS, e-mail), after the
  // privacy check. Runs on the lane's thread.
  Outcome send(const Claimed& c, const Gateways& gw) {
    const auto guard = PrivacyGuard::from_incident(c.body, c.household);
    const auto leak = [&](std::initializer_list<std::string_view> parts) {
      for (auto part : parts)
        if (auto field = guard.find_leak(part)) return field;
      return std::optional<std::string>{};
    };
    const auto privacy_refusal = [&](const std::string& field) {
      privacy_refusals->Increment();
      spdlog::error("delivery {}: refused, the message contains the incident's {}", c.delivery_id,
                    field);
      return refused("privacy_check", "message refused: it contains the incident's " + field);
    };
    const auto started = transport_clock.now();

    if (c.channel == "sms") {
      if (auto field = leak({c.text})) return privacy_refusal(*field);
      if (!gw.sms) return refused("no_gateway", "no SMS gateway");
      const auto r = gw.sms->send({c.page_id, c.to, c.text, ""});
      observe_gateway(started);
      return outcome_of(r, c.attempt, "gateway");
    }
    if (c.channel == "email") {
      const auto kind = common::parse_incident_kind(c.kind);
      std::optional<paging::PageEmail> mail;
      const auto language = directory.language_of(c.person);
      if (c.info)
        mail = paging::render_notice_email(c.text, language);
      else if (kind)
        mail = paging::render_page_email(
            {c.case_id, *kind, c.region, common::from_epoch_ms(to_ll(c.reported_at)), c.ack_code,
             c.reason == "escalated"          ? paging::PageReason::escalated
             : c.reason == "no_first_contact" ? paging::PageReason::no_first_contact
                                              : paging::PageReason::incident,
             language},
            kannel.sender);
      if (!mail) return refused("no_template", "the e-mail could not be rendered");
      if (auto field = leak({mail->subject, mail->body})) return privacy_refusal(*field);
      if (!gw.email) return refused("no_gateway", "no [smtp] configured");
      const auto r = gw.email->send({c.delivery_id, c.to, mail->subject, mail->body});
      observe_gateway(started);
      return outcome_of(r, c.attempt, "mail server");
    }
    return refused("no_channel", "unknown channel");
  }

  // A push delivery: an entry on the person's stream (Redis), on the worker's
  // thread. The push script records `accepted` itself.
  Outcome push(const Claimed& c, common::RedisConnection& redis) {
    const auto guard = PrivacyGuard::from_incident(c.body, c.household);
    if (auto field = guard.find_leak(c.text)) {
      privacy_refusals->Increment();
      spdlog::error("delivery {}: refused, the message contains the incident's {}", c.delivery_id,
                    *field);
      return refused("privacy_check", "message refused: it contains the incident's " + *field);
    }
    const store::NotifyPushArgs args{c.delivery_id,
                                     common::to_epoch_ms(domain_clock.now()),
                                     config.push_stream_maxlen,
                                     {{"type", "page"},
                                      {"page_id", c.page_id},
                                      {"case_id", c.case_id},
                                      {"kind", c.kind},
                                      {"region", c.region},
                                      {"reported_at", c.reported_at},
                                      {"text", c.text},
                                      {"info", c.info ? "1" : "0"}}};
    const auto r = redis.eval(scripts::push(), {}, args.argv());
    Outcome o;
    o.what = r.elements.empty() ? "missing" : r.elements[0].str;  // already applied
    o.kind = o.what == "accepted" ? StepResult::Kind::sent : StepResult::Kind::skipped;
    // Web Push: the page's id only — the app fetches the page after sign-in.
    if (o.what == "accepted" && web_push)
      web_push(store::push_person_of_key(c.to), c.page_id, !c.info);
    return o;
  }

  // One send of a claimed batch: a delivery alone, or a bundled SMS that
  // carries `members` (the claimed delivery first).
  struct Send {
    const Claimed* claimed = nullptr;
    std::string bundle_id;  // '': not a bundle
    std::string text;       // a bundle's text
    std::vector<std::string> members;
    int more = 0;                    // a bundle's pages left for the next SMS
    std::optional<Outcome> outcome;  // none: not sent (goes again when its lease ends)
    std::string applied;             // what notify_complete applied (a single delivery)
  };

  // Several SMS to one person as one (docs/paging.md, "Bundling"): the claimed
  // delivery and the candidates that fit, claimed together by join() under the
  // batch's lease before any send (the batch's one WAIT covers them) and
  // completed with the batch after it. `s` stays a single send when there is
  // nothing to bundle (the claimed delivery then goes alone, as it always
  // did); false when the claimed delivery is no longer being sent.
  // What the gateways did is known here and nowhere else, so it is recorded
  // where a failover keeps it: with [redis] min_replicas the record waits for
  // a replica (one WAIT for the batch), and a Redis error or a WAIT that is
  // not confirmed records it again — on the followed primary — until it is
  // recorded, for up to `record_retry` past the batch's lease (counted
  // in tries as well as by the clock: a transport clock that does not move,
  // in tests, would otherwise never end it) or until the service stops. A
  // failover can keep every write out for longer than a lease (the new
  // primary refuses writes until a replica is back); a claim that finds a
  // delivery's lease over meanwhile leaves it for `in_doubt_confirm` before
  // it sends it again (lib/notify_claim_one.lua), so this record, which
  // needs nothing but a store that takes writes, lands first. Lost, each SMS
  // the gateway took went out a second time (seen in the failover test once
  // sends went out in batches: the primary died between the sends and their
  // record, or just after the record, before a replica had it). The complete
  // is idempotent: a delivery no longer `sending` keeps its state. Each try
  // writes and WAITs on one connection, so the WAIT covers the record it
  // follows.
  common::RedisReply record_outcomes(common::RedisConnection& redis,
                                     const store::NotifyCompleteArgs& done,
                                     common::Instant lease_until) {
    const auto give_up = lease_until + config.record_retry;
    const auto max_attempts =
        2 + (config.record_retry + (lease_until - transport_clock.now())) / kCompleteRetryEvery;
    for (long long attempt = 1;; ++attempt) {
      const bool last = stopping.load() || transport_clock.now() + kCompleteRetryEvery >= give_up ||
                        attempt >= max_attempts;
      if (attempt > 1) records_retried->Increment();
      try {
        auto applied = redis.eval(scripts::complete(), {}, done.argv());
        if (redis.wait_replicated() || last) return applied;
        if (attempt % kCompleteLogEvery == 1)
          spdlog::warn("{} send outcomes not on enough replicas yet (attempt {}); recording again",
                       done.items.size(), attempt);
      } catch (const common::RedisError& e) {
        note_store_error(e);
        if (last) throw;
        if (attempt % kCompleteLogEvery == 1)
          spdlog::warn("{} send outcomes not recorded yet (attempt {}): {}; trying again",
                       done.items.size(), attempt, e.what());
      }
      std::this_thread::sleep_for(kCompleteRetryEvery);
    }
  }

  // The outcome of a send, as notify_complete will take it (a bundle: one per delivery).
  static std::vector<store::NotifyCompleteItem> items_of(const Send& s) {
    std::vector<store::NotifyCompleteItem> items;
    if (!s.outcome) return items;
    if (!s.bundle_id.empty())
      for (const auto& id : s.members) items.push_back({id, sent_outcome(*s.outcome)});
    else
      items.push_back({s.claimed->delivery_id, sent_outcome(*s.outcome)});
    return items;
  }

  // Right after the gateway answered (on the lane's thread): on this instance's disk before
  // anything else can go wrong. A journal that cannot be written costs only its protection.
  void journal_note(const Send& s) {
    if (!journal || !s.outcome || s.claimed->channel == "push") return;
    try {
      journal->note(items_of(s));
    } catch (const std::exception& e) {
      journal_failures->Increment();
      spdlog::error("send journal: {}", e.what());
    }
  }

  // Once, before this process claims anything: the outcomes a killed run noted and never
  // recorded go to Redis now, as that run would have (the complete is idempotent; a delivery
  // no longer `sending` keeps its state). A Redis error: the next step tries again.
  void record_left_over(common::RedisConnection& redis) {
    if (!journal || left_over_done.load()) return;
    std::lock_guard lock(left_over_mutex);
    if (left_over_done.load()) return;
    const auto items = journal->left_over();
    if (!items.empty()) {
      store::NotifyCompleteArgs done{common::to_epoch_ms(domain_clock.now()), items};
      record_outcomes(redis, done, transport_clock.now());
      std::vector<std::string> ids;
      for (const auto& i : items) ids.push_back(i.delivery_id);
      journal->settle(ids);
      journal_recorded->Increment(static_cast<double>(items.size()));
      spdlog::warn("send journal: {} send outcomes from before a restart recorded", items.size());
    }
    left_over_done = true;
  }

  bool prepare_bundle(Send& s, long long lease_until_ms, common::RedisConnection& redis) {
    const Claimed& c = *s.claimed;
    if (c.channel != "sms" || c.candidates.empty()) return true;
    std::vector<paging::BundleItem> items;
    std::vector<PrivacyGuard> guards;
    items.push_back(
        {c.info ? "" : c.ack_code, c.brief, c.rank, common::from_epoch_ms(c.created_at_ms)});
    guards.push_back(PrivacyGuard::from_incident(c.body, c.household));
    for (const auto& d : c.candidates) {
      items.push_back({d.ack_code, d.brief, d.rank, common::from_epoch_ms(d.created_at_ms)});
      guards.push_back(PrivacyGuard::from_incident(d.body, d.household));
    }
    const auto leaks = [&](std::string_view text) {
      for (const auto& g : guards)
        if (g.find_leak(text)) return true;
      return false;
    };
    // A line that holds any member's person data goes nowhere in a bundle (a
    // page whose own line does is sent alone, and its own check refuses it).
    if (leaks(items[0].code + " " + items[0].brief)) return true;
    for (std::size_t k = 1; k < items.size(); ++k)
      if (leaks(items[k].code + " " + items[k].brief)) items[k].brief.clear();
    const auto language = directory.language_of(c.person);
    auto bundle = paging::render_sms_bundle(items, 0, language);
    if (!bundle || bundle->included.size() < 2 || leaks(bundle->text)) return true;

    const auto bundle_id = "B" + common::random_base32(16);
    store::NotifyJoinArgs args{bundle_id,
                               c.delivery_id,
                               lease_until_ms,
                               common::to_epoch_ms(domain_clock.now()),
                               kBundleRecordTtl.count(),
                               common::to_epoch_ms(transport_clock.now()),
                               {}};
    for (const auto k : bundle->included)
      if (k != 0) args.candidates.push_back(c.candidates[k - 1].delivery_id);
    const auto joined = redis.eval(scripts::join(), {}, args.argv());
    if (joined.elements.empty()) return false;
    std::vector<std::string> members;
    for (const auto& e : joined.elements) members.push_back(e.str);
    if (members.size() < bundle->included.size()) {
      // Answered or failed between the claim and the join: list only what joined.
      std::vector<paging::BundleItem> kept{items[0]};
      for (std::size_t k = 1; k < items.size(); ++k)
        if (std::find(members.begin(), members.end(), c.candidates[k - 1].delivery_id) !=
            members.end())
          kept.push_back(items[k]);
      bundle = paging::render_sms_bundle(kept, 0, language);
    }
    s.bundle_id = bundle_id;
    s.members = std::move(members);
    s.text = s.members.size() == 1 || !bundle ? c.text : bundle->text;
    s.more = bundle ? static_cast<int>(bundle->more) : 0;
    if (leaks(s.text)) {
      privacy_refusals->Increment();
      spdlog::error("bundle {}: refused, the message contains an incident's person data",
                    bundle_id);
      s.outcome =
          refused("privacy_check", "message refused: it contains an incident's person data");
    }
    return true;
  }

  // A send of the batch on a lane. One that waited for a free connection
  // (`queued`: not among the first the lanes took) is not begun once it could
  // no longer end before the lease does: another worker may take the
  // delivery over then, and it must not be under way. The first round goes
  // at once, as a single send always did.
  void run_send(Send& s, const Gateways& gw, bool queued, common::Instant lease_until) {
    if (s.outcome) return;  // refused before it got here
    const Claimed& c = *s.claimed;
    if (queued && transport_clock.now() + config.gateway_timeout > lease_until) {
      not_sent->Increment();
      spdlog::warn("delivery {}: no gateway connection free in time; not sent until its lease ends",
                   c.delivery_id);
      return;
    }
    if (s.bundle_id.empty()) {
      s.outcome = send(c, gw);
      return;
    }
    if (!gw.sms) {
      s.outcome = refused("no_gateway", "no SMS gateway");
      return;
    }
    const auto started = transport_clock.now();
    const auto r = gw.sms->send({c.page_id, c.to, s.text, s.bundle_id});
    observe_gateway(started);
    s.outcome = outcome_of(r, c.attempt, "gateway");
  }

  // Counts and logs one send's outcome (as notify_complete applied it); its item.
  StepResult::Item account(const Send& s) {
    const Claimed& c = *s.claimed;
    StepResult::Item item{StepResult::Kind::skipped, c.page_id, c.channel, 1};
    if (!s.outcome) return item;
    const auto& o = *s.outcome;
    item.kind = o.kind;
    if (!s.bundle_id.empty()) {
      item.pages = s.members.size();
      for (std::size_t k = 0; k < s.members.size(); ++k)
        count("sms", o.kind == StepResult::Kind::sent              ? "sent"
                     : o.kind == StepResult::Kind::retry_scheduled ? "retry"
                                                                   : "failed");
      if (o.kind == StepResult::Kind::sent) {
        bundles->Increment();
        bundled_pages->Increment(static_cast<double>(s.members.size()));
        spdlog::info("bundle {}: {} pages in one SMS (attempt {}), {} left for later", s.bundle_id,
                     s.members.size(), c.attempt, s.more);
      } else {
        spdlog::warn("bundle {} ({} pages): {}", s.bundle_id, s.members.size(), o.detail);
      }
      return item;
    }
    if (s.applied == "cancelled") {
      count(c.channel, "cancelled");
      item.kind = StepResult::Kind::skipped;
      return item;
    }
    switch (o.kind) {
      case StepResult::Kind::sent:
        count(c.channel, "sent");
        spdlog::info("delivery {} accepted (attempt {})", c.delivery_id, c.attempt);
        break;
      case StepResult::Kind::retry_scheduled:
        count(c.channel, "retry");
        spdlog::warn("delivery {}: {}; retry scheduled (attempt {})", c.delivery_id, o.detail,
                     c.attempt);
        break;
      case StepResult::Kind::failed:
        count(c.channel, "failed");
        spdlog::error("delivery {} failed: {} (attempt {})", c.delivery_id, o.detail, c.attempt);
        break;
      default:
        count(c.channel, "skipped");
    }
    return item;
  }
};

Notifier::Notifier(const NotifyConfig& config, const KannelConfig& kannel,
                   const rota::Directory& directory, const common::SharedConfig& shared,
                   const common::Clock& domain_clock, const common::Clock& transport_clock,
                   GatewayFactory gateways, common::Metrics& metrics,
                   EmailGatewayFactory email_gateways)
    : impl_(std::make_unique<Impl>(config, kannel, directory, shared, domain_clock, transport_clock,
                                   std::move(gateways), std::move(email_gateways), metrics)) {
  impl_->owner = this;
  impl_->init_metrics();
}

Notifier::~Notifier() {
  stop();
}

int message_rank(std::string_view /*channel*/, std::string_view /*id*/, std::string_view payload) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return paging::page_rank::kIncident;
  const auto* rank = v.as_object().if_contains("rank");
  if (!rank || !rank->is_int64()) return paging::page_rank::kIncident;
  return static_cast<int>(std::clamp<std::int64_t>(rank->as_int64(), 0, 100));
}

bool Notifier::handle_message(std::string_view channel, std::string_view id,
                              std::string_view payload) {
  const common::InboxMessage message{channel, id, payload};
  return handle_batch({&message, 1}).at(0);
}

std::vector<bool> Notifier::handle_batch(std::span<const common::InboxMessage> messages) {
  auto& i = *impl_;
  std::vector<bool> done(messages.size(), true);
  std::vector<std::exception_ptr> errors(messages.size());
  std::vector<std::size_t> of;  // page -> message
  std::vector<std::string> pages;
  for (std::size_t n = 0; n < messages.size(); ++n) {
    const auto& m = messages[n];
    if (m.channel != "notify" || m.id.size() != 17 || m.id[0] != 'P') {
      spdlog::warn("notify: message with unexpected channel or id dropped");
      continue;
    }
    pages.emplace_back(m.id);
    of.push_back(n);
  }
  if (pages.empty()) return done;
  // What each page's plan needs: its person (whose contact rules are the
  // channels), when it was made and whether it is information. The page's
  // message carries them (page_message.hpp); the pages whose message does not,
  // and those the expansion found to be of another person, are read, all in
  // one round trip.
  // A page its producer expanded (the message says so) has its first channel
  // queued already: a worker is woken for it, nothing is read or written.
  std::vector<std::optional<PageFacts>> facts(pages.size());
  std::vector<std::size_t> told, unread;  // pages by whether their message said
  std::size_t expanded_before = 0;
  for (std::size_t k = 0; k < pages.size(); ++k) {
    facts[k] = page_facts(messages[of[k]].payload);
    if (facts[k] && facts[k]->expanded) {
      ++expanded_before;
      continue;
    }
    (facts[k] ? told : unread).push_back(k);
  }
  if (expanded_before > 0) {
    i.producer_expanded->Increment(static_cast<double>(expanded_before));
    i.wake_for(expanded_before);
  }
  if (told.empty() && unread.empty()) return done;
  auto redis = i.inbox_redis.lease();
  // The expansion script acts only on a page still `queued` and not expanded
  // before; any other message changes nothing. Each expansion carries the plan
  // the page will have once expanded (paging::plan_deliveries, here) and
  // applies it in the same step when the page is as the plan assumed — one
  // script call a page, every page in one round trip. A page it expanded
  // without the plan (a channel suppressed, the page changed) is loaded,
  // planned and applied again as a timer's page is (evaluate_batch). Returns
  // the pages not expanded because they are of another person than said.
  const auto expand = [&](const std::vector<std::size_t>& ks) {
    std::vector<std::size_t> other_person;
    if (ks.empty()) return other_person;
    std::size_t started = 0;  // channels
    std::vector<common::RedisScriptCall> expands;
    std::vector<Impl::Planned> planned;  // expand -> the plan it carries
    for (const auto k : ks) {
      auto args = i.expand_args(pages[k], facts[k]->person);
      auto plan = i.attach_plan(k, args, facts[k]->created_at_ms, facts[k]->informational);
      expands.push_back({&scripts::expand(), {}, args.argv()});
      planned.push_back(std::move(plan));
    }
    common::fault_point("notify.mid_batch");  // planned, nothing written
    const auto expanded = redis->eval_pipeline(expands);
    std::vector<std::string> to_evaluate;
    std::vector<std::size_t> evaluating;  // evaluated -> page
    for (std::size_t e = 0; e < ks.size(); ++e) {
      const auto k = ks[e];
      const auto& page_id = pages[k];
      if (!expanded[e].ok()) {
        errors[of[k]] = expanded[e].error;
        continue;
      }
      const auto r = store::parse_notify_expand(expanded[e].reply.element_strings());
      using Expand = store::NotifyExpandReply::Kind;
      if (r.kind == Expand::other_person) {
        other_person.push_back(k);
        continue;
      }
      if (r.kind == Expand::already) {
        i.ignored.at("already_expanded")->Increment();
        // Expanded by its producer or an earlier message: its channel may be
        // queued, and a worker looks.
        ++started;
      } else if (r.kind == Expand::not_queued || r.kind == Expand::missing) {
        i.ignored.at(r.kind == Expand::missing ? "unknown_page" : "not_queued")->Increment();
        spdlog::info("notify: message for page {} ignored: the page is {}", page_id,
                     r.kind == Expand::missing ? "incomplete" : r.state);
      }
      if (r.kind != Expand::expanded) continue;
      if (r.suppressed > 0) {
        i.duplicates->Increment(static_cast<double>(r.suppressed));
        spdlog::warn("page {}: {} channel(s) suppressed as duplicates of an earlier page", page_id,
                     r.suppressed);
      }
      if (r.applied) {
        started += i.report_applied(planned[e], page_id);
        continue;
      }
      to_evaluate.push_back(page_id);
      evaluating.push_back(k);
    }
    i.wake_for(started);
    // The pages expanded without their plan: loaded, planned and applied.
    if (!to_evaluate.empty()) {
      const auto evaluated = i.evaluate_batch(to_evaluate, *redis);
      for (std::size_t v = 0; v < evaluated.size(); ++v)
        if (evaluated[v]) errors[of[evaluating[v]]] = evaluated[v];
    }
    return other_person;
  };
  if (!told.empty()) {
    const auto other = expand(told);
    for (const auto k : other) {
      // Not what the page says: its message is not trusted, the page is read.
      spdlog::warn("notify: the message for page {} names another person than the page", pages[k]);
      unread.push_back(k);
    }
  }
  if (!unread.empty()) {
    std::vector<std::vector<std::string>> reads;
    for (const auto k : unread)
      reads.push_back({"HMGET", store::page_key(pages[k]), "person", "created_at", "info"});
    const auto read = redis->pipeline(reads);
    std::vector<std::size_t> known;
    for (std::size_t u = 0; u < unread.size(); ++u) {
      const auto k = unread[u];
      const auto& fields = read[u].elements;
      if (fields.size() != 3 || fields[0].is_nil()) {
        i.ignored.at("unknown_page")->Increment();
        spdlog::warn("notify: unknown page {} acknowledged without action", pages[k]);
        continue;
      }
      facts[k] = PageFacts{fields[0].str, to_ll(fields[1].str), fields[2].str == "1"};
      known.push_back(k);
    }
    // Read from the page itself: another person now means the page changed in
    // between; the message comes again.
    for (const auto k : expand(known))
      errors[of[k]] = std::make_exception_ptr(
          std::runtime_error("page " + pages[k] + " changed its person while it was expanded"));
  }
  for (std::size_t n = 0; n < messages.size(); ++n) {
    if (!errors[n]) continue;
    // A batch of one throws, as one message alone did; in a larger batch the
    // others' results stand and this one comes again.
    if (messages.size() == 1) std::rethrow_exception(errors[n]);
    try {
      std::rethrow_exception(errors[n]);
    } catch (const std::exception& e) {
      spdlog::warn("inbox: message {} not handled yet: {}", messages[n].id, e.what());
    }
    done[n] = false;
  }
  return done;
}

StepResult Notifier::step(SendLanes& lanes, common::RedisConnection& redis) {
  auto& i = *impl_;
  i.record_left_over(redis);
  // A page whose timer is due first (the claim looks, in the same round trip):
  // it is evaluated, and this worker claims in its next step. Otherwise the
  // batch: whatever is due now, up to claim_batch sends, urgent first.
  const auto now = i.transport_clock.now();
  const auto lease = now + i.config.gateway_timeout + i.config.in_doubt_grace;
  const store::NotifyClaimArgs claim_args{common::to_epoch_ms(now),
                                          common::to_epoch_ms(lease),
                                          common::to_epoch_ms(i.domain_clock.now()),
                                          i.config.bundle_window.count(),
                                          kMaxCandidates,
                                          i.config.claim_batch,
                                          i.config.gateway_timeout.count(),
                                          static_cast<int>(lanes.width()),
                                          i.config.in_doubt_confirm.count(),
                                          i.store_back_for_claim(now),
                                          true};
  const auto claim_started = i.transport_clock.now();
  const auto batch = store::parse_notify_claim_batch(
      redis.eval(scripts::claim(), {}, claim_args.argv()).element_strings());
  i.claim_latency->Observe(
      std::chrono::duration<double>(i.transport_clock.now() - claim_started).count());
  if (batch.due_timer) {
    i.evaluate(*batch.due_timer, redis);
    return {StepResult::Kind::evaluated, *batch.due_timer, {}};
  }
  if (batch.claims.empty()) return {StepResult::Kind::idle, {}, {}, 1, {}, false};

  using Claim = store::NotifyClaimReply::Kind;
  std::vector<Impl::Send> sends;
  for (const auto& claim : batch.claims)
    if (claim.kind == Claim::send) sends.push_back({&claim.send, {}, {}, {}, 0, {}, {}});
  if (!sends.empty()) {
    i.claim_batches->Increment();
    i.claimed->Increment(static_cast<double>(sends.size()));
  }
  // Urgent first within the batch too (page rank; the claim listed the urgent
  // ones first, the rest by due time): the first free connection takes the
  // most urgent send left.
  std::stable_sort(sends.begin(), sends.end(), [](const Impl::Send& a, const Impl::Send& b) {
    return a.claimed->rank < b.claimed->rank;
  });
  // Bundled SMS: their other pages claimed too (join), under the batch's lease.
  std::vector<bool> gone(sends.size(), false);
  for (std::size_t k = 0; k < sends.size(); ++k)
    gone[k] = !i.prepare_bundle(sends[k], batch.lease_until_ms, redis);

  // With [redis] min_replicas the claims (each delivery `sending`, its lease)
  // must be on a replica before the gateway hears of any: otherwise a failover
  // after a send finds the delivery `queued` on the new primary and sends it
  // afresh — a duplicate SMS (seen in the partition test: the claim was made
  // on a primary already cut off). One WAIT for the whole batch. Not in time:
  // nothing is sent now; the leases run out and each delivery, in doubt with
  // no delivery report, is sent then.
  bool replicated = true;
  if (!sends.empty() && !redis.wait_replicated()) {
    replicated = false;
    for (auto& s : sends) s.outcome.reset();  // nothing recorded: all goes again after the lease
    i.not_sent->Increment(static_cast<double>(sends.size()));
    spdlog::warn(
        "{} deliveries: their claims are not on enough replicas; not sent until their lease ends",
        sends.size());
  }

  std::vector<SendJob> jobs;
  const auto lease_until = common::from_epoch_ms(batch.lease_until_ms);
  if (replicated) {
    for (std::size_t k = 0; k < sends.size(); ++k) {
      auto& s = sends[k];
      if (gone[k]) continue;
      const auto& c = *s.claimed;
      if (c.in_doubt) {
        i.in_doubt->Increment();
        spdlog::warn("delivery {}: send was interrupted and no delivery report came; sending again",
                     c.delivery_id);
      }
      if (c.channel == "push")
        s.outcome = i.push(c, redis);  // Redis, here and now
      else
        jobs.push_back(
            [&i, &s, queued = jobs.size() >= lanes.width(), lease_until](const Gateways& gw) {
              i.run_send(s, gw, queued, lease_until);
              i.journal_note(s);
            });
    }
  }
  // The gateway sends, several at once. A send that threw (its outcome
  // unknown) is left to its lease; the others are recorded, then it is
  // rethrown.
  std::exception_ptr failed;
  try {
    lanes.run(jobs);
  } catch (...) {
    failed = std::current_exception();
  }

  // Every outcome with one script: each delivery's state as one complete
  // would leave it (a bundle: the same outcome for each of its deliveries).
  store::NotifyCompleteArgs done{common::to_epoch_ms(i.domain_clock.now()), {}};
  std::vector<std::size_t> single_at(sends.size(), SIZE_MAX);
  for (std::size_t k = 0; k < sends.size(); ++k) {
    const auto& s = sends[k];
    if (!s.outcome) continue;
    const auto& c = *s.claimed;
    if (s.bundle_id.empty() && c.channel == "push" && s.outcome->what != "failed") continue;
    if (s.bundle_id.empty()) single_at[k] = done.items.size();
    for (auto& item : Impl::items_of(s)) done.items.push_back(std::move(item));
  }
  if (!done.items.empty()) {
    if (std::any_of(sends.begin(), sends.end(),
                    [](const auto& s) { return s.outcome && s.outcome->what == "accepted"; }))
      common::fault_point("notify.after_gateway_accept");  // the send in doubt
    const auto complete_started = i.transport_clock.now();
    const auto applied = i.record_outcomes(redis, done, lease_until);
    if (i.journal) {
      std::vector<std::string> ids;
      for (const auto& item : done.items) ids.push_back(item.delivery_id);
      i.journal->settle(ids);
    }
    i.complete_latency->Observe(
        std::chrono::duration<double>(i.transport_clock.now() - complete_started).count());
    for (std::size_t k = 0; k < sends.size(); ++k)
      if (single_at[k] < applied.elements.size())
        sends[k].applied = applied.elements[single_at[k]].str;
  }

  // What became of each delivery, in the order claimed.
  std::map<std::string, StepResult::Item> sent_items;
  std::set<std::string> went_along;  // held by the claim, then joined a bundle
  bool any_failed = false;
  for (auto& s : sends) {
    sent_items[s.claimed->delivery_id] = i.account(s);
    any_failed |= s.outcome && s.outcome->kind == StepResult::Kind::failed;
    for (std::size_t m = 1; m < s.members.size(); ++m) went_along.insert(s.members[m]);
  }
  if (any_failed) i.wake_all();  // the next channel of each failed page starts at once
  if (failed) std::rethrow_exception(failed);
  StepResult out;
  for (const auto& claim : batch.claims) {
    switch (claim.kind) {
      case Claim::send:
        out.items.push_back(sent_items.at(claim.delivery_id));
        break;
      case Claim::held:
        if (went_along.count(claim.delivery_id)) break;
        i.held->Increment();
        out.items.push_back({StepResult::Kind::held, claim.delivery_id, "sms", 1});
        break;
      case Claim::doubt:
        i.in_doubt_waits->Increment();
        spdlog::warn(
            "delivery {}: lease over with no outcome and no delivery report; waiting for its "
            "worker's record until {} before sending again",
            claim.delivery_id, claim.held_until_ms);
        out.items.push_back({StepResult::Kind::skipped, claim.delivery_id, {}, 1});
        break;
      case Claim::resolved:
        i.count(claim.channel, "resolved_by_report");
        spdlog::info(
            "delivery {}: in doubt; a delivery report shows the gateway had it, not sent again",
            claim.delivery_id);
        out.items.push_back(
            {StepResult::Kind::resolved_by_report, claim.page_id, claim.channel, 1});
        break;
      default:
        out.items.push_back({StepResult::Kind::skipped, claim.delivery_id, {}, 1});
    }
  }
  out.more = batch.claims.size() >= static_cast<std::size_t>(i.config.claim_batch);
  if (!out.items.empty()) {
    const auto& first = out.items.front();
    out.kind = first.kind;
    out.page_id = first.page_id;
    out.channel = first.channel;
    out.pages = first.pages;
  }
  return out;
}

void Notifier::start() {
  impl_->stopping = false;
  for (auto& w : impl_->workers) w->loop.start();
}

void Notifier::stop() {
  impl_->stopping = true;
  for (auto& w : impl_->workers) w->loop.stop();
}

void Notifier::set_web_push(WebPushHook hook) {
  impl_->web_push = std::move(hook);
}

}  // namespace piket::notify
