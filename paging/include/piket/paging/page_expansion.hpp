#pragma once
// A page's expansion: its deliveries, one per contact rule of its person, and
// the plan of the page as expanded (every channel scheduled), as the scripts
// that expand take them (store/lua/lib/notify_expand_page.lua). Made by
// dispatch for the page its commit creates (the expansion is part of that
// commit) and by notify for every other page it is told of; and the plan of a
// page as loaded, for notify's timers. Pure: the caller runs the scripts.

#include <string>

#include "piket/common/clock.hpp"
#include "piket/paging/delivery_plan.hpp"
#include "piket/rota/directory.hpp"
#include "piket/store/delivery_scripts.hpp"

namespace piket::paging {

// The clocks and the setting a plan's arguments are made with.
struct PlanTimes {
  common::Instant domain_now{};
  common::Instant transport_now{};
  common::Millis outbox_resend_after{0};  // when the escalation outbox first sends, after now
};

// A page's plan and the apply script's arguments.
struct PlannedPage {
  store::NotifyPageLoad loaded;  // the page the plan was made on
  DeliveryPlan plan;
  store::NotifyApplyArgs args;
};

// The plan of a page as notify_page_load read it.
PlannedPage plan_loaded(const std::string& page_id, store::NotifyPageLoad loaded,
                        const PlanTimes& times);

// The deliveries of `person_id`'s page `page_id`: one per contact rule of
// `person` (none, or no rules: one SMS at once), the push stream's key or the
// e-mail address as each one's address. No plan yet.
store::NotifyExpandArgs expansion_args(const std::string& page_id, const std::string& person_id,
                                       const rota::PersonConfig* person,
                                       common::Instant domain_now);

// `args` with the plan the page will have once expanded by them (every channel
// scheduled, at store::kNotifyExpandedRev), made on the page's created_at and
// info, for the script to apply in the same step; returns that plan.
PlannedPage attach_plan(store::NotifyExpandArgs& args, long long created_at_ms, bool informational,
                        const PlanTimes& times);

// The expansion, with its plan, of a page its producer has just made (created
// now, asking for an answer): what dispatch's commit and an escalation step
// pass to lib/notify_expand_page.lua.
store::NotifyExpandArgs new_page_expansion(const std::string& page_id, const std::string& person_id,
                                           const rota::PersonConfig* person,
                                           const PlanTimes& times);

}  // namespace piket::paging
