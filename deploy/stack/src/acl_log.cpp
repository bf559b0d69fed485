#include "piket/stack/acl_log.hpp"

#include "piket/common/redis.hpp"

namespace piket::stack {

std::vector<std::string> redis_acl_refusals(const common::RedisConfig& redis) {
  std::vector<std::string> out;
  try {
    common::RedisConnection ops(redis);
    for (const auto& entry : ops.command({"ACL", "LOG"}).elements) {
      std::string line;
      for (std::size_t i = 0; i + 1 < entry.elements.size(); i += 2) {
        const auto& k = entry.elements[i].str;
        if (k == "username" || k == "reason" || k == "context" || k == "object")
          line += (line.empty() ? "" : " ") + std::string(k == "username" ? "user" : k) + "=" +
                  entry.elements[i + 1].str;
      }
      out.push_back(line);
    }
  } catch (const common::RedisError&) {
  }
  return out;
}

}  // namespace piket::stack
