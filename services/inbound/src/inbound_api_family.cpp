#include "inbound_api_family.hpp"

#include <spdlog/spdlog.h>

#include "inbound_api_context.hpp"
#include "piket/common/phone_number.hpp"
#include "piket/inbound/family_sms.hpp"
#include "piket/paging/page_script.hpp"
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

prometheus::Counter& reply_counter(common::Metrics& m, const char* outcome) {
  return m.counter("piket_inbound_family_replies_total",
                   "Automatic answers to SMS from numbers that are not staff's (issue 18): sent "
                   "(queued for notify), or suppressed by the answers' rate",
                   {{"outcome", outcome}});
}

}  // namespace

FamilyCounters::FamilyCounters(common::Metrics& m)
    : stored(family_counter(m, "stored")),
      unknown(family_counter(m, "unknown")),
      limited(family_counter(m, "limited")),
      urgent(family_counter(m, "urgent")),
      repeated(family_counter(m, "repeat")),
      replies_sent(reply_counter(m, "sent")),
      replies_suppressed(reply_counter(m, "suppressed")) {}

HttpResponse family_sms(InboundContext& c, std::string_view from, std::string_view body) {
  const auto sms = read_family_sms(body);
  const auto number = common::normalise_phone(from);
  // Nothing to store or answer: no number to answer, or an empty text.
  if (!number || (sms.text.empty() && !sms.urgent)) return text(200, "");
  store::FamilyMessageArgs a;
  a.phone_hash = common::phone_key_hash(*number);
  a.now_ms = common::to_epoch_ms(c.clock.now());
  a.text = sms.text;
  a.urgent = sms.urgent;
  a.rate_max = kFamilyRateMax;
  a.rate_window_ms = kFamilyRateWindowMs;
  a.case_max = kFamilyCaseMax;
  a.number = *number;
  a.text_own = family_reply_text(FamilyReply::own, c.deps.language);
  a.text_duty = family_reply_text(FamilyReply::duty, c.deps.language);
  a.replies_max = kFamilyRepliesMax;
  a.unrouted_replies_max = kFamilyUnroutedRepliesMax;
  a.repeat_window_ms = kFamilyRepeatWindowMs;
  a.sender_ttl_ms = kFamilySenderTtlMs;
  std::optional<store::FamilyMessageReply> reply;
  for (int attempt = 0; attempt < 8; ++attempt) {
    a.reply_page_id = paging::new_page_id();
    // Due at once: inbound has no notify sender; the next sweep of one takes it.
    a.outbox_due_ms = common::to_epoch_ms(c.transport_clock.now());
    std::vector<std::string> r;
    {
      std::lock_guard lock(c.mutex);
      for (const auto& e : c.redis.eval(script(), {}, a.args()).elements) r.push_back(e.str);
    }
    reply = store::FamilyMessageReply::parse(r);
    if (!reply) throw std::runtime_error("unexpected reply from the family message script");
    if (reply->kind != store::FamilyMessageReply::Kind::collision) break;
  }
  using K = store::FamilyMessageReply::Kind;
  switch (reply->kind) {
    case K::unknown:
      c.family.unknown.Increment();
      spdlog::info("SMS without a reply code from a number of no open case: not routed");
      break;
    case K::limited:
      c.family.limited.Increment();
      spdlog::info("family SMS over its number's rate: not stored");
      break;
    case K::repeat:
      c.family.repeated.Increment();
      spdlog::info("family SMS repeated within {} s: stored before, not again",
                   kFamilyRepeatWindowMs / 1000);
      break;
    case K::stored:
      c.family.stored.Increment();
      if (sms.urgent) c.family.urgent.Increment();
      for (const auto& s : reply->stored)
        spdlog::info("family message {} stored in case {}{}", s.message_id, s.case_id,
                     sms.urgent ? " (urgent)" : "");
      break;
    case K::collision:
      throw std::runtime_error("no free page id for the family's answer");
  }
  using A = store::FamilyMessageReply::Answer;
  if (reply->answer == A::suppressed) {
    c.family.replies_suppressed.Increment();
    spdlog::info("family SMS: no answer sent, over the answers' rate");
  } else if (reply->answer != A::none) {
    c.family.replies_sent.Increment();
    spdlog::info("family SMS: answer page {} queued", a.reply_page_id);
  }
  // The answer goes as an SMS of its own (notify): Kannel sends nothing back
  // (its sms-service has max-messages 0), so the response carries nothing.
  return text(200, "");
}

}  // namespace piket::inbound::api
