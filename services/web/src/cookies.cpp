#include "piket/web/cookies.hpp"

namespace piket::web {

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) == name) {
      auto v = pair.substr(eq + 1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return std::nullopt;
}

SessionCookie session_cookie(bool secure) {
  return {secure ? "__Host-piket_session" : "piket_session", secure};
}

std::string set_session_cookie(const SessionCookie& c, std::string_view token) {
  std::string v = c.name + "=" + std::string(token) + "; Path=/; HttpOnly; SameSite=Strict";
  if (c.secure) v += "; Secure";
  return v;
}

std::string clear_session_cookie(const SessionCookie& c) {
  std::string v = c.name + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  if (c.secure) v += "; Secure";
  return v;
}

}  // namespace piket::web
