#pragma once
// One human-editable TOML file per deployment. load_config() validates every
// key with bounds and throws ConfigError listing each problem as
// "file:line: key: what is wrong".

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"

namespace piket::common {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

struct HostPort {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

enum class ClockMode { system, simulated };

struct RedisConfig {
  HostPort address{"127.0.0.1", 6390};
  Millis timeout{2000};
};

struct LogConfig {
  bool json = false;
  std::string level = "info";
  std::string dir;  // empty: stderr only
};

struct PartnerConfig {
  std::string id;
  std::string token_sha256;  // hex of SHA-256(token); the token itself is never stored
  std::vector<std::string> regions;
  double rate_per_second = 50;
  double burst = 100;
};

struct AdminConfig {
  std::string id;
  std::string token_sha256;
};

struct RegionConfig {
  std::string id;
  std::string name;
};

enum class StaffRole { casemanager, team_lead };

struct PersonConfig {
  std::string id;
  std::string display_name;
  StaffRole role = StaffRole::casemanager;
  std::string phone;  // E.164
  std::vector<std::string> regions;
  int caseload_cap = 12;
};

// The deliberately simple rota of the walking skeleton: per region, a
// rotation of casemanagers with fixed-length shifts from an anchor instant,
// plus one team lead. The full rota (rota/) replaces it.
struct SimpleRotaConfig {
  std::string region;
  std::vector<std::string> primary;
  Instant anchor{};
  std::chrono::hours shift{24};
  std::string team_lead;
};

struct IngestConfig {
  HostPort http{"127.0.0.1", 8080};
  int threads = 2;
};

struct DispatchConfig {
  HostPort http{"127.0.0.1", 8081};
  std::string zmq_bind = "tcp://127.0.0.1:7101";
  int workers = 4;  // incidents handled concurrently
};

struct NotifyConfig {
  HostPort http{"127.0.0.1", 8082};
  std::string zmq_bind = "tcp://127.0.0.1:7102";
  int workers = 2;
  Millis retry_initial{500};
  Millis retry_max{30000};
  int max_attempts = 8;
  // A page whose send was interrupted by a crash waits this long for a
  // delivery report before it is sent again.
  Millis in_doubt_grace{5000};
  Millis gateway_timeout{3000};
};

struct InboundConfig {
  HostPort http{"127.0.0.1", 8083};
};

struct KannelConfig {
  std::string sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string username;
  std::string password;
  std::string sender = "4411";
  // Base URL Kannel calls back for delivery reports (our inbound service).
  std::string callback_base = "http://127.0.0.1:8083";
  int dlr_mask = 31;
};

struct OutboxConfig {
  Millis resend_after{2000};
};

struct Config {
  std::filesystem::path file;
  std::string deployment = "piket";
  ClockMode clock = ClockMode::system;
  Instant simulated_start{};
  RedisConfig redis;
  LogConfig log;
  IngestConfig ingest;
  DispatchConfig dispatch;
  NotifyConfig notify;
  InboundConfig inbound;
  KannelConfig kannel;
  OutboxConfig outbox;
  std::vector<RegionConfig> regions;
  std::vector<PartnerConfig> partners;
  std::vector<AdminConfig> admins;
  std::vector<PersonConfig> people;
  std::vector<SimpleRotaConfig> rotas;

  const PersonConfig* person(std::string_view id) const;
  const RegionConfig* region(std::string_view id) const;
};

Config load_config(const std::filesystem::path& file);
// Same, from text (file name used in messages only).
Config parse_config(std::string_view text, const std::string& file_name);

}  // namespace piket::common
