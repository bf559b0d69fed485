#pragma once
// A compiled gettext catalogue (.mo, GNU format) read from memory: msgid → msgstr, both views
// into the bytes given (which must outlive it). Only what piket's catalogues use: no message
// contexts, no plural forms (an entry with them is kept under its msgid up to the first NUL),
// UTF-8 only. The format: the GNU gettext manual, "The Format of GNU MO Files".
//
// Why not Boost.Locale's reader (used before): Boost.Locale links ICU, and ICU's libraries
// alone cost every service that sends texts about 3 MiB of resident memory (libicuuc,
// libicui18n, libboost_locale: 3.1 MiB measured in dispatch, notify and inbound), 9.5 MiB of
// the services' 60 MiB budget (docs/performance.md) for a table lookup. glibc's gettext
// reads catalogues only from files, for the process's one locale.

#include <cstddef>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace piket::i18n {

class MoCatalogue {
 public:
  // Throws std::invalid_argument naming what is wrong: not a .mo (magic), an unknown major
  // revision, a table or string outside the bytes or without its NUL, a charset other than
  // UTF-8 in the header entry.
  explicit MoCatalogue(std::string_view bytes);

  // The translation of `msgid`; nullopt when there is none or it is empty.
  std::optional<std::string_view> find(std::string_view msgid) const;
  std::size_t size() const { return entries_.size(); }  // without the header entry

 private:
  std::unordered_map<std::string_view, std::string_view> entries_;
};

}  // namespace piket::i18n
