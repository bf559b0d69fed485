#include "piket/push/retry_store.hpp"

#include <boost/json.hpp>

#include "piket/common/crypto.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/webpush.hpp"

namespace piket::push {
namespace {

namespace json = boost::json;

// KEYS, ARGV and reply: store/lua/notify/notify_webpush_retry_put.lua.
const common::RedisScript& put_script() {
  static const common::RedisScript s{std::string(lua::notify_webpush_retry_put())};
  return s;
}

// The outboxes' lease (the same protocol: a due zset and a data hash).
// KEYS, ARGV and reply: store/lua/common/outbox_claim_due.lua.
const common::RedisScript& claim_script() {
  static const common::RedisScript s{std::string(lua::outbox_claim_due())};
  return s;
}

// KEYS, ARGV and reply: store/lua/notify/notify_webpush_retry_done.lua.
const common::RedisScript& done_script() {
  static const common::RedisScript s{std::string(lua::notify_webpush_retry_done())};
  return s;
}

std::vector<std::string> job_keys(const std::string& person, const std::string& subscription) {
  return {std::string(store::kWebpushRetryDue), std::string(store::kWebpushRetryData),
          store::webpush_retries_key(person, subscription)};
}

}  // namespace

std::string RetryJob::id() const {
  return subscription + ":" + common::sha256_hex(person + "\n" + message.payload).substr(0, 16);
}

std::string RetryJob::to_json() const {
  return json::serialize(json::object{{"person", person},
                                      {"subscription", subscription},
                                      {"payload", message.payload},
                                      {"ttl_s", message.ttl.count()},
                                      {"urgent", message.urgent},
                                      {"attempt", attempt}});
}

std::optional<RetryJob> RetryJob::from_json(std::string_view text) {
  boost::system::error_code ec;
  const auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const auto* person = o.if_contains("person");
  const auto* sub = o.if_contains("subscription");
  const auto* payload = o.if_contains("payload");
  const auto* ttl = o.if_contains("ttl_s");
  const auto* urgent = o.if_contains("urgent");
  const auto* attempt = o.if_contains("attempt");
  if (!person || !person->is_string() || !sub || !sub->is_string() || !payload ||
      !payload->is_string() || !ttl || !ttl->is_int64() || !urgent || !urgent->is_bool() ||
      !attempt || !attempt->is_int64())
    return std::nullopt;
  return RetryJob{std::string(person->get_string()),
                  std::string(sub->get_string()),
                  {std::string(payload->get_string()), std::chrono::seconds(ttl->get_int64()),
                   urgent->get_bool()},
                  static_cast<int>(attempt->get_int64())};
}

bool RetryStore::put(const RetryJob& job, common::Instant due, const Limits& limits) {
  return redis_
             .eval(put_script(), job_keys(job.person, job.subscription),
                   {job.id(), job.to_json(), std::to_string(common::to_epoch_ms(due)),
                    std::to_string(limits.per_subscription), std::to_string(limits.total)})
             .integer != 0;
}

RetryStore::Claimed RetryStore::claim(common::Instant now, std::size_t most,
                                      common::Instant lease_until) {
  const std::string due(store::kWebpushRetryDue);
  const auto r =
      redis_.eval(claim_script(), {due, std::string(store::kWebpushRetryData)},
                  {std::to_string(common::to_epoch_ms(now)),
                   std::to_string(common::to_epoch_ms(lease_until)), std::to_string(most)});
  Claimed out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    if (auto job = RetryJob::from_json(r.elements[i + 1].str)) {
      out.jobs.push_back(std::move(*job));
      continue;
    }
    // Damaged: its person and subscription are not known, so its set keeps
    // the id until that subscription is gone; the job itself goes.
    redis_.eval(done_script(), job_keys("", ""), {r.elements[i].str});
  }
  const auto first = redis_.command({"ZRANGE", due, "0", "0", "WITHSCORES"});
  if (first.elements.size() == 2)
    out.next = common::from_epoch_ms(std::stoll(first.elements[1].str));
  return out;
}

void RetryStore::done(const RetryJob& job) {
  redis_.eval(done_script(), job_keys(job.person, job.subscription), {job.id()});
}

void RetryStore::drop_subscription(const std::string& person, const std::string& subscription) {
  redis_.eval(done_script(), job_keys(person, subscription), {"*"});
}

}  // namespace piket::push
