#pragma once
// Redis's slow fsyncs during a run: with appendfsync always every answer waits for the disk's
// fdatasync, and one that takes tens of milliseconds holds every client for as long (seen on
// these machines: 28–84 ms, while a file system trimmed deleted blocks). Redis records each
// over its latency-monitor-threshold as the event `aof-fsync-always`, at most one sample a
// second (LATENCY HISTORY). A run prints them, so that a latency tail can be told apart: the
// disk's or piket's.

#include <string>

#include "piket/common/redis.hpp"

namespace piket::bench {

struct DiskStalls {
  bool known = false;  // the history was read
  int seconds = 0;     // seconds of the run with an fsync over the threshold
  long longest_ms = 0;
};

// What LATENCY HISTORY aof-fsync-always answered: [[unix seconds, ms], …].
DiskStalls parse_fsync_history(const common::RedisReply& history);

// The line a run prints (empty when not known).
std::string disk_stalls_line(const DiskStalls& stalls, int threshold_ms);

// Before a run: the threshold set and the history cleared, as the bench's Redis user `ops`.
// After it: the history. Either fails quietly (not known), a bench's Redis being optional.
constexpr int kFsyncThresholdMs = 10;
void start_disk_watch(const common::RedisConfig& ops);
DiskStalls read_disk_watch(const common::RedisConfig& ops);

}  // namespace piket::bench
