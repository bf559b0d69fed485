#pragma once
// The languages piket speaks to people in, and which one a message to a person
// uses: the person's own preference ([[people]] language) when set, else the
// deployment's ([deployment] language, Dutch by default).

#include <optional>
#include <string_view>

namespace piket::i18n {

enum class Language { nl, en };

// A deployment that sets no language speaks Dutch.
inline constexpr Language kDefaultLanguage = Language::nl;

// "nl" or "en"; empty for anything else.
std::optional<Language> parse_language(std::string_view code);
std::string_view to_string(Language language);

// The language of a message to one person: theirs when they chose one.
inline Language language_for(Language deployment, std::optional<Language> person) {
  return person.value_or(deployment);
}

}  // namespace piket::i18n
