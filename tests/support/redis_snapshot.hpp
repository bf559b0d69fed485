#pragma once
// Test support: the whole content of a Redis database as sorted text lines, to
// show that an operation wrote nothing. (DUMP is no good for this: a hash's
// serialisation follows its iteration order, which may change between calls.)

#include <algorithm>
#include <string>
#include <vector>

#include "piket/common/redis.hpp"

namespace piket::test {

inline std::vector<std::string> redis_snapshot(common::RedisConnection& redis) {
  std::vector<std::string> out;
  for (const auto& key : redis.command({"KEYS", "*"}).elements) {
    const auto type = redis.command({"TYPE", key.str}).str;
    std::vector<std::string> items;
    if (type == "string") {
      items.push_back(redis.command({"GET", key.str}).str);
    } else if (type == "hash" || type == "zset") {
      const auto r = type == "hash" ? redis.command({"HGETALL", key.str})
                                    : redis.command({"ZRANGE", key.str, "0", "-1", "WITHSCORES"});
      for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
        items.push_back(r.elements[i].str + "=" + r.elements[i + 1].str);
      std::sort(items.begin(), items.end());
    } else if (type == "set") {
      for (const auto& e : redis.command({"SMEMBERS", key.str}).elements) items.push_back(e.str);
      std::sort(items.begin(), items.end());
    } else if (type == "list") {
      for (const auto& e : redis.command({"LRANGE", key.str, "0", "-1"}).elements)
        items.push_back(e.str);
    }
    std::string line = type + " " + key.str + ":";
    for (const auto& item : items) line += " [" + item + "]";
    out.push_back(std::move(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace piket::test
