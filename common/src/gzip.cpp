#include "piket/common/gzip.hpp"

#include <zlib.h>

#include <cctype>

namespace piket::common {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// The q-value of one Accept-Encoding element's parameters ("q=0.5"); 1 without one.
double q_value(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const auto p = trim(params.substr(0, semi));
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      const auto v = trim(p.substr(2));
      if (v.empty()) return 0;
      // "0", "0.000" mean no; anything else with a non-zero digit means yes.
      for (char c : v)
        if (c >= '1' && c <= '9') return 1;
      return 0;
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return 1;
}

}  // namespace

bool accepts_gzip(std::string_view header) {
  if (header.size() > 1024) return false;
  bool star = false, gz = false, gz_listed = false;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto element = header.substr(0, comma);
    const auto semi = element.find(';');
    const auto name = trim(element.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1 : q_value(element.substr(semi + 1));
    if (iequals(name, "gzip") || iequals(name, "x-gzip")) {
      gz_listed = true;
      gz = q > 0;
    } else if (name == "*") {
      star = q > 0;
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return gz_listed ? gz : star;
}

bool compressible(std::string_view content_type) {
  const auto type = trim(content_type.substr(0, content_type.find(';')));
  auto starts = [&](std::string_view p) {
    return type.size() >= p.size() && iequals(type.substr(0, p.size()), p);
  };
  return starts("text/") || iequals(type, "application/json") ||
         iequals(type, "application/javascript") || iequals(type, "image/svg+xml") ||
         iequals(type, "application/problem+json");
}

std::optional<std::string> gzip(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const auto written = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace piket::common
