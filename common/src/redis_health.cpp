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

}  // namespace piket::common
