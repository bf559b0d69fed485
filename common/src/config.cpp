#include "piket/common/config.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "piket/common/time_format.hpp"

namespace piket::common {
namespace {

const std::regex kIdPattern{"^[a-z0-9][a-z0-9_-]{0,63}$"};
const std::regex kHexSha256{"^[0-9a-f]{64}$"};
const std::regex kE164{"^\\+[1-9][0-9]{6,14}$"};
const std::regex kZmqEndpoint{"^(tcp://[0-9a-zA-Z.*-]+:[0-9]{1,5}|ipc://[^ ]{1,200}|inproc://[^ ]{1,100})$"};
const std::regex kHttpUrl{"^https?://[^ ?#]{1,300}$"};

// Collects every problem with its line so one run of the loader tells the
// operator all that is wrong with the file.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void error(const toml::source_region& where, const std::string& key, const std::string& what) {
    std::ostringstream out;
    out << file_ << ':' << where.begin.line << ": " << key << ": " << what;
    errors_.push_back(out.str());
  }
  void error_at_table(const toml::node& table, const std::string& key, const std::string& what) {
    error(table.source(), key, what);
  }

  // Warns about keys that piket does not know: a typo should not pass silently.
  void only_known(const toml::table& table, const std::string& prefix,
                  std::initializer_list<std::string_view> known) {
    for (const auto& [k, v] : table) {
      bool found = false;
      for (auto name : known) found = found || k.str() == name;
      if (!found) error(v.source(), prefix + std::string(k.str()), "unknown key");
    }
  }

  std::optional<std::string> string(const toml::table& t, const std::string& prefix,
                                    std::string_view key, bool required, std::size_t max_len = 300) {
    const toml::node* n = t.get(key);
    const std::string name = prefix + std::string(key);
    if (!n) {
      if (required) error_at_table(t, name, "required key is missing");
      return std::nullopt;
    }
    if (!n->is_string()) {
      error(n->source(), name, "must be a string");
      return std::nullopt;
    }
    std::string v = n->as_string()->get();
    if (v.size() > max_len) {
      error(n->source(), name, "longer than " + std::to_string(max_len) + " characters");
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::string> matching(const toml::table& t, const std::string& prefix,
                                      std::string_view key, bool required, const std::regex& re,
                                      const char* rule) {
    auto v = string(t, prefix, key, required);
    if (v && !std::regex_match(*v, re)) {
      error(t.get(key)->source(), prefix + std::string(key), std::string("must be ") + rule);
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::int64_t> integer(const toml::table& t, const std::string& prefix,
                                      std::string_view key, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const std::string name = prefix + std::string(key);
    if (!n->is_integer()) {
      error(n->source(), name, "must be an integer");
      return std::nullopt;
    }
    auto v = n->as_integer()->get();
    if (v < lo || v > hi) {
      error(n->source(), name,
            "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
      return std::nullopt;
    }
    return v;
  }

  std::optional<double> number(const toml::table& t, const std::string& prefix,
                               std::string_view key, double lo, double hi) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const std::string name = prefix + std::string(key);
    double v = 0;
    if (n->is_integer())
      v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point())
      v = n->as_floating_point()->get();
    else {
      error(n->source(), name, "must be a number");
      return std::nullopt;
    }
    if (v < lo || v > hi) {
      std::ostringstream out;
      out << "must be between " << lo << " and " << hi;
      error(n->source(), name, out.str());
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> boolean(const toml::table& t, const std::string& prefix,
                              std::string_view key) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      error(n->source(), prefix + std::string(key), "must be true or false");
      return std::nullopt;
    }
    return n->as_boolean()->get();
  }

  std::vector<std::string> string_list(const toml::table& t, const std::string& prefix,
                                       std::string_view key, bool required, const std::regex& re,
                                       const char* rule) {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    const std::string name = prefix + std::string(key);
    if (!n) {
      if (required) error_at_table(t, name, "required key is missing");
      return out;
    }
    const toml::array* a = n->as_array();
    if (!a) {
      error(n->source(), name, "must be a list of strings");
      return out;
    }
    if (a->size() > 1000) error(n->source(), name, "more than 1000 entries");
    for (std::size_t i = 0; i < a->size() && i < 1000; ++i) {
      const toml::node& e = *a->get(i);
      const std::string en = name + "[" + std::to_string(i) + "]";
      if (!e.is_string()) {
        error(e.source(), en, "must be a string");
        continue;
      }
      std::string v = e.as_string()->get();
      if (!std::regex_match(v, re)) {
        error(e.source(), en, std::string("must be ") + rule);
        continue;
      }
      out.push_back(std::move(v));
    }
    return out;
  }

  std::optional<HostPort> host_port(const toml::table& t, const std::string& prefix,
                                    std::string_view key) {
    auto v = string(t, prefix, key, false);
    if (!v) return std::nullopt;
    const auto colon = v->rfind(':');
    HostPort hp;
    if (colon == std::string::npos || colon == 0) {
      error(t.get(key)->source(), prefix + std::string(key), "must be HOST:PORT");
      return std::nullopt;
    }
    hp.host = v->substr(0, colon);
    try {
      const int port = std::stoi(v->substr(colon + 1));
      if (port < 1 || port > 65535) throw std::out_of_range("port");
      hp.port = static_cast<std::uint16_t>(port);
    } catch (const std::exception&) {
      error(t.get(key)->source(), prefix + std::string(key), "port must be 1-65535");
      return std::nullopt;
    }
    return hp;
  }

  std::optional<Instant> instant(const toml::table& t, const std::string& prefix,
                                 std::string_view key, bool required) {
    auto v = string(t, prefix, key, required);
    if (!v) return std::nullopt;
    auto parsed = parse_rfc3339(*v);
    if (!parsed) error(t.get(key)->source(), prefix + std::string(key), "must be RFC 3339 with offset");
    return parsed;
  }

  const toml::table* table(const toml::table& t, const std::string& prefix, std::string_view key) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      error(n->source(), prefix + std::string(key), "must be a table");
      return nullptr;
    }
    return n->as_table();
  }

  // [[name]] arrays of tables.
  std::vector<const toml::table*> tables(const toml::table& t, std::string_view key,
                                         std::size_t max) {
    std::vector<const toml::table*> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables()) {
      error(n->source(), std::string(key), "must be written as [[" + std::string(key) + "]] tables");
      return out;
    }
    if (a->size() > max)
      error(n->source(), std::string(key), "more than " + std::to_string(max) + " entries");
    for (std::size_t i = 0; i < a->size() && i < max; ++i) out.push_back(a->get(i)->as_table());
    return out;
  }

  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

template <typename T, typename U>
void set_if(std::optional<U> v, T& target) {
  if (v) target = static_cast<T>(*v);
}

void read_millis(Reader& r, const toml::table& t, const std::string& p, std::string_view key,
                 std::int64_t lo, std::int64_t hi, Millis& target) {
  if (auto v = r.integer(t, p, key, lo, hi)) target = Millis{*v};
}

}  // namespace

const PersonConfig* Config::person(std::string_view id) const {
  for (const auto& p : people)
    if (p.id == id) return &p;
  return nullptr;
}

const RegionConfig* Config::region(std::string_view id) const {
  for (const auto& r : regions)
    if (r.id == id) return &r;
  return nullptr;
}

Config parse_config(std::string_view text, const std::string& file_name) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << file_name << ':' << e.source().begin.line << ": " << e.description();
    throw ConfigError(out.str());
  }
  Reader r(file_name);
  Config c;
  c.file = file_name;
  r.only_known(root, "", {"deployment", "clock", "redis", "log", "ingest", "dispatch", "notify",
                          "inbound", "kannel", "outbox", "regions", "partners", "admins",
                          "people", "rotas"});

  if (const auto* d = r.table(root, "", "deployment")) {
    r.only_known(*d, "deployment.", {"name"});
    if (auto v = r.matching(*d, "deployment.", "name", false, kIdPattern, "a lower-case id"))
      c.deployment = *v;
  }
  if (const auto* t = r.table(root, "", "clock")) {
    r.only_known(*t, "clock.", {"mode", "start"});
    if (auto v = r.string(*t, "clock.", "mode", false)) {
      if (*v == "system")
        c.clock = ClockMode::system;
      else if (*v == "simulated")
        c.clock = ClockMode::simulated;
      else
        r.error(t->get("mode")->source(), "clock.mode", "must be \"system\" or \"simulated\"");
    }
    if (auto v = r.instant(*t, "clock.", "start", c.clock == ClockMode::simulated))
      c.simulated_start = *v;
  }
  if (const auto* t = r.table(root, "", "redis")) {
    r.only_known(*t, "redis.", {"address", "timeout_ms"});
    set_if(r.host_port(*t, "redis.", "address"), c.redis.address);
    read_millis(r, *t, "redis.", "timeout_ms", 10, 60000, c.redis.timeout);
  }
  if (const auto* t = r.table(root, "", "log")) {
    r.only_known(*t, "log.", {"format", "level", "dir"});
    if (auto v = r.string(*t, "log.", "format", false)) {
      if (*v == "json" || *v == "text")
        c.log.json = *v == "json";
      else
        r.error(t->get("format")->source(), "log.format", "must be \"text\" or \"json\"");
    }
    if (auto v = r.string(*t, "log.", "level", false)) {
      static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
      if (levels.count(*v))
        c.log.level = *v;
      else
        r.error(t->get("level")->source(), "log.level", "must be trace, debug, info, warn or error");
    }
    set_if(r.string(*t, "log.", "dir", false, 1000), c.log.dir);
  }
  if (const auto* t = r.table(root, "", "ingest")) {
    r.only_known(*t, "ingest.", {"http", "threads"});
    set_if(r.host_port(*t, "ingest.", "http"), c.ingest.http);
    set_if(r.integer(*t, "ingest.", "threads", 1, 64), c.ingest.threads);
  }
  if (const auto* t = r.table(root, "", "dispatch")) {
    r.only_known(*t, "dispatch.", {"http", "zmq", "workers"});
    set_if(r.integer(*t, "dispatch.", "workers", 1, 64), c.dispatch.workers);
    set_if(r.host_port(*t, "dispatch.", "http"), c.dispatch.http);
    set_if(r.matching(*t, "dispatch.", "zmq", false, kZmqEndpoint, "a ZeroMQ endpoint"),
           c.dispatch.zmq_bind);
  }
  if (const auto* t = r.table(root, "", "notify")) {
    r.only_known(*t, "notify.", {"http", "zmq", "workers", "retry_initial_ms", "retry_max_ms",
                                 "max_attempts", "in_doubt_grace_ms", "gateway_timeout_ms"});
    set_if(r.host_port(*t, "notify.", "http"), c.notify.http);
    set_if(r.matching(*t, "notify.", "zmq", false, kZmqEndpoint, "a ZeroMQ endpoint"),
           c.notify.zmq_bind);
    set_if(r.integer(*t, "notify.", "workers", 1, 32), c.notify.workers);
    read_millis(r, *t, "notify.", "retry_initial_ms", 10, 600000, c.notify.retry_initial);
    read_millis(r, *t, "notify.", "retry_max_ms", 10, 3600000, c.notify.retry_max);
    set_if(r.integer(*t, "notify.", "max_attempts", 1, 100), c.notify.max_attempts);
    read_millis(r, *t, "notify.", "in_doubt_grace_ms", 0, 600000, c.notify.in_doubt_grace);
    read_millis(r, *t, "notify.", "gateway_timeout_ms", 100, 60000, c.notify.gateway_timeout);
  }
  if (const auto* t = r.table(root, "", "inbound")) {
    r.only_known(*t, "inbound.", {"http"});
    set_if(r.host_port(*t, "inbound.", "http"), c.inbound.http);
  }
  if (const auto* t = r.table(root, "", "kannel")) {
    r.only_known(*t, "kannel.", {"sendsms_url", "username", "password", "sender",
                                 "callback_base", "dlr_mask"});
    set_if(r.matching(*t, "kannel.", "sendsms_url", false, kHttpUrl, "an http:// URL"),
           c.kannel.sendsms_url);
    set_if(r.string(*t, "kannel.", "username", true, 64), c.kannel.username);
    set_if(r.string(*t, "kannel.", "password", true, 64), c.kannel.password);
    set_if(r.matching(*t, "kannel.", "sender", false, std::regex{"^[+]?[0-9A-Za-z]{1,16}$"},
                      "1-16 letters or digits"),
           c.kannel.sender);
    set_if(r.matching(*t, "kannel.", "callback_base", false, kHttpUrl, "an http:// URL"),
           c.kannel.callback_base);
    set_if(r.integer(*t, "kannel.", "dlr_mask", 0, 63), c.kannel.dlr_mask);
  } else {
    r.error_at_table(root, "kannel", "required table is missing");
  }
  if (const auto* t = r.table(root, "", "outbox")) {
    r.only_known(*t, "outbox.", {"resend_after_ms"});
    read_millis(r, *t, "outbox.", "resend_after_ms", 50, 600000, c.outbox.resend_after);
  }

  std::set<std::string> region_ids;
  for (const auto* t : r.tables(root, "regions", 200)) {
    RegionConfig reg;
    r.only_known(*t, "regions.", {"id", "name"});
    set_if(r.matching(*t, "regions.", "id", true, kIdPattern, "a lower-case id"), reg.id);
    set_if(r.string(*t, "regions.", "name", false, 100), reg.name);
    if (!reg.id.empty() && !region_ids.insert(reg.id).second)
      r.error(t->source(), "regions.id", "duplicate region " + reg.id);
    c.regions.push_back(std::move(reg));
  }
  if (c.regions.empty()) r.error_at_table(root, "regions", "at least one [[regions]] is required");

  std::set<std::string> ids;
  // Each token belongs to exactly one principal: TokenRegistry would otherwise
  // let one partner's token act as another (or as an admin).
  std::map<std::string, std::string> token_owner;
  auto unique_token = [&](const toml::table& t, const std::string& p, const std::string& hash,
                          const std::string& owner) {
    if (hash.empty()) return;
    auto [it, fresh] = token_owner.emplace(hash, owner);
    if (!fresh)
      r.error(t.get("token_sha256")->source(), p + "token_sha256",
              "the same token is already configured for " + it->second);
  };
  auto region_list = [&](const toml::table& t, const std::string& p) {
    auto list = r.string_list(t, p, "regions", true, kIdPattern, "a region id");
    for (const auto& reg : list)
      if (!region_ids.count(reg)) r.error(t.get("regions")->source(), p + "regions", "unknown region " + reg);
    return list;
  };
  for (const auto* t : r.tables(root, "partners", 100)) {
    PartnerConfig p;
    r.only_known(*t, "partners.", {"id", "token_sha256", "regions", "rate_per_second", "burst"});
    set_if(r.matching(*t, "partners.", "id", true, kIdPattern, "a lower-case id"), p.id);
    set_if(r.matching(*t, "partners.", "token_sha256", true, kHexSha256,
                      "64 lower-case hex digits (sha256 of the token)"),
           p.token_sha256);
    unique_token(*t, "partners.", p.token_sha256, "partner " + p.id);
    p.regions = region_list(*t, "partners.");
    set_if(r.number(*t, "partners.", "rate_per_second", 0.1, 100000), p.rate_per_second);
    set_if(r.number(*t, "partners.", "burst", 1, 100000), p.burst);
    if (!p.id.empty() && !ids.insert("partner:" + p.id).second)
      r.error(t->source(), "partners.id", "duplicate partner " + p.id);
    c.partners.push_back(std::move(p));
  }
  for (const auto* t : r.tables(root, "admins", 20)) {
    AdminConfig a;
    r.only_known(*t, "admins.", {"id", "token_sha256"});
    set_if(r.matching(*t, "admins.", "id", true, kIdPattern, "a lower-case id"), a.id);
    set_if(r.matching(*t, "admins.", "token_sha256", true, kHexSha256,
                      "64 lower-case hex digits (sha256 of the token)"),
           a.token_sha256);
    unique_token(*t, "admins.", a.token_sha256, "admin " + a.id);
    if (!a.id.empty() && !ids.insert("admin:" + a.id).second)
      r.error(t->source(), "admins.id", "duplicate admin " + a.id);
    c.admins.push_back(std::move(a));
  }
  for (const auto* t : r.tables(root, "people", 1000)) {
    PersonConfig p;
    r.only_known(*t, "people.", {"id", "name", "role", "phone", "regions", "caseload_cap"});
    set_if(r.matching(*t, "people.", "id", true, kIdPattern, "a lower-case id"), p.id);
    set_if(r.string(*t, "people.", "name", true, 100), p.display_name);
    if (auto v = r.string(*t, "people.", "role", true)) {
      if (*v == "casemanager")
        p.role = StaffRole::casemanager;
      else if (*v == "team_lead")
        p.role = StaffRole::team_lead;
      else
        r.error(t->get("role")->source(), "people.role", "must be \"casemanager\" or \"team_lead\"");
    }
    set_if(r.matching(*t, "people.", "phone", true, kE164, "an E.164 number such as +447700900001"),
           p.phone);
    p.regions = region_list(*t, "people.");
    set_if(r.integer(*t, "people.", "caseload_cap", 1, 500), p.caseload_cap);
    if (!p.id.empty() && !ids.insert("person:" + p.id).second)
      r.error(t->source(), "people.id", "duplicate person " + p.id);
    c.people.push_back(std::move(p));
  }
  for (const auto* t : r.tables(root, "rotas", 200)) {
    SimpleRotaConfig rota;
    r.only_known(*t, "rotas.", {"region", "primary", "anchor", "shift_hours", "team_lead"});
    set_if(r.matching(*t, "rotas.", "region", true, kIdPattern, "a region id"), rota.region);
    if (!rota.region.empty() && !region_ids.count(rota.region))
      r.error(t->get("region")->source(), "rotas.region", "unknown region " + rota.region);
    rota.primary = r.string_list(*t, "rotas.", "primary", true, kIdPattern, "a person id");
    if (t->get("primary") && rota.primary.empty())
      r.error(t->get("primary")->source(), "rotas.primary", "needs at least one casemanager");
    for (const auto& id : rota.primary) {
      const auto* p = c.person(id);
      if (!p || p->role != StaffRole::casemanager)
        r.error(t->get("primary")->source(), "rotas.primary", "no casemanager with id " + id);
    }
    set_if(r.instant(*t, "rotas.", "anchor", true), rota.anchor);
    if (auto h = r.integer(*t, "rotas.", "shift_hours", 1, 24 * 28))
      rota.shift = std::chrono::hours{*h};
    set_if(r.matching(*t, "rotas.", "team_lead", true, kIdPattern, "a person id"), rota.team_lead);
    if (!rota.team_lead.empty()) {
      const auto* p = c.person(rota.team_lead);
      if (!p || p->role != StaffRole::team_lead)
        r.error(t->get("team_lead")->source(), "rotas.team_lead", "no team lead with id " + rota.team_lead);
    }
    c.rotas.push_back(std::move(rota));
  }

  if (!r.errors().empty()) {
    std::string all;
    for (const auto& e : r.errors()) all += e + "\n";
    all.pop_back();
    throw ConfigError(all);
  }
  return c;
}

Config load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string contents = text.str();
  if (contents.size() > 4 * 1024 * 1024) throw ConfigError(file.string() + ": larger than 4 MiB");
  return parse_config(contents, file.string());
}

}  // namespace piket::common
