#include "piket/notify/notifier.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <random>
#include <thread>

#include "piket/common/redis_pool.hpp"
#include "piket/notify/retry_policy.hpp"

namespace piket::notify {
namespace {

const common::RedisScript kEnqueue{R"lua(
local st = redis.call('HGET', 'page:' .. ARGV[1], 'state')
if not st then return 'missing' end
if st == 'queued' or st == 'retry' then
  redis.call('ZADD', 'notify:queue', 'NX', ARGV[2], ARGV[1])
end
return st
)lua"};

// ARGV: 1 transport now ms, 2 lease until ms, 3 domain now ms
const common::RedisScript kClaim{R"lua(
local ids = redis.call('ZRANGEBYSCORE', 'notify:queue', '-inf', ARGV[1], 'LIMIT', 0, 1)
if #ids == 0 then return {'idle'} end
local id = ids[1]
local p = 'page:' .. id
local st = redis.call('HGET', p, 'state')
if st == 'sending' and redis.call('HEXISTS', p, 'dlr_type') == 1 then
  redis.call('HSET', p, 'state', 'accepted', 'accepted_at', ARGV[3], 'resolved_by', 'delivery_report')
  redis.call('ZREM', 'notify:queue', id)
  return {'resolved', id}
end
if st == 'queued' or st == 'retry' or st == 'sending' then
  local doubt = 'fresh'
  if st == 'sending' then
    redis.call('HINCRBY', p, 'in_doubt_resends', 1)
    doubt = 'in_doubt'
  end
  local n = redis.call('HINCRBY', p, 'attempts', 1)
  redis.call('HSET', p, 'state', 'sending', 'sending_since', ARGV[3])
  redis.call('ZADD', 'notify:queue', ARGV[2], id)
  local f = redis.call('HMGET', p, 'to', 'text')
  return {'send', id, f[1], f[2], tostring(n), doubt}
end
redis.call('ZREM', 'notify:queue', id)
return {'skip', id}
)lua"};

// ARGV: 1 page, 2 outcome (accepted|retry|failed), 3 domain now ms, 4 retry due ms,
// 5 gateway status, 6 detail
const common::RedisScript kComplete{R"lua(
local p = 'page:' .. ARGV[1]
local st = redis.call('HGET', p, 'state')
if st ~= 'sending' then
  redis.call('ZREM', 'notify:queue', ARGV[1])
  return st or 'missing'
end
local case = redis.call('HGET', p, 'case')
if ARGV[2] == 'accepted' then
  redis.call('HSET', p, 'state', 'accepted', 'accepted_at', ARGV[3], 'gateway_status', ARGV[5])
  redis.call('ZREM', 'notify:queue', ARGV[1])
  redis.call('RPUSH', 'case:' .. case .. ':timeline', cjson.encode({at = tonumber(ARGV[3]),
    type = 'page_sent', page = ARGV[1], channel = 'sms', by = 'notify'}))
elseif ARGV[2] == 'retry' then
  redis.call('HSET', p, 'state', 'retry', 'last_error', ARGV[6], 'gateway_status', ARGV[5])
  redis.call('ZADD', 'notify:queue', ARGV[4], ARGV[1])
else
  redis.call('HSET', p, 'state', 'failed', 'failed_at', ARGV[3], 'last_error', ARGV[6],
             'gateway_status', ARGV[5])
  redis.call('ZREM', 'notify:queue', ARGV[1])
  redis.call('RPUSH', 'case:' .. case .. ':timeline', cjson.encode({at = tonumber(ARGV[3]),
    type = 'page_failed', page = ARGV[1], channel = 'sms', reason = ARGV[6], by = 'notify'}))
end
return ARGV[2]
)lua"};

std::string ms(common::Instant t) { return std::to_string(common::to_epoch_ms(t)); }

}  // namespace

struct Notifier::Impl {
  const common::Config& config;
  const common::Clock& domain_clock;
  const common::Clock& transport_clock;
  GatewayFactory gateways;
  common::RedisPool inbox_redis;
  std::vector<std::thread> threads;
  std::atomic<bool> running{false};
  std::mutex wake_mutex;
  std::condition_variable wake;
  prometheus::Counter& sent;
  prometheus::Counter& retried;
  prometheus::Counter& failed;
  prometheus::Counter& resolved;
  prometheus::Counter& in_doubt;
  prometheus::Histogram& gateway_latency;

  void worker() {
    auto gateway = gateways();
    common::RedisConnection redis(config.redis);
    std::chrono::steady_clock::time_point last_error_log{};
    while (running) {
      StepResult r;
      try {
        r = owner->step(*gateway, redis);
      } catch (const std::exception& e) {
        const auto t = std::chrono::steady_clock::now();
        if (t - last_error_log > std::chrono::seconds{5}) {
          spdlog::warn("notify: {}; will retry", e.what());
          last_error_log = t;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
        continue;
      }
      if (r.kind == StepResult::Kind::idle) {
        std::unique_lock lock(wake_mutex);
        wake.wait_for(lock, std::chrono::milliseconds{20});
      }
    }
  }
  Notifier* owner = nullptr;
};

Notifier::Notifier(const common::Config& config, const common::Clock& domain_clock,
                   const common::Clock& transport_clock, GatewayFactory gateways,
                   common::Metrics& metrics)
    : impl_(new Impl{config,
                     domain_clock,
                     transport_clock,
                     std::move(gateways),
                     common::RedisPool{config.redis},
                     {},
                     {},
                     {},
                     {},
                     metrics.counter("piket_notify_pages_total", "Pages by outcome",
                                     {{"outcome", "sent"}}),
                     metrics.counter("piket_notify_pages_total", "Pages by outcome",
                                     {{"outcome", "retry"}}),
                     metrics.counter("piket_notify_pages_total", "Pages by outcome",
                                     {{"outcome", "failed"}}),
                     metrics.counter("piket_notify_pages_total", "Pages by outcome",
                                     {{"outcome", "resolved_by_report"}}),
                     metrics.counter("piket_notify_in_doubt_resends_total",
                                     "Pages sent again after a crash mid-send"),
                     metrics.latency("piket_notify_gateway_seconds", "sendsms request time")}) {
  impl_->owner = this;
}

Notifier::~Notifier() { stop(); }

bool Notifier::handle_message(std::string_view channel, std::string_view id,
                              std::string_view /*payload*/) {
  if (channel != "notify" || id.size() != 17 || id[0] != 'P') {
    spdlog::warn("notify: message with unexpected channel or id dropped");
    return true;
  }
  auto st = impl_->inbox_redis.lease()->eval(kEnqueue, {}, {std::string(id), ms(impl_->transport_clock.now())});
  if (st.str == "missing") spdlog::warn("notify: unknown page {} acknowledged without action", id);
  impl_->wake.notify_one();
  return true;
}

StepResult Notifier::step(SmsGateway& gateway, common::RedisConnection& redis) {
  auto& i = *impl_;
  const auto now = i.transport_clock.now();
  const auto lease = now + i.config.notify.gateway_timeout + i.config.notify.in_doubt_grace;
  auto claim = redis.eval(kClaim, {}, {ms(now), ms(lease), ms(i.domain_clock.now())});
  const auto& what = claim.elements.at(0).str;
  if (what == "idle") return {StepResult::Kind::idle, {}};
  const auto& page_id = claim.elements.at(1).str;
  if (what == "resolved") {
    i.resolved.Increment();
    spdlog::info("page {}: in doubt after a crash; a delivery report shows the gateway had it",
                 page_id);
    return {StepResult::Kind::resolved_by_report, page_id};
  }
  if (what == "skip") return {StepResult::Kind::skipped, page_id};
  const int attempt = std::stoi(claim.elements.at(4).str);
  if (claim.elements.at(5).str == "in_doubt") {
    i.in_doubt.Increment();
    spdlog::warn("page {}: send was interrupted and no delivery report came; sending again",
                 page_id);
  }
  OutgoingSms sms{page_id, claim.elements.at(2).str, claim.elements.at(3).str};
  const auto started = i.transport_clock.now();
  const auto result = gateway.send(sms);
  i.gateway_latency.Observe(
      std::chrono::duration<double>(i.transport_clock.now() - started).count());
  std::string outcome;
  std::string due = "0";
  StepResult::Kind kind;
  switch (result.kind) {
    case SendResult::Kind::accepted:
      outcome = "accepted";
      kind = StepResult::Kind::sent;
      break;
    case SendResult::Kind::temporary_failure:
      if (attempt < i.config.notify.max_attempts) {
        static thread_local std::mt19937 rng{std::random_device{}()};
        const auto delay = retry_delay(attempt, i.config.notify.retry_initial,
                                       i.config.notify.retry_max,
                                       std::uniform_real_distribution<double>(0, 1)(rng));
        outcome = "retry";
        due = ms(i.transport_clock.now() + delay);
        kind = StepResult::Kind::retry_scheduled;
      } else {
        outcome = "failed";
        kind = StepResult::Kind::failed;
      }
      break;
    case SendResult::Kind::permanent_failure:
    default:
      outcome = "failed";
      kind = StepResult::Kind::failed;
  }
  const std::string detail = result.http_status == 0
                                 ? "no answer from gateway"
                                 : "gateway answered " + std::to_string(result.http_status);
  redis.eval(kComplete, {},
             {page_id, outcome, ms(i.domain_clock.now()), due,
              std::to_string(result.http_status), detail});
  switch (kind) {
    case StepResult::Kind::sent:
      i.sent.Increment();
      spdlog::info("page {} accepted by the gateway (attempt {})", page_id, attempt);
      break;
    case StepResult::Kind::retry_scheduled:
      i.retried.Increment();
      spdlog::warn("page {}: {}; retry scheduled (attempt {})", page_id, detail, attempt);
      break;
    default:
      i.failed.Increment();
      spdlog::error("page {} failed: {} (attempt {})", page_id, detail, attempt);
  }
  return {kind, page_id};
}

void Notifier::start() {
  impl_->running = true;
  for (int n = 0; n < impl_->config.notify.workers; ++n)
    impl_->threads.emplace_back([this] { impl_->worker(); });
}

void Notifier::stop() {
  impl_->running = false;
  impl_->wake.notify_all();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
}

}  // namespace piket::notify
