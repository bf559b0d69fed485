#pragma once
// The text of reminder and escalation pages from the deadline engine. Like
// render_page_sms (page_text.hpp) it is built only from typed, pattern-checked
// values — a case code, which clock, how urgent, a region id, a time and a
// reply code — so no name, phone number, household key, address or free text
// can reach a message. Times are shown in Europe/Amsterdam ("dd-mm HH:MM").
// The result always fits one 160-character GSM-7 SMS segment in Dutch and in
// English (the texts: deadline.* in i18n/<lang>/piket.po; the region is left
// out when it would not fit):
//
//   piket PLAN VAN AANPAK UITERLIJK 22-11 20:03 zaak C12345678 regio groningen.
//     Antwoord 047113 om aan te nemen.
//   piket OPGESCHAALD PLAN VAN AANPAK TE LAAT sinds 23-11 02:03 zaak C12345678 …
//   piket ESCALATED PLAN OVERDUE since 23-11 02:03 case C12345678 region groningen. Reply …

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/i18n/language.hpp"
#include "piket/paging/page_class.hpp"

namespace piket::paging {

enum class DeadlineClock {
  first_contact,
  plan,          // the 12-hour plan of action
  ban_decision,  // decide on extending the home ban before it ends
  ban_end,       // the home ban ends
  handover,
  checkin,  // no recorded activity within the cadence (stall)
  evaluation,
  closing,
  reassignment,  // the casemanager is absent: the team lead must reassign
  agreement,     // an agreement with a chain partner or the family is overdue
  // A track of the case not seen in time (the role only, never a person).
  track_perpetrator,
  track_victim,
  track_children,
  track_other,  // another person of the family (the incident's role "other")
};
std::string_view to_string(DeadlineClock c);
// The clock as people read it: "PLAN VAN AANPAK", "EERSTE CONTACT".
std::string_view clock_label(DeadlineClock c, i18n::Language language);

enum class DeadlineStage {
  due,         // before the deadline: a warning or reminder
  overdue,     // at or after it, to the casemanager
  escalation,  // to the team lead
  unanswered,  // to the team lead: a reminder to the casemanager was not acknowledged
};
std::string_view to_string(DeadlineStage s);

struct DeadlinePageContent {
  std::string case_code;  // ^C[0-9A-Z]{8}$
  DeadlineClock clock = DeadlineClock::plan;
  DeadlineStage stage = DeadlineStage::due;
  std::string region;  // ^[a-z0-9][a-z0-9_-]{0,63}$
  common::Instant at;  // the clock's time: when it is (or was) due
  // paging::is_reply_code (6 digits); empty for a page that is information
  // (page_class.hpp: the ban ended), whose text then ends with
  // "Geen antwoord nodig." (sms.no_reply) instead of the reply code.
  std::string ack_code;
  // The recipient's (i18n::language_for).
  i18n::Language language = i18n::kDefaultLanguage;
};

// Empty when a field breaks its pattern or the text would not fit one
// GSM-7 segment: a malformed value is never rendered.
std::optional<std::string> render_deadline_sms(const DeadlinePageContent& content);

// The page's line in a bundled SMS and its urgency: "OPGESCHAALD PLAN VAN
// AANPAK TE LAAT C12345678", "BESLUIT VERLENGING NODIG C…", "HUISVERBOD
// AFGELOPEN C…". Empty when the case code breaks its pattern.
std::optional<PageTag> deadline_tag(const DeadlinePageContent& content);

// "22-11 20:03": day, month, hour and minute on the Amsterdam wall clock.
std::string format_amsterdam_short(common::Instant t);

}  // namespace piket::paging
