#include "piket/common/config.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "piket/common/time_format.hpp"
#include "piket/common/toml_reader.hpp"

namespace piket::common {

void parse_shared(TomlReader& r, SharedConfig& c) {
  const toml::table& root = r.root();
  const std::string& file_name = r.file();
  c.file = file_name;
  c.secrets_dir = std::filesystem::path(file_name).parent_path() / "secrets";
  if (const auto* t = r.table(root, "", "secrets")) {
    r.only_known(*t, "secrets.", {"dir"});
    if (auto v = r.string(*t, "secrets.", "dir", false, 1000)) {
      std::filesystem::path p(*v);
      c.secrets_dir = p.is_absolute() ? p : std::filesystem::path(file_name).parent_path() / p;
    }
  }

  if (const auto* d = r.table(root, "", "deployment")) {
    r.only_known(*d, "deployment.", {"name", "language"});
    if (auto v = r.matching(*d, "deployment.", "name", false, id_pattern(), "a lower-case id"))
      c.deployment = *v;
    if (auto v = r.string(*d, "deployment.", "language", false)) {
      if (auto l = i18n::parse_language(*v))
        c.language = *l;
      else
        r.error(d->get("language")->source(), "deployment.language", "must be \"nl\" or \"en\"");
    }
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
    r.only_known(
        *t, "redis.",
        {"address", "timeout_ms", "sentinels", "master_name", "min_replicas", "replica_wait_ms"});
    set_if(r.host_port(*t, "redis.", "address"), c.redis.address);
    read_millis(r, *t, "redis.", "timeout_ms", 10, 60000, c.redis.timeout);
    static const std::regex host_port_re{R"([A-Za-z0-9.:_\[\]-]+:[0-9]{1,5})"};
    const auto sentinels =
        r.string_list(*t, "redis.", "sentinels", false, host_port_re, "HOST:PORT");
    if (sentinels.size() > 16)
      r.error(t->get("sentinels")->source(), "redis.sentinels", "more than 16 sentinels");
    for (const auto& s : sentinels) {
      auto parsed = parse_host_port(s);
      if (parsed.address)
        c.redis.sentinels.push_back(std::move(*parsed.address));
      else
        r.error(t->get("sentinels")->source(), "redis.sentinels", parsed.problem + ": " + s);
    }
    if (auto v = r.matching(*t, "redis.", "master_name", false, id_pattern(), "a lower-case id")) {
      c.redis.master_name = *v;
      if (!t->get("sentinels"))
        r.error(t->get("master_name")->source(), "redis.master_name",
                "needs redis.sentinels (the sentinels that know this primary)");
    }
    if (auto v = r.integer(*t, "redis.", "min_replicas", 0, 16))
      c.redis.min_replicas = static_cast<int>(*v);
    read_millis(r, *t, "redis.", "replica_wait_ms", 10, 60000, c.redis.replica_wait);
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
        r.error(t->get("level")->source(), "log.level",
                "must be trace, debug, info, warn or error");
    }
    set_if(r.string(*t, "log.", "dir", false, 1000), c.log.dir);
  }
}

OutboxConfig parse_outbox(TomlReader& r) {
  OutboxConfig c;
  if (const auto* t = r.table(r.root(), "", "outbox")) {
    r.only_known(*t, "outbox.", {"resend_after_ms"});
    read_millis(r, *t, "outbox.", "resend_after_ms", 50, 600000, c.resend_after);
  }
  return c;
}

void parse_config_file(std::string_view text, const std::string& file_name,
                       std::initializer_list<std::string_view> sections,
                       const std::function<void(TomlReader&)>& read) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << file_name << ':' << e.source().begin.line << ": " << e.description();
    throw ConfigError(out.str());
  }
  TomlReader r(file_name, root);
  r.only_known(root, "", sections);
  read(r);
  if (!r.errors().empty()) throw ConfigError(r.all_errors());
}

std::string read_config_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string contents = text.str();
  if (contents.size() > 4 * 1024 * 1024) throw ConfigError(file.string() + ": larger than 4 MiB");
  return contents;
}

}  // namespace piket::common
