// The pure parts of the receiver's batches: the queue ordered by rank
// (rank_queue.hpp), a single-message handler as a batch handler, and the
// routing of one batch over several channels' handlers (messaging.hpp).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "piket/common/messaging.hpp"
#include "piket/common/rank_queue.hpp"

namespace piket::common {
namespace {

TEST(RankQueue, LowerRankFirstAndFirstInFirstOutWithinARank) {
  RankQueue<std::string> q;
  q.push(10, "routine-1");
  q.push(10, "routine-2");
  q.push(90, "notice");
  q.push(10, "routine-3");
  q.push(1, "code-red");
  q.push(2, "escalation");
  EXPECT_EQ(q.size(), 6u);
  EXPECT_EQ(q.take(3), (std::vector<std::string>{"code-red", "escalation", "routine-1"}));
  q.push(1, "code-red-2");
  EXPECT_EQ(q.take(10),
            (std::vector<std::string>{"code-red-2", "routine-2", "routine-3", "notice"}));
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(q.take(10).empty());
}

TEST(RankQueue, TakeIsBoundedAndTakesAtLeastOne) {
  RankQueue<int> q;
  for (int n = 0; n < 5; ++n) q.push(0, n);
  EXPECT_EQ(q.take(0), std::vector<int>{0});
  EXPECT_EQ(q.take(2), (std::vector<int>{1, 2}));
  EXPECT_EQ(q.size(), 2u);
}

std::vector<InboxMessage> messages(const std::vector<std::pair<const char*, const char*>>& m) {
  std::vector<InboxMessage> out;
  for (const auto& [channel, id] : m) out.push_back({channel, id, "{}"});
  return out;
}

TEST(OneAtATime, EachMessageOnItsOwnAndAThrowFailsOnlyItsMessage) {
  std::vector<std::string> seen;
  const auto handler = one_at_a_time([&](std::string_view, std::string_view id, std::string_view) {
    seen.emplace_back(id);
    if (id == "b") throw std::runtime_error("redis away");
    return id != "c";
  });
  const auto batch = messages({{"dispatch", "a"}, {"dispatch", "b"}, {"dispatch", "c"}});
  EXPECT_EQ(handler(batch), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
  // Alone, the exception is the caller's (the receiver logs it).
  EXPECT_THROW(handler(std::span(batch).subspan(1, 1)), std::runtime_error);
}

// Runs of one channel go to its handler together, in the batch's order.
TEST(RouteByChannel, RunsOfOneChannelGoTogetherInTheBatchsOrder) {
  std::vector<std::vector<std::string>> calls;
  const auto record = [&](bool result) {
    return [&calls, result](std::span<const InboxMessage> run) {
      std::vector<std::string> ids;
      for (const auto& m : run) ids.emplace_back(m.id);
      calls.push_back(ids);
      return std::vector<bool>(run.size(), result);
    };
  };
  const auto handler =
      route_by_channel({{"dispatch", record(true)}, {"escalation", record(false)}});
  const auto batch = messages({{"dispatch", "red"},
                               {"escalation", "e1"},
                               {"escalation", "e2"},
                               {"dispatch", "r1"},
                               {"dispatch", "r2"},
                               {"notify", "x"}});
  EXPECT_EQ(handler(batch), (std::vector<bool>{true, false, false, true, true, false}));
  EXPECT_EQ(calls, (std::vector<std::vector<std::string>>{{"red"}, {"e1", "e2"}, {"r1", "r2"}}));
}

TEST(RouteByChannel, AThrowingRunFailsAloneUnlessItIsTheWholeBatch) {
  const auto handler = route_by_channel({{"dispatch",
                                          [](std::span<const InboxMessage>) -> std::vector<bool> {
                                            throw std::runtime_error("redis away");
                                          }},
                                         {"escalation", [](std::span<const InboxMessage> run) {
                                            return std::vector<bool>(run.size(), true);
                                          }}});
  const auto mixed = messages({{"escalation", "e1"}, {"dispatch", "r1"}, {"dispatch", "r2"}});
  EXPECT_EQ(handler(mixed), (std::vector<bool>{true, false, false}));
  const auto only = messages({{"dispatch", "r1"}, {"dispatch", "r2"}});
  EXPECT_THROW(handler(only), std::runtime_error);
}

}  // namespace
}  // namespace piket::common
