#include "piket/notify/privacy_guard.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

namespace piket::notify {
namespace {

constexpr std::size_t kMinChars = 5;
constexpr std::size_t kMinDigits = 6;

std::string_view trim(std::string_view v) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!v.empty() && space(v.front())) v.remove_prefix(1);
  while (!v.empty() && space(v.back())) v.remove_suffix(1);
  return v;
}

}  // namespace

void PrivacyGuard::add(std::string_view raw, const std::string& field) {
  const auto v = trim(raw);
  if (v.size() >= kMinChars) needles_.push_back({std::string(v), field});
  std::string digits;
  for (char c : v)
    if (c >= '0' && c <= '9') digits += c;
  if (digits.size() >= kMinDigits && digits != v) needles_.push_back({digits, field});
}

PrivacyGuard PrivacyGuard::from_incident(std::string_view body, std::string_view household) {
  PrivacyGuard g;
  g.add(household, "household");
  if (body.empty()) return g;
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return g;
  const auto& o = doc.as_object();
  if (const auto* h = o.if_contains("household"); h && h->is_string())
    g.add(h->as_string(), "household");
  if (const auto* s = o.if_contains("summary"); s && s->is_string())
    g.add(s->as_string(), "summary");
  // A family's message (issue 18), for its page: notify_privacy_body.lua.
  if (const auto* f = o.if_contains("family_message"); f && f->is_string())
    g.add(f->as_string(), "family_message");
  if (const auto* ps = o.if_contains("persons"); ps && ps->is_array()) {
    const auto& persons = ps->as_array();
    for (std::size_t i = 0; i < persons.size(); ++i) {
      if (!persons[i].is_object()) continue;
      for (const auto& [key, value] : persons[i].as_object()) {
        if (key == "role" || !value.is_string()) continue;
        g.add(value.as_string(), "persons[" + std::to_string(i) + "]." + std::string(key));
      }
    }
  }
  return g;
}

std::optional<std::string> PrivacyGuard::find_leak(std::string_view text) const {
  for (const auto& n : needles_)
    if (text.find(n.value) != std::string_view::npos) return n.field;
  return std::nullopt;
}

}  // namespace piket::notify
