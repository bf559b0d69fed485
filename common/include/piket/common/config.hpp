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
#include "piket/common/escalation_policy.hpp"

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

// A page reaches a person over these channels, each `after` the page was
// created unless it was acknowledged first — or at once when the channel
// before it failed for good (docs/paging.md).
enum class ContactChannel { sms, push, email };
std::string_view to_string(ContactChannel c);
struct ContactRule {
  ContactChannel channel = ContactChannel::sms;
  Millis after{0};
};

// admin: configuration and operations in the web app, never case content.
enum class StaffRole { casemanager, team_lead, admin };

struct PersonConfig {
  std::string id;
  std::string display_name;
  StaffRole role = StaffRole::casemanager;
  std::string phone;  // E.164
  std::vector<std::string> regions;
  int caseload_cap = 12;
  // Argon2id encoded hash (piket-passwd) for signing in to the web app; empty:
  // this person cannot sign in.
  std::string password_argon2;
  std::string email{};  // optional; needed for an "email" contact rule
  // How pages reach this person, in order (never empty after loading).
  std::vector<ContactRule> contact{};
  // hex SHA-256 of the staff API token (POST /v1/pages/{id}/ack); empty: none.
  std::string token_sha256{};
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

// The full rota (rota/): a separate human-editable file. Without it the
// simple [[rotas]] of the walking skeleton are used.
struct RotaFileConfig {
  std::filesystem::path file;  // relative paths are relative to this config file
  int coverage_days = 14;      // refuse to start when a layer is empty within this many days…
  bool allow_gaps = false;     // …unless told otherwise
  Millis handoff_notice{std::chrono::minutes{60}};  // "you are on call from …" this long before
  Millis gap_warning{std::chrono::hours{72}};       // warn the team lead of a gap this far ahead
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
  // Entries kept per `push:{person}` stream (XADD MAXLEN ~).
  int push_stream_maxlen = 1000;
  // SMS to one person within this window go out as one bundled SMS
  // (docs/paging.md, "Bundling"); 0: every page its own SMS.
  Millis bundle_window{3000};
};

// E-mail, the fallback channel, over SMTP (libcurl).
struct SmtpConfig {
  std::string url;       // smtp://host:port or smtps://host:port
  std::string from;      // envelope and header sender
  std::string username;  // optional; with password
  std::string password;
  bool require_tls = false;  // STARTTLS required (smtp://) — always TLS for smtps://
  Millis timeout{10000};
};

struct InboundConfig {
  HostPort http{"127.0.0.1", 8083};
  // Wrong reply codes: `code_max_failures` within `code_lock` from one number,
  // or against one person, lock that number (or person's SMS answers) for
  // `code_lock` (docs/paging.md, "Reply codes").
  int code_max_failures = 5;
  Millis code_lock{15 * 60 * 1000};
};

struct WebConfig {
  HostPort http{"127.0.0.1", 8084};
  int threads = 2;
  std::string assets_dir;  // empty: "assets" beside the piket-web binary
  // Sessions expire in real time (not domain time): after `session_idle` without
  // a request, and `session_max` after sign-in at the latest.
  Millis session_idle{30 * 60 * 1000};
  Millis session_max{12 * 3600 * 1000};
  bool cookie_secure = true;
  // Sign-in throttling (docs/web.md): after `max_failures` failures for an
  // account within `lockout`, each further attempt on it waits a delay that
  // doubles up to `max_delay`; `remote_max_failures` failures from one address
  // within `lockout` block that address for `lockout`.
  int max_failures = 5;
  Millis lockout{15 * 60 * 1000};
  int remote_max_failures = 20;
  Millis max_delay{60 * 1000};
  // Requests refused for want of a session, per address: a token bucket.
  double unauthenticated_per_second = 5;
  double unauthenticated_burst = 50;
  // Reverse proxies (IP addresses) whose X-Forwarded-For names the client;
  // empty: the TCP peer is the client (docs/web.md, "Which address").
  std::vector<std::string> trusted_proxies{};
  // Where calendar apps reach dispatch's /v1/rota/calendar/… (shown with a new
  // calendar token); empty: http://<dispatch.http>.
  std::string calendar_base_url{};
};

struct KannelConfig {
  std::string sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string username;
  std::string password;
  std::string sender = "4411";
  // Base URL Kannel calls back for delivery reports (our inbound service).
  std::string callback_base = "http://127.0.0.1:8083";
  int dlr_mask = 31;
  // Kannel's callbacks carry this secret (from the secrets directory; never
  // in the TOML file): inbound refuses a callback without it.
  std::string callback_secret{};
};

struct OutboxConfig {
  Millis resend_after{2000};
};

// The cases service: the case API and the deadline engine (services/cases).
struct CasesConfig {
  HostPort http{"127.0.0.1", 8085};
  int threads = 2;
  // How often the engine looks for due timers (and so follows a moved clock).
  Millis poll{10};
  // A closed case keeps its family's household key this many days (24-hour
  // days from closing): a new incident then opens a new case linked to the
  // earlier ones and offered first to the earlier casemanager. 0: no link.
  int household_link_days = 730;
};

// How a casemanager's open cases count against their caseload_cap: a case in
// its intensive phase counts 1, one in monitoring (after handover)
// `monitoring_weight`.
struct CaseloadConfig {
  double monitoring_weight = 0.25;
};

// Which clocks a later incident starts on an open case (DeadlinePolicy).
struct IncidentClocks {
  bool first_contact = false;  // go out: first contact within first_contact_minutes
  bool plan = false;           // a plan, new or revised, within plan_hours
  friend bool operator==(const IncidentClocks&, const IncidentClocks&) = default;
};

// The clocks of a case (docs/deadlines.md). Hour and minute values are exact
// elapsed time; day values are calendar days in Europe/Amsterdam (a day
// across a DST change lasts 23 or 25 hours and keeps the wall-clock time).
struct DeadlinePolicy {
  Millis ack_timeout{std::chrono::minutes{15}};  // 0: off (paging escalates unacknowledged pages)
  Millis first_contact{std::chrono::hours{3}};
  Millis first_contact_grace{std::chrono::hours{1}};
  Millis plan{std::chrono::hours{12}};
  std::vector<Millis> plan_warnings{std::chrono::hours{8}, std::chrono::hours{11}};
  Millis ban_decision_before{std::chrono::hours{48}};
  bool ban_end_notice = true;
  int handover_warn_days = 91;
  int handover_due_days = 122;
  int checkin_intensive_days = 5;
  int checkin_monitoring_days = 30;
  int stall_grace_intensive_days = 2;
  int stall_grace_monitoring_days = 7;
  int evaluation_days = 182;
  int evaluation_remind_days = 14;
  int evaluation_grace_days = 30;
  int closing_days = 365;
  int closing_grace_days = 14;
  // Clocks an incident of this kind starts on a case that is already open
  // (the incident that opens a case always starts first contact and plan).
  // Unset: the kind's own default (docs/deadlines.md, "Clocks per incident").
  std::optional<IncidentClocks> incident_clocks;
  // A reminder to the casemanager that asks for acknowledgement and is not
  // acknowledged this long after it was due goes to the team lead (0: off).
  Millis reminder_ack{std::chrono::hours{24}};
  // An evaluation counts for the six-month clock only from this many
  // calendar days after registration (earlier ones stay on the timeline).
  int evaluation_from_days = 152;
  // [deadlines] only: incidents accepted before this instant (the upgrade to
  // clocks per incident) start no first-contact or plan clock of their own.
  std::optional<Instant> incident_clocks_since;
};

// A [[deadlines.rules]] entry: the policy for a region, an incident kind, or
// both. Keys it leaves out take the [deadlines] values.
struct DeadlineRule {
  std::string region;  // empty: any region
  std::string kind;    // empty: any incident kind
  DeadlinePolicy policy;
};

struct Config {
  std::filesystem::path file;
  // Where the deployment's secrets are (common/secrets.hpp): `[secrets] dir`,
  // relative to this file; default "secrets" beside it.
  std::filesystem::path secrets_dir;
  // This service's ZeroMQ keys and its peers' (filled from secrets_dir).
  ZmqKeys zmq;
  std::string deployment = "piket";
  ClockMode clock = ClockMode::system;
  Instant simulated_start{};
  RedisConfig redis;
  LogConfig log;
  IngestConfig ingest;
  DispatchConfig dispatch;
  NotifyConfig notify;
  InboundConfig inbound;
  WebConfig web;
  KannelConfig kannel;
  std::optional<SmtpConfig> smtp;  // absent: no e-mail channel
  OutboxConfig outbox;
  CasesConfig cases;
  CaseloadConfig caseload;
  DeadlinePolicy deadlines;
  std::vector<DeadlineRule> deadline_rules;
  std::vector<RegionConfig> regions;
  std::vector<PartnerConfig> partners;
  std::vector<AdminConfig> admins;
  std::vector<PersonConfig> people;
  std::vector<SimpleRotaConfig> rotas;
  std::optional<RotaFileConfig> rota;
  // Absent: no escalation steps; the deadline engine's acknowledgement clock
  // pages the team lead instead.
  std::optional<EscalationConfig> escalation;

  const PersonConfig* person(std::string_view id) const;
  const RegionConfig* region(std::string_view id) const;
  // The most specific rule for (region, incident kind): both > kind > region
  // > the [deadlines] defaults.
  const DeadlinePolicy& deadline_policy(std::string_view region, std::string_view kind) const;
};

Config load_config(const std::filesystem::path& file);
// Same, from text (file name used in messages only).
Config parse_config(std::string_view text, const std::string& file_name);

}  // namespace piket::common
