#pragma once
// The text of every page piket sends. Built only from typed, pattern-checked
// values — a case code, an incident kind, a region id, a time, an
// acknowledgement code — so no name, phone number, household key, address or
// free text can reach a message: there is no parameter to put one in.
// The result always fits one 160-character GSM-7 SMS segment, in Dutch and in
// English (i18n/<lang>/piket.po): the region is left out when it would not fit.

#include <functional>
#include <optional>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/records.hpp"
#include "piket/i18n/language.hpp"
#include "piket/paging/gsm7.hpp"
#include "piket/paging/page_class.hpp"

namespace piket::paging {

// Why this page goes out: the first page for an incident, a later step of
// its escalation, or a re-page of an acknowledgement that had no first
// contact after it. Shown as a fixed word at the start of the SMS.
enum class PageReason { incident, escalated, no_first_contact };

struct PageContent {
  std::string case_code;  // ^C[0-9A-Z]{8}$
  common::IncidentKind kind = common::IncidentKind::home_ban;
  std::string region;           // a configured region id ^[a-z0-9][a-z0-9_-]{0,63}$
  common::Instant reported_at;  // shown in Europe/Amsterdam local time
  std::string ack_code;         // paging::is_reply_code (6 digits)
  PageReason reason = PageReason::incident;
  // The recipient's (i18n::language_for): the text and its bundle line.
  i18n::Language language = i18n::kDefaultLanguage;
};

// Empty when any field breaks its pattern (the page is then not sent, and the
// caller records a failure): a malformed value is never rendered.
std::optional<std::string> render_page_sms(const PageContent& content);

// The e-mail for a page (the fallback channel): the same content as the SMS —
// kind, case code, region, the time, how to acknowledge — in a fixed frame,
// nothing else. `sms_number` is the number replies go to (kannel.sender,
// ^[+]?[0-9A-Za-z]{1,16}$). Empty when any field breaks its pattern.
struct PageEmail {
  std::string subject;
  std::string body;  // plain text, lines end in CRLF
};
std::optional<PageEmail> render_page_email(const PageContent& content, std::string_view sms_number);

// The notice to a family's own casemanager when an incident for their case
// went to someone else (they were not on duty): "piket INFO …". Same typed
// content as a page. Information (page_class.hpp): no reply code (`ack_code`
// is not used), it ends with "Geen antwoord nodig." (sms.no_reply).
std::optional<std::string> render_inform_sms(const PageContent& content);

// A page's line in a bundled SMS (sms_bundle.hpp) and its urgency: "CODE ROOD
// C12345678", "OPGESCHAALD HUISVERBOD C…" (escalated), "GEEN CONTACT
// HUISVERBOD C…" (re-page). Empty when the case code breaks its pattern.
std::optional<PageTag> page_tag(const PageContent& content);
// The notice's line: "INFO HUISVERBOD C…", rank page_rank::kInformation.
std::optional<PageTag> inform_tag(const PageContent& content);

// The e-mail of a page that is information: its SMS text (already rendered
// from typed values) in a fixed frame that says no reply is needed.
PageEmail render_notice_email(std::string_view sms_text, i18n::Language language);

// An incident kind as every channel names it: "HUISVERBOD", "CODE ROOD".
std::string_view kind_label(common::IncidentKind kind, i18n::Language language);

// The SMS `render` makes from a region field: with " regio <region>"
// (sms.region) when that fits one segment, else with none (the case code
// identifies the case; region ids may be 64 characters long). Empty when
// neither fits (gsm7.hpp).
std::optional<std::string> fit_with_region(
    i18n::Language language, std::string_view region,
    const std::function<std::string(const std::string& region_field)>& render);

}  // namespace piket::paging
