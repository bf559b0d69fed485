// dispatch::message_rank: a code red first, then escalations, then the other
// incidents; the kind comes from the message ingest_accept.lua writes.
#include <gtest/gtest.h>

#include "piket/dispatch/dispatcher.hpp"
#include "piket/paging/page_class.hpp"

namespace piket::dispatch {
namespace {

namespace rank = paging::page_rank;
const char* const kIncident = "I0123456789ABCDEF";

TEST(DispatchMessageRank, ACodeRedBeforeAnEscalationBeforeOtherIncidents) {
  const auto code_red = message_rank(
      "dispatch", kIncident, R"({"incident_id":"I1","case_id":"C12345678","kind":"code_red"})");
  const auto escalation = message_rank("escalation", "PAAAAAAAAAAAAAAAA:declined",
                                       R"({"page_id":"PAAAAAAAAAAAAAAAA","reason":"declined"})");
  const auto home_ban = message_rank(
      "dispatch", kIncident, R"({"incident_id":"I1","case_id":"C12345678","kind":"home_ban"})");
  EXPECT_EQ(code_red, rank::kCodeRed);
  EXPECT_EQ(escalation, rank::kEscalated);
  EXPECT_EQ(home_ban, rank::kIncident);
  EXPECT_LT(code_red, escalation);
  EXPECT_LT(escalation, home_ban);
  for (const char* kind :
       {"home_ban_extended", "home_ban_lifted", "ban_violation", "repeat_incident"})
    EXPECT_EQ(message_rank("dispatch", kIncident,
                           std::string(R"({"incident_id":"I1","kind":")") + kind + "\"}"),
              rank::kIncident)
        << kind;
}

// Messages written before the kind was (and anything unreadable) rank as an
// ordinary incident.
TEST(DispatchMessageRank, AMessageWithoutAKindIsAnOrdinaryIncident) {
  EXPECT_EQ(message_rank("dispatch", kIncident, R"({"incident_id":"I1","case_id":"C12345678"})"),
            rank::kIncident);
  EXPECT_EQ(message_rank("dispatch", kIncident, "{}"), rank::kIncident);
  EXPECT_EQ(message_rank("dispatch", kIncident, "not json"), rank::kIncident);
  EXPECT_EQ(message_rank("dispatch", kIncident, R"({"kind":"CODE_RED"})"), rank::kIncident);
  EXPECT_EQ(message_rank("dispatch", kIncident, R"({"kind":1})"), rank::kIncident);
}

}  // namespace
}  // namespace piket::dispatch
