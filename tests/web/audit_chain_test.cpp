// The audit trail's hash chain: any change to a stored entry, its removal,
// reordering or a cut-off tail is found, and the first broken entry named.
#include "piket/web/audit_chain.hpp"

#include <gtest/gtest.h>

namespace piket::web {
namespace {

AuditRecord rec(const std::string& who, const std::string& action, const std::string& target) {
  AuditRecord r;
  r.at = common::from_epoch_ms(1'700'000'000'000);
  r.domain_at = r.at;
  r.who = who;
  r.role = "casemanager";
  r.action = action;
  r.target = target;
  r.outcome = "allowed";
  r.from = "127.0.0.1";
  return r;
}

std::vector<std::string> chain_of(int n, ChainHead* head_out = nullptr) {
  std::vector<std::string> lines;
  ChainHead head;
  for (int i = 0; i < n; ++i) {
    auto e = next_entry(
        head, rec("icm-" + std::to_string(i), "case.read", "C0000000" + std::to_string(i % 10)));
    lines.push_back(e.line());
    head = {e.seq, e.hash};
  }
  if (head_out) *head_out = head;
  return lines;
}

ChainVerifier verify(const std::vector<std::string>& lines, const std::optional<ChainHead>& head) {
  ChainVerifier v;
  for (const auto& l : lines) v.add(l);
  v.finish(head);
  return v;
}

TEST(AuditChain, AnIntactChainVerifies) {
  ChainHead head;
  const auto lines = chain_of(50, &head);
  const auto v = verify(lines, head);
  EXPECT_TRUE(v.ok()) << v.reason();
  EXPECT_EQ(v.entries(), 50u);
  EXPECT_EQ(v.head(), head);
}

TEST(AuditChain, AnEmptyChainVerifies) {
  EXPECT_TRUE(verify({}, std::nullopt).ok());
}

TEST(AuditChain, EntriesCarryTheRecordAndLinkToThePrevious) {
  const auto lines = chain_of(2);
  const auto first = parse_entry(lines[0]);
  const auto second = parse_entry(lines[1]);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->seq, 1u);
  EXPECT_EQ(first->prev, std::string(64, '0'));
  EXPECT_EQ(second->prev, first->hash);
  EXPECT_EQ(second->record.who, "icm-1");
  EXPECT_EQ(second->record.action, "case.read");
  EXPECT_EQ(second->record.from, "127.0.0.1");
}

TEST(AuditChain, ChangingOneEntryIsFoundAtThatEntry) {
  ChainHead head;
  auto lines = chain_of(20, &head);
  const auto at = lines[7].find("icm-7");
  ASSERT_NE(at, std::string::npos);
  lines[7].replace(at, 5, "icm-9");  // someone rewrites who read the case
  const auto v = verify(lines, head);
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_broken(), 8u);  // 1-based
  EXPECT_NE(v.reason().find("hash"), std::string::npos) << v.reason();
}

TEST(AuditChain, ReplacingAnEntryWithAFreshlyHashedOneBreaksTheNext) {
  ChainHead head;
  auto lines = chain_of(10, &head);
  // A forger recomputes the hash of entry 4 with the same seq and prev.
  const auto orig = parse_entry(lines[3]);
  ASSERT_TRUE(orig);
  auto forged = next_entry({orig->seq - 1, orig->prev}, rec("icm-x", "case.read", "C00000009"));
  lines[3] = forged.line();
  const auto v = verify(lines, head);
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_broken(), 5u);
}

TEST(AuditChain, RemovingAnEntryIsFound) {
  ChainHead head;
  auto lines = chain_of(10, &head);
  lines.erase(lines.begin() + 4);
  const auto v = verify(lines, head);
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_broken(), 5u);
}

TEST(AuditChain, ACutOffTailIsFoundAgainstTheHead) {
  ChainHead head;
  auto lines = chain_of(10, &head);
  lines.resize(8);
  const auto v = verify(lines, head);
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_broken(), 9u);
}

TEST(AuditChain, GarbageIsNotAnEntry) {
  EXPECT_FALSE(parse_entry("not an entry"));
  EXPECT_FALSE(parse_entry(std::string(64, 'a') + " [1,2]"));
  ChainVerifier v;
  EXPECT_FALSE(v.add("junk"));
  EXPECT_EQ(v.first_broken(), 1u);
}

TEST(AuditChain, HeadRoundTrips) {
  ChainHead h{42, std::string(64, 'e')};
  EXPECT_EQ(ChainHead::parse(h.to_string()), h);
  EXPECT_FALSE(ChainHead::parse("42"));
  EXPECT_FALSE(ChainHead::parse("x " + std::string(64, 'e')));
}

}  // namespace
}  // namespace piket::web
