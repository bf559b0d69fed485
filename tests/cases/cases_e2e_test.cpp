// Whole-stack scenarios in simulated time (label e2e): a partner's incident,
// the casemanager's events through the case API, POST /v1/admin/clock jumps,
// and the reminder and escalation SMS at the gateway (fakesmsc) — including
// kill -9 of piket-cases and of Redis in the middle of the year, and a
// restore from a backup onto a fresh data directory (deploy/backup, restore).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "cases_stack.hpp"
#include "piket/common/secrets.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kTeamLeadPhone = "+447700900010";

std::string home_ban(const std::string& reference) {
  return R"({"reference":")" + reference +
         R"(","kind":"home_ban","region":"groningen","reported_at":"2026-11-22T07:55:00+01:00",)"
         R"("household":"hh-)" +
         reference +
         R"(","home_ban":{"starts_at":"2026-11-22T07:40:00+01:00","ends_at":"2026-12-02T07:40:00+01:00"},)"
         R"("persons":[{"role":"victim","name":"Zyxwa Qorvath","phone":"+31687654321"}],)"
         R"("summary":"Synthetic summary mentions Kelderweg eleven"})";
}

std::string incident(const std::string& reference, const std::string& household,
                     const std::string& kind, const std::string& ban = {}) {
  return R"({"reference":")" + reference + R"(","kind":")" + kind +
         R"(","region":"groningen","reported_at":"2026-11-22T07:55:00+01:00","household":")" +
         household + "\"" + (ban.empty() ? "" : R"(,"home_ban":)" + ban) +
         R"(,"persons":[{"role":"victim","name":"Zyxwa Qorvath","phone":"+31687654321"}]})";
}

class CasesScenario : public ::testing::Test {
 protected:
  struct Opened {
    std::string incident, case_id, casemanager, phone;
  };

  // Posts a home ban, waits for the page and acknowledges it by SMS.
  Opened open_and_acknowledge(test::CasesStack& s, const std::string& reference,
                              const std::string& body = {}) {
    auto r = s.partner()->post("/v1/incidents", "application/json",
                               body.empty() ? home_ban(reference) : body);
    EXPECT_EQ(r.status, 201) << r.body;
    const auto o = json::parse(r.body).as_object();
    Opened out{std::string(o.at("incident_id").as_string()),
               std::string(o.at("case_id").as_string()),
               {},
               {}};
    s.wait_delivered([](const auto& d) { return !d.empty(); }, 15s);
    auto redis = s.redis();
    out.casemanager = redis.command({"HGET", store::incident_key(out.incident), "assignee"}).str;
    out.phone = s.config().person(out.casemanager)->phone;
    const auto page = redis.command({"HGET", store::incident_key(out.incident), "page_id"}).str;
    const auto code = redis.command({"HGET", store::page_key(page), "ack_code"}).str;
    s.local().inject_sms(out.phone, "4411", code);
    for (int i = 0; i < 200; ++i) {
      if (redis.command({"HGET", store::incident_key(out.incident), "status"}).str ==
          "acknowledged")
        break;
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(redis.command({"HGET", store::incident_key(out.incident), "status"}).str,
              "acknowledged");
    return out;
  }

  // Posts an incident for a family with an open case and acknowledges its
  // page by SMS, as whoever dispatch paged; returns the incident id.
  std::string post_and_acknowledge(test::CasesStack& s, const std::string& body) {
    auto r = s.partner()->post("/v1/incidents", "application/json", body);
    EXPECT_EQ(r.status, 201) << r.body;
    const auto id = std::string(json::parse(r.body).at("incident_id").as_string());
    auto redis = s.redis();
    std::string page;
    for (int i = 0; i < 300 && page.empty(); ++i) {
      page = redis.command({"HGET", store::incident_key(id), "page_id"}).str;
      if (page.empty()) std::this_thread::sleep_for(50ms);
    }
    EXPECT_FALSE(page.empty()) << "dispatch paged nobody";
    const auto person = redis.command({"HGET", store::page_key(page), "person"}).str;
    const auto code = redis.command({"HGET", store::page_key(page), "ack_code"}).str;
    s.local().inject_sms(s.config().person(person)->phone, "4411", code);
    for (int i = 0; i < 200; ++i) {
      if (redis.command({"HGET", store::incident_key(id), "status"}).str == "acknowledged") break;
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(redis.command({"HGET", store::incident_key(id), "status"}).str, "acknowledged");
    return id;
  }

  // Months of a case worked as the method asks: first contact (on the case
  // and the victim's track), intake, plan and help on day 0, contacts every four days, the handover
  // on day 88, monthly check-ins after it — up to `until_day`. (The home ban's extension-decision
  // reminder is not answered: the team lead hears of it.)
  void work_the_case(test::CasesStack& s, const Opened& o, int until_day) {
    for (const char* type : {"first_contact", "intake", "plan_of_action", "help_started"})
      record(s, o, type);
    see(s, o, "victim");  // the incident's one person: the victim's track
    int day = 0;
    while (day + 4 <= 88) {
      advance(s, o, 4 * 24h);
      day += 4;
      record(s, o, day == 88 ? "handover" : "monitoring_contact");
    }
    while (day + 25 <= until_day) {
      advance(s, o, 25 * 24h);
      day += 25;
      record(s, o, "monitoring_contact");
    }
    advance(s, o, std::chrono::hours{24 * (until_day - day)});
    record(s, o, "monitoring_contact");
  }

  // Records a first contact (or `type`) on one of the case's tracks (issue 16).
  void see(test::CasesStack& s, const Opened& o, const std::string& track,
           const std::string& type = "first_contact", const std::string& extra = {}) {
    auto r = s.staff(o.casemanager)
                 ->post("/v1/cases/" + o.case_id + "/tracks", "application/json",
                        R"({"track":")" + track + R"(","type":")" + type + "\"" + extra + "}");
    ASSERT_EQ(r.status, 200) << track << ": " << r.body;
  }

  void record(test::CasesStack& s, const Opened& o, const std::string& type) {
    // A handover with its conditions confirmed (handover.hpp).
    const std::string handover = type == "handover"
                                     ? R"(,"receiving_organisation":"Synthetic local team",)"
                                       R"("receiving_role":"casusregisseur","safety_reached":true,)"
                                       R"("help_plan_exists":true)"
                                     : "";
    auto r = s.staff(o.casemanager)
                 ->post("/v1/cases/" + o.case_id + "/events", "application/json",
                        R"({"type":")" + type + "\"" + handover + "}");
    ASSERT_EQ(r.status, 201) << type << ": " << r.body;
  }

  // Moves the deployment's clock and waits until every service follows it
  // (each polls the shared clock every 10 ms and says so in clock:seen; on a
  // loaded machine a lagging dispatch would otherwise stamp a page with the
  // time before the jump) and piket-cases answers as of the new time.
  void advance(test::CasesStack& s, const Opened& o, std::chrono::seconds by, bool follow = true) {
    auto r = s.admin()->post("/v1/admin/clock", "application/json",
                             R"({"advance_seconds":)" + std::to_string(by.count()) + "}");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto now =
        common::parse_rfc3339(std::string_view(json::parse(r.body).at("now").as_string()));
    ASSERT_TRUE(now);
    if (follow) {
      ASSERT_TRUE(s.local().wait_clock_followed(*now)) << "not every service followed the clock";
    }
    for (int i = 0; follow && i < 200; ++i) {
      const auto c = s.staff("tl-g")->get("/v1/cases/" + o.case_id);
      if (c.status == 200) {
        const auto as_of =
            common::parse_rfc3339(std::string_view(json::parse(c.body).at("as_of").as_string()));
        if (as_of && *as_of >= *now) return;
      }
      std::this_thread::sleep_for(5ms);
    }
    if (follow) FAIL() << "piket-cases did not follow the clock";
  }

  static std::vector<launch::DeliveredSms> to(const std::vector<launch::DeliveredSms>& all,
                                              const std::string& phone,
                                              const std::string& needle = {}) {
    std::vector<launch::DeliveredSms> out;
    for (const auto& m : all)
      if (m.to == phone && m.text.find(needle) != std::string::npos) out.push_back(m);
    return out;
  }

  // The pages `phone` got, a line each: an SMS that carries several pages
  // (docs/paging.md, "Bundling") lists them "<code> <line>; <code> <line>."
  static std::vector<std::string> pages_to(const std::vector<launch::DeliveredSms>& all,
                                           const std::string& phone) {
    constexpr std::string_view kHead = " oproepen: ";
    std::vector<std::string> out;
    for (const auto& m : to(all, phone)) {
      const auto head = m.text.find(kHead);
      if (head == std::string::npos) {
        out.push_back(m.text);
        continue;
      }
      const auto body = m.text.substr(head + kHead.size());
      const auto items = body.substr(0, body.find(". "));
      for (std::size_t at = 0; at <= items.size();) {
        const auto end = std::min(items.find("; ", at), items.size());
        out.push_back(items.substr(at, end - at));
        at = end + 2;
      }
    }
    return out;
  }
  static std::size_t count_with(const std::vector<std::string>& lines, std::string_view needle) {
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
      return l.find(needle) != std::string::npos;
    }));
  }

  static std::vector<json::object> fired(test::CasesStack& s, const std::string& case_id) {
    std::vector<json::object> out;
    auto redis = s.redis();
    for (const auto& e :
         redis.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements) {
      auto o = json::parse(e.str).as_object();
      if (o.at("type").as_string() == "deadline_fired") out.push_back(o);
    }
    return out;
  }
};

TEST_F(CasesScenario, APlanNotMadeIn12HoursEscalatesToTheTeamLeadExactlyOnce) {
  test::CasesStack s;
  const auto o = open_and_acknowledge(s, "PNN-CASES-1");
  record(s, o, "first_contact");
  record(s, o, "intake");

  advance(s, o, 8h + 1min);
  auto sms = s.wait_delivered(
      [&](const auto& d) { return !to(d, o.phone, "PLAN VAN AANPAK BINNENKORT").empty(); }, 10s);
  ASSERT_EQ(to(sms, o.phone, "PLAN VAN AANPAK BINNENKORT").size(), 1u);
  EXPECT_NE(to(sms, o.phone, "PLAN VAN AANPAK BINNENKORT")[0].text.find("zaak " + o.case_id +
                                                                        " regio groningen"),
            std::string::npos);
  advance(s, o, 3h);
  sms = s.wait_delivered(
      [&](const auto& d) { return to(d, o.phone, "PLAN VAN AANPAK BINNENKORT").size() >= 2; }, 10s);
  ASSERT_EQ(to(sms, o.phone, "PLAN VAN AANPAK BINNENKORT").size(), 2u);
  EXPECT_TRUE(to(sms, kTeamLeadPhone).empty()) << "nothing for the team lead before the breach";

  advance(s, o, 1h);  // 12 h 01 min after the incident was accepted
  sms = s.wait_delivered([&](const auto& d) { return !to(d, kTeamLeadPhone).empty(); }, 10s);
  std::this_thread::sleep_for(3s);  // time for any duplicate to show up
  sms = s.delivered();
  const auto lead = to(sms, kTeamLeadPhone);
  ASSERT_EQ(lead.size(), 1u);
  // Accepted at the simulated start, 08:00 CET: the plan was due at 20:00.
  EXPECT_EQ(lead[0].text, "piket OPGESCHAALD PLAN VAN AANPAK TE LAAT sinds 22-11 20:00 zaak " +
                              o.case_id + " regio groningen. Antwoord " +
                              lead[0].text.substr(lead[0].text.size() - 23, 6) +
                              " om aan te nemen.");
  for (const auto& secret : {"Zyxwa", "Qorvath", "31687654321", "Kelderweg", "hh-PNN"})
    for (const auto& m : sms) EXPECT_EQ(m.text.find(secret), std::string::npos) << m.text;
  EXPECT_EQ(sms.size(), 4u) << "the page, two warnings, one escalation";

  // The partner sees the incident escalated; the case shows the plan overdue.
  auto inc = s.partner()->get("/v1/incidents/" + o.incident);
  EXPECT_EQ(json::parse(inc.body).at("status").as_string(), "escalated");
  auto c = s.staff("tl-g")->get("/v1/cases/" + o.case_id);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(json::parse(c.body).at("overdue").as_array(), json::array{"plan"});
  EXPECT_EQ(json::parse(c.body).at("phase").as_string(), "intake");
  // Another jump: still one escalation.
  advance(s, o, 24h);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(to(s.delivered(), kTeamLeadPhone).size(), 1u);
}

TEST_F(CasesScenario, ACodeRedInMonthFiveWithNoContactRecordedReachesTheTeamLead) {
  test::CasesStack s;
  const auto o = open_and_acknowledge(s, "PNN-CASES-CR");
  // The team lead's escalations of `what`, alone in an SMS or as a line of a
  // bundled one ("OPGESCHAALD …" in both, docs/paging.md, "Bundling").
  auto lead_escalations = [&](const std::vector<launch::DeliveredSms>& all,
                              const std::string& what) {
    std::size_t n = 0;
    for (const auto& page : pages_to(all, kTeamLeadPhone))
      n += page.find("OPGESCHAALD " + what) != std::string::npos;
    return n;
  };
  work_the_case(s, o, 150);
  // Day 150: a code red for the same family. The page is acknowledged, and
  // then nothing is recorded for it.
  const auto cr =
      post_and_acknowledge(s, incident("PNN-CASES-CR-2", "hh-PNN-CASES-CR", "code_red"));
  EXPECT_EQ(json::parse(s.partner()->get("/v1/incidents/" + cr).body).at("case_id").as_string(),
            o.case_id);
  advance(s, o, 3h + 1min);  // going out was due after 3 hours: the casemanager is reminded
  auto sms = s.wait_delivered(
      [&](const auto& d) { return !to(d, o.phone, "EERSTE CONTACT TE LAAT").empty(); }, 15s);
  ASSERT_EQ(to(sms, o.phone, "EERSTE CONTACT TE LAAT").size(), 1u);
  EXPECT_TRUE(to(sms, kTeamLeadPhone, "EERSTE CONTACT").empty());
  advance(s, o, 1h);  // an hour later: the team lead
  sms = s.wait_delivered(
      [&](const auto& d) { return lead_escalations(d, "EERSTE CONTACT TE LAAT") > 0; }, 15s);
  ASSERT_EQ(lead_escalations(sms, "EERSTE CONTACT TE LAAT"), 1u);
  advance(s, o, 8h);  // 12 hours: no revised plan either
  sms = s.wait_delivered(
      [&](const auto& d) { return lead_escalations(d, "PLAN VAN AANPAK TE LAAT") > 0; }, 15s);
  std::this_thread::sleep_for(2s);
  sms = s.delivered();
  EXPECT_EQ(lead_escalations(sms, "PLAN VAN AANPAK TE LAAT"), 1u);
  EXPECT_EQ(lead_escalations(sms, "EERSTE CONTACT TE LAAT"), 1u);
  // The case view shows the code red's own clocks, overdue.
  const auto c = json::parse(s.staff("tl-g")->get("/v1/cases/" + o.case_id).body).as_object();
  int overdue = 0;
  for (const auto& k : c.at("clocks").as_array())
    if (k.as_object().contains("incident") && k.at("incident").as_string() == cr &&
        k.at("state").as_string() == "overdue") {
      EXPECT_EQ(k.at("incident_kind").as_string(), "code_red");
      ++overdue;
    }
  EXPECT_EQ(overdue, 2) << "first contact and plan of the code red";
  // Going out now, saying which incident it answers, meets its first-contact clock.
  auto r = s.staff(o.casemanager)
               ->post("/v1/cases/" + o.case_id + "/events", "application/json",
                      R"({"type":"first_contact","incident":")" + cr + "\"}");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body).at("phase").as_string(), "monitoring");
}

TEST_F(CasesScenario, NoExtensionDecisionReminderForABanAtTwentyEightDaysTheEndNoticeStays) {
  test::CasesStack s;
  const auto o = open_and_acknowledge(s, "PNN-CASES-MAX");
  for (const char* type : {"first_contact", "intake", "plan_of_action", "help_started"})
    record(s, o, type);
  see(s, o, "victim");  // the track is seen: the team lead hears nothing
  // Day 4: the mayor extends the ban to 28 days from its start (the maximum).
  advance(s, o, 4 * 24h);
  record(s, o, "monitoring_contact");
  post_and_acknowledge(
      s, incident(
             "PNN-CASES-MAX-X", "hh-PNN-CASES-MAX", "home_ban_extended",
             R"({"starts_at":"2026-11-22T07:40:00+01:00","ends_at":"2026-12-20T07:40:00+01:00"})"));
  const auto c = json::parse(s.staff(o.casemanager)->get("/v1/cases/" + o.case_id).body);
  for (const auto& k : c.at("clocks").as_array())
    if (k.at("clock").as_string() == "home_ban") {
      EXPECT_EQ(k.at("due").as_string(), "2026-12-20T06:40:00.000Z");
      EXPECT_EQ(k.at("next_step").at("step").as_string(), "end") << "no decision at the maximum";
    }
  // Past the end, in steps of four days with a contact each.
  for (int day = 8; day <= 32; day += 4) {
    advance(s, o, 4 * 24h);
    record(s, o, "monitoring_contact");
  }
  const auto sms = s.wait_delivered(
      [&](const auto& d) { return !to(d, o.phone, "HUISVERBOD AFGELOPEN").empty(); }, 15s);
  std::this_thread::sleep_for(2s);
  const auto all = s.delivered();
  // In simulated time the FYI of the extension and the end notice can fall in
  // one bundle window (docs/paging.md, "Bundling"): count pages, not SMS.
  int ended = 0, decision = 0;
  for (const auto& p : pages_to(all, o.phone)) {
    if (p.find("HUISVERBOD AFGELOPEN") != std::string::npos) ++ended;
    if (p.find("DECISION") != std::string::npos) ++decision;
  }
  EXPECT_EQ(ended, 1) << "the end notice stays";
  EXPECT_EQ(decision, 0) << "a ban at 28 days cannot be extended: no decision asked";
  EXPECT_TRUE(to(all, kTeamLeadPhone).empty());
}

TEST_F(CasesScenario, AnUntouchedCaseReachesTheTeamLeadByDaySeven) {
  test::CasesStack s;
  const auto o = open_and_acknowledge(s, "PNN-CASES-EIGHT");
  for (const char* type : {"first_contact", "intake", "plan_of_action", "help_started"})
    record(s, o, type);
  // Then nobody records anything, and nobody answers the reminder (the
  // casemanager is ill, as in the Groningen evaluation). Day by day:
  std::vector<int> lead_days;
  for (int day = 1; day <= 7; ++day) {
    advance(s, o, 24h);
    std::this_thread::sleep_for(500ms);
    const auto n = to(s.delivered(), kTeamLeadPhone, "CONTACTMOMENT").size();
    while (lead_days.size() < n) lead_days.push_back(day);
  }
  const auto sms = s.wait_delivered(
      [&](const auto& d) { return to(d, kTeamLeadPhone, "CONTACTMOMENT").size() >= 2; }, 15s);
  EXPECT_EQ(to(sms, o.phone, "CONTACTMOMENT TE LAAT").size(), 1u) << "the reminder on day 5";
  // The unanswered reminder reaches the team lead on day 6, the stall itself on day 7.
  ASSERT_EQ(to(sms, kTeamLeadPhone, "HERINNERING CONTACTMOMENT ONBEANTWOORD").size(), 1u);
  ASSERT_EQ(to(sms, kTeamLeadPhone, "OPGESCHAALD CONTACTMOMENT TE LAAT").size(), 1u);
  ASSERT_FALSE(lead_days.empty());
  EXPECT_LE(lead_days.front(), 7) << "not the eight days";
}

// The store is backed up (deploy/backup, while the services run) with the
// plan's second warning and its escalation pending; then the machine's Redis
// and its data are lost, the backup is restored onto a fresh data directory
// (deploy/restore), Redis and piket-cases start on it: nothing that fired
// before the backup fires again, and each pending deadline fires once.
TEST_F(CasesScenario, RestoredFromABackupOntoAFreshDataDirectoryEachPendingDeadlineFiresOnce) {
  namespace fs = std::filesystem;
  test::CasesStack s;
  const auto o = open_and_acknowledge(s, "PNN-CASES-RESTORE");
  record(s, o, "first_contact");
  record(s, o, "intake");
  advance(s, o, 8h + 1min);  // the plan's first warning fires before the backup
  auto sms = s.wait_delivered(
      [&](const auto& d) { return !to(d, o.phone, "PLAN VAN AANPAK BINNENKORT").empty(); }, 10s);
  ASSERT_EQ(to(sms, o.phone, "PLAN VAN AANPAK BINNENKORT").size(), 1u);
  // And a page nobody acknowledges, in drenthe: paging escalates it to that
  // region's team lead after 15 minutes (the built-in policy).
  const std::string drenthe_lead = "+447700900030";
  auto body = home_ban("VT-CASES-RESTORE");
  body.replace(body.find("groningen"), 9, "drenthe");
  auto posted = s.client(s.spec().ports.ingest, s.spec().veilig_thuis_token)
                    ->post("/v1/incidents", "application/json", body);
  ASSERT_EQ(posted.status, 201) << posted.body;
  sms = s.wait_delivered([&](const auto& d) { return !to(d, "+447700900021").empty(); }, 15s);
  ASSERT_EQ(to(sms, "+447700900021").size(), 1u);
  ASSERT_GT(s.redis().command({"ZCARD", store::kEscalationsDue}).integer, 0);

  const fs::path deploy = fs::path(PIKET_SOURCE_DIR) / "deploy";
  const auto data = s.local().log_dir().parent_path();  // the stack's data directory
  const auto backup = data / "backup";
  auto run = [](const std::string& cmd) {
    const int status = std::system((cmd + " >&2").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  ASSERT_EQ(run((deploy / "backup").string() + " --port " +
                std::to_string(s.config().redis.address.port) + " --user ops --password-file " +
                (s.config().secrets_dir / common::secret_file::redis_password("ops")).string() +
                " " + backup.string()),
            0);

  // The machine is lost: piket-cases, Redis and Redis's data directory.
  s.local().kill9(stack::Component::cases);
  s.local().kill9(stack::Component::redis);
  fs::rename(data / "redis", data / "redis.lost");
  ASSERT_EQ(
      run((deploy / "restore").string() + " " + backup.string() + " " + (data / "redis").string()),
      0);
  s.local().start(stack::Component::redis);
  s.local().start(stack::Component::cases);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(to(s.delivered(), o.phone, "PLAN VAN AANPAK BINNENKORT").size(), 1u)
      << "nothing fired again";
  EXPECT_TRUE(to(s.delivered(), drenthe_lead).empty()) << "the escalation is not due yet";

  advance(s, o, 16min);  // the unacknowledged page's escalation
  sms = s.wait_delivered([&](const auto& d) { return !to(d, drenthe_lead).empty(); }, 10s);
  ASSERT_EQ(to(sms, drenthe_lead).size(), 1u);
  EXPECT_EQ(to(sms, drenthe_lead)[0].text.rfind("piket OPGESCHAALD ", 0), 0u)
      << to(sms, drenthe_lead)[0].text;
  advance(s, o, 3h - 16min);  // 11 h 01 min: the second warning
  sms = s.wait_delivered(
      [&](const auto& d) { return to(d, o.phone, "PLAN VAN AANPAK BINNENKORT").size() >= 2; }, 10s);
  EXPECT_EQ(to(sms, o.phone, "PLAN VAN AANPAK BINNENKORT").size(), 2u);
  advance(s, o, 1h);  // 12 h 01 min: the escalation to the team lead
  s.wait_delivered([&](const auto& d) { return !to(d, kTeamLeadPhone).empty(); }, 10s);
  std::this_thread::sleep_for(3s);  // time for any duplicate to show up
  advance(s, o, 24h);
  std::this_thread::sleep_for(2s);
  sms = s.delivered();
  EXPECT_EQ(to(sms, o.phone, "PLAN VAN AANPAK BINNENKORT").size(), 2u);
  EXPECT_EQ(to(sms, kTeamLeadPhone, "PLAN VAN AANPAK TE LAAT").size(), 1u);
  EXPECT_EQ(to(sms, kTeamLeadPhone).size(), 1u);
  std::map<std::string, int> keys;
  for (const auto& e : fired(s, o.case_id)) ++keys[std::string(e.at("key").as_string())];
  EXPECT_FALSE(keys.empty());
  for (const auto& [k, n] : keys) EXPECT_EQ(n, 1) << k << " fired " << n << " times";
  // The incident's escalation (an incident page says when it was reported,
  // "gemeld"; the plan's escalations to this team lead do not).
  std::size_t incident_escalations = 0;
  for (const auto& m : to(sms, drenthe_lead, ", gemeld "))
    incident_escalations += m.text.rfind("piket OPGESCHAALD ", 0) == 0;
  EXPECT_EQ(incident_escalations, 1u) << "escalated once";
}

TEST_F(CasesScenario, Kill9OfTheEngineAndOfRedisMidYearLosesNoClockAndRepeatsNoEscalation) {
  // This test is about durability; unanswered-reminder escalations are off
  // so that its count of team-lead pages is the stall and evaluation clocks'.
  stack::StackSpec spec;
  spec.extra_toml = "[deadlines]\nreminder_ack_hours = 0\n";
  test::CasesStack s(spec);
  const auto o = open_and_acknowledge(s, "PNN-CASES-2");
  for (const char* type : {"first_contact", "intake", "plan_of_action", "help_started"})
    record(s, o, type);
  see(s, o, "victim");
  // Three months of weekly check-ins, the handover, then monthly ones to day 150.
  int day = 0;
  while (day < 96) {
    advance(s, o, 6 * 24h);
    day += 6;
    record(s, o, day < 96 ? "monitoring_contact" : "handover");
  }
  while (day < 150) {
    advance(s, o, 18 * 24h);
    day += 18;
    record(s, o, "monitoring_contact");
  }
  // Then nothing: the check-in reminder at day 180 and the escalation at 187.
  advance(s, o, std::chrono::hours{24 * (188 - day)});
  day = 188;
  auto sms = s.wait_delivered(
      [&](const auto& d) { return !to(d, kTeamLeadPhone, "CONTACTMOMENT").empty(); }, 15s);
  ASSERT_EQ(to(sms, kTeamLeadPhone, "CONTACTMOMENT").size(), 1u);
  EXPECT_TRUE(to(sms, kTeamLeadPhone, "OPGESCHAALD").size() == 1u)
      << "nothing else for the team lead yet";

  auto redis = s.redis();
  auto timers = [&] {
    std::vector<std::string> out;
    auto r = s.redis().command({"ZRANGE", store::kDeadlinesDue, "0", "-1", "WITHSCORES"});
    for (auto& e : r.elements) out.push_back(e.str);
    return out;
  };
  const auto before = timers();
  ASSERT_FALSE(before.empty());
  const auto clocks_before =
      json::parse(s.staff(o.casemanager)->get("/v1/cases/" + o.case_id).body).at("clocks");

  // kill -9 of the engine and of Redis; both come back.
  s.local().kill9(stack::Component::cases);
  s.local().kill9(stack::Component::redis);
  s.local().start(stack::Component::redis);
  s.local().start(stack::Component::cases);
  EXPECT_EQ(timers(), before) << "no clock lost";
  const auto clocks_after =
      json::parse(s.staff(o.casemanager)->get("/v1/cases/" + o.case_id).body).at("clocks");
  EXPECT_EQ(clocks_after, clocks_before);
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(to(s.delivered(), kTeamLeadPhone).size(), 1u) << "no escalation repeated";

  // The engine is down while the evaluation escalation (day 212) and the
  // second stall escalation (day 217) fall due; on start-up both fire, oldest first.
  s.local().kill9(stack::Component::cases);
  advance(s, o, std::chrono::hours{24 * (218 - day)}, false);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(to(s.delivered(), kTeamLeadPhone).size(), 1u) << "nothing while the engine is down";
  s.local().start(stack::Component::cases);
  // Two escalations at once for the team lead: one SMS, or two when notify
  // bundled them — three pages either way.
  sms =
      s.wait_delivered([&](const auto& d) { return pages_to(d, kTeamLeadPhone).size() >= 3; }, 15s);
  std::this_thread::sleep_for(4s);
  sms = s.delivered();
  const auto lead = pages_to(sms, kTeamLeadPhone);
  ASSERT_EQ(lead.size(), 3u);
  EXPECT_EQ(count_with(lead, "EVALUATIE TE LAAT"), 1u);
  EXPECT_EQ(count_with(lead, "CONTACTMOMENT TE LAAT"), 2u);
  for (const auto& l : lead) EXPECT_NE(l.find("ESC"), std::string::npos) << l;

  // The timeline has each action once, in due order, the missed ones with how late they were.
  const auto f = fired(s, o.case_id);
  std::map<std::string, int> keys;
  for (const auto& e : f) ++keys[std::string(e.at("key").as_string())];
  for (const auto& [k, n] : keys) EXPECT_EQ(n, 1) << k;
  for (std::size_t i = 1; i < f.size(); ++i)
    EXPECT_LE(f[i - 1].at("due").as_int64(), f[i].at("due").as_int64());
  ASSERT_GE(f.size(), 2u);
  const auto& evaluation = f[f.size() - 2];
  const auto& stall = f[f.size() - 1];
  EXPECT_EQ(evaluation.at("clock").as_string(), "evaluation");
  EXPECT_EQ(stall.at("clock").as_string(), "checkin");
  EXPECT_EQ(stall.at("step").as_string(), "escalate_2");
  EXPECT_GT(evaluation.at("late_ms").as_int64(), std::chrono::milliseconds(24h * 5).count());
  EXPECT_GT(stall.at("late_ms").as_int64(), 0);
}

// Issue 16: an agreement with a chain partner goes overdue → the casemanager
// is paged at its due time → the team lead after the grace period (24 h);
// an agreement marked done before its time pages nobody. The pages say only
// the case, the clock and how to answer — never the partner or the text.
TEST_F(CasesScenario, AnOverdueAgreementRemindsTheCasemanagerThenReachesTheTeamLead) {
  stack::StackSpec spec;
  spec.extra_toml =
      "[[chain_partners]]\nid = \"vz-noord\"\nname = \"Synthetic Addiction Care\"\n"
      "kind = \"addiction_care\"\nregion = \"groningen\"\n";
  test::CasesStack s(spec);
  const auto o = open_and_acknowledge(s, "PNN-AGREE-1");
  for (const char* type : {"first_contact", "intake", "plan_of_action", "help_started"})
    record(s, o, type);
  auto agree = [&](const std::string& body) {
    auto r = s.staff(o.casemanager)
                 ->post("/v1/cases/" + o.case_id + "/agreements", "application/json", body);
    EXPECT_EQ(r.status, 201) << r.body;
  };
  // Started at 08:00 CET: a referral due in three days, a family appointment in two.
  agree(R"({"who":"vz-noord","category":"referral","text":"Qorvath intake Kelderweg",)"
        R"("track":"perpetrator","due_by":"2026-11-25T08:00:00+01:00"})");
  agree(R"({"who":"family","category":"appointment","text":"talk with the children",)"
        R"("track":"children","due_by":"2026-11-24T08:00:00+01:00"})");
  advance(s, o, 24h);
  auto done = s.staff(o.casemanager)
                  ->post("/v1/cases/" + o.case_id + "/agreements/state", "application/json",
                         R"({"agreement":"A2","state":"done"})");
  ASSERT_EQ(done.status, 200) << done.body;

  advance(s, o, 48h + 1min);  // the referral is due
  auto sms = s.wait_delivered(
      [&](const auto& d) { return !to(d, o.phone, "AFSPRAAK VERLOPEN").empty(); }, 15s);
  const auto reminder = to(sms, o.phone, "AFSPRAAK VERLOPEN");
  ASSERT_EQ(reminder.size(), 1u);
  EXPECT_NE(reminder[0].text.find("piket AFSPRAAK VERLOPEN sinds 25-11 08:00 zaak " + o.case_id),
            std::string::npos)
      << reminder[0].text;
  EXPECT_TRUE(to(sms, kTeamLeadPhone, "AFSPRAAK").empty()) << "not before the grace period";

  advance(s, o, 24h);  // the grace period is over
  sms = s.wait_delivered(
      [&](const auto& d) { return !to(d, kTeamLeadPhone, "AFSPRAAK VERLOPEN").empty(); }, 15s);
  std::this_thread::sleep_for(2s);  // time for any duplicate to show up
  sms = s.delivered();
  const auto lead = to(sms, kTeamLeadPhone, "AFSPRAAK VERLOPEN");
  ASSERT_EQ(lead.size(), 1u);
  EXPECT_NE(
      lead[0].text.find("piket OPGESCHAALD AFSPRAAK VERLOPEN sinds 25-11 08:00 zaak " + o.case_id),
      std::string::npos)
      << lead[0].text;
  EXPECT_EQ(to(sms, o.phone, "AFSPRAAK VERLOPEN").size(), 1u) << "A2 was done: no page for it";
  for (const auto& secret :
       {"vz-noord", "Synthetic", "Qorvath", "Kelderweg", "children", "intake", "hh-PNN"})
    for (const auto& m : sms) EXPECT_EQ(m.text.find(secret), std::string::npos) << m.text;
  // The agreement is overdue on the case, and the timeline has both changes.
  auto list = s.staff("tl-g")->get("/v1/cases/" + o.case_id + "/agreements");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto listed = json::parse(list.body);
  const auto& agreements = listed.at("agreements").as_array();
  ASSERT_EQ(agreements.size(), 2u);
  EXPECT_EQ(agreements[0].at("overdue").as_bool(), true);
  EXPECT_EQ(agreements[1].at("state").as_string(), "done");
}

// Issue 16, the three tracks: an incident names a perpetrator, a victim and a
// child, so the case has those tracks. The victim's is seen late and the
// children's does not apply ("no children"); the perpetrator's is not seen in
// 7 days after the case's first contact → the casemanager is paged ("SPOOR
// NIET GEZIEN (pleger)") → the team lead a day later; recording the contact
// stops the clock. The pages say only the case, the track's role and how to
// answer — never a name.
TEST_F(CasesScenario, APerpetratorTrackNotSeenInSevenDaysRemindsThenReachesTheTeamLead) {
  // The stall clock and unanswered reminders kept out of the way: the team
  // lead's phone gets the track's escalation alone.
  stack::StackSpec spec;
  spec.extra_toml = "[deadlines]\nreminder_ack_hours = 0\ncheckin_intensive_days = 30\n";
  test::CasesStack s(spec);
  auto body = home_ban("PNN-TRACKS-1");
  const std::string victim_only =
      R"([{"role":"victim","name":"Zyxwa Qorvath","phone":"+31687654321"}])";
  body.replace(body.find(victim_only), victim_only.size(),
               R"([{"role":"perpetrator","name":"Brontel Vask","phone":"+31687650000"},)"
               R"({"role":"victim","name":"Zyxwa Qorvath","phone":"+31687654321"},)"
               R"({"role":"child","name":"Mirelle Vask"}])");
  const auto o = open_and_acknowledge(s, "PNN-TRACKS-1", body);
  for (const char* type : {"first_contact", "intake", "plan_of_action", "help_started"})
    record(s, o, type);
  see(s, o, "children", "not_applicable", R"(,"reason":"no_children")");
  auto track_lines = [&](const std::vector<launch::DeliveredSms>& all, const std::string& phone) {
    return count_with(pages_to(all, phone), "SPOOR NIET GEZIEN");
  };
  advance(s, o, 7 * 24h + 1min);  // 7 days after the first contact: perpetrator and victim
  auto sms = s.wait_delivered([&](const auto& d) { return track_lines(d, o.phone) >= 2; }, 15s);
  EXPECT_EQ(track_lines(sms, o.phone), 2u);
  EXPECT_EQ(track_lines(sms, kTeamLeadPhone), 0u) << "not before the grace period";
  see(s, o, "victim");  // the victim is seen: that clock stops
  advance(s, o, 24h);   // the grace period is over
  sms = s.wait_delivered([&](const auto& d) { return track_lines(d, kTeamLeadPhone) >= 1; }, 15s);
  std::this_thread::sleep_for(2s);  // time for any duplicate or other page to show up
  sms = s.delivered();
  EXPECT_EQ(track_lines(sms, kTeamLeadPhone), 1u) << "the perpetrator's only";
  const auto lead = to(sms, kTeamLeadPhone, "SPOOR NIET GEZIEN");
  ASSERT_EQ(lead.size(), 1u);
  EXPECT_NE(lead[0].text.find("piket OPGESCHAALD SPOOR NIET GEZIEN (pleger) sinds 29-11 08:0"),
            std::string::npos)
      << lead[0].text;
  EXPECT_NE(lead[0].text.find("zaak " + o.case_id), std::string::npos) << lead[0].text;
  // Which tracks fired, from the timeline: the perpetrator's twice, the victim's once.
  std::map<std::string, int> fired_tracks;
  for (const auto& e : fired(s, o.case_id))
    if (e.at("clock").as_string() == "track") {
      const std::string key(e.at("key").as_string());  // C…|track|<step>|<track>:<ms>
      const auto anchor = key.substr(key.rfind('|') + 1);
      ++fired_tracks[anchor.substr(0, anchor.find(':')) + "/" +
                     std::string(e.at("step").as_string())];
    }
  EXPECT_EQ(fired_tracks,
            (std::map<std::string, int>{
                {"perpetrator/escalate", 1}, {"perpetrator/overdue", 1}, {"victim/overdue", 1}}));
  // The contact with the perpetrator stops the clock: a month later nothing more.
  see(s, o, "perpetrator");
  auto tracks = json::parse(s.staff("tl-g")->get("/v1/cases/" + o.case_id + "/tracks").body);
  for (const auto& t : tracks.at("tracks").as_array()) {
    const std::string track(t.at("track").as_string());
    EXPECT_EQ(t.at("state").as_string(), track == "children" ? "not_applicable" : "seen") << track;
  }
  advance(s, o, 30 * 24h);
  std::this_thread::sleep_for(2s);
  sms = s.delivered();
  EXPECT_EQ(track_lines(sms, o.phone), 2u);
  EXPECT_EQ(track_lines(sms, kTeamLeadPhone), 1u);
  for (const auto& secret :
       {"Brontel", "Vask", "Zyxwa", "Qorvath", "Mirelle", "+3168765", "kinderen", "hh-PNN"})
    for (const auto& m : sms) EXPECT_EQ(m.text.find(secret), std::string::npos) << m.text;
}

}  // namespace
}  // namespace piket::cases
