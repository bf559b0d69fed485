// gzip for HTTP answers: Accept-Encoding negotiation, which types are
// compressed, and that the output inflates (zlib, independently) to the input.
#include "piket/common/gzip.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace piket::common {
namespace {

// Inflates a gzip stream with zlib's own reader: the oracle.
std::string gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

TEST(Gzip, RoundTripsAndShrinksRepetitiveJson) {
  std::string json = "[";
  for (int i = 0; i < 500; ++i)
    json += R"({"case":"C0000)" + std::to_string(i) + R"(","clock":"plan"},)";
  json += "{}]";
  const auto packed = gzip(json);
  ASSERT_TRUE(packed);
  EXPECT_LT(packed->size() * 5, json.size());
  EXPECT_EQ(static_cast<unsigned char>((*packed)[0]), 0x1f);  // the gzip magic number
  EXPECT_EQ(static_cast<unsigned char>((*packed)[1]), 0x8b);
  EXPECT_EQ(gunzip(*packed), json);
  EXPECT_EQ(gunzip(*gzip("")), "");
}

TEST(Gzip, AcceptEncodingIsNegotiatedWithQValues) {
  for (const char* yes : {"gzip", "gzip, deflate, br", "br;q=1.0, GZIP;q=0.5", "*",
                          "deflate, *;q=0.1", "x-gzip", " gzip ; q=1 "})
    EXPECT_TRUE(accepts_gzip(yes)) << yes;
  for (const char* no : {"", "identity", "br, deflate", "gzip;q=0", "gzip;q=0.000", "*;q=0",
                         "*, gzip;q=0", "gzipped"})
    EXPECT_FALSE(accepts_gzip(no)) << no;
}

TEST(Gzip, OnlyTextLikeTypesAreCompressed) {
  for (const char* yes : {"application/json", "text/html; charset=utf-8", "text/css",
                          "application/javascript", "image/svg+xml", "TEXT/PLAIN"})
    EXPECT_TRUE(compressible(yes)) << yes;
  for (const char* no : {"", "image/png", "application/octet-stream", "text", "font/woff2"})
    EXPECT_FALSE(compressible(no)) << no;
}

}  // namespace
}  // namespace piket::common
