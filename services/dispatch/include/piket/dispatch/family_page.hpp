#pragma once
// A family's message (issue 18) as paging handles it, without I/O: the
// policy's deadline, the next routing step (a pure function of the route's
// state and the time, as the deadline engine's evaluate()), and the page's
// text. The page says only that there is a message for case C… and how
// urgent — "piket BERICHT GEZIN zaak C… dringend" — and how to acknowledge;
// the message itself is read in the app. The FamilyRouter
// (family_router.hpp) does the I/O.
//
// Routing: the case's casemanager when on duty and not absent, else the
// region's on-call casemanager (primary, then backup), else the team lead;
// the team lead when nobody acknowledged by the deadline: urgent within
// `urgent` (1 hour), otherwise by the next `morning_hour` (09:00
// Europe/Amsterdam), never later than `longest` (24 hours) after the message.

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/dispatch/family_config.hpp"
#include "piket/i18n/language.hpp"
#include "piket/paging/page_class.hpp"

namespace piket::dispatch {

// When the team lead is paged if nobody acknowledged a message sent at `at`.
common::Instant family_deadline(common::Instant at, bool urgent, const FamilyPolicy& policy);

// What the router knows of one message (family:route:{case}:{message} and its pages).
struct FamilyRoute {
  common::Instant at;  // the message arrived
  bool urgent = false;
  bool paged = false;  // the first step was taken (whether or not anybody could be paged)
  std::optional<common::Instant> deadline;     // set with the first step
  std::optional<common::Instant> escalated;    // the team lead's step was taken
  std::optional<std::string> acknowledged_by;  // a page of it was acknowledged by …
  common::Instant acknowledged_at;
  // The first page was declined or could not be delivered: the team lead now.
  bool first_refused = false;
};

enum class FamilyAction { page, team_lead, acknowledged, unanswered, later };
std::string_view to_string(FamilyAction a);

struct FamilyStep {
  FamilyAction action = FamilyAction::later;
  std::optional<common::Instant> next;  // none: the routing is over
};

FamilyStep next_family_step(const FamilyRoute& route, common::Instant now,
                            const FamilyPolicy& policy);

// The SMS of the page ("page.family", "page.family_urgent", and the team
// lead's "page.family_unanswered*" in i18n/<lang>/piket.po), one GSM-7
// segment; empty when the case code or the reply code breaks its pattern.
std::optional<std::string> render_family_page(std::string_view case_code, bool urgent,
                                              bool team_lead, std::string_view reply_code,
                                              i18n::Language language);
// Its line in a bundled SMS ("BERICHT GEZIN C…", "BERICHT GEZIN DRINGEND C…")
// and its rank: urgent as a deadline escalation, otherwise as a reminder.
paging::PageTag family_tag(std::string_view case_code, bool urgent, i18n::Language language);

// The answer to the number that wrote once a casemanager acknowledged the
// message ("family.reply.received": "Ontvangen, we nemen contact met u op…"),
// one GSM-7 segment, names nobody.
std::string family_received_text(i18n::Language language);

}  // namespace piket::dispatch
