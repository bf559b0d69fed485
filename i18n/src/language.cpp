#include "piket/i18n/language.hpp"

namespace piket::i18n {

std::optional<Language> parse_language(std::string_view code) {
  if (code == "nl") return Language::nl;
  if (code == "en") return Language::en;
  return std::nullopt;
}

std::string_view to_string(Language language) {
  return language == Language::en ? "en" : "nl";
}

}  // namespace piket::i18n
