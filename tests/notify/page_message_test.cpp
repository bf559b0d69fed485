// notify::page_facts: what a page's message tells notify's plan (person,
// created_at, info), or nothing when any of it is missing or out of bounds —
// the page is then read.
#include "piket/notify/page_message.hpp"

#include <gtest/gtest.h>

namespace piket::notify {
namespace {

TEST(NotifyPageMessage, TheFactsOfAPageMessage) {
  const auto f = page_facts(
      R"({"page_id":"P0123456789ABCDEF","rank":1,"person":"tl-g","created_at":1796636272755,"info":0})");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->person, "tl-g");
  EXPECT_EQ(f->created_at_ms, 1796636272755);
  EXPECT_FALSE(f->informational);
  const auto info = page_facts(R"({"person":"anna_2","created_at":5,"info":1})");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->informational);
  EXPECT_FALSE(info->expanded);  // absent: notify expands the page
}

TEST(NotifyPageMessage, APageItsProducerExpandedSaysSoAndAnythingElseThereIsUnreadable) {
  const auto e = page_facts(R"({"person":"anna","created_at":5,"info":0,"expanded":1})");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->expanded);
  const auto not_e = page_facts(R"({"person":"anna","created_at":5,"info":0,"expanded":0})");
  ASSERT_TRUE(not_e);
  EXPECT_FALSE(not_e->expanded);
  for (const char* bad : {R"({"person":"anna","created_at":5,"info":0,"expanded":2})",
                          R"({"person":"anna","created_at":5,"info":0,"expanded":true})",
                          R"({"person":"anna","created_at":5,"info":0,"expanded":"1"})"})
    EXPECT_FALSE(page_facts(bad)) << bad;
}

TEST(NotifyPageMessage, AMessageWithoutEveryFactOrWithOneOutOfBoundsHasNone) {
  for (const char* bad : {R"({"page_id":"P1"})",                  // before the facts were written
                          R"({"created_at":5,"info":0})",         // no person
                          R"({"person":"anna","info":0})",        // no created_at
                          R"({"person":"anna","created_at":5})",  // no info
                          R"({"person":"","created_at":5,"info":0})",              // empty
                          R"({"person":"Anna","created_at":5,"info":0})",          // not a rota id
                          R"({"person":"-anna","created_at":5,"info":0})",         // not a rota id
                          R"({"person":"an na","created_at":5,"info":0})",         // not a rota id
                          R"({"person":7,"created_at":5,"info":0})",               // not a string
                          R"({"person":"anna","created_at":"5","info":0})",        // not a number
                          R"({"person":"anna","created_at":1.7966e12,"info":0})",  // not an integer
                          R"({"person":"anna","created_at":0,"info":0})",          // not a time
                          R"({"person":"anna","created_at":-5,"info":0})",         // not a time
                          R"({"person":"anna","created_at":5,"info":2})",     // neither 0 nor 1
                          R"({"person":"anna","created_at":5,"info":true})",  // not 0 or 1
                          "", "not json", "[1]", "{"})
    EXPECT_FALSE(page_facts(bad)) << bad;
  EXPECT_FALSE(
      page_facts(R"({"person":")" + std::string(65, 'a') + R"(","created_at":5,"info":0})"));
  EXPECT_TRUE(
      page_facts(R"({"person":")" + std::string(64, 'a') + R"(","created_at":5,"info":0})"));
}

}  // namespace
}  // namespace piket::notify
