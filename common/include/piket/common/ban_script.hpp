#pragma once
// The home ban of a case: one thing per case — its first start, its current
// end, whether it is in force or lifted, and its history. ingest's
// acceptance script applies each incident to it (refusing what breaks the
// 28-day maximum, atomically with the incident), and the join and split of
// cases (services/cases) rebuild it from the case's incidents. One Lua
// definition serves both, so the rule is written once (docs/data-model.md,
// "The home ban of a case").
//
// Kept in the case hash `case:{id}`:
//   ban_first_start, ban_first_offset  the ban's first start (domain ms) and
//                                      the partner's UTC offset there (minutes)
//   ban_end, ban_end_offset            its current end, and that offset
//   ban_state                          in_force | lifted
//   ban_lifted_at                      when it was lifted (reported_at)
// and its history in the list `case:{id}:ban` (JSON per change: at,
// incident, kind, first_start, end, state).
//
// The rule, per incident in acceptance order:
//   home_ban           a ban in force whose end lies after this ban's start
//                      is the same ban reported again: first start = the
//                      earlier, end = the later; otherwise a new ban starts.
//   home_ban_extended  extends the ban in force (end = the later of both);
//                      refused (`no_ban_in_force`, field `kind`) when there is
//                      no ban, it was lifted, or the extension starts after
//                      the ban's current end.
//   home_ban_lifted    ends the ban in force: state lifted, end = the lifting's
//                      reported_at when earlier. Without a ban: no change.
// A ban may last at most 28 days from its FIRST start: a longer one is
// refused (`ban_total_too_long`, field `home_ban.ends_at`) — 28 × 24 h, or up
// to an hour more when its wall-clock length in the partner's offsets is
// within 28 days (a ban across the end of daylight saving time; validation's
// rule for a single incident).
//
// ban_lua() defines, for a script:
//   piket_ban_get(case_key) -> ban table or nil
//   piket_ban_apply(ban, incident, strict) -> new ban (or the same table when
//       unchanged); with strict, nil, code, field when refused.
//       incident = {id, kind, starts, starts_off, ends, ends_off, reported}
//   piket_ban_put(case_key, ban, incident, at) — writes the fields and, when
//       `incident` is given, appends the history entry
// (piket_ban_rebuild, which recomputes a case's ban and history from its
// incidents, is in store/lua/lib/cases_family.lua: only the join and
// split need it, and ingest's Redis user need not delete.)

#include <string>

namespace piket::common {

std::string ban_lua();

}  // namespace piket::common
