#pragma once
// Reading a stored JSON record's fields (agreement_record.hpp,
// track_record.hpp): a time kept as epoch ms and a string, each empty when
// the field is missing or of another type.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"

namespace piket::cases {

inline std::optional<common::Instant> instant_of(const boost::json::object& o,
                                                 std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_int64()) return std::nullopt;
  return common::from_epoch_ms(v->as_int64());
}

inline std::string string_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace piket::cases
