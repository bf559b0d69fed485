#pragma once
// piket_access's Lua scripts, in files of their own (access/lua/*.lua),
// embedded at build time (cmake/EmbedLua.cmake). Keys, arguments and reply
// are written at the top of each file.

#include <string_view>

namespace piket::lua {

std::string_view access_calendar_token_create();
std::string_view access_calendar_token_revoke();
std::string_view access_case_facts();

}  // namespace piket::lua
