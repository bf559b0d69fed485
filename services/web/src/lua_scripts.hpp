#pragma once
// The web app's Lua scripts, in files of their own (services/web/lua/*.lua),
// embedded at build time (cmake/EmbedLua.cmake). Keys, arguments and reply
// are written at the top of each file.

#include <string_view>

namespace piket::lua {

std::string_view web_refusal_tally_add();
std::string_view web_login_admit();
std::string_view web_login_success();
std::string_view web_audit_append();
std::string_view web_live_digest();

}  // namespace piket::lua
