#include "piket/config/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "piket/common/time_format.hpp"

namespace piket::common {
namespace {

// The whole file is assembled by piket_config; its sections are their owners'.
using config::Config;
using config::load_config;
using config::parse_config;
using ingest::PartnerConfig;
using rota::ContactChannel;
using rota::PersonConfig;
using rota::StaffRole;

const std::string kFile = "deploy/test.toml";
const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');
const std::string kHashC(64, 'c');

// A file that sets every key the loader knows, each to a non-default value.
std::string full_config() {
  return R"(# piket test deployment
[deployment]
name = "test-deploy"

[clock]
mode = "simulated"
start = "2026-11-22T12:00:00+01:00"

[redis]
address = "10.1.2.3:6399"
timeout_ms = 500

[log]
format = "json"
level = "debug"
dir = "/var/log/piket"

[ingest]
http = "0.0.0.0:18080"
threads = 4

[dispatch]
http = "127.0.0.1:18081"
zmq = "tcp://127.0.0.1:17101"

[notify]
http = "127.0.0.1:18082"
zmq = "ipc:///tmp/piket-notify"
workers = 3
retry_initial_ms = 250
retry_max_ms = 60000
max_attempts = 5
in_doubt_grace_ms = 1000

[inbound]
http = "127.0.0.1:18083"
code_max_failures = 7
code_lock_minutes = 30

[kannel]
sendsms_url = "http://kannel.test:13013/cgi-bin/sendsms"
username = "piket"
sender = "+4411"
callback_base = "http://piket.test:18083"
dlr_mask = 7

[outbox]
resend_after_ms = 1500

[[regions]]
id = "groningen"
name = "Groningen"

[[regions]]
id = "drenthe"
name = "Drenthe"

[[partners]]
id = "police"
token_sha256 = ")" +
         kHashA + R"("
regions = ["groningen", "drenthe"]
rate_per_second = 2.5
burst = 10

[[partners]]
id = "veilig-thuis"
token_sha256 = ")" +
         kHashB + R"("
regions = ["drenthe"]

[[admins]]
id = "ops"
token_sha256 = ")" +
         kHashC + R"("

[[people]]
id = "anna"
name = "Anna de Vries"
role = "casemanager"
phone = "+31612345678"
regions = ["groningen"]
caseload_cap = 8

[[people]]
id = "bram"
name = "Bram Smit"
role = "casemanager"
phone = "+31612345679"
regions = ["groningen", "drenthe"]

[[people]]
id = "carla"
name = "Carla Bos"
role = "team_lead"
phone = "+447700900001"
regions = ["groningen"]

[rota]
file = "rota.toml"
coverage_days = 7
allow_gaps = true
handoff_notice_minutes = 30
gap_warning_hours = 24
)";
}

// The smallest valid file: [kannel] credentials, the rota file and one region.
const std::string kMinimalRota = "[rota]\nfile = \"/etc/piket/rota.toml\"\n\n";
std::string minimal_config(const std::string& extra = "") {
  return "[kannel]\nusername = \"u\"\n\n" + kMinimalRota + "[[regions]]\nid = \"groningen\"\n" +
         extra;
}

// 1-based number of the first line of `text` that contains `needle`.
int line_of(const std::string& text, const std::string& needle) {
  const auto pos = text.find(needle);
  EXPECT_NE(pos, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// Replaces the first occurrence of `from` (which must exist).
std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// The lines of the ConfigError that parsing `text` throws (empty if none).
std::vector<std::string> errors_of(const std::string& text) {
  try {
    parse_config(text, kFile);
  } catch (const ConfigError& e) {
    std::vector<std::string> lines;
    std::string s = e.what();
    std::size_t start = 0;
    while (start <= s.size()) {
      const auto nl = s.find('\n', start);
      lines.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return lines;
  }
  return {};
}

// Asserts that the only error is exactly "file:line: key: what" where line is
// the line holding `line_needle` and `what` contains `what_part`.
void expect_single_error(const std::string& text, const std::string& line_needle,
                         const std::string& key, const std::string& what_part) {
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  const std::string prefix =
      kFile + ":" + std::to_string(line_of(text, line_needle)) + ": " + key + ": ";
  EXPECT_EQ(errors[0].substr(0, prefix.size()), prefix) << errors[0];
  EXPECT_NE(errors[0].find(what_part, prefix.size()), std::string::npos) << errors[0];
}

TEST(ConfigTest, FullValidFileIsReadCompletely) {
  const Config c = parse_config(full_config(), kFile);
  EXPECT_EQ(c.file, kFile);
  EXPECT_EQ(c.deployment, "test-deploy");
  EXPECT_EQ(c.clock, ClockMode::simulated);
  EXPECT_EQ(c.simulated_start, parse_rfc3339("2026-11-22T11:00:00Z"));
  EXPECT_EQ(c.redis.address.host, "10.1.2.3");
  EXPECT_EQ(c.redis.address.port, 6399);
  EXPECT_EQ(c.redis.timeout, Millis{500});
  EXPECT_TRUE(c.log.json);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.dir, "/var/log/piket");
  EXPECT_EQ(c.ingest.http.host, "0.0.0.0");
  EXPECT_EQ(c.ingest.http.port, 18080);
  EXPECT_EQ(c.ingest.threads, 4);
  EXPECT_EQ(c.dispatch.http.port, 18081);
  EXPECT_EQ(c.dispatch.zmq_bind, "tcp://127.0.0.1:17101");
  EXPECT_EQ(c.notify.http.port, 18082);
  EXPECT_EQ(c.notify.zmq_bind, "ipc:///tmp/piket-notify");
  EXPECT_EQ(c.notify.workers, 3);
  EXPECT_EQ(c.notify.retry_initial, Millis{250});
  EXPECT_EQ(c.notify.retry_max, Millis{60000});
  EXPECT_EQ(c.notify.max_attempts, 5);
  EXPECT_EQ(c.notify.in_doubt_grace, Millis{1000});
  EXPECT_EQ(c.inbound.http.port, 18083);
  EXPECT_EQ(c.inbound.code_max_failures, 7);
  EXPECT_EQ(c.inbound.code_lock, std::chrono::minutes{30});
  EXPECT_EQ(c.kannel.sendsms_url, "http://kannel.test:13013/cgi-bin/sendsms");
  EXPECT_EQ(c.kannel.username, "piket");
  EXPECT_EQ(c.kannel.password, "") << "the sendsms password is a secret, not a config key";
  EXPECT_EQ(c.kannel.sender, "+4411");
  EXPECT_EQ(c.kannel.callback_base, "http://piket.test:18083");
  EXPECT_EQ(c.kannel.dlr_mask, 7);
  EXPECT_EQ(c.outbox.resend_after, Millis{1500});

  ASSERT_EQ(c.regions.size(), 2u);
  EXPECT_EQ(c.regions[0].id, "groningen");
  EXPECT_EQ(c.regions[0].name, "Groningen");
  EXPECT_EQ(c.regions[1].id, "drenthe");
  ASSERT_NE(c.region("drenthe"), nullptr);
  EXPECT_EQ(c.region("drenthe")->name, "Drenthe");
  EXPECT_EQ(c.region("utrecht"), nullptr);

  ASSERT_EQ(c.partners.size(), 2u);
  EXPECT_EQ(c.partners[0].id, "police");
  EXPECT_EQ(c.partners[0].token_sha256, kHashA);
  EXPECT_EQ(c.partners[0].regions, (std::vector<std::string>{"groningen", "drenthe"}));
  EXPECT_DOUBLE_EQ(c.partners[0].rate_per_second, 2.5);
  EXPECT_DOUBLE_EQ(c.partners[0].burst, 10);
  // Defaults where the file is silent.
  EXPECT_DOUBLE_EQ(c.partners[1].rate_per_second, PartnerConfig{}.rate_per_second);
  EXPECT_DOUBLE_EQ(c.partners[1].burst, PartnerConfig{}.burst);

  ASSERT_EQ(c.admins.size(), 1u);
  EXPECT_EQ(c.admins[0].id, "ops");
  EXPECT_EQ(c.admins[0].token_sha256, kHashC);

  ASSERT_EQ(c.people.size(), 3u);
  const PersonConfig* anna = c.person("anna");
  ASSERT_NE(anna, nullptr);
  EXPECT_EQ(anna->display_name, "Anna de Vries");
  EXPECT_EQ(anna->role, StaffRole::casemanager);
  EXPECT_EQ(anna->phone, "+31612345678");
  EXPECT_EQ(anna->caseload_cap, 8);
  EXPECT_EQ(c.person("bram")->caseload_cap, PersonConfig{}.caseload_cap);
  EXPECT_EQ(c.person("carla")->role, StaffRole::team_lead);
  EXPECT_EQ(c.person("nobody"), nullptr);

  // A relative rota file is beside this file.
  EXPECT_EQ(c.rota.file, std::filesystem::path("deploy/rota.toml"));
  EXPECT_EQ(c.rota.coverage_days, 7);
  EXPECT_TRUE(c.rota.allow_gaps);
  EXPECT_EQ(c.rota.handoff_notice, std::chrono::minutes{30});
  EXPECT_EQ(c.rota.gap_warning, std::chrono::hours{24});
}

TEST(ConfigTest, MinimalFileGetsDefaults) {
  const Config c = parse_config(minimal_config(), kFile);
  const Config d;
  EXPECT_EQ(c.clock, ClockMode::system);
  EXPECT_EQ(c.deployment, d.deployment);
  EXPECT_EQ(c.redis.address.port, d.redis.address.port);
  EXPECT_EQ(c.ingest.threads, d.ingest.threads);
  EXPECT_EQ(c.kannel.sendsms_url, d.kannel.sendsms_url);
  EXPECT_EQ(c.inbound.code_max_failures, 5);
  EXPECT_EQ(c.inbound.code_lock, std::chrono::minutes{15});
  EXPECT_TRUE(c.partners.empty());
  EXPECT_TRUE(c.people.empty());
  EXPECT_EQ(c.rota.file, std::filesystem::path("/etc/piket/rota.toml"));
  EXPECT_EQ(c.rota.coverage_days, d.rota.coverage_days);
  EXPECT_FALSE(c.rota.allow_gaps);
  EXPECT_EQ(c.rota.handoff_notice, std::chrono::minutes{60});
  EXPECT_EQ(c.rota.gap_warning, std::chrono::hours{72});
}

TEST(ConfigTest, UnknownTopLevelKey) {
  const auto text = minimal_config("\n[deploymint]\nname = \"x\"\n");
  expect_single_error(text, "[deploymint]", "deploymint", "unknown key");
}

TEST(ConfigTest, UnknownNestedKeyIsNamedWithItsTable) {
  const auto text = replace(full_config(), "threads = 4", "threads = 4\nthread_count = 4");
  expect_single_error(text, "thread_count", "ingest.thread_count", "unknown key");
}

TEST(ConfigTest, UnknownKeyInArrayOfTables) {
  const auto text = replace(full_config(), "caseload_cap = 8", "caseload_cap = 8\npager = \"a@b\"");
  expect_single_error(text, "pager =", "people.pager", "unknown key");
}

TEST(ConfigTest, WrongTypeInteger) {
  const auto text = replace(full_config(), "threads = 4", "threads = \"four\"");
  expect_single_error(text, "threads = \"four\"", "ingest.threads", "must be an integer");
}

TEST(ConfigTest, WrongTypeString) {
  const auto text = replace(full_config(), "username = \"piket\"", "username = 42");
  expect_single_error(text, "username = 42", "kannel.username", "must be a string");
}

TEST(ConfigTest, WrongTypeBooleanLikeNumber) {
  const auto text = replace(full_config(), "burst = 10", "burst = true");
  expect_single_error(text, "burst = true", "partners.burst", "must be a number");
}

TEST(ConfigTest, IntegerAboveRange) {
  const auto text = replace(full_config(), "threads = 4", "threads = 65");
  expect_single_error(text, "threads = 65", "ingest.threads", "between 1 and 64");
}

TEST(ConfigTest, IntegerBelowRange) {
  const auto text = replace(full_config(), "max_attempts = 5", "max_attempts = 0");
  expect_single_error(text, "max_attempts = 0", "notify.max_attempts", "between 1 and 100");
}

TEST(ConfigTest, IntegerRangeBoundsAreInclusive) {
  auto text = replace(full_config(), "threads = 4", "threads = 64");
  text = replace(text, "max_attempts = 5", "max_attempts = 1");
  const Config c = parse_config(text, kFile);
  EXPECT_EQ(c.ingest.threads, 64);
  EXPECT_EQ(c.notify.max_attempts, 1);
}

// ingest's load shedding (issue 13): defaults, bounds, a value taken.
TEST(ConfigTest, IngestQueueBoundsHaveDefaultsAndAreBounded) {
  const Config d = parse_config(full_config(), kFile);
  EXPECT_EQ(d.ingest.queue_limit, 256);
  EXPECT_EQ(d.ingest.queue_wait, Millis{1000});
  const auto set =
      replace(full_config(), "threads = 4", "threads = 4\nqueue_limit = 8\nqueue_wait_ms = 0");
  const Config c = parse_config(set, kFile);
  EXPECT_EQ(c.ingest.queue_limit, 8);
  EXPECT_EQ(c.ingest.queue_wait, Millis{0});
  expect_single_error(replace(full_config(), "threads = 4", "threads = 4\nqueue_limit = 0"),
                      "queue_limit = 0", "ingest.queue_limit", "between 1 and 10000");
  expect_single_error(replace(full_config(), "threads = 4", "threads = 4\nqueue_wait_ms = 60001"),
                      "queue_wait_ms = 60001", "ingest.queue_wait_ms", "between 0 and 60000");
}

// ingest's bounds on connections: defaults, bounds, values taken (0: no bound per address).
TEST(ConfigTest, IngestConnectionBoundsHaveDefaultsAndAreBounded) {
  const Config d = parse_config(full_config(), kFile);
  EXPECT_EQ(d.ingest.max_connections, 1024);
  EXPECT_EQ(d.ingest.max_connections_per_address, 256);
  const Config c =
      parse_config(replace(full_config(), "threads = 4",
                           "threads = 4\nmax_connections = 64\nmax_connections_per_address = 0"),
                   kFile);
  EXPECT_EQ(c.ingest.max_connections, 64);
  EXPECT_EQ(c.ingest.max_connections_per_address, 0);
  expect_single_error(replace(full_config(), "threads = 4", "threads = 4\nmax_connections = 0"),
                      "max_connections = 0", "ingest.max_connections", "between 1 and 100000");
  expect_single_error(
      replace(full_config(), "threads = 4", "threads = 4\nmax_connections_per_address = -1"),
      "max_connections_per_address = -1", "ingest.max_connections_per_address",
      "between 0 and 100000");
}

// The wrong-reply-code lock-out (issue 10): bounded both ways.
TEST(ConfigTest, ReplyCodeLockOutIsBounded) {
  expect_single_error(replace(full_config(), "code_max_failures = 7", "code_max_failures = 0"),
                      "code_max_failures = 0", "inbound.code_max_failures", "between 1 and 20");
  expect_single_error(replace(full_config(), "code_max_failures = 7", "code_max_failures = 21"),
                      "code_max_failures = 21", "inbound.code_max_failures", "between 1 and 20");
  expect_single_error(replace(full_config(), "code_lock_minutes = 30", "code_lock_minutes = 0"),
                      "code_lock_minutes = 0", "inbound.code_lock_minutes", "between 1 and 1440");
  expect_single_error(replace(full_config(), "code_lock_minutes = 30", "code_lock_minutes = 1441"),
                      "code_lock_minutes = 1441", "inbound.code_lock_minutes",
                      "between 1 and 1440");
  auto text = replace(full_config(), "code_max_failures = 7", "code_max_failures = 20");
  text = replace(text, "code_lock_minutes = 30", "code_lock_minutes = 1");
  const Config c = parse_config(text, kFile);
  EXPECT_EQ(c.inbound.code_max_failures, 20);
  EXPECT_EQ(c.inbound.code_lock, std::chrono::minutes{1});
}

// SMS bundling (issue 11): a window of 0-60000 ms, 3000 by default, 0 turns it off.
TEST(ConfigTest, BundleWindowIsBoundedAndDefaultsToThreeSeconds) {
  EXPECT_EQ(parse_config(full_config(), kFile).notify.bundle_window, std::chrono::seconds{3});
  const auto with = [](const std::string& v) {
    return replace(full_config(), "in_doubt_grace_ms = 1000",
                   "in_doubt_grace_ms = 1000\nbundle_window_ms = " + v);
  };
  EXPECT_EQ(parse_config(with("0"), kFile).notify.bundle_window, std::chrono::milliseconds{0});
  EXPECT_EQ(parse_config(with("60000"), kFile).notify.bundle_window, std::chrono::minutes{1});
  expect_single_error(with("60001"), "bundle_window_ms = 60001", "notify.bundle_window_ms",
                      "between 0 and 60000");
  expect_single_error(with("-1"), "bundle_window_ms = -1", "notify.bundle_window_ms",
                      "between 0 and 60000");
}

// Sending in batches (issue 14, docs/paging.md "Sending"): up to 16 deliveries a claim,
// 4 gateway connections per worker by default; both bounded.
TEST(ConfigTest, ClaimBatchAndGatewayConnectionsAreBounded) {
  const Config d = parse_config(full_config(), kFile);
  EXPECT_EQ(d.notify.claim_batch, 16);
  EXPECT_EQ(d.notify.gateway_connections, 4);
  const auto with = [](const std::string& line) {
    return replace(full_config(), "in_doubt_grace_ms = 1000", "in_doubt_grace_ms = 1000\n" + line);
  };
  EXPECT_EQ(parse_config(with("claim_batch = 1"), kFile).notify.claim_batch, 1);
  EXPECT_EQ(parse_config(with("claim_batch = 256"), kFile).notify.claim_batch, 256);
  EXPECT_EQ(parse_config(with("gateway_connections = 32"), kFile).notify.gateway_connections, 32);
  expect_single_error(with("claim_batch = 0"), "claim_batch = 0", "notify.claim_batch",
                      "between 1 and 256");
  expect_single_error(with("claim_batch = 257"), "claim_batch = 257", "notify.claim_batch",
                      "between 1 and 256");
  expect_single_error(with("gateway_connections = 0"), "gateway_connections = 0",
                      "notify.gateway_connections", "between 1 and 32");
  expect_single_error(with("gateway_connections = 33"), "gateway_connections = 33",
                      "notify.gateway_connections", "between 1 and 32");
}

// A send in doubt waits for its worker's record (issue 13, docs/paging.md "No duplicates"):
// 5 s by default, 0-600000 ms; the worker records for up to 120 s past the lease, 0-3600000.
TEST(ConfigTest, InDoubtConfirmAndRecordRetryAreBounded) {
  const Config d = parse_config(full_config(), kFile);
  EXPECT_EQ(d.notify.in_doubt_confirm, std::chrono::seconds{5});
  EXPECT_EQ(d.notify.record_retry, std::chrono::minutes{2});
  const auto with = [](const std::string& line) {
    return replace(full_config(), "in_doubt_grace_ms = 1000", "in_doubt_grace_ms = 1000\n" + line);
  };
  EXPECT_EQ(parse_config(with("in_doubt_confirm_ms = 0"), kFile).notify.in_doubt_confirm,
            std::chrono::milliseconds{0});
  EXPECT_EQ(parse_config(with("record_retry_ms = 3600000"), kFile).notify.record_retry,
            std::chrono::hours{1});
  expect_single_error(with("in_doubt_confirm_ms = 600001"), "in_doubt_confirm_ms = 600001",
                      "notify.in_doubt_confirm_ms", "between 0 and 600000");
  expect_single_error(with("record_retry_ms = -1"), "record_retry_ms = -1",
                      "notify.record_retry_ms", "between 0 and 3600000");
}

// Redis Sentinel and durable answers (issue 13, docs/availability.md): optional; without
// them the services use `address` and answer without waiting for replicas (today's default).
TEST(ConfigTest, RedisSentinelsAndMinReplicas) {
  const Config d = parse_config(full_config(), kFile);
  EXPECT_TRUE(d.redis.sentinels.empty());
  EXPECT_EQ(d.redis.master_name, "piket");
  EXPECT_EQ(d.redis.min_replicas, 0);
  EXPECT_EQ(d.redis.replica_wait, Millis{1000});
  const auto with = [](const std::string& lines) {
    return replace(full_config(), "timeout_ms = 500", "timeout_ms = 500\n" + lines);
  };
  const Config c = parse_config(
      with("sentinels = [\"10.0.0.1:26379\", \"sentinel-b:26380\"]\nmaster_name = \"main\"\n"
           "min_replicas = 1\nreplica_wait_ms = 250"),
      kFile);
  ASSERT_EQ(c.redis.sentinels.size(), 2u);
  EXPECT_EQ(c.redis.sentinels[0].host, "10.0.0.1");
  EXPECT_EQ(c.redis.sentinels[0].port, 26379);
  EXPECT_EQ(c.redis.sentinels[1].host, "sentinel-b");
  EXPECT_EQ(c.redis.sentinels[1].port, 26380);
  EXPECT_EQ(c.redis.master_name, "main");
  EXPECT_EQ(c.redis.min_replicas, 1);
  EXPECT_EQ(c.redis.replica_wait, Millis{250});

  expect_single_error(with("master_name = \"main\""), "master_name", "redis.master_name",
                      "needs redis.sentinels");
  expect_single_error(with("sentinels = [\"no-port\"]"), "sentinels", "redis.sentinels[0]",
                      "HOST:PORT");
  expect_single_error(with("sentinels = [\"h:0\"]"), "sentinels", "redis.sentinels",
                      "port must be 1-65535");
  expect_single_error(with("min_replicas = 17"), "min_replicas", "redis.min_replicas",
                      "between 0 and 16");
  expect_single_error(with("replica_wait_ms = 5"), "replica_wait_ms", "redis.replica_wait_ms",
                      "between 10 and 60000");
}

TEST(ConfigTest, PortOutOfRange) {
  const auto text = replace(full_config(), "10.1.2.3:6399", "10.1.2.3:70000");
  expect_single_error(text, "10.1.2.3:70000", "redis.address", "port must be 1-65535");
  // Digits only (common::parse_host_port): "63a" is not read as port 63.
  expect_single_error(replace(full_config(), "10.1.2.3:6399", "10.1.2.3:63a"), "10.1.2.3:63a",
                      "redis.address", "port must be 1-65535");
}

TEST(ConfigTest, BadE164Phone) {
  for (const std::string bad :
       {"0612345678", "+0612345678", "+31 6 1234 5678", "+31", "31612345678"}) {
    SCOPED_TRACE(bad);
    const auto text = replace(full_config(), "\"+31612345679\"", "\"" + bad + "\"");
    expect_single_error(text, "phone = \"" + bad + "\"", "people.phone", "E.164");
  }
}

TEST(ConfigTest, PartnerReferencesUnknownRegion) {
  const auto text = replace(full_config(), "regions = [\"drenthe\"]\n\n[[admins]]",
                            "regions = [\"drenthe\", \"utrecht\"]\n\n[[admins]]");
  expect_single_error(text, "\"utrecht\"", "partners.regions", "unknown region utrecht");
}

TEST(ConfigTest, PersonReferencesUnknownRegion) {
  const auto text = replace(full_config(), "regions = [\"groningen\", \"drenthe\"]\n\n[[people]]",
                            "regions = [\"friesland\"]\n\n[[people]]");
  expect_single_error(text, "\"friesland\"", "people.regions", "unknown region friesland");
}

TEST(ConfigTest, BadSha256) {
  const std::vector<std::string> bad = {
      std::string(63, 'a'),        // too short
      std::string(65, 'a'),        // too long
      std::string(64, 'A'),        // upper case
      std::string(63, 'a') + "g",  // not hex
      "s3cret-plain-token",        // the token itself, not its hash
  };
  for (const auto& b : bad) {
    SCOPED_TRACE(b);
    const auto text = replace(full_config(), kHashB, b);
    expect_single_error(text, "token_sha256 = \"" + b + "\"", "partners.token_sha256",
                        "64 lower-case hex digits");
  }
  const auto admin = replace(full_config(), kHashC, "xyz");
  expect_single_error(admin, "\"xyz\"", "admins.token_sha256", "64 lower-case hex digits");
}

TEST(ConfigTest, DuplicateRegionId) {
  const auto text = minimal_config("\n[[regions]]\nid = \"groningen\"\n");
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(std::regex_match(errors[0], std::regex{"deploy/test\\.toml:[0-9]+: regions\\.id: "
                                                     "duplicate region groningen"}))
      << errors[0];
}

TEST(ConfigTest, DuplicatePartnerId) {
  const auto text = replace(full_config(), "id = \"veilig-thuis\"", "id = \"police\"");
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(std::regex_match(
      errors[0], std::regex{"deploy/test\\.toml:[0-9]+: partners\\.id: duplicate partner police"}))
      << errors[0];
}

TEST(ConfigTest, DuplicatePersonId) {
  // bram becomes a second anna. (The rota file's reference to bram fails when
  // dispatch loads it: tests/rota/rota_file_test.cpp, "unknown person".)
  const auto text = replace(full_config(), "id = \"bram\"", "id = \"anna\"");
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(std::regex_match(
      errors[0], std::regex{"deploy/test\\.toml:[0-9]+: people\\.id: duplicate person anna"}))
      << errors[0];
}

TEST(ConfigTest, DuplicateAdminId) {
  const auto text = full_config() + "\n[[admins]]\nid = \"ops\"\ntoken_sha256 = \"" +
                    std::string(64, 'd') + "\"\n";
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(std::regex_match(
      errors[0], std::regex{"deploy/test\\.toml:[0-9]+: admins\\.id: duplicate admin ops"}))
      << errors[0];
}

TEST(ConfigTest, SameTokenHashForTwoPrincipals) {
  // A shared token would make one partner post (and read) as another.
  const auto partner_twice = replace(full_config(), kHashB, kHashA);
  auto errors = errors_of(partner_twice);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  const std::string prefix =
      kFile + ":" + std::to_string(line_of(replace(full_config(), kHashB, "HASH-B"), "HASH-B")) +
      ": partners.token_sha256: ";
  EXPECT_EQ(errors[0].substr(0, prefix.size()), prefix) << errors[0];

  const auto admin_as_partner = replace(full_config(), kHashC, kHashA);
  errors = errors_of(admin_as_partner);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("admins.token_sha256: "), std::string::npos) << errors[0];
}

TEST(ConfigTest, MissingKannelTable) {
  const auto text = kMinimalRota + "[[regions]]\nid = \"groningen\"\n";
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(std::regex_match(
      errors[0], std::regex{"deploy/test\\.toml:[0-9]+: kannel: required table is missing"}))
      << errors[0];
}

TEST(ConfigTest, KannelPasswordInTheFileIsRefusedAndPointsToTheSecret) {
  const auto text = replace(full_config(), "username = \"piket\"\n",
                            "username = \"piket\"\npassword = \"s3cret\"\n");
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(std::regex_match(
      errors[0], std::regex{"deploy/test\\.toml:[0-9]+: kannel\\.password: secrets are not kept "
                            "in this file; .*kannel-sendsms\\.password.*"}))
      << errors[0];
}

TEST(ConfigTest, NoRegions) {
  const auto errors = errors_of("[kannel]\nusername = \"u\"\n" + kMinimalRota);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find(": regions: at least one [[regions]] is required"), std::string::npos)
      << errors[0];
}

// Every deployment has a rota file: the walking skeleton's simple rota is gone.
TEST(ConfigTest, TheRotaFileIsRequired) {
  const auto without = "[kannel]\nusername = \"u\"\n\n[[regions]]\nid = \"groningen\"\n";
  auto errors = errors_of(without);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_TRUE(
      std::regex_match(errors[0], std::regex{"deploy/test\\.toml:[0-9]+: rota\\.file: required: .*"
                                             "\\[rota\\] file = .*docs/rota-file\\.md.*"}))
      << errors[0];
  const auto no_file =
      replace(minimal_config(), "file = \"/etc/piket/rota.toml\"\n", "coverage_days = 7\n");
  expect_single_error(no_file, "[rota]", "rota.file", "required key is missing");
}

TEST(ConfigTest, TheSimpleRotaIsRefusedWithAPointerToTheRotaFile) {
  const auto text = minimal_config(
      "\n[[rotas]]\nregion = \"groningen\"\nprimary = [\"anna\"]\n"
      "anchor = \"2026-11-22T08:00:00+01:00\"\nshift_hours = 24\nteam_lead = \"carla\"\n");
  expect_single_error(text, "[[rotas]]", "rotas",
                      "use a rota file ([rota] file = \"rota.toml\", docs/rota-file.md)");
}

TEST(ConfigTest, BadTimestamp) {
  const auto text = replace(full_config(), "start = \"2026-11-22T12:00:00+01:00\"",
                            "start = \"2026-11-22 12:00\"");
  expect_single_error(text, "start = ", "clock.start", "RFC 3339");
}

TEST(ConfigTest, SimulatedClockNeedsStart) {
  const auto text = replace(full_config(), "start = \"2026-11-22T12:00:00+01:00\"\n", "");
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find(": clock.start: required key is missing"), std::string::npos);
}

// Two instances of dispatch and notify: each binds its own `zmq`; the senders
// connect to every instance listed in `zmq_peers`.
TEST(ConfigTest, ZmqPeersListEveryReceiverInstance) {
  auto text = replace(full_config(), "zmq = \"tcp://127.0.0.1:17101\"",
                      "zmq = \"tcp://127.0.0.1:17101\"\nzmq_peers = [\"tcp://10.0.0.1:7101\", "
                      "\"tcp://10.0.0.2:7101\"]");
  const auto c = parse_config(text, kFile);
  EXPECT_EQ(c.dispatch.zmq_bind, "tcp://127.0.0.1:17101");
  EXPECT_EQ(c.dispatch.zmq_peers,
            (std::vector<std::string>{"tcp://10.0.0.1:7101", "tcp://10.0.0.2:7101"}));
  EXPECT_TRUE(c.notify.zmq_peers.empty());
  expect_single_error(replace(full_config(), "zmq = \"tcp://127.0.0.1:17101\"",
                              "zmq = \"tcp://127.0.0.1:17101\"\nzmq_peers = [\"10.0.0.1:7101\"]"),
                      "zmq_peers", "dispatch.zmq_peers[0]", "a ZeroMQ endpoint");
  expect_single_error(replace(full_config(), "zmq = \"tcp://127.0.0.1:17101\"",
                              "zmq = \"tcp://127.0.0.1:17101\"\nzmq_peers = []"),
                      "zmq_peers", "dispatch.zmq_peers", "1 to 16");
  expect_single_error(
      replace(full_config(), "zmq = \"ipc:///tmp/piket-notify\"",
              "zmq = \"ipc:///tmp/piket-notify\"\nzmq_peers = [\"tcp://a:1\", \"tcp://a:1\"]"),
      "zmq_peers", "notify.zmq_peers", "twice");
}

TEST(ConfigTest, EveryErrorIsReportedInOneRun) {
  auto text = full_config();
  text = replace(text, "threads = 4", "threads = 0");             // range
  text = replace(text, "level = \"debug\"", "level = \"loud\"");  // enum
  text = replace(text, "\"+31612345678\"", "\"0612345678\"");     // phone
  text = replace(text, kHashB, "nothex");                         // sha256
  text = replace(text, "regions = [\"drenthe\"]\n\n[[admins]]",
                 "regions = [\"zeeland\"]\n\n[[admins]]");                 // reference
  text = replace(text, "dlr_mask = 7", "dlr_mask = 7\ncolour = \"red\"");  // unknown key
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 6u) << ::testing::PrintToString(errors);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"threads = 0", "ingest.threads"},   {"level = \"loud\"", "log.level"},
      {"\"0612345678\"", "people.phone"},  {"nothex", "partners.token_sha256"},
      {"\"zeeland\"", "partners.regions"}, {"colour", "kannel.colour"},
  };
  for (const auto& [needle, key] : expected) {
    const std::string prefix =
        kFile + ":" + std::to_string(line_of(text, needle)) + ": " + key + ": ";
    const bool found = std::any_of(errors.begin(), errors.end(), [&](const std::string& e) {
      return e.substr(0, prefix.size()) == prefix;
    });
    EXPECT_TRUE(found) << "no error starting with " << prefix << " in "
                       << ::testing::PrintToString(errors);
  }
}

TEST(ConfigTest, TomlSyntaxErrorNamesFileAndLine) {
  const std::string text = minimal_config("\n[ingest]\nthreads = = 4\n");
  try {
    parse_config(text, kFile);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string prefix = kFile + ":" + std::to_string(line_of(text, "threads = =")) + ": ";
    EXPECT_EQ(std::string(e.what()).substr(0, prefix.size()), prefix) << e.what();
  }
}

TEST(ConfigTest, LoadConfigOfMissingFileNamesIt) {
  try {
    load_config("/nonexistent/piket.toml");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/piket.toml"), std::string::npos);
  }
}

// [family] (issue 18): the policy for a family's unacknowledged message, with bounds.
TEST(ConfigTest, FamilyPolicyHasDefaultsAndBounds) {
  const auto d = parse_config(minimal_config(), kFile);
  EXPECT_EQ(d.family.urgent, std::chrono::hours{1});
  EXPECT_EQ(d.family.morning_hour, 9);
  EXPECT_EQ(d.family.longest, std::chrono::hours{24});
  const auto c = parse_config(
      minimal_config("[family]\nurgent_minutes = 30\nmorning_hour = 8\nlongest_hours = 12\n"),
      kFile);
  EXPECT_EQ(c.family.urgent, std::chrono::minutes{30});
  EXPECT_EQ(c.family.morning_hour, 8);
  EXPECT_EQ(c.family.longest, std::chrono::hours{12});
  for (const std::string bad : {"urgent_minutes = 4", "morning_hour = 24", "longest_hours = 25",
                                "urgent_minutes = 241", "nonsense = 1"}) {
    const auto e = errors_of(minimal_config("[family]\n" + bad + "\n"));
    ASSERT_EQ(e.size(), 1u) << bad;
    EXPECT_NE(e[0].find("family."), std::string::npos) << e[0];
  }
}

}  // namespace
}  // namespace piket::common
