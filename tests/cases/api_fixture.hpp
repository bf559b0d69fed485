#pragma once
// The case API over a private Redis (label redis): the API wired to the
// fixture's store and shell (deadlines due are settled before a write, as in
// piket-cases), a call as a staff member, and reading the answer — shared by
// the case API tests (events, agreements, tracks).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "piket/cases/cases_api.hpp"
#include "redis_fixture.hpp"

namespace piket::cases::test {

class CasesApiRedisTest : public CasesRedisTest {
 protected:
  void SetUp() override {
    CasesRedisTest::SetUp();
    api_ = std::make_unique<CasesApi>(
        CasesApiDeps{config_.redis, config_, config_.bearer_tokens(), clock_, *store_, rules_,
                     metrics_, [this](const std::string& id) { shell_->settle(id); }});
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
  std::unique_ptr<CasesApi> api_;
};

}  // namespace piket::cases::test
