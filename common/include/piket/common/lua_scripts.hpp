#pragma once
// piket's Lua scripts that live in files of their own (common/lua/*.lua),
// embedded at build time (cmake/EmbedLua.cmake): each returns the file's
// text, complete as Redis runs it. Keys, arguments and reply are written at
// the top of each file.

#include <string_view>

namespace piket::lua {

// common/lua/outbox_claim_due.lua: an outbox sender leases its due messages.
std::string_view outbox_claim_due();
// common/lua/simulated_clock_move.lua: the shared simulated clock moves forward.
std::string_view simulated_clock_move();

}  // namespace piket::lua
