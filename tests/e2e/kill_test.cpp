// The kill test: while 200 incidents are posted, kill -9 each service and
// Redis in turn and start it again, each kill after 20 more incidents were
// answered and while posting goes on (so that it interrupts work). Every
// incident that got a 2xx must produce exactly one page at the gateway
// (fakesmsc): none lost, none twice — counted once the record says nothing is
// on its way any more, not after a fixed wait. Pages to one person within
// notify's bundle window share an SMS, so pages are counted by their case
// codes, not by SMS.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <regex>

#include "stack_fixture.hpp"

namespace piket::e2e {
namespace {

TEST(KillTest, EveryAcceptedIncidentIsPagedExactlyOnceAcrossKill9OfEachComponent) {
  stack::StackSpec spec;
  spec.resend_after_ms = 1000;
  spec.in_doubt_grace_ms = 3000;
  Stack s(spec);
  constexpr int kIncidents = 200;

  std::mutex mutex;
  std::map<int, std::string> case_of;  // incident number -> case id, for 2xx answers
  std::atomic<int> done{0}, non_2xx_answers{0};
  std::atomic<bool> posting{true};

  // A partner that retries (with the same reference) until it gets a 2xx, as
  // the contract invites: 503 and refused connections mean "not accepted".
  std::thread poster([&] {
    auto client = s.partner_client(s.spec().police_token);
    for (int k = 0; k < kIncidents; ++k) {
      const std::string ref = "KILL-" + std::to_string(k);
      const std::string body =
          R"({"reference":")" + ref +
          R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T14:03:00+01:00","household":"hh-kill-)" +
          std::to_string(k) + R"(","summary":"synthetic"})";
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{60};
      while (std::chrono::steady_clock::now() < give_up) {
        auto r = client->post("/v1/incidents", "application/json", body);
        if (r.status == 200 || r.status == 201) {
          std::lock_guard lock(mutex);
          case_of[k] =
              std::string(boost::json::parse(r.body).as_object().at("case_id").as_string());
          break;
        }
        ++non_2xx_answers;
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
      }
      ++done;
      std::this_thread::sleep_for(std::chrono::milliseconds{90});
    }
    posting = false;
  });

  // Kill each component in turn while posts keep coming: after 20 more
  // incidents were answered since the last kill (about 2 s of work), and only
  // while the poster is still at it.
  const stack::Component order[] = {stack::Component::ingest, stack::Component::dispatch,
                                    stack::Component::notify, stack::Component::inbound,
                                    stack::Component::redis};
  int killed_mid_work = 0;
  for (auto c : order) {
    const int before = done;
    EXPECT_TRUE(Stack::settle([&] { return done >= before + 20; }, std::chrono::seconds{60}))
        << "no 20 incidents answered in 60 s";
    killed_mid_work += posting ? 1 : 0;
    s.local().kill9(c);
    std::this_thread::sleep_for(std::chrono::milliseconds{700});  // down for a while
    s.local().start(c);
  }
  poster.join();
  EXPECT_EQ(killed_mid_work, 5) << "every kill came while incidents were being posted";

  ASSERT_EQ(case_of.size(), static_cast<std::size_t>(kIncidents))
      << "every incident should eventually be accepted by retrying";
  std::cout << "[ info ] non-2xx answers while components were down: " << non_2xx_answers
            << std::endl;

  auto count_by_case = [&](const std::vector<launch::DeliveredSms>& sms) {
    static const std::regex code{"\\bC[0-9A-Z]{8}\\b"};
    std::map<std::string, int> n;
    for (const auto& m : sms)
      for (auto it = std::sregex_iterator(m.text.begin(), m.text.end(), code);
           it != std::sregex_iterator(); ++it)
        ++n[it->str()];
    return n;
  };
  auto all_paged = [&](const std::vector<launch::DeliveredSms>& sms) {
    auto n = count_by_case(sms);
    for (const auto& [k, c] : case_of)
      if (!n.count(c)) return false;
    return true;
  };
  s.wait_delivered(all_paged, std::chrono::seconds{90});
  // Any late duplicate (an outbox resend, a send in doubt) is made and at the
  // phone, by the record: no outbox or notify holds anything, and fakesmsc has
  // logged every SMS Kannel sent (Kannel is not killed here).
  EXPECT_TRUE(Stack::settle([&] { return s.nothing_to_send() && s.phone_has_what_kannel_sent(); },
                            std::chrono::seconds{60}))
      << "an SMS is still on its way to a phone after 60 s";
  const auto sms = s.delivered();
  const auto n = count_by_case(sms);
  int missing = 0, duplicated = 0;
  for (const auto& [k, c] : case_of) {
    const auto it = n.find(c);
    if (it == n.end()) {
      ++missing;
      ADD_FAILURE() << "incident " << k << " (case " << c << ") was accepted but never paged";
    } else if (it->second != 1) {
      ++duplicated;
      ADD_FAILURE() << "incident " << k << " (case " << c << ") paged " << it->second << " times";
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicated, 0);
  int pages = 0;
  for (const auto& [c, k] : n) pages += k;
  EXPECT_EQ(pages, kIncidents) << "no page for anything else";
  std::cout << "[ info ] " << kIncidents << " pages reached the phones in " << sms.size() << " SMS"
            << std::endl;
}

}  // namespace
}  // namespace piket::e2e
