#pragma once
// The server's texts for people, by message id, from the catalogues
// i18n/<lang>/piket.po (embedded at build time; message_ids.hpp lists every
// id the server uses). A text may hold named fields ("{case}"), filled by
// render() from the caller's typed values only.

#include <fmt/args.h>
#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

#include "piket/i18n/language.hpp"

namespace piket::i18n {

// The text of `id` in `language`; empty when the catalogue has no (non-empty)
// translation for it.
std::optional<std::string_view> lookup(Language language, std::string_view id);

// The text of `id`; throws std::out_of_range naming the id and language when
// the catalogue lacks it (tests/i18n checks that none is missing).
std::string_view text(Language language, std::string_view id);

// The text of `id` with its named fields filled: render(nl, "sms.reply_ack",
// fmt::arg("code", code)). Throws fmt::format_error when the text names a
// field the caller did not give.
template <class... Args>
std::string render(Language language, std::string_view id, const Args&... args) {
  return fmt::format(fmt::runtime(text(language, id)), args...);
}

}  // namespace piket::i18n
