#pragma once
// Words for people: what a timeline entry says, and the names of phases,
// incident kinds and clocks. Built from ids and fixed words only; free text
// (a recorded note) is passed through as the entry's note, never mixed in.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "piket/rota/directory.hpp"

namespace piket::web {

std::string phase_label(std::string_view phase);
std::string kind_label(std::string_view incident_kind);
std::string clock_label(std::string_view clock);
// The clocks of months (evaluation, closing): on the board's own tab, off the
// live view; an overdue one still counts in the triage strip's "overdue".
bool is_long_clock(std::string_view clock);
std::string event_label(std::string_view event_type);
// One line for a timeline entry ("Paged Anna (on call)"), names from config.
std::string describe_event(const boost::json::object& entry, const rota::Directory& config);
// The same entry as codes and names for the web app to put in words in the
// reader's language: who, by, to, from (names), kind, clock, via, report,
// why, other, into, escalation, target; and the note (the reason a person
// typed), whole.
boost::json::object event_detail(const boost::json::object& entry, const rota::Directory& config);

}  // namespace piket::web
