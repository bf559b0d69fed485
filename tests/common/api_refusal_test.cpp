// The one error type of piket's APIs and its one rendering (api_refusal.hpp):
// the partner contract's error body, byte for byte as the services answer it.
#include "piket/common/api_refusal.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace piket::common {
namespace {

namespace json = boost::json;

TEST(ApiRefusalJson, HasTheContractShapeWithField) {
  const ApiRefusal e{422, "ban_too_long", "the home ban must not last more than 28 days",
                     "home_ban.ends_at"};
  const json::value v = json::parse(to_json(e));
  const json::value expected = {{"error",
                                 {{"code", "ban_too_long"},
                                  {"message", "the home ban must not last more than 28 days"},
                                  {"field", "home_ban.ends_at"}}}};
  EXPECT_EQ(v, expected);
}

TEST(ApiRefusalJson, OmitsEmptyField) {
  const ApiRefusal e{400, "invalid_json", "the body is not valid JSON", ""};
  const json::value v = json::parse(to_json(e));
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.as_object().size(), 1U);
  const json::object& inner = v.at("error").as_object();
  EXPECT_EQ(inner.size(), 2U);
  EXPECT_FALSE(inner.contains("field"));
  EXPECT_EQ(inner.at("code"), "invalid_json");
  EXPECT_EQ(inner.at("message"), "the body is not valid JSON");
}

TEST(ApiRefusalJson, EscapesText) {
  const ApiRefusal e{422, "x", "say \"no\"\n", "persons[0].name"};
  const json::value v = json::parse(to_json(e));
  EXPECT_EQ(v.at("error").at("message"), "say \"no\"\n");
}

// The exact bytes: compact, code, message, field in that order.
TEST(ApiRefusalJson, IsCompactInContractOrder) {
  EXPECT_EQ(to_json({422, "too_long", "the note is longer than 2000 characters", "note"}),
            R"({"error":{"code":"too_long","message":"the note is longer than 2000 characters",)"
            R"("field":"note"}})");
  EXPECT_EQ(to_json({404, "not_found", "no such resource", ""}),
            R"({"error":{"code":"not_found","message":"no such resource"}})");
}

TEST(ApiRefusalResponse, CarriesTheStatusAndTheBody) {
  const ApiRefusal e{409, "already_acknowledged", "the page was acknowledged already", ""};
  const auto r = to_response(e);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, to_json(e));
  EXPECT_TRUE(r.headers.empty());
}

// error_response is the shorthand for the same answer.
TEST(ApiRefusalResponse, ErrorResponseIsTheSameAnswer) {
  const auto a =
      error_response(422, "unknown_casemanager", "not a casemanager of the region", "to");
  const auto b = to_response({422, "unknown_casemanager", "not a casemanager of the region", "to"});
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.content_type, b.content_type);
}

}  // namespace
}  // namespace piket::common
