#pragma once
// At-least-once delivery between services: Redis is the record, ZeroMQ
// carries the work.
//
// A producer writes its message into a Redis outbox in the same atomic step
// as the state change that caused it (see outbox_add_lua()), then calls
// OutboxSender::wake(). The sender pushes due messages to the receiver over a
// DEALER socket and deletes an entry only when the receiver answers "ok" for
// it. Unanswered messages are sent again after `resend_after`, and all of them
// on start-up. Receivers must therefore be idempotent: the same message id
// can arrive more than once.
//
// Wire format (DEALER → ROUTER): [channel, message id, payload];
// reply (ROUTER → DEALER): [message id, "ok"]. Every frame is checked with
// bounds; a malformed message is counted and dropped unanswered.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"

namespace piket::common {

class Metrics;

struct OutboxKeys {
  std::string due;   // ZSET message id -> due time (ms)
  std::string data;  // HASH message id -> payload
};
OutboxKeys outbox_keys(std::string_view channel);

// Lua fragment that enqueues (id, payload) into the outbox of `channel`;
// expects local variables `now_ms` (number) and the channel's key names to be
// passed in. Producers call outbox_add_lua("dispatch", "incident_id", "payload")
// inside their own script to enqueue atomically with their state change.
std::string outbox_add_lua(std::string_view channel, std::string_view id_expr,
                           std::string_view payload_expr, std::string_view due_expr);

bool valid_channel(std::string_view s);     // [a-z_]{1,32}
bool valid_message_id(std::string_view s);  // [A-Za-z0-9._:-]{1,96}
constexpr std::size_t kMaxPayload = 64 * 1024;

struct OutboxSenderOptions {
  std::string channel;
  std::string endpoint;  // receiver's ROUTER address
  RedisConfig redis;
  Millis resend_after{2000};
  std::size_t batch = 256;
};

class OutboxSender {
 public:
  // `clock` times resends (a real clock: transport timeouts are not domain time).
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

// Returns true when the message was handled durably (or had been before):
// then it is acknowledged. False or an exception: no answer, the sender will
// send it again.
using InboxHandler =
    std::function<bool(std::string_view channel, std::string_view id, std::string_view payload)>;

// Receives on a ROUTER socket and runs `handler` on `workers` threads (the
// handler must then be thread-safe; messages are handled concurrently and
// out of order). A message id already waiting or in progress is not queued
// twice.
class InboxReceiver {
 public:
  InboxReceiver(std::string bind_endpoint, InboxHandler handler, Metrics* metrics = nullptr,
                int workers = 1);
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
