#include "piket/paging/page_answer.hpp"

#include <string>

#include "piket/store/lua.hpp"
#include "piket/store/page.hpp"
#include "piket/store/page_answer.hpp"

namespace piket::paging {
namespace {

// store/lua/inbound/inbound_page_answer.lua (its header names its keys,
// arguments and reply; typed: piket/store/page_answer.hpp).
const common::RedisScript& script() {
  static const common::RedisScript s{std::string(lua::inbound_page_answer())};
  return s;
}

PageAnswerOutcome::Kind kind_of(const std::string& s) {
  using K = PageAnswerOutcome::Kind;
  if (s == "acknowledged") return K::acknowledged;
  if (s == "declined") return K::declined;
  if (s == "already_acknowledged") return K::already_acknowledged;
  if (s == "already_declined") return K::already_declined;
  if (s == "taken_by_other") return K::taken_by_other;
  if (s == "unknown_code") return K::unknown_code;
  if (s == "locked" || s == "locked_now") return K::locked;
  if (s == "not_yours") return K::not_yours;
  if (s == "informational") return K::informational;
  return K::unknown_page;
}

}  // namespace

std::string_view to_string(Answer a) {
  return a == Answer::acknowledge ? "acknowledge" : "decline";
}

std::string_view to_string(AnswerVia v) {
  switch (v) {
    case AnswerVia::sms:
      return "sms";
    case AnswerVia::api:
      return "api";
    case AnswerVia::web:
      return "web";
  }
  return "sms";
}

PageAnswerOutcome answer_page(common::RedisConnection& redis, const PageAnswerRequest& req,
                              common::Instant domain_now, common::Instant outbox_due,
                              int push_stream_maxlen, const CodeGuard& guard) {
  const store::PageAnswerArgs args{req.person,
                                   req.page_id,
                                   req.ack_code,
                                   std::string(to_string(req.answer)),
                                   std::string(to_string(req.via)),
                                   common::to_epoch_ms(domain_now),
                                   common::to_epoch_ms(outbox_due),
                                   push_stream_maxlen,
                                   req.via_ref,
                                   guard.max_failures,
                                   guard.lock.count(),
                                   req.number_key};
  std::vector<std::string> reply;
  for (const auto& e : redis.eval(script(), {}, args.argv()).elements) reply.push_back(e.str);
  PageAnswerOutcome out;
  if (reply.empty()) return out;
  const auto r = store::parse_page_answer_reply(reply);
  out.kind = kind_of(r.outcome);
  out.page_id = r.page_id;
  out.case_id = r.case_id;
  out.cancelled = r.cancelled;
  out.escalation_payload = r.escalation_payload;
  if (r.locked_until_ms) {
    out.newly_locked = r.outcome == "locked_now";
    out.locked_until = common::from_epoch_ms(*r.locked_until_ms);
  }
  return out;
}

std::vector<LockedNumber> locked_numbers(common::RedisConnection& redis,
                                         common::Instant domain_now) {
  const auto r =
      redis.command({"ZRANGEBYSCORE", store::kCodeguardLocked,
                     "(" + std::to_string(common::to_epoch_ms(domain_now)), "+inf", "WITHSCORES"});
  std::vector<LockedNumber> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out.push_back({r.elements[i].str, common::from_epoch_ms(std::stoll(r.elements[i + 1].str))});
  return out;
}

}  // namespace piket::paging
