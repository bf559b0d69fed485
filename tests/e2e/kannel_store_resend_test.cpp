// The campaigns' classification of a page twice as Kannel's resend from its store
// (kannel_store_resend.hpp), on synthetic logs: explained only with all three pieces of
// evidence, unexplained when any one is missing.

#include "kannel_store_resend.hpp"

#include <gtest/gtest.h>

namespace piket::e2e {
namespace {

// A fakesmsc log line as fakesmsc writes it.
std::string line(const std::string& pid, const std::string& what) {
  return "2026-12-06 10:26:45 [" + pid + "] [0] DEBUG: " + what + "\n";
}
std::string start(const std::string& pid) {
  return line(pid, "fakesmsc starting");
}
std::string got(const std::string& pid, int n, const std::string& to, const std::string& text) {
  return line(pid, "Got message " + std::to_string(n) + ": <4411 " + to + " text " + text + ">");
}

const std::string kBundle =
    "piket 2 oproepen: 311159 CODE ROOD CFBGW124C; 763577 CODE ROOD CKZSDX0Q9. Stuur een code "
    "om aan te nemen.";
const std::string kPhone = "+447700900004";

// The record: the bundle's two pages, each claimed once, sent in bundle B1.
PiketSend record_of(const launch::DeliveredSms& sms) {
  PiketSend s;
  for (const auto& code : reply_codes(sms.text))
    s.pages.push_back(code == "311159" ? "P0000000000000001" : "P0000000000000002");
  s.bundles = {"B1"};
  s.attempts = 1;
  return s;
}

const std::string kNotifyOnce =
    "[info] bundle B1: 2 pages in one SMS (attempt 1), 0 left for later\n"
    "[warn] delivery P0000000000000009:sms: send was interrupted and no delivery report came; "
    "sending again\n";

// The bundle at fakesmsc 100, bearerbox killed while 100 ran, the bundle again at fakesmsc 200.
std::string two_copies_across_a_restart() {
  return start("100") + got("100", 1, kPhone, kBundle) + start("200") +
         got("200", 1, kPhone, kBundle);
}

TEST(KannelStoreResend, ACopyAcrossARestartAfterABearerboxKillAndOneSendIsExplained) {
  const auto found =
      kannel_store_resends(two_copies_across_a_restart(), {"100"}, record_of, kNotifyOnce);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].sms.to, kPhone);
  EXPECT_EQ(found[0].sms.text, kBundle);
  EXPECT_EQ(found[0].first_pid, "100");
  EXPECT_EQ(found[0].again_pid, "200");
  EXPECT_EQ(found[0].pages, (std::vector<std::string>{"P0000000000000001", "P0000000000000002"}));
}

TEST(KannelStoreResend, ARestartThatNoBearerboxKillBeganExplainsNothing) {
  // Kannel restarted after an smsbox kill (bearerbox stopped gracefully): not this case.
  EXPECT_TRUE(
      kannel_store_resends(two_copies_across_a_restart(), {}, record_of, kNotifyOnce).empty());
  // The kill came after the second copy's fakesmsc started: the copies are not on its sides.
  EXPECT_TRUE(
      kannel_store_resends(two_copies_across_a_restart(), {"200"}, record_of, kNotifyOnce).empty());
}

TEST(KannelStoreResend, TwoCopiesFromOneFakesmscAreNotARestart) {
  const auto log = start("100") + got("100", 1, kPhone, kBundle) + got("100", 2, kPhone, kBundle);
  EXPECT_TRUE(kannel_store_resends(log, {"100"}, record_of, kNotifyOnce).empty());
}

TEST(KannelStoreResend, ANotifyResendOrRetryOfAnyPageOrOfTheBundleExplainsNothing) {
  const auto log = two_copies_across_a_restart();
  for (const std::string notify :
       {"[warn] delivery P0000000000000002:sms: send was interrupted and no delivery report "
        "came; sending again\n",
        "[warn] delivery P0000000000000001:sms: no answer from gateway; retry scheduled (attempt "
        "1)\n",
        "[warn] bundle B1 (2 pages): no answer from gateway\n",
        "[info] bundle B1: 2 pages in one SMS (attempt 2), 0 left for later\n"})
    EXPECT_TRUE(kannel_store_resends(log, {"100"}, record_of, notify).empty()) << notify;
}

TEST(KannelStoreResend, ADeliveryClaimedTwiceOrAnSmsOfNoKnownPageExplainsNothing) {
  const auto log = two_copies_across_a_restart();
  EXPECT_TRUE(kannel_store_resends(
                  log, {"100"},
                  [](const launch::DeliveredSms& sms) {
                    auto s = record_of(sms);
                    s.attempts = 2;
                    return s;
                  },
                  kNotifyOnce)
                  .empty());
  EXPECT_TRUE(
      kannel_store_resends(
          log, {"100"}, [](const launch::DeliveredSms&) { return PiketSend{}; }, kNotifyOnce)
          .empty());
}

TEST(KannelStoreResend, OnlyTheSameTextToTheSamePhoneIsACopy) {
  const auto other =
      "piket CODE ROOD zaak CMG6YD4PN regio groningen. Antwoord 601485 om aan "
      "te nemen.";
  const auto log = start("100") + got("100", 1, kPhone, kBundle) + start("200") +
                   got("200", 1, "+447700900001", kBundle) + got("200", 2, kPhone, other);
  EXPECT_TRUE(kannel_store_resends(log, {"100"}, record_of, kNotifyOnce).empty());
}

TEST(KannelStoreResend, FakesmscRunsSplitTheLogByPid) {
  const auto log = start("100") + got("100", 1, kPhone, kBundle) + "free(): double free\n" +
                   start("200") + got("200", 1, kPhone, "piket 1");
  const auto runs = fakesmsc_runs(log);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].pid, "100");
  EXPECT_EQ(runs[0].sms.size(), 1u);
  EXPECT_EQ(runs[1].pid, "200");
  ASSERT_EQ(runs[1].sms.size(), 1u);
  EXPECT_EQ(runs[1].sms[0].text, "piket 1");
  EXPECT_EQ(last_fakesmsc_pid(log), "200");
  EXPECT_EQ(last_fakesmsc_pid(""), "");
}

}  // namespace
}  // namespace piket::e2e
