#include "piket/common/http_types.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "piket/common/html_escape.hpp"
#include "piket/common/logging.hpp"

namespace piket::common {
namespace {

namespace json = boost::json;

// What a JSON parser reads back from json_escape's output in a string literal.
std::string round_trip(std::string_view s) {
  const auto v = json::parse("\"" + json_escape(s) + "\"");
  return std::string(v.as_string());
}

TEST(JsonEscapeTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_escape("plain text"), "plain text");
  EXPECT_EQ(json_escape("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(json_escape("a\\b"), "a\\\\b");
  EXPECT_EQ(json_escape("l1\nl2\r\tx"), "l1\\nl2\\r\\tx");
  EXPECT_EQ(json_escape(std::string("\x01\x1f", 2)), "\\u0001\\u001f");
  EXPECT_EQ(json_escape(std::string("\0", 1)), "\\u0000");
}

TEST(JsonEscapeTest, PassesUtf8Through) {
  EXPECT_EQ(json_escape("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");
}

TEST(JsonEscapeTest, EveryAsciiCharacterRoundTrips) {
  std::string all;
  for (int c = 0; c < 128; ++c) all += static_cast<char>(c);
  EXPECT_EQ(round_trip(all), all);
  // A log line cannot be split or closed early by the message.
  const std::string hostile = "\"}\n{\"level\":\"fake\"";
  EXPECT_EQ(round_trip(hostile), hostile);
  EXPECT_EQ(json_escape(hostile).find('\n'), std::string::npos);
}

// HTML text and double-quoted attributes: a message typed into the family's form cannot
// open a tag or leave an attribute.
TEST(HtmlEscapeTest, TagsAmpersandsAndDoubleQuotesBecomeEntitiesTheRestStays) {
  EXPECT_EQ(html_escape(R"(<script>alert("x")</script> & één)"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; één");
  EXPECT_EQ(html_escape("plain 'text'"), "plain 'text'");
  EXPECT_EQ(html_escape(""), "");
}

TEST(ErrorResponseTest, ShapeWithoutField) {
  const auto r = error_response(401, "missing_token", "a token is required");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/json");
  const auto v = json::parse(r.body);
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.as_object().size(), 1u);
  const auto& e = v.at("error").as_object();
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(e.at("code"), "missing_token");
  EXPECT_EQ(e.at("message"), "a token is required");
  EXPECT_FALSE(e.contains("field"));
}

TEST(ErrorResponseTest, ShapeWithField) {
  const auto r = error_response(422, "ban_too_long", "too long", "home_ban.ends_at");
  EXPECT_EQ(r.status, 422);
  const auto v = json::parse(r.body);
  const auto& e = v.at("error").as_object();
  EXPECT_EQ(e.size(), 3u);
  EXPECT_EQ(e.at("code"), "ban_too_long");
  EXPECT_EQ(e.at("field"), "home_ban.ends_at");
}

TEST(ErrorResponseTest, MessageIsEscaped) {
  const auto r = error_response(400, "x", "a \"quoted\"\nmessage\\", "f\"");
  const auto v = json::parse(r.body);
  const auto& e = v.at("error").as_object();
  EXPECT_EQ(e.at("message"), "a \"quoted\"\nmessage\\");
  EXPECT_EQ(e.at("field"), "f\"");
}

TEST(HttpRequestTest, HeaderLookupIsFirstMatchOrEmpty) {
  HttpRequest r;
  r.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-a"), "1");
  EXPECT_EQ(r.header("authorization"), "");
}

TEST(HttpTypesTest, JsonMediaTypeAcceptsUtf8OnlyInAnyCase) {
  for (const char* ok : {"application/json", "Application/JSON", " application/json ",
                         "application/json; charset=utf-8", "application/json;charset=UTF-8",
                         "application/json; charset=\"utf-8\""})
    EXPECT_TRUE(is_json_media_type(ok)) << ok;
  for (const char* bad : {"", "text/plain", "application/jsonx", "application/json; charset=latin1",
                          "application/x-www-form-urlencoded", "json"})
    EXPECT_FALSE(is_json_media_type(bad)) << bad;
}

TEST(HttpTypesTest, MethodNotAllowedNamesTheAllowedMethods) {
  const auto r = method_not_allowed("GET, POST");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, POST");
  EXPECT_NE(r.body.find("method_not_allowed"), std::string::npos);
}

}  // namespace
}  // namespace piket::common
