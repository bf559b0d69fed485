#pragma once
// piket-notify's Lua scripts, in files of their own (services/notify/lua/*.lua),
// embedded at build time (cmake/EmbedLua.cmake). Keys, arguments and reply
// are written at the top of each file.

#include <string_view>

namespace piket::lua {

std::string_view notify_page_load();
std::string_view notify_due_timer();

}  // namespace piket::lua
