#include "piket/i18n/mo_catalogue.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace piket::i18n {
namespace {

constexpr std::uint32_t kMagic = 0x950412de;
constexpr std::uint32_t kMagicSwapped = 0xde120495;

std::uint32_t swap(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {
    if (bytes_.size() < 28) fail("shorter than its header");
    const auto magic = raw(0);
    if (magic == kMagicSwapped)
      swapped_ = true;
    else if (magic != kMagic)
      fail("not a gettext .mo (magic)");
    if ((word(4) >> 16) > 1) fail("unknown major revision " + std::to_string(word(4) >> 16));
  }

  std::uint32_t word(std::size_t at) const {
    const auto v = raw(at);
    return swapped_ ? swap(v) : v;
  }

  // The string of entry `i` of the table at `table`: its length and offset, then NUL.
  std::string_view string(std::uint32_t table, std::uint32_t i) const {
    const std::size_t at = std::size_t{table} + std::size_t{i} * 8;
    const std::size_t length = word(at), offset = word(at + 4);
    if (offset > bytes_.size() || length >= bytes_.size() - offset || bytes_[offset + length])
      fail("string " + std::to_string(i) + " outside the catalogue or without its NUL");
    return bytes_.substr(offset, length);
  }

  [[noreturn]] static void fail(const std::string& what) {
    throw std::invalid_argument("message catalogue (.mo): " + what);
  }

 private:
  std::uint32_t raw(std::size_t at) const {
    if (at > bytes_.size() || bytes_.size() - at < 4) fail("a table outside the catalogue");
    std::uint32_t v = 0;
    for (int k = 3; k >= 0; --k)
      v = (v << 8) | static_cast<unsigned char>(bytes_[at + static_cast<std::size_t>(k)]);
    return v;  // little-endian as stored; swapped below when the magic says so
  }

  std::string_view bytes_;
  bool swapped_ = false;
};

}  // namespace

MoCatalogue::MoCatalogue(std::string_view bytes) {
  const Reader r(bytes);
  const std::uint32_t n = r.word(8), originals = r.word(12), translations = r.word(16);
  if (n > bytes.size() / 16) Reader::fail("more entries than the catalogue can hold");
  entries_.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto id = r.string(originals, i);
    const auto text = r.string(translations, i);
    if (id.empty()) {  // the header entry: "Content-Type: text/plain; charset=UTF-8\n" …
      const auto cs = text.find("charset=");
      if (cs != std::string_view::npos && text.substr(cs + 8, 5) != "UTF-8")
        Reader::fail("charset is not UTF-8");
      continue;
    }
    id = id.substr(0, id.find('\0'));  // msgid of a plural entry
    entries_.emplace(id, text.substr(0, text.find('\0')));
  }
}

std::optional<std::string_view> MoCatalogue::find(std::string_view msgid) const {
  const auto it = entries_.find(msgid);
  if (it == entries_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace piket::i18n
