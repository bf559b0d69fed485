#include "piket/planner/web_training_stack.hpp"

#include <date/date.h>

#include <boost/json.hpp>

#include "piket/common/time_format.hpp"
#include "piket/rota/wall_clock.hpp"

namespace piket::planner {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kTimeout = 10s;
constexpr const char* kJson = "application/json";

// The answer's error code and field ({"error": {"code", "field"}}), if any.
std::pair<std::string, std::string> error_of(const common::HttpResult& r) {
  boost::system::error_code ec;
  const auto v = json::parse(r.body, ec);
  std::pair<std::string, std::string> out;
  if (ec || !v.is_object()) return out;
  if (const auto* e = v.as_object().if_contains("error"); e && e->is_object()) {
    if (const auto* c = e->as_object().if_contains("code"); c && c->is_string())
      out.first = std::string(c->as_string());
    if (const auto* f = e->as_object().if_contains("field"); f && f->is_string())
      out.second = std::string(f->as_string());
  }
  return out;
}

// What went wrong, by status and the answer's error code (answers never
// carry person data; neither does this).
[[noreturn]] void fail(const std::string& call, const common::HttpResult& r) {
  std::string what = call + ": ";
  if (!r.ok()) throw TrainingError(what + "no answer (" + r.error + ")");
  const auto [code, field] = error_of(r);
  what += std::to_string(r.status);
  if (!code.empty()) what += " " + code;
  if (!field.empty()) what += " (" + field + ")";
  throw TrainingError(what);
}

json::object object(const std::string& call, const common::HttpResult& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object()) throw TrainingError(call + ": the answer is not a JSON object");
  return std::move(v.as_object());
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string header(const common::HttpResult& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        }))
      return v;
  return {};
}

}  // namespace

WebTrainingStack::WebTrainingStack(WebTrainingAccess access) : access_(std::move(access)) {
  partner_ = std::make_unique<common::HttpClient>(access_.ingest, kTimeout);
  partner_->set_header("Authorization", "Bearer " + access_.partner_token);
  admin_ = std::make_unique<common::HttpClient>(access_.ingest, kTimeout);
  admin_->set_header("Authorization", "Bearer " + access_.admin_token);
}

WebTrainingStack::~WebTrainingStack() = default;

common::Instant WebTrainingStack::move_clock(const std::string& body) {
  const auto r = admin_->post("/v1/admin/clock", kJson, body);
  if (r.status != 200) fail("POST /v1/admin/clock", r);
  const auto now = common::parse_rfc3339(text(object("POST /v1/admin/clock", r), "now"));
  if (!now) throw TrainingError("POST /v1/admin/clock: no time in the answer");
  return *now;
}

common::Instant WebTrainingStack::now() {
  return move_clock(R"({"advance_seconds":0})");
}

common::Instant WebTrainingStack::advance_to(common::Instant t) {
  return move_clock(json::serialize(json::object{{"set", common::format_rfc3339(t)}}));
}

PostedIncident WebTrainingStack::post(const std::string& body) {
  const auto r = partner_->post("/v1/incidents", kJson, body);
  if (r.status != 201 && r.status != 200) fail("POST /v1/incidents", r);
  const auto o = object("POST /v1/incidents", r);
  return {text(o, "incident_id"), text(o, "case_id")};
}

common::HttpClient& WebTrainingStack::session(const std::string& person) {
  auto& c = sessions_[person];
  if (c) return *c;
  auto client = std::make_unique<common::HttpClient>(access_.web, kTimeout);
  const auto r = client->post(
      "/api/login", kJson,
      json::serialize(json::object{{"person", person}, {"password", access_.password}}));
  if (r.status != 200) fail("sign-in of " + person, r);
  const auto cookie = header(r, "Set-Cookie");
  const auto csrf = text(object("POST /api/login", r), "csrf");
  if (cookie.empty() || csrf.empty()) throw TrainingError("sign-in of " + person + ": no session");
  client->set_header("Cookie", cookie.substr(0, cookie.find(';')));
  client->set_header("X-CSRF-Token", csrf);
  c = std::move(client);
  return *c;
}

AppView WebTrainingStack::view(const std::string& person) {
  const auto r = session(person).get("/api/my");
  if (r.status != 200) fail("GET /api/my of " + person, r);
  AppView out;
  const auto o = object("GET /api/my", r);
  if (const auto* ps = o.if_contains("pages"); ps && ps->is_array())
    for (const auto& p : ps->as_array()) {
      if (!p.is_object()) continue;
      const auto& po = p.as_object();
      const auto* at = po.if_contains("created_at");
      if (!at || !at->is_int64()) continue;
      out.pages.push_back({text(po, "id"), text(po, "case"), common::from_epoch_ms(at->as_int64()),
                           text(po, "rule")});
    }
  if (const auto* cs = o.if_contains("cases"); cs && cs->is_array())
    for (const auto& c : cs->as_array())
      if (c.is_object()) out.cases.push_back(text(c.as_object(), "id"));
  return out;
}

Outcome WebTrainingStack::acknowledge(const std::string& person, const std::string& page) {
  const auto r = session(person).post("/api/pages/" + page + "/ack", kJson, "{}");
  if (r.status == 200) return {true, {}};
  if (r.status == 409) return {false, error_of(r).first};  // a colleague took it, declined
  fail("acknowledging page " + page + " as " + person, r);
}

Outcome WebTrainingStack::record(const std::string& person, const std::string& case_id,
                                 const std::string& type, common::Instant at,
                                 const std::string& incident) {
  // The app's form: Amsterdam wall clock to the minute.
  json::object body{
      {"type", type},
      {"at_local",
       date::format("%Y-%m-%dT%H:%M", date::floor<std::chrono::minutes>(rota::to_local(at)))}};
  if (!incident.empty()) body["incident"] = incident;
  const auto r =
      session(person).post("/api/cases/" + case_id + "/events", kJson, json::serialize(body));
  if (r.status == 201 || r.status == 200) return {true, {}};
  // Not theirs (now), or the clock was answered already.
  if (r.status == 403 || r.status == 409) return {false, error_of(r).first};
  // The web service still follows the clock's previous step: again later.
  if (r.status == 422 && error_of(r).first == "in_the_future") return {false, "in_the_future"};
  fail("recording " + type + " on " + case_id + " as " + person, r);
}

}  // namespace piket::planner
