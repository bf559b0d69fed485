#pragma once
// At-least-once delivery between services: Redis is the record, ZeroMQ
// carries the work.
//
// A producer writes its message into a Redis outbox in the same atomic step
// as the state change that caused it (store/lua/lib/outbox_add.lua), then calls
// OutboxSender::wake(). The sender pushes due messages to the receiver over a
// DEALER socket and deletes an entry only when the receiver answers "ok" for
// it (answers that come within 20 ms of each other are deleted in one round
// trip, always before the next sweep). Unanswered messages are sent again
// after `resend_after`, and all of them on start-up. Receivers must therefore
// be idempotent: the same message id can arrive more than once.
//
// Wire format (DEALER → ROUTER): [channel, message id, payload];
// reply (ROUTER → DEALER): [message id, "ok"] when it is done, or
// [message id, "queued"] while it waits in the receiver's queue (a backlog:
// the sender puts off its resend by resend_after, so a backlog is not sent
// again while it waits). Every frame is checked with bounds; a malformed
// message is counted and dropped unanswered.
//
// Every socket is authenticated and encrypted with CURVE (RFC 26); there is
// no plain mode. The receiver's ZAP handler (RFC 27) lets in only the public
// keys it was given, names each connection by the service the key belongs to
// (the ZAP User-Id), and the receiver refuses a channel that service may not
// send. Refusals are counted (piket_zmq_refused_total) and logged without key
// material. Which service sends which channel to whom: channels.hpp.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"

namespace piket::common {

class Metrics;

struct OutboxKeys {
  std::string due;   // ZSET message id -> due time (ms)
  std::string data;  // HASH message id -> payload
};
OutboxKeys outbox_keys(std::string_view channel);

bool valid_channel(std::string_view s);     // [a-z_]{1,32}
bool valid_message_id(std::string_view s);  // [A-Za-z0-9._:-]{1,96}
constexpr std::size_t kMaxPayload = 64 * 1024;

// A CURVE key in Z85 (40 characters) that decodes to 32 bytes.
bool valid_curve_key(std::string_view z85);

// A sender's CURVE keys (Z85): its own pair and the receiver's public key.
struct CurveClientKeys {
  std::string public_key;
  std::string secret_key;
  std::string server_key;
};

// A receiver's CURVE keys (Z85): its own secret key, the clients it lets in
// (public key -> the service it belongs to) and, per channel, the services
// that may send it. A channel not listed is refused.
struct CurveServerKeys {
  std::string secret_key;
  std::map<std::string, std::string> clients;
  std::map<std::string, std::set<std::string>, std::less<>> channels;
};

struct OutboxSenderOptions {
  std::string channel;
  // Every instance of the receiver (their ROUTER addresses). The DEALER connects
  // to all of them and hands each message to one that is connected (round
  // robin); whichever answers "ok" has done it. An instance that is down or
  // unreachable gets nothing: messages are queued only on connections whose
  // handshake completed (ZMQ_IMMEDIATE), and a connection whose peer stops
  // answering heartbeats (`heartbeat`, three missed) is dropped, so what was
  // sent to it and not answered is resent from the outbox to another.
  std::vector<std::string> endpoints;
  RedisConfig redis;
  Millis resend_after{2000};
  std::size_t batch = 256;
  CurveClientKeys curve;  // required (channels.hpp fills it from the config)
  Millis heartbeat{1000};
};

class OutboxSender {
 public:
  // `clock` times resends (a real clock: transport timeouts are not domain time).
  // Throws std::invalid_argument when a CURVE key is missing or malformed, or
  // the public key is not the secret key's.
  OutboxSender(OutboxSenderOptions options, const Clock& clock, Metrics* metrics = nullptr);
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  void start();
  void stop();
  // Thread-safe: send this message now (it is already in the outbox).
  void wake(std::string_view id, std::string_view payload);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One message as a handler sees it (valid while the handler runs).
struct InboxMessage {
  std::string_view channel;
  std::string_view id;
  std::string_view payload;
};

// Returns true when the message was handled durably (or had been before):
// then it is acknowledged. False or an exception: no answer, the sender will
// send it again.
using InboxHandler =
    std::function<bool(std::string_view channel, std::string_view id, std::string_view payload)>;

// Handles a batch — everything that was waiting, up to max_batch, most urgent
// first — and returns one result per message, in order, as InboxHandler does
// for one (a missing result is false). An exception: none is acknowledged.
using InboxBatchHandler = std::function<std::vector<bool>(std::span<const InboxMessage>)>;

// A single-message handler as a batch handler: each message on its own (an
// exception fails that message only, in a batch of more than one).
InboxBatchHandler one_at_a_time(InboxHandler handler);

// A receiver of several channels: each run of consecutive messages of one
// channel goes to that channel's handler (in the batch's order, so the
// urgency order holds across channels); a channel without a handler is not
// acknowledged. In a batch of several runs, a run whose handler throws fails
// alone (logged); a batch of one run throws as its handler did.
InboxBatchHandler route_by_channel(std::map<std::string, InboxBatchHandler, std::less<>> handlers);

// A message's place in the receiver's queue: a lower rank is handled first,
// messages of one rank in the order they came. Called on the receiver's
// socket thread for every message: cheap, and no I/O.
using InboxRank =
    std::function<int(std::string_view channel, std::string_view id, std::string_view payload)>;

struct InboxReceiverOptions {
  std::string endpoint;   // bound by start()
  CurveServerKeys curve;  // required (channels.hpp fills it from the config)
  int workers = 1;
  // Times the throttled log of refused connections and the time messages wait
  // in the queue (the transport clock); null: the system clock.
  const Clock* clock = nullptr;
  // When set, a handled message is answered "ok" only after `confirm` returned
  // true — once for all the messages that finished meanwhile, on a thread of
  // its own — and only if this process followed no Redis failover since the
  // message's batch began (redis_stats().failovers_followed). Otherwise it
  // is not answered and the sender sends it again.
  // common/replication_barrier.hpp makes the one piket uses.
  std::function<bool()> confirm;
  // The most messages a worker hands to a batch handler at once. A batch is
  // whatever is waiting when a worker is free: at low load one message, at
  // once — never a timer. (A single-message handler always gets one.)
  std::size_t max_batch = 128;
  // Urgency (null: every message rank 0, first come first served).
  InboxRank rank;
  // A message that has waited this long in the queue (since it came, or
  // since its last notice) is answered "queued", and so is one that comes
  // again while it waits or is being handled: its sender puts off the
  // resend. Shorter than the senders' outbox.resend_after_ms (the default
  // 1000 ms is half the default 2000); 0: no notices.
  Millis still_queued_every{1000};
};

// Receives on a ROUTER socket into a queue ordered by `rank`, and runs the
// handler on `workers` threads, each taking what is waiting (up to
// `max_batch`) as one batch (the handler must then be thread-safe; batches are
// handled concurrently). A message id already waiting or in progress is not
// queued twice. The receiver has its own ZeroMQ context, so its ZAP handler
// (inproc://zeromq.zap.01 in that context) serves this socket only.
// Metrics: piket_inbox_batch_size{channel} (messages of the channel per
// batch) and piket_inbox_queue_wait_seconds{channel} (from arrival to its
// batch's start).
class InboxReceiver {
 public:
  // Throws std::invalid_argument when the secret key is missing or malformed,
  // or a client key is malformed.
  InboxReceiver(InboxReceiverOptions options, InboxBatchHandler handler,
                Metrics* metrics = nullptr);
  // One message at a time (batches of one; messages still taken by rank).
  InboxReceiver(InboxReceiverOptions options, InboxHandler handler, Metrics* metrics = nullptr);
  ~InboxReceiver();
  InboxReceiver(const InboxReceiver&) = delete;
  InboxReceiver& operator=(const InboxReceiver&) = delete;

  // Binds (throws std::runtime_error naming the endpoint on failure) and starts the thread.
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::common
