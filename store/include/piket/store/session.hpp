#pragma once
// Sessions, sign-in throttling, calendar tokens and the web app's counters
// (owner: piket-web; calendar tokens: piket_access).

#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// web:session:{sha256(token)}: hash, a web session.
inline std::string web_session_key(std::string_view token_hash) {
  return detail::join({"web", "session", token_hash});
}
// Whether `key` names a web session (a session key handed back by a caller).
inline bool is_web_session_key(std::string_view key) {
  return key.starts_with(web_session_key(""));
}
inline std::string login_account_key(std::string_view hash) {
  return detail::join({"web", "login", "account", hash});
}
inline std::string login_address_key(std::string_view hash) {
  return detail::join({"web", "login", "address", hash});
}
// web:unauth:{minute}: hash, requests refused without a session in a minute;
// web:unauth:{minute}:writing: a web process's claim on writing it to the audit trail.
inline std::string unauth_minute_key(std::string_view minute) {
  return detail::join({"web", "unauth", minute});
}
inline std::string unauth_minute_writing_key(std::string_view minute) {
  return detail::join({"web", "unauth", minute, "writing"});
}
inline constexpr std::string_view kUnauthMinutes = "web:unauth:minutes";
inline constexpr std::string_view kWebVersion = "web:version";
inline std::string caltoken_key(std::string_view token_hash) {
  return detail::join({"caltoken", token_hash});
}
inline std::string caltokens_key(std::string_view person) {
  return detail::join({"caltokens", person});
}

}  // namespace piket::store
