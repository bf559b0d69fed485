#include "piket/i18n/catalog.hpp"

#include <stdexcept>

#include "piket/i18n/mo_catalogue.hpp"

namespace piket::i18n {
namespace detail {
std::string_view embedded_catalogue(std::string_view language);  // piket_catalogues.cpp
}  // namespace detail

namespace {

// One language's catalogue, read from the .mo embedded at build time.
const MoCatalogue& catalogue(Language language) {
  static const MoCatalogue nl{detail::embedded_catalogue(to_string(Language::nl))};
  static const MoCatalogue en{detail::embedded_catalogue(to_string(Language::en))};
  return language == Language::en ? en : nl;
}

}  // namespace

std::optional<std::string_view> lookup(Language language, std::string_view id) {
  if (id.empty()) return std::nullopt;  // "" is the catalogue's header, not a message
  return catalogue(language).find(id);
}

std::string_view text(Language language, std::string_view id) {
  if (auto t = lookup(language, id)) return *t;
  throw std::out_of_range("no " + std::string(to_string(language)) + " text for message " +
                          std::string(id));
}

}  // namespace piket::i18n
