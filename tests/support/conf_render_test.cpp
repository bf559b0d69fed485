// Unit tests: redis.conf and kannel.conf rendering.

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "piket/launch/kannel.hpp"
#include "piket/launch/redis_server.hpp"

namespace piket::launch {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines_of(text)) {
    if (l == line) return true;
  }
  return false;
}

// ---------------------------------------------------------------- redis

RedisServerConfig redis_config() {
  return {6390, "/var/lib/piket/redis"};
}

TEST(RedisConf, HasDurabilityAndIsolationSettings) {
  const std::string conf = render_redis_conf(redis_config());
  for (const char* expected :
       {"port 6390", "bind 127.0.0.1", "protected-mode no", "daemonize no", "logfile \"\"",
        "dir \"/var/lib/piket/redis\"", "appendonly yes", "appendfsync always", "save \"\""}) {
    EXPECT_TRUE(has_line(conf, expected)) << "missing line: " << expected << "\n" << conf;
  }
}

TEST(RedisConf, WithUsersProtectedModeAclFileAndAMemoryLimitThatRefusesInsteadOfEvicting) {
  auto c = redis_config();
  c.users = {{"ops", "pw", "~* &* +@all"}};
  c.maxmemory_bytes = 256ULL * 1024 * 1024;
  const std::string conf = render_redis_conf(c);
  for (const char* expected :
       {"protected-mode yes", "aclfile \"/var/lib/piket/redis/users.acl\"", "maxmemory 268435456",
        "maxmemory-policy noeviction", "enable-debug-command no", "enable-module-command no"}) {
    EXPECT_TRUE(has_line(conf, expected)) << "missing line: " << expected << "\n" << conf;
  }
  EXPECT_FALSE(has_line(conf, "protected-mode no"));
}

TEST(RedisConf, TheDefaultUserHasAPasswordNobodyKnowsAndServicesTheirRules) {
  const auto acl = render_redis_acl(
      {{"ops", "ops-pw", "~* &* +@all"}, {"notify", "notify-pw", "~* resetchannels -@all +get"}});
  const auto lines = lines_of(acl);
  ASSERT_EQ(lines.size(), 3u) << acl;
  EXPECT_EQ(lines[0].rfind("user default on #", 0), 0u) << lines[0];
  EXPECT_EQ(lines[0].find("nopass"), std::string::npos);
  EXPECT_EQ(lines[2].rfind("user notify on #", 0), 0u);
  EXPECT_NE(lines[2].find(" ~* resetchannels -@all +get"), std::string::npos);
  // Passwords only as SHA-256: neither the passwords nor a '>' (clear-text) rule.
  EXPECT_EQ(acl.find("notify-pw"), std::string::npos);
  EXPECT_EQ(acl.find('>'), std::string::npos);
  // The default user's random password differs each time.
  EXPECT_NE(lines_of(render_redis_acl({}))[0], lines_of(render_redis_acl({}))[0]);
}

TEST(RedisConf, EveryLineIsACommentOrADirective) {
  for (const auto& line : lines_of(render_redis_conf(redis_config()))) {
    ASSERT_FALSE(line.empty());
    if (line[0] == '#') continue;
    EXPECT_NE(line.find(' '), std::string::npos) << line;
  }
}

TEST(RedisConf, RejectsInvalidConfig) {
  EXPECT_THROW(render_redis_conf({0, "/tmp/x"}), std::invalid_argument);
  EXPECT_THROW(render_redis_conf({6390, "relative/dir"}), std::invalid_argument);
  EXPECT_THROW(render_redis_conf({6390, "/tmp/with\"quote"}), std::invalid_argument);
  EXPECT_THROW(render_redis_conf({6390, "/tmp/with\nnewline"}), std::invalid_argument);
}

// ---------------------------------------------------------------- kannel

KannelConfig kannel_config() {
  KannelConfig c;
  c.admin_port = 14000;
  c.smsbox_port = 14001;
  c.sendsms_port = 14013;
  c.smsc_port = 14010;
  c.username = "piket";
  c.password = "s3cret";
  c.get_url = "http://127.0.0.1:8080/kannel/sms?from=%p&to=%P&text=%a";
  c.data_dir = "/var/lib/piket/kannel";
  c.admin_password = "AdminSecret0123";
  return c;
}

using Group = std::map<std::string, std::string>;

// Kannel's format: groups separated by blank lines, "key = value" lines, '#' comments.
std::vector<std::pair<std::string, Group>> parse_groups(const std::string& conf) {
  std::vector<std::pair<std::string, Group>> groups;
  bool in_group = false;
  for (const auto& line : lines_of(conf)) {
    if (line.empty()) {
      in_group = false;
      continue;
    }
    if (line[0] == '#') continue;
    const auto eq = line.find(" = ");
    EXPECT_NE(eq, std::string::npos) << "not a 'key = value' line: " << line;
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 3);
    if (key == "group") {
      EXPECT_FALSE(in_group) << "group '" << value << "' starts without a blank line before it";
      groups.emplace_back(value, Group{});
      in_group = true;
      continue;
    }
    EXPECT_TRUE(in_group) << "key outside a group (or after a blank line): " << line;
    if (!in_group) continue;
    EXPECT_EQ(groups.back().second.count(key), 0U) << "duplicate key " << key;
    groups.back().second[key] = value;
  }
  return groups;
}

TEST(KannelConf, HasTheFiveGroupsInOrder) {
  const auto groups = parse_groups(render_kannel_conf(kannel_config()));
  std::vector<std::string> names;
  for (const auto& [name, keys] : groups) names.push_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"core", "smsc", "smsbox", "sendsms-user", "sms-service"}));
}

TEST(KannelConf, GroupsHaveTheExpectedSettings) {
  const auto groups = parse_groups(render_kannel_conf(kannel_config()));
  ASSERT_EQ(groups.size(), 5U);
  const Group& core = groups[0].second;
  EXPECT_EQ(core.at("admin-port"), "14000");
  EXPECT_EQ(core.at("admin-interface"), "\"127.0.0.1\"");
  EXPECT_EQ(core.at("admin-password"), "\"AdminSecret0123\"");
  EXPECT_EQ(core.at("status-password"), "\"AdminSecret0123\"");
  EXPECT_EQ(core.at("admin-allow-ip"), "\"127.0.0.1\"");
  EXPECT_EQ(core.at("smsbox-port"), "14001");
  EXPECT_EQ(core.at("smsbox-interface"), "\"127.0.0.1\"");
  EXPECT_EQ(core.at("box-deny-ip"), "\"*.*.*.*\"");
  EXPECT_EQ(core.at("box-allow-ip"), "\"127.0.0.1\"");
  EXPECT_EQ(core.at("store-type"), "spool");
  EXPECT_EQ(core.at("store-location"), "\"/var/lib/piket/kannel/spool\"");
  EXPECT_EQ(core.at("dlr-storage"), "internal");
  EXPECT_EQ(core.at("log-file"), "\"/var/lib/piket/kannel/bearerbox.log\"");
  EXPECT_EQ(core.at("log-level"), "0");

  const Group& smsc = groups[1].second;
  EXPECT_EQ(smsc.at("smsc"), "fake");
  EXPECT_EQ(smsc.at("smsc-id"), "\"fake\"");
  EXPECT_EQ(smsc.at("port"), "14010");
  EXPECT_EQ(smsc.at("our-host"), "\"127.0.0.1\"");
  EXPECT_EQ(smsc.at("connect-allow-ip"), "\"127.0.0.1\"");

  const Group& smsbox = groups[2].second;
  EXPECT_EQ(smsbox.at("bearerbox-host"), "\"127.0.0.1\"");
  EXPECT_EQ(smsbox.at("bearerbox-port"), "14001");
  EXPECT_EQ(smsbox.at("sendsms-port"), "14013");
  EXPECT_EQ(smsbox.at("sendsms-interface"), "\"127.0.0.1\"");
  EXPECT_EQ(smsbox.at("log-file"), "\"/var/lib/piket/kannel/smsbox.log\"");
  EXPECT_EQ(smsbox.at("http-request-retry"), "30");
  EXPECT_EQ(smsbox.at("http-queue-delay"), "1");

  const Group& user = groups[3].second;
  EXPECT_EQ(user.at("username"), "\"piket\"");
  EXPECT_EQ(user.at("password"), "\"s3cret\"");
  // 0 would make Kannel 1.4.5 drop every sendsms message and never answer the request.
  EXPECT_EQ(user.at("max-messages"), "10");
  EXPECT_EQ(user.at("concatenation"), "true");

  const Group& service = groups[4].second;
  EXPECT_EQ(service.at("keyword"), "default");
  EXPECT_EQ(service.at("catch-all"), "yes");
  EXPECT_EQ(service.at("max-messages"), "0");
  EXPECT_EQ(service.at("get-url"), "\"http://127.0.0.1:8080/kannel/sms?from=%p&to=%P&text=%a\"");
  EXPECT_EQ(service.count("post-url"), 0u);

  // post-url instead (the local stack's): the URL carries no %p and no %a.
  KannelConfig posted = kannel_config();
  posted.get_url.clear();
  posted.post_url = "http://127.0.0.1:8083/kannel/sms?key=k";
  const auto with_post = parse_groups(render_kannel_conf(posted));
  EXPECT_EQ(with_post[4].second.at("post-url"), "\"http://127.0.0.1:8083/kannel/sms?key=k\"");
  EXPECT_EQ(with_post[4].second.count("get-url"), 0u);
  EXPECT_EQ(with_post[4].second.at("send-sender"), "true");
}

// smsbox logs every SMS text and number at INFO (Kannel 1.4.5): by default it
// runs at WARNING whatever bearerbox's level (issue 10).
TEST(KannelConf, SmsboxLogsNoMessageTextsByDefault) {
  KannelConfig c = kannel_config();
  c.log_level = 1;
  const auto groups = parse_groups(render_kannel_conf(c));
  EXPECT_EQ(groups[0].second.at("log-level"), "1");
  EXPECT_EQ(groups[2].second.at("log-level"), "2");
}

TEST(KannelConf, TunablesAreRendered) {
  KannelConfig c = kannel_config();
  c.log_level = 2;
  c.http_request_retry = 7;
  c.http_queue_delay_s = 3;
  c.max_message_parts = 4;
  c.admin_password = "adm";
  const auto groups = parse_groups(render_kannel_conf(c));
  ASSERT_EQ(groups.size(), 5U);
  EXPECT_EQ(groups[0].second.at("log-level"), "2");
  EXPECT_EQ(groups[0].second.at("admin-password"), "\"adm\"");
  EXPECT_EQ(groups[2].second.at("log-level"), "2");  // smsbox: its own level
  EXPECT_EQ(groups[2].second.at("http-request-retry"), "7");
  EXPECT_EQ(groups[2].second.at("http-queue-delay"), "3");
  EXPECT_EQ(groups[3].second.at("max-messages"), "4");
}

TEST(KannelConf, RejectsInvalidConfig) {
  const auto rejects = [](auto mutate) {
    KannelConfig c = kannel_config();
    mutate(c);
    EXPECT_THROW(render_kannel_conf(c), std::invalid_argument);
  };
  rejects([](KannelConfig& c) { c.admin_port = 0; });
  rejects([](KannelConfig& c) { c.smsbox_port = 0; });
  rejects([](KannelConfig& c) { c.sendsms_port = 0; });
  rejects([](KannelConfig& c) { c.smsc_port = 0; });
  rejects([](KannelConfig& c) { c.username.clear(); });
  rejects([](KannelConfig& c) { c.password = "pa\"ss"; });
  rejects([](KannelConfig& c) { c.get_url.clear(); });
  rejects([](KannelConfig& c) { c.post_url = "http://127.0.0.1:8083/kannel/sms?key=k"; });  // both
  rejects([](KannelConfig& c) {
    c.get_url.clear();
    c.post_url = "http://x/\"";
  });
  rejects([](KannelConfig& c) { c.get_url += "\nmax-messages = 5"; });
  rejects([](KannelConfig& c) { c.data_dir = "relative"; });
  rejects([](KannelConfig& c) { c.data_dir = "/tmp/back\\slash"; });
  rejects([](KannelConfig& c) { c.log_level = 5; });
  rejects([](KannelConfig& c) { c.smsbox_log_level = -1; });
  rejects([](KannelConfig& c) { c.admin_password.clear(); });  // never a default password
  rejects([](KannelConfig& c) { c.http_queue_delay_s = 0; });
  rejects([](KannelConfig& c) { c.max_message_parts = 0; });
  EXPECT_NO_THROW(render_kannel_conf(kannel_config()));
}

}  // namespace
}  // namespace piket::launch
