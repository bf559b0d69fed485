#pragma once
// piket-dispatch's Lua scripts, in files of their own (services/dispatch/lua/*.lua),
// embedded at build time (cmake/EmbedLua.cmake). Keys, arguments and reply
// are written at the top of each file.

#include <string_view>

namespace piket::lua {

std::string_view dispatch_caseload();

}  // namespace piket::lua
