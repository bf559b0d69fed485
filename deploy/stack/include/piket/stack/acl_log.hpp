#pragma once
// What Redis refused because of its ACL (ACL LOG), for the test stacks: one line
// each, "user=notify reason=command context=lua object=keys". A running deployment
// has none: every service may run what it needs.

#include <string>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::stack {

// Read as the user in `redis` (ops); empty when Redis cannot be reached.
std::vector<std::string> redis_acl_refusals(const common::RedisConfig& redis);

}  // namespace piket::stack
