#pragma once
// Cookie header parsing and the Set-Cookie of the session.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace piket::web {

// The value of cookie `name` in a Cookie request header, if present.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

struct SessionCookie {
  std::string name;  // "__Host-piket_session" when secure, else "piket_session"
  bool secure = true;
};
SessionCookie session_cookie(bool secure);

// HttpOnly, SameSite=Strict, Path=/ (and Secure): the browser sends it only to
// this origin, never to a script, never on a cross-site request.
std::string set_session_cookie(const SessionCookie& c, std::string_view token);
std::string clear_session_cookie(const SessionCookie& c);

}  // namespace piket::web
