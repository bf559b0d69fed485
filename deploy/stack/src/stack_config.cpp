#include "piket/stack/stack_config.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "piket/common/crypto.hpp"
#include "piket/launch/ports.hpp"

namespace piket::stack {

StackPorts StackPorts::pick_free() {
  std::set<std::uint16_t> used;
  auto next = [&used] {
    for (;;) {
      const auto p = launch::free_tcp_port();
      if (used.insert(p).second) return p;
    }
  };
  StackPorts p;
  for (auto* port :
       {&p.redis, &p.ingest, &p.dispatch_http, &p.dispatch_zmq, &p.notify_http, &p.notify_zmq,
        &p.inbound, &p.web, &p.cases, &p.sendsms, &p.kannel_admin, &p.smsbox, &p.smsc})
    *port = next();
  return p;
}

std::string default_stack_rota() {
  std::ostringstream o;
  auto rotation = [&o](const char* region, const char* layer, const char* members) {
    o << "[[rotations]]\nregion = \"" << region << "\"\nlayer = \"" << layer
      << "\"\nshift = \"day\"\nhandoff = \"08:00\"\nstart = 2026-01-05\nmembers = [" << members
      << "]\n\n";
  };
  o << "# The test stack's rota (deploy/stack): one casemanager a day, no backup layer.\n\n";
  rotation("groningen", "primary", R"("icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6")");
  rotation("groningen", "team_lead", R"("tl-g")");
  rotation("drenthe", "primary", R"("icm-d1")");
  rotation("drenthe", "team_lead", R"("tl-d")");
  return o.str();
}

namespace {

// [redis]'s keys for Redis with Sentinel (docs/availability.md), "" without sentinels.
std::string redis_cluster_lines(const StackSpec& s) {
  std::string o;
  if (!s.sentinel_ports.empty()) {
    o += "sentinels = [";
    for (std::size_t i = 0; i < s.sentinel_ports.size(); ++i)
      o += (i ? ", \"127.0.0.1:" : "\"127.0.0.1:") + std::to_string(s.sentinel_ports[i]) + "\"";
    o += "]\nmaster_name = \"piket\"\n";
  }
  if (s.min_replicas > 0)
    o += "min_replicas = " + std::to_string(s.min_replicas) +
         "\nreplica_wait_ms = " + std::to_string(s.replica_wait_ms) + "\n";
  return o;
}

std::string render_stack_config(const StackSpec& s) {
  const auto& p = s.ports;
  std::ostringstream o;
  auto person = [&o, &s](const char* id, const char* name, const char* role, const char* phone,
                         const char* region, int cap) {
    o << "[[people]]\nid = \"" << id << "\"\nname = \"" << name << "\"\nrole = \"" << role
      << "\"\nphone = \"" << phone << "\"\nregions = [\"" << region << "\"]\ncaseload_cap = " << cap
      << "\n";
    if (auto extra = s.person_extra.find(id); extra != s.person_extra.end())
      o << extra->second << "\n";
    o << "\n";
  };
  o << "[deployment]\nname = \"test-stack\"\n\n"
    << "[clock]\nmode = \"" << (s.simulated_clock ? "simulated" : "system") << "\"\nstart = \""
    << s.simulated_start << "\"\n\n"
    << "[redis]\naddress = \"127.0.0.1:" << p.redis << "\"\ntimeout_ms = 2000\n"
    << redis_cluster_lines(s) << "\n"
    << "[log]\nformat = \"" << (s.json_logs ? "json" : "text") << "\"\nlevel = \"info\"\ndir = \""
    << s.log_dir << "\"\n\n"
    << "[ingest]\nhttp = \"127.0.0.1:" << p.ingest << "\"\nthreads = " << s.ingest_threads << "\n"
    << (s.ingest_max_connections_per_address > 0
            ? "max_connections_per_address = " +
                  std::to_string(s.ingest_max_connections_per_address) + "\n"
            : std::string())
    << "\n"
    << "[dispatch]\nhttp = \"127.0.0.1:" << p.dispatch_http
    << "\"\nzmq = \"tcp://127.0.0.1:" << p.dispatch_zmq << "\"\n\n"
    << "[notify]\nhttp = \"127.0.0.1:" << p.notify_http
    << "\"\nzmq = \"tcp://127.0.0.1:" << p.notify_zmq << "\"\nworkers = " << s.notify_workers
    << "\nretry_initial_ms = " << s.retry_initial_ms << "\nretry_max_ms = " << s.retry_max_ms
    << "\nmax_attempts = " << s.max_attempts << "\nin_doubt_grace_ms = " << s.in_doubt_grace_ms
    << "\ngateway_timeout_ms = " << s.gateway_timeout_ms << "\n"
    << (s.bundle_window_ms >= 0 ? "bundle_window_ms = " + std::to_string(s.bundle_window_ms) + "\n"
                                : std::string())
    // notify's send journal beside its log (a cluster's instances: one each, ClusterStack)
    << (s.log_dir.empty() ? std::string() : "send_journal = \"" + s.log_dir + "/notify.journal\"\n")
    << "\n"
    << "[inbound]\nhttp = \"127.0.0.1:" << p.inbound << "\"\nthreads = " << s.inbound_threads
    << "\n\n"
    << "[web]\nhttp = \"127.0.0.1:" << p.web << "\"\n\n"
    << "[cases]\nhttp = \"127.0.0.1:" << p.cases << "\"\n\n"
    << "[kannel]\nsendsms_url = \"http://127.0.0.1:" << p.sendsms
    << "/cgi-bin/sendsms\"\nusername = \"piket\"\nsender = \"4411\"\ncallback_base = "
       "\"http://127.0.0.1:"
    << p.inbound << "\"\ndlr_mask = 31\n\n"
    << "[outbox]\nresend_after_ms = " << s.resend_after_ms << "\n\n";
  if (s.smtp_port != 0)
    o << "[smtp]\nurl = \"smtp://127.0.0.1:" << s.smtp_port
      << "\"\nfrom = \"piket@piket.test\"\ntimeout_ms = 5000\n\n";
  o << "[[regions]]\nid = \"groningen\"\nname = \"Groningen\"\n\n"
    << "[[regions]]\nid = \"drenthe\"\nname = \"Drenthe\"\n\n"
    << "[[partners]]\nid = \"police\"\ntoken_sha256 = \"" << common::sha256_hex(s.police_token)
    << "\"\nregions = [\"groningen\"]\nrate_per_second = " << s.partner_rate
    << "\nburst = " << s.partner_burst << "\n\n"
    << "[[partners]]\nid = \"veilig-thuis\"\ntoken_sha256 = \""
    << common::sha256_hex(s.veilig_thuis_token) << "\"\nregions = [\"drenthe\"]\n\n"
    << "[[admins]]\nid = \"admin\"\ntoken_sha256 = \"" << common::sha256_hex(s.admin_token)
    << "\"\n\n";
  person("icm-1", "ICM one", "casemanager", "+447700900001", "groningen", 500);
  person("icm-2", "ICM two", "casemanager", "+447700900002", "groningen", 500);
  person("icm-3", "ICM three", "casemanager", "+447700900003", "groningen", 500);
  person("icm-4", "ICM four", "casemanager", "+447700900004", "groningen", 500);
  person("icm-5", "ICM five", "casemanager", "+447700900005", "groningen", 500);
  person("icm-6", "ICM six", "casemanager", "+447700900006", "groningen", 500);
  person("tl-g", "Team lead G", "team_lead", "+447700900010", "groningen", 500);
  person("icm-d1", "ICM D one", "casemanager", "+447700900021", "drenthe", 500);
  person("tl-d", "Team lead D", "team_lead", "+447700900030", "drenthe", 500);
  o << "[rota]\nfile = \"rota.toml\"\n" << s.rota_table << "\n";
  o << "\n" << s.extra_toml << "\n";
  return o.str();
}

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

std::filesystem::path write_stack_config(const StackSpec& spec, const std::filesystem::path& dir) {
  write_file(dir / "rota.toml", spec.rota_file);
  const auto config = dir / "piket.toml";
  write_file(config, render_stack_config(spec));
  return config;
}

}  // namespace piket::stack
