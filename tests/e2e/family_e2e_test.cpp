// A family's message in the running system (issue 18), in simulated time,
// with real Redis, ZeroMQ, Kannel and fakesmsc: the family's SMS is injected
// at fakesmsc as a mobile-originated SMS from a number of the incident's
// persons. While the casemanager is absent it goes to the on-call
// casemanager; unanswered, to the team lead by the policy's time; the
// casemanager's own acknowledgement stops it; an urgent one reaches the team
// lead within the hour; a message from an unknown number is not routed and
// its answer is byte for byte a known number's. The answers are SMS of their
// own (notify, Kannel, fakesmsc's log): the automatic one at once, "received"
// once a casemanager acknowledged — by SMS, without a move of the clock (the
// router is woken); with notify down meanwhile, once it is back. Kannel's
// retry of one SMS stores one message. The pages
// hold no person data and not the message (notify's privacy check runs on
// them too). Prints the time from the family's SMS to the page at the gateway
// (p50/p99).
// The contact link: a message by the form on piket-web reaches the on-call
// casemanager while the own one is absent; over the link's rate nothing more
// is stored; once revoked the link opens nothing and stores nothing; neither
// the secret nor the text is in any log.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <regex>

#include "groningen_rota.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/secrets.hpp"
#include "piket/common/time_format.hpp"
#include "piket/launch/url_codec.hpp"
#include "piket/store/audit.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "stack_fixture.hpp"

namespace piket::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kTeamLeadToken = "tl-g-staff-token-000000000001";
const std::string kVictim = "+31611111101";
const std::string kPerpetrator = "+31611111102";
const std::string kFamilyText = "Hij staat weer bij de Zwetteweg, bel mij";

stack::StackSpec family_spec() {
  stack::StackSpec spec;
  spec.simulated_clock = true;
  // Sunday 08:00: the next 09:00 (the policy's time for a message that is not
  // urgent) is an hour after a message sent now.
  spec.rota_file = groningen_rota_file();
  spec.rota_table = "coverage_days = 14\n";
  spec.person_extra["tl-g"] = "token_sha256 = \"" + common::sha256_hex(kTeamLeadToken) + "\"";
  spec.bundle_window_ms = 0;  // each page its own SMS: the latency is the page's
  return spec;
}

// An incident whose persons carry the family's numbers (and more phones for the
// latency run: a number may send 5 messages an hour).
std::string incident(const std::string& ref, int extra_phones = 0) {
  std::string persons = R"([{"role":"victim","name":"Wobbe Familie","phone":")" + kVictim +
                        R"("},{"role":"perpetrator","name":"Durk Dader","phone":")" + kPerpetrator +
                        R"("})";
  for (int i = 0; i < extra_phones; ++i)
    persons += R"(,{"role":"child","phone":"+316222222)" + std::to_string(10 + i) + R"("})";
  persons += "]";
  return R"({"reference":")" + ref +
         R"(","kind":"home_ban","region":"groningen","reported_at":"2026-11-22T07:50:00+01:00","household":"hh-fam-)" +
         ref +
         R"(","home_ban":{"starts_at":"2026-11-22T07:40:00+01:00","ends_at":"2026-12-02T07:40:00+01:00"},"persons":)" +
         persons + R"(,"summary":"Melding Zwetteweg"})";
}

class FamilyEndToEnd : public ::testing::Test {
 protected:
  explicit FamilyEndToEnd(bool with_web = false) : s_(family_spec(), true, with_web) {
    auto lead = staff(s_.spec().ports.dispatch_http);
    const auto r = lead->get("/v1/rota/oncall?region=groningen");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto layers = json::parse(r.body).at("layers").as_object();
    primary_ = json::value_to<std::string>(layers.at("primary").as_array().at(0));
    backup_ = json::value_to<std::string>(layers.at("backup").as_array().at(0));
  }

  std::unique_ptr<common::HttpClient> staff(std::uint16_t port) const {
    auto c = std::make_unique<common::HttpClient>(common::HostPort{"127.0.0.1", port}, 5s);
    c->set_header("Authorization", std::string("Bearer ") + kTeamLeadToken);
    return c;
  }
  std::string phone(const std::string& person) const { return s_.config().person(person)->phone; }

  // Posts an incident and acknowledges its page (the case's casemanager is
  // then the primary); returns the case id.
  std::string open_case(const std::string& ref, int extra_phones = 0) {
    auto partner = s_.partner_client(s_.spec().police_token);
    const auto r = partner->post("/v1/incidents", "application/json", incident(ref, extra_phones));
    EXPECT_EQ(r.status, 201) << r.body;
    const auto o = json::parse(r.body).as_object();
    const std::string case_id(o.at("case_id").as_string());
    const std::string incident_id(o.at("incident_id").as_string());
    EXPECT_TRUE(wait([&] { return !code_of(incident_id).empty(); }));
    s_.local().inject_sms(phone(primary_), "4411", code_of(incident_id));
    EXPECT_TRUE(wait(
        [&] { return hget(store::page_key(page_of(incident_id)), "state") == "acknowledged"; }));
    return case_id;
  }

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds t = 15s) {
    const auto until = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < until) {
      if (pred()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return pred();
  }
  std::string hget(const std::string& key, const std::string& field) {
    auto redis = s_.redis();
    return redis.command({"HGET", key, field}).str;
  }
  std::string page_of(const std::string& incident_id) {
    return hget(store::incident_key(incident_id), "page_id");
  }
  // The reply code of the incident's page.
  std::string code_of(const std::string& incident_id) {
    const auto p = page_of(incident_id);
    return p.empty() ? "" : hget(store::page_key(p), "ack_code");
  }

  // The family pages at fakesmsc, to whom.
  std::vector<launch::DeliveredSms> family_pages(const std::string& person = {}) const {
    std::vector<launch::DeliveredSms> out;
    for (const auto& m : s_.delivered())
      if (m.text.find("BERICHT GEZIN") != std::string::npos &&
          (person.empty() || m.to == phone(person)))
        out.push_back(m);
    return out;
  }
  // The SMS fakesmsc received for a number (the family's answers).
  std::vector<std::string> answers(const std::string& number) const {
    std::vector<std::string> out;
    for (const auto& m : s_.delivered())
      if (m.to == number) out.push_back(m.text);
    return out;
  }
  bool received(const std::string& number) const {
    for (const auto& t : answers(number))
      if (t.rfind("Ontvangen, we nemen contact met u op", 0) == 0) return true;
    return false;
  }
  std::string reply_code(const std::string& text) {
    std::smatch m;
    static const std::regex code{"\\b[0-9]{6}\\b"};
    return std::regex_search(text, m, code) ? m.str() : "";
  }

  void advance(std::chrono::seconds by) {
    auto admin = s_.partner_client(s_.spec().admin_token);
    const auto r = admin->post("/v1/admin/clock", "application/json",
                               R"({"advance_seconds":)" + std::to_string(by.count()) + "}");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto now =
        common::parse_rfc3339(std::string_view(json::parse(r.body).at("now").as_string()));
    ASSERT_TRUE(now);
    ASSERT_TRUE(s_.local().wait_clock_followed(*now));
  }
  // What POST /v1/people/{id}/absence records (piket-cases is not part of
  // this stack): absent from now (the shared simulated clock) on.
  void absent(const std::string& person) {
    auto redis = s_.redis();
    const auto now = redis.command({"GET", std::string(store::kClockSimulatedMs)}).str;
    ASSERT_FALSE(now.empty());
    redis.command({"HSET", store::person_absence_key(person), "since", now, "by", "tl-g",
                   "recorded_at", now});
  }
  // Nothing more is due for the message, by the record rather than by waiting
  // (issue 19, part 6): its routing's next step in family:due lies after the
  // simulated clock's now, or it has none (acknowledged). The router pages only
  // for a due step, so nothing can reach a phone before the clock moves again.
  // A step that fell due with the clock's move is the router's to take first
  // (it wakes on the move): waited for, with a bound; then whatever that step
  // sent has left the outboxes and notify.
  void expect_not_due(const std::string& case_id, const std::string& message) {
    auto redis = s_.redis();
    const auto now = std::stoll(redis.command({"GET", std::string(store::kClockSimulatedMs)}).str);
    const auto next = [&] {
      return redis.command({"ZSCORE", std::string(store::kFamilyDue), case_id + "|" + message});
    };
    EXPECT_TRUE(wait([&] {
      const auto due = next();
      return due.is_nil() || std::stoll(due.str) > now;
    })) << "the next step is due already: "
        << next().str << " at " << now;
    EXPECT_TRUE(wait([&] { return s_.nothing_to_send(); }));
  }
  // Inbound's answer to an SMS, as Kannel's post-url asks for it.
  std::string answer_to(const std::string& from, const std::string& text) {
    const common::SecretStore secrets(s_.config().secrets_dir);
    common::HttpClient c(common::HostPort{"127.0.0.1", s_.spec().ports.inbound}, 5s);
    c.set_header("X-Kannel-From", from);
    const auto r = c.post(
        "/kannel/sms?key=" + launch::url_encode(secrets.read(common::secret_file::kannel_callback)),
        "text/plain", text);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
  // No page text holds the family's words, a name, a number or the household.
  void expect_private() {
    for (const auto& m : s_.delivered())
      for (const std::string& secret :
           {std::string("Zwetteweg"), std::string("Wobbe"), std::string("Durk"), kVictim,
            kVictim.substr(3), std::string("hh-fam")})
        EXPECT_EQ(m.text.find(secret), std::string::npos) << m.text;
  }

  Stack s_;
  std::string primary_, backup_;
};

TEST_F(FamilyEndToEnd, AbsentCasemanagerGoesToTheOnCallOneThenTheTeamLeadWithinThePolicysTime) {
  const auto case_id = open_case("F-1");
  absent(primary_);
  s_.local().inject_sms(kVictim, "4411", kFamilyText);
  ASSERT_TRUE(wait([&] { return family_pages(backup_).size() == 1; })) << "the backup on call";
  EXPECT_TRUE(family_pages(primary_).empty());
  EXPECT_NE(family_pages(backup_)[0].text.find(case_id), std::string::npos);
  // Not yet: the policy's time is 09:00 (an hour after this Sunday 08:00).
  advance(50min);
  expect_not_due(case_id, "F1");
  EXPECT_TRUE(family_pages("tl-g").empty());
  advance(11min);
  ASSERT_TRUE(wait([&] { return family_pages("tl-g").size() == 1; })) << "the team lead";
  EXPECT_NE(family_pages("tl-g")[0].text.find("niet opgepakt"), std::string::npos);
  // The team lead acknowledges by SMS: recorded with who at once (no move of
  // the clock: inbound wakes the router), and the family hears "received".
  EXPECT_FALSE(received(kVictim));
  s_.local().inject_sms(phone("tl-g"), "4411", reply_code(family_pages("tl-g")[0].text));
  ASSERT_TRUE(wait(
      [&] { return hget(store::family_route_key(case_id, "F1"), "acknowledged_by") == "tl-g"; }));
  ASSERT_TRUE(wait([&] { return received(kVictim); }));
  expect_private();
}

TEST_F(FamilyEndToEnd, TheCasemanagersOwnAcknowledgementStopsItAndTheFamilyHearsReceived) {
  const auto case_id = open_case("F-2");
  s_.local().inject_sms(kVictim, "4411", kFamilyText);
  ASSERT_TRUE(wait([&] { return family_pages(primary_).size() == 1; }));
  // The automatic answer reached the family's phone: "your casemanager".
  ASSERT_TRUE(wait([&] { return answers(kVictim).size() == 1; }));
  EXPECT_EQ(answers(kVictim)[0],
            "Uw bericht is ontvangen. Uw casemanager neemt het op. Bij direct gevaar: bel 112.");
  s_.local().inject_sms(phone(primary_), "4411", reply_code(family_pages(primary_)[0].text));
  // Recorded at once (the router is woken; the clock does not move) …
  ASSERT_TRUE(wait(
      [&] { return hget(store::family_route_key(case_id, "F1"), "state") == "acknowledged"; }));
  EXPECT_EQ(hget(store::family_route_key(case_id, "F1"), "acknowledged_by"), primary_);
  // … in the timeline and in the one audit trail, with who …
  const auto timeline = s_.redis()
                            .command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"})
                            .element_strings();
  EXPECT_TRUE(std::any_of(timeline.begin(), timeline.end(), [&](const std::string& e) {
    const auto o = json::parse(e).as_object();
    return o.at("type").as_string() == "family_message_acknowledged" &&
           o.at("by").as_string() == primary_;
  }));
  const auto audit =
      s_.redis().command({"LRANGE", std::string(store::kAuditLog), "0", "-1"}).element_strings();
  EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [&](const std::string& line) {
    const auto o = json::parse(line.substr(line.find(' ') + 1)).as_object();
    return o.at("action").as_string() == "family_message.ack" &&
           o.at("who").as_string() == primary_ && o.at("target").as_string() == case_id &&
           o.at("role").as_string() == "casemanager";
  }));
  // … and the family hears "received", once.
  ASSERT_TRUE(wait([&] { return received(kVictim); }));
  ASSERT_TRUE(wait([&] { return s_.nothing_to_send(); }));
  EXPECT_EQ(answers(kVictim).size(), 2u);
  advance(3h);
  expect_not_due(case_id, "F1");
  EXPECT_TRUE(family_pages("tl-g").empty());
  EXPECT_EQ(family_pages().size(), 1u);
}

TEST_F(FamilyEndToEnd, AnUrgentMessageReachesTheTeamLeadWithinTheHour) {
  const auto case_id = open_case("F-3");
  // 08:00 + 5 minutes: an hour is before the 09:00 of a message that is not urgent.
  advance(5min);
  s_.local().inject_sms(kVictim, "4411", "DRINGEND " + kFamilyText);
  ASSERT_TRUE(wait([&] { return family_pages(primary_).size() == 1; }));
  EXPECT_NE(family_pages(primary_)[0].text.find("dringend"), std::string::npos);
  advance(59min);
  expect_not_due(case_id, "F1");
  EXPECT_TRUE(family_pages("tl-g").empty());
  advance(1min);
  ASSERT_TRUE(wait([&] { return family_pages("tl-g").size() == 1; }));
  EXPECT_NE(family_pages("tl-g")[0].text.find("dringend, niet opgepakt"), std::string::npos);
  expect_private();
}

TEST_F(FamilyEndToEnd, AnUnknownNumberIsNotRoutedAndGetsTheSameAnswer) {
  open_case("F-4");
  absent(primary_);  // the known number's answer: "the casemanager on duty"
  s_.local().inject_sms("+31699999999", "4411", kFamilyText);
  s_.local().inject_sms(kVictim, "4411", kFamilyText);
  s_.local().inject_sms(kPerpetrator, "4411", kFamilyText);
  // Kannel's request answered with nothing (the answer is an SMS of its own).
  EXPECT_EQ(answer_to("+31699999998", kFamilyText), "");
  for (const auto& n :
       {std::string("+31699999999"), std::string("+31699999998"), kVictim, kPerpetrator})
    ASSERT_TRUE(wait([&] { return answers(n).size() == 1; })) << n;
  const auto unknown = answers("+31699999999")[0];
  EXPECT_EQ(unknown, answers("+31699999998")[0]);
  EXPECT_EQ(unknown, answers(kVictim)[0]);
  EXPECT_EQ(unknown, answers(kPerpetrator)[0]);
  EXPECT_NE(unknown.find("De casemanager van dienst"), std::string::npos) << unknown;
  // Only the known numbers' messages are routed.
  ASSERT_TRUE(wait([&] { return family_pages().size() == 2; }));
  // Counted: the inbound metric's "unknown" line (two: fakesmsc's and the direct one) —
  // both handled, and nothing more on its way to a phone (by the record, not a fixed wait).
  EXPECT_EQ(Stack::metric(s_.spec().ports.inbound, "piket_inbound_family_messages_total",
                          "outcome=\"unknown\""),
            2);
  ASSERT_TRUE(wait([&] { return s_.nothing_to_send(); }));
  EXPECT_EQ(family_pages().size(), 2u);
}

// Kannel calls inbound again for the same SMS when inbound's response was
// lost: one message stored, one answer sent; the same text later (after the
// repeat window) is a new message.
TEST_F(FamilyEndToEnd, ARepeatedDeliveryOfOneSmsStoresOneMessage) {
  const auto case_id = open_case("F-6");
  EXPECT_EQ(answer_to(kVictim, kFamilyText), "");
  EXPECT_EQ(answer_to(kVictim, kFamilyText), "");
  ASSERT_TRUE(wait([&] { return family_pages(primary_).size() == 1; }));
  ASSERT_TRUE(wait([&] { return answers(kVictim).size() == 1; }));
  // Both deliveries were answered by inbound (answer_to waits for it); nothing more is
  // on its way to a phone, by the record.
  ASSERT_TRUE(wait([&] { return s_.nothing_to_send(); }));
  EXPECT_EQ(hget(store::case_family_key(case_id), "seq"), "1");
  EXPECT_EQ(family_pages().size(), 1u);
  EXPECT_EQ(answers(kVictim).size(), 1u);
  expect_private();
}

// The answer survives notify's crash: notify killed (kill -9) before the
// family writes, the message is stored and its answer waits in the outbox;
// notify back, the family's phone gets it once.
TEST_F(FamilyEndToEnd, TheAnswerWaitsForNotifyAndGoesOnce) {
  const auto case_id = open_case("F-7");
  s_.local().kill9(stack::Component::notify);
  s_.local().inject_sms(kVictim, "4411", kFamilyText);
  ASSERT_TRUE(wait([&] { return hget(store::case_family_key(case_id), "seq") == "1"; }));
  // The answer waits for notify in an outbox (the record), and no phone has it.
  EXPECT_FALSE(s_.nothing_to_send());
  EXPECT_TRUE(answers(kVictim).empty());
  s_.local().start(stack::Component::notify);
  ASSERT_TRUE(wait([&] { return answers(kVictim).size() == 1; }));
  ASSERT_TRUE(wait([&] { return family_pages(primary_).size() == 1; }));
  ASSERT_TRUE(wait([&] { return s_.nothing_to_send(); }));
  EXPECT_EQ(answers(kVictim).size(), 1u);
}

// The time from the family's SMS (fakesmsc handed it to Kannel) to its page
// at the gateway (Kannel accepted notify's sendsms: the SMS delivery is
// `accepted`), over 20 messages from 20 numbers; and to fakesmsc's log of it
// (which adds fakesmsc's own wait of up to a second between reads).
TEST_F(FamilyEndToEnd, TimeFromTheFamilysSmsToThePageAtTheGateway) {
  const auto case_id = open_case("F-5", 18);
  std::vector<double> gateway, logged;
  for (int i = 0; i < 20; ++i) {
    const std::string from = i == 0   ? kVictim
                             : i == 1 ? kPerpetrator
                                      : "+316222222" + std::to_string(10 + i - 2);
    const auto route = store::family_route_key(case_id, "F" + std::to_string(i + 1));
    const auto before = family_pages().size();
    const auto start = std::chrono::steady_clock::now();
    s_.local().inject_sms(from, "4411", kFamilyText);
    ASSERT_TRUE(wait(
        [&] {
          const auto page = hget(route, "page");
          return !page.empty() && hget(store::delivery_key(page, "sms"), "state") == "accepted";
        },
        15s))
        << i;
    gateway.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    ASSERT_TRUE(wait([&] { return family_pages().size() > before; })) << i;
    logged.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  const auto report = [](const char* what, std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    const auto pct = [&](double p) {
      return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * ms.size()))];
    };
    std::printf("family SMS -> %s: n=%zu p50=%.0f ms p99=%.0f ms max=%.0f ms\n", what, ms.size(),
                pct(0.5), pct(0.99), ms.back());
    return pct(0.5);
  };
  EXPECT_LT(report("page accepted by the gateway (Kannel)", gateway), 1000);
  report("page in fakesmsc's log", logged);
  expect_private();
}

// The same stack with piket-cases (the link is made there) and piket-web
// (the form).
class FamilyLinkEndToEnd : public FamilyEndToEnd {
 protected:
  FamilyLinkEndToEnd() : FamilyEndToEnd(true) {}
  common::HttpResult post_form(const std::string& path, const std::string& body) {
    common::HttpClient web(common::HostPort{"127.0.0.1", s_.spec().ports.web}, 5s);
    return web.post(path, "application/x-www-form-urlencoded", body);
  }
  std::string seq(const std::string& case_id) {
    return hget(store::case_family_key(case_id), "seq");
  }
};

TEST_F(FamilyLinkEndToEnd, AMessageByTheLinkReachesTheOnCallCasemanagerUntilItIsRevoked) {
  const auto case_id = open_case("L-1");
  absent(primary_);
  auto cases = staff(s_.spec().ports.cases);
  const auto made = cases->post("/v1/cases/" + case_id + "/family-link", "application/json", "");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string path(json::parse(made.body).at("path").as_string());
  const auto secret = path.substr(path.rfind('/') + 1);

  // Each message's time from the form's POST to its page at the gateway
  // (Kannel accepted notify's sendsms).
  std::vector<double> gateway;
  const auto timed_post = [&](int n, const std::string& body) {
    const auto start = std::chrono::steady_clock::now();
    const auto answer = post_form(path, body);
    const auto route = store::family_route_key(case_id, "F" + std::to_string(n));
    EXPECT_TRUE(wait([&] {
      const auto page = hget(route, "page");
      return !page.empty() && hget(store::delivery_key(page, "sms"), "state") == "accepted";
    })) << n;
    gateway.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    return answer;
  };
  const std::string form = "message=Hij+staat+weer+bij+de+Zwetteweg%2C+bel+mij&urgent=1";
  auto r = timed_post(1, form);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("De casemanager van dienst neemt het op"), std::string::npos);
  ASSERT_TRUE(wait([&] { return family_pages(backup_).size() == 1; })) << "the backup on call";
  EXPECT_TRUE(family_pages(primary_).empty());
  EXPECT_NE(family_pages(backup_)[0].text.find(case_id), std::string::npos);
  EXPECT_NE(family_pages(backup_)[0].text.find("dringend"), std::string::npos);
  const auto m = json::parse(hget(store::case_family_key(case_id), "F1")).as_object();
  EXPECT_EQ(m.at("text").as_string(), kFamilyText);
  EXPECT_EQ(m.at("via").as_string(), "link");

  // Over the link's rate (5 an hour): refused, nothing more stored.
  for (int i = 2; i <= 5; ++i) EXPECT_EQ(timed_post(i, "message=nog+een").status, 200) << i;
  EXPECT_EQ(post_form(path, "message=te+veel").status, 429);
  EXPECT_EQ(seq(case_id), "5");
  std::sort(gateway.begin(), gateway.end());
  std::printf(
      "family form POST -> page accepted by the gateway (Kannel): n=%zu p50=%.0f ms "
      "max=%.0f ms\n",
      gateway.size(), gateway[gateway.size() / 2], gateway.back());

  // Revoked: the link opens nothing and stores nothing, even an hour later.
  ASSERT_EQ(cases->del("/v1/cases/" + case_id + "/family-link").status, 200);
  advance(61min);
  r = post_form(path, form);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("Deze link werkt niet"), std::string::npos);
  EXPECT_EQ(seq(case_id), "5");
  common::HttpClient web(common::HostPort{"127.0.0.1", s_.spec().ports.web}, 5s);
  EXPECT_EQ(web.get(path).status, 404);

  expect_private();
  // Never logged: the secret, the text, the form's words.
  for (const auto& f : std::filesystem::recursive_directory_iterator(s_.spec().log_dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path());
    const std::string log((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(log.find(secret), std::string::npos) << f.path();
    EXPECT_EQ(log.find("Zwetteweg"), std::string::npos) << f.path();
  }
}

}  // namespace
}  // namespace piket::e2e
