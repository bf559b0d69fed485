// Issue 11, items 2, 5, 6, 7 through the whole stack in simulated time (label
// e2e): Redis, Kannel with fakesmsc, every service on the full rota file
// (weekly primary and backup over icm-1…icm-6, team lead tl-g).
//  - an extension of a home ban to 30 days is refused (422 home_ban.ends_at);
//  - a family returning after its case closed gets its earlier casemanager;
//  - a team lead joins the police's and Veilig Thuis's cases of one family
//    and splits them again, and GET /v1/incidents/{id} answers the right
//    case_id each time;
//  - every on-call casemanager at the cap: the team lead gets one SMS.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "../e2e/groningen_rota.hpp"
#include "cases_stack.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kVtToken = "vt-groningen-token-0000000001";
const std::string kTeamLeadPhone = "+447700900010";

// The full rota, and Veilig Thuis posting for groningen too (its own household keys).
stack::StackSpec families_spec() {
  stack::StackSpec spec;
  spec.rota_file = e2e::groningen_rota_file();
  spec.rota_table = "coverage_days = 14\n";
  spec.extra_toml = "[[partners]]\nid = \"vt-groningen\"\ntoken_sha256 = \"" +
                    common::sha256_hex(kVtToken) + "\"\nregions = [\"groningen\"]\n";
  return spec;
}

std::string body(const std::string& reference, const std::string& kind,
                 const std::string& household, const std::string& ban_starts = {},
                 const std::string& ban_ends = {}) {
  std::string b = R"({"reference":")" + reference + R"(","kind":")" + kind +
                  R"(","region":"groningen","reported_at":"2026-11-22T07:55:00+01:00",)"
                  R"("household":")" +
                  household + "\"";
  if (!ban_starts.empty())
    b += R"(,"home_ban":{"starts_at":")" + ban_starts + R"(","ends_at":")" + ban_ends + "\"}";
  return b + R"(,"persons":[{"role":"victim","name":"Zyxwa Qorvath","phone":"+31687654321"}]})";
}

json::object post(std::unique_ptr<common::HttpClient> c, const std::string& b, int status) {
  const auto r = c->post("/v1/incidents", "application/json", b);
  EXPECT_EQ(r.status, status) << r.body;
  return json::parse(r.body).as_object();
}

std::string str(const json::value& v) {
  return std::string(v.as_string());
}

void move_clock(test::CasesStack& s, std::chrono::seconds by) {
  const auto r = s.admin()->post("/v1/admin/clock", "application/json",
                                 R"({"advance_seconds":)" + std::to_string(by.count()) + "}");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto now =
      common::parse_rfc3339(std::string_view(json::parse(r.body).at("now").as_string()));
  ASSERT_TRUE(now);
  ASSERT_TRUE(s.local().wait_clock_followed(*now)) << "not every service followed the clock";
}

std::vector<launch::DeliveredSms> to(const std::vector<launch::DeliveredSms>& all,
                                     const std::string& phone, const std::string& needle = {}) {
  std::vector<launch::DeliveredSms> out;
  for (const auto& m : all)
    if (m.to == phone && m.text.find(needle) != std::string::npos) out.push_back(m);
  return out;
}

// Who the rota has on call now in `layer` (dispatch's rota API).
std::string on_call(test::CasesStack& s, const std::string& layer) {
  auto c = s.client(s.spec().ports.dispatch_http, test::stack_staff_token("tl-g"));
  const auto r = c->get("/v1/rota/oncall?region=groningen");
  EXPECT_EQ(r.status, 200) << r.body;
  return str(json::parse(r.body).at("layers").at(layer).as_array().at(0));
}

TEST(FamiliesEndToEnd, AnExtensionTo30DaysIsRefusedAndOneTo28IsAccepted) {
  test::CasesStack s(families_spec());
  const auto ban = post(
      s.partner(),
      body("EXT-1", "home_ban", "hh-ext", "2026-11-22T07:40:00+01:00", "2026-12-02T07:40:00+01:00"),
      201);
  move_clock(s, 24h * 8);
  // The mayor extends by twenty days: thirty from the first start.
  const auto refused = post(s.partner(),
                            body("EXT-2", "home_ban_extended", "hh-ext",
                                 "2026-12-02T07:40:00+01:00", "2026-12-22T07:40:00+01:00"),
                            422);
  EXPECT_EQ(str(refused.at("error").at("code")), "ban_total_too_long");
  EXPECT_EQ(str(refused.at("error").at("field")), "home_ban.ends_at");
  auto redis = s.redis();
  const auto case_id = str(ban.at("case_id"));
  EXPECT_EQ(redis.command({"LLEN", store::case_incidents_key(case_id)}).integer, 1);
  EXPECT_TRUE(redis.command({"GET", store::idempotency_key("police", "EXT-2")}).is_nil());
  // Corrected to 28 days under the same reference: accepted; a retry answers the same.
  const auto b = body("EXT-2", "home_ban_extended", "hh-ext", "2026-12-02T07:40:00+01:00",
                      "2026-12-20T07:40:00+01:00");
  const auto first = s.partner()->post("/v1/incidents", "application/json", b);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto retry = s.partner()->post("/v1/incidents", "application/json", b);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(str(json::parse(first.body).at("case_id")), case_id);
  const auto view = json::parse(s.staff("tl-g")->get("/v1/cases/" + case_id).body);
  EXPECT_EQ(str(view.at("home_ban").at("first_start")), "2026-11-22T06:40:00.000Z");
  EXPECT_EQ(str(view.at("home_ban").at("ends_at")), "2026-12-20T06:40:00.000Z");
}

TEST(FamiliesEndToEnd, AFamilyReturningAfterClosingGetsItsEarlierCasemanager) {
  test::CasesStack s(families_spec());
  const auto primary = on_call(s, "primary");
  const auto first = post(s.partner(), body("RET-1", "code_red", "hh-ret"), 201);
  const auto old_case = str(first.at("case_id"));
  auto sms = s.wait_delivered([](const auto& d) { return !d.empty(); }, 15s);
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0].to, s.config().person(primary)->phone);
  auto redis = s.redis();
  ASSERT_EQ(redis.command({"HGET", store::case_key(old_case), "casemanager"}).str, primary);
  // The team lead closes it early: the family moved away.
  const auto closed =
      s.staff("tl-g")->post("/v1/cases/" + old_case + "/events", "application/json",
                            R"({"type":"closing","reason":"family moved out of the region"})");
  ASSERT_EQ(closed.status, 201) << closed.body;
  // Five weeks on the family is back; the earlier casemanager is on duty as
  // backup, someone else is primary.
  move_clock(s, 24h * 35);
  ASSERT_EQ(on_call(s, "backup"), primary);
  const auto other = on_call(s, "primary");
  ASSERT_NE(other, primary);
  const auto back = post(
      s.partner(),
      body("RET-2", "home_ban", "hh-ret", "2026-12-27T07:40:00+01:00", "2027-01-06T07:40:00+01:00"),
      201);
  const auto new_case = str(back.at("case_id"));
  EXPECT_NE(new_case, old_case);
  // The first page was never answered: paging escalated it to the team lead
  // 15 minutes on (the built-in policy; closing the case does not stop an
  // incident's escalation). The casemanagers' pages are what counts here.
  const auto casemanagers = [](std::vector<launch::DeliveredSms> d) {
    std::erase_if(d, [](const auto& m) { return m.to == kTeamLeadPhone; });
    return d;
  };
  s.wait_delivered([&](const auto& d) { return casemanagers(d).size() >= 2; }, 15s);
  sms = casemanagers(s.delivered());
  ASSERT_EQ(sms.size(), 2u);
  EXPECT_EQ(sms[1].to, s.config().person(primary)->phone) << "not the primary " << other;
  EXPECT_NE(sms[1].text.find("HUISVERBOD zaak " + new_case), std::string::npos) << sms[1].text;
  const auto incident = str(back.at("incident_id"));
  EXPECT_EQ(redis.command({"HGET", store::incident_key(incident), "rule"}).str,
            "previous_casemanager");
  EXPECT_EQ(redis.command({"HGET", store::case_key(new_case), "casemanager"}).str, primary);
  const auto view = json::parse(s.staff("tl-g")->get("/v1/cases/" + new_case).body);
  EXPECT_EQ(view.at("previous_cases"), (json::array{json::value(old_case)}));
}

TEST(FamiliesEndToEnd, ATeamLeadJoinsTwoReportsOfOneFamilyAndSplitsThemAgain) {
  test::CasesStack s(families_spec());
  auto vt = [&] { return s.client(s.spec().ports.ingest, kVtToken); };
  const auto police = post(s.partner(), body("POL-1", "code_red", "pol-hh-31"), 201);
  const auto report = post(vt(), body("VT-1", "code_red", "vt-8812"), 201);
  const auto p = str(police.at("case_id")), v = str(report.at("case_id"));
  ASSERT_NE(p, v) << "keyed differently: two cases";
  s.wait_delivered([](const auto& d) { return d.size() >= 2; }, 15s);
  const auto vt_incident = str(report.at("incident_id"));
  auto seen_by_vt = [&] {
    const auto r = vt()->get("/v1/incidents/" + vt_incident);
    EXPECT_EQ(r.status, 200) << r.body;
    return str(json::parse(r.body).at("case_id"));
  };
  EXPECT_EQ(seen_by_vt(), v);

  // A casemanager may not join; the team lead does.
  const std::string join = R"({"other_case_id":")" + v + R"(","reason":"same family"})";
  EXPECT_EQ(s.staff("icm-1")->post("/v1/cases/" + p + "/join", "application/json", join).status,
            403);
  const auto joined = s.staff("tl-g")->post("/v1/cases/" + p + "/join", "application/json", join);
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_EQ(seen_by_vt(), p) << "the partner sees the surviving case";
  // VT's next report lands on the joined case.
  const auto later = post(vt(), body("VT-2", "ban_violation", "vt-8812"), 201);
  EXPECT_EQ(str(later.at("case_id")), p);

  // The join was wrong: undone.
  const auto split = s.staff("tl-g")->post(
      "/v1/cases/" + p + "/split", "application/json",
      R"({"other_case_id":")" + v + R"(","reason":"two families after all"})");
  ASSERT_EQ(split.status, 200) << split.body;
  EXPECT_EQ(seen_by_vt(), v) << "the original case again";
  const auto r = vt()->get("/v1/incidents/" + str(later.at("incident_id")));
  EXPECT_EQ(str(json::parse(r.body).at("case_id")), v) << "reported under VT's key during the join";
  const auto police_seen = s.partner()->get("/v1/incidents/" + str(police.at("incident_id")));
  EXPECT_EQ(str(json::parse(police_seen.body).at("case_id")), p);
}

TEST(FamiliesEndToEnd, EveryOnCallCasemanagerAtTheCapPagesTheTeamLeadOnce) {
  test::CasesStack s(families_spec());
  const auto primary = on_call(s, "primary");
  const auto backup = on_call(s, "backup");
  // The primary holds 500 open cases (their cap in this deployment).
  auto redis = s.redis();
  std::vector<std::string> fill{"SADD", store::caseload_key(primary)};
  for (int i = 0; i < 500; ++i) {
    auto id = std::to_string(i);
    fill.push_back("C" + std::string(8 - id.size(), '0') + id);
  }
  redis.command(fill);
  post(s.partner(), body("CAP-1", "code_red", "hh-cap-1"), 201);
  auto sms = s.wait_delivered([&](const auto& d) { return d.size() >= 2; }, 15s);
  // A second new family while it lasts: no second capacity SMS.
  post(s.partner(), body("CAP-2", "code_red", "hh-cap-2"), 201);
  sms = s.wait_delivered([&](const auto& d) { return d.size() >= 3; }, 15s);
  std::this_thread::sleep_for(2s);  // time for a duplicate to show up
  sms = s.delivered();
  const auto alerts = to(sms, kTeamLeadPhone, "CAPACITEIT");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(
      alerts[0].text.rfind("piket CAPACITEIT regio groningen: alle casemanagers van piket vol "
                           "sinds 22-11 08:00, nieuw werk slaat hen over. Antwoord ",
                           0),
      0u)
      << alerts[0].text;
  EXPECT_LE(alerts[0].text.size(), 160u);
  EXPECT_EQ(to(sms, s.config().person(backup)->phone, "CODE ROOD").size(), 2u)
      << "both incidents went past the full primary to the backup";
  EXPECT_TRUE(to(sms, s.config().person(primary)->phone).empty());
  for (const auto& m : sms)
    for (const auto* secret : {"Zyxwa", "31687654321", "hh-cap"})
      EXPECT_EQ(m.text.find(secret), std::string::npos) << m.text;
  // What the board's gap view reads.
  EXPECT_EQ(redis.command({"HGET", store::capacity_key("groningen"), "past_on_call"}).str, "2");
  EXPECT_EQ(redis.command({"HGET", store::capacity_key("groningen"), "person"}).str, "tl-g");
}

}  // namespace
}  // namespace piket::cases
