// notify::SendJournal: what a run noted and never settled is there for the next run, settled
// outcomes are not, a line torn by a crash is skipped, and the file keeps only what is open.
#include "piket/notify/send_journal.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace piket::notify {
namespace {

store::NotifyCompleteItem accepted(const std::string& id) {
  return {id, {"accepted", 0, 202, "0: Accepted for delivery", ""}};
}

std::vector<std::string> ids(const std::vector<store::NotifyCompleteItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.delivery_id);
  return out;
}

TEST(SendJournal, WhatARunNotedAndNeverSettledIsThereForTheNextRun) {
  piket::test::TempDir dir("piket-journal");
  const auto file = dir.path() / "notify.journal";
  {
    SendJournal j(file);
    EXPECT_TRUE(j.left_over().empty());
    j.note({accepted("P1:sms"), accepted("P2:sms")});
    j.note({{"P3:sms", {"retry", 1924992003000, 503, "busy\tline\nbreak", "gateway_down"}}});
    j.settle({"P2:sms"});
    EXPECT_EQ(j.unsettled(), 2u);
  }  // killed here: nothing else written
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  SendJournal next(file);
  const auto left = next.left_over();
  ASSERT_EQ(ids(left), (std::vector<std::string>{"P1:sms", "P3:sms"}));
  EXPECT_EQ(left[0].sent.outcome, "accepted");
  EXPECT_EQ(left[0].sent.gateway_status, 202);
  EXPECT_EQ(left[1].sent.outcome, "retry");
  EXPECT_EQ(left[1].sent.retry_due_ms, 1924992003000);
  EXPECT_EQ(left[1].sent.reason, "gateway_down");
  EXPECT_EQ(left[1].sent.detail, "busy line break");  // one line per outcome
  next.settle({"P1:sms", "P3:sms"});
  EXPECT_TRUE(SendJournal(file).left_over().empty());
}

TEST(SendJournal, ALineTornByACrashIsSkipped) {
  piket::test::TempDir dir("piket-journal");
  const auto file = dir.path() / "notify.journal";
  {
    SendJournal j(file);
    j.note({accepted("P1:sms")});
  }
  {
    std::ofstream out(file, std::ios::app);
    out << "S\tP2:sms\taccep";  // no newline: the write was cut
  }
  EXPECT_EQ(ids(SendJournal(file).left_over()), std::vector<std::string>{"P1:sms"});
}

TEST(SendJournal, TheFileKeepsOnlyWhatIsOpen) {
  piket::test::TempDir dir("piket-journal");
  const auto file = dir.path() / "notify.journal";
  SendJournal j(file, 4096);
  j.note({accepted("Popen:sms")});
  for (int n = 0; n < 1000; ++n) {
    const auto id = "P" + std::to_string(n) + ":sms";
    j.note({accepted(id)});
    j.settle({id});
  }
  EXPECT_LT(std::filesystem::file_size(file), 4096u + 200u);  // 1,000 notes and settles
  EXPECT_EQ(j.unsettled(), 1u);
  EXPECT_EQ(ids(SendJournal(file).left_over()), std::vector<std::string>{"Popen:sms"});
}

TEST(SendJournal, AFileItCannotOpenIsNamed) {
  try {
    SendJournal j("/nonexistent-dir/notify.journal");
    ADD_FAILURE() << "opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/notify.journal"), std::string::npos);
  }
}

}  // namespace
}  // namespace piket::notify
