#pragma once
// What the one audit trail (piket_audit: the hash chain of docs/web.md, which
// piket-web and piket-dispatch append to as well) records of a write through
// the case API on a case's tracks or agreements (issue 16): who (person and
// role), the case, the track or the agreement id, and what it became —
// never the agreement's text, its partner or a person's name. The trail
// stamps when (real and domain time) as it appends.
//
//   case.track            "track perpetrator first_contact at 2027-01-08T09:00:00Z"
//                         "track children not_applicable no_children at …"
//   case.agreement        "agreement A3 open"           (made)
//   case.agreement_state  "agreement A3 done at …"      (its state changed)

#include <string>

#include "piket/cases/agreement.hpp"
#include "piket/cases/case_events.hpp"
#include "piket/cases/track.hpp"
#include "piket/web/audit_chain.hpp"

namespace piket::cases {

// `from`: the caller's address.
web::AuditRecord track_audit(const Actor& actor, const std::string& case_id, const TrackWrite& w,
                             std::string from);
web::AuditRecord agreement_audit(const Actor& actor, const std::string& case_id,
                                 const AgreementWrite& w, std::string from);

}  // namespace piket::cases
