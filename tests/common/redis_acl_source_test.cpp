// The Redis ACL table (common/redis_acl.hpp) against the sources (label unit): every Redis
// command a service's C++ or Lua names is one its Redis user may run, and its user may run
// nothing its sources do not name. A service that starts calling a new command fails here,
// naming the command and the file, instead of with NOPERM at run time.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "piket/common/redis_acl.hpp"

namespace piket::common {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = PIKET_SOURCE_DIR;

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Command name -> the first file that names it.
using Found = std::map<std::string, std::string>;

void scan_file(const fs::path& file, Found& found) {
  std::ifstream in(file);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // Lua: redis.call('HSET', …) / redis.pcall(…). C++: {"HSET", …}, {"PING"}, x{"EVALSHA", …},
  // build("EVALSHA", …). A command with subcommands is "script|load".
  static const std::regex lua(R"re(redis\.p?call\(\s*'([A-Za-z]+)'(?:\s*,\s*'([A-Za-z]+)')?)re");
  static const std::regex cpp(R"re(\{\s*"([A-Z]{3,})"\s*(?:,\s*"([A-Z]+)"\s*)?[,}])re");
  static const std::regex built(R"re(build\(\s*"([A-Z]+)")re");
  static const std::set<std::string> with_subcommands = {
      "script",   "config",  "client",  "acl",    "object",  "xinfo",   "xgroup", "memory",
      "function", "command", "cluster", "module", "slowlog", "latency", "pubsub"};
  auto add = [&](const std::string& cmd, const std::string& sub) {
    auto name = lower(cmd);
    if (with_subcommands.count(name) && !sub.empty()) name += "|" + lower(sub);
    found.emplace(name, fs::relative(file, kSource).string());
  };
  for (const auto* re : {&lua, &cpp}) {
    for (std::sregex_iterator it(text.begin(), text.end(), *re), end; it != end; ++it)
      add((*it)[1].str(), (*it)[2].matched ? (*it)[2].str() : "");
  }
  for (std::sregex_iterator it(text.begin(), text.end(), built), end; it != end; ++it)
    add((*it)[1].str(), "");
}

void scan(const fs::path& rel, Found& found) {
  const auto p = kSource / rel;
  if (fs::is_regular_file(p)) return scan_file(p, found);
  for (const auto& e : fs::recursive_directory_iterator(p)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".cpp" || ext == ".hpp" || ext == ".lua"))
      scan_file(e.path(), found);
  }
}

// The code each service's process runs against Redis: its own tree, the service libraries it
// links (piket-web runs case, answer and rota-override code in-process) and the common parts
// it uses.
struct Uses {
  std::vector<std::string> paths;
};

const std::vector<std::string> kCommonForAll = {
    "common/src/redis.cpp",          // EVALSHA, SCRIPT LOAD
    "common/src/redis_health.cpp",   // /readyz: PING, the write probe
    "common/src/ops_endpoints.cpp",  //
    "common/src/shared_clock.cpp",   // the simulated clock (PUBLISH: see below)
    "store/lua/common/simulated_clock_move.lua",
};
const std::vector<std::string> kOutbox = {"common/src/messaging.cpp",
                                          "store/lua/common/outbox_claim_due.lua"};
// Page creation: paging's store API (dispatch's scripts, the deadline engine's firing script).
const std::vector<std::string> kPages = {"store/lua/lib/paging_page_create.lua",
                                         "store/lua/lib/outbox_add.lua",
                                         "common/src/messaging.cpp"};
const std::vector<std::string> kDeadlineTimers = {"store/lua/lib/deadline_resync.lua"};
// The home ban of a case: ingest's acceptance, and the join and split of cases.
const std::vector<std::string> kBan = {"store/lua/lib/ban.lua"};
// Dispatch's scripts (piket-web runs the rota override and dispatch code in-process) and the
// owners' store API they call: the incident's status (piket-ingest's), the case's first
// casemanager and its timeline (piket-cases').
const std::vector<std::string> kDispatchLua = {
    "store/lua/dispatch", "store/include/piket/store/dispatch_scripts.hpp",
    "store/lua/lib/ingest_incident_status.lua", "store/lua/lib/cases_casemanager.lua",
    "store/lua/lib/cases_timeline.lua"};
// Notify's delivery scripts and the lib files they include: its own, and the owners' store
// API: paging's for the page (its delivery progress, rev and reply code), piket-cases' for
// the timeline and the case's resync timer, the escalation outbox when a page is
// undeliverable.
const std::vector<std::string> kNotifyLua = {"store/lua/notify",
                                             "store/lua/lib/notify_claim_one.lua",
                                             "store/lua/lib/notify_complete_one.lua",
                                             "store/lua/lib/notify_queue.lua",
                                             "store/lua/lib/paging_page_delivery.lua",
                                             "store/lua/lib/paging_page_rev.lua",
                                             "store/lua/lib/paging_reply_code.lua",
                                             "store/lua/lib/cases_timeline.lua",
                                             "store/lua/lib/outbox_add.lua",
                                             "store/lua/lib/deadline_resync.lua",
                                             "store/lua/lib/notify_privacy_body.lua"};
// Inbound's scripts (answers, delivery reports; piket-web runs the answer code
// in-process) and the lib files they include: notify's store API for the
// deliveries (notify_delivery_report, notify_page_closed), paging's for the
// page's rev and reply code, the incident's status (piket-ingest's), the
// timeline (piket-cases'), the escalation outbox and the case's resync timer.
const std::vector<std::string> kInboundLua = {"store/lua/inbound",
                                              "store/lua/lib/inbound_dlr.lua",
                                              "store/lua/lib/notify_delivery_report.lua",
                                              "store/lua/lib/notify_page_closed.lua",
                                              "store/lua/lib/paging_page_rev.lua",
                                              "store/lua/lib/paging_reply_code.lua",
                                              "store/lua/lib/ingest_incident_status.lua",
                                              "store/lua/lib/cases_timeline.lua",
                                              "store/lua/lib/outbox_add.lua",
                                              "store/lua/lib/deadline_resync.lua",
                                              "store/lua/lib/paging_family_route.lua"};
// The cases service's scripts and the functions they share (piket-web runs the case code
// in-process: load, record, absence, join, split), and the incident's store API for what
// they change on their incidents (piket-ingest's lib/ingest_incident_case.lua).
const std::vector<std::string> kCasesLua = {"store/lua/cases",
                                            "store/lua/lib/cases_load_case.lua",
                                            "store/lua/lib/cases_sync_timers.lua",
                                            "store/lua/lib/cases_monitoring_refresh.lua",
                                            "store/lua/lib/cases_family.lua",
                                            "store/lua/lib/cases_referral_wait.lua",
                                            "store/lua/lib/ingest_incident_case.lua"};

std::map<std::string, std::vector<std::string>> uses() {
  auto join = [](std::initializer_list<std::vector<std::string>> parts) {
    std::vector<std::string> out = kCommonForAll;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  return {
      // ingest's acceptance opens or joins the case through piket-cases' own
      // functions (lib/cases_open.lua, lib/cases_timeline.lua, lib/ban.lua,
      // lib/deadline_resync.lua) and tells dispatch through its outbox
      // (lib/outbox_add.lua).
      {"ingest", join({{"services/ingest", "store/lua/ingest", "store/lua/lib/cases_open.lua",
                        "store/lua/lib/cases_timeline.lua", "store/lua/lib/outbox_add.lua",
                        "store/lua/lib/family_phone_index.lua"},
                       kOutbox,
                       kDeadlineTimers,
                       kBan})},
      // dispatch checks calendar tokens (access/, piket_access) and runs paging's
      // Escalator; its typed reads of an incident are in
      // store/include/piket/store/dispatch_scripts.hpp.
      {"dispatch", join({{"services/dispatch", "access/src/calendar_token_lookup.cpp",
                          "paging/src/escalator.cpp", "paging/src/escalation_plan.cpp"},
                         kDispatchLua,
                         kOutbox,
                         kPages})},
      // notify sends Web Push to the person's subscriptions (piket_push; its other files
      // name HTTP headers, not Redis commands).
      {"notify",
       join({{"services/notify", "push/src/subscriptions.cpp", "push/src/retry_store.cpp"},
             kNotifyLua,
             kOutbox})},
      // inbound answers pages with paging's answer_page.
      {"inbound", join({{"services/inbound", "paging/src/page_answer.cpp"}, kInboundLua, kOutbox})},
      // cases reads the need-to-know facts (access/, piket_access).
      {"cases", join({{"services/cases", "access/src/case_facts_reader.cpp",
                       "store/lua/access/access_case_facts.lua"},
                      kCasesLua,
                      kOutbox,
                      kPages,
                      kDeadlineTimers,
                      kBan})},
      {"web",
       join({{"services/web/src", "services/web/include", "services/web/main.cpp", "store/lua/web",
              "services/cases/src", "services/inbound/src", "services/dispatch/src", "paging/src",
              "access/src", "store/lua/access", "push/src/subscriptions.cpp"},
             kDispatchLua,
             kInboundLua,
             kCasesLua,
             kPages,
             kDeadlineTimers,
             kBan})},
  };
}

// shared_clock.cpp's move_shared_clock (PUBLISH clock:changed) runs in ingest only
// (POST /v1/admin/clock); the clock poller in every service uses GET and SET.
bool only_in_ingest(const std::string& cmd, const std::string& file) {
  return cmd == "publish" && file == "store/lua/common/simulated_clock_move.lua";
}

TEST(RedisAclSource, EveryCommandAServiceNamesIsOneItsRedisUserMayRun) {
  ASSERT_TRUE(fs::exists(kSource / "services")) << kSource;
  for (const auto& [user, paths] : uses()) {
    Found found;
    for (const auto& p : paths) scan(p, found);
    ASSERT_GT(found.size(), 5u) << user;
    for (const auto& [cmd, file] : found) {
      if (user != "ingest" && only_in_ingest(cmd, file)) continue;
      EXPECT_TRUE(redis_user_may(user, cmd))
          << file << " calls " << cmd << " but Redis user '" << user
          << "' may not: add it to common/src/redis_acl.cpp (and docs/secrets.md)";
    }
  }
}

TEST(RedisAclSource, NoServiceMayRunACommandItsSourcesDoNotName) {
  for (const auto& [user, paths] : uses()) {
    Found found;
    for (const auto& p : paths) scan(p, found);
    for (const auto& rules : redis_service_rules()) {
      if (rules.user != user) continue;
      for (auto c : rules.commands)
        EXPECT_TRUE(found.count(std::string(c)))
            << "Redis user '" << user << "' may run " << c << ", which its sources never name";
    }
  }
}

TEST(RedisAclSource, EveryServiceHasARowAndNoRowGrantsAdministration) {
  std::set<std::string> users;
  for (const auto& r : redis_service_rules()) {
    users.insert(std::string(r.user));
    for (auto c : r.commands)
      for (const char* bad :
           {"flushall",     "flushdb",      "config", "shutdown", "debug",     "keys",
            "monitor",      "script|flush", "acl",    "module",   "replicaof", "slaveof",
            "migrate",      "eval",         "info",   "client",   "save",      "bgsave",
            "bgrewriteaof", "swapdb",       "select", "restore",  "dump"})
        EXPECT_NE(c, bad) << r.user;
    const auto text = redis_acl_rules(r.user);
    EXPECT_EQ(text.rfind("~* resetchannels", 0), 0u) << text;
    EXPECT_NE(text.find(" -@all "), std::string::npos) << text;
  }
  EXPECT_EQ(users,
            (std::set<std::string>{"ingest", "dispatch", "notify", "inbound", "cases", "web"}));
  EXPECT_EQ(redis_acl_rules("ops"), "~* &* +@all");
  EXPECT_THROW(redis_acl_rules("default"), std::invalid_argument);
  EXPECT_TRUE(redis_user_may("notify", "HSET"));
  EXPECT_FALSE(redis_user_may("notify", "FLUSHALL"));
  EXPECT_FALSE(redis_user_may("nobody", "GET"));
}

}  // namespace
}  // namespace piket::common
