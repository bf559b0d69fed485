#pragma once
// Is piket's Redis usable: reachable, and accepting writes?
//
// At `maxmemory` (policy noeviction) Redis answers reads but refuses writes
// with -OOM. A PING does not show that; the write probe does: EVALSHA of a
// script with a `#!lua` shebang and no `no-writes` flag, which Redis 7
// refuses up front with -OOM at the limit — and which writes nothing when it
// runs. /readyz of every service answers 503 with the reason (/healthz does
// not ask Redis: common/ops_endpoints.hpp).

#include <optional>
#include <string>

#include "piket/common/redis.hpp"

namespace piket::common {

inline constexpr const char* kRedisFullProblem =
    "redis refuses writes: its memory limit (maxmemory) is reached";
inline constexpr const char* kRedisUnreachableProblem = "redis cannot be reached";

// nullopt when Redis answers PING and accepts the write probe; otherwise what
// is wrong (kRedisFullProblem, kRedisUnreachableProblem, or the refusal).
std::optional<std::string> redis_health_problem(RedisConnection& redis);

// /readyz: can the service do its work — nullopt when the primary is healthy
// (above) and, with min_replicas > 0 in the connection's RedisConfig, at
// least that many replicas are connected to it (ROLE); otherwise what is
// wrong.
std::optional<std::string> redis_readiness_problem(RedisConnection& redis);

}  // namespace piket::common
