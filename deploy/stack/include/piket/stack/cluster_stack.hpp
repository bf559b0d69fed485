#pragma once
// The local cluster (docs/availability.md, "The local cluster"): on this one machine, three
// Redis (a primary and two replicas) with three sentinels (launch::SentinelCluster), Kannel
// (bearerbox, smsbox, fakesmsc) once, and two instances of every piket service, each with its
// own configuration file. Used by `piket-stack --cluster` (deploy/cluster) and the failover
// test (tests/failover). Each component can be killed with SIGKILL and started again.
//
// The deployment file given is the base of every instance's; its listening addresses are
// instance 1's. It must name three sentinels on 127.0.0.1 in
// [redis] sentinels (their ports are the sentinels'). Instance n's file,
// piket-<service>-<n>.toml beside it, is the same text except, in the service's own table,
// `http` and `zmq` (its own listening addresses) and, in [log], `dir` (its own subdirectory
// <dir>/<service>-<n>, so that two instances do not write one file); every file also gets
// `[dispatch] zmq_peers` and `[notify] zmq_peers`, every instance's endpoint. Kannel's callbacks go
// to inbound instance 1 (production puts a load balancer there).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "piket/config/config.hpp"
#include "piket/launch/sentinel_cluster.hpp"
#include "piket/stack/local_stack.hpp"
#include "piket/stack/stack_config.hpp"

namespace piket::stack {

// One instance's own listening addresses (0: none, e.g. no zmq for ingest).
struct InstancePorts {
  std::uint16_t http = 0;
  std::uint16_t zmq = 0;
};

// What differs in instance n's file from the deployment file (see above).
struct InstanceEdit {
  std::string service;     // the table: "ingest", "dispatch", …
  std::string http;        // "127.0.0.1:8180"
  std::string zmq;         // "tcp://127.0.0.1:7201"; empty: left as it is
  std::string log_subdir;  // appended to [log] dir ("ingest-2"); empty: left as it is
  // Lists set in other tables, e.g. {"dispatch", "zmq_peers", {"tcp://…", "tcp://…"}}: written
  // after the table's header, replacing a line of that key.
  struct List {
    std::string table, key;
    std::vector<std::string> values;
  };
  std::vector<List> lists{};
  // Single values set in other tables, e.g. {"kannel", "callback_base", "http://…"}: replace
  // the line of that key in place (a key not in the file is left out).
  struct Value {
    std::string table, key, value;
  };
  std::vector<Value> values{};
};

// The deployment file's text with `edit` applied. Throws std::invalid_argument when the
// service's table or its `http` line is missing.
std::string render_instance_config(std::string_view base, const InstanceEdit& edit);

struct ClusterOptions {
  std::filesystem::path data_dir;  // redis/, kannel/, logs/ go here
  std::filesystem::path bin_dir;   // holds ingest/piket-ingest, dispatch/piket-dispatch, …
  int instances = 2;               // of every service
  // Ports of instance 2, 3, … per service; a service not named: instance n listens on instance
  // 1's ports + 100·(n−1) (ingest 8080 → 8180).
  std::map<Component, std::vector<InstancePorts>> more_instances{};
  // The Redis nodes' ports; empty: [redis] address's port, +1, +2.
  std::vector<std::uint16_t> redis_node_ports{};
  int min_replicas_to_write = 1;
  std::chrono::milliseconds down_after{2000};
  std::chrono::milliseconds failover_timeout{10000};
  std::uint64_t redis_maxmemory_mb = kDefaultRedisMaxmemoryMb;
  std::uint16_t kannel_admin_port = 0;  // 0: a free port
  std::uint16_t smsbox_port = 0;
  std::uint16_t smsc_port = 0;
  // false: no Kannel; the caller answers like Kannel's sendsms at kannel.sendsms_url (the
  // benchmark does).
  bool with_kannel = true;
  bool with_web = true;
  bool with_cases = true;
  // Write `[dispatch] zmq_peers` and `[notify] zmq_peers` (every instance's endpoint) into
  // every file, so that the senders connect to all receiver instances (false: each sender
  // connects to instance 1 only; the others get work through the outboxes' resends).
  bool zmq_peers = true;
  // Until a started instance answers /healthz, as production's piket-healthcheck --wait 60
  // allows: under load a restarted instance answers its health check only after the requests
  // already queued for its threads (inbound 2 in the failover test: Kannel's backlog of
  // delivery reports, each waiting for a replica — 20 s were not enough while it worked).
  std::chrono::milliseconds start_timeout{60000};
};

// Distinct free ports for a throw-away cluster (the failover test, piket-bench --cluster):
// spec.ports, spec.sentinel_ports (three), and in `options` the nodes' (node 0 on
// spec.ports.redis), the other instances' and Kannel's.
void pick_free_cluster_ports(StackSpec& spec, ClusterOptions& options);

class ClusterStack {
 public:
  // Reads the deployment file, makes the secrets if new, writes the instances' files.
  ClusterStack(std::filesystem::path config_file, ClusterOptions options);
  ~ClusterStack();
  ClusterStack(const ClusterStack&) = delete;
  ClusterStack& operator=(const ClusterStack&) = delete;

  // Redis and the sentinels, Kannel, then every instance of every service; waits until each
  // is healthy. Throws std::runtime_error naming what did not come up.
  void start();
  // The services, Kannel, then the sentinels and the nodes.
  void stop();

  // The services that run (ingest, dispatch, notify, inbound, and cases and web if wanted).
  const std::vector<Component>& services() const;
  int instances() const;
  // A service's instance n (1-based), or Kannel (bearerbox and smsbox; n ignored).
  void kill9(Component c, int n = 1);
  // kill -9 of one of Kannel's boxes only; start(Component::kannel) brings Kannel back whole.
  void kill9(KannelBox b);
  // (Re)starts it and waits until it is healthy.
  void start(Component c, int n = 1);
  bool running(Component c, int n = 1);
  // A service instance's process id (-1: not started), for piket-bench's memory figures.
  pid_t pid(Component c, int n = 1) const;
  std::uint16_t http_port(Component c, int n) const;
  std::filesystem::path config_file(Component c, int n) const;

  // In a simulated deployment: waits until every running service instance follows the
  // shared clock at `target` or later (each writes it into its own field of clock:seen,
  // common/shared_clock.hpp). False after `timeout`; throws common::RedisError.
  bool wait_clock_followed(common::Instant target, std::chrono::milliseconds timeout);

  launch::SentinelCluster& redis();
  // The deployment file's configuration (instance 1's addresses), with the operator's secrets.
  const config::Config& config() const;
  std::filesystem::path log_dir() const;
  std::filesystem::path fakesmsc_log() const;
  void inject_sms(const std::string& from, const std::string& to, const std::string& text);
  // What Redis (the primary now) refused because of its ACL since it started, as
  // LocalStack::redis_acl_refusals.
  std::vector<std::string> redis_acl_refusals();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::stack
