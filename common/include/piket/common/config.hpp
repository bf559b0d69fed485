#pragma once
// The deployment's one human-editable TOML file: what every service shares
// ([secrets], [deployment], [clock], [redis], [log], [outbox]; the ZeroMQ keys
// from the secrets directory) and the assembly of the file with its error
// reporting. Each service owns its own section — its struct and its parser
// beside its code — and piket_config (config/) puts the whole file together
// (docs/configuration.md, "Who parses what"). Every problem is reported as
// "file:line: key: what is wrong", all of them in one ConfigError.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/i18n/language.hpp"

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
  // The ACL user and its password. Never in the TOML file: service_main sets
  // them to the service's own (user = the service name, password from the
  // secrets directory). An empty user sends no AUTH.
  std::string user{};
  std::string password{};
  // Redis Sentinel (docs/availability.md). Empty: `address` is the primary
  // (today's single node). Otherwise `address` is not used: every connection
  // asks these sentinels in turn (SENTINEL get-master-addr-by-name
  // `master_name`, authenticating with `user`/`password` as on Redis), checks
  // with ROLE that the answer is a primary, and asks again after a failed
  // command or a READONLY/MASTERDOWN answer: it follows a failover.
  std::vector<HostPort> sentinels{};
  std::string master_name{"piket"};
  // Durable answers: an answer that promises durability (ingest's 201/200,
  // inbound's recorded answer to a page) first waits `WAIT min_replicas replica_wait` for that many
  // replicas to have its write; too few in time is a 503 (`not_replicated`). 0: no wait.
  int min_replicas = 0;
  Millis replica_wait{1000};
};

// ZeroMQ CURVE keys (Z85), from the secrets directory; service_main fills
// them. A receiver accepts only clients whose public key is in `peers`; a
// sender authenticates the receiver by its public key from `peers`.
struct ZmqKeys {
  std::string public_key;
  std::string secret_key;
  std::map<std::string, std::string> peers;  // service name -> public key
  bool enabled() const { return !secret_key.empty(); }
};

struct LogConfig {
  bool json = false;
  std::string level = "info";
  std::string dir;  // empty: stderr only
};

struct OutboxConfig {
  Millis resend_after{2000};
};

// The parts of the file that every service reads.
struct SharedConfig {
  std::filesystem::path file;
  // Where the deployment's secrets are (common/secrets.hpp): `[secrets] dir`,
  // relative to this file; default "secrets" beside it.
  std::filesystem::path secrets_dir;
  // This service's ZeroMQ keys and its peers' (filled from secrets_dir).
  ZmqKeys zmq;
  std::string deployment = "piket";
  // `[deployment] language`: what piket says to people in when they chose
  // no language of their own ([[people]] language). "nl" (default) or "en".
  i18n::Language language = i18n::kDefaultLanguage;
  ClockMode clock = ClockMode::system;
  Instant simulated_start{};
  RedisConfig redis;
  LogConfig log;
  OutboxConfig outbox;
};

class TomlReader;

// [secrets], [deployment], [clock], [redis] and [log] into `c`; its file and
// default secrets directory come from the reader's file name.
void parse_shared(TomlReader& r, SharedConfig& c);
// [outbox].
OutboxConfig parse_outbox(TomlReader& r);

// The file's text; ConfigError when it cannot be read or is larger than 4 MiB.
std::string read_config_file(const std::filesystem::path& file);

// The assembly of the file, knowing none of its sections: parses `text` as
// TOML (a syntax error throws ConfigError at once), reports every top-level
// key that is not one of `sections`, calls `read` with a reader over the root
// table (each owner's parser reads its section through it), then throws
// ConfigError listing every problem found, one per line.
void parse_config_file(std::string_view text, const std::string& file_name,
                       std::initializer_list<std::string_view> sections,
                       const std::function<void(TomlReader&)>& read);

}  // namespace piket::common
