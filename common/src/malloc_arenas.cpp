#include "piket/common/malloc_arenas.hpp"

#include <malloc.h>

#include <cstdlib>

namespace piket::common {

bool limit_malloc_arenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return false;
  return mallopt(M_ARENA_MAX, kMallocArenas) == 1;
}

}  // namespace piket::common
