// Paging end to end, over the whole stack with real Redis, ZeroMQ, Kannel,
// fakesmsc and an SMTP server (aiosmtpd): permanent SMS failure falls back to
// e-mail, a stopped Kannel is retried and then fallen back from, an
// acknowledgement by SMS reply stops the channels still to come, and no
// acknowledgement lets e-mail follow after its delay.
//
// How Kannel is made to fail for good: the fake SMSC gets `denied-prefix`
// for the casemanagers' numbers, so bearerbox cannot route the SMS; smsbox
// answers the sendsms request "403 Not routable. Do not try again." and
// Kannel calls the dlr-url with type 16 (rejected by the SMSC). Whichever
// of the two reaches piket first fails the SMS delivery; the other finds it
// failed already.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "paging_stack.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"

namespace piket::paging {
namespace {

using namespace std::chrono_literals;

// Person data that must never appear in a message (the scan test looks for
// these in everything the suite sent).
std::string incident(const std::string& reference) {
  return R"({"reference":")" + reference +
         R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T14:03:00+01:00",)"
         R"("household":"hh-paging-)" +
         reference +
         R"(","persons":[{"role":"victim","name":"Quenby Vorstrand","phone":"+31655501234",)"
         R"("address":"Wierdenlaan 17 Usquert"},{"role":"child","name":"Tijmen Vorstrand",)"
         R"("school":"Obs Zeldenrust"}],"summary":"Bewoners gehoord na melding Plompeweg"})";
}

struct Posted {
  std::string incident, case_id, page, person;
};

Posted post_and_wait_for_page(PagingStack& s, const std::string& reference) {
  auto partner = s.partner();
  const auto r = partner->post("/v1/incidents", "application/json", incident(reference));
  EXPECT_EQ(r.status, 201) << r.body;
  const auto body = boost::json::parse(r.body).as_object();
  Posted p{std::string(body.at("incident_id").as_string()),
           std::string(body.at("case_id").as_string()),
           {},
           {}};
  auto redis = s.redis();
  EXPECT_TRUE(PagingStack::eventually(
      [&] {
        const auto page = redis.command({"HGET", store::incident_key(p.incident), "page_id"});
        if (page.is_nil()) return false;
        p.page = page.str;
        p.person = redis.command({"HGET", store::page_key(p.page), "person"}).str;
        return !redis.command({"HGET", store::page_key(p.page), "channels"}).is_nil();
      },
      10s));
  return p;
}

std::string hget(common::RedisConnection& redis, const std::string& key, const char* field) {
  const auto r = redis.command({"HGET", key, field});
  return r.is_nil() ? "<nil>" : r.str;
}

std::vector<std::string> timeline_types(common::RedisConnection& redis,
                                        const std::string& case_id) {
  std::vector<std::string> out;
  for (const auto& e :
       redis.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements)
    out.emplace_back(boost::json::parse(e.str).as_object().at("type").as_string());
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST(PagingEndToEnd, PermanentDeliveryFailureFallsBackToEmail) {
  PagingStack s(
      {R"([{channel = "sms", after_s = 0}, {channel = "email", after_s = 600}])", "+4477009000"});
  const auto p = post_and_wait_for_page(s, "PAGE-PERM-1");
  const auto mails = s.smtp().wait_messages([](const auto& m) { return !m.empty(); }, 15s);
  ASSERT_EQ(mails.size(), 1u) << "e-mail must not wait its 600 s after a permanent failure";
  const auto number = p.person.substr(4);  // icm-N
  EXPECT_NE(mails[0].find("To: <icm" + number + "@piket.test>"), std::string::npos) << mails[0];
  EXPECT_NE(mails[0].find("Subject: piket CODE ROOD " + p.case_id), std::string::npos);
  EXPECT_NE(mails[0].find("Regio:   groningen"), std::string::npos) << mails[0];
  EXPECT_TRUE(s.delivered().empty()) << "Kannel refused the number: nothing reached the phone";

  auto redis = s.redis();
  const auto sms = store::delivery_key(p.page, "sms");
  EXPECT_EQ(hget(redis, sms, "state"), "failed");
  const auto reason = hget(redis, sms, "fail_reason");
  EXPECT_TRUE(reason == "permanent" || reason == "delivery_report") << reason;
  EXPECT_EQ(hget(redis, sms, "attempts"), "1") << "a permanent failure is not retried";
  EXPECT_EQ(hget(redis, store::delivery_key(p.page, "email"), "state"), "accepted");
  std::cout << "[ info ] SMS failed by " << reason << " (gateway status "
            << hget(redis, sms, "gateway_status") << ", report " << hget(redis, sms, "dlr_type")
            << ")" << std::endl;
  // Both signals arrive: the 403 and the type-16 report.
  EXPECT_TRUE(PagingStack::eventually(
      [&] { return hget(redis, store::page_key(p.page), "dlr_type") == "16"; }, 10s));
  const auto types = timeline_types(redis, p.case_id);
  EXPECT_TRUE(has(types, "delivery_failed"));
  EXPECT_TRUE(has(types, "channel_fallback"));
  EXPECT_TRUE(has(types, "page_sent"));
  EXPECT_TRUE(has(types, "delivery_report"));
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(s.smtp().messages().size(), 1u) << "one e-mail, however many failure signals";
}

TEST(PagingEndToEnd, KannelStoppedIsRetriedThenFallsBackToEmail) {
  PagingStackOptions o;
  o.contact = R"([{channel = "sms", after_s = 0}, {channel = "email", after_s = 600}])";
  o.max_attempts = 3;
  o.retry_initial_ms = 200;
  o.retry_max_ms = 400;
  PagingStack s(o);
  s.local().kill9(stack::Component::kannel);
  const auto p = post_and_wait_for_page(s, "PAGE-DOWN-1");
  const auto mails = s.smtp().wait_messages([](const auto& m) { return !m.empty(); }, 20s);
  ASSERT_EQ(mails.size(), 1u);
  auto redis = s.redis();
  const auto sms = store::delivery_key(p.page, "sms");
  EXPECT_EQ(hget(redis, sms, "state"), "failed");
  EXPECT_EQ(hget(redis, sms, "fail_reason"), "gateway_down");
  EXPECT_EQ(hget(redis, sms, "attempts"), "3");
  EXPECT_EQ(hget(redis, sms, "last_error"), "no answer from gateway");
  EXPECT_EQ(hget(redis, store::delivery_key(p.page, "email"), "state"), "accepted");
  EXPECT_EQ(hget(redis, store::page_key(p.page), "state"), "accepted");
}

TEST(PagingEndToEnd, AcknowledgementBySmsStopsTheRemainingChannels) {
  PagingStack s({R"([{channel = "push", after_s = 0}, {channel = "sms", after_s = 0}, )"
                 R"({channel = "email", after_s = 4}])",
                 ""});
  const auto p = post_and_wait_for_page(s, "PAGE-ACK-1");
  ASSERT_TRUE(PagingStack::eventually([&] { return !s.delivered().empty(); }, 10s));
  auto redis = s.redis();
  const auto code = hget(redis, store::page_key(p.page), "ack_code");
  const auto* person = s.config().person(p.person);
  ASSERT_NE(person, nullptr);
  s.local().inject_sms(person->phone, "4411", code);
  ASSERT_TRUE(PagingStack::eventually(
      [&] { return hget(redis, store::page_key(p.page), "state") == "acknowledged"; }, 10s));
  EXPECT_EQ(hget(redis, store::incident_key(p.incident), "status"), "acknowledged");
  EXPECT_EQ(hget(redis, store::delivery_key(p.page, "email"), "state"), "cancelled");
  std::this_thread::sleep_for(6s);  // past the e-mail's 4 s
  EXPECT_TRUE(s.smtp().messages().empty());
  EXPECT_EQ(s.delivered().size(), 1u);
  // The push stream got the page and then its closing.
  const auto entries = redis.command({"XRANGE", store::push_key(p.person), "-", "+"}).elements;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].elements.at(1).elements.at(1).str, "page");
  EXPECT_EQ(entries[1].elements.at(1).elements.at(1).str, "page_closed");
}

TEST(PagingEndToEnd, NoAcknowledgementLetsEmailFollowAfterItsDelay) {
  PagingStack s({R"([{channel = "sms", after_s = 0}, {channel = "email", after_s = 2}])", ""});
  const auto started = std::chrono::steady_clock::now();
  const auto p = post_and_wait_for_page(s, "PAGE-LATE-1");
  ASSERT_TRUE(PagingStack::eventually([&] { return !s.delivered().empty(); }, 10s));
  const auto mails = s.smtp().wait_messages([](const auto& m) { return !m.empty(); }, 15s);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2s);
  auto redis = s.redis();
  EXPECT_EQ(hget(redis, store::delivery_key(p.page, "sms"), "state"), "accepted");
  EXPECT_EQ(hget(redis, store::delivery_key(p.page, "email"), "start_reason"), "not_acknowledged");
  // The acknowledgement through the staff API, after both went out.
  auto staff = s.staff(p.person);
  const auto r = staff->post("/v1/pages/" + p.page + "/ack", "application/json", "{}");
  EXPECT_EQ(r.status, 200) << r.body;
  auto other = s.staff(p.person == "icm-1" ? "icm-2" : "icm-1");
  EXPECT_EQ(other->post("/v1/pages/" + p.page + "/decline", "application/json", "{}").status, 403);
  EXPECT_EQ(hget(redis, store::page_key(p.page), "state"), "acknowledged");
}

}  // namespace
}  // namespace piket::paging
