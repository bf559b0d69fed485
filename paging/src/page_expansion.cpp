#include "piket/paging/page_expansion.hpp"

#include <utility>

#include "piket/store/delivery.hpp"

namespace piket::paging {

PlannedPage plan_loaded(const std::string& page_id, store::NotifyPageLoad loaded,
                        const PlanTimes& times) {
  PlannedPage p{std::move(loaded), {}, {}};
  PageView view;
  view.created_at = common::from_epoch_ms(p.loaded.created_at_ms);
  view.informational = p.loaded.informational;
  if (p.loaded.state == "acknowledged") view.answer = PageAnswer::acknowledged;
  if (p.loaded.state == "declined") view.answer = PageAnswer::declined;
  const auto& channels = p.loaded.channels;
  for (std::size_t k = 0; k < channels.size(); ++k) {
    DeliveryView d;
    d.channel = rota::parse_contact_channel(channels[k]).value_or(rota::ContactChannel::sms);
    d.state = parse_delivery_state(p.loaded.deliveries[k].state).value_or(DeliveryState::failed);
    d.after = common::Millis{p.loaded.deliveries[k].after_ms};
    view.deliveries.push_back(d);
  }
  p.plan = plan_deliveries(view, times.domain_now);
  const auto& plan = p.plan;
  auto& args = p.args;
  args.page_id = page_id;
  args.rev = p.loaded.rev;
  args.domain_now_ms = common::to_epoch_ms(times.domain_now);
  args.transport_now_ms = common::to_epoch_ms(times.transport_now);
  if (plan.next_wakeup) args.next_wakeup_ms = common::to_epoch_ms(*plan.next_wakeup);
  args.outcome = plan.exhausted   ? store::NotifyPlanOutcome::exhausted
                 : plan.duplicate ? store::NotifyPlanOutcome::duplicate
                                  : store::NotifyPlanOutcome::none;
  args.outbox_due_ms = args.transport_now_ms + times.outbox_resend_after.count();
  for (const auto& st : plan.start) {
    store::NotifyApplyStart start{channels[st.index], std::string(to_string(st.reason)), {}};
    if (st.previous) start.previous = channels[*st.previous];
    args.start.push_back(std::move(start));
  }
  for (auto c : plan.cancel) args.cancel.push_back(channels[c]);
  return p;
}

store::NotifyExpandArgs expansion_args(const std::string& page_id, const std::string& person_id,
                                       const rota::PersonConfig* person,
                                       common::Instant domain_now) {
  store::NotifyExpandArgs args{page_id, common::to_epoch_ms(domain_now), {}};
  args.person = person_id;  // the script expands nothing of a page of another person
  std::vector<rota::ContactRule> rules{{rota::ContactChannel::sms, common::Millis{0}}};
  if (person && !person->contact.empty()) rules = person->contact;
  for (const auto& rule : rules) {
    std::string address;
    switch (rule.channel) {
      case rota::ContactChannel::sms:
        break;  // the page's number
      case rota::ContactChannel::push:
        address = store::push_key(person_id);
        break;
      case rota::ContactChannel::email:
        address = person ? person->email : "";
        break;
    }
    args.rules.push_back(
        {std::string(rota::to_string(rule.channel)), rule.after.count(), std::move(address)});
  }
  return args;
}

namespace {

// The plan the page will have once expanded by `args` (every channel scheduled, at
// store::kNotifyExpandedRev), made on the page's created_at and info.
PlannedPage plan_expanded(const store::NotifyExpandArgs& args, long long created_at_ms,
                          bool informational, const PlanTimes& times) {
  store::NotifyPageLoad page;
  page.state = "queued";
  page.created_at_ms = created_at_ms;
  page.rev = store::kNotifyExpandedRev;
  page.informational = informational;
  for (const auto& rule : args.rules) {
    page.channels.push_back(rule.channel);
    page.deliveries.push_back({std::string(to_string(DeliveryState::scheduled)), rule.after_ms});
  }
  return plan_loaded(args.page_id, std::move(page), times);
}

}  // namespace

PlannedPage attach_plan(store::NotifyExpandArgs& args, long long created_at_ms, bool informational,
                        const PlanTimes& times) {
  auto planned = plan_expanded(args, created_at_ms, informational, times);
  args.plan = store::NotifyExpandPlan{created_at_ms, informational, planned.args};
  return planned;
}

store::NotifyExpandArgs new_page_expansion(const std::string& page_id, const std::string& person_id,
                                           const rota::PersonConfig* person,
                                           const PlanTimes& times) {
  auto args = expansion_args(page_id, person_id, person, times.domain_now);
  attach_plan(args, common::to_epoch_ms(times.domain_now), /*informational=*/false, times);
  return args;
}

}  // namespace piket::paging
