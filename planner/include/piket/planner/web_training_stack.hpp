#pragma once
// TrainingStack over HTTP against a running deployment (docs/planning.md,
// "Training mode"), with the project's HTTP client: the partner API
// (ingest, a partner's bearer token), the simulated clock (ingest's
// POST /v1/admin/clock, an admin token), and for every casemanager the web
// app's own API as the casemanager app calls it — signed in with their
// password: GET /api/my (pages waiting, own cases), POST /api/pages/{id}/ack and
// POST /api/cases/{id}/events.

#include <map>
#include <memory>
#include <string>

#include "piket/common/config.hpp"
#include "piket/common/http_client.hpp"
#include "piket/planner/training_stack.hpp"

namespace piket::planner {

struct WebTrainingAccess {
  common::HostPort ingest;  // [ingest] http
  common::HostPort web;     // [web] http
  std::string partner_token, admin_token;
  std::string password;  // the casemanagers' web password (the demo gives all one)
};

class WebTrainingStack final : public TrainingStack {
 public:
  explicit WebTrainingStack(WebTrainingAccess access);
  ~WebTrainingStack() override;

  common::Instant now() override;
  common::Instant advance_to(common::Instant t) override;
  PostedIncident post(const std::string& body) override;
  AppView view(const std::string& person) override;
  Outcome acknowledge(const std::string& person, const std::string& page) override;
  Outcome record(const std::string& person, const std::string& case_id, const std::string& type,
                 common::Instant at, const std::string& incident) override;

 private:
  common::Instant move_clock(const std::string& body);
  common::HttpClient& session(const std::string& person);

  WebTrainingAccess access_;
  std::unique_ptr<common::HttpClient> partner_, admin_;
  std::map<std::string, std::unique_ptr<common::HttpClient>> sessions_;
};

}  // namespace piket::planner
