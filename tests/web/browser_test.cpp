// Browser tests: a whole deployment (Redis, Kannel + fakesmsc, every service
// and piket-web) on a simulated clock, and the app driven in headless
// Chromium by Playwright (web/tests/*.test.mjs, run with node). Screenshots of
// every step land in the build directory (tests/web/screenshots/).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "piket/stack/local_stack.hpp"
#include "piket/stack/stack_config.hpp"
#include "piket/web/password.hpp"

namespace piket::web {
namespace {

namespace fs = std::filesystem;
constexpr const char* kPassword = "browser-test-password-1";

class BrowserStack {
 public:
  // `person_lines`: more lines for every person of the deployment (e.g. contact rules);
  // `extra_toml`: more tables of the deployment file (e.g. chain partners);
  // `with_admin`: an operator, `ops-g` (role admin, groningen), who may sign in.
  explicit BrowserStack(const std::string& person_lines = {}, const std::string& extra_toml = {},
                        bool with_admin = false) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(PIKET_TEST_WORK_DIR) / info->name();
    shots_ = fs::path(PIKET_SCREENSHOT_DIR) / info->name();
    fs::remove_all(dir_);
    fs::remove_all(shots_);
    fs::create_directories(dir_);
    spec_.ports = stack::StackPorts::pick_free();
    spec_.log_dir = (dir_ / "logs").string();
    spec_.simulated_clock = true;
    const auto hash = hash_password(kPassword, {1, 8 * 1024, 1});
    spec_.extra_toml = extra_toml;
    if (with_admin)
      spec_.extra_toml +=
          "\n[[people]]\nid = \"ops-g\"\nname = \"Beheer G\"\nrole = \"admin\"\n"
          "phone = \"+447700900099\"\nregions = [\"groningen\"]\n"
          "password_argon2 = \"" +
          hash + "\"\n";
    for (const auto* id :
         {"icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6", "tl-g", "icm-d1", "tl-d"})
      spec_.person_extra[id] +=
          "password_argon2 = \"" + hash + "\"" + (person_lines.empty() ? "" : "\n" + person_lines);
    const auto config_file = stack::write_stack_config(spec_, dir_);
    stack::StackOptions opts{dir_, PIKET_BIN_DIR};
    opts.kannel_admin_port = spec_.ports.kannel_admin;
    opts.smsbox_port = spec_.ports.smsbox;
    opts.smsc_port = spec_.ports.smsc;
    opts.with_cases = true;  // the deadline engine: breaches and escalations
    opts.with_web = true;
    stack_ = std::make_unique<stack::LocalStack>(config_file, opts);
    stack_->start();
  }

  // Runs one script; returns its exit status and prints its output.
  int node(const std::string& script, const std::vector<std::string>& extra_env = {}) {
    std::string cmd = "cd '" + std::string(PIKET_WEB_TESTS) + "' && env";
    auto var = [&cmd](const std::string& k, const std::string& v) {
      cmd += " " + k + "='" + v + "'";
    };
    var("PIKET_WEB_URL", "http://127.0.0.1:" + std::to_string(spec_.ports.web));
    var("PIKET_INGEST_URL", "http://127.0.0.1:" + std::to_string(spec_.ports.ingest));
    var("PIKET_PARTNER_TOKEN", spec_.police_token);
    var("PIKET_ADMIN_TOKEN", spec_.admin_token);
    var("PIKET_PASSWORD", kPassword);
    var("PIKET_SCREENSHOT_DIR", shots_.string());
    var("PIKET_FIGURES_DIR", std::string(PIKET_SCREENSHOT_DIR) + "/..");
    for (const auto& e : extra_env) cmd += " " + e;
    cmd += " '" + std::string(PIKET_NODE) + "' " + script + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return -1;
    char buf[1024];
    while (fgets(buf, sizeof buf, p)) std::cout << buf << std::flush;
    return WEXITSTATUS(pclose(p));
  }

 private:
  fs::path dir_, shots_;
  stack::StackSpec spec_;
  std::unique_ptr<stack::LocalStack> stack_;
};

TEST(Browser, TeamLeadSeesNewCaseBreachEscalationAndReassignment) {
  BrowserStack s;
  EXPECT_EQ(s.node("team_lead.test.mjs"), 0);
}

TEST(Browser, CasemanagerAcknowledgesOnAPhoneAndTheEscalationStops) {
  BrowserStack s;
  EXPECT_EQ(s.node("casemanager.test.mjs"), 0);
}

TEST(Browser, ATeamLeadJoinsAndSplitsCasesInTheCaseView) {
  BrowserStack s;
  EXPECT_EQ(s.node("family.test.mjs"), 0);
}

TEST(Browser, TheFamilysContactLinkOnAPhoneWithoutJavaScript) {
  BrowserStack s;
  EXPECT_EQ(s.node("familylink.test.mjs"), 0);
}

TEST(Browser, DutchByDefaultAccessibleAndNotesKeptWhole) {
  BrowserStack s;
  EXPECT_EQ(s.node("dutch_a11y.test.mjs"), 0);
}

TEST(Browser, TheBoardAnswersInFiveSeconds) {
  BrowserStack s;
  EXPECT_EQ(s.node("board_triage.test.mjs"), 0);
}

TEST(Browser, BoardLatencyAndPageWeight) {
  BrowserStack s;
  EXPECT_EQ(s.node("board_latency.mjs"), 0);
}

// Agreements (issue 16) on a phone: recorded in the case view, listed in the
// app overdue first, marked done and gone from the list; the team lead's board
// counts the chain partner's overdue agreements. Two synthetic chain partners.
// A synthetic chain partner of the region (addiction care).
const char* const kAddictionCare = R"([[chain_partners]]
id = "vz-noord"
name = "Synthetische Verslavingszorg"
kind = "addiction_care"
region = "groningen"
)";

TEST(Browser, AnAgreementIsRecordedListedOverdueFirstAndMarkedDone) {
  BrowserStack s({}, std::string(kAddictionCare) + R"(
[[chain_partners]]
id = "jz-stad"
name = "Synthetische Jeugdzorg"
kind = "youth_care"
region = "groningen"
)");
  EXPECT_EQ(s.node("agreements.test.mjs"), 0);
}

// Tracks (issue 16) on a phone: listed from the incident's roles with their
// clock, a first contact and "not applicable: no children" recorded (a refused
// input at its field); the board shows the track not yet seen, too late after
// a week; a referral done with "hulp gestart op" gives the board's median
// wait; "Mijn oproepen" names deadline pages in words.
TEST(Browser, TracksAreRecordedOnAPhoneAndTheBoardShowsTheUnseenAndTheWait) {
  BrowserStack s({}, kAddictionCare);
  EXPECT_EQ(s.node("tracks.test.mjs"), 0);
}

// Web Push's installed app (docs/web-push.md): manifest and service worker
// registered; an open app alerts at once for a new page (the push channel,
// here beside SMS for every person).
TEST(Browser, TheInstalledAppRegistersAndAnOpenAppAlertsAtOnce) {
  BrowserStack s(R"(contact = [{channel = "sms", after_s = 0}, {channel = "push", after_s = 0}])");
  EXPECT_EQ(s.node("webpush.test.mjs"), 0);
}

// The operator's view (issue 15): axe-core finds nothing in either language,
// on a desk and on a phone, and each is kept as a screenshot.
TEST(Browser, TheAdminViewPassesAxeInBothLanguagesOnADeskAndAPhone) {
  BrowserStack s({}, {}, true);
  EXPECT_EQ(s.node("admin.test.mjs"), 0);
}

}  // namespace
}  // namespace piket::web
