// is_incident_id, is_case_id, is_page_id: the one check of record ids before
// anything is looked up with them.
#include <gtest/gtest.h>

#include "piket/common/records.hpp"
#include "piket/paging/page_script.hpp"

namespace piket::common {
namespace {

TEST(RecordIds, GeneratedIdsPassAndMalformedOnesDoNot) {
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(is_page_id(paging::new_page_id()));
  EXPECT_TRUE(is_incident_id("I0123456789ABCDEF"));
  EXPECT_TRUE(is_case_id("C12345678"));
  for (const char* bad : {"", "I", "I0123456789ABCDE", "I0123456789ABCDEFG", "i0123456789ABCDEF",
                          "I0123456789abcdef", "C0123456789ABCDEF", "I0123456789ABCDE-"})
    EXPECT_FALSE(is_incident_id(bad)) << bad;
  for (const char* bad :
       {"C1234567", "C123456789", "c12345678", "P12345678", "C1234567 ", "C1234:678"})
    EXPECT_FALSE(is_case_id(bad)) << bad;
  EXPECT_FALSE(is_page_id("PAAAAAAAAAAAAAAA"));  // 15 characters
  EXPECT_FALSE(is_page_id("IAAAAAAAAAAAAAAAA"));
}

}  // namespace
}  // namespace piket::common
