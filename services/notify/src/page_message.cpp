#include "piket/notify/page_message.hpp"

#include <boost/json/parse.hpp>

namespace piket::notify {
namespace {

// The rota's id pattern (common::id_pattern), without a regex per message.
bool rota_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  const auto lower_or_digit = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!lower_or_digit(s.front())) return false;
  for (const char c : s)
    if (!lower_or_digit(c) && c != '_' && c != '-') return false;
  return true;
}

}  // namespace

std::optional<PageFacts> page_facts(std::string_view payload) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* person = o.if_contains("person");
  const auto* created = o.if_contains("created_at");
  const auto* info = o.if_contains("info");
  if (!person || !person->is_string() || !created || !created->is_int64() || !info ||
      !info->is_int64())
    return std::nullopt;
  const auto& id = person->as_string();
  const auto at = created->as_int64();
  const auto flag = info->as_int64();
  if (!rota_id({id.data(), id.size()}) || at <= 0 || (flag != 0 && flag != 1)) return std::nullopt;
  bool expanded = false;
  if (const auto* e = o.if_contains("expanded")) {
    if (!e->is_int64() || (e->as_int64() != 0 && e->as_int64() != 1)) return std::nullopt;
    expanded = e->as_int64() == 1;
  }
  return PageFacts{std::string(id.data(), id.size()), at, flag == 1, expanded};
}

}  // namespace piket::notify
