#include "piket/ingest/canonical_json.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "piket/common/crypto.hpp"

namespace piket::ingest {
namespace {

void append_string(std::string& out, boost::json::string_view s) {
  out += boost::json::serialize(boost::json::string(s));
}

void append_double(std::string& out, double d) {
  // 2^63 is exactly representable; every integral double in [-2^63, 2^63) fits int64.
  constexpr double two_pow_63 = 9223372036854775808.0;
  if (std::isfinite(d) && std::trunc(d) == d && d >= -two_pow_63 && d < two_pow_63) {
    out += std::to_string(static_cast<std::int64_t>(d));
    return;
  }
  out += boost::json::serialize(boost::json::value(d));
}

void append(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
      out += std::to_string(v.get_int64());
      return;
    // The parser yields uint64 only above INT64_MAX, so this never aliases an int64.
    case boost::json::kind::uint64:
      out += std::to_string(v.get_uint64());
      return;
    case boost::json::kind::double_:
      append_double(out, v.get_double());
      return;
    case boost::json::kind::string:
      append_string(out, v.get_string());
      return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& element : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append(out, element);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      const auto& object = v.get_object();
      std::vector<const boost::json::key_value_pair*> members;
      members.reserve(object.size());
      for (const auto& member : object) members.push_back(&member);
      std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
        return a->key() < b->key();  // string_view compare: bytewise, unsigned char
      });
      out += '{';
      bool first = true;
      for (const auto* member : members) {
        if (!first) out += ',';
        first = false;
        append_string(out, member->key());
        out += ':';
        append(out, member->value());
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string canonical_json(const boost::json::value& value) {
  std::string out;
  append(out, value);
  return out;
}

std::string idempotency_hash(const boost::json::object& stored) {
  std::string out;
  append(out, boost::json::value(stored));
  return common::sha256_hex(out);
}

}  // namespace piket::ingest
