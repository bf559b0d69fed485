#pragma once
// Sends pages through the SMS gateway, exactly once as far as a gateway
// without deduplication allows.
//
// Pages wait in the Redis sorted set "notify:queue" (score: when to act, in
// real time). A worker claims a due page by setting state "sending" and a
// lease; on the gateway's answer the page becomes "accepted" (2xx), "retry"
// (temporary failure, with backoff) or "failed" (permanent, or out of
// attempts). A page still "sending" when its lease runs out was interrupted
// by a crash: if a delivery report arrived meanwhile (recorded by inbound),
// the gateway had it and it is marked accepted; otherwise it is sent again.
// The lease is the request timeout plus `in_doubt_grace`, the time a delivery
// report needs to arrive.

#include <functional>
#include <memory>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/notify/sms_gateway.hpp"

namespace piket::notify {

using GatewayFactory = std::function<std::unique_ptr<SmsGateway>()>;

struct StepResult {
  enum class Kind { idle, sent, retry_scheduled, failed, resolved_by_report, skipped };
  Kind kind = Kind::idle;
  std::string page_id;
};

class Notifier {
 public:
  Notifier(const common::Config& config, const common::Clock& domain_clock,
           const common::Clock& transport_clock, GatewayFactory gateways,
           common::Metrics& metrics);
  ~Notifier();

  // Inbox handler for channel "notify" (message id = page id). Queues the
  // page if it has not been handled; idempotent.
  bool handle_message(std::string_view channel, std::string_view id, std::string_view payload);

  // One unit of work on the calling thread, with its own gateway and Redis
  // connection (exposed for tests): claim one due page and act on it.
  StepResult step(SmsGateway& gateway, common::RedisConnection& redis);

  void start();  // config.notify.workers threads calling step()
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::notify
