#pragma once
// Channel fallback as a pure function of a page's deliveries and the time.
//
// A page to a person becomes one delivery per channel of the person's contact
// rules (push, sms, email, in order, each with an `after` delay). Delivery i
// starts when
//   - `after_i` has passed since the page was created without an answer, or
//   - the delivery before it (suppressed duplicates skipped) failed for good:
//     a permanent failure, the gateway down past its retries, a failed
//     delivery report.
// An answered page (acknowledged or declined) cancels what has not gone out.
// A page that is information (paging/page_class.hpp) waits for no answer:
// its first channel starts at once and the next one only when the one before
// it failed for good — never for want of an answer.
// The caller loads the state, applies the plan atomically and wakes up again
// at `next_wakeup` (domain time).

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/rota/directory.hpp"

namespace piket::paging {

enum class DeliveryState {
  scheduled,   // waiting for its turn
  queued,      // due: in notify:queue
  sending,     // claimed by a worker (leased)
  retry,       // temporary failure, waiting for the next attempt
  accepted,    // the gateway (or the push stream) took it
  failed,      // for good
  cancelled,   // the page was answered before it went out
  suppressed,  // a duplicate of (case, step, person, channel) paged before
};
std::optional<DeliveryState> parse_delivery_state(std::string_view s);
std::string_view to_string(DeliveryState s);

enum class PageAnswer { none, acknowledged, declined };

struct DeliveryView {
  rota::ContactChannel channel = rota::ContactChannel::sms;
  common::Millis after{0};
  DeliveryState state = DeliveryState::scheduled;
};

struct PageView {
  common::Instant created_at{};
  PageAnswer answer = PageAnswer::none;
  std::vector<DeliveryView> deliveries;  // in contact-rule order
  bool informational = false;            // page `info` = 1: nothing to answer
};

enum class StartReason {
  at_once,           // its rule says after = 0
  not_acknowledged,  // its `after` passed without an answer
  previous_failed,   // the channel before it failed for good
};
std::string_view to_string(StartReason r);

struct DeliveryStart {
  std::size_t index = 0;
  StartReason reason = StartReason::at_once;
  std::optional<std::size_t> previous;  // the delivery it follows, if any
};

struct DeliveryPlan {
  std::vector<DeliveryStart> start;  // scheduled -> queued
  std::vector<std::size_t> cancel;   // scheduled/queued/retry -> cancelled
  std::optional<common::Instant> next_wakeup;
  // Every delivery ended failed (or suppressed) and at least one failed:
  // nobody can be reached on this page.
  bool exhausted = false;
  // Every delivery was suppressed: the whole page duplicates an earlier one.
  bool duplicate = false;
};

DeliveryPlan plan_deliveries(const PageView& page, common::Instant now);

}  // namespace piket::paging
