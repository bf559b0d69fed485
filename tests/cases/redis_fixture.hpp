#pragma once
// Redis tests of the cases service: a private redis-server (AOF, fsync
// always, piket's ACL) per test suite; the case store runs as Redis user
// "cases", the acceptance script as "ingest", the test's own reads as "ops"; the real acceptance
// script of ingest to open cases, and a stand-in for what piket-dispatch and piket-inbound write
// when a case is assigned and its page acknowledged.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "piket/cases/case_store.hpp"
#include "piket/cases/deadline_shell.hpp"
#include "piket/cases/staff.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/canonical_json.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/ingest/validation.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "private_redis.hpp"
#include "test_config.hpp"

namespace piket::cases::test {

// A private redis-server with piket's ACL (tests/support/private_redis.hpp).
using ::piket::test::PrivateRedis;

struct Opened {
  std::string incident_id;
  std::string case_id;
};

// Posts an incident through ingest's real acceptance script (which also sets
// the engine's resync timer for the case).
inline Opened accept_incident(ingest::RedisIncidentStore& store, const std::string& reference,
                              const std::string& household, common::Instant accepted_at,
                              const std::string& kind = "home_ban",
                              const std::string& ban_ends = "2026-12-02T14:00:00+01:00",
                              const std::string& ban_starts = "2026-11-22T13:40:00+01:00",
                              const std::string& persons = {}) {
  std::string body =
      R"({"reference":")" + reference + R"(","kind":")" + kind +
      R"(","region":"groningen","reported_at":"2026-11-22T13:55:00+01:00","household":")" +
      household + "\"";
  if (kind == "home_ban" || kind == "home_ban_extended")
    body += R"(,"home_ban":{"starts_at":")" + ban_starts + R"(","ends_at":")" + ban_ends + "\"}";
  if (!persons.empty()) body += R"(,"persons":)" + persons;  // a JSON array
  body += "}";
  const ingest::RegionSet regions{"groningen", "drenthe"};
  auto parsed = ingest::parse_body(body);
  const auto& value = std::get<boost::json::value>(parsed);
  auto validated = ingest::validate_parsed_incident(value, regions);
  if (auto* e = std::get_if<common::ApiRefusal>(&validated))
    throw std::runtime_error("test incident invalid: " + e->field);
  const auto& request = std::get<ingest::IncidentRequest>(validated);
  ingest::NewIncident n;
  n.partner = "police";
  n.request = &request;
  n.body_hash = ingest::idempotency_hash(request.stored);
  n.accepted_at = accepted_at;
  n.transport_now = accepted_at;
  const auto out = store.store(n);
  return {out.incident_id, out.case_id};
}

// What piket-dispatch writes when it assigns the case and pages, and what
// piket-inbound writes when the page is acknowledged (`acknowledged_at`).
inline void assign_and_acknowledge(common::RedisConnection& redis, const Opened& o,
                                   const std::string& person, common::Instant dispatched_at,
                                   std::optional<common::Instant> acknowledged_at) {
  const auto ms = [](common::Instant t) { return std::to_string(common::to_epoch_ms(t)); };
  redis.command({"HSET", store::case_key(o.case_id), "casemanager", person});
  redis.command({"SADD", store::caseload_key(person), o.case_id});
  redis.command({"HSET", store::incident_key(o.incident_id), "status", "dispatched", "assignee",
                 person, "dispatched_at", ms(dispatched_at)});
  redis.command({"RPUSH", store::case_timeline_key(o.case_id),
                 R"({"type":"casemanager_assigned","by":"dispatch","person":")" + person + "\"}"});
  if (acknowledged_at) {
    redis.command({"HSET", store::incident_key(o.incident_id), "status", "acknowledged",
                   "acknowledged_at", ms(*acknowledged_at)});
    redis.command({"RPUSH", store::case_timeline_key(o.case_id), R"({"type":"acknowledged"})"});
  }
}

// A request to the case API as `who` (their staff token; none when empty),
// with a JSON body when one is given.
inline common::HttpRequest staff_request(const std::string& method, const std::string& path,
                                         const std::string& who, const std::string& body = {}) {
  common::HttpRequest r;
  r.method = method;
  r.path = r.target = path;
  if (!who.empty()) r.headers.emplace_back("authorization", "Bearer " + staff_token(who));
  if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
  r.body = body;
  return r;
}

// Everything a test needs around one private Redis.
class CasesRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new PrivateRedis("piket-cases-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override {
    conn_.command({"FLUSHALL"});
    // What the service libraries build from the config (the case API's
    // need-to-know reader) connects as the cases service.
    config_.redis = redis_->config_as("cases");
    reset_stores();
  }
  void reset_stores() {
    store_ = std::make_unique<RedisCaseStore>(redis_->config_as("cases"));
    shell_ = std::make_unique<DeadlineShell>(*store_, rules_, clock_, transport_, ShellOptions{},
                                             nullptr);
  }
  Opened open_case(const std::string& ref, common::Instant accepted_at,
                   std::optional<common::Instant> ack = std::nullopt,
                   const std::string& person = "icm-1", const std::string& kind = "home_ban") {
    auto o = accept_incident(incidents_, ref, "hh-" + ref, accepted_at, kind);
    assign_and_acknowledge(conn_, o, person, accepted_at + std::chrono::seconds{1}, ack);
    return o;
  }
  // What recording the first contact writes, without going through the API.
  void first_contact(const std::string& case_id, common::Instant t) {
    const auto ms = std::to_string(common::to_epoch_ms(t));
    conn_.command({"HSET", store::case_key(case_id), "phase", "first_contact", "first_contact_at",
                   ms, "phase_at", ms});
  }
  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  std::vector<std::string> timers() {
    std::vector<std::string> out;
    for (auto& e : conn_.command({"ZRANGE", store::kDeadlinesDue, "0", "-1"}).elements)
      out.push_back(e.str);
    return out;
  }

  static inline PrivateRedis* redis_ = nullptr;
  const common::Instant t0_ = at("2026-11-22T13:00:00Z");
  config::Config config_ = test_config({}, redis_->server().port());
  StaffDirectory staff_{config_};
  EngineRules rules_{config_.deadlines, staff_, config_.reply_code_window()};
  common::SimulatedClock clock_{t0_};
  common::SimulatedClock transport_{at("2031-01-01T00:00:00Z")};
  common::RedisConnection conn_{redis_->config()};
  ingest::RedisIncidentStore incidents_{redis_->config_as("ingest"), common::Millis{2000}, nullptr};
  std::unique_ptr<RedisCaseStore> store_;
  std::unique_ptr<DeadlineShell> shell_;
};

}  // namespace piket::cases::test
