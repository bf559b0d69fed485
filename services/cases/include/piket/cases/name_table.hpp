#pragma once
// An enum's names as a constexpr table of (value, name) pairs, and the two
// look-ups: the name of a value ("unknown" for one not in the table) and the
// value of a name (empty for an unknown name). For the records' enums
// (agreement_record.hpp, track_record.hpp).

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace piket::cases {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <class E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const NameTable<E, N>& table, std::string_view s) {
  for (const auto& [v, name] : table)
    if (name == s) return v;
  return std::nullopt;
}

}  // namespace piket::cases
