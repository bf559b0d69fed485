#pragma once
// gzip for HTTP answers (zlib): whether a client takes it, and the
// compression itself. The server compresses larger text answers only.

#include <optional>
#include <string>
#include <string_view>

namespace piket::common {

// True when an Accept-Encoding header value allows gzip ("gzip" or "*" with
// a q-value above 0).
bool accepts_gzip(std::string_view accept_encoding);

// True for media types worth compressing (JSON, text, JavaScript, SVG).
bool compressible(std::string_view content_type);

// The gzip (RFC 1952) form of `data`; empty on a zlib failure.
std::optional<std::string> gzip(std::string_view data);

}  // namespace piket::common
