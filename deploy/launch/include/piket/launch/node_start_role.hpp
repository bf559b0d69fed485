#pragma once
// How a Redis node of a Sentinel deployment starts after it stopped or crashed: as a replica
// of the primary the sentinels name, as the primary, or — while the sentinels are failing over
// away from it — not yet (docs/availability.md, "A node that comes back").
//
// Why: a primary killed and started again at once used to come back as a primary from its own
// redis.conf while the sentinels were promoting a replica. For a second or two it took writes
// (a replica still pointed at it and acknowledged them, so WAIT passed), and then the sentinels
// demoted it and those writes were gone: a deadline step taken twice, a page record lost.
// A node therefore never starts as the primary while a failover away from it may be under way.
//
// One home for the rule: SentinelCluster::start_node (the local cluster and the tests) and
// piket-redis-start (production's piket-redis.service, before redis-server) both use it.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::launch {

// What one sentinel says of the master (`SENTINEL master <name>`).
struct SentinelView {
  common::HostPort primary;
  // Its flags hold s_down, o_down or failover_in_progress.
  bool failing_over = false;
  std::chrono::milliseconds since_last_ok_ping{0};  // last-ok-ping-reply
  std::chrono::milliseconds down_after{0};          // down-after-milliseconds
};

struct StartRole {
  enum class Kind {
    primary,        // the sentinels name this node and nothing fails over: start as the primary
    replica,        // start as a replica of `primary`
    as_configured,  // the sentinels cannot fail over (too few answer): start as redis.conf says
    wait,           // a failover away from this node may be under way: ask again shortly
  };
  Kind kind = Kind::wait;
  common::HostPort primary{};
  std::string why;  // one line for the log
};

// The rule, from what each sentinel answered (nullopt: it did not answer):
// - fewer than `quorum` answered: as_configured (no failover can happen);
// - `quorum` or more name another node: replica of it;
// - `quorum` or more name this node: wait while any of them is failing over or has not had a
//   reply for more than half its down-after (a failover could start before this node answers),
//   else primary;
// - no address named by `quorum`: wait.
StartRole decide_start_role(const common::HostPort& self,
                            const std::vector<std::optional<SentinelView>>& answers, int quorum);

struct NodeStartOptions {
  common::HostPort self;                    // this node as the sentinels know it
  std::vector<common::HostPort> sentinels;  // all of them
  std::string master_name = "piket";
  std::string user;      // the sentinels' user ("default" with requirepass)
  std::string password;  // its password
  int quorum = 2;
  // How long to wait for a failover away from this node before starting as configured.
  std::chrono::milliseconds wait_limit{90'000};
  std::chrono::milliseconds poll{100};
  std::chrono::milliseconds sentinel_timeout{1000};  // per sentinel and question
};

// What one sentinel says, or nullopt when it does not answer or does not know the master.
std::optional<SentinelView> ask_sentinel_view(const common::HostPort& sentinel,
                                              const NodeStartOptions& options);

// Asks the sentinels until decide_start_role() says other than wait, or wait_limit has passed
// (then as_configured, with why). Never wait.
StartRole node_start_role(const NodeStartOptions& options);

// redis-server's extra arguments for `role` (they come after the config file and win over it):
// --replicaof HOST PORT, --replicaof no one, or none for as_configured.
std::vector<std::string> redis_server_role_args(const StartRole& role);

// "HOST:PORT" → HostPort; throws std::invalid_argument naming what is wrong.
common::HostPort parse_host_port(const std::string& text);

}  // namespace piket::launch
