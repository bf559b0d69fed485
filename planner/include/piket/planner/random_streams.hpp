#pragma once
// The planner's independent random streams (docs/planning.md, "Randomness"):
// one std::mt19937_64 per part of the model, seeded from the scenario's seed,
// the part's number and (for a person's stream) a name, so that one part
// drawing more or less does not shift the others. The simulation and the
// training schedule draw the same arrivals and durations from them.

#include <cstdint>
#include <random>
#include <string>

namespace piket::planner {

// The parts of the model, each its own stream.
enum class Stream : std::uint64_t {
  arrivals = 1,  // when incidents arrive (and which open case a later one joins)
  work = 2,      // travel, intake, visit and plan durations, intensive phases
  answers = 3,   // the simulation's time to acknowledge each page
  visits = 4,    // routine visits
  sickness = 5,  // each person's spells of illness (named by the person)
  training = 6,  // training mode: the simulated casemanagers' answers
};

inline std::mt19937_64 stream(std::uint64_t seed, Stream which, const std::string& name = {}) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the name
  for (const unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  const auto w = static_cast<std::uint64_t>(which);
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h),
                    static_cast<std::uint32_t>(h >> 32)};
  return std::mt19937_64(seq);
}

}  // namespace piket::planner
