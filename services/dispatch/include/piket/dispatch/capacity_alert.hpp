#pragma once
// The coverage problem of a full caseload cap: every on-call primary
// casemanager of a region is at their cap, so new cases go past the on-call
// layer (to the backup or the team lead). Dispatch notes it in
// `capacity:{region}` when it first sees it and pages the region's team lead
// once, in the same script as the incident's page; the board shows it; the
// first dispatch that finds an on-call casemanager under their cap again
// ends it (docs/paging.md, "Caseload cap").
//
// The SMS is a fixed template (capacity.sms in i18n/<lang>/piket.po, in the
// team lead's language) built from the region id, a time and the reply code
// only — one GSM-7 segment (the region is left out when it would not fit), no
// case or person data. ("cases" is avoided: the message scan treats any word
// of a posted household key as a leak.)

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/i18n/language.hpp"

namespace piket::dispatch {

// "piket CAPACITEIT regio groningen: alle casemanagers van piket vol sinds
// 22-11 14:03, nieuw werk slaat hen over. Antwoord 123456 om aan te nemen."
// Empty when the region id or reply code breaks its pattern.
std::optional<std::string> render_capacity_alert(std::string_view region, common::Instant since,
                                                 std::string_view ack_code,
                                                 i18n::Language language);

// The Redis key of a region's open coverage problem (a hash: since, page,
// person, past_on_call — incidents that went past the on-call layer —,
// last_at) and of its ended episodes (a list, newest first, at most 100):
// store::capacity_key and store::capacity_history_key.
std::string capacity_key(std::string_view region);
std::string capacity_history_key(std::string_view region);

}  // namespace piket::dispatch
