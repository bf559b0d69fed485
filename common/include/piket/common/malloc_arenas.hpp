#pragma once
// glibc's malloc gives a thread that allocates an arena of its own while there are fewer than
// 8 per core (16 on a 2-core machine): each reserves 64 MiB of address space and keeps what it
// touched resident. A service's threads mostly wait (HTTP, ZeroMQ, Redis), and each thread's
// tcache takes the small allocations without the arena's lock, so more arenas than the
// machine's 2 cores hold memory and buy no speed (measured: docs/performance.md "Memory").
// Every service caps them at start (common::service_main) — unless its environment sets
// MALLOC_ARENA_MAX: glibc reads that itself, and the operator's choice wins.

namespace piket::common {

// Arenas in all, the main one counted.
inline constexpr int kMallocArenas = 2;

// Caps glibc's arenas at kMallocArenas. Returns false, changing nothing, when
// MALLOC_ARENA_MAX is set in the environment. Call before the process starts threads.
bool limit_malloc_arenas();

}  // namespace piket::common
