#include "piket/common/messaging.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "piket/common/log_throttle.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/rank_queue.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"

namespace piket::common {
namespace {

zmq::context_t& context() {
  static zmq::context_t ctx{1};
  return ctx;
}

// KEYS, ARGV and reply: store/lua/common/outbox_claim_due.lua.
const RedisScript kClaimDue{std::string(lua::outbox_claim_due())};

std::atomic<unsigned> inproc_counter{0};

// Binary form (32 bytes) of a Z85 key; empty when it is not one.
std::string decode_key(std::string_view z85) {
  if (z85.size() != 40) return {};
  const std::string text(z85);
  std::array<std::uint8_t, 32> bin{};
  if (zmq_z85_decode(bin.data(), text.c_str()) == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bin.data()), bin.size());
}

// Warnings a stranger can cause (refused connections) are logged at most once
// per interval, with how many were left out meanwhile; the counters count all.
constexpr Millis kRefusalLogEvery{10000};
// Redis failures of the outbox: one line per interval.
constexpr Millis kRedisLogEvery{5000};
// How long acknowledged entries may wait to be deleted together (at most a quarter of
// resend_after, and before every sweep, so an acknowledged message is never sent again).
constexpr Millis kAckDeleteWithin{20};

// The transport clock of a receiver that was given none.
const Clock& default_transport_clock() {
  static const SystemClock clock;
  return clock;
}

// A socket monitor's event: [event id (2 bytes) + value (4 bytes), endpoint].
struct MonitorEvent {
  std::uint16_t event = 0;
  std::uint32_t value = 0;
};
std::optional<MonitorEvent> read_monitor_event(zmq::socket_t& monitor) {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(monitor, std::back_inserter(frames), zmq::recv_flags::dontwait))
    return std::nullopt;
  if (frames.empty() || frames[0].size() < 6) return MonitorEvent{};
  MonitorEvent e;
  std::memcpy(&e.event, frames[0].data(), 2);
  std::memcpy(&e.value, static_cast<const char*>(frames[0].data()) + 2, 4);
  return e;
}

constexpr int kHandshakeEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

}  // namespace

bool valid_curve_key(std::string_view z85) {
  return !decode_key(z85).empty();
}

OutboxKeys outbox_keys(std::string_view channel) {
  return {store::outbox_due_key(channel), store::outbox_data_key(channel)};
}

bool valid_channel(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  return true;
}

bool valid_message_id(std::string_view s) {
  if (s.empty() || s.size() > 96) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// ---------------------------------------------------------------- sender

struct OutboxSender::Impl {
  OutboxSenderOptions options;
  const Clock& clock;
  OutboxKeys keys;
  std::string wake_endpoint;
  zmq::socket_t wake_push{context(), zmq::socket_type::push};
  std::mutex wake_mutex;
  std::atomic<bool> running{false};
  std::thread thread;
  prometheus::Counter* sent = nullptr;
  prometheus::Counter* resent = nullptr;
  prometheus::Counter* acked = nullptr;
  prometheus::Counter* deferred = nullptr;
  prometheus::Counter* redis_errors = nullptr;
  prometheus::Counter* handshake_failed = nullptr;
  LogThrottle refusal_log{clock, kRefusalLogEvery};
  LogThrottle redis_log{clock, kRedisLogEvery};
  // The PULL end lives on the thread but is bound here, before wake() can run.
  zmq::socket_t wake_pull{context(), zmq::socket_type::pull};

  Impl(OutboxSenderOptions o, const Clock& c) : options(std::move(o)), clock(c) {
    const auto& k = options.curve;
    if (options.endpoints.empty())
      throw std::invalid_argument("outbox " + options.channel + ": no receiver endpoint");
    if (!valid_curve_key(k.public_key) || !valid_curve_key(k.secret_key) ||
        !valid_curve_key(k.server_key))
      throw std::invalid_argument("outbox " + options.channel +
                                  ": CURVE keys missing or not Z85 (own pair and receiver's key)");
    char derived[41] = {};
    if (zmq_curve_public(derived, k.secret_key.c_str()) != 0 || k.public_key != derived)
      throw std::invalid_argument("outbox " + options.channel +
                                  ": the CURVE public key does not belong to the secret key");
    keys = outbox_keys(options.channel);
    wake_endpoint = "inproc://outbox-" + options.channel + "-" + std::to_string(inproc_counter++);
  }

  // The receiver refused us, or we it: the keys do not fit (rotated on one
  // side only?). The sender keeps trying; the messages wait in the outbox.
  void on_monitor(zmq::socket_t& monitor) {
    while (const auto e = read_monitor_event(monitor)) {
      if ((e->event & kHandshakeEvents) == 0) continue;
      if (handshake_failed) handshake_failed->Increment();
      long suppressed = 0;
      if (refusal_log.allow(suppressed))
        spdlog::warn(
            "outbox {}: CURVE handshake with {} failed ({}); check the zmq keys in the secrets "
            "directory ({} more not logged)",
            options.channel, fmt::join(options.endpoints, ", "),
            e->event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "our key was refused"
                                                        : "the receiver's key does not fit",
            suppressed);
    }
  }

  void send(zmq::socket_t& dealer, std::string_view id, std::string_view payload) {
    std::array<zmq::const_buffer, 3> frames{zmq::buffer(options.channel), zmq::buffer(id),
                                            zmq::buffer(payload)};
    auto r = zmq::send_multipart(dealer, frames, zmq::send_flags::dontwait);
    if (!r)
      spdlog::debug("outbox {}: receiver not reachable, message {} waits", options.channel, id);
  }

  // Sends every due message; on the first sweep every message in the outbox.
  void sweep(RedisConnection& redis, zmq::socket_t& dealer, bool first) {
    const auto now = to_epoch_ms(clock.now());
    const auto threshold = first ? now + options.resend_after.count() : now;
    const auto next = now + options.resend_after.count() + 1;
    for (int rounds = 0; rounds < 64; ++rounds) {
      auto reply = redis.eval(
          kClaimDue, {keys.due, keys.data},
          {std::to_string(threshold), std::to_string(next), std::to_string(options.batch)});
      for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
        send(dealer, reply.elements[i].str, reply.elements[i + 1].str);
        if (resent) resent->Increment();
      }
      if (reply.elements.size() / 2 < options.batch) break;
    }
  }

  void run() {
    RedisConnection redis(options.redis);
    zmq::socket_t dealer{context(), zmq::socket_type::dealer};
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::sndhwm, 100000);
    dealer.set(zmq::sockopt::reconnect_ivl, 100);
    dealer.set(zmq::sockopt::reconnect_ivl_max, 1000);
    // Heartbeats find a receiver that went away without closing (its machine
    // lost): after three missed the connection is dropped, and with it what
    // was queued for it; the outbox sends that again.
    const auto beat = static_cast<int>(options.heartbeat.count());
    dealer.set(zmq::sockopt::heartbeat_ivl, beat);
    dealer.set(zmq::sockopt::heartbeat_timeout, 3 * beat);
    // With several receiver instances a message goes only to a connection
    // that is up, never into the queue of one that is down. With one, it
    // waits in the queue for the (re)connection, as it always did.
    if (options.endpoints.size() > 1) dealer.set(zmq::sockopt::immediate, 1);
    dealer.set(zmq::sockopt::curve_serverkey, options.curve.server_key);
    dealer.set(zmq::sockopt::curve_publickey, options.curve.public_key);
    dealer.set(zmq::sockopt::curve_secretkey, options.curve.secret_key);
    const auto monitor_endpoint = "inproc://outbox-monitor-" + std::to_string(inproc_counter++);
    if (zmq_socket_monitor(dealer.handle(), monitor_endpoint.c_str(), kHandshakeEvents) != 0)
      throw zmq::error_t();
    zmq::socket_t monitor{context(), zmq::socket_type::pair};
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(monitor_endpoint);
    for (const auto& endpoint : options.endpoints) dealer.connect(endpoint);
    bool first_sweep_done = false;
    auto next_sweep = clock.now();
    const auto sweep_every = std::min<Millis>(Millis{200}, options.resend_after / 2);
    // Acknowledged ids not yet deleted: deleted together when the first of them has waited
    // ack_delay, when there are a batch of them, before a sweep, and at the end — at low load
    // one write (and one fsync of Redis) for several messages instead of one each.
    std::vector<std::string> acks;
    auto acks_due = Instant::max();
    const auto ack_delay = std::min<Millis>(kAckDeleteWithin, options.resend_after / 4);
    // "queued": the receiver has the message waiting in its queue (a backlog);
    // its resend is put off by resend_after from now, so a backlog is not
    // sent again while it waits (what a receiver that dies leaves is still
    // resent: its notices stop).
    std::vector<std::string> defers;
    while (running) {
      zmq::pollitem_t items[] = {{dealer.handle(), 0, ZMQ_POLLIN, 0},
                                 {wake_pull.handle(), 0, ZMQ_POLLIN, 0},
                                 {monitor.handle(), 0, ZMQ_POLLIN, 0}};
      auto wait = Millis{50};
      // Rounded up: a wait rounded down to 0 ms would spin until the deletion is due.
      if (!acks.empty())
        wait = std::clamp(std::chrono::ceil<Millis>(acks_due - clock.now()), Millis{0}, wait);
      zmq::poll(items, 3, wait);
      if (items[2].revents & ZMQ_POLLIN) on_monitor(monitor);
      if (items[1].revents & ZMQ_POLLIN) {
        std::vector<zmq::message_t> msg;
        while (zmq::recv_multipart(wake_pull, std::back_inserter(msg), zmq::recv_flags::dontwait)) {
          if (msg.size() == 2) {
            send(dealer, msg[0].to_string_view(), msg[1].to_string_view());
            if (sent) sent->Increment();
          }
          msg.clear();
        }
      }
      if (items[0].revents & ZMQ_POLLIN) {
        std::vector<zmq::message_t> msg;
        while (zmq::recv_multipart(dealer, std::back_inserter(msg), zmq::recv_flags::dontwait)) {
          if (msg.size() == 2 && msg[1].to_string_view() == "ok" &&
              valid_message_id(msg[0].to_string_view())) {
            acks.emplace_back(msg[0].to_string());
            if (acks.size() == 1) acks_due = clock.now() + ack_delay;
          } else if (msg.size() == 2 && msg[1].to_string_view() == "queued" &&
                     valid_message_id(msg[0].to_string_view())) {
            defers.emplace_back(msg[0].to_string());
          } else {
            spdlog::warn("outbox {}: malformed answer dropped", options.channel);
          }
          msg.clear();
        }
      }
      try {
        if (!defers.empty()) {
          // XX: an entry acknowledged meanwhile stays gone; GT: never sooner.
          std::vector<std::string> zadd{"ZADD", keys.due, "XX", "GT"};
          const auto later =
              std::to_string(to_epoch_ms(clock.now()) + options.resend_after.count());
          for (auto& id : defers) {
            zadd.push_back(later);
            zadd.push_back(std::move(id));
          }
          redis.command(zadd);
          if (deferred) deferred->Increment(static_cast<double>(defers.size()));
          defers.clear();
        }
        const auto now = clock.now();
        if (!acks.empty() &&
            (acks.size() >= options.batch || now >= acks_due || now >= next_sweep)) {
          delete_acked(redis, acks);
          acks_due = Instant::max();
        }
        if (now >= next_sweep) {
          sweep(redis, dealer, !first_sweep_done);
          first_sweep_done = true;
          next_sweep = clock.now() + sweep_every;
        }
      } catch (const RedisError& e) {
        if (redis_errors) redis_errors->Increment();
        if (redis_log.allow())
          spdlog::warn("outbox {}: redis unavailable ({}); will retry", options.channel, e.what());
        next_sweep = clock.now() + Millis{200};
        if (!acks.empty()) acks_due = next_sweep;  // tried again then, not at once
      }
    }
    try {
      if (!acks.empty()) delete_acked(redis, acks);
    } catch (const RedisError& e) {
      spdlog::warn("outbox {}: {} acknowledged messages not deleted ({}); they will be sent again",
                   options.channel, acks.size(), e.what());
    }
    zmq_socket_monitor(dealer.handle(), nullptr, 0);
  }

  // Deletes the acknowledged messages from the outbox in one round trip.
  void delete_acked(RedisConnection& redis, std::vector<std::string>& acks) {
    std::vector<std::string> zrem{"ZREM", keys.due};
    std::vector<std::string> hdel{"HDEL", keys.data};
    zrem.insert(zrem.end(), acks.begin(), acks.end());
    hdel.insert(hdel.end(), acks.begin(), acks.end());
    redis.pipeline({zrem, hdel});
    if (acked) acked->Increment(static_cast<double>(acks.size()));
    acks.clear();
  }
};

OutboxSender::OutboxSender(OutboxSenderOptions options, const Clock& clock, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {
  impl_->wake_pull.bind(impl_->wake_endpoint);
  impl_->wake_push.connect(impl_->wake_endpoint);
  impl_->wake_push.set(zmq::sockopt::linger, 0);
  if (metrics) {
    const prometheus::Labels l{{"channel", impl_->options.channel}};
    impl_->sent = &metrics->counter("piket_outbox_sent_total", "Messages sent at once", l);
    impl_->resent =
        &metrics->counter("piket_outbox_swept_total", "Messages sent by the outbox sweep", l);
    impl_->acked =
        &metrics->counter("piket_outbox_acked_total", "Messages acknowledged by the receiver", l);
    impl_->deferred = &metrics->counter(
        "piket_outbox_deferred_total",
        "Resends put off because the receiver said the message waits in its queue", l);
    impl_->redis_errors =
        &metrics->counter("piket_outbox_redis_errors_total", "Redis failures in the outbox", l);
    impl_->handshake_failed =
        &metrics->counter("piket_outbox_handshake_failed_total",
                          "CURVE handshakes with the receiver that failed (keys do not fit)", l);
  }
}

OutboxSender::~OutboxSender() {
  stop();
}

void OutboxSender::start() {
  impl_->running = true;
  impl_->thread = std::thread([this] { impl_->run(); });
}

void OutboxSender::stop() {
  impl_->running = false;
  if (impl_->thread.joinable()) impl_->thread.join();
}

void OutboxSender::wake(std::string_view id, std::string_view payload) {
  std::lock_guard lock(impl_->wake_mutex);
  std::array<zmq::const_buffer, 2> frames{zmq::buffer(id), zmq::buffer(payload)};
  (void)zmq::send_multipart(impl_->wake_push, frames, zmq::send_flags::dontwait);
}

// ---------------------------------------------------------------- receiver

struct InboxReceiver::Impl {
  struct Job {
    std::string identity, channel, id, payload;
    Instant arrived;  // transport clock
    Instant noticed;  // the last "queued" notice to its sender (or its arrival)
  };
  // A handled message waiting for `confirm` before its "ok".
  struct Done {
    std::string identity, id;
    std::uint64_t epoch;  // redis_stats().failovers_followed when its handler began
  };
  explicit Impl(const Clock& c) : log_clock(c) {}
  const Clock& log_clock;  // the transport clock: the throttled refusal log, queue waits
  // Its own context: the ZAP handler of a context serves every CURVE socket
  // in it, and this one serves this receiver's socket only.
  zmq::context_t ctx{1};
  std::string endpoint;
  InboxBatchHandler handler;
  InboxRank rank;
  int workers = 1;
  std::size_t max_batch = 128;
  std::string secret_key;
  std::map<std::string, std::string> clients;  // binary public key -> service
  std::map<std::string, std::set<std::string>, std::less<>> channels;
  zmq::socket_t router{ctx, zmq::socket_type::router};
  zmq::socket_t zap{ctx, zmq::socket_type::rep};
  zmq::socket_t monitor{ctx, zmq::socket_type::pair};
  zmq::socket_t done_pull{ctx, zmq::socket_type::pull};
  zmq::socket_t done_push{ctx, zmq::socket_type::push};
  std::mutex done_mutex;
  std::string done_endpoint;
  std::string monitor_endpoint;
  std::atomic<bool> running{false};
  std::thread thread;
  std::vector<std::thread> pool;
  std::mutex jobs_mutex;
  std::condition_variable jobs_cv;
  RankQueue<Job> jobs;
  std::set<std::string> pending;  // ids queued or in progress
  std::function<bool()> confirm;
  std::mutex confirm_mutex;
  std::condition_variable confirm_cv;
  std::vector<Done> to_confirm;
  std::thread confirmer;
  prometheus::Counter* unconfirmed = nullptr;
  prometheus::Counter* still_queued = nullptr;
  Millis still_queued_every{1000};
  Instant next_notice_scan{};
  prometheus::Counter* received = nullptr;
  prometheus::Counter* malformed = nullptr;
  prometheus::Counter* failed = nullptr;
  prometheus::Counter* refused_handshake = nullptr;
  prometheus::Counter* refused_key = nullptr;
  prometheus::Counter* refused_channel = nullptr;
  // Per channel (the channels this receiver takes; made before start, read only after).
  std::map<std::string, prometheus::Histogram*, std::less<>> batch_sizes;
  std::map<std::string, prometheus::Histogram*, std::less<>> queue_waits;
  // One per kind of refusal, so a flood of one kind hides none of the others.
  LogThrottle handshake_log{log_clock, kRefusalLogEvery};
  LogThrottle key_log{log_clock, kRefusalLogEvery};
  LogThrottle channel_log{log_clock, kRefusalLogEvery};

  template <typename... Args>
  void refusal(prometheus::Counter* counter, LogThrottle& log, spdlog::format_string_t<Args...> fmt,
               Args&&... args) {
    if (counter) counter->Increment();
    long suppressed = 0;
    if (!log.allow(suppressed)) return;
    spdlog::warn("inbox {}: {} ({} more of these not logged)", endpoint,
                 fmt::format(fmt, std::forward<Args>(args)...), suppressed);
  }

  // ZAP (RFC 27): [version, request id, domain, address, routing id,
  // mechanism, credentials...] -> [version, request id, status, text, user id,
  // metadata]. Only CURVE clients whose key is a sender of this socket pass;
  // the user id is the service the key belongs to.
  void on_zap() {
    std::vector<zmq::message_t> req;
    while (zmq::recv_multipart(zap, std::back_inserter(req), zmq::recv_flags::dontwait)) {
      std::string request_id, service;
      std::string_view address = "?";
      if (req.size() >= 2) request_id = req[1].to_string();
      if (req.size() >= 4) address = req[3].to_string_view();
      const bool well_formed = req.size() >= 7 && req[0].to_string_view() == "1.0" &&
                               req[5].to_string_view() == "CURVE" && req[6].size() == 32;
      if (well_formed) {
        const auto it = clients.find(req[6].to_string());
        if (it != clients.end()) service = it->second;
      }
      if (service.empty())
        refusal(refused_key, key_log,
                "refused a CURVE client from {}: its key is not a sender here",
                address.substr(0, 64));
      const std::string_view status = service.empty() ? "400" : "200";
      const std::string_view text = service.empty() ? "not a sender here" : "OK";
      std::array<zmq::const_buffer, 6> reply{zmq::str_buffer("1.0"), zmq::buffer(request_id),
                                             zmq::buffer(status),    zmq::buffer(text),
                                             zmq::buffer(service),   zmq::str_buffer("")};
      (void)zmq::send_multipart(zap, reply, zmq::send_flags::dontwait);
      req.clear();
    }
  }

  // A connection that did not complete the CURVE handshake: a plain ZMTP
  // client, one that does not know our public key, or not ZMTP at all. (A key
  // refused by ZAP was counted there.)
  void on_monitor() {
    while (const auto e = read_monitor_event(monitor))
      if (e->event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
          e->event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        refusal(refused_handshake, handshake_log,
                "refused a connection without a valid CURVE handshake");
  }

  void run() {
    while (running) {
      zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                                 {done_pull.handle(), 0, ZMQ_POLLIN, 0},
                                 {zap.handle(), 0, ZMQ_POLLIN, 0},
                                 {monitor.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 4, std::chrono::milliseconds{50});
      if (items[2].revents & ZMQ_POLLIN) on_zap();
      if (items[3].revents & ZMQ_POLLIN) on_monitor();
      std::vector<zmq::message_t> msg;
      if (items[1].revents & ZMQ_POLLIN) {
        while (zmq::recv_multipart(done_pull, std::back_inserter(msg), zmq::recv_flags::dontwait)) {
          if (msg.size() == 2) {
            std::array<zmq::const_buffer, 3> reply{zmq::buffer(msg[0].data(), msg[0].size()),
                                                   zmq::buffer(msg[1].data(), msg[1].size()),
                                                   zmq::str_buffer("ok")};
            (void)zmq::send_multipart(router, reply, zmq::send_flags::dontwait);
          }
          msg.clear();
        }
      }
      if (items[0].revents & ZMQ_POLLIN) {
        while (running &&
               zmq::recv_multipart(router, std::back_inserter(msg), zmq::recv_flags::dontwait)) {
          enqueue(msg);
          msg.clear();
        }
      }
      notify_still_queued();
    }
  }

  // On the socket thread (it owns the router).
  void answer(const std::string& identity, const std::string& id, std::string_view what) {
    std::array<zmq::const_buffer, 3> reply{zmq::buffer(identity), zmq::buffer(id),
                                           zmq::buffer(what)};
    (void)zmq::send_multipart(router, reply, zmq::send_flags::dontwait);
  }

  // Every message that has waited `still_queued_every` since its arrival or
  // its last notice gets a "queued" notice: its sender puts off the resend,
  // so a backlog is not sent again while it waits (each resend would cost a
  // Redis claim, a CURVE message and a duplicate check here).
  void notify_still_queued() {
    if (still_queued_every.count() <= 0) return;
    const auto now = log_clock.now();
    if (now < next_notice_scan) return;
    next_notice_scan = now + still_queued_every / 4;
    std::vector<std::pair<std::string, std::string>> due;
    {
      std::lock_guard lock(jobs_mutex);
      jobs.for_each([&](Job& job) {
        if (now - job.noticed < still_queued_every) return;
        job.noticed = now;
        due.emplace_back(job.identity, job.id);
      });
    }
    for (const auto& [identity, id] : due) answer(identity, id, "queued");
    if (still_queued && !due.empty()) still_queued->Increment(static_cast<double>(due.size()));
  }

  // The sender first (the ZAP User-Id of its connection), then the message.
  void enqueue(std::vector<zmq::message_t>& msg) {
    if (msg.size() < 2) {
      if (malformed) malformed->Increment();
      spdlog::warn("inbox: malformed message dropped ({} frames)", msg.size());
      return;
    }
    const char* user = zmq_msg_gets(msg[1].handle(), "User-Id");
    const std::string_view sender = user ? user : "";
    const auto channel = msg[1].to_string_view();
    const auto allowed = valid_channel(channel) ? channels.find(channel) : channels.end();
    if (sender.empty() || allowed == channels.end() ||
        !allowed->second.contains(std::string(sender))) {
      refusal(refused_channel, channel_log, "refused a message: {} may not send channel {}",
              sender.empty() ? "an unauthenticated client" : sender,
              valid_channel(channel) ? channel : "(invalid)");
      return;
    }
    if (msg.size() != 4 || !valid_message_id(msg[2].to_string_view()) ||
        msg[3].size() > kMaxPayload) {
      if (malformed) malformed->Increment();
      spdlog::warn("inbox: malformed message from {} dropped ({} frames)", sender, msg.size());
      return;
    }
    if (received) received->Increment();
    const auto now = log_clock.now();
    Job job{
        msg[0].to_string(), msg[1].to_string(), msg[2].to_string(), msg[3].to_string(), now, now};
    int r = 0;
    if (rank) {
      try {
        r = rank(job.channel, job.id, job.payload);
      } catch (const std::exception&) {
        r = 0;  // a payload the rank cannot read: handled in arrival order
      }
    }
    std::unique_lock lock(jobs_mutex);
    if (!pending.insert(job.id).second) {
      // Already queued or in progress: the sender sent it again because it
      // waited; tell it that it still does.
      lock.unlock();
      if (still_queued_every.count() > 0) answer(job.identity, job.id, "queued");
      return;
    }
    jobs.push(r, std::move(job));
    jobs_cv.notify_one();
  }

  // Takes whatever is waiting (up to max_batch, most urgent first) and hands
  // it to the handler in one call: at low load a batch of one, at once.
  void work() {
    std::vector<InboxMessage> messages;
    while (running) {
      std::vector<Job> batch;
      {
        std::unique_lock lock(jobs_mutex);
        jobs_cv.wait_for(lock, std::chrono::milliseconds{100},
                         [this] { return !jobs.empty() || !running; });
        if (jobs.empty()) continue;
        batch = jobs.take(max_batch);
      }
      observe(batch);
      messages.clear();
      for (const auto& job : batch) messages.push_back({job.channel, job.id, job.payload});
      std::vector<bool> done;
      const auto epoch = redis_stats().failovers_followed.load();
      try {
        done = handler(messages);
      } catch (const std::exception& e) {
        if (batch.size() == 1)
          spdlog::warn("inbox: message {} not handled yet: {}", batch[0].id, e.what());
        else
          spdlog::warn("inbox: {} messages (first {}) not handled yet: {}", batch.size(),
                       batch[0].id, e.what());
        done.clear();
      }
      {
        std::lock_guard lock(jobs_mutex);
        for (const auto& job : batch) pending.erase(job.id);
      }
      std::vector<Done> confirmed;
      for (std::size_t k = 0; k < batch.size(); ++k) {
        auto& job = batch[k];
        if (k >= done.size() || !done[k]) {
          if (failed) failed->Increment();
          continue;
        }
        if (confirm) {
          confirmed.push_back({std::move(job.identity), std::move(job.id), epoch});
          continue;
        }
        answer_ok(job.identity, job.id);
      }
      if (!confirmed.empty()) {
        std::lock_guard lock(confirm_mutex);
        for (auto& d : confirmed) to_confirm.push_back(std::move(d));
        confirm_cv.notify_one();
      }
    }
  }

  // The batch's size per channel and how long each message waited for it.
  void observe(const std::vector<Job>& batch) {
    if (batch_sizes.empty()) return;
    const auto now = log_clock.now();
    std::map<std::string_view, int> per_channel;
    for (const auto& job : batch) {
      ++per_channel[job.channel];
      if (auto it = queue_waits.find(job.channel); it != queue_waits.end())
        it->second->Observe(std::chrono::duration<double>(now - job.arrived).count());
    }
    for (const auto& [channel, n] : per_channel)
      if (auto it = batch_sizes.find(channel); it != batch_sizes.end()) it->second->Observe(n);
  }

  void answer_ok(const std::string& identity, const std::string& id) {
    std::lock_guard lock(done_mutex);
    std::array<zmq::const_buffer, 2> ack{zmq::buffer(identity), zmq::buffer(id)};
    (void)zmq::send_multipart(done_push, ack, zmq::send_flags::dontwait);
  }

  // One confirmation for every message that finished meanwhile: under load a
  // batch shares one barrier, at low load each message has its own.
  void confirm_loop() {
    std::vector<Done> batch;
    while (running) {
      {
        std::unique_lock lock(confirm_mutex);
        confirm_cv.wait_for(lock, std::chrono::milliseconds{100},
                            [this] { return !to_confirm.empty() || !running; });
        batch.swap(to_confirm);
      }
      if (batch.empty()) continue;
      bool ok = false;
      try {
        ok = confirm();
      } catch (const std::exception& e) {
        spdlog::debug("inbox: {} messages not confirmed yet: {}", batch.size(), e.what());
      }
      const auto epoch = redis_stats().failovers_followed.load();
      for (const auto& d : batch) {
        if (ok && d.epoch == epoch) {
          answer_ok(d.identity, d.id);
        } else if (unconfirmed) {
          unconfirmed->Increment();
        }
      }
      batch.clear();
    }
  }
};

InboxBatchHandler one_at_a_time(InboxHandler handler) {
  return [one = std::move(handler)](std::span<const InboxMessage> batch) {
    std::vector<bool> done(batch.size(), false);
    for (std::size_t k = 0; k < batch.size(); ++k) {
      if (batch.size() == 1) {  // the caller logs an exception itself
        done[k] = one(batch[k].channel, batch[k].id, batch[k].payload);
        continue;
      }
      try {
        done[k] = one(batch[k].channel, batch[k].id, batch[k].payload);
      } catch (const std::exception& e) {
        spdlog::warn("inbox: message {} not handled yet: {}", batch[k].id, e.what());
      }
    }
    return done;
  };
}

InboxBatchHandler route_by_channel(std::map<std::string, InboxBatchHandler, std::less<>> handlers) {
  return [by_channel = std::move(handlers)](std::span<const InboxMessage> batch) {
    std::vector<bool> done(batch.size(), false);
    for (std::size_t from = 0; from < batch.size();) {
      std::size_t to = from + 1;
      while (to < batch.size() && batch[to].channel == batch[from].channel) ++to;
      const auto run = batch.subspan(from, to - from);
      const auto it = by_channel.find(batch[from].channel);
      if (it == by_channel.end()) {
        spdlog::warn("inbox: no handler for channel {}; {} messages left", batch[from].channel,
                     run.size());
      } else if (run.size() == batch.size()) {
        const auto r = it->second(run);
        for (std::size_t k = 0; k < r.size() && k < run.size(); ++k) done[from + k] = r[k];
      } else {
        try {
          const auto r = it->second(run);
          for (std::size_t k = 0; k < r.size() && k < run.size(); ++k) done[from + k] = r[k];
        } catch (const std::exception& e) {
          spdlog::warn("inbox: {} messages of channel {} (first {}) not handled yet: {}",
                       run.size(), run[0].channel, run[0].id, e.what());
        }
      }
      from = to;
    }
    return done;
  };
}

InboxReceiver::InboxReceiver(InboxReceiverOptions options, InboxHandler handler, Metrics* metrics)
    : InboxReceiver(
          [&options] {
            options.max_batch = 1;
            return std::move(options);
          }(),
          one_at_a_time(std::move(handler)), metrics) {}

InboxReceiver::InboxReceiver(InboxReceiverOptions options, InboxBatchHandler handler,
                             Metrics* metrics)
    : impl_(std::make_unique<Impl>(options.clock ? *options.clock : default_transport_clock())) {
  if (!valid_curve_key(options.curve.secret_key))
    throw std::invalid_argument("inbox " + options.endpoint +
                                ": the CURVE secret key is missing or not Z85");
  for (const auto& [key, service] : options.curve.clients) {
    const auto bin = decode_key(key);
    if (bin.empty() || service.empty())
      throw std::invalid_argument("inbox " + options.endpoint + ": the CURVE key of client '" +
                                  service + "' is not Z85");
    impl_->clients[bin] = service;
  }
  impl_->endpoint = std::move(options.endpoint);
  impl_->secret_key = std::move(options.curve.secret_key);
  impl_->channels = std::move(options.curve.channels);
  impl_->handler = std::move(handler);
  impl_->confirm = std::move(options.confirm);
  impl_->still_queued_every = options.still_queued_every;
  impl_->rank = std::move(options.rank);
  impl_->workers = std::max(1, options.workers);
  impl_->max_batch = std::max<std::size_t>(1, options.max_batch);
  impl_->done_endpoint = "inproc://inbox-done-" + std::to_string(inproc_counter++);
  impl_->monitor_endpoint = "inproc://inbox-monitor-" + std::to_string(inproc_counter++);
  if (metrics) {
    impl_->received = &metrics->counter("piket_inbox_received_total", "Messages received");
    impl_->malformed =
        &metrics->counter("piket_inbox_malformed_total", "Malformed messages dropped");
    impl_->failed = &metrics->counter("piket_inbox_unhandled_total", "Messages left for a resend");
    impl_->unconfirmed = &metrics->counter(
        "piket_inbox_unconfirmed_total",
        "Handled messages left unanswered: not on enough replicas in time, or a failover between");
    impl_->still_queued = &metrics->counter(
        "piket_inbox_still_queued_total",
        "\"queued\" notices: messages waiting in the queue, so their senders put off a resend");
    const std::string help = "ZeroMQ connections and messages refused by the inbox";
    impl_->refused_handshake =
        &metrics->counter("piket_zmq_refused_total", help, {{"reason", "handshake"}});
    impl_->refused_key =
        &metrics->counter("piket_zmq_refused_total", help, {{"reason", "unknown_key"}});
    impl_->refused_channel =
        &metrics->counter("piket_zmq_refused_total", help, {{"reason", "channel"}});
    static const prometheus::Histogram::BucketBoundaries sizes{1, 2, 4, 8, 16, 32, 64, 128, 256};
    for (const auto& [channel, senders] : impl_->channels) {
      impl_->batch_sizes[channel] = &metrics->histogram(
          "piket_inbox_batch_size", "Messages of the channel in one batch handed to the handler",
          sizes, {{"channel", channel}});
      impl_->queue_waits[channel] = &metrics->latency(
          "piket_inbox_queue_wait_seconds",
          "Time a message waited in the receiver's queue for a worker", {{"channel", channel}});
    }
  }
}

InboxReceiver::~InboxReceiver() {
  stop();
}

void InboxReceiver::start() {
  auto& i = *impl_;
  // The ZAP handler is bound before the socket, so no client is ever let in
  // without it.
  i.zap.set(zmq::sockopt::linger, 0);
  i.zap.bind("inproc://zeromq.zap.01");
  i.router.set(zmq::sockopt::linger, 0);
  i.router.set(zmq::sockopt::rcvhwm, 100000);
  i.router.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(kMaxPayload + 1024));
  i.router.set(zmq::sockopt::curve_server, 1);
  i.router.set(zmq::sockopt::curve_secretkey, i.secret_key);
  i.router.set(zmq::sockopt::zap_domain, "piket");
  if (zmq_socket_monitor(i.router.handle(), i.monitor_endpoint.c_str(), kHandshakeEvents) != 0)
    throw std::runtime_error("zmq: cannot monitor " + i.endpoint);
  i.monitor.set(zmq::sockopt::linger, 0);
  i.monitor.connect(i.monitor_endpoint);
  try {
    i.router.bind(i.endpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("zmq: cannot bind " + i.endpoint + ": " + e.what());
  }
  i.done_pull.bind(i.done_endpoint);
  i.done_push.set(zmq::sockopt::linger, 0);
  i.done_push.connect(i.done_endpoint);
  i.running = true;
  for (int k = 0; k < i.workers; ++k) i.pool.emplace_back([this] { impl_->work(); });
  if (i.confirm) i.confirmer = std::thread([this] { impl_->confirm_loop(); });
  i.thread = std::thread([this] { impl_->run(); });
}

void InboxReceiver::stop() {
  impl_->running = false;
  impl_->jobs_cv.notify_all();
  for (auto& t : impl_->pool)
    if (t.joinable()) t.join();
  impl_->pool.clear();
  impl_->confirm_cv.notify_all();
  if (impl_->confirmer.joinable()) impl_->confirmer.join();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace piket::common
