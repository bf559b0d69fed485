#include "piket/common/messaging.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <set>
#include <mutex>
#include <regex>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"

namespace piket::common {
namespace {

zmq::context_t& context() {
  static zmq::context_t ctx{1};
  return ctx;
}

const RedisScript kClaimDue{R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local p = redis.call('HGET', KEYS[2], id)
  if p then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    out[#out + 1] = id
    out[#out + 1] = p
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
)lua"};

std::string lua_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::atomic<unsigned> inproc_counter{0};

}  // namespace

OutboxKeys outbox_keys(std::string_view channel) {
  std::string base = "outbox:" + std::string(channel);
  return {base + ":due", base + ":data"};
}

std::string outbox_add_lua(std::string_view channel, std::string_view id_expr,
                           std::string_view payload_expr, std::string_view due_expr) {
  const auto keys = outbox_keys(channel);
  return "redis.call('ZADD', " + lua_quote(keys.due) + ", " + std::string(due_expr) + ", " +
         std::string(id_expr) + ")\nredis.call('HSET', " + lua_quote(keys.data) + ", " +
         std::string(id_expr) + ", " + std::string(payload_expr) + ")\n";
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
  prometheus::Counter* redis_errors = nullptr;
  // The PULL end lives on the thread but is bound here, before wake() can run.
  zmq::socket_t wake_pull{context(), zmq::socket_type::pull};

  Impl(OutboxSenderOptions o, const Clock& c) : options(std::move(o)), clock(c) {
    keys = outbox_keys(options.channel);
    wake_endpoint = "inproc://outbox-" + options.channel + "-" + std::to_string(inproc_counter++);
  }

  void send(zmq::socket_t& dealer, std::string_view id, std::string_view payload) {
    std::array<zmq::const_buffer, 3> frames{zmq::buffer(options.channel), zmq::buffer(id),
                                            zmq::buffer(payload)};
    auto r = zmq::send_multipart(dealer, frames, zmq::send_flags::dontwait);
    if (!r) spdlog::debug("outbox {}: receiver not reachable, message {} waits", options.channel, id);
  }

  // Sends every due message; on the first sweep every message in the outbox.
  void sweep(RedisConnection& redis, zmq::socket_t& dealer, bool first) {
    const auto now = to_epoch_ms(clock.now());
    const auto threshold = first ? now + options.resend_after.count() : now;
    const auto next = now + options.resend_after.count() + 1;
    for (int rounds = 0; rounds < 64; ++rounds) {
      auto reply = redis.eval(kClaimDue, {keys.due, keys.data},
                              {std::to_string(threshold), std::to_string(next),
                               std::to_string(options.batch)});
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
    dealer.connect(options.endpoint);
    bool first_sweep_done = false;
    auto next_sweep = clock.now();
    const auto sweep_every = std::min<Millis>(Millis{200}, options.resend_after / 2);
    std::vector<std::string> acks;
    std::chrono::steady_clock::time_point last_error_log{};
    while (running) {
      zmq::pollitem_t items[] = {{dealer.handle(), 0, ZMQ_POLLIN, 0},
                                 {wake_pull.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::milliseconds{50});
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
          } else {
            spdlog::warn("outbox {}: malformed answer dropped", options.channel);
          }
          msg.clear();
        }
      }
      try {
        if (!acks.empty()) {
          std::vector<std::string> zrem{"ZREM", keys.due};
          std::vector<std::string> hdel{"HDEL", keys.data};
          zrem.insert(zrem.end(), acks.begin(), acks.end());
          hdel.insert(hdel.end(), acks.begin(), acks.end());
          redis.pipeline({zrem, hdel});
          if (acked) acked->Increment(static_cast<double>(acks.size()));
          acks.clear();
        }
        if (clock.now() >= next_sweep) {
          sweep(redis, dealer, !first_sweep_done);
          first_sweep_done = true;
          next_sweep = clock.now() + sweep_every;
        }
      } catch (const RedisError& e) {
        if (redis_errors) redis_errors->Increment();
        const auto t = std::chrono::steady_clock::now();
        if (t - last_error_log > std::chrono::seconds{5}) {
          spdlog::warn("outbox {}: redis unavailable ({}); will retry", options.channel, e.what());
          last_error_log = t;
        }
        next_sweep = clock.now() + Millis{200};
      }
    }
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
    impl_->redis_errors =
        &metrics->counter("piket_outbox_redis_errors_total", "Redis failures in the outbox", l);
  }
}

OutboxSender::~OutboxSender() { stop(); }

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
  };
  std::string endpoint;
  InboxHandler handler;
  int workers = 1;
  zmq::socket_t router{context(), zmq::socket_type::router};
  zmq::socket_t done_pull{context(), zmq::socket_type::pull};
  zmq::socket_t done_push{context(), zmq::socket_type::push};
  std::mutex done_mutex;
  std::string done_endpoint;
  std::atomic<bool> running{false};
  std::thread thread;
  std::vector<std::thread> pool;
  std::mutex jobs_mutex;
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;
  std::set<std::string> pending;  // ids queued or in progress
  prometheus::Counter* received = nullptr;
  prometheus::Counter* malformed = nullptr;
  prometheus::Counter* failed = nullptr;

  void run() {
    while (running) {
      zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                                 {done_pull.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::milliseconds{50});
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
    }
  }

  void enqueue(std::vector<zmq::message_t>& msg) {
    if (msg.size() != 4 || !valid_channel(msg[1].to_string_view()) ||
        !valid_message_id(msg[2].to_string_view()) || msg[3].size() > kMaxPayload) {
      if (malformed) malformed->Increment();
      spdlog::warn("inbox: malformed message dropped ({} frames)", msg.size());
      return;
    }
    if (received) received->Increment();
    std::lock_guard lock(jobs_mutex);
    if (!pending.insert(msg[2].to_string()).second) return;  // already queued or in progress
    jobs.push_back(Job{msg[0].to_string(), msg[1].to_string(), msg[2].to_string(),
                       msg[3].to_string()});
    jobs_cv.notify_one();
  }

  void work() {
    while (running) {
      Job job;
      {
        std::unique_lock lock(jobs_mutex);
        jobs_cv.wait_for(lock, std::chrono::milliseconds{100},
                         [this] { return !jobs.empty() || !running; });
        if (jobs.empty()) continue;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      bool done = false;
      try {
        done = handler(job.channel, job.id, job.payload);
      } catch (const std::exception& e) {
        spdlog::warn("inbox: message {} not handled yet: {}", job.id, e.what());
      }
      {
        std::lock_guard lock(jobs_mutex);
        pending.erase(job.id);
      }
      if (!done) {
        if (failed) failed->Increment();
        continue;
      }
      std::lock_guard lock(done_mutex);
      std::array<zmq::const_buffer, 2> ack{zmq::buffer(job.identity), zmq::buffer(job.id)};
      (void)zmq::send_multipart(done_push, ack, zmq::send_flags::dontwait);
    }
  }
};

InboxReceiver::InboxReceiver(std::string bind_endpoint, InboxHandler handler, Metrics* metrics,
                             int workers)
    : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = std::move(bind_endpoint);
  impl_->handler = std::move(handler);
  impl_->workers = std::max(1, workers);
  impl_->done_endpoint = "inproc://inbox-done-" + std::to_string(inproc_counter++);
  if (metrics) {
    impl_->received = &metrics->counter("piket_inbox_received_total", "Messages received");
    impl_->malformed =
        &metrics->counter("piket_inbox_malformed_total", "Malformed messages dropped");
    impl_->failed =
        &metrics->counter("piket_inbox_unhandled_total", "Messages left for a resend");
  }
}

InboxReceiver::~InboxReceiver() { stop(); }

void InboxReceiver::start() {
  impl_->router.set(zmq::sockopt::linger, 0);
  impl_->router.set(zmq::sockopt::rcvhwm, 100000);
  try {
    impl_->router.bind(impl_->endpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("zmq: cannot bind " + impl_->endpoint + ": " + e.what());
  }
  impl_->done_pull.bind(impl_->done_endpoint);
  impl_->done_push.set(zmq::sockopt::linger, 0);
  impl_->done_push.connect(impl_->done_endpoint);
  impl_->running = true;
  for (int i = 0; i < impl_->workers; ++i) impl_->pool.emplace_back([this] { impl_->work(); });
  impl_->thread = std::thread([this] { impl_->run(); });
}

void InboxReceiver::stop() {
  impl_->running = false;
  impl_->jobs_cv.notify_all();
  for (auto& t : impl_->pool)
    if (t.joinable()) t.join();
  impl_->pool.clear();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace piket::common
