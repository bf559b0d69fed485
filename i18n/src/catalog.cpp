#include "piket/i18n/catalog.hpp"

#include <boost/locale/gnu_gettext.hpp>
#include <boost/locale/message.hpp>
#include <locale>
#include <stdexcept>

namespace piket::i18n {
namespace detail {
std::string_view embedded_catalogue(std::string_view language);  // piket_catalogues.cpp
}  // namespace detail

namespace {

constexpr std::string_view kDomain = "piket";

// One language's catalogue, read by Boost.Locale's gettext reader from the
// embedded .mo (its callback stands in for the file system).
// The facet is owned by a std::locale (a facet's destructor is protected).
struct Catalogue {
  std::locale locale;
  const boost::locale::message_format<char>* facet = nullptr;
  int domain = 0;

  explicit Catalogue(Language language) {
    boost::locale::gnu_gettext::messages_info info;
    info.language = std::string(to_string(language));
    info.encoding = "UTF-8";
    info.domains.emplace_back(std::string(kDomain));
    info.paths.emplace_back("embedded");
    const std::string wanted =
        "embedded/" + info.language + "/LC_MESSAGES/" + std::string(kDomain) + ".mo";
    info.callback = [wanted, language](const std::string& file, const std::string&) {
      if (file != wanted) return std::vector<char>{};
      const auto bytes = detail::embedded_catalogue(to_string(language));
      return std::vector<char>(bytes.begin(), bytes.end());
    };
    auto* made = boost::locale::gnu_gettext::create_messages_facet<char>(info);
    if (!made) throw std::runtime_error("the " + info.language + " catalogue could not be read");
    locale = std::locale(std::locale::classic(), made);
    facet = &std::use_facet<boost::locale::message_format<char>>(locale);
    domain = facet->domain(std::string(kDomain));
  }
};

const Catalogue& catalogue(Language language) {
  static const Catalogue nl{Language::nl};
  static const Catalogue en{Language::en};
  return language == Language::en ? en : nl;
}

}  // namespace

std::optional<std::string_view> lookup(Language language, std::string_view id) {
  if (id.empty()) return std::nullopt;  // "" is the catalogue's header, not a message
  const auto& c = catalogue(language);
  const char* t = c.facet->get(c.domain, nullptr, std::string(id).c_str());
  if (!t || *t == '\0') return std::nullopt;
  return std::string_view(t);
}

std::string_view text(Language language, std::string_view id) {
  if (auto t = lookup(language, id)) return *t;
  throw std::out_of_range("no " + std::string(to_string(language)) + " text for message " +
                          std::string(id));
}

}  // namespace piket::i18n
