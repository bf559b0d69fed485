// Escalation in the running system, in simulated time, with real Redis,
// ZeroMQ, Kannel and fakesmsc and the rota file: nobody acknowledges → the
// backup after the primary's wait → the team lead; an SMS acknowledgement
// stops it; an acknowledgement without first contact an hour later is paged
// again; an SMS decline moves on at once; kill -9 of every component in
// the middle of it → it continues at the right step and no step is paged
// twice. A forged ZeroMQ message (the issue's attack) escalates nothing. A burst
// that reaches the team lead at one instant is bundled: one SMS at once, the rest
// together a window later, each page answerable by the code the phone shows
// (docs/paging.md, "Bundling").

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <regex>

#include "case_codes.hpp"
#include "groningen_rota.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/secrets.hpp"
#include "piket/common/time_format.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "stack_fixture.hpp"
#include "zmq_forge.hpp"

namespace piket::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kTeamLeadToken = "tl-g-staff-token-000000000001";

// `repeat` < 0: no [escalation] section at all (the built-in policy).
stack::StackSpec escalation_spec(int repeat = 0, int bundle_window_ms = -1) {
  stack::StackSpec spec;
  spec.simulated_clock = true;
  spec.rota_file = groningen_rota_file();
  spec.rota_table = "coverage_days = 14\n";
  if (repeat >= 0)
    spec.extra_toml =
        "[escalation]\n"
        "steps = [{target = \"primary\", wait_minutes = 5},\n"
        "         {target = \"backup\", wait_minutes = 5},\n"
        "         {target = \"team_lead\", wait_minutes = 10}]\n"
        "repeat = " +
        std::to_string(repeat) + "\nforgotten_minutes = 60\npoll_ms = 20\n";
  spec.person_extra["tl-g"] = "token_sha256 = \"" + common::sha256_hex(kTeamLeadToken) + "\"";
  spec.bundle_window_ms = bundle_window_ms;
  return spec;
}

std::string code_red(const std::string& ref) {
  return R"({"reference":")" + ref +
         R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T07:50:00+01:00","household":"hh-esc-)" +
         ref +
         R"(","persons":[{"role":"victim","name":"Wobbe Escalatie"}],"summary":"Melding Eelderweg"})";
}

class EscalationEndToEnd : public ::testing::Test {
 protected:
  explicit EscalationEndToEnd(stack::StackSpec spec = escalation_spec()) : s_(std::move(spec)) {
    auto lead = std::make_unique<common::HttpClient>(
        common::HostPort{"127.0.0.1", s_.spec().ports.dispatch_http}, 5s);
    lead->set_header("Authorization", std::string("Bearer ") + kTeamLeadToken);
    const auto r = lead->get("/v1/rota/oncall?region=groningen");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto layers = json::parse(r.body).at("layers").as_object();
    primary_ = json::value_to<std::string>(layers.at("primary").as_array().at(0));
    backup_ = json::value_to<std::string>(layers.at("backup").as_array().at(0));
    EXPECT_NE(primary_, backup_);
  }

  std::string phone(const std::string& person) const { return s_.config().person(person)->phone; }

  // Posts an incident; returns (incident id, case id).
  std::pair<std::string, std::string> post(const std::string& ref) {
    auto partner = s_.partner_client(s_.spec().police_token);
    const auto r = partner->post("/v1/incidents", "application/json", code_red(ref));
    EXPECT_EQ(r.status, 201) << r.body;
    const auto o = json::parse(r.body).as_object();
    return {std::string(o.at("incident_id").as_string()), std::string(o.at("case_id").as_string())};
  }

  void advance(std::chrono::seconds by) {
    auto admin = s_.partner_client(s_.spec().admin_token);
    const auto r = admin->post("/v1/admin/clock", "application/json",
                               R"({"advance_seconds":)" + std::to_string(by.count()) + "}");
    ASSERT_EQ(r.status, 200) << r.body;
    // Every running service follows the new time before the test goes on
    // (each writes it into clock:seen; common/shared_clock.hpp).
    const auto now =
        common::parse_rfc3339(std::string_view(boost::json::parse(r.body).at("now").as_string()));
    ASSERT_TRUE(now);
    ASSERT_TRUE(s_.local().wait_clock_followed(*now)) << "not every service followed the clock";
    now_ms_ = common::to_epoch_ms(*now);
  }

  // Nothing escalated yet, by the record rather than by waiting: the
  // incident's step is still `at` and its timer is set after the clock's now,
  // so no escalator can take the next step before the clock moves again.
  void expect_not_due(const std::string& incident, const std::string& at) {
    EXPECT_EQ(hget(store::incident_key(incident), "esc_at"), at);
    auto redis = s_.redis();
    const auto due = redis.command({"ZSCORE", std::string(store::kEscalationsDue), incident});
    ASSERT_FALSE(due.is_nil()) << "incident " << incident << " has no escalation timer";
    EXPECT_GT(std::stoll(due.str), now_ms_) << "the next step is due already";
  }

  std::vector<launch::DeliveredSms> to(const std::string& person) const {
    std::vector<launch::DeliveredSms> out;
    for (const auto& m : s_.delivered())
      if (m.to == phone(person)) out.push_back(m);
    return out;
  }
  // The pages `person` got, by case code: a bundled SMS carries several.
  std::vector<std::string> pages_to(const std::string& person) const {
    std::vector<std::string> out;
    for (const auto& m : to(person))
      for (auto& c : case_codes(m.text)) out.push_back(std::move(c));
    return out;
  }
  // Waits until `person` has `n` pages at fakesmsc (in however many SMS).
  bool wait_for(const std::string& person, std::size_t n, std::chrono::milliseconds t = 15s) {
    const auto until = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < until) {
      if (pages_to(person).size() >= n) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  // Waits (bounded) for recorded state rather than for a fixed time (issue 19, part 6).
  static bool settle(const std::function<bool()>& done, std::chrono::milliseconds t = 10s) {
    return Stack::settle(done, t);
  }
  // Everything made so far is at the phones, by the record (not after a fixed
  // wait): nothing is on its way to the gateway, and fakesmsc has logged every
  // SMS Kannel sent. A duplicate sent meanwhile is among them, and counted.
  void expect_at_the_phones() {
    EXPECT_TRUE(
        settle([&] { return s_.nothing_to_send() && s_.phone_has_what_kannel_sent(); }, 30s))
        << "an SMS is still on its way to a phone after 30 s";
  }
  // The incident's escalation timer is set after the simulated clock's now.
  bool timer_after_now(const std::string& incident) {
    auto redis = s_.redis();
    const auto due = redis.command({"ZSCORE", std::string(store::kEscalationsDue), incident});
    return !due.is_nil() && std::stoll(due.str) > now_ms_;
  }
  // SMS deliveries notify holds queued, in retry or leased (notify:queue, "{page}:sms").
  std::size_t sms_pending() {
    auto redis = s_.redis();
    std::size_t n = 0;
    for (const auto& d :
         redis.command({"ZRANGE", std::string(store::kNotifyQueue), "0", "-1"}).element_strings())
      n += d.size() > 4 && d.compare(d.size() - 4, 4, ":sms") == 0;
    return n;
  }
  // Nothing more can reach a phone about `incident`, by the record: it has no escalation
  // timer (a stop or the last step removes it in the same script that decides it), and notify
  // holds no SMS still to send (every page made so far has gone to the gateway).
  void expect_nothing_pending(const std::string& incident) {
    auto redis = s_.redis();
    EXPECT_TRUE(redis.command({"ZSCORE", std::string(store::kEscalationsDue), incident}).is_nil())
        << "incident " << incident << " still has an escalation timer";
    EXPECT_TRUE(settle([&] { return sms_pending() == 0; })) << "notify still holds SMS to send";
  }
  std::string hget(const std::string& key, const std::string& field) {
    auto redis = s_.redis();
    const auto r = redis.command({"HGET", key, field});
    return r.is_nil() ? "<nil>" : r.str;
  }
  // The ack code of the newest page of `incident` sent to `person`.
  std::string ack_code(const std::string& incident, const std::string& person) {
    auto redis = s_.redis();
    std::string code;
    long long newest = -1;
    for (const auto& k : redis.command({"KEYS", store::page_key("*")}).elements) {
      if (k.str.size() != 22) continue;  // page:{id} only, not its sub-keys
      const auto f =
          redis.command({"HMGET", k.str, "incident", "person", "ack_code", "created_at"});
      if (f.elements[0].str != incident || f.elements[1].str != person) continue;
      const auto at = std::stoll(f.elements[3].str);
      if (at > newest) {
        newest = at;
        code = f.elements[2].str;
      }
    }
    return code;
  }
  std::vector<json::object> timeline(const std::string& case_id, const std::string& type) {
    auto redis = s_.redis();
    std::vector<json::object> out;
    for (const auto& e :
         redis.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements) {
      auto o = json::parse(e.str).as_object();
      if (o.at("type").as_string() == type) out.push_back(o);
    }
    return out;
  }

  // Timeline events of `type` over every case.
  std::size_t timeline_count(const std::string& type) {
    auto redis = s_.redis();
    std::size_t n = 0;
    for (const auto& k : redis.command({"KEYS", store::case_timeline_key("*")}).elements)
      for (const auto& e : redis.command({"LRANGE", k.str, "0", "-1"}).elements)
        n += json::parse(e.str).as_object().at("type").as_string() == type;
    return n;
  }

  Stack s_;
  std::string primary_, backup_;
  long long now_ms_ = 0;  // the simulated clock after the last advance()
};

TEST_F(EscalationEndToEnd, NoAcknowledgementGoesToTheBackupThenTheTeamLead) {
  const auto [incident, case_id] = post("ESC-1");
  ASSERT_TRUE(wait_for(primary_, 1));
  advance(4min);
  expect_not_due(incident, "0.0");
  EXPECT_TRUE(to(backup_).empty()) << "the backup was paged before the primary's wait ended";
  advance(1min);
  ASSERT_TRUE(wait_for(backup_, 1));
  EXPECT_EQ(to(backup_)[0].text.rfind("piket OPGESCHAALD ", 0), 0u) << to(backup_)[0].text;
  EXPECT_TRUE(to("tl-g").empty());
  advance(5min);
  ASSERT_TRUE(wait_for("tl-g", 1));
  EXPECT_EQ(hget(store::incident_key(incident), "status"), "escalated");
  // The last step's wait ends: the policy (repeat = 0) is exhausted, nobody more is paged.
  advance(10min);
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (hget(store::incident_key(incident), "esc_state") != "exhausted" &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(hget(store::incident_key(incident), "esc_state"), "exhausted");
  EXPECT_EQ(to(primary_).size(), 1u);
  EXPECT_EQ(to(backup_).size(), 1u);
  EXPECT_EQ(to("tl-g").size(), 1u);
  const auto steps = timeline(case_id, "escalated");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].at("target").as_string(), "backup");
  EXPECT_EQ(steps[1].at("target").as_string(), "team_lead");
  EXPECT_EQ(timeline(case_id, "escalation_exhausted").size(), 1u);
}

// A deployment file without [escalation]: paging owns acknowledgement with
// its built-in policy (what the deadline engine's acknowledgement clock did
// before): nobody acknowledges the primary's page within 15 minutes → the
// team lead is paged, exactly once, the backup never; an acknowledged page
// pages nobody else.
class BuiltinEscalationEndToEnd : public EscalationEndToEnd {
 protected:
  BuiltinEscalationEndToEnd() : EscalationEndToEnd(escalation_spec(-1)) {}
};

TEST_F(BuiltinEscalationEndToEnd, WithoutAnEscalationSectionTheTeamLeadIsPagedAfter15MinutesOnce) {
  const auto [unanswered, unanswered_case] = post("ESC-B1");
  const auto [answered, answered_case] = post("ESC-B2");
  ASSERT_TRUE(wait_for(primary_, 2));
  s_.local().inject_sms(phone(primary_), "4411", ack_code(answered, primary_));
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (hget(store::incident_key(answered), "status") != "acknowledged" &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(hget(store::incident_key(answered), "status"), "acknowledged");
  advance(14min);
  expect_not_due(unanswered, "0.0");
  EXPECT_TRUE(to("tl-g").empty()) << "the team lead was paged before 15 minutes";
  advance(1min);
  ASSERT_TRUE(wait_for("tl-g", 1));
  EXPECT_EQ(to("tl-g")[0].text.rfind("piket OPGESCHAALD ", 0), 0u) << to("tl-g")[0].text;
  EXPECT_EQ(case_codes(to("tl-g")[0].text), (std::vector<std::string>{unanswered_case}));
  EXPECT_EQ(hget(store::incident_key(unanswered), "status"), "escalated");
  // The team lead's 15 minutes pass: the escalation is over, nobody more is paged.
  advance(15min);
  const auto over = std::chrono::steady_clock::now() + 10s;
  while (hget(store::incident_key(unanswered), "esc_state") != "exhausted" &&
         std::chrono::steady_clock::now() < over)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(hget(store::incident_key(unanswered), "esc_state"), "exhausted");
  advance(1h);
  expect_nothing_pending(unanswered);
  EXPECT_EQ(pages_to("tl-g").size(), 1u) << "the team lead is paged once";
  EXPECT_TRUE(to(backup_).empty()) << "the built-in policy has no backup step";
  EXPECT_EQ(pages_to(primary_).size(), 2u) << "no repeat, no re-page";
  const auto steps = timeline(unanswered_case, "escalated");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].at("target").as_string(), "team_lead");
  EXPECT_TRUE(timeline(answered_case, "escalated").empty());
  EXPECT_TRUE(timeline(answered_case, "repaged").empty());
}

// The same policy run twice (repeat = 1): primary, backup, team lead, then
// all three again, then exhausted.
class EscalationJumpEndToEnd : public EscalationEndToEnd {
 protected:
  EscalationJumpEndToEnd() : EscalationEndToEnd(escalation_spec(1)) {}
};

TEST_F(EscalationJumpEndToEnd, AnHourJumpWithNobodyAnsweringWalksTheWholePolicyEachStepOnce) {
  const auto [incident, case_id] = post("ESC-JUMP");
  ASSERT_TRUE(wait_for(primary_, 1));
  const auto dispatched = std::stoll(hget(store::incident_key(incident), "dispatched_at"));
  advance(1h);  // one jump; nobody answers anything
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (hget(store::incident_key(incident), "esc_state") != "exhausted" &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(hget(store::incident_key(incident), "esc_state"), "exhausted")
      << "the policy was not walked to its end within the jump";
  // Every step once, in order, each at its due time: 5, 10, 20, 25, 30
  // minutes after the first page (waits 5, 5, 10, then again).
  const auto steps = timeline(case_id, "escalated");
  std::vector<std::string> walked;
  for (const auto& e : steps)
    walked.push_back(std::string(e.at("to").as_string()) + ":" +
                     std::string(e.at("target").as_string()) + "@" +
                     std::to_string((e.at("due").as_int64() - dispatched) / 60000));
  EXPECT_EQ(walked, (std::vector<std::string>{"0.1:backup@5", "0.2:team_lead@10", "1.0:primary@20",
                                              "1.1:backup@25", "1.2:team_lead@30"}));
  EXPECT_EQ(timeline(case_id, "escalation_exhausted").size(), 1u);
  // At the gateway: two pages each (first round and second), nothing twice.
  // Counted as pages: both of a person's pages fall in one jump, so they may
  // share one SMS (docs/paging.md, "Bundling") or not, as notify's timing has it.
  ASSERT_TRUE(wait_for("tl-g", 2));
  ASSERT_TRUE(wait_for(backup_, 2));
  ASSERT_TRUE(wait_for(primary_, 2));
  expect_nothing_pending(incident);
  expect_at_the_phones();
  EXPECT_EQ(pages_to(primary_).size(), 2u);
  EXPECT_EQ(pages_to(backup_).size(), 2u);
  EXPECT_EQ(pages_to("tl-g").size(), 2u);
  advance(1h);
  expect_nothing_pending(incident);
  EXPECT_EQ(pages_to(primary_).size() + pages_to(backup_).size() + pages_to("tl-g").size(), 6u);
}

TEST_F(EscalationEndToEnd, AnSmsAcknowledgementStopsTheEscalation) {
  const auto [incident, case_id] = post("ESC-2");
  ASSERT_TRUE(wait_for(primary_, 1));
  s_.local().inject_sms(phone(primary_), "4411", ack_code(incident, primary_));
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (hget(store::incident_key(incident), "status") != "acknowledged" &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(hget(store::incident_key(incident), "status"), "acknowledged");
  advance(30min);
  // The escalator took the due step and found it answered: its next look (the
  // re-page when there is still no first contact, an hour after the
  // acknowledgement) lies after the clock's now, and notify holds nothing.
  EXPECT_TRUE(settle([&] { return timer_after_now(incident); }));
  expect_not_due(incident, "0.0");
  EXPECT_TRUE(settle([&] { return sms_pending() == 0; })) << "notify still holds SMS to send";
  EXPECT_TRUE(to(backup_).empty());
  EXPECT_TRUE(to("tl-g").empty());
  EXPECT_TRUE(timeline(case_id, "escalated").empty());
  EXPECT_EQ(hget(store::incident_key(incident), "acknowledged_by"), primary_);
}

TEST_F(EscalationEndToEnd, AcknowledgedWithoutFirstContactIsPagedAgain) {
  const auto [incident, case_id] = post("ESC-5");
  ASSERT_TRUE(wait_for(primary_, 1));
  s_.local().inject_sms(phone(primary_), "4411", ack_code(incident, primary_));
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (hget(store::incident_key(incident), "status") != "acknowledged" &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(hget(store::incident_key(incident), "status"), "acknowledged");
  advance(59min);
  // Not yet, by the record: the escalator took the primary's due step, found it answered
  // and set its no-contact look (an hour after the acknowledgement) after the simulated
  // now; nothing is on its way to a phone.
  EXPECT_TRUE(settle([&] { return timer_after_now(incident); }));
  expect_not_due(incident, "0.0");
  EXPECT_TRUE(settle([&] { return s_.nothing_to_send(); }));
  EXPECT_EQ(to(primary_).size(), 1u);
  advance(2min);  // an hour after the acknowledgement, no first contact on the case
  ASSERT_TRUE(wait_for(primary_, 2));
  EXPECT_EQ(to(primary_)[1].text.rfind("piket NOG GEEN CONTACT ", 0), 0u) << to(primary_)[1].text;
  EXPECT_EQ(timeline(case_id, "repaged").size(), 1u);
  EXPECT_TRUE(to(backup_).empty());
}

TEST_F(EscalationEndToEnd, AnSmsDeclineMovesToTheBackupAtOnce) {
  const auto [incident, case_id] = post("ESC-3");
  ASSERT_TRUE(wait_for(primary_, 1));
  s_.local().inject_sms(phone(primary_), "4411", "NO " + ack_code(incident, primary_));
  // No clock movement: the decline alone pages the backup.
  ASSERT_TRUE(wait_for(backup_, 1, 10s));
  const auto steps = timeline(case_id, "escalated");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].at("reason").as_string(), "declined");
  EXPECT_EQ(hget(store::incident_key(incident), "esc_at"), "0.1");
}

// piket's Kannel calls inbound with post-url: while inbound is down, smsbox's
// "Couldn't fetch <url>" (ERROR, logged at any level) names neither the number
// nor the text, and the reply is not lost: smsbox retries it, and once inbound
// is back the decline moves the escalation on.
TEST_F(EscalationEndToEnd, AReplyWhileInboundIsDownIsLoggedWithoutNumberOrTextAndNotLost) {
  const auto [incident, case_id] = post("ESC-DOWN");
  ASSERT_TRUE(wait_for(primary_, 1));
  const auto code = ack_code(incident, primary_);
  s_.local().kill9(stack::Component::inbound);
  s_.local().inject_sms(phone(primary_), "4411", "NO " + code + " ziek vandaag");
  const auto log_file = s_.local().fakesmsc_log().parent_path() / "smsbox.log";
  auto smsbox_log = [&] {
    std::ifstream in(log_file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  for (int i = 0; i < 100 && smsbox_log().find("Couldn't fetch") == std::string::npos; ++i)
    std::this_thread::sleep_for(50ms);
  const auto log = smsbox_log();
  ASSERT_NE(log.find("Couldn't fetch"), std::string::npos) << "inbound was not missed";
  EXPECT_EQ(log.find(phone(primary_).substr(1)), std::string::npos) << log;
  EXPECT_EQ(log.find(code), std::string::npos) << log;
  EXPECT_EQ(log.find("ziek"), std::string::npos) << log;
  s_.local().start(stack::Component::inbound);
  ASSERT_TRUE(wait_for(backup_, 1, 20s)) << "the retried decline did not arrive";
  EXPECT_EQ(timeline(case_id, "escalated").at(0).at("reason").as_string(), "declined");
}

// The issue's attack: a hand-made ZMTP client on dispatch's socket claims the
// primary declined. Plain ZMTP, a CURVE key of its own, and ingest's real key
// (a piket service that may not send "escalation") are refused at the socket;
// inbound's real key (as a compromised or buggy inbound) gets the message in,
// but the page was not declined, so dispatch ignores it. Nobody else is paged,
// and dispatch counts each refusal.
TEST_F(EscalationEndToEnd, AForgedDeclineOverZeroMqEscalatesNothing) {
  const auto [incident, case_id] = post("ESC-ZMQ");
  ASSERT_TRUE(wait_for(primary_, 1));
  const auto page = hget(store::incident_key(incident), "page_id");
  ASSERT_EQ(page.size(), 17u);
  const auto& secrets = s_.config().secrets_dir;
  auto key = [&](const std::string& file) { return common::SecretStore(secrets).read(file); };
  ForgedMessage forged{s_.config().dispatch.zmq_bind, "escalation", page + ":declined",
                       R"({"page_id":")" + page + R"(","reason":"declined"})"};
  EXPECT_FALSE(forge(forged)) << "plain ZMTP was taken";
  const auto stranger = common::generate_curve_keypair();
  forged.server_key = key(common::secret_file::zmq_public_key("dispatch"));
  forged.public_key = stranger.public_key;
  forged.secret_key = stranger.secret_key;
  EXPECT_FALSE(forge(forged)) << "a stranger's CURVE key was taken";
  forged.public_key = key(common::secret_file::zmq_public_key("ingest"));
  forged.secret_key = key(common::secret_file::zmq_secret_key("ingest"));
  EXPECT_FALSE(forge(forged)) << "ingest may not send escalation messages";
  forged.public_key = key(common::secret_file::zmq_public_key("inbound"));
  forged.secret_key = key(common::secret_file::zmq_secret_key("inbound"));
  EXPECT_TRUE(forge(forged)) << "inbound may send escalation messages";

  common::HttpClient ops({"127.0.0.1", s_.spec().ports.dispatch_http}, 5s);
  std::string metrics;
  auto sample = [&](const std::string& name, const std::string& label) {
    std::istringstream in(metrics);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(name + "{", 0) == 0 && line.find(label) != std::string::npos)
        return std::stod(line.substr(line.rfind(' ') + 1));
    return -1.0;
  };
  // The taken message was handled (dispatch counts it as ignored) before anything is checked:
  // what it would have done is done by then.
  EXPECT_TRUE(settle([&] {
    metrics = ops.get("/metrics").body;
    return sample("piket_escalation_total", "outcome=\"ignored\"") >= 1;
  })) << metrics;
  EXPECT_TRUE(to(backup_).empty());
  EXPECT_TRUE(timeline(case_id, "escalated").empty());
  EXPECT_EQ(hget(store::incident_key(incident), "esc_at"), "0.0");
  EXPECT_NE(hget(store::page_key(page), "state"), "declined");
  EXPECT_EQ(sms_pending(), 0u);
  EXPECT_GE(sample("piket_zmq_refused_total", "reason=\"handshake\""), 1) << metrics;
  EXPECT_GE(sample("piket_zmq_refused_total", "reason=\"unknown_key\""), 1) << metrics;
  EXPECT_GE(sample("piket_zmq_refused_total", "reason=\"channel\""), 1) << metrics;
  EXPECT_EQ(sample("piket_escalation_total", "outcome=\"ignored\""), 1) << metrics;

  // The primary's real decline still moves on at once.
  s_.local().inject_sms(phone(primary_), "4411", "NO " + ack_code(incident, primary_));
  ASSERT_TRUE(wait_for(backup_, 1, 10s));
  EXPECT_EQ(timeline(case_id, "escalated").size(), 1u);
}

TEST_F(EscalationEndToEnd, KillNineMidEscalationContinuesAtTheRightStepWithoutRepeats) {
  const auto [incident, case_id] = post("ESC-4");
  ASSERT_TRUE(wait_for(primary_, 1));
  // dispatch dies; the primary's wait ends while it is down.
  s_.local().kill9(stack::Component::dispatch);
  advance(5min);
  s_.local().start(stack::Component::dispatch);
  ASSERT_TRUE(wait_for(backup_, 1));
  // Redis, notify, inbound and ingest die and come back; then the backup's wait ends.
  for (auto c : {stack::Component::redis, stack::Component::notify, stack::Component::inbound,
                 stack::Component::ingest}) {
    s_.local().kill9(c);
    s_.local().start(c);
  }
  advance(5min);
  ASSERT_TRUE(wait_for("tl-g", 1, 20s));
  // dispatch dies again right after the team lead's page; nothing is re-sent on restart.
  s_.local().kill9(stack::Component::dispatch);
  s_.local().start(stack::Component::dispatch);
  // By the record, not after a fixed wait: the step taken is the team lead's (0.2), the
  // next look lies after the simulated now, and nothing is on its way to a phone.
  EXPECT_TRUE(settle([&] { return timer_after_now(incident); }));
  expect_not_due(incident, "0.2");
  expect_at_the_phones();  // what Kannel was handed has reached fakesmsc
  EXPECT_EQ(to(primary_).size(), 1u);
  EXPECT_EQ(to(backup_).size(), 1u);
  EXPECT_EQ(to("tl-g").size(), 1u);
  EXPECT_EQ(hget(store::incident_key(incident), "esc_at"), "0.2");
  EXPECT_EQ(timeline(case_id, "escalated").size(), 2u);
}

TEST_F(EscalationEndToEnd, KillNineOfDispatchThenRedisDuringBurstsOfEscalationsPagesEachStepOnce) {
  constexpr int kIncidents = 40;
  std::vector<std::string> cases;
  for (int k = 0; k < kIncidents; ++k)
    cases.push_back(post("ESC-BURST-" + std::to_string(k)).second);
  ASSERT_TRUE(wait_for(primary_, kIncidents, 60s));
  advance(5min);  // every primary's wait ends at once…
  std::this_thread::sleep_for(30ms);
  s_.local().kill9(stack::Component::dispatch);  // …and dispatch dies in the middle of it
  {
    auto redis = s_.redis();
    std::cout
        << "[ info ] escalated before the kill: "
        << redis.command({"ZCOUNT", std::string(store::kEscalationsDue), "-inf", "+inf"}).integer
        << " timers, " << timeline_count("escalated") << " of " << kIncidents << " steps\n";
  }
  s_.local().start(stack::Component::dispatch);
  ASSERT_TRUE(wait_for(backup_, kIncidents, 30s));
  // Anything sent twice has left notify (a send in doubt stays queued until it goes again)
  // and Kannel has handed it to the phone.
  expect_at_the_phones();
  const auto pages = pages_to(backup_);
  EXPECT_EQ(pages.size(), static_cast<std::size_t>(kIncidents));
  for (const auto& c : cases) {
    EXPECT_EQ(std::count(pages.begin(), pages.end(), c), 1) << c;
    EXPECT_EQ(timeline(c, "escalated").size(), 1u) << c;
  }

  // The backup's wait ends for all of them, and Redis dies in the middle of it.
  advance(5min);
  std::this_thread::sleep_for(30ms);
  s_.local().kill9(stack::Component::redis);
  s_.local().start(stack::Component::redis);
  ASSERT_TRUE(wait_for("tl-g", kIncidents, 30s));
  expect_at_the_phones();
  const auto leads = pages_to("tl-g");
  EXPECT_EQ(leads.size(), static_cast<std::size_t>(kIncidents));
  for (const auto& c : cases) {
    EXPECT_EQ(std::count(leads.begin(), leads.end(), c), 1) << c;
    EXPECT_EQ(timeline(c, "escalated").size(), 2u) << c;
  }
  std::cout << "[ info ] " << kIncidents << " escalations reached the team lead in "
            << to("tl-g").size() << " SMS\n";
}

// The issue's burst: nine incidents nobody answers reach the team lead at one
// instant. Measures how many SMS the team lead's phone gets in the first
// second and in all; with bundling (the default window) one SMS goes at once
// and the rest follow together a window later. Every page stays answerable by
// the code the phone shows, through a real SMS reply.
struct BurstFigures {
  std::size_t sms = 0, first_second = 0, pages = 0;
  std::vector<launch::DeliveredSms> texts;
};

class BurstEndToEnd : public EscalationEndToEnd {
 protected:
  explicit BurstEndToEnd(int bundle_window_ms)
      : EscalationEndToEnd(escalation_spec(0, bundle_window_ms)) {}
  // Nine incidents, nobody answers; returns once all nine reached the team lead.
  BurstFigures burst(int n, std::vector<std::string>& incidents, std::vector<std::string>& cases) {
    for (int k = 0; k < n; ++k) {
      const auto [incident, case_id] = post("TL-BURST-" + std::to_string(k));
      incidents.push_back(incident);
      cases.push_back(case_id);
    }
    EXPECT_TRUE(wait_for(primary_, static_cast<std::size_t>(n), 30s));
    advance(5min);
    EXPECT_TRUE(wait_for(backup_, static_cast<std::size_t>(n), 30s));
    // The backup's last SMS gone: nothing pending, by notify's record.
    EXPECT_TRUE(settle([&] { return sms_pending() == 0; }, 30s));
    EXPECT_TRUE(to("tl-g").empty());
    advance(5min);  // every backup's wait ends at the same instant
    // Watch the team lead's phone: when each SMS arrives.
    std::vector<std::chrono::steady_clock::time_point> arrived;
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < until) {
      const auto now = std::chrono::steady_clock::now();
      const auto got = to("tl-g");
      while (arrived.size() < got.size()) arrived.push_back(now);
      if (pages_to("tl-g").size() >= static_cast<std::size_t>(n)) break;
      std::this_thread::sleep_for(10ms);
    }
    // Anything more has left notify and reached the phone.
    expect_at_the_phones();
    BurstFigures f;
    f.texts = to("tl-g");
    f.sms = f.texts.size();
    f.pages = pages_to("tl-g").size();
    for (const auto& a : arrived) f.first_second += !arrived.empty() && a - arrived[0] < 1s;
    std::cout << "[ info ] " << n << " escalations at one instant: the team lead's phone got "
              << f.first_second << " SMS in the first second, " << f.sms << " SMS in all, for "
              << f.pages << " pages\n";
    return f;
  }
};

// The default window (notify.bundle_window_ms, 3000).
class BundledBurstEndToEnd : public BurstEndToEnd {
 protected:
  BundledBurstEndToEnd() : BurstEndToEnd(-1) {}
};
// Bundling off (window 0): every page its own SMS, as before — the "before" figure.
class UnbundledBurstEndToEnd : public BurstEndToEnd {
 protected:
  UnbundledBurstEndToEnd() : BurstEndToEnd(0) {}
};

TEST_F(UnbundledBurstEndToEnd, WithoutBundlingNineEscalationsAreNineSms) {
  std::vector<std::string> incidents, cases;
  const auto f = burst(9, incidents, cases);
  EXPECT_EQ(f.pages, 9u);
  EXPECT_EQ(f.sms, 9u);
}

TEST_F(BundledBurstEndToEnd, NineEscalationsAtOnceReachTheTeamLeadAsTwoSmsEachPageAnswerable) {
  std::vector<std::string> incidents, cases;
  const auto f = burst(9, incidents, cases);
  EXPECT_EQ(f.pages, 9u);
  EXPECT_LE(f.first_second, 1u) << "a burst must not flood the phone";
  EXPECT_LE(f.sms, 2u);
  for (const auto& m : f.texts) {
    EXPECT_LE(m.text.size(), 459u) << m.text;  // three GSM-7 segments at most
    EXPECT_TRUE(paging::is_gsm7_basic(m.text)) << m.text;
  }
  // Every page is answerable by the code the phone shows: reply with each.
  std::vector<std::string> codes;
  for (const auto& m : f.texts)
    for (auto& c : reply_codes(m.text)) codes.push_back(std::move(c));
  ASSERT_EQ(codes.size(), 9u);
  for (const auto& code : codes) s_.local().inject_sms(phone("tl-g"), "4411", code);
  for (const auto& incident : incidents) {
    const auto until = std::chrono::steady_clock::now() + 15s;
    while (hget(store::incident_key(incident), "status") != "acknowledged" &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(50ms);
    EXPECT_EQ(hget(store::incident_key(incident), "status"), "acknowledged") << incident;
    EXPECT_EQ(hget(store::incident_key(incident), "acknowledged_by"), "tl-g") << incident;
  }
  for (const auto& c : cases) {
    const auto acks = timeline(c, "acknowledged");
    ASSERT_EQ(acks.size(), 1u) << c;
    EXPECT_EQ(acks[0].at("via").as_string(), "sms");
  }
}

}  // namespace
}  // namespace piket::e2e
