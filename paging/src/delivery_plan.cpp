#include "piket/paging/delivery_plan.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace piket::paging {
namespace {
constexpr std::array<std::pair<DeliveryState, std::string_view>, 8> kStates{{
    {DeliveryState::scheduled, "scheduled"},
    {DeliveryState::queued, "queued"},
    {DeliveryState::sending, "sending"},
    {DeliveryState::retry, "retry"},
    {DeliveryState::accepted, "accepted"},
    {DeliveryState::failed, "failed"},
    {DeliveryState::cancelled, "cancelled"},
    {DeliveryState::suppressed, "suppressed"},
}};
}  // namespace

std::optional<DeliveryState> parse_delivery_state(std::string_view s) {
  for (const auto& [state, name] : kStates)
    if (name == s) return state;
  return std::nullopt;
}

std::string_view to_string(DeliveryState s) {
  for (const auto& [state, name] : kStates)
    if (state == s) return name;
  return "scheduled";
}

std::string_view to_string(StartReason r) {
  switch (r) {
    case StartReason::at_once:
      return "at_once";
    case StartReason::not_acknowledged:
      return "not_acknowledged";
    case StartReason::previous_failed:
      return "previous_failed";
  }
  return "at_once";
}

DeliveryPlan plan_deliveries(const PageView& page, common::Instant now) {
  DeliveryPlan plan;
  const auto& ds = page.deliveries;
  if (page.answer != PageAnswer::none) {
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const auto s = ds[i].state;
      if (s == DeliveryState::scheduled || s == DeliveryState::queued || s == DeliveryState::retry)
        plan.cancel.push_back(i);
    }
    return plan;
  }

  std::optional<std::size_t> previous;  // last delivery before i that is not suppressed
  std::size_t failed = 0, suppressed = 0;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const auto& d = ds[i];
    if (d.state == DeliveryState::suppressed) {
      ++suppressed;
      continue;
    }
    if (d.state == DeliveryState::failed) ++failed;
    if (d.state == DeliveryState::scheduled && page.informational) {
      // Information: the first channel at once, the next only after a failure
      // (a later failed delivery report included); it stays scheduled
      // otherwise.
      if (!previous)
        plan.start.push_back({i, StartReason::at_once, previous});
      else if (ds[*previous].state == DeliveryState::failed)
        plan.start.push_back({i, StartReason::previous_failed, previous});
    } else if (d.state == DeliveryState::scheduled) {
      const auto due = page.created_at + d.after;
      if (now >= due) {
        plan.start.push_back(
            {i, d.after.count() == 0 ? StartReason::at_once : StartReason::not_acknowledged,
             previous});
      } else if (previous && ds[*previous].state == DeliveryState::failed) {
        plan.start.push_back({i, StartReason::previous_failed, previous});
      } else {
        plan.next_wakeup = plan.next_wakeup ? std::min(*plan.next_wakeup, due) : due;
      }
    }
    previous = i;
  }
  plan.duplicate = !ds.empty() && suppressed == ds.size();
  plan.exhausted = failed > 0 && failed + suppressed == ds.size();
  return plan;
}

}  // namespace piket::paging
