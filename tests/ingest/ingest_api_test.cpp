// The partner API (contract: partner-api.md) through IngestApi::handle, with
// plain HttpRequest values and a fake store: no sockets, no Redis.
//
// The contract's 413 row (body over 64 KiB) is answered by the HTTP server
// before IngestApi sees the request; it is covered in
// tests/common/http_test.cpp (HttpServerTest.BodyOverLimitIs413WithErrorJson,
// ContentLengthOverLimitIs413WithoutReadingTheBody, ...).
#include "piket/ingest/ingest_api.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "fake_incident_store.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/canonical_json.hpp"
#include "piket/ingest/ingest_wiring.hpp"

namespace piket::ingest {
namespace {

namespace json = boost::json;
using common::HttpRequest;
using common::HttpResponse;
using testing::FakeIncidentStore;
using namespace std::chrono_literals;

// Tokens (only their hashes go into the configuration).
const std::string kPoliceToken = "police-token-7Hq2xP9w";
const std::string kVeiligThuisToken = "vt-token-K3m8sR1z";
const std::string kLimitedToken = "limited-token-Z0b4nY6c";
const std::string kAdminToken = "admin-token-Q5v7tL2d";

// Person data, the household key and the summary: never in any answer.
const std::string kName = "Geheime Jansen";
const std::string kPhone = "+31611122233";
const std::string kSummary = "Secret summary about the kitchen knife";
const std::string kHousehold = "hh-secret-4711";
const std::vector<std::string> kPersonData = {kName, kPhone, kSummary, kHousehold, "Pietje Jansen"};

std::string config_text() {
  return R"(
[kannel]
username = "piket"
[rota]
file = "rota.toml"

[[regions]]
id = "groningen"

[[regions]]
id = "drenthe"

[[regions]]
id = "friesland"

[[partners]]
id = "police"
token_sha256 = ")" +
         common::sha256_hex(kPoliceToken) +
         R"("
regions = ["groningen", "drenthe"]
rate_per_second = 1000
burst = 1000

[[partners]]
id = "veilig-thuis"
token_sha256 = ")" +
         common::sha256_hex(kVeiligThuisToken) +
         R"("
regions = ["friesland"]
rate_per_second = 1000
burst = 1000

[[partners]]
id = "limited"
token_sha256 = ")" +
         common::sha256_hex(kLimitedToken) +
         R"("
regions = ["drenthe"]
rate_per_second = 0.5
burst = 2

[[admins]]
id = "ops"
token_sha256 = ")" +
         common::sha256_hex(kAdminToken) +
         R"("
)";
}

// The contract's example, carrying the person data above.
json::object incident(const std::string& reference, const std::string& region = "groningen") {
  return json::object{
      {"reference", reference},
      {"kind", "home_ban"},
      {"region", region},
      {"reported_at", "2026-11-22T14:03:00+01:00"},
      {"household", kHousehold},
      {"home_ban", json::object{{"starts_at", "2026-11-22T13:40:00+01:00"},
                                {"ends_at", "2026-12-02T13:40:00+01:00"}}},
      {"persons", json::array{json::object{{"role", "victim"}, {"name", kName}, {"phone", kPhone}},
                              json::object{{"role", "child"}, {"name", "Pietje Jansen"}}}},
      {"summary", kSummary},
  };
}

// The same JSON value as serialize(incident("PNN-2026-000123")), written
// differently: other key order, whitespace, and escapes for plain characters.
std::string incident_text_rewritten() {
  return "\n{ \"summary\" : \"" + kSummary +
         "\",\n"
         "  \"persons\" : [ { \"phone\": \"" +
         kPhone + "\", \"name\": \"" + kName +
         "\", \"role\": \"victim\" },\n"
         "                { \"name\": \"Pietje Jansen\", \"role\": \"ch\\u0069ld\" } ],\n"
         "  \"home_ban\": {\"ends_at\":\"2026-12-02T13:40:00+01:00\",  "
         "\"starts_at\":\"2026-11-22T13:40:00+01:00\"},\n"
         "  \"household\": \"" +
         kHousehold +
         "\", \"reported_at\": \"2026-11-22T14:03:00+01:00\",\n"
         "\t\"region\": \"groningen\", \"kind\": \"home_ban\", \"reference\": "
         "\"\\u0050NN-2026-000123\"\n}\n";
}

HttpRequest request(std::string method, std::string path, const std::string& token) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = path;
  r.path = std::move(path);
  r.remote = "127.0.0.1";
  if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
  return r;
}

HttpRequest post(const std::string& token, std::string body,
                 std::string content_type = "application/json") {
  auto r = request("POST", "/v1/incidents", token);
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

HttpRequest post(const std::string& token, const json::object& body) {
  return post(token, json::serialize(body));
}

HttpRequest get(const std::string& path, const std::string& token) {
  return request("GET", path, token);
}

HttpRequest set_clock_request(const std::string& token, std::string body) {
  auto r = request("POST", "/v1/admin/clock", token);
  r.headers.emplace_back("content-type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size(); ++i)
      same = same && std::tolower(static_cast<unsigned char>(k[i])) ==
                         std::tolower(static_cast<unsigned char>(name[i]));
    if (same) return v;
  }
  return {};
}

// The contract's error body: {"error": {"code", "message"[, "field"]}} and
// nothing else; `field` exactly when one field is at fault.
void expect_error(const HttpResponse& r, int status, std::string_view code,
                  std::string_view field = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json::value v;
  ASSERT_NO_THROW(v = json::parse(r.body)) << r.body;
  ASSERT_TRUE(v.is_object()) << r.body;
  ASSERT_EQ(v.as_object().size(), 1u) << r.body;
  ASSERT_TRUE(v.as_object().contains("error")) << r.body;
  const auto& e = v.at("error").as_object();
  ASSERT_TRUE(e.contains("code") && e.at("code").is_string()) << r.body;
  EXPECT_EQ(e.at("code").as_string(), code) << r.body;
  EXPECT_TRUE(
      std::regex_match(std::string(e.at("code").as_string()), std::regex{"^[a-z][a-z0-9_]*$"}));
  ASSERT_TRUE(e.contains("message") && e.at("message").is_string()) << r.body;
  EXPECT_FALSE(e.at("message").as_string().empty());
  if (field.empty()) {
    EXPECT_EQ(e.size(), 2u) << r.body;
    EXPECT_FALSE(e.contains("field")) << r.body;
  } else {
    EXPECT_EQ(e.size(), 3u) << r.body;
    ASSERT_TRUE(e.contains("field")) << r.body;
    EXPECT_EQ(e.at("field").as_string(), field) << r.body;
  }
}

const std::regex kIncidentIdShape{"^I[0-9A-Z]{16}$"};

// {"incident_id", "case_id", "status"} and nothing else.
json::object expect_incident_body(const HttpResponse& r, int status,
                                  std::string_view incident_status = "accepted") {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json::value v;
  EXPECT_NO_THROW(v = json::parse(r.body)) << r.body;
  if (!v.is_object()) {
    ADD_FAILURE() << "not an object: " << r.body;
    return {};
  }
  const auto& o = v.as_object();
  EXPECT_EQ(o.size(), 3u) << r.body;
  EXPECT_TRUE(o.contains("incident_id") && o.at("incident_id").is_string()) << r.body;
  EXPECT_TRUE(o.contains("case_id") && o.at("case_id").is_string()) << r.body;
  EXPECT_TRUE(o.contains("status") && o.at("status").is_string()) << r.body;
  if (o.size() != 3u || !o.at("incident_id").is_string() || !o.at("case_id").is_string() ||
      !o.at("status").is_string())
    return {};
  EXPECT_TRUE(std::regex_match(std::string(o.at("incident_id").as_string()), kIncidentIdShape))
      << r.body;
  EXPECT_FALSE(o.at("case_id").as_string().empty());
  EXPECT_EQ(o.at("status").as_string(), incident_status);
  return o;
}

std::string id_of(const HttpResponse& r) {
  return std::string(json::parse(r.body).at("incident_id").as_string());
}

const common::Instant kDomainStart = *common::parse_rfc3339("2026-11-22T14:05:00+01:00");
const common::Instant kTransportStart = *common::parse_rfc3339("2031-01-01T00:00:00Z");

class IngestApiTest : public ::testing::Test {
 protected:
  IngestApiTest()
      : config_(config::parse_config(config_text(), "ingest-test.toml")),
        domain_clock_(kDomainStart),
        transport_clock_(kTransportStart),
        shared_clock_(kDomainStart),
        metrics_("ingest") {}

  // Deployments on a simulated clock get POST /v1/admin/clock; call before
  // the first request.
  void enable_clock_endpoint() {
    ASSERT_FALSE(api_) << "enable_clock_endpoint() after the first request";
    clock_endpoint_ = true;
  }

  IngestApi& api() {
    if (!api_) {
      auto deps = ingest_deps(config_, domain_clock_, transport_clock_, store_, metrics_);
      if (clock_endpoint_) {
        deps.set_clock = [this](
                             std::optional<common::Millis> advance,
                             std::optional<common::Instant> set) -> std::optional<common::Instant> {
          ++set_clock_calls_;
          if (advance) shared_clock_.advance(*advance);
          if (set && !shared_clock_.set(*set)) return std::nullopt;
          return shared_clock_.now();
        };
      }
      api_ = std::make_unique<IngestApi>(std::move(deps));
    }
    return *api_;
  }

  // Every answer goes through here so TearDown can check them all.
  HttpResponse call(const HttpRequest& r) {
    auto response = api().handle(r);
    answers_.push_back(response);
    return response;
  }

  void TearDown() override {
    // Contract: "No answer ever echoes person data." Checked for every answer
    // of every test.
    for (const auto& a : answers_) {
      for (const auto& secret : kPersonData) {
        EXPECT_EQ(a.body.find(secret), std::string::npos)
            << "answer " << a.status << " echoes \"" << secret << "\": " << a.body;
        for (const auto& [k, v] : a.headers)
          EXPECT_EQ(v.find(secret), std::string::npos) << "header " << k << " echoes " << secret;
      }
    }
  }

  config::Config config_;
  common::SimulatedClock domain_clock_;
  common::SimulatedClock transport_clock_;
  common::SimulatedClock shared_clock_;  // what the admin endpoint moves
  int set_clock_calls_ = 0;
  FakeIncidentStore store_;
  common::Metrics metrics_;
  bool clock_endpoint_ = false;
  std::unique_ptr<IngestApi> api_;
  std::vector<HttpResponse> answers_;
};

// ------------------------------------------------------------ 201

TEST_F(IngestApiTest, AcceptedIs201WithIdsAndStatus) {
  const auto body = json::serialize(incident("PNN-2026-000123"));
  const auto r = call(post(kPoliceToken, body));
  const auto o = expect_incident_body(r, 201);
  ASSERT_EQ(store_.size(), 1u);
  const auto stored = store_.all().front();
  EXPECT_EQ(o.at("incident_id").as_string(), stored.incident_id);
  EXPECT_EQ(o.at("case_id").as_string(), stored.case_id);
  EXPECT_EQ(stored.partner, "police");
  EXPECT_EQ(stored.reference, "PNN-2026-000123");
  EXPECT_EQ(stored.region, "groningen");
  EXPECT_EQ(stored.household, kHousehold);
  EXPECT_EQ(stored.body_hash, idempotency_hash(json::parse(stored.stored_json).as_object()));
}

TEST_F(IngestApiTest, AcceptedAtIsDomainTimeAndOutboxUsesTransportTime) {
  domain_clock_.advance(37min);
  transport_clock_.advance(5s);
  ASSERT_EQ(call(post(kPoliceToken, incident("PNN-1"))).status, 201);
  const auto stored = store_.all().front();
  EXPECT_EQ(stored.accepted_at, kDomainStart + 37min);
  EXPECT_EQ(stored.transport_now, kTransportStart + 5s);
}

TEST_F(IngestApiTest, UnknownFieldsAreIgnored) {
  auto body = incident("PNN-unknown-fields");
  body["priority"] = "high";
  body["extra"] = json::object{{"nested", json::array{1, 2, 3}}};
  const auto r = call(post(kPoliceToken, body));
  expect_incident_body(r, 201);
  ASSERT_EQ(store_.size(), 1u);
  const auto stored = json::parse(store_.all().front().stored_json).as_object();
  EXPECT_FALSE(stored.contains("priority"));
  EXPECT_FALSE(stored.contains("extra"));
  EXPECT_EQ(stored.at("reference").as_string(), "PNN-unknown-fields");
}

TEST_F(IngestApiTest, EachAcceptedIncidentGetsItsOwnId) {
  const auto a = call(post(kPoliceToken, incident("PNN-a")));
  const auto b = call(post(kPoliceToken, incident("PNN-b")));
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  EXPECT_NE(id_of(a), id_of(b));
  EXPECT_EQ(store_.size(), 2u);
}

// ------------------------------------------------------------ 200 replay

TEST_F(IngestApiTest, SameBodyAgainIs200WithTheFirstAnswersBody) {
  const auto body = json::serialize(incident("PNN-2026-000123"));
  const auto first = call(post(kPoliceToken, body));
  ASSERT_EQ(first.status, 201) << first.body;
  domain_clock_.advance(1h);
  const auto second = call(post(kPoliceToken, body));
  expect_incident_body(second, 200);
  EXPECT_EQ(second.body, first.body);
  const auto third = call(post(kPoliceToken, body));
  EXPECT_EQ(third.status, 200);
  EXPECT_EQ(third.body, first.body);
  EXPECT_EQ(store_.size(), 1u);
}

TEST_F(IngestApiTest, ReplayWithReorderedKeysWhitespaceAndEscapesIs200) {
  const auto first = call(post(kPoliceToken, incident("PNN-2026-000123")));
  ASSERT_EQ(first.status, 201) << first.body;
  const auto rewritten = incident_text_rewritten();
  ASSERT_NE(rewritten, json::serialize(incident("PNN-2026-000123")));
  const auto again = call(post(kPoliceToken, rewritten));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(store_.size(), 1u);
}

TEST_F(IngestApiTest, ReplayAnswersTheFirstBodyEvenAfterTheIncidentMovedOn) {
  const auto body = incident("PNN-moved-on");
  const auto first = call(post(kPoliceToken, body));
  ASSERT_EQ(first.status, 201);
  store_.set_status(id_of(first), "dispatched");
  const auto again = call(post(kPoliceToken, body));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);  // "the same body as the first answer"
}

TEST_F(IngestApiTest, ReplayThatOnlyAddsUnknownFieldsIs200WithTheFirstBody) {
  // The contract: unknown fields are ignored — also by the idempotency check.
  const auto first = call(post(kPoliceToken, incident("PNN-unknown-replay")));
  ASSERT_EQ(first.status, 201) << first.body;
  auto more = incident("PNN-unknown-replay");
  more["priority"] = "high";
  more["persons"].as_array()[0].as_object()["nickname_hint"] = nullptr;  // a null is absent
  more["home_ban"].as_object()["issued_by"] = "mayor";                   // unknown, dropped
  const auto again = call(post(kPoliceToken, more));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(store_.size(), 1u);
  // A changed known field is still a conflict, unknown fields or not.
  more["summary"] = "Another summary";
  expect_error(call(post(kPoliceToken, more)), 409, "idempotency_conflict", "reference");
}

// ------------------------------------------------------------ 409

TEST_F(IngestApiTest, SameReferenceWithDifferentBodyIs409) {
  const auto first = call(post(kPoliceToken, incident("PNN-2026-000123")));
  ASSERT_EQ(first.status, 201);
  auto changed = incident("PNN-2026-000123");
  changed["summary"] = "A different summary";
  expect_error(call(post(kPoliceToken, changed)), 409, "idempotency_conflict", "reference");
  auto other_kind = incident("PNN-2026-000123");
  other_kind["kind"] = "home_ban_extended";
  expect_error(call(post(kPoliceToken, other_kind)), 409, "idempotency_conflict", "reference");
  EXPECT_EQ(store_.size(), 1u);
  // The original is untouched: the identical body still replays.
  const auto replay = call(post(kPoliceToken, incident("PNN-2026-000123")));
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
}

TEST_F(IngestApiTest, SameReferenceFromAnotherPartnerIsItsOwnIncident) {
  const auto police = call(post(kPoliceToken, incident("SHARED-REF-1", "groningen")));
  const auto vt = call(post(kVeiligThuisToken, incident("SHARED-REF-1", "friesland")));
  expect_incident_body(police, 201);
  expect_incident_body(vt, 201);
  EXPECT_NE(id_of(police), id_of(vt));
  EXPECT_EQ(store_.size(), 2u);
}

// ------------------------------------------------------------ 400

TEST_F(IngestApiTest, NotJsonIs400) {
  for (const std::string body :
       {"", "{", "not json", "{\"reference\": }", "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}",
        "{'single': 'quotes'}", "\"\xff\xfe\"", "{\"a\":1, // comment\n}"}) {
    SCOPED_TRACE(body);
    expect_error(call(post(kPoliceToken, body)), 400, "invalid_json");
  }
  EXPECT_EQ(store_.store_calls(), 0u);
}

TEST_F(IngestApiTest, NotAnObjectIs400) {
  for (const std::string body :
       {"[]", "[{\"reference\":\"x\"}]", "\"text\"", "42", "null", "true"}) {
    SCOPED_TRACE(body);
    expect_error(call(post(kPoliceToken, body)), 400, "not_an_object");
  }
  EXPECT_EQ(store_.store_calls(), 0u);
}

// ------------------------------------------------------------ 422

struct FieldCase {
  std::string name;
  std::function<void(json::object&)> mutate;
  std::string code;
  std::string field;
};

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST_F(IngestApiTest, FieldBreakingARuleIs422NamingTheField) {
  const std::vector<FieldCase> cases = {
      {"reference missing", [](json::object& o) { o.erase("reference"); }, "missing_field",
       "reference"},
      {"reference 65 chars", [](json::object& o) { o["reference"] = repeat("r", 65); },
       "invalid_identifier", "reference"},
      {"kind unknown", [](json::object& o) { o["kind"] = "burglary"; }, "unknown_kind", "kind"},
      {"region not configured", [](json::object& o) { o["region"] = "utrecht"; }, "unknown_region",
       "region"},
      {"reported_at without offset",
       [](json::object& o) { o["reported_at"] = "2026-11-22T14:03:00"; }, "invalid_timestamp",
       "reported_at"},
      {"household with a space", [](json::object& o) { o["household"] = "hh secret 4711"; },
       "invalid_identifier", "household"},
      {"household a number", [](json::object& o) { o["household"] = 4711; }, "wrong_type",
       "household"},
      {"home_ban missing for home_ban", [](json::object& o) { o.erase("home_ban"); },
       "missing_field", "home_ban"},
      {"ban ends before it starts",
       [](json::object& o) { o["home_ban"].as_object()["ends_at"] = "2026-11-21T13:40:00+01:00"; },
       "ban_ends_before_start", "home_ban.ends_at"},
      {"ban of 29 days",
       [](json::object& o) { o["home_ban"].as_object()["ends_at"] = "2026-12-21T13:40:00+01:00"; },
       "ban_too_long", "home_ban.ends_at"},
      {"21 persons",
       [](json::object& o) {
         json::array a;
         for (int i = 0; i < 21; ++i) a.push_back(json::object{{"role", "other"}, {"name", kName}});
         o["persons"] = std::move(a);
       },
       "too_many_persons", "persons"},
      {"unknown role",
       [](json::object& o) { o["persons"].as_array()[0].as_object()["role"] = "boss"; },
       "unknown_role", "persons[0].role"},
      {"person name 201 chars",
       [](json::object& o) {
         std::string s = repeat(kName, 15);
         s.resize(201);
         o["persons"].as_array()[1].as_object()["name"] = s;
       },
       "too_long", "persons[1].name"},
      {"summary 4001 chars",
       [](json::object& o) {
         std::string s = repeat(kSummary, 4001 / kSummary.size() + 1);
         s.resize(4001);
         o["summary"] = s;
       },
       "too_long", "summary"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto body = incident("PNN-422-" + std::to_string(n++));
    c.mutate(body);
    expect_error(call(post(kPoliceToken, body)), 422, c.code, c.field);
  }
  EXPECT_EQ(store_.store_calls(), 0u);
}

TEST_F(IngestApiTest, LengthBoundariesOfTheContractAreAccepted) {
  auto body = incident("PNN-boundaries");
  body["reference"] = repeat("R", 64);
  body["summary"] = repeat("s", 4000);
  json::array persons;
  for (int i = 0; i < 20; ++i) persons.push_back(json::object{{"role", "other"}});
  persons[0].as_object()["name"] = repeat("n", 200);
  body["persons"] = persons;
  body["home_ban"].as_object()["ends_at"] = "2026-12-20T13:40:00+01:00";  // exactly 28 days
  expect_incident_body(call(post(kPoliceToken, body)), 201);
}

// ------------------------------------------------------------ 401

TEST_F(IngestApiTest, NoTokenIs401) {
  auto r = post("", incident("PNN-401"));
  expect_error(call(r), 401, "missing_token");
  EXPECT_EQ(store_.store_calls(), 0u);
}

TEST_F(IngestApiTest, UnknownTokenIs401) {
  expect_error(call(post("not-a-configured-token", incident("PNN-401"))), 401, "invalid_token");
  // A token's hash is not the token.
  expect_error(call(post(common::sha256_hex(kPoliceToken), incident("PNN-401"))), 401,
               "invalid_token");
  EXPECT_EQ(store_.store_calls(), 0u);
}

TEST_F(IngestApiTest, MalformedAuthorizationHeaderIs401) {
  const std::vector<std::string> values = {
      "Basic cG9saWNlOnB3",
      "Bearer",
      "Bearer ",
      "Bearer    ",
      kPoliceToken,
      "Token " + kPoliceToken,
      "Bearer" + kPoliceToken,
      "Bearer " + kPoliceToken + " extra",
      "Bearer " + kPoliceToken + "x",
      std::string(600, 'B'),
  };
  for (const auto& v : values) {
    SCOPED_TRACE(v);
    auto r = post("", incident("PNN-401"));
    r.headers.emplace_back("authorization", v);
    expect_error(call(r), 401, "invalid_token");
  }
  EXPECT_EQ(store_.store_calls(), 0u);
}

TEST_F(IngestApiTest, BearerSchemeIsCaseInsensitive) {
  auto r = post("", incident("PNN-lower-bearer"));
  r.headers.emplace_back("authorization", "bearer " + kPoliceToken);
  expect_incident_body(call(r), 201);
}

TEST_F(IngestApiTest, AuthenticationComesBeforeAnyContentCheck) {
  // Wrong content type and a broken body: still 401, the caller learns nothing.
  expect_error(call(post("", "{", "text/plain")), 401, "missing_token");
  expect_error(call(post("wrong", "{", "text/plain")), 401, "invalid_token");
}

// ------------------------------------------------------------ 403

TEST_F(IngestApiTest, RegionTheTokenMayNotPostForIs403) {
  // groningen is configured, but veilig-thuis may post for friesland only.
  expect_error(call(post(kVeiligThuisToken, incident("VT-1", "groningen"))), 403,
               "region_not_allowed", "region");
  EXPECT_EQ(store_.store_calls(), 0u);
  // Its own region works.
  expect_incident_body(call(post(kVeiligThuisToken, incident("VT-1", "friesland"))), 201);
}

// Mutual TLS (the HTTP server puts the client certificate's fingerprint into
// the request; tests/ingest/ingest_tls_test.cpp runs it over real TLS): a
// partner with configured certificates must come with one of them.
TEST_F(IngestApiTest, PartnerWithClientCertificatesMustPresentOneOfThem) {
  const std::string police_cert(64, 'a'), police_next(64, 'b'), vt_cert(64, 'c');
  for (auto& p : config_.partners) {
    if (p.id == "police") p.cert_sha256 = {police_cert, police_next};
    if (p.id == "veilig-thuis") p.cert_sha256 = {vt_cert};
  }
  auto with_cert = [](HttpRequest r, std::string fingerprint) {
    r.peer_cert_sha256 = std::move(fingerprint);
    return r;
  };
  // No certificate (plain HTTP, or TLS without one): 403, nothing stored.
  expect_error(call(post(kPoliceToken, incident("PNN-mtls"))), 403, "client_certificate_required");
  // Another partner's certificate with this partner's token: 403.
  expect_error(call(with_cert(post(kPoliceToken, incident("PNN-mtls")), vt_cert)), 403,
               "client_certificate_mismatch");
  EXPECT_EQ(store_.store_calls(), 0u);
  // The token comes first: a certificate without a token is still 401.
  expect_error(call(with_cert(post("", incident("PNN-mtls")), police_cert)), 401, "missing_token");
  // Either of the partner's certificates (one replacing the other).
  expect_incident_body(call(with_cert(post(kPoliceToken, incident("PNN-mtls")), police_cert)), 201);
  const auto second = call(with_cert(post(kPoliceToken, incident("PNN-mtls-2")), police_next));
  expect_incident_body(second, 201);
  // Reading follows the same rule.
  expect_error(call(get("/v1/incidents/" + id_of(second), kPoliceToken)), 403,
               "client_certificate_required");
  EXPECT_EQ(
      call(with_cert(get("/v1/incidents/" + id_of(second), kPoliceToken), police_cert)).status,
      200);
  // A partner without configured certificates is not affected (limited).
  expect_incident_body(call(post(kLimitedToken, incident("L-mtls", "drenthe"))), 201);
}

TEST_F(IngestApiTest, UnconfiguredRegionIs422NotForbidden) {
  expect_error(call(post(kVeiligThuisToken, incident("VT-2", "utrecht"))), 422, "unknown_region",
               "region");
}

TEST_F(IngestApiTest, AdminTokenMayNotPostIncidents) {
  expect_error(call(post(kAdminToken, incident("ADMIN-1"))), 403, "not_a_partner");
  EXPECT_EQ(store_.store_calls(), 0u);
}

// ------------------------------------------------------------ 415

TEST_F(IngestApiTest, WrongOrMissingContentTypeIs415) {
  for (const std::string type :
       {"", "text/plain", "application/x-www-form-urlencoded", "application/jsonp",
        "application/json-patch+json", "text/json", "application/json; charset=latin1",
        "application/json; charset=utf-16"}) {
    SCOPED_TRACE(type);
    expect_error(call(post(kPoliceToken, json::serialize(incident("PNN-415")), type)), 415,
                 "unsupported_media_type");
  }
  EXPECT_EQ(store_.store_calls(), 0u);
}

TEST_F(IngestApiTest, JsonWithUtf8CharsetIsAccepted) {
  int n = 0;
  for (const std::string type :
       {"application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON",
        "application/json; charset=\"utf-8\""}) {
    SCOPED_TRACE(type);
    const auto r =
        call(post(kPoliceToken, json::serialize(incident("PNN-ct-" + std::to_string(n++))), type));
    expect_incident_body(r, 201);
  }
  EXPECT_EQ(store_.size(), 4u);
}

// ------------------------------------------------------------ 429

TEST_F(IngestApiTest, ExhaustedBurstIs429WithRetryAfterAndRefillsOnTransportTime) {
  // limited: burst 2, 0.5 requests per second.
  expect_incident_body(call(post(kLimitedToken, incident("L-1", "drenthe"))), 201);
  expect_incident_body(call(post(kLimitedToken, incident("L-2", "drenthe"))), 201);

  auto r = call(post(kLimitedToken, incident("L-3", "drenthe")));
  expect_error(r, 429, "rate_limited");
  EXPECT_EQ(header(r, "Retry-After"), "2");  // one token at 0.5/s

  // Domain time (possibly simulated) does not refill the bucket.
  domain_clock_.advance(24h);
  expect_error(call(post(kLimitedToken, incident("L-3", "drenthe"))), 429, "rate_limited");

  transport_clock_.advance(1s);  // half a token
  r = call(post(kLimitedToken, incident("L-3", "drenthe")));
  expect_error(r, 429, "rate_limited");
  EXPECT_EQ(header(r, "Retry-After"), "1");

  transport_clock_.advance(1s);  // a whole token
  expect_incident_body(call(post(kLimitedToken, incident("L-3", "drenthe"))), 201);
  expect_error(call(post(kLimitedToken, incident("L-4", "drenthe"))), 429, "rate_limited");

  // Only the admitted requests reached the store.
  EXPECT_EQ(store_.store_calls(), 3u);
  EXPECT_EQ(store_.size(), 3u);
}

TEST_F(IngestApiTest, RetryAfterIsLongEnough) {
  expect_incident_body(call(post(kLimitedToken, incident("W-1", "drenthe"))), 201);
  expect_incident_body(call(post(kLimitedToken, incident("W-2", "drenthe"))), 201);
  const auto r = call(post(kLimitedToken, incident("W-3", "drenthe")));
  ASSERT_EQ(r.status, 429);
  const int wait = std::stoi(header(r, "Retry-After"));
  ASSERT_GE(wait, 1);
  transport_clock_.advance(std::chrono::seconds{wait});
  expect_incident_body(call(post(kLimitedToken, incident("W-3", "drenthe"))), 201);
}

TEST_F(IngestApiTest, LongIdleRefillsOnlyUpToTheBurst) {
  transport_clock_.advance(1h);
  expect_incident_body(call(post(kLimitedToken, incident("B-1", "drenthe"))), 201);
  expect_incident_body(call(post(kLimitedToken, incident("B-2", "drenthe"))), 201);
  expect_error(call(post(kLimitedToken, incident("B-3", "drenthe"))), 429, "rate_limited");
}

TEST_F(IngestApiTest, RateLimitIsPerPartner) {
  call(post(kLimitedToken, incident("P-1", "drenthe")));
  call(post(kLimitedToken, incident("P-2", "drenthe")));
  ASSERT_EQ(call(post(kLimitedToken, incident("P-3", "drenthe"))).status, 429);
  expect_incident_body(call(post(kPoliceToken, incident("P-3", "drenthe"))), 201);
}

// ------------------------------------------------------------ 503

TEST_F(IngestApiTest, StoreFailureIs503AndNothingIsAccepted) {
  store_.set_unavailable(true);
  const auto r = call(post(kPoliceToken, incident("PNN-503")));
  expect_error(r, 503, "storage_unavailable");
  EXPECT_EQ(store_.store_calls(), 1u);
  EXPECT_EQ(store_.size(), 0u);
  // Nothing was accepted: once the store is back, the retry is a first answer.
  store_.set_unavailable(false);
  expect_incident_body(call(post(kPoliceToken, incident("PNN-503"))), 201);
}

// ------------------------------------------------------------ GET /v1/incidents/{id}

TEST_F(IngestApiTest, OwnerSeesTheIncidentAndItsStatus) {
  const auto created = call(post(kPoliceToken, incident("PNN-get")));
  ASSERT_EQ(created.status, 201);
  const auto id = id_of(created);
  const auto case_id = json::parse(created.body).at("case_id").as_string();

  auto r = call(get("/v1/incidents/" + id, kPoliceToken));
  auto o = expect_incident_body(r, 200, "accepted");
  EXPECT_EQ(o["incident_id"].as_string(), id);
  EXPECT_EQ(o["case_id"].as_string(), case_id);

  for (const std::string status : {"dispatched", "acknowledged", "escalated"}) {
    store_.set_status(id, status);
    expect_incident_body(call(get("/v1/incidents/" + id, kPoliceToken)), 200, status);
  }
}

TEST_F(IngestApiTest, OtherPartnerGets404LikeAnUnknownId) {
  const auto created = call(post(kPoliceToken, incident("PNN-private")));
  ASSERT_EQ(created.status, 201);
  const auto other = call(get("/v1/incidents/" + id_of(created), kVeiligThuisToken));
  expect_error(other, 404, "not_found");
  const auto unknown = call(get("/v1/incidents/I0000000000009999", kVeiligThuisToken));
  expect_error(unknown, 404, "not_found");
  // Indistinguishable: the answer does not reveal that the incident exists.
  EXPECT_EQ(other.body, unknown.body);
}

TEST_F(IngestApiTest, UnknownIdIs404) {
  expect_error(call(get("/v1/incidents/I0000000000009999", kPoliceToken)), 404, "not_found");
  expect_error(call(get("/v1/incidents/IZZZZZZZZZZZZZZZZ", kPoliceToken)), 404, "not_found");
}

TEST_F(IngestApiTest, MalformedIdIs404WithoutAskingTheStore) {
  ASSERT_EQ(call(post(kPoliceToken, incident("PNN-m"))).status, 201);
  store_.set_unavailable(true);  // a lookup would answer 503
  for (const std::string id :
       {"", "abc", "i0000000000000001", "I000000000000001", "I00000000000000001",
        "I000000000000000!", "../admin/clock", "I0000000000000001/extra", "PNN-m"}) {
    SCOPED_TRACE(id);
    expect_error(call(get("/v1/incidents/" + id, kPoliceToken)), 404, "not_found");
  }
}

TEST_F(IngestApiTest, GetNeedsAToken) {
  const auto created = call(post(kPoliceToken, incident("PNN-get-auth")));
  expect_error(call(get("/v1/incidents/" + id_of(created), "")), 401, "missing_token");
  expect_error(call(get("/v1/incidents/" + id_of(created), "bogus")), 401, "invalid_token");
  // An admin is not the posting partner either.
  expect_error(call(get("/v1/incidents/" + id_of(created), kAdminToken)), 404, "not_found");
}

TEST_F(IngestApiTest, GetWhileStoreIsDownIs503) {
  const auto created = call(post(kPoliceToken, incident("PNN-get-503")));
  store_.set_unavailable(true);
  expect_error(call(get("/v1/incidents/" + id_of(created), kPoliceToken)), 503,
               "storage_unavailable");
}

// ------------------------------------------------------------ routing

TEST_F(IngestApiTest, WrongMethodIs405WithAllow) {
  auto r = call(get("/v1/incidents", kPoliceToken));
  expect_error(r, 405, "method_not_allowed");
  EXPECT_EQ(header(r, "Allow"), "POST");
  auto p = post(kPoliceToken, incident("PNN-405"));
  p.path = p.target = "/v1/incidents/I0000000000000001";
  r = call(p);
  expect_error(r, 405, "method_not_allowed");
  EXPECT_EQ(header(r, "Allow"), "GET");
}

TEST_F(IngestApiTest, UnknownPathIs404) {
  expect_error(call(get("/v2/incidents", kPoliceToken)), 404, "not_found");
  expect_error(call(get("/", "")), 404, "not_found");
}

// /readyz follows the store; /healthz (alive) does not ask it: a store away is no reason to
// restart ingest.
TEST_F(IngestApiTest, ReadyzFollowsTheStoreAndHealthzDoesNot) {
  auto r = call(get("/healthz", ""));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("status").as_string(), "ok");
  EXPECT_EQ(call(get("/readyz", "")).status, 200);
  store_.set_unavailable(true);
  expect_error(call(get("/readyz", "")), 503, "not_ready");
  r = call(get("/healthz", ""));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(IngestApiTest, MetricsCountOutcomes) {
  const auto body = incident("PNN-metrics");
  call(post(kPoliceToken, body));
  call(post(kPoliceToken, body));
  call(post("", body));
  const auto r = call(get("/metrics", ""));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
  auto count = [&](const std::string& outcome) {
    const std::regex line{"piket_ingest_incidents_total\\{[^}]*outcome=\"" + outcome +
                          "\"[^}]*\\} ([0-9.e+]+)"};
    std::smatch m;
    return std::regex_search(r.body, m, line) ? std::stod(m[1]) : -1.0;
  };
  EXPECT_EQ(count("created"), 1);
  EXPECT_EQ(count("replayed"), 1);
  EXPECT_EQ(count("rejected"), 1);
  EXPECT_EQ(count("conflict"), 0);
}

// ------------------------------------------------------------ POST /v1/admin/clock

TEST_F(IngestApiTest, ClockEndpointIs404OnTheRealClock) {
  expect_error(call(set_clock_request(kAdminToken, R"({"advance_seconds": 60})")), 404,
               "not_found");
  expect_error(call(set_clock_request("", R"({"advance_seconds": 60})")), 404, "not_found");
  EXPECT_EQ(set_clock_calls_, 0);
}

TEST_F(IngestApiTest, AdminAdvancesTheClock) {
  enable_clock_endpoint();
  const auto r = call(set_clock_request(kAdminToken, R"({"advance_seconds": 90})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(shared_clock_.now(), kDomainStart + 90s);
  const auto v = json::parse(r.body).as_object();
  EXPECT_EQ(v.size(), 1u);
  EXPECT_EQ(v.at("now").as_string(), common::format_rfc3339(kDomainStart + 90s));
  EXPECT_EQ(common::parse_rfc3339(v.at("now").as_string()), kDomainStart + 90s);

  // Zero is allowed and changes nothing.
  const auto zero = call(set_clock_request(kAdminToken, R"({"advance_seconds": 0})"));
  EXPECT_EQ(zero.status, 200);
  EXPECT_EQ(shared_clock_.now(), kDomainStart + 90s);
}

TEST_F(IngestApiTest, AdminSetsTheClockForward) {
  enable_clock_endpoint();
  const auto r = call(set_clock_request(kAdminToken, R"({"set": "2026-12-01T00:00:00+01:00"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("now").as_string(), "2026-11-30T23:00:00.000Z");
  EXPECT_EQ(shared_clock_.now(), *common::parse_rfc3339("2026-11-30T23:00:00Z"));
  // Setting to the current instant is not going backwards.
  const auto same = call(set_clock_request(kAdminToken, R"({"set": "2026-11-30T23:00:00Z"})"));
  EXPECT_EQ(same.status, 200) << same.body;
}

TEST_F(IngestApiTest, PartnerTokenMayNotMoveTheClock) {
  enable_clock_endpoint();
  expect_error(call(set_clock_request(kPoliceToken, R"({"advance_seconds": 60})")), 403,
               "admin_only");
  expect_error(call(set_clock_request("", R"({"advance_seconds": 60})")), 401, "missing_token");
  expect_error(call(set_clock_request("bogus", R"({"advance_seconds": 60})")), 401,
               "invalid_token");
  EXPECT_EQ(shared_clock_.now(), kDomainStart);
  EXPECT_EQ(set_clock_calls_, 0);
}

TEST_F(IngestApiTest, NegativeAdvanceIs422) {
  enable_clock_endpoint();
  expect_error(call(set_clock_request(kAdminToken, R"({"advance_seconds": -1})")), 422,
               "out_of_range", "advance_seconds");
  EXPECT_EQ(shared_clock_.now(), kDomainStart);
  EXPECT_EQ(set_clock_calls_, 0);
}

TEST_F(IngestApiTest, BackwardsSetIs422) {
  enable_clock_endpoint();
  expect_error(call(set_clock_request(kAdminToken, R"({"set": "2026-11-22T13:04:59Z"})")), 422,
               "clock_backwards", "set");
  EXPECT_EQ(shared_clock_.now(), kDomainStart);
}

TEST_F(IngestApiTest, ExactlyOneOfAdvanceOrSetIs422Otherwise) {
  enable_clock_endpoint();
  expect_error(call(set_clock_request(kAdminToken,
                                      R"({"advance_seconds": 60, "set": "2027-01-01T00:00:00Z"})")),
               422, "one_of_required");
  expect_error(call(set_clock_request(kAdminToken, "{}")), 422, "one_of_required");
  expect_error(call(set_clock_request(kAdminToken, R"({"advance": 60})")), 422, "one_of_required");
  EXPECT_EQ(shared_clock_.now(), kDomainStart);
  EXPECT_EQ(set_clock_calls_, 0);
}

TEST_F(IngestApiTest, ClockFieldsOfTheWrongKindAre422) {
  enable_clock_endpoint();
  expect_error(call(set_clock_request(kAdminToken, R"({"advance_seconds": "60"})")), 422,
               "wrong_type", "advance_seconds");
  expect_error(call(set_clock_request(kAdminToken, R"({"advance_seconds": 1.5})")), 422,
               "wrong_type", "advance_seconds");
  expect_error(call(set_clock_request(kAdminToken, R"({"advance_seconds": 1e30})")), 422,
               "wrong_type", "advance_seconds");
  expect_error(call(set_clock_request(kAdminToken, R"({"advance_seconds": 18446744073709551615})")),
               422, "out_of_range", "advance_seconds");
  expect_error(call(set_clock_request(kAdminToken, R"({"set": 1795352580})")), 422, "wrong_type",
               "set");
  expect_error(call(set_clock_request(kAdminToken, R"({"set": "tomorrow"})")), 422,
               "invalid_timestamp", "set");
  EXPECT_EQ(shared_clock_.now(), kDomainStart);
}

TEST_F(IngestApiTest, ClockRequestMustBeJsonObject) {
  enable_clock_endpoint();
  auto r = set_clock_request(kAdminToken, R"({"advance_seconds": 60})");
  r.headers = {{"authorization", "Bearer " + kAdminToken}, {"content-type", "text/plain"}};
  expect_error(call(r), 415, "unsupported_media_type");
  expect_error(call(set_clock_request(kAdminToken, "{")), 400, "invalid_json");
  expect_error(call(set_clock_request(kAdminToken, "[60]")), 400, "not_an_object");
  auto g = get("/v1/admin/clock", kAdminToken);
  expect_error(call(g), 405, "method_not_allowed");
  EXPECT_EQ(shared_clock_.now(), kDomainStart);
}

// ------------------------------------------------------------ privacy

TEST_F(IngestApiTest, AnswersNeverEchoPersonData) {
  // Person data placed where it breaks a rule, so that a careless message
  // would quote it. TearDown scans every answer of every test for kPersonData.
  auto name_as_role = incident("PRIV-1");
  name_as_role["persons"].as_array()[0].as_object()["role"] = kName;
  auto name_as_key = incident("PRIV-2");
  name_as_key["persons"].as_array()[0].as_object()[kName] = 31611122233LL;
  auto phone_as_number = incident("PRIV-3");
  phone_as_number["persons"].as_array()[0].as_object()["phone"] = 31611122233LL;
  auto household_bad = incident("PRIV-4");
  household_bad["household"] = kHousehold + " " + kName;
  auto summary_object = incident("PRIV-5");
  summary_object["summary"] = json::object{{"text", kSummary}};
  auto reference_is_name = incident(kName);

  const auto a = call(post(kPoliceToken, name_as_role));
  expect_error(a, 422, "unknown_role", "persons[0].role");
  const auto b = call(post(kPoliceToken, name_as_key));
  expect_error(b, 422, "wrong_type", "persons[0]");  // the key itself is not named
  expect_error(call(post(kPoliceToken, phone_as_number)), 422, "wrong_type", "persons[0].phone");
  expect_error(call(post(kPoliceToken, household_bad)), 422, "invalid_identifier", "household");
  expect_error(call(post(kPoliceToken, summary_object)), 422, "wrong_type", "summary");
  expect_error(call(post(kPoliceToken, reference_is_name)), 422, "invalid_identifier", "reference");

  // And on the good paths.
  const auto created = call(post(kPoliceToken, incident("PRIV-OK")));
  call(post(kPoliceToken, incident("PRIV-OK")));
  auto conflicting = incident("PRIV-OK");
  conflicting["persons"].as_array()[0].as_object()["name"] = "Pietje Jansen";
  call(post(kPoliceToken, conflicting));
  call(get("/v1/incidents/" + id_of(created), kPoliceToken));
  call(get("/metrics", ""));
  EXPECT_GE(answers_.size(), 11u);
}

}  // namespace
}  // namespace piket::ingest
