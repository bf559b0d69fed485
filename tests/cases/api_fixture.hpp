#pragma once
// The case API over a private Redis (label redis): the API wired to the
// fixture's store and shell (deadlines due are settled before a write, as in
// piket-cases), a call as a staff member, and reading the answer — shared by
// the case API tests (events, agreements, tracks). As in piket-cases, the API
// appends its tracks' and agreements' records to the audit trail.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "piket/cases/cases_api.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/store/audit.hpp"
#include "piket/web/audit_log.hpp"
#include "redis_fixture.hpp"

namespace piket::cases::test {

class CasesApiRedisTest : public CasesRedisTest {
 protected:
  void SetUp() override {
    CasesRedisTest::SetUp();
    audit_pool_ = std::make_unique<common::RedisPool>(redis_->config_as("cases"));
    audit_ = std::make_unique<web::AuditLog>(*audit_pool_, transport_, clock_);
    api_ = std::make_unique<CasesApi>(
        CasesApiDeps{config_.redis, config_, config_.bearer_tokens(), clock_, *store_, rules_,
                     metrics_, [this](const std::string& id) { shell_->settle(id); },
                     [this](web::AuditRecord r) { audit_->append(std::move(r)); }});
  }

  // The audit trail's entries, oldest first (and whether the chain holds).
  std::vector<web::AuditRecord> audit_entries() {
    std::vector<web::AuditRecord> out;
    for (const auto& e :
         conn_.command({"LRANGE", std::string(store::kAuditLog), "0", "-1"}).elements) {
      const auto parsed = web::parse_entry(e.str);
      EXPECT_TRUE(parsed) << e.str;
      if (parsed) out.push_back(parsed->record);
    }
    EXPECT_TRUE(web::verify_audit_log(conn_).ok()) << "the chain holds";
    return out;
  }
  // The trail's stored lines, joined (to look for what must not be in it).
  std::string audit_text() {
    std::string s;
    for (const auto& e :
         conn_.command({"LRANGE", std::string(store::kAuditLog), "0", "-1"}).elements)
      s += e.str + "\n";
    return s;
  }

  // A request as `who` (their staff token; none when empty), with the body
  // as `content_type` when there is one.
  common::HttpResponse call(const std::string& method, const std::string& path,
                            const std::string& who, const std::string& body = {},
                            const std::string& content_type = "application/json") {
    auto r = staff_request(method, path, who, body);
    for (auto& [name, value] : r.headers)
      if (name == "content-type") value = content_type;
    return api_->handle(r);
  }
  static boost::json::object parse(const common::HttpResponse& r) {
    return boost::json::parse(r.body).as_object();
  }
  // The field a refusal names ('' for none).
  static std::string error_field(const common::HttpResponse& r) {
    const auto e = parse(r).at("error").as_object();
    return e.contains("field") ? std::string(e.at("field").as_string()) : std::string();
  }
  // The replies to `commands` joined: a refusal must leave them as they were.
  std::string snapshot(const std::vector<std::vector<std::string>>& commands) {
    std::string s;
    for (const auto& cmd : commands)
      for (auto& e : conn_.command(cmd).elements) s += e.str + "|";
    return s;
  }

  common::Metrics metrics_{"cases-api-test"};
  std::unique_ptr<common::RedisPool> audit_pool_;
  std::unique_ptr<web::AuditLog> audit_;
  std::unique_ptr<CasesApi> api_;
};

}  // namespace piket::cases::test
