#include "piket/ingest/canonical_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace piket::ingest {
namespace {

namespace json = boost::json;

std::string canon(std::string_view text) {
  return canonical_json(json::parse(text));
}

TEST(CanonicalJson, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(canon(R"( { "b" : 1 ,
                        "a" : [ true , null , "x" ] } )"),
            R"({"a":[true,null,"x"],"b":1})");
}

TEST(CanonicalJson, SortsNestedObjectsIncludingInsideArrays) {
  EXPECT_EQ(canon(R"({"z":{"y":1,"x":{"b":2,"a":1}},"a":[{"d":4,"c":3}]})"),
            R"({"a":[{"c":3,"d":4}],"z":{"x":{"a":1,"b":2},"y":1}})");
}

TEST(CanonicalJson, KeysSortByBytes) {
  // Upper case before lower case; multi-byte UTF-8 after ASCII.
  EXPECT_EQ(canon("{\"\xC3\xA9\":1,\"b\":2,\"B\":3,\"a\":4,\"A\":5,\"_\":6}"),
            "{\"A\":5,\"B\":3,\"_\":6,\"a\":4,\"b\":2,\"\xC3\xA9\":1}");
}

TEST(CanonicalJson, IncidentBodiesEqualUnderReorderAndWhitespace) {
  const std::string a = R"({"reference":"PNN-2026-000123","kind":"home_ban","region":"groningen",
    "home_ban":{"starts_at":"2026-11-22T13:40:00+01:00","ends_at":"2026-12-02T13:40:00+01:00"},
    "persons":[{"role":"victim","name":"Jan","phone":"0612"}],"summary":"free text"})";
  const std::string b = R"({
      "summary": "free text",
      "persons": [ { "phone": "0612", "name": "Jan", "role": "victim" } ],
      "home_ban": { "ends_at": "2026-12-02T13:40:00+01:00",
                    "starts_at": "2026-11-22T13:40:00+01:00" },
      "region": "groningen", "kind": "home_ban", "reference": "PNN-2026-000123"
    })";
  EXPECT_EQ(canon(a), canon(b));
}

TEST(CanonicalJson, EscapedAndLiteralStringsAgree) {
  EXPECT_EQ(canon(R"({"n":"\u00e9\/\u0041"})"), canon("{\"n\":\"\xC3\xA9/A\"}"));
}

TEST(CanonicalJson, NumbersCompareByValue) {
  EXPECT_EQ(canon("[1, 1.0, 1e0, 10E-1, -0.0, 0, 100, 1e2]"), "[1,1,1,1,0,0,100,100]");
  EXPECT_EQ(canon("[-9223372036854775808, 9223372036854775807, 18446744073709551615]"),
            "[-9223372036854775808,9223372036854775807,18446744073709551615]");
  EXPECT_EQ(canon("[1.5]"), canon("[15e-1]"));
}

TEST(CanonicalJson, NonIntegralAndHugeDoublesStayDistinct) {
  EXPECT_NE(canon("[0.1]"), canon("[0.10000000000000002]"));
  EXPECT_NE(canon("[1.5]"), canon("[1]"));
  EXPECT_EQ(canon("[1e300]"), canon("[1E300]"));
  EXPECT_NE(canon("[1e300]"), canon("[1e299]"));
}

struct Difference {
  std::string name;
  std::string a;
  std::string b;
};

// Bodies that are different JSON values must never collide.
const std::vector<Difference> kDifferences = {
    {"string_value", R"({"reference":"PNN-1"})", R"({"reference":"PNN-2"})"},
    {"nested_value", R"({"home_ban":{"ends_at":"a"}})", R"({"home_ban":{"ends_at":"b"}})"},
    {"string_vs_number", R"({"a":"1"})", R"({"a":1})"},
    {"null_vs_absent", R"({"a":null})", R"({})"},
    {"null_vs_false", R"({"a":null})", R"({"a":false})"},
    {"extra_unknown_field", R"({"a":1})", R"({"a":1,"b":1})"},
    {"array_order", R"({"persons":[1,2]})", R"({"persons":[2,1]})"},
    {"key_case", R"({"a":1})", R"({"A":1})"},
    {"empty_object_vs_array", R"({"a":{}})", R"({"a":[]})"},
    {"key_vs_value_swap", R"({"a":"b"})", R"({"b":"a"})"},
    {"trailing_space_in_string", R"({"a":"x"})", R"({"a":"x "})"},
    {"negative_number", R"({"a":1})", R"({"a":-1})"},
};

void PrintTo(const Difference& d, std::ostream* os) {
  *os << d.name;
}

class CanonicalDifferences : public ::testing::TestWithParam<Difference> {};

TEST_P(CanonicalDifferences, Differ) {
  EXPECT_NE(canon(GetParam().a), canon(GetParam().b));
}

INSTANTIATE_TEST_SUITE_P(Values, CanonicalDifferences, ::testing::ValuesIn(kDifferences),
                         [](const ::testing::TestParamInfo<Difference>& param_info) {
                           return param_info.param.name;
                         });

TEST(CanonicalJson, IsAFixedPoint) {
  const std::string once = canon(R"({"b":[{"y":1.0,"x":"\u00e9"}],"a":null})");
  EXPECT_EQ(canon(once), once);
}

TEST(CanonicalJson, ScalarsAtTopLevel) {
  EXPECT_EQ(canonical_json(json::value(nullptr)), "null");
  EXPECT_EQ(canonical_json(json::value(true)), "true");
  EXPECT_EQ(canonical_json(json::value("a\"b")), R"("a\"b")");
  EXPECT_EQ(canonical_json(json::value(json::object{})), "{}");
  EXPECT_EQ(canonical_json(json::value(json::array{})), "[]");
}

}  // namespace
}  // namespace piket::ingest
