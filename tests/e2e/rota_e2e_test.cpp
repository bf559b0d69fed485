// The full rota in the running system: dispatch pages whoever the rota file
// puts on call, a sickness registered through the rota API at run time
// reroutes the next page at once, and calendars are served as iCalendar to a
// calendar token only. In simulated time (Sunday 08:00): on the wall clock a
// run in the hour before Monday's 08:00 handoff met that handoff's notices.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "groningen_rota.hpp"
#include "piket/access/calendar_tokens.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/time_format.hpp"
#include "stack_fixture.hpp"

namespace piket::e2e {
namespace {

constexpr const char* kTeamLeadToken = "tl-g-staff-token-000000000001";
constexpr const char* kCasemanagerToken = "icm-1-staff-token-00000000001";

stack::StackSpec rota_spec() {
  stack::StackSpec spec;
  spec.simulated_clock = true;  // Sunday 2026-11-22 08:00, a day from any handoff
  spec.rota_file = groningen_rota_file();
  spec.rota_table = "coverage_days = 14\n";
  spec.person_extra["tl-g"] = "token_sha256 = \"" + common::sha256_hex(kTeamLeadToken) + "\"";
  spec.person_extra["icm-1"] = "token_sha256 = \"" + common::sha256_hex(kCasemanagerToken) + "\"";
  return spec;
}

std::string code_red(const std::string& ref, const std::string& household = "") {
  return R"({"reference":")" + ref +
         R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T07:50:00+01:00","household":"hh-)" +
         (household.empty() ? ref : household) + R"("})";
}

std::unique_ptr<common::HttpClient> staff(const Stack& s, const char* token) {
  auto c = std::make_unique<common::HttpClient>(
      common::HostPort{"127.0.0.1", s.spec().ports.dispatch_http}, std::chrono::seconds{5});
  c->set_header("Authorization", std::string("Bearer ") + token);
  return c;
}

TEST(RotaEndToEnd, PagesFollowTheRotaAndARunTimeSicknessReroutesAtOnce) {
  Stack s(rota_spec());
  auto lead = staff(s, kTeamLeadToken);
  auto oncall = lead->get("/v1/rota/oncall?region=groningen");
  ASSERT_EQ(oncall.status, 200) << oncall.body;
  const auto layers = boost::json::parse(oncall.body).at("layers").as_object();
  ASSERT_EQ(layers.at("primary").as_array().size(), 1u) << oncall.body;
  const std::string primary(layers.at("primary").as_array()[0].as_string());
  const std::string backup(layers.at("backup").as_array()[0].as_string());
  ASSERT_NE(primary, backup);

  auto partner = s.partner_client(s.spec().police_token);
  ASSERT_EQ(partner->post("/v1/incidents", "application/json", code_red("ROTA-1")).status, 201);
  auto sms =
      s.wait_delivered([](const auto& d) { return d.size() >= 1; }, std::chrono::seconds{10});
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0].to, s.config().person(primary)->phone);

  // The primary calls in sick: the team lead registers it at run time.
  const auto now = *common::parse_rfc3339(s.spec().simulated_start);
  boost::json::object sick{{"region", "groningen"},
                           {"layer", "primary"},
                           {"kind", "replace"},
                           {"person", backup},
                           {"replaces", primary},
                           {"starts_at", common::format_rfc3339(now - std::chrono::hours{1})},
                           {"ends_at", common::format_rfc3339(now + std::chrono::hours{48})}};
  auto added = lead->post("/v1/rota/overrides", "application/json", boost::json::serialize(sick));
  ASSERT_EQ(added.status, 201) << added.body;
  oncall = lead->get("/v1/rota/oncall?region=groningen");
  EXPECT_EQ(boost::json::value_to<std::string>(
                boost::json::parse(oncall.body).at("layers").at("primary").as_array()[0]),
            backup);

  ASSERT_EQ(partner->post("/v1/incidents", "application/json", code_red("ROTA-2")).status, 201);
  sms = s.wait_delivered([](const auto& d) { return d.size() >= 2; }, std::chrono::seconds{10});
  ASSERT_EQ(sms.size(), 2u);
  EXPECT_EQ(sms[1].to, s.config().person(backup)->phone) << "the sick casemanager was paged";

  // A new incident for the first family: its own casemanager is off sick, so
  // the on-call one is paged and the own casemanager only informed.
  ASSERT_EQ(partner->post("/v1/incidents", "application/json", code_red("ROTA-3", "ROTA-1")).status,
            201);
  sms = s.wait_delivered([](const auto& d) { return d.size() >= 4; }, std::chrono::seconds{10});
  ASSERT_EQ(sms.size(), 4u);
  int paged_backup = 0, informed_primary = 0;
  for (std::size_t k = 2; k < sms.size(); ++k) {
    if (sms[k].to == s.config().person(backup)->phone &&
        sms[k].text.find("CODE ROOD zaak") != std::string::npos)
      ++paged_backup;
    if (sms[k].to == s.config().person(primary)->phone &&
        sms[k].text.rfind("piket INFO CODE ROOD in je zaak", 0) == 0) {
      ++informed_primary;
      // Information: no reply code to answer (docs/paging.md).
      EXPECT_EQ(sms[k].text.find("Reply"), std::string::npos) << sms[k].text;
    }
  }
  EXPECT_EQ(paged_backup, 1);
  EXPECT_EQ(informed_primary, 1);

  // Removing the override restores the rota.
  const std::string id(boost::json::parse(added.body).at("id").as_string());
  EXPECT_EQ(lead->del("/v1/rota/overrides/" + id).status, 204);
  EXPECT_EQ(lead->del("/v1/rota/overrides/" + id).status, 404);
  oncall = lead->get("/v1/rota/oncall?region=groningen");
  EXPECT_EQ(boost::json::value_to<std::string>(
                boost::json::parse(oncall.body).at("layers").at("primary").as_array()[0]),
            primary);
}

TEST(RotaEndToEnd, RotaApiRefusesWhatTheCallerMayNotDoAndServesCalendars) {
  Stack s(rota_spec());
  common::HttpClient anonymous({"127.0.0.1", s.spec().ports.dispatch_http},
                               std::chrono::seconds{5});
  EXPECT_EQ(anonymous.get("/v1/rota/oncall?region=groningen").status, 401);
  auto icm = staff(s, kCasemanagerToken);
  EXPECT_EQ(icm->get("/v1/rota/oncall?region=groningen").status, 200);
  EXPECT_EQ(icm->get("/v1/rota/oncall?region=drenthe").status, 403) << "not their region";
  const std::string body =
      R"({"region":"groningen","layer":"primary","kind":"add","person":"icm-1","starts_at":"2030-01-01T08:00:00+01:00","ends_at":"2030-01-02T08:00:00+01:00"})";
  EXPECT_EQ(icm->post("/v1/rota/overrides", "application/json", body).status, 403)
      << "a casemanager may not change the rota";
  auto lead = staff(s, kTeamLeadToken);
  EXPECT_EQ(
      lead->post(
              "/v1/rota/overrides", "application/json",
              R"({"region":"groningen","layer":"primary","kind":"add","person":"nobody","starts_at":"2030-01-01T08:00:00+01:00","ends_at":"2030-01-02T08:00:00+01:00"})")
          .status,
      422);
  EXPECT_EQ(lead->post("/v1/rota/overrides", "application/json", body).status, 201);

  // Calendars open with icm-1's calendar token (made as the web app makes
  // it), not with their staff token.
  std::string calendar_token;
  {
    auto r = s.redis();
    const auto made = access::CalendarTokens(r).create("icm-1", "icm-1", common::from_epoch_ms(0));
    ASSERT_TRUE(made);
    calendar_token = made->token;
  }
  auto ics = anonymous.get("/v1/rota/calendar/person/icm-1.ics?token=" + calendar_token);
  ASSERT_EQ(ics.status, 200);
  EXPECT_EQ(ics.body.rfind("BEGIN:VCALENDAR\r\n", 0), 0u) << ics.body.substr(0, 80);
  EXPECT_NE(ics.body.find("BEGIN:VEVENT"), std::string::npos);
  EXPECT_EQ(anonymous.get("/v1/rota/calendar/person/icm-2.ics?token=" + calendar_token).status, 403)
      << "someone else's calendar";
  EXPECT_EQ(
      anonymous.get("/v1/rota/calendar/person/icm-1.ics?token=" + std::string(kCasemanagerToken))
          .status,
      401)
      << "a staff token opens no calendar";
  EXPECT_EQ(anonymous.get("/v1/rota/calendar/layer/groningen/primary.ics?token=wrong").status, 401);
  common::HttpClient with_calendar_token({"127.0.0.1", s.spec().ports.dispatch_http},
                                         std::chrono::seconds{5});
  with_calendar_token.set_header("Authorization", "Bearer " + calendar_token);
  EXPECT_EQ(with_calendar_token.get("/v1/rota/oncall?region=groningen").status, 401)
      << "a calendar token opens nothing else";
  auto gaps = lead->get("/v1/rota/gaps?region=groningen&days=14");
  ASSERT_EQ(gaps.status, 200);
  EXPECT_EQ(boost::json::parse(gaps.body).at("gaps").as_array().size(), 0u) << gaps.body;
}

}  // namespace
}  // namespace piket::e2e
