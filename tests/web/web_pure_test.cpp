// Small pure pieces of the web service: cookies, passwords, Amsterdam input
// times, the configuration's web keys, timeline labels, the client's address,
// the per-address buckets, the app's files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "piket/common/http_types.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/web/address_buckets.hpp"
#include "piket/web/client_address.hpp"
#include "piket/web/cookies.hpp"
#include "piket/web/labels.hpp"
#include "piket/web/local_time.hpp"
#include "piket/web/password.hpp"
#include "piket/web/static_files.hpp"

namespace piket::web {
namespace {

TEST(Cookies, FindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("a=1; __Host-piket_session=abc; b=2", "__Host-piket_session"), "abc");
  EXPECT_EQ(cookie_value("piket_session=\"x\"", "piket_session"), "x");
  EXPECT_FALSE(cookie_value("xpiket_session=1", "piket_session"));
  EXPECT_FALSE(cookie_value("", "piket_session"));
}

TEST(Cookies, TheSessionCookieIsHttpOnlyStrictAndSecure) {
  const auto c = session_cookie(true);
  EXPECT_EQ(c.name, "__Host-piket_session");
  const auto v = set_session_cookie(c, "tok");
  EXPECT_NE(v.find("HttpOnly"), std::string::npos);
  EXPECT_NE(v.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(v.find("Secure"), std::string::npos);
  EXPECT_NE(v.find("Path=/"), std::string::npos);
  EXPECT_EQ(set_session_cookie(session_cookie(false), "t").find("Secure"), std::string::npos);
  EXPECT_NE(clear_session_cookie(c).find("Max-Age=0"), std::string::npos);
}

TEST(Password, Argon2idHashesVerifyOnlyTheRightPassword) {
  const Argon2Params cheap{1, 8 * 1024, 1};
  const auto h = hash_password("correct horse battery", cheap);
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0), 0u) << h;
  EXPECT_TRUE(verify_password(h, "correct horse battery"));
  EXPECT_FALSE(verify_password(h, "correct horse batterY"));
  EXPECT_FALSE(verify_password("plain", "plain"));
  EXPECT_NE(hash_password("correct horse battery", cheap), h) << "salt must differ";
  EXPECT_THROW(hash_password(""), std::invalid_argument);
}

TEST(Password, TheConfigurationAcceptsAPiketPasswdHash) {
  const auto h = hash_password("a long enough password", {1, 8 * 1024, 1});
  const auto cfg = config::parse_config(R"(
[kannel]
username = "u"
[rota]
file = "rota.toml"
[web]
http = "127.0.0.1:9999"
session_idle_minutes = 10
max_failures = 3
cookie_secure = false
[[regions]]
id = "groningen"
[[people]]
id = "ops"
name = "Ops"
role = "admin"
phone = "+447700900099"
regions = ["groningen"]
password_argon2 = ")" + h + R"("
)",
                                        "t.toml");
  ASSERT_EQ(cfg.people.size(), 1u);
  EXPECT_EQ(cfg.people[0].role, rota::StaffRole::admin);
  EXPECT_EQ(cfg.people[0].password_argon2, h);
  EXPECT_EQ(cfg.web.http.port, 9999);
  EXPECT_EQ(cfg.web.session_idle, std::chrono::minutes{10});
  EXPECT_EQ(cfg.web.max_failures, 3);
  EXPECT_FALSE(cfg.web.cookie_secure);
}

TEST(Password, TheConfigurationRefusesAnythingElse) {
  try {
    config::parse_config(R"(
[kannel]
username = "u"
[rota]
file = "rota.toml"
[[regions]]
id = "groningen"
[[people]]
id = "x"
name = "X"
role = "casemanager"
phone = "+447700900099"
regions = ["groningen"]
password_argon2 = "secret"
)",
                         "t.toml");
    FAIL() << "accepted a plain password";
  } catch (const common::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("people.password_argon2"), std::string::npos) << e.what();
  }
}

TEST(Password, PiketPasswdPrintsAHashOfTheGivenPassword) {
  const auto cmd = std::string("printf 'a long enough password\\n' | ") + PIKET_PASSWD_BIN +
                   " --time-cost 1 --memory-kib 8192";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[512] = {};
  std::string out;
  while (fgets(buf, sizeof buf, p)) out += buf;
  EXPECT_EQ(WEXITSTATUS(pclose(p)), 0);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  EXPECT_TRUE(verify_password(out, "a long enough password")) << out;
  // Too short a password is refused.
  p = popen((std::string("printf 'short\\n' | ") + PIKET_PASSWD_BIN + " 2>/dev/null").c_str(), "r");
  while (fgets(buf, sizeof buf, p)) {
  }
  EXPECT_EQ(WEXITSTATUS(pclose(p)), 1);
}

TEST(LocalTime, AmsterdamWallClockToInstants) {
  // Winter (UTC+1) and summer (UTC+2).
  EXPECT_EQ(common::format_rfc3339(*parse_amsterdam_local("2026-11-22T14:30")),
            common::format_rfc3339(*common::parse_rfc3339("2026-11-22T13:30:00Z")));
  EXPECT_EQ(*parse_amsterdam_local("2026-07-01T08:00"),
            *common::parse_rfc3339("2026-07-01T06:00:00Z"));
  // The skipped hour (29 March 2026, 02:00-03:00) is read as the jump.
  EXPECT_EQ(*parse_amsterdam_local("2026-03-29T02:30"),
            *common::parse_rfc3339("2026-03-29T01:00:00Z"));
  // The repeated hour (25 October 2026) is its first occurrence (CEST).
  EXPECT_EQ(*parse_amsterdam_local("2026-10-25T02:30"),
            *common::parse_rfc3339("2026-10-25T00:30:00Z"));
  EXPECT_FALSE(parse_amsterdam_local("2026-02-30T10:00"));
  EXPECT_FALSE(parse_amsterdam_local("yesterday"));
}

// A deployment with one person, Anna, for the timeline's names.
config::Config with_anna() {
  config::Config cfg;
  rota::PersonConfig anna;
  anna.id = "anna";
  anna.display_name = "Anna";
  cfg.people.push_back(anna);
  return cfg;
}

TEST(Labels, TimelineEntriesReadAsSentencesWithNames) {
  const auto cfg = with_anna();
  auto e =
      boost::json::parse(R"({"at":1,"type":"paged","person":"anna","rule":"on_call","page":"P1"})")
          .as_object();
  EXPECT_EQ(describe_event(e, cfg), "Paged Anna (on_call)");
  e = boost::json::parse(
          R"({"at":1,"type":"reassigned","from":"anna","to":"bert","by":"person:tina"})")
          .as_object();
  EXPECT_EQ(describe_event(e, cfg), "Reassigned from Anna to bert");
  e = boost::json::parse(R"({"at":1,"type":"plan_of_action","by":"person:anna"})").as_object();
  EXPECT_EQ(describe_event(e, cfg), "Plan of action — Anna");
  e = boost::json::parse(
          R"({"at":1,"type":"escalated","from":"0.0","to":"0.1","target":"backup","reason":"declined","person":"anna"})")
          .as_object();
  EXPECT_EQ(describe_event(e, cfg), "Escalated to Anna (declined)");
  e["reason"] = "timeout";
  EXPECT_EQ(describe_event(e, cfg), "Escalated to Anna (not acknowledged)");
  e = boost::json::parse(R"({"at":1,"type":"repaged","person":"anna","reason":"no_first_contact"})")
          .as_object();
  EXPECT_EQ(describe_event(e, cfg), "Paged again, no first contact yet: Anna");
  e = boost::json::parse(R"({"at":1,"type":"escalation_exhausted","step":"1.2"})").as_object();
  EXPECT_EQ(describe_event(e, cfg), "Escalation ended: nobody acknowledged");
  // How a page was answered, in words (issue 10).
  e = boost::json::parse(
          R"({"at":1,"type":"acknowledged","person":"anna","via":"sms","via_ref":"\u2026678"})")
          .as_object();
  EXPECT_EQ(describe_event(e, cfg), "Acknowledged by Anna by SMS from \u2026678");
  e = boost::json::parse(
          R"({"at":1,"type":"declined","person":"anna","via":"web","via_ref":"session 1a2b3c4d"})")
          .as_object();
  EXPECT_EQ(describe_event(e, cfg), "Declined by Anna in the web app (session 1a2b3c4d)");
  e = boost::json::parse(
          R"({"at":1,"type":"acknowledged","person":"anna","via":"api","via_ref":"token anna"})")
          .as_object();
  EXPECT_EQ(describe_event(e, cfg), "Acknowledged by Anna through the staff API (token anna)");
  EXPECT_EQ(clock_label("plan"), "Plan of action (12 h)");
  EXPECT_EQ(kind_label("code_red"), "Code red");
}

// The codes and names the web app puts in words itself (issue 15): a note
// comes whole and only where a person wrote it; a partner system is no name.
TEST(Labels, EventDetailGivesCodesNamesAndTheWholeNote) {
  const auto cfg = with_anna();
  const std::string note(2000, 'n');
  auto e = boost::json::parse(R"({"at":1,"type":"first_contact","by":"person:anna"})").as_object();
  e["reason"] = note;
  auto d = event_detail(e, cfg);
  EXPECT_EQ(d.at("by").as_string(), "Anna");
  EXPECT_EQ(d.at("note").as_string(), note);
  EXPECT_FALSE(d.contains("why"));
  e = boost::json::parse(
          R"({"at":1,"type":"escalated","target":"backup","reason":"declined","person":"anna"})")
          .as_object();
  d = event_detail(e, cfg);
  EXPECT_EQ(d.at("why").as_string(), "declined");
  EXPECT_FALSE(d.contains("note"));  // a code, not something a person wrote
  EXPECT_TRUE(d.at("target").as_bool());
  EXPECT_EQ(d.at("who").as_string(), "Anna");
  e = boost::json::parse(
          R"({"at":1,"type":"incident_accepted","kind":"code_red","by":"partner:demo-police"})")
          .as_object();
  d = event_detail(e, cfg);
  EXPECT_EQ(d.at("kind").as_string(), "code_red");
  EXPECT_FALSE(d.contains("by"));
  e = boost::json::parse(
          R"({"at":1,"type":"delivery_report","report":8,"reason":"delivery_report","by":"gateway"})")
          .as_object();
  d = event_detail(e, cfg);
  EXPECT_EQ(d.at("report").as_string(), "8");
  EXPECT_FALSE(d.contains("note"));
  EXPECT_FALSE(d.contains("by"));  // the gateway is no person
}

// A handover's timeline entry says who took over, the cadence and whether a
// team lead overrode the conditions; other events carry none of it.
TEST(Labels, EventDetailOfAHandoverNamesWhoTookOver) {
  const auto cfg = with_anna();
  auto e = boost::json::parse(R"({"at":1,"type":"handover","by":"person:anna",
      "receiving_organisation":"Synthetic local team","receiving_role":"casusregisseur",
      "safety_reached":true,"help_plan_exists":false,"override":true,"checkin_days":14})")
               .as_object();
  auto d = event_detail(e, cfg);
  EXPECT_EQ(d.at("organisation").as_string(), "Synthetic local team");
  EXPECT_EQ(d.at("role").as_string(), "casusregisseur");
  EXPECT_EQ(d.at("checkin_days").as_int64(), 14);
  EXPECT_TRUE(d.at("override").as_bool());
  e["type"] = "evaluation";
  d = event_detail(e, cfg);
  for (const auto* key : {"organisation", "role", "checkin_days", "override"})
    EXPECT_FALSE(d.contains(key)) << key;
}

TEST(WebConfig, ThrottlingKeysAreReadWithBounds) {
  const auto cfg = config::parse_config(R"(
[kannel]
username = "u"
[rota]
file = "rota.toml"
[web]
max_failures = 4
lockout_minutes = 10
remote_max_failures = 30
max_delay_seconds = 120
unauthenticated_per_second = 2.5
unauthenticated_burst = 20
trusted_proxies = ["10.0.0.1", "::1"]
calendar_base_url = "https://piket.example/cal"
language = "en"
[[regions]]
id = "groningen"
)",
                                        "t.toml");
  EXPECT_EQ(cfg.web.max_failures, 4);
  EXPECT_EQ(cfg.web.lockout, std::chrono::minutes{10});
  EXPECT_EQ(cfg.web.remote_max_failures, 30);
  EXPECT_EQ(cfg.web.max_delay, std::chrono::seconds{120});
  EXPECT_DOUBLE_EQ(cfg.web.unauthenticated_per_second, 2.5);
  EXPECT_DOUBLE_EQ(cfg.web.unauthenticated_burst, 20);
  EXPECT_EQ(cfg.web.trusted_proxies, (std::vector<std::string>{"10.0.0.1", "::1"}));
  EXPECT_EQ(cfg.web.calendar_base_url, "https://piket.example/cal");
  EXPECT_EQ(cfg.web.language, "en");
  for (const auto* bad :
       {"remote_max_failures = 0", "max_delay_seconds = 0", "max_delay_seconds = 3601",
        "unauthenticated_per_second = 0", "unauthenticated_burst = 0.5",
        "trusted_proxies = [\"proxy.local\"]", "trusted_proxies = [\"10.0.0.300\"]",
        "calendar_base_url = \"ftp://x\"", "language = \"de\"", "language = \"NL\""}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(
        config::parse_config(
            std::string("[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n[web]\n") + bad +
                "\n[[regions]]\nid = \"groningen\"\n",
            "t.toml"),
        common::ConfigError);
  }
}

// The deployment's default language is said on the page's <html> element
// (the app follows it for whoever has not chosen a language).
TEST(StaticFiles, IndexHtmlCarriesTheDeploymentsLanguage) {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / ("piket-static-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "index.html")
      << "<!doctype html>\n<html lang=\"nl\">\n<body></body></html>\n";
  common::HttpRequest get;
  get.method = "GET";
  get.path = "/";
  const auto nl = StaticFiles(dir).serve(get);
  ASSERT_TRUE(nl);
  EXPECT_NE(nl->body.find(R"(<html lang="nl" data-default-lang="nl">)"), std::string::npos);
  const auto en = StaticFiles(dir, "en").serve(get);
  ASSERT_TRUE(en);
  EXPECT_NE(en->body.find(R"(<html lang="en" data-default-lang="en">)"), std::string::npos);
  std::ofstream(dir / "index.html") << "<html>\n";
  EXPECT_THROW(StaticFiles(dir, "en"), std::runtime_error);  // nothing to set it on
  fs::remove_all(dir);
}

common::HttpRequest from(const std::string& peer, std::vector<std::string> forwarded = {}) {
  common::HttpRequest r;
  r.remote = peer;
  for (auto& f : forwarded) r.headers.emplace_back("x-forwarded-for", std::move(f));
  return r;
}

TEST(ClientAddress, ThePeerUnlessItIsATrustedProxy) {
  const ClientAddress none({});
  EXPECT_EQ(none.of(from("192.0.2.1", {"198.51.100.7"})), "192.0.2.1") << "header not believed";
  EXPECT_EQ(none.of(from("::ffff:192.0.2.1")), "192.0.2.1") << "IPv4-mapped is IPv4";
  const ClientAddress proxied({"10.0.0.1", "10.0.0.2"});
  EXPECT_EQ(proxied.of(from("192.0.2.1", {"198.51.100.7"})), "192.0.2.1");
  EXPECT_EQ(proxied.of(from("10.0.0.1", {"198.51.100.7"})), "198.51.100.7");
  // The client may send its own header; the right-most untrusted entry counts.
  EXPECT_EQ(proxied.of(from("10.0.0.1", {"203.0.113.66, 198.51.100.7"})), "198.51.100.7");
  EXPECT_EQ(proxied.of(from("10.0.0.1", {"203.0.113.66", "198.51.100.7, 10.0.0.2"})),
            "198.51.100.7")
      << "two lines are one list; a second trusted proxy is skipped";
  EXPECT_EQ(proxied.of(from("10.0.0.1", {"2001:DB8::1"})), "2001:db8::1");
  // Not believed: garbage, too long, too many entries, no header.
  EXPECT_EQ(proxied.of(from("10.0.0.1", {"198.51.100.7, nonsense"})), "10.0.0.1");
  EXPECT_EQ(proxied.of(from("10.0.0.1", {std::string(1100, '1')})), "10.0.0.1");
  std::string many;
  for (int i = 0; i < 20; ++i)
    many += (i ? "," : "") + std::string("198.51.100.") + std::to_string(i);
  EXPECT_EQ(proxied.of(from("10.0.0.1", {many})), "10.0.0.1");
  EXPECT_EQ(proxied.of(from("10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(proxied.of(from("10.0.0.1", {"10.0.0.2"})), "10.0.0.2") << "only proxies";
}

TEST(AddressBuckets, ABurstThenTheRateAndABoundOnAddresses) {
  common::SimulatedClock clock(common::from_epoch_ms(1795000000000));
  AddressBuckets b(clock, 5, 50, 3);
  EXPECT_TRUE(b.take("b").allowed);
  EXPECT_TRUE(b.take("c").allowed);
  clock.advance(std::chrono::seconds{1});  // b and c are full again
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(b.take("a").allowed) << i;
  auto d = b.take("a");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, std::chrono::milliseconds{200});
  // A fourth address: the bound drops the refilled buckets, never a drained one.
  EXPECT_TRUE(b.take("d").allowed);
  EXPECT_LE(b.size(), 3u);
  EXPECT_FALSE(b.take("a").allowed);
  clock.advance(std::chrono::milliseconds{200});
  EXPECT_TRUE(b.take("a").allowed);
  EXPECT_FALSE(b.take("a").allowed);
}

}  // namespace
}  // namespace piket::web
