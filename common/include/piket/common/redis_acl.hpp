#pragma once
// Who may do what in piket's Redis: the ACL rules of every Redis user, in one
// table (common/src/redis_acl.cpp; docs/secrets.md shows it). The launcher
// renders them into Redis's users.acl; the tests' PrivateRedis does the same.
//
// - `ops` (operators' tools, the tests' inspection connection) may do
//   anything.
// - Each service may run only the commands its C++ code and its Lua scripts
//   call (Redis 7 checks every redis.call() of a script against the caller's
//   ACL too). No service may run an administrative or keyspace-wide command:
//   FLUSHALL, FLUSHDB, CONFIG, SHUTDOWN, DEBUG, KEYS, MONITOR, SCRIPT FLUSH,
//   ACL, MODULE, REPLICAOF, MIGRATE, … are refused with NOPERM.
// - Keys: every service may name every key (`~*`); docs/secrets.md says why
//   there are no per-service key patterns.
// - Pub/Sub: only ingest may publish, and only on `clock:changed` (the
//   simulated clock); nobody subscribes.
// - The `default` user is not in this table: the launcher gives it a random
//   password that nobody keeps (launch::render_redis_acl).
//
// A service that starts calling a new command must add it here; the test
// redis_acl_source_test finds every command literal in a service's sources
// and fails naming what is missing.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace piket::common {

struct RedisServiceRules {
  std::string_view user;  // the service's name (one of kSecretHolders)
  // Lower-case command names; a subcommand as "script|load".
  std::vector<std::string_view> commands;
  // Pub/Sub channels it may publish to (none: `resetchannels`).
  std::vector<std::string_view> channels;
};

// One row per service (every kSecretHolders entry except "ops"), in that order.
std::span<const RedisServiceRules> redis_service_rules();

// The ACL rule text of `user`, as it goes after "user NAME on #HASH" in
// users.acl: "~* &* +@all" for ops, "~* resetchannels [&CH …] -@all +cmd …"
// for a service. Throws std::invalid_argument for any other name.
std::string redis_acl_rules(std::string_view user);

// True when `user` may run `command` (lower or upper case; "script|load" for
// a subcommand) by the table above (ops: always).
bool redis_user_may(std::string_view user, std::string_view command);

struct RedisUserSpec {
  std::string name;
  std::string password;
  std::string rules;
};

// Every piket Redis user, "ops" first, each with its password from the
// deployment's secrets directory (SecretStore: throws SecretError naming a
// missing or non-private file) and its rules.
std::vector<RedisUserSpec> deployment_redis_users(const std::filesystem::path& secrets_dir);

}  // namespace piket::common
