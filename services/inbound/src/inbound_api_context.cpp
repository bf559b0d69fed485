#include "inbound_api_context.hpp"

#include <spdlog/spdlog.h>

#include <boost/url/parse_query.hpp>

#include "piket/common/crypto.hpp"

namespace piket::inbound::api {

InboundContext::InboundContext(const InboundConfig& cfg, InboundDeps d,
                               const common::Clock& domain_clock, common::Metrics& m,
                               const common::Clock* transport, InboundApi::OnEscalation escalate)
    : config(cfg),
      deps(std::move(d)),
      clock(domain_clock),
      transport_clock(transport ? *transport : domain_clock),
      metrics(m),
      ready(common::redis_readiness(deps.redis)),
      auth(deps.tokens),
      redis(deps.redis),
      on_escalation(std::move(escalate)),
      callback_secret_hash(deps.callback_secret.empty() ? std::string()
                                                        : common::sha256_hex(deps.callback_secret)),
      dlr_recorded(m.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                             {{"outcome", "recorded"}})),
      dlr_duplicate(m.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                              {{"outcome", "duplicate"}})),
      dlr_unknown(m.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                            {{"outcome", "unknown_page"}})),
      dlr_failed(m.counter("piket_inbound_delivery_failures_total",
                           "Delivery reports that failed an SMS (types 2 and 16)")),
      acks(
          m.counter("piket_inbound_acks_total", "Acknowledgements", {{"outcome", "acknowledged"}})),
      ack_refused(
          m.counter("piket_inbound_acks_total", "Acknowledgements", {{"outcome", "refused"}})),
      declines(m.counter("piket_inbound_declines_total", "Pages declined")),
      api_unauthorized(m.counter("piket_inbound_api_unauthorized_total",
                                 "Staff API requests without a valid token")),
      sms_callback_refused(m.counter("piket_inbound_callbacks_refused_total",
                                     "Kannel callbacks without the right secret (401)",
                                     {{"callback", "sms"}})),
      dlr_callback_refused(m.counter("piket_inbound_callbacks_refused_total",
                                     "Kannel callbacks without the right secret (401)",
                                     {{"callback", "dlr"}})),
      dlr_suspicious(m.counter("piket_inbound_delivery_reports_suspicious_total",
                               "Delivery reports contradicting an earlier final report (ignored)")),
      wrong_codes(m.counter("piket_inbound_reply_codes_wrong_total",
                            "SMS answers from staff numbers with a wrong, used or expired code")),
      lockouts(m.counter("piket_inbound_reply_code_lockouts_total",
                         "Numbers locked out after too many wrong reply codes")),
      locked_refused(m.counter("piket_inbound_sms_locked_total",
                               "SMS answers refused because the number is locked out")),
      family(m),
      dlr_writes(m.counter("piket_inbound_delivery_report_writes_total",
                           "Script calls that recorded delivery reports (several per call under "
                           "load: group commit)")),
      reports([this](const std::vector<DlrReport>& batch) {
        std::lock_guard lock(mutex);
        dlr_writes.Increment();
        return write_reports(redis, batch, clock.now());
      }) {
  for (const auto& p : deps.people) {
    person_by_phone[p.phone] = p.id;
    language_by_person[p.id] = i18n::language_for(deps.language, p.language);
  }
}

std::map<std::string, std::string> query_params(const HttpRequest& r) {
  std::map<std::string, std::string> out;
  auto q = boost::urls::parse_query(r.query);
  if (!q) return out;
  for (auto p : *q) {
    if (out.size() > 16) break;
    out[p.key.decode()] = p.value.decode();
  }
  return out;
}

bool callback_authentic(const InboundContext& c, const std::map<std::string, std::string>& params) {
  const auto it = params.find("key");
  if (c.callback_secret_hash.empty() || it == params.end()) return false;
  return common::constant_time_equal(common::sha256_hex(it->second), c.callback_secret_hash);
}

PageAnswerOutcome answer(InboundContext& c, const PageAnswerRequest& req) {
  PageAnswerOutcome o;
  {
    std::lock_guard lock(c.mutex);
    // The escalation message of a decline is due at once: if the wake
    // below is lost (a crash), the outbox sweep sends it within 200 ms.
    o = answer_page(c.redis, req, c.clock.now(), c.transport_clock.now(), c.deps.push_stream_maxlen,
                    {c.config.code_max_failures, c.config.code_lock});
    // Durable answers ([redis] min_replicas, docs/availability.md): the
    // answer is confirmed only once replicas have it. A repeated answer
    // waits for this connection's last write.
    using K = PageAnswerOutcome::Kind;
    const bool recorded = o.kind == K::acknowledged || o.kind == K::declined ||
                          o.kind == K::already_acknowledged || o.kind == K::already_declined;
    if (recorded && !c.redis.wait_replicated())
      throw common::RedisNotReplicatedError("the answer to page " + o.page_id +
                                            " is not yet on enough replicas");
  }
  if (o.kind == PageAnswerOutcome::Kind::declined && c.on_escalation &&
      !o.escalation_payload.empty())
    c.on_escalation(o.page_id + ":declined", o.escalation_payload);
  return o;
}

void count(InboundContext& c, const PageAnswerOutcome& o) {
  using K = PageAnswerOutcome::Kind;
  if (o.kind == K::acknowledged)
    c.acks.Increment();
  else if (o.kind == K::declined)
    c.declines.Increment();
  else if (o.kind != K::already_acknowledged && o.kind != K::already_declined &&
           o.kind != K::taken_by_other)
    c.ack_refused.Increment();
}

HttpResponse text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

}  // namespace piket::inbound::api
