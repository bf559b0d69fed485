#include "piket/common/redis_health.hpp"

namespace piket::common {
namespace {

// Flagged (shebang) and without `no-writes`: Redis checks maxmemory before it
// runs it. It writes nothing.
const RedisScript kWriteProbe{"#!lua\nreturn 1\n"};

}  // namespace

std::optional<std::string> redis_health_problem(RedisConnection& redis) {
  try {
    if (redis.command({"PING"}).str != "PONG") return std::string(kRedisUnreachableProblem);
    redis.eval(kWriteProbe, {}, {});
    return std::nullopt;
  } catch (const RedisFullError&) {
    return std::string(kRedisFullProblem);
  } catch (const RedisIoError&) {
    return std::string(kRedisUnreachableProblem);
  } catch (const RedisError& e) {
    return std::string("redis refused the health check: ") + e.what();
  }
}

std::optional<std::string> redis_readiness_problem(RedisConnection& redis) {
  if (auto problem = redis_health_problem(redis)) return problem;
  const int wanted = redis.config().min_replicas;
  if (wanted <= 0) return std::nullopt;
  try {
    // ["master", offset, [[ip, port, offset], …]]: the replicas connected now.
    const auto role = redis.command({"ROLE"});
    if (role.elements.size() < 3 || role.elements[0].str != "master")
      return std::string("redis is not a primary");
    const auto connected = static_cast<int>(role.elements[2].elements.size());
    if (connected < wanted)
      return "redis has " + std::to_string(connected) + " replica(s) connected; min_replicas is " +
             std::to_string(wanted);
    return std::nullopt;
  } catch (const RedisIoError&) {
    return std::string(kRedisUnreachableProblem);
  } catch (const RedisError& e) {
    return std::string("redis refused the readiness check: ") + e.what();
  }
}

}  // namespace piket::common
