#include "piket/inbound/family_sms.hpp"

#include "piket/i18n/catalog.hpp"

namespace piket::inbound {
namespace {

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// At most `max` UTF-8 characters of `s` (never cutting one in two).
std::string_view first_chars(std::string_view s, std::size_t max) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars == max) return s.substr(0, i);
    ++chars;
  }
  return s;
}

}  // namespace

FamilySms read_family_sms(std::string_view body) {
  std::size_t b = 0;
  while (b < body.size() && space(body[b])) ++b;
  std::size_t e = b;
  while (e < body.size() && !space(body[e])) ++e;
  std::string word;
  for (auto c : body.substr(b, e - b)) word += upper(c);
  while (!word.empty() && (word.back() == ':' || word.back() == '!')) word.pop_back();
  FamilySms out;
  out.urgent = word == "DRINGEND" || word == "SPOED" || word == "URGENT";
  auto rest = out.urgent ? body.substr(e) : body.substr(b);
  while (!rest.empty() && space(rest.front())) rest.remove_prefix(1);
  out.text = std::string(first_chars(rest, kFamilyTextMax));
  return out;
}

std::string family_reply_text(FamilyReply reply, i18n::Language language) {
  return std::string(
      i18n::text(language, reply == FamilyReply::own ? "family.reply.own" : "family.reply.duty"));
}

}  // namespace piket::inbound
