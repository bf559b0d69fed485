#pragma once
// The replication barrier (common/replication_barrier.hpp): a write a service
// makes only so that a WAIT after it covers everything the primary had
// before it. One key per service (its Redis user), written by it alone.

#include <string>
#include <string_view>

namespace piket::store {

inline std::string replication_barrier_key(std::string_view service) {
  return "replication:barrier:" + std::string(service);
}

}  // namespace piket::store
