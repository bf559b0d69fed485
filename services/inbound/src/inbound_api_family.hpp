#pragma once
// The family path of /kannel/sms (issue 18; internal to piket_inbound): an SMS
// from a number that is not staff's and holds no reply code. Stored inside the
// family's open cases and answered by an SMS of its own, in one script
// (store/lua/inbound/inbound_family_message.lua); the answer is the same text
// for every number piket does not route (piket/inbound/family_sms.hpp). The
// HTTP response to Kannel is empty. Neither the text nor the number is logged.

#include <prometheus/counter.h>

#include <string_view>

#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"

namespace piket::inbound::api {

struct InboundContext;

// piket_inbound_family_messages_total{outcome}: stored, unknown (no open case
// has the number; not routed), limited (over the number's rate), urgent (of
// the stored: marked urgent), repeat (Kannel's retry of a stored one);
// piket_inbound_family_replies_total{outcome}: sent, suppressed (over the
// answers' rate).
struct FamilyCounters {
  explicit FamilyCounters(common::Metrics& m);
  prometheus::Counter& stored;
  prometheus::Counter& unknown;
  prometheus::Counter& limited;
  prometheus::Counter& urgent;
  prometheus::Counter& repeated;
  prometheus::Counter& replies_sent;
  prometheus::Counter& replies_suppressed;
};

common::HttpResponse family_sms(InboundContext& c, std::string_view from, std::string_view body);

}  // namespace piket::inbound::api
