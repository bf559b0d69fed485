// notify::message_rank: the urgency a page's producer wrote into its message
// (lib/paging_page_create.lua) orders notify's receiving queue.
#include <gtest/gtest.h>

#include "piket/notify/notifier.hpp"
#include "piket/paging/page_class.hpp"

namespace piket::notify {
namespace {

namespace rank = paging::page_rank;
const char* const kPage = "P0123456789ABCDEF";

TEST(NotifyMessageRank, ThePagesRankFromItsMessage) {
  EXPECT_EQ(message_rank("notify", kPage, R"({"page_id":"P1","rank":0})"), rank::kEscalatedCodeRed);
  EXPECT_EQ(message_rank("notify", kPage, R"({"page_id":"P1","rank":1})"), rank::kCodeRed);
  EXPECT_EQ(message_rank("notify", kPage, R"({"rank":90,"page_id":"P1"})"), rank::kInformation);
}

// Old messages (before the rank was written) and anything unreadable rank as
// an incident: neither first nor last.
TEST(NotifyMessageRank, AMessageWithoutARankRanksAsAnIncident) {
  EXPECT_EQ(message_rank("notify", kPage, R"({"page_id":"P1"})"), rank::kIncident);
  EXPECT_EQ(message_rank("notify", kPage, "{}"), rank::kIncident);
  EXPECT_EQ(message_rank("notify", kPage, ""), rank::kIncident);
  EXPECT_EQ(message_rank("notify", kPage, "not json"), rank::kIncident);
  EXPECT_EQ(message_rank("notify", kPage, R"({"rank":"1"})"), rank::kIncident);
  EXPECT_EQ(message_rank("notify", kPage, R"([1])"), rank::kIncident);
  EXPECT_EQ(message_rank("notify", kPage, R"({"rank":-5})"), 0);
}

}  // namespace
}  // namespace piket::notify
