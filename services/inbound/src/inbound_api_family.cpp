#include "inbound_api_family.hpp"

#include <spdlog/spdlog.h>

#include "inbound_api_context.hpp"
#include "piket/common/phone_number.hpp"
#include "piket/inbound/family_sms.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/lua.hpp"

namespace piket::inbound::api {
namespace {

const common::RedisScript& script() {
  static const common::RedisScript s{std::string(lua::inbound_family_message())};
  return s;
}

prometheus::Counter& family_counter(common::Metrics& m, const char* outcome) {
  return m.counter("piket_inbound_family_messages_total",
                   "SMS from numbers that are not staff's, without a reply code (issue 18)",
                   {{"outcome", outcome}});
}

}  // namespace

FamilyCounters::FamilyCounters(common::Metrics& m)
    : stored(family_counter(m, "stored")),
      unknown(family_counter(m, "unknown")),
      limited(family_counter(m, "limited")),
      urgent(family_counter(m, "urgent")) {}

HttpResponse family_sms(InboundContext& c, std::string_view from, std::string_view body) {
  const auto sms = read_family_sms(body);
  const auto number = common::normalise_phone(from);
  store::FamilyMessageReply reply;
  if (number && (!sms.text.empty() || sms.urgent)) {
    store::FamilyMessageArgs a;
    a.phone_hash = common::phone_key_hash(*number);
    a.now_ms = common::to_epoch_ms(c.clock.now());
    a.text = sms.text;
    a.urgent = sms.urgent;
    a.rate_max = kFamilyRateMax;
    a.rate_window_ms = kFamilyRateWindowMs;
    a.case_max = kFamilyCaseMax;
    std::vector<std::string> r;
    {
      std::lock_guard lock(c.mutex);
      for (const auto& e : c.redis.eval(script(), {}, a.args()).elements) r.push_back(e.str);
    }
    if (auto parsed = store::FamilyMessageReply::parse(r)) reply = std::move(*parsed);
  }
  using K = store::FamilyMessageReply::Kind;
  switch (reply.kind) {
    case K::unknown:
      c.family.unknown.Increment();
      spdlog::info("SMS without a reply code from a number of no open case: not routed");
      break;
    case K::limited:
      c.family.limited.Increment();
      spdlog::info("family SMS over its number's rate: not stored");
      break;
    case K::stored:
      c.family.stored.Increment();
      if (sms.urgent) c.family.urgent.Increment();
      for (const auto& s : reply.stored)
        spdlog::info("family message {} stored in case {}{}", s.message_id, s.case_id,
                     sms.urgent ? " (urgent)" : "");
      break;
  }
  return text(200, family_reply_text(family_reply_for(reply), c.deps.language));
}

}  // namespace piket::inbound::api
