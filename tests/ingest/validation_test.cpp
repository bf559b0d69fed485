#include "piket/ingest/validation.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "piket/common/time_format.hpp"
#include "piket/ingest/person_roles.hpp"

namespace piket::common {

void PrintTo(const ApiRefusal& e, std::ostream* os) {
  *os << "ApiRefusal{" << e.status << ", " << e.code << ", \"" << e.message << "\", field=\""
      << e.field << "\"}";
}

}  // namespace piket::common

namespace piket::ingest {

namespace {

namespace json = boost::json;
using Mutation = std::function<void(json::object&)>;

const RegionSet kRegions{"groningen", "drenthe", "friesland"};

json::string repeat(std::string_view unit, std::size_t n) {
  json::string s;
  for (std::size_t i = 0; i < n; ++i) s.append(unit);
  return s;
}

json::value str(std::string_view s) {
  return json::string(s);
}

// The contract's example body: valid, with one of every field.
json::object base_body() {
  return json::object{
      {"reference", "PNN-2026-000123"},
      {"kind", "home_ban"},
      {"region", "groningen"},
      {"reported_at", "2026-11-22T14:03:00+01:00"},
      {"household", "hh-7f3a9c"},
      {"home_ban", json::object{{"starts_at", "2026-11-22T13:40:00+01:00"},
                                {"ends_at", "2026-12-02T13:40:00+01:00"}}},
      {"persons",
       json::array{json::object{{"role", "victim"}, {"name", "Jan"}, {"phone", "0612345678"}}}},
      {"summary", "free text"},
  };
}

Mutation set(std::string key, json::value v) {
  return [key = std::move(key), v = std::move(v)](json::object& o) { o[key] = v; };
}
Mutation erase(std::string key) {
  return [key = std::move(key)](json::object& o) { o.erase(key); };
}
Mutation set_ban(std::string key, json::value v) {
  return [key = std::move(key), v = std::move(v)](json::object& o) {
    o["home_ban"].as_object()[key] = v;
  };
}
Mutation erase_ban(std::string key) {
  return [key = std::move(key)](json::object& o) { o["home_ban"].as_object().erase(key); };
}
Mutation ban(std::string starts_at, std::string ends_at) {
  return set("home_ban", json::object{{"starts_at", starts_at}, {"ends_at", ends_at}});
}
Mutation set_person(std::size_t i, std::string key, json::value v) {
  return [i, key = std::move(key), v = std::move(v)](json::object& o) {
    o["persons"].as_array()[i].as_object()[key] = v;
  };
}
Mutation erase_person(std::size_t i, std::string key) {
  return [i, key = std::move(key)](json::object& o) {
    o["persons"].as_array()[i].as_object().erase(key);
  };
}
Mutation n_persons(std::size_t n) {
  return [n](json::object& o) {
    json::array a;
    for (std::size_t i = 0; i < n; ++i) a.push_back(json::object{{"role", "other"}});
    o["persons"] = std::move(a);
  };
}
Mutation all(std::vector<Mutation> ms) {
  return [ms = std::move(ms)](json::object& o) {
    for (const auto& m : ms) m(o);
  };
}

struct Expect {
  int status = 0;  // 0 = accepted
  std::string code;
  std::string field;
};
const Expect ok{};
Expect err(std::string code, std::string field) {
  return {422, std::move(code), std::move(field)};
}

struct Case {
  std::string name;
  Mutation mutate;
  Expect expect;
};

// Every rule of the contract's table: a passing boundary and a failing one.
const std::vector<Case> kCases = {
    {"base_body_is_valid", [](json::object&) {}, ok},

    // reference
    {"reference_1_char", set("reference", "A"), ok},
    {"reference_64_chars", set("reference", repeat("a", 64)), ok},
    {"reference_whole_alphabet", set("reference", "AZaz09._:/-"), ok},
    {"reference_65_chars", set("reference", repeat("a", 65)),
     err("invalid_identifier", "reference")},
    {"reference_empty", set("reference", ""), err("invalid_identifier", "reference")},
    {"reference_space", set("reference", "PNN 1"), err("invalid_identifier", "reference")},
    {"reference_hash", set("reference", "PNN#1"), err("invalid_identifier", "reference")},
    {"reference_non_ascii", set("reference", "PNN\xC3\xA9"),
     err("invalid_identifier", "reference")},
    {"reference_number", set("reference", 123), err("wrong_type", "reference")},
    {"reference_missing", erase("reference"), err("missing_field", "reference")},
    {"reference_null", set("reference", nullptr), err("missing_field", "reference")},

    // kind (home_ban present in the base body, so every kind passes)
    {"kind_home_ban", set("kind", "home_ban"), ok},
    {"kind_home_ban_extended", set("kind", "home_ban_extended"), ok},
    {"kind_home_ban_lifted", set("kind", "home_ban_lifted"), ok},
    {"kind_code_red", set("kind", "code_red"), ok},
    {"kind_ban_violation", set("kind", "ban_violation"), ok},
    {"kind_repeat_incident", set("kind", "repeat_incident"), ok},
    {"kind_unknown", set("kind", "burglary"), err("unknown_kind", "kind")},
    {"kind_wrong_case", set("kind", "HOME_BAN"), err("unknown_kind", "kind")},
    {"kind_empty", set("kind", ""), err("unknown_kind", "kind")},
    {"kind_array", set("kind", json::array{"home_ban"}), err("wrong_type", "kind")},
    {"kind_missing", erase("kind"), err("missing_field", "kind")},

    // region
    {"region_other_configured", set("region", "drenthe"), ok},
    {"region_unconfigured", set("region", "utrecht"), err("unknown_region", "region")},
    {"region_wrong_case", set("region", "Groningen"), err("unknown_region", "region")},
    {"region_empty", set("region", ""), err("unknown_region", "region")},
    {"region_bool", set("region", true), err("wrong_type", "region")},
    {"region_missing", erase("region"), err("missing_field", "region")},

    // reported_at
    {"reported_at_utc", set("reported_at", "2026-11-22T13:03:00Z"), ok},
    {"reported_at_fraction_negative_offset", set("reported_at", "2026-11-22T08:03:00.250-05:00"),
     ok},
    {"reported_at_leap_day", set("reported_at", "2028-02-29T12:00:00+01:00"), ok},
    {"reported_at_no_offset", set("reported_at", "2026-11-22T14:03:00"),
     err("invalid_timestamp", "reported_at")},
    {"reported_at_feb_30", set("reported_at", "2026-02-30T14:03:00+01:00"),
     err("invalid_timestamp", "reported_at")},
    {"reported_at_feb_29_non_leap", set("reported_at", "2026-02-29T14:03:00+01:00"),
     err("invalid_timestamp", "reported_at")},
    {"reported_at_space_separator", set("reported_at", "2026-11-22 14:03:00+01:00"),
     err("invalid_timestamp", "reported_at")},
    {"reported_at_offset_without_colon", set("reported_at", "2026-11-22T14:03:00+0100"),
     err("invalid_timestamp", "reported_at")},
    {"reported_at_date_only", set("reported_at", "2026-11-22"),
     err("invalid_timestamp", "reported_at")},
    {"reported_at_hour_24", set("reported_at", "2026-11-22T24:00:00Z"),
     err("invalid_timestamp", "reported_at")},
    {"reported_at_epoch_number", set("reported_at", 1795352580), err("wrong_type", "reported_at")},
    {"reported_at_missing", erase("reported_at"), err("missing_field", "reported_at")},

    // household
    {"household_1_char", set("household", "h"), ok},
    {"household_64_chars", set("household", repeat("h", 64)), ok},
    {"household_65_chars", set("household", repeat("h", 65)),
     err("invalid_identifier", "household")},
    {"household_empty", set("household", ""), err("invalid_identifier", "household")},
    {"household_bad_char", set("household", "hh 7f3a9c"), err("invalid_identifier", "household")},
    {"household_object", set("household", json::object{}), err("wrong_type", "household")},
    {"household_missing", erase("household"), err("missing_field", "household")},

    // home_ban: presence depends on kind
    {"home_ban_missing_for_home_ban", erase("home_ban"), err("missing_field", "home_ban")},
    {"home_ban_null_for_home_ban", set("home_ban", nullptr), err("missing_field", "home_ban")},
    {"home_ban_missing_for_extended", all({set("kind", "home_ban_extended"), erase("home_ban")}),
     err("missing_field", "home_ban")},
    {"home_ban_absent_for_lifted", all({set("kind", "home_ban_lifted"), erase("home_ban")}), ok},
    {"home_ban_absent_for_code_red", all({set("kind", "code_red"), erase("home_ban")}), ok},
    {"home_ban_absent_for_ban_violation", all({set("kind", "ban_violation"), erase("home_ban")}),
     ok},
    {"home_ban_absent_for_repeat", all({set("kind", "repeat_incident"), erase("home_ban")}), ok},
    {"home_ban_null_for_code_red", all({set("kind", "code_red"), set("home_ban", nullptr)}), ok},
    {"home_ban_optional_still_validated",
     all({set("kind", "code_red"), ban("2026-11-22T13:40:00+01:00", "2026-11-21T13:40:00+01:00")}),
     err("ban_ends_before_start", "home_ban.ends_at")},
    // home_ban: shape
    {"home_ban_string", set("home_ban", "10 days"), err("wrong_type", "home_ban")},
    {"home_ban_array", set("home_ban", json::array{}), err("wrong_type", "home_ban")},
    {"home_ban_starts_at_missing", erase_ban("starts_at"),
     err("missing_field", "home_ban.starts_at")},
    {"home_ban_ends_at_missing", erase_ban("ends_at"), err("missing_field", "home_ban.ends_at")},
    {"home_ban_starts_at_number", set_ban("starts_at", 0), err("wrong_type", "home_ban.starts_at")},
    {"home_ban_starts_at_no_offset", set_ban("starts_at", "2026-11-22T13:40:00"),
     err("invalid_timestamp", "home_ban.starts_at")},
    {"home_ban_ends_at_bad_date", set_ban("ends_at", "2026-11-31T13:40:00+01:00"),
     err("invalid_timestamp", "home_ban.ends_at")},
    // home_ban: order
    {"home_ban_1s_long", ban("2026-11-22T13:40:00+01:00", "2026-11-22T13:40:01+01:00"), ok},
    {"home_ban_same_instant_other_offset", ban("2026-11-22T13:40:00+01:00", "2026-11-22T12:40:00Z"),
     err("ban_ends_before_start", "home_ban.ends_at")},
    {"home_ban_zero_length", ban("2026-11-22T13:40:00+01:00", "2026-11-22T13:40:00+01:00"),
     err("ban_ends_before_start", "home_ban.ends_at")},
    {"home_ban_ends_before_start", ban("2026-11-22T13:40:00+01:00", "2026-11-22T13:39:59+01:00"),
     err("ban_ends_before_start", "home_ban.ends_at")},
    // home_ban: length ≤ 28 days
    {"home_ban_exactly_28_days", ban("2026-11-22T13:40:00+01:00", "2026-12-20T13:40:00+01:00"), ok},
    {"home_ban_28_days_plus_1s", ban("2026-11-22T13:40:00+01:00", "2026-12-20T13:40:01+01:00"),
     err("ban_too_long", "home_ban.ends_at")},
    {"home_ban_28_days_plus_1ms", ban("2026-11-22T13:40:00+01:00", "2026-12-20T13:40:00.001+01:00"),
     err("ban_too_long", "home_ban.ends_at")},
    {"home_ban_28_days_in_other_offsets", ban("2026-11-22T13:40:00+01:00", "2026-12-20T12:40:00Z"),
     ok},
    // Four calendar weeks across the end of DST (25 Oct 2026): 28 d + 1 h absolute.
    {"home_ban_28_wall_clock_days_across_dst_end",
     ban("2026-10-20T13:40:00+02:00", "2026-11-17T13:40:00+01:00"), ok},
    {"home_ban_28_wall_clock_days_plus_1s_across_dst_end",
     ban("2026-10-20T13:40:00+02:00", "2026-11-17T13:40:01+01:00"),
     err("ban_too_long", "home_ban.ends_at")},
    {"home_ban_28_days_across_dst_start",
     ban("2026-03-10T13:40:00+01:00", "2026-04-07T14:40:00+02:00"), ok},
    {"home_ban_offsets_cannot_stretch_beyond_1h",
     ban("2026-11-22T13:40:00+02:00", "2026-12-20T13:40:00Z"),
     err("ban_too_long", "home_ban.ends_at")},
    {"home_ban_extreme_offsets_cannot_stretch",
     ban("2026-11-22T13:40:00+14:00", "2026-12-20T13:40:00-12:00"),
     err("ban_too_long", "home_ban.ends_at")},

    // persons
    {"persons_absent", erase("persons"), ok},
    {"persons_null", set("persons", nullptr), ok},
    {"persons_empty", n_persons(0), ok},
    {"persons_20", n_persons(20), ok},
    {"persons_21", n_persons(21), err("too_many_persons", "persons")},
    {"persons_object", set("persons", json::object{{"role", "victim"}}),
     err("wrong_type", "persons")},
    {"persons_entry_string",
     all({n_persons(3), [](json::object& o) { o["persons"].as_array()[1] = "Jan"; }}),
     err("wrong_type", "persons[1]")},
    {"persons_role_perpetrator", set_person(0, "role", "perpetrator"), ok},
    {"persons_role_victim", set_person(0, "role", "victim"), ok},
    {"persons_role_child", set_person(0, "role", "child"), ok},
    {"persons_role_other", set_person(0, "role", "other"), ok},
    {"persons_role_missing", erase_person(0, "role"), err("missing_field", "persons[0].role")},
    {"persons_role_null", set_person(0, "role", nullptr), err("missing_field", "persons[0].role")},
    {"persons_role_unknown", set_person(0, "role", "witness"),
     err("unknown_role", "persons[0].role")},
    {"persons_role_number", set_person(0, "role", 1), err("wrong_type", "persons[0].role")},
    {"persons_role_error_names_index", all({n_persons(5), set_person(3, "role", "neighbour")}),
     err("unknown_role", "persons[3].role")},
    {"persons_name_200_ascii", set_person(0, "name", repeat("a", 200)), ok},
    {"persons_name_201_ascii", set_person(0, "name", repeat("a", 201)),
     err("too_long", "persons[0].name")},
    // 200 code points of 2, 3 and 4 bytes: would fail if bytes were counted.
    {"persons_name_200_two_byte", set_person(0, "name", repeat("\xC3\xA9", 200)), ok},
    {"persons_name_200_three_byte", set_person(0, "name", repeat("\xE2\x82\xAC", 200)), ok},
    {"persons_name_200_four_byte", set_person(0, "name", repeat("\xF0\x9F\x98\x80", 200)), ok},
    {"persons_name_201_two_byte", set_person(0, "name", repeat("\xC3\xA9", 201)),
     err("too_long", "persons[0].name")},
    {"persons_other_field_201_names_index",
     all({n_persons(4), set_person(3, "address", repeat("\xE2\x82\xAC", 201))}),
     err("too_long", "persons[3].address")},
    {"persons_field_number", set_person(0, "age", 34), err("wrong_type", "persons[0].age")},
    {"persons_field_object", set_person(0, "phone", json::object{}),
     err("wrong_type", "persons[0].phone")},
    {"persons_field_null_is_absent", set_person(0, "phone", nullptr), ok},
    {"persons_odd_field_name_not_in_path", set_person(0, "Jan Jansen", 1),
     err("wrong_type", "persons[0]")},
    {"persons_capitalised_field_name_not_in_path", set_person(0, "Jansen", 1),
     err("wrong_type", "persons[0]")},
    {"persons_snake_case_field_name_in_path", set_person(0, "birth_date_2", 1),
     err("wrong_type", "persons[0].birth_date_2")},
    {"persons_odd_field_name_long_value", set_person(0, "Tel.", repeat("1", 201)),
     err("too_long", "persons[0]")},

    // summary
    {"summary_absent", erase("summary"), ok},
    {"summary_null", set("summary", nullptr), ok},
    {"summary_empty", set("summary", ""), ok},
    {"summary_4000_ascii", set("summary", repeat("a", 4000)), ok},
    {"summary_4001_ascii", set("summary", repeat("a", 4001)), err("too_long", "summary")},
    {"summary_4000_three_byte", set("summary", repeat("\xE2\x82\xAC", 4000)), ok},
    {"summary_4000_four_byte", set("summary", repeat("\xF0\x9F\x98\x80", 4000)), ok},
    {"summary_4001_three_byte", set("summary", repeat("\xE2\x82\xAC", 4001)),
     err("too_long", "summary")},
    {"summary_number", set("summary", 42), err("wrong_type", "summary")},
    {"summary_array", set("summary", json::array{"a"}), err("wrong_type", "summary")},

    // unknown fields are ignored
    {"unknown_top_level_fields_ignored",
     all({set("priority", 1), set("extra", json::object{{"x", json::array{1, 2}}})}), ok},
    {"unknown_home_ban_field_ignored", set_ban("reason", 7), ok},

    // first error wins, in the order reference, kind, region, reported_at,
    // household, home_ban, persons, summary
    {"order_reference_before_kind", all({set("reference", ""), set("kind", "x")}),
     err("invalid_identifier", "reference")},
    {"order_kind_before_region", all({set("kind", "x"), set("region", "x")}),
     err("unknown_kind", "kind")},
    {"order_region_before_reported_at", all({set("region", "x"), set("reported_at", "x")}),
     err("unknown_region", "region")},
    {"order_reported_at_before_household", all({set("reported_at", "x"), set("household", "")}),
     err("invalid_timestamp", "reported_at")},
    {"order_household_before_home_ban", all({set("household", ""), erase("home_ban")}),
     err("invalid_identifier", "household")},
    {"order_home_ban_before_persons", all({erase("home_ban"), n_persons(21)}),
     err("missing_field", "home_ban")},
    {"order_persons_before_summary", all({n_persons(21), set("summary", 1)}),
     err("too_many_persons", "persons")},
    {"order_starts_at_before_ends_at", all({set_ban("starts_at", "x"), set_ban("ends_at", "x")}),
     err("invalid_timestamp", "home_ban.starts_at")},
    {"order_summary_last_error", all({set("summary", 1)}), err("wrong_type", "summary")},
    {"order_persons_by_index",
     all({n_persons(3), set_person(2, "role", "x"), set_person(1, "role", "y")}),
     err("unknown_role", "persons[1].role")},
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class ValidationTable : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationTable, AcceptsOrRejects) {
  const Case& c = GetParam();
  json::object body = base_body();
  c.mutate(body);
  const auto result = validate_incident(json::serialize(body), kRegions);
  if (c.expect.status == 0) {
    const auto* error = std::get_if<common::ApiRefusal>(&result);
    ASSERT_EQ(error, nullptr) << ::testing::PrintToString(*error);
  } else {
    ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(result)) << "accepted";
    const auto& error = std::get<common::ApiRefusal>(result);
    EXPECT_EQ(error.status, c.expect.status);
    EXPECT_EQ(error.code, c.expect.code);
    EXPECT_EQ(error.field, c.expect.field);
    EXPECT_FALSE(error.message.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, ValidationTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return param_info.param.name;
                         });

// Bodies that are not JSON objects: 400.
struct BodyCase {
  std::string name;
  std::string body;
  std::string code;
};

const std::vector<BodyCase> kBadBodies = {
    {"empty", "", "invalid_json"},
    {"plain_text", "reference=PNN-1", "invalid_json"},
    {"truncated", R"({"reference": "PNN-1")", "invalid_json"},
    {"trailing_data", R"({"reference": "PNN-1"} x)", "invalid_json"},
    {"two_objects", "{} {}", "invalid_json"},
    {"comment", "{} // note", "invalid_json"},
    {"single_quotes", "{'reference': 'PNN-1'}", "invalid_json"},
    {"trailing_comma", R"({"reference": "PNN-1",})", "invalid_json"},
    {"invalid_utf8", "{\"summary\": \"\xFF\xFE\"}", "invalid_json"},
    {"overlong_utf8", "{\"summary\": \"\xC0\xAF\"}", "invalid_json"},
    {"utf16_surrogate_in_utf8", "{\"summary\": \"\xED\xA0\x80\"}", "invalid_json"},
    {"array", R"([{"reference": "PNN-1"}])", "not_an_object"},
    {"string", R"("PNN-1")", "not_an_object"},
    {"number", "42", "not_an_object"},
    {"null", "null", "not_an_object"},
    {"bool", "true", "not_an_object"},
};

void PrintTo(const BodyCase& c, std::ostream* os) {
  *os << c.name;
}

class BadBodies : public ::testing::TestWithParam<BodyCase> {};

TEST_P(BadBodies, Answer400) {
  const auto result = validate_incident(GetParam().body, kRegions);
  ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(result));
  const auto& error = std::get<common::ApiRefusal>(result);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.code, GetParam().code);
  EXPECT_EQ(error.field, "");
}

INSTANTIATE_TEST_SUITE_P(NotAnObject, BadBodies, ::testing::ValuesIn(kBadBodies),
                         [](const ::testing::TestParamInfo<BodyCase>& param_info) {
                           return param_info.param.name;
                         });

IncidentRequest accept(const std::string& body) {
  auto result = validate_incident(body, kRegions);
  if (auto* error = std::get_if<common::ApiRefusal>(&result)) {
    ADD_FAILURE() << ::testing::PrintToString(*error);
    return {};
  }
  return std::get<IncidentRequest>(std::move(result));
}

TEST(Validation, FillsTypedFields) {
  const IncidentRequest r = accept(json::serialize(base_body()));
  EXPECT_EQ(r.reference, "PNN-2026-000123");
  EXPECT_EQ(r.kind, common::IncidentKind::home_ban);
  EXPECT_EQ(r.region, "groningen");
  EXPECT_EQ(r.reported_at, *common::parse_rfc3339("2026-11-22T13:03:00Z"));
  EXPECT_EQ(r.household, "hh-7f3a9c");
  ASSERT_TRUE(r.home_ban.has_value());
  EXPECT_EQ(r.home_ban->starts_at, *common::parse_rfc3339("2026-11-22T12:40:00Z"));
  EXPECT_EQ(r.home_ban->ends_at, *common::parse_rfc3339("2026-12-02T12:40:00Z"));
  EXPECT_EQ(r.person_roles, std::vector<common::PersonRole>{common::PersonRole::victim});
}

TEST(Validation, PersonRolesInRequestOrder) {
  json::object body = base_body();
  body["persons"] =
      json::array{json::object{{"role", "perpetrator"}},
                  json::object{{"role", "child"}, {"name", "K"}}, json::object{{"role", "victim"}}};
  const IncidentRequest r = accept(json::serialize(body));
  EXPECT_EQ(r.person_roles, (std::vector<common::PersonRole>{common::PersonRole::perpetrator,
                                                             common::PersonRole::child,
                                                             common::PersonRole::victim}));
}

TEST(Validation, NoHomeBanWhenAbsent) {
  json::object body = base_body();
  body["kind"] = "code_red";
  body.erase("home_ban");
  const IncidentRequest r = accept(json::serialize(body));
  EXPECT_EQ(r.kind, common::IncidentKind::code_red);
  EXPECT_FALSE(r.home_ban.has_value());
  EXPECT_FALSE(r.stored.contains("home_ban"));
}

TEST(Validation, StoresExactlyTheKnownFields) {
  json::object body = base_body();
  body["priority"] = "high";
  body["home_ban"].as_object()["reason"] = "x";
  body["persons"].as_array()[0].as_object()["address"] = "Dorpsstraat 1";
  body["persons"].as_array()[0].as_object()["nickname"] = nullptr;
  const IncidentRequest r = accept(json::serialize(body));

  json::object expected = base_body();
  expected["persons"].as_array()[0].as_object()["address"] = "Dorpsstraat 1";
  EXPECT_EQ(r.stored, expected) << json::serialize(r.stored);
  EXPECT_FALSE(r.stored.contains("priority"));
  EXPECT_FALSE(r.stored.at("home_ban").as_object().contains("reason"));
  EXPECT_FALSE(r.stored.at("persons").as_array()[0].as_object().contains("nickname"));
}

TEST(Validation, StoresOnlyPresentOptionalFields) {
  json::object body = base_body();
  body.erase("persons");
  body["summary"] = nullptr;
  const IncidentRequest r = accept(json::serialize(body));
  EXPECT_FALSE(r.stored.contains("persons"));
  EXPECT_FALSE(r.stored.contains("summary"));
  EXPECT_TRUE(r.person_roles.empty());
  EXPECT_EQ(r.stored.size(), 6U);
}

TEST(Validation, StoresTimestampsAsReceived) {
  json::object body = base_body();
  body["reported_at"] = "2026-11-22t14:03:00.250+01:00";
  const IncidentRequest r = accept(json::serialize(body));
  EXPECT_EQ(r.stored.at("reported_at"), "2026-11-22t14:03:00.250+01:00");
  EXPECT_EQ(r.reported_at, *common::parse_rfc3339("2026-11-22T13:03:00.250Z"));
}

TEST(Validation, ValidatesTheUnserialisedBodyToo) {
  const auto parsed = parse_body(json::serialize(base_body()));
  ASSERT_TRUE(std::holds_alternative<json::value>(parsed));
  const auto result = validate_parsed_incident(std::get<json::value>(parsed), kRegions);
  EXPECT_TRUE(std::holds_alternative<IncidentRequest>(result));
  const auto not_object = validate_parsed_incident(json::value(json::array{}), kRegions);
  ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(not_object));
  EXPECT_EQ(std::get<common::ApiRefusal>(not_object).code, "not_an_object");
}

TEST(Validation, DuplicateKeysKeepTheLast) {
  std::string body = json::serialize(base_body());
  body.insert(1, R"("summary": 5, )");  // earlier duplicate with a wrong type
  const IncidentRequest r = accept(body);
  EXPECT_EQ(r.stored.at("summary"), "free text");
}

TEST(Validation, NoRegionsConfiguredRejectsEveryRegion) {
  const auto result = validate_incident(json::serialize(base_body()), RegionSet{});
  ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(result));
  EXPECT_EQ(std::get<common::ApiRefusal>(result).code, "unknown_region");
}

// No error message or body echoes the offending value.
TEST(Validation, ErrorsNeverEchoValues) {
  const std::string secret = "Jansen0612345678";
  const std::vector<Mutation> leaks = {
      set_person(0, "name", repeat(secret, 20)),
      set_person(0, "role", str(secret)),
      set_person(0, secret, 1),
      set_person(0, "0612345678", 1),
      set_person(0, "phone", json::array{str(secret)}),
      set("summary", repeat(secret, 300)),
      set("household", str(secret + " ")),
      set("reference", str(secret + "#")),
      set("region", str(secret)),
      set("kind", str(secret)),
      set("reported_at", str(secret)),
      set_ban("ends_at", str(secret)),
      all({n_persons(2), [&](json::object& o) { o["persons"].as_array()[1] = str(secret); }}),
  };
  for (std::size_t i = 0; i < leaks.size(); ++i) {
    json::object body = base_body();
    leaks[i](body);
    const auto result = validate_incident(json::serialize(body), kRegions);
    ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(result)) << "case " << i;
    const std::string answer = to_json(std::get<common::ApiRefusal>(result));
    EXPECT_EQ(answer.find("Jansen"), std::string::npos) << "case " << i << ": " << answer;
    EXPECT_EQ(answer.find("0612345678"), std::string::npos) << "case " << i << ": " << answer;
  }
  // Nor does a JSON syntax error inside person data.
  const auto syntax = validate_incident(R"({"persons":[{"name":"Jansen)", kRegions);
  ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(syntax));
  EXPECT_EQ(to_json(std::get<common::ApiRefusal>(syntax)).find("Jansen"), std::string::npos);
}

TEST(ApiRefusalJson, ValidationErrorsSerialise) {
  json::object body = base_body();
  body["persons"] = json::array{json::object{{"role", "victim"}}, json::object{{"role", "x"}}};
  const auto result = validate_incident(json::serialize(body), kRegions);
  ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(result));
  const json::value v = json::parse(to_json(std::get<common::ApiRefusal>(result)));
  EXPECT_EQ(v.at("error").at("code"), "unknown_role");
  EXPECT_EQ(v.at("error").at("field"), "persons[1].role");
}

TEST(CountCodePoints, CountsCodePointsNotBytes) {
  EXPECT_EQ(count_code_points(""), 0U);
  EXPECT_EQ(count_code_points("abc"), 3U);
  EXPECT_EQ(count_code_points("\xC3\xA9"), 1U);
  EXPECT_EQ(count_code_points("\xE2\x82\xAC"), 1U);
  EXPECT_EQ(count_code_points("\xF0\x9F\x98\x80"), 1U);
  EXPECT_EQ(count_code_points("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"), 5U);
}

// The roles kept on the incident: each once, in a fixed order; unknown or
// missing roles and persons that are not objects are left out.
TEST(PersonRoles, EachRoleOnceInAFixedOrder) {
  const auto roles = [](std::string_view persons) {
    return person_roles(
        boost::json::parse(std::string(R"({"persons":)") + std::string(persons) + "}").as_object());
  };
  EXPECT_EQ(roles(R"([{"role":"child"},{"role":"victim"},{"role":"perpetrator"},
                      {"role":"child"}])"),
            "perpetrator,victim,child");
  EXPECT_EQ(roles(R"([{"role":"other"},{"name":"x"},3,{"role":"boss"}])"), "other");
  EXPECT_EQ(roles("[]"), "");
  EXPECT_EQ(person_roles(boost::json::object{}), "");
}

}  // namespace
}  // namespace piket::ingest
