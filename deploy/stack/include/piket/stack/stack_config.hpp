#pragma once
// A complete piket configuration for a throw-away deployment on free ports —
// what the end-to-end tests, the kill test and the benchmark run against: the
// deployment file and the rota file it names.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace piket::stack {

struct StackPorts {
  std::uint16_t redis = 0, ingest = 0, dispatch_http = 0, dispatch_zmq = 0, notify_http = 0,
                notify_zmq = 0, inbound = 0, web = 0, cases = 0, sendsms = 0, kannel_admin = 0,
                smsbox = 0, smsc = 0;
  // Every port a distinct free one.
  static StackPorts pick_free();
};

// The stack's rota when a test brings none (docs/rota-file.md): daily shifts
// handing off at 08:00 Amsterdam time from Monday 2026-01-05, in groningen
// icm-1…icm-6 in turn, in drenthe icm-d1; team_lead layers tl-g and tl-d; no
// backup layer.
std::string default_stack_rota();

struct StackSpec {
  StackPorts ports;
  std::string log_dir;
  // Regions "groningen" (6 casemanagers icm-1…icm-6, phones +4477009000 01…06,
  // team lead tl-g +447700900010) and "drenthe" (icm-d1 +447700900021, tl-d
  // +447700900030). Partner "police" posts for groningen, "veilig-thuis" for
  // drenthe. Tokens are given in plain; the file holds their SHA-256.
  std::string police_token = "police-test-token-000000000001";
  std::string veilig_thuis_token = "vt-test-token-0000000000000001";
  std::string admin_token = "admin-test-token-00000000000001";
  bool simulated_clock = false;
  std::string simulated_start = "2026-11-22T08:00:00+01:00";
  int resend_after_ms = 1000;
  int notify_workers = 2;
  // [ingest] threads: each request holds one while Redis fsyncs and, with min_replicas, a
  // replica acknowledges (docs/availability.md, "Failover under load").
  int ingest_threads = 8;  // the deployment default (ingest_config.hpp)
  // [ingest] max_connections_per_address; 0: not written (the deployment default, 256). A
  // bench whose posters are one client with more connections than that sets it.
  int ingest_max_connections_per_address = 0;
  // [inbound] threads: the same for Kannel's callbacks (each report's write waits likewise).
  int inbound_threads = 4;
  int in_doubt_grace_ms = 3000;
  int gateway_timeout_ms = 2000;
  int retry_initial_ms = 200;
  int max_attempts = 20;
  int retry_max_ms = 5000;
  // notify.bundle_window_ms; negative: not written (notify's default).
  int bundle_window_ms = -1;
  // Non-zero: an [smtp] table for an SMTP server on 127.0.0.1 at this port (the test
  // starts it), so that people with an email address can be reached by e-mail.
  std::uint16_t smtp_port = 0;
  // Extra TOML lines for a person's [[people]] table, by person id, e.g.
  // {"icm-1", "email = \"icm1@piket.test\"\ncontact = [{channel = \"sms\"}]"}.
  std::map<std::string, std::string> person_extra{};
  // The rota file, written as rota.toml beside piket.toml, and the keys of the
  // [rota] table besides `file`. The default rota has no backup layer, so it
  // allows gaps, and sends no handoff notices or gap warnings; a test with a
  // full rota of its own sets `rota_table = "coverage_days = 14\n"` (no gaps,
  // notices and warnings as configured by default).
  std::string rota_file = default_stack_rota();
  std::string rota_table = "allow_gaps = true\nhandoff_notice_minutes = 0\ngap_warning_hours = 0\n";
  // Appended at the end of the file (e.g. an [escalation] table).
  std::string extra_toml;
  // Non-empty: [redis] finds the primary through these sentinels on 127.0.0.1 (master_name
  // "piket"; `ports.redis` stays the address, node 0's port in a cluster: ClusterStack).
  std::vector<std::uint16_t> sentinel_ports{};
  // [redis] min_replicas and replica_wait_ms (0: not written, no waiting for replicas).
  int min_replicas = 0;
  int replica_wait_ms = 1000;
  double partner_rate = 2000;
  double partner_burst = 4000;
  bool json_logs = false;
};

// Writes `dir`/piket.toml (whose [rota] names rota.toml beside it) and
// `dir`/rota.toml; returns the path of piket.toml.
std::filesystem::path write_stack_config(const StackSpec& spec, const std::filesystem::path& dir);

}  // namespace piket::stack
