#include "piket/inbound/inbound_api.hpp"

#include <boost/url/parse_query.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <regex>

#include "piket/common/ops_endpoints.hpp"
#include "piket/common/redis.hpp"

namespace piket::inbound {
namespace {

// ARGV: 1 page, 2 type, 3 domain now ms
const common::RedisScript kDlr{R"lua(
local p = 'page:' .. ARGV[1]
if redis.call('EXISTS', p) == 0 then return 'unknown' end
redis.call('RPUSH', p .. ':dlr', ARGV[2] .. ':' .. ARGV[3])
if redis.call('SADD', p .. ':dlr_types', ARGV[2]) == 0 then return 'duplicate' end
redis.call('HSET', p, 'dlr_type', ARGV[2], 'dlr_at', ARGV[3])
local t = tonumber(ARGV[2])
if t == 1 then redis.call('HSET', p, 'delivered_at', ARGV[3]) end
if t == 2 or t == 16 then redis.call('HSET', p, 'delivery_failed_at', ARGV[3]) end
local case = redis.call('HGET', p, 'case')
if case then
  redis.call('RPUSH', 'case:' .. case .. ':timeline', cjson.encode({at = tonumber(ARGV[3]),
    type = 'delivery_report', page = ARGV[1], report = t, by = 'gateway'}))
end
return 'recorded'
)lua"};

// ARGV: 1 person, 2 code, 3 domain now ms
const common::RedisScript kAck{R"lua(
local page = redis.call('GET', 'ackcode:' .. ARGV[1] .. ':' .. ARGV[2])
if not page then return {'unknown_code'} end
local p = 'page:' .. page
local f = redis.call('HMGET', p, 'person', 'case', 'incident', 'acknowledged_at')
if f[1] ~= ARGV[1] then return {'not_yours'} end
if f[4] then return {'already', f[2]} end
redis.call('HSET', p, 'acknowledged_at', ARGV[3], 'acknowledged_via', 'sms')
local inc = 'incident:' .. f[3]
local st = redis.call('HGET', inc, 'status')
if st == 'dispatched' or st == 'escalated' then
  redis.call('HSET', inc, 'status', 'acknowledged', 'acknowledged_at', ARGV[3])
end
redis.call('RPUSH', 'case:' .. f[2] .. ':timeline', cjson.encode({at = tonumber(ARGV[3]),
  type = 'acknowledged', page = page, incident = f[3], person = ARGV[1], via = 'sms'}))
return {'acknowledged', f[2]}
)lua"};

const std::regex kPageId{"^P[0-9A-Z]{16}$"};

common::HttpResponse text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

}  // namespace

std::optional<std::string> find_ack_code(std::string_view t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) continue;
    std::size_t j = i;
    while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
    if (j - i == 5) return std::string(t.substr(i, 5));
    i = j;
  }
  return std::nullopt;
}

struct InboundApi::Impl {
  const common::Config& config;
  const common::Clock& clock;
  common::Metrics& metrics;
  std::function<bool()> healthy;
  std::map<std::string, std::string> person_by_phone;
  std::mutex mutex;
  common::RedisConnection redis;
  prometheus::Counter& dlr_recorded;
  prometheus::Counter& dlr_duplicate;
  prometheus::Counter& dlr_unknown;
  prometheus::Counter& acks;
  prometheus::Counter& ack_refused;

  std::map<std::string, std::string> params(const common::HttpRequest& r) {
    std::map<std::string, std::string> out;
    auto q = boost::urls::parse_query(r.query);
    if (!q) return out;
    for (auto p : *q) {
      if (out.size() > 16) break;
      out[p.key.decode()] = p.value.decode();
    }
    return out;
  }

  common::HttpResponse dlr(const common::HttpRequest& r) {
    auto p = params(r);
    const auto& page = p["page"];
    const auto& type = p["type"];
    if (!std::regex_match(page, kPageId))
      return common::error_response(400, "invalid_page", "page must be a page id", "page");
    int t = -1;
    if (type.size() >= 1 && type.size() <= 3 && std::all_of(type.begin(), type.end(), ::isdigit))
      t = std::stoi(type);
    if (t < 0 || t > 255)
      return common::error_response(400, "invalid_type", "type must be 0-255", "type");
    std::lock_guard lock(mutex);
    auto res = redis.eval(kDlr, {}, {page, std::to_string(t),
                                     std::to_string(common::to_epoch_ms(clock.now()))});
    if (res.str == "recorded") {
      dlr_recorded.Increment();
      spdlog::info("delivery report {} for page {}", t, page);
    } else if (res.str == "duplicate") {
      dlr_duplicate.Increment();
      spdlog::info("duplicate delivery report {} for page {} counted", t, page);
    } else {
      dlr_unknown.Increment();
      spdlog::warn("delivery report for unknown page {}", page);
    }
    return text(200, "ok");
  }

  common::HttpResponse sms(const common::HttpRequest& r) {
    auto p = params(r);
    const auto& from = p["from"];
    const auto& body = p["text"];
    if (from.empty() || from.size() > 32 || body.size() > 1600)
      return common::error_response(400, "invalid_sms", "from (≤32) and text (≤1600) are required");
    const auto person = person_by_phone.find(from);
    if (person == person_by_phone.end()) {
      ack_refused.Increment();
      spdlog::info("incoming SMS from a number that is not on the rota refused");
      return text(200, "piket: this number is not registered.");
    }
    const auto code = find_ack_code(body);
    if (!code) {
      ack_refused.Increment();
      return text(200, "piket: no reply code found. Reply with the 5-digit code from the page.");
    }
    std::lock_guard lock(mutex);
    auto res = redis.eval(kAck, {}, {person->second, *code,
                                     std::to_string(common::to_epoch_ms(clock.now()))});
    const auto& what = res.elements.at(0).str;
    if (what == "acknowledged") {
      acks.Increment();
      spdlog::info("page acknowledged by {} via SMS for case {}", person->second,
                   res.elements.at(1).str);
      return text(200, "piket: acknowledged case " + res.elements.at(1).str + ".");
    }
    if (what == "already")
      return text(200, "piket: case " + res.elements.at(1).str + " was already acknowledged.");
    ack_refused.Increment();
    spdlog::info("SMS acknowledgement by {} refused: {}", person->second, what);
    return text(200, "piket: that code is not valid for you.");
  }
};

InboundApi::InboundApi(const common::Config& config, const common::Clock& domain_clock,
                       common::Metrics& metrics)
    : impl_(new Impl{config,
                     domain_clock,
                     metrics,
                     common::redis_health_check(config.redis),
                     {},
                     {},
                     common::RedisConnection(config.redis),
                     metrics.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                                     {{"outcome", "recorded"}}),
                     metrics.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                                     {{"outcome", "duplicate"}}),
                     metrics.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                                     {{"outcome", "unknown_page"}}),
                     metrics.counter("piket_inbound_acks_total", "SMS acknowledgements",
                                     {{"outcome", "acknowledged"}}),
                     metrics.counter("piket_inbound_acks_total", "SMS acknowledgements",
                                     {{"outcome", "refused"}})}) {
  for (const auto& p : config.people) impl_->person_by_phone[p.phone] = p.id;
}

InboundApi::~InboundApi() = default;

common::HttpResponse InboundApi::handle(const common::HttpRequest& r) {
  if (auto resp = common::ops_endpoints(r, impl_->metrics, impl_->healthy)) return *resp;
  try {
    if (r.path == "/kannel/dlr" && r.method == "GET") return impl_->dlr(r);
    if (r.path == "/kannel/sms" && r.method == "GET") return impl_->sms(r);
  } catch (const common::RedisError& e) {
    spdlog::warn("inbound: redis unavailable: {}", e.what());
    return common::error_response(503, "storage_unavailable", "try again");
  }
  return common::error_response(404, "not_found", "no such resource");
}

}  // namespace piket::inbound
