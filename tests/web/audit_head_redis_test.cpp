// Anchoring the audit chain's head (docs/web.md, "Anchoring the head"),
// against a private redis-server (label redis): piket-web's log line of the
// head reads back from a journal line (JSON or text); a chain rewritten
// after a head was written out — re-hashed consistently, so that
// verify_audit_log still finds it intact — or cut short fails
// check_exported_heads, and so `piket-audit verify --heads`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/store/audit.hpp"
#include "piket/web/audit_chain.hpp"
#include "piket/web/audit_log.hpp"
#include "private_redis.hpp"
#include "temp_dir.hpp"

namespace piket::web {
namespace {

using ::piket::test::PrivateRedis;

AuditRecord rec(int i) {
  AuditRecord r;
  r.who = "icm-" + std::to_string(i % 3);
  r.role = "casemanager";
  r.action = "case.read";
  r.target = "C0000000" + std::to_string(i % 10);
  r.outcome = i == 3 ? "refused" : "allowed";
  r.reason = i == 3 ? "not your case" : "";
  r.from = "127.0.0.1";
  return r;
}

TEST(AuditHeadLine, ReadsBackFromTextAndJsonLogLines) {
  const ChainHead head{1204, std::string(64, 'a')};
  const auto line = audit_head_line(head);
  EXPECT_EQ(line, "audit_head seq=1204 hash=" + std::string(64, 'a'));
  EXPECT_EQ(find_audit_head(line), head);
  EXPECT_EQ(find_audit_head("2026-12-05T10:00:00.000Z info  web: " + line), head);
  EXPECT_EQ(find_audit_head(R"({"ts":"2026-12-05T10:00:00.000Z","level":"info","service":"web",)"
                            R"("pid":7,"msg":")" +
                            line + "\"}"),
            head);
  EXPECT_EQ(find_audit_head("web app on http://127.0.0.1:8084"), std::nullopt);
  EXPECT_EQ(find_audit_head("audit_head seq=x hash=" + std::string(64, 'a')), std::nullopt);
  EXPECT_EQ(find_audit_head("audit_head seq=3 hash=abc"), std::nullopt);
}

class AuditHeadRedis : public ::testing::Test {
 protected:
  PrivateRedis redis_{"piket-audit-head"};
  common::RedisConnection ops_{redis_.config()};
  common::RedisPool web_{redis_.config_as("web")};
  common::SystemClock clock_;

  void SetUp() override { ops_.command({"FLUSHALL"}); }

  // Appends entries from..to-1 as piket-web does (Redis user web).
  void append(int from, int to) {
    AuditLog log(web_, clock_, clock_);
    for (int i = from; i < to; ++i) log.append(rec(i));
  }
  // What piket-web writes out: its head line, read back as from the journal.
  ChainHead written_out() {
    auto lease = web_.lease();
    return *find_audit_head(audit_head_line(read_audit_head(*lease)));
  }
  std::vector<std::string> lines() {
    return ops_.command({"LRANGE", std::string(store::kAuditLog), "0", "-1"}).element_strings();
  }
  // Someone with the operator's access replaces the chain by `records`, every
  // entry re-hashed and chained, and moves the head: a consistent forgery.
  void rewrite(const std::vector<AuditRecord>& records) {
    ChainHead head;
    std::vector<std::string> cmd{"RPUSH", std::string(store::kAuditLog)};
    for (const auto& r : records) {
      const auto e = next_entry(head, r);
      cmd.push_back(e.line());
      head = {e.seq, e.hash};
    }
    ops_.command({"DEL", std::string(store::kAuditLog)});
    ops_.command(cmd);
    ops_.command({"SET", std::string(store::kAuditHead), head.to_string()});
  }
  std::vector<AuditRecord> records() {
    std::vector<AuditRecord> out;
    for (const auto& l : lines()) out.push_back(parse_entry(l)->record);
    return out;
  }
};

TEST_F(AuditHeadRedis, HeadsWrittenOutMatchAnUntouchedChain) {
  {
    auto lease = web_.lease();
    EXPECT_EQ(read_audit_head(*lease), ChainHead{}) << "an empty chain's head is seq 0";
  }
  append(0, 4);
  const auto first = written_out();
  append(4, 9);
  const auto second = written_out();
  EXPECT_EQ(first.seq, 4u);
  EXPECT_EQ(second.seq, 9u);
  const auto check = check_exported_heads(ops_, {ChainHead{}, first, second, first});
  EXPECT_TRUE(check.ok()) << *check.problem;
  EXPECT_EQ(check.checked, 2u) << "seq 0 and repeats are skipped";
}

TEST_F(AuditHeadRedis, AConsistentRewriteIsFoundOnlyAgainstTheHeadsWrittenOut) {
  append(0, 6);
  const auto early = written_out();
  append(6, 10);
  const auto late = written_out();

  // Entry 4 (the refusal) is made "allowed" and everything re-hashed from it on.
  auto forged = records();
  ASSERT_EQ(forged.size(), 10u);
  forged[3].outcome = "allowed";
  forged[3].reason = "";
  rewrite(forged);

  const auto v = verify_audit_log(ops_);
  EXPECT_TRUE(v.ok()) << "the forgery is consistent: the chain alone cannot show it";
  const auto check = check_exported_heads(ops_, {early, late});
  ASSERT_FALSE(check.ok());
  EXPECT_NE(check.problem->find("entry 6"), std::string::npos) << *check.problem;
  EXPECT_NE(check.problem->find("rewritten"), std::string::npos) << *check.problem;
}

TEST_F(AuditHeadRedis, AChainCutShortIsFound) {
  append(0, 8);
  const auto head = written_out();
  auto kept = records();
  kept.resize(5);  // the last three entries go, the head is moved back
  rewrite(kept);
  EXPECT_TRUE(verify_audit_log(ops_).ok());
  const auto check = check_exported_heads(ops_, {head});
  ASSERT_FALSE(check.ok());
  EXPECT_NE(check.problem->find("ends at entry 5"), std::string::npos) << *check.problem;
}

// piket-audit verify --heads, on a deployment file: the example production
// one (deploy/production) pointed at this Redis and its secrets.
TEST_F(AuditHeadRedis, PiketAuditVerifyWithHeadsReportsARewrite) {
  append(0, 5);
  test::TempDir dir("piket-audit-heads");
  const auto production = std::filesystem::path(PIKET_SOURCE_DIR) / "deploy/production";
  std::ifstream in(production / "piket.toml");
  std::ostringstream text;
  for (std::string line; std::getline(in, line);) {
    // One Redis without sentinels or replicas here, and no TLS files.
    bool other_machine = false;
    for (const char* key :
         {"sentinels =", "master_name =", "min_replicas =", "replica_wait_ms =", "tls_cert =",
          "tls_key =", "client_ca =", "require_client_cert =", "cert_sha256 ="})
      other_machine = other_machine || line.starts_with(key);
    if (other_machine) continue;
    if (line.starts_with("address = "))
      line = "address = \"127.0.0.1:" + std::to_string(redis_.config().address.port) + "\"";
    if (line.starts_with("dir = ")) line = "dir = \"" + redis_.secrets_dir().string() + "\"";
    if (line.starts_with("file = "))
      line = "file = \"" + (production / "rota.toml").string() + "\"";
    text << line << "\n";
  }
  std::ofstream(dir / "piket.toml") << text.str();
  // What the journal holds: piket-web's JSON lines, one of them the head.
  std::ofstream(dir / "heads.log")
      << R"({"ts":"2026-12-05T10:00:00.000Z","level":"info","service":"web","pid":7,"msg":"web app on http://0.0.0.0:8444"})"
      << "\n"
      << R"({"ts":"2026-12-05T10:00:30.000Z","level":"info","service":"web","pid":7,"msg":")"
      << audit_head_line(written_out()) << "\"}\n";
  auto run = [&](std::string& out) {
    const auto cmd = std::string(PIKET_AUDIT_BIN) + " verify --config " +
                     (dir / "piket.toml").string() + " --heads " + (dir / "heads.log").string() +
                     " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    out.clear();
    while (fgets(buf, sizeof buf, p)) out += buf;
    return WEXITSTATUS(pclose(p));
  };
  std::string out;
  EXPECT_EQ(run(out), 0) << out;
  EXPECT_NE(out.find("1 heads written out earlier are in it"), std::string::npos) << out;

  auto forged = records();
  forged[3].outcome = "allowed";
  rewrite(forged);
  EXPECT_EQ(run(out), 1) << out;
  EXPECT_NE(out.find("audit chain REWRITTEN"), std::string::npos) << out;
}

}  // namespace
}  // namespace piket::web
