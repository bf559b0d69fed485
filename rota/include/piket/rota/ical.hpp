#pragma once
// iCalendar (RFC 5545) export, for subscribing phone calendars. Events carry
// only the layer, the region and person ids — never case data. Times are UTC;
// lines end in CRLF and are folded at 75 octets.
//
// UIDs are stable: a person's event is named by person, region, layer and its
// start, a layer's by region, layer and start; an event whose end moves (an
// override) keeps its UID, so calendars update it in place. Events are looked
// up 31 days beyond each end of the range so a weekly shift overlapping the
// range keeps its real start (and UID) as the range slides.

#include <string>
#include <string_view>

#include "piket/rota/rota.hpp"

namespace piket::rota {

// Every stretch `person` is on call, in any region and layer, overlapping `range`.
// `stamp` is the DTSTAMP (when the export was made: the caller's clock).
std::string ical_for_person(const Rota& rota, std::string_view person, TimeRange range,
                            common::Instant stamp);

// Every segment of one layer overlapping `range`, gaps included (as
// "nobody on call" events, so a team lead sees them in the calendar).
std::string ical_for_layer(const Rota& rota, std::string_view layer, std::string_view region,
                           TimeRange range, common::Instant stamp);

// One content line, folded at 75 octets (never inside a UTF-8 character),
// with CRLF line ends.
std::string fold_ical_line(std::string_view line);

// Escapes a TEXT value (backslash, semicolon, comma, newline).
std::string escape_ical_text(std::string_view text);

}  // namespace piket::rota
