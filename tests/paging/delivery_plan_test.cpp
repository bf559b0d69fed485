// plan_deliveries: which channel starts when — a pure function of the
// deliveries' states and the time.
#include "piket/paging/delivery_plan.hpp"

#include <gtest/gtest.h>

namespace piket::paging {
namespace {

using common::Millis;
using rota::ContactChannel;
using namespace std::chrono_literals;
using S = DeliveryState;

const common::Instant kCreated = common::from_epoch_ms(1795870800000);

PageView page(std::vector<DeliveryView> ds, PageAnswer answer = PageAnswer::none) {
  return {kCreated, answer, std::move(ds)};
}

// push at once, SMS after 1 minute, e-mail after 5.
std::vector<DeliveryView> three(S push, S sms, S email) {
  return {{ContactChannel::push, 0ms, push},
          {ContactChannel::sms, 60s, sms},
          {ContactChannel::email, 300s, email}};
}

std::vector<std::size_t> started(const DeliveryPlan& p) {
  std::vector<std::size_t> out;
  for (const auto& s : p.start) out.push_back(s.index);
  return out;
}

TEST(DeliveryPlan, FirstChannelStartsAtOnceTheOthersWait) {
  const auto p = plan_deliveries(page(three(S::scheduled, S::scheduled, S::scheduled)), kCreated);
  ASSERT_EQ(started(p), std::vector<std::size_t>{0});
  EXPECT_EQ(p.start[0].reason, StartReason::at_once);
  EXPECT_FALSE(p.start[0].previous.has_value());
  EXPECT_EQ(p.next_wakeup, kCreated + 60s);
  EXPECT_TRUE(p.cancel.empty());
  EXPECT_FALSE(p.exhausted);
}

TEST(DeliveryPlan, NextChannelStartsWhenItsDelayPassesWithoutAnAnswer) {
  const auto v = page(three(S::accepted, S::scheduled, S::scheduled));
  EXPECT_TRUE(plan_deliveries(v, kCreated + 59s).start.empty());
  EXPECT_EQ(plan_deliveries(v, kCreated + 59s).next_wakeup, kCreated + 60s);
  const auto p = plan_deliveries(v, kCreated + 60s);
  ASSERT_EQ(started(p), std::vector<std::size_t>{1});
  EXPECT_EQ(p.start[0].reason, StartReason::not_acknowledged);
  EXPECT_EQ(p.start[0].previous, 0u);
  EXPECT_EQ(p.next_wakeup, kCreated + 300s);
}

TEST(DeliveryPlan, PermanentFailureStartsTheNextChannelAtOnce) {
  const auto p = plan_deliveries(page(three(S::failed, S::scheduled, S::scheduled)), kCreated + 1s);
  ASSERT_EQ(started(p), std::vector<std::size_t>{1});
  EXPECT_EQ(p.start[0].reason, StartReason::previous_failed);
  EXPECT_EQ(p.start[0].previous, 0u);
  // E-mail still waits for its own time (or for the SMS to fail).
  EXPECT_EQ(p.next_wakeup, kCreated + 300s);
  EXPECT_FALSE(p.exhausted);
}

TEST(DeliveryPlan, FailuresChainThroughEveryChannel) {
  const auto p = plan_deliveries(page(three(S::failed, S::failed, S::scheduled)), kCreated + 2s);
  ASSERT_EQ(started(p), std::vector<std::size_t>{2});
  EXPECT_EQ(p.start[0].reason, StartReason::previous_failed);
  EXPECT_EQ(p.start[0].previous, 1u);
  EXPECT_FALSE(p.next_wakeup.has_value());
}

TEST(DeliveryPlan, ARetryingChannelDoesNotHandOverYet) {
  // The gateway is down but retries are left: the SMS is not failed yet.
  const auto p = plan_deliveries(page(three(S::accepted, S::retry, S::scheduled)), kCreated + 90s);
  EXPECT_TRUE(p.start.empty());
  EXPECT_EQ(p.next_wakeup, kCreated + 300s);
  // When its delay passes, e-mail starts all the same.
  const auto later =
      plan_deliveries(page(three(S::accepted, S::retry, S::scheduled)), kCreated + 300s);
  EXPECT_EQ(started(later), std::vector<std::size_t>{2});
  EXPECT_EQ(later.start[0].reason, StartReason::not_acknowledged);
}

TEST(DeliveryPlan, AnAnswerCancelsWhatHasNotGoneOut) {
  for (auto answer : {PageAnswer::acknowledged, PageAnswer::declined}) {
    const auto p =
        plan_deliveries(page(three(S::accepted, S::retry, S::scheduled), answer), kCreated + 600s);
    EXPECT_TRUE(p.start.empty());
    EXPECT_EQ(p.cancel, (std::vector<std::size_t>{1, 2}));
    EXPECT_FALSE(p.next_wakeup.has_value());
    EXPECT_FALSE(p.exhausted);
  }
  // Deliveries in flight or done are left alone.
  const auto p = plan_deliveries(
      page(three(S::sending, S::accepted, S::queued), PageAnswer::acknowledged), kCreated);
  EXPECT_EQ(p.cancel, std::vector<std::size_t>{2});
}

TEST(DeliveryPlan, EveryChannelFailedIsExhausted) {
  const auto p = plan_deliveries(page(three(S::failed, S::failed, S::failed)), kCreated + 1s);
  EXPECT_TRUE(p.start.empty());
  EXPECT_TRUE(p.exhausted);
  EXPECT_FALSE(p.next_wakeup.has_value());
  // One channel that got through is not exhausted.
  EXPECT_FALSE(
      plan_deliveries(page(three(S::accepted, S::failed, S::failed)), kCreated + 1s).exhausted);
}

TEST(DeliveryPlan, SuppressedDuplicatesAreSkipped) {
  // The SMS of this (case, step, person) went out on an earlier page: push
  // failing hands over to e-mail directly.
  const auto p = plan_deliveries(page(three(S::failed, S::suppressed, S::scheduled)), kCreated);
  ASSERT_EQ(started(p), std::vector<std::size_t>{2});
  EXPECT_EQ(p.start[0].previous, 0u);
  const auto all =
      plan_deliveries(page(three(S::suppressed, S::suppressed, S::suppressed)), kCreated + 1h);
  EXPECT_TRUE(all.duplicate);
  EXPECT_TRUE(all.start.empty());
  EXPECT_FALSE(all.exhausted);
  EXPECT_TRUE(
      plan_deliveries(page(three(S::failed, S::suppressed, S::failed)), kCreated).exhausted);
}

TEST(DeliveryPlan, SameDelayStartsTogether) {
  const std::vector<DeliveryView> both{{ContactChannel::push, 0ms, S::scheduled},
                                       {ContactChannel::sms, 0ms, S::scheduled}};
  const auto p = plan_deliveries(page(both), kCreated);
  EXPECT_EQ(started(p), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(p.start[1].reason, StartReason::at_once);
}

TEST(DeliveryPlan, LateEvaluationStartsEverythingDue) {
  // A notify that was down for ten minutes catches up in one plan.
  const auto p =
      plan_deliveries(page(three(S::scheduled, S::scheduled, S::scheduled)), kCreated + 10min);
  EXPECT_EQ(started(p), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_FALSE(p.next_wakeup.has_value());
}

TEST(DeliveryPlan, StatesRoundTrip) {
  for (auto s : {S::scheduled, S::queued, S::sending, S::retry, S::accepted, S::failed,
                 S::cancelled, S::suppressed})
    EXPECT_EQ(parse_delivery_state(to_string(s)), s);
  EXPECT_FALSE(parse_delivery_state("sent").has_value());
}

// A page that is information (paging/page_class.hpp) is never sent again for
// want of an answer: the next channel starts only when the one before failed.
TEST(DeliveryPlan, InformationMovesOnOnlyWhenAChannelFailsNeverForWantOfAnAnswer) {
  auto info = [](std::vector<DeliveryView> ds) {
    PageView v = page(std::move(ds));
    v.informational = true;
    return v;
  };
  auto p = plan_deliveries(info(three(S::scheduled, S::scheduled, S::scheduled)), kCreated);
  ASSERT_EQ(started(p), std::vector<std::size_t>{0});
  EXPECT_EQ(p.start[0].reason, StartReason::at_once);
  EXPECT_FALSE(p.next_wakeup.has_value());
  // The push went out; a day later nothing else has started or will.
  p = plan_deliveries(info(three(S::accepted, S::scheduled, S::scheduled)), kCreated + 24h);
  EXPECT_TRUE(p.start.empty());
  EXPECT_FALSE(p.next_wakeup.has_value());
  EXPECT_FALSE(p.exhausted);
  // The same page asking for an answer would have moved on to SMS and e-mail.
  EXPECT_EQ(started(plan_deliveries(page(three(S::accepted, S::scheduled, S::scheduled)),
                                    kCreated + 24h)),
            (std::vector<std::size_t>{1, 2}));
  // A failure starts the next channel at once, whatever its delay.
  p = plan_deliveries(info(three(S::failed, S::scheduled, S::scheduled)), kCreated + 1s);
  ASSERT_EQ(started(p), std::vector<std::size_t>{1});
  EXPECT_EQ(p.start[0].reason, StartReason::previous_failed);
  p = plan_deliveries(info(three(S::failed, S::failed, S::failed)), kCreated + 1s);
  EXPECT_TRUE(p.exhausted);
}

}  // namespace
}  // namespace piket::paging
