#include "piket/common/redis_acl.hpp"

#include <algorithm>
#include <initializer_list>
#include <stdexcept>

#include "piket/common/secrets.hpp"
#include "piket/store/clock.hpp"

namespace piket::common {
namespace {

using Commands = std::span<const std::string_view>;

// What every service does: /readyz (PING; EVALSHA of the write probe),
// scripts (EVALSHA, loaded with SCRIPT LOAD on NOSCRIPT), the shared
// simulated clock (SET NX at start, GET every 10 ms); with Sentinel, ROLE
// (is the primary a primary; /readyz counts its replicas) and WAIT (durable
// answers; common/redis.hpp).
constexpr std::string_view kEveryService[] = {"ping", "evalsha", "script|load", "get",
                                              "set",  "role",    "wait"};

// common::OutboxSender: the sweep script (ZRANGEBYSCORE, HGET, ZADD, ZREM),
// the receiver's acknowledgements (ZREM, HDEL) and store/lua/lib/outbox_add.lua (ZADD, HSET).
constexpr std::string_view kOutboxSender[] = {"zrangebyscore", "zadd", "zrem",
                                              "hget",          "hset", "hdel"};

// Each service's own commands, from its C++ and its Lua (and from the
// service libraries it links: piket-web runs the case, answer and rota-override
// code of cases, inbound and dispatch in-process).
constexpr std::string_view kIngest[] = {"exists", "hmget", "rpush", "sadd", "zremrangebyscore",
                                        // move_shared_clock (POST /v1/admin/clock)
                                        "publish"};
constexpr std::string_view kDispatch[] = {"exists", "hgetall", "hmget", "hsetnx", "incr", "rpush",
                                          "sadd", "scard", "sintercard", "smembers", "zcard",
                                          // the family router's round (ZRANGE … WITHSCORES)
                                          "zrange"};
// The caseload cap (dispatch's commit script; piket-web links it): a coverage
// problem opened, counted and moved to its history. The board counts
// returning families (ZCOUNT).
constexpr std::string_view kCapacity[] = {"del", "hincrby", "lpush", "ltrim"};
constexpr std::string_view kBoard[] = {"zcount"};
constexpr std::string_view kNotify[] = {
    "del", "hincrby", "hmget", "hsetnx", "pexpire", "rpush", "zremrangebyscore", "zscore", "xadd",
    // Web Push: a person's subscriptions (push::Subscriptions::list)
    "hgetall",
    // Web Push retries kept in Redis (notify_webpush_retry_*.lua): the bounds
    // per subscription and in all, the next due time, a gone subscription's jobs
    "sadd", "scard", "smembers", "srem", "zcard", "zrange",
    // a case page's privacy check (notify_privacy_body.lua)
    "lrange"};
constexpr std::string_view kInbound[] = {
    "del",  "exists",   "hincrby",          "hmget", "pexpire", "rpush",
    "sadd", "smembers", "zremrangebyscore", "xadd",  "hgetall"};  // the family contact index
                                                                  // (inbound_family_message.lua)
constexpr std::string_view kCases[] = {"del",       "exists",   "hgetall", "hmget", "hsetnx",
                                       "llen",      "lrange",   "rpush",   "sadd",  "scard",
                                       "sismember", "smembers", "srem",    "zcard", "zrange"};
// Agreements on a case (cases_agreement.lua, issue 16), and the region's record of finished
// referral waits it keeps bounded (lib/cases_referral_wait.lua).
constexpr std::string_view kCasesAgreements[] = {"hexists", "hlen", "zremrangebyrank",
                                                 "zremrangebyscore"};
constexpr std::string_view kWeb[] = {"del",       "exists",        "hdel",    "hexists",
                                     "hget",      "hgetall",       "hincrby", "hlen",
                                     "hmget",     "hset",          "hsetnx",  "incr",
                                     "llen",      "lrange",        "pexpire", "rpush",
                                     "sadd",      "scan",          "scard",   "sintercard",
                                     "sismember", "smembers",      "srem",    "xadd",
                                     "xread",     "xrevrange",     "zadd",    "zcard",
                                     "zrange",    "zrangebyscore", "zrem",    "zremrangebyscore"};

RedisServiceRules row(std::string_view user, std::initializer_list<Commands> groups,
                      std::vector<std::string_view> channels = {}) {
  RedisServiceRules r{user, {}, std::move(channels)};
  for (const auto& g : groups)
    for (auto c : g)
      if (std::find(r.commands.begin(), r.commands.end(), c) == r.commands.end())
        r.commands.push_back(c);
  std::sort(r.commands.begin(), r.commands.end());
  return r;
}

const std::vector<RedisServiceRules>& table() {
  static const std::vector<RedisServiceRules> t = {
      row("ingest", {kEveryService, kOutboxSender, kIngest}, {store::kClockChanged}),
      row("dispatch", {kEveryService, kOutboxSender, kDispatch, kCapacity}),
      row("notify", {kEveryService, kOutboxSender, kNotify}),
      row("inbound", {kEveryService, kOutboxSender, kInbound}),
      row("cases", {kEveryService, kOutboxSender, kCases, kCasesAgreements}),
      row("web", {kEveryService, kWeb, kCapacity, kBoard, kCasesAgreements}),
  };
  return t;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

const RedisServiceRules* find(std::string_view user) {
  for (const auto& r : table())
    if (r.user == user) return &r;
  return nullptr;
}

}  // namespace

std::span<const RedisServiceRules> redis_service_rules() {
  return table();
}

std::string redis_acl_rules(std::string_view user) {
  if (user == "ops") return "~* &* +@all";
  // A replica's login to its primary: the replication stream, nothing else (no key).
  if (user == "replication") return "resetchannels -@all +psync +replconf +ping";
  // A sentinel's login to the nodes: what Sentinel's own docs list for it — watch (INFO,
  // ROLE, PING, hello messages on __sentinel__:hello), and at a failover reconfigure
  // (MULTI/EXEC, REPLICAOF as SLAVEOF, CONFIG REWRITE, CLIENT KILL, SCRIPT KILL). No key.
  if (user == "sentinel")
    return "allchannels -@all +multi +slaveof +replicaof +ping +exec +subscribe +config|rewrite "
           "+role +publish +info +client|setname +client|kill +script|kill";
  const auto* r = find(user);
  if (!r) throw std::invalid_argument("redis ACL: no rules for user '" + std::string(user) + "'");
  std::string rules = "~* resetchannels";
  for (auto ch : r->channels) rules += " &" + std::string(ch);
  rules += " -@all";
  for (auto c : r->commands) rules += " +" + std::string(c);
  return rules;
}

bool redis_user_may(std::string_view user, std::string_view command) {
  if (user == "ops") return true;
  const auto* r = find(user);
  if (!r) return false;
  const auto c = lower(command);
  return std::find(r->commands.begin(), r->commands.end(), c) != r->commands.end();
}

std::vector<RedisUserSpec> deployment_redis_users(const std::filesystem::path& secrets_dir) {
  const SecretStore store(secrets_dir);
  std::vector<RedisUserSpec> users;
  users.push_back({"ops", store.read(secret_file::redis_password("ops")), redis_acl_rules("ops")});
  for (auto holder : kSecretHolders) {
    if (holder == "ops") continue;
    users.push_back({std::string(holder), store.read(secret_file::redis_password(holder)),
                     redis_acl_rules(holder)});
  }
  for (auto user : kRedisInfraUsers)
    users.push_back(
        {std::string(user), store.read(secret_file::redis_password(user)), redis_acl_rules(user)});
  return users;
}

}  // namespace piket::common
