#include "piket/common/replication_barrier.hpp"

#include <memory>

#include "piket/common/redis.hpp"
#include "piket/store/replication.hpp"

namespace piket::common {

std::function<bool()> replication_barrier(const RedisConfig& redis, const std::string& service) {
  if (redis.min_replicas <= 0) return {};
  auto conn = std::make_shared<RedisConnection>(redis);
  auto counter = std::make_shared<long long>(0);
  return [conn, counter, key = store::replication_barrier_key(service)] {
    conn->command({"SET", key, std::to_string(++*counter)});
    return conn->wait_replicated();
  };
}

}  // namespace piket::common
