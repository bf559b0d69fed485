#include "disk_stalls.hpp"

#include <algorithm>

namespace piket::bench {

DiskStalls parse_fsync_history(const common::RedisReply& history) {
  DiskStalls out;
  out.known = true;
  for (const auto& sample : history.elements) {
    if (sample.elements.size() != 2) continue;
    ++out.seconds;
    out.longest_ms = std::max(out.longest_ms, static_cast<long>(sample.elements[1].integer));
  }
  return out;
}

std::string disk_stalls_line(const DiskStalls& stalls, int threshold_ms) {
  if (!stalls.known) return {};
  const auto over = "over " + std::to_string(threshold_ms) + " ms";
  if (stalls.seconds == 0)
    return "  redis: no fsync " + over + " in this run (LATENCY HISTORY aof-fsync-always)\n";
  return "  redis: fsync " + over + " in " + std::to_string(stalls.seconds) +
         " second(s) of this run, the longest " + std::to_string(stalls.longest_ms) +
         " ms (LATENCY HISTORY aof-fsync-always): Redis answered no one while it waited for the "
         "disk\n";
}

void start_disk_watch(const common::RedisConfig& ops) {
  try {
    common::RedisConnection r(ops);
    r.command({"CONFIG", "SET", "latency-monitor-threshold", std::to_string(kFsyncThresholdMs)});
    r.command({"LATENCY", "RESET"});
  } catch (const std::exception&) {
  }
}

DiskStalls read_disk_watch(const common::RedisConfig& ops) {
  try {
    common::RedisConnection r(ops);
    return parse_fsync_history(r.command({"LATENCY", "HISTORY", "aof-fsync-always"}));
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace piket::bench
