#pragma once
// Reading a human-edited TOML file (toml++) with bounds: every problem is
// collected with its line, as "file:line: key: what is wrong", so one run
// tells the editor all that is wrong. The deployment file (each section's
// parser beside its owner's code, docs/configuration.md) and the rota file
// (rota/src/rota_file.cpp) read through it. Header only and without I/O, so a
// pure library may use it. Include only where toml++ is linked.

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/host_port.hpp"
#include "piket/common/time_format.hpp"

namespace piket::common {

class TomlReader {
 public:
  explicit TomlReader(std::string file) : file_(std::move(file)) {}
  // A reader over a whole file whose root table is `root` (the deployment
  // file: each section's parser finds its table there).
  TomlReader(std::string file, const toml::table& root) : file_(std::move(file)), root_(&root) {}

  const toml::table& root() const {
    static const toml::table empty;
    return root_ ? *root_ : empty;
  }

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
                                    std::string_view key, bool required,
                                    std::size_t max_len = 300) {
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

  // A lower-case id such as a region, layer or person: [a-z0-9][a-z0-9_-]{0,63}.
  std::optional<std::string> id(const toml::table& t, const std::string& prefix,
                                std::string_view key, bool required) {
    static const std::regex re{"^[a-z0-9][a-z0-9_-]{0,63}$"};
    return matching(t, prefix, key, required, re, "a lower-case id");
  }

  std::optional<std::int64_t> integer(const toml::table& t, const std::string& prefix,
                                      std::string_view key, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    return integer(*n, prefix + std::string(key), lo, hi);
  }
  // A value that is not under a key (an array element); `name` says where.
  std::optional<std::int64_t> integer(const toml::node& n, const std::string& name, std::int64_t lo,
                                      std::int64_t hi) {
    if (!n.is_integer()) {
      error(n.source(), name, "must be an integer");
      return std::nullopt;
    }
    const auto v = n.as_integer()->get();
    if (v < lo || v > hi) {
      error(n.source(), name,
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
    auto parsed = parse_host_port(*v);
    if (!parsed.address) error(t.get(key)->source(), prefix + std::string(key), parsed.problem);
    return parsed.address;
  }

  std::optional<Instant> instant(const toml::table& t, const std::string& prefix,
                                 std::string_view key, bool required) {
    auto v = string(t, prefix, key, required);
    if (!v) return std::nullopt;
    auto parsed = parse_rfc3339(*v);
    if (!parsed)
      error(t.get(key)->source(), prefix + std::string(key), "must be RFC 3339 with offset");
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
      error(n->source(), std::string(key),
            "must be written as [[" + std::string(key) + "]] tables");
      return out;
    }
    if (a->size() > max)
      error(n->source(), std::string(key), "more than " + std::to_string(max) + " entries");
    for (std::size_t i = 0; i < a->size() && i < max; ++i) out.push_back(a->get(i)->as_table());
    return out;
  }

  // A list of ids each of which must be in `known` ("unknown <what> <id>"
  // otherwise), such as the regions a partner or a person serves.
  std::vector<std::string> known_ids(const toml::table& t, const std::string& prefix,
                                     std::string_view key, bool required,
                                     const std::set<std::string>& known, const char* rule,
                                     const std::string& what) {
    static const std::regex re{"^[a-z0-9][a-z0-9_-]{0,63}$"};
    auto list = string_list(t, prefix, key, required, re, rule);
    for (const auto& id : list)
      if (!known.count(id))
        error(t.get(key)->source(), prefix + std::string(key), "unknown " + what + " " + id);
    return list;
  }

  // Each bearer token (its hash under `token_sha256`) belongs to exactly one
  // principal of the whole file — partner, admin or person: a token listed
  // twice would let one act as another.
  void unique_token(const toml::table& t, const std::string& prefix, const std::string& hash,
                    const std::string& owner) {
    if (hash.empty()) return;
    auto [it, fresh] = token_owners_.emplace(hash, owner);
    if (!fresh)
      error(t.get("token_sha256")->source(), prefix + "token_sha256",
            "the same token is already configured for " + it->second);
  }

  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& file() const { return file_; }
  // Every problem, one per line (empty when there is none).
  std::string all_errors() const {
    std::string all;
    for (const auto& e : errors_) all += (all.empty() ? "" : "\n") + e;
    return all;
  }

 private:
  std::string file_;
  const toml::table* root_ = nullptr;
  std::vector<std::string> errors_;
  std::map<std::string, std::string> token_owners_;  // token hash -> "partner police", …
};

// The small idioms of every section parser: keep the default unless the key is given.
template <typename T, typename U>
void set_if(std::optional<U> v, T& target) {
  if (v) target = static_cast<T>(*v);
}

inline void read_millis(TomlReader& r, const toml::table& t, const std::string& p,
                        std::string_view key, std::int64_t lo, std::int64_t hi, Millis& target) {
  if (auto v = r.integer(t, p, key, lo, hi)) target = Millis{*v};
}

// The lower-case id pattern of regions, people, partners: [a-z0-9][a-z0-9_-]{0,63}.
inline const std::regex& id_pattern() {
  static const std::regex re{"^[a-z0-9][a-z0-9_-]{0,63}$"};
  return re;
}

// A ZeroMQ endpoint: tcp://host:port, ipc://path or inproc://name.
inline const std::regex& zmq_endpoint_pattern() {
  static const std::regex re{
      "^(tcp://[0-9a-zA-Z.*-]+:[0-9]{1,5}|ipc://[^ ]{1,200}|inproc://[^ ]{1,100})$"};
  return re;
}

// A receiver's `zmq_peers`: every instance's endpoint (1 to 16, no repeats);
// absent: empty (one instance, its own `zmq`).
inline std::vector<std::string> zmq_peer_list(TomlReader& r, const toml::table& t,
                                              const std::string& p) {
  auto peers = r.string_list(t, p, "zmq_peers", false, zmq_endpoint_pattern(), "a ZeroMQ endpoint");
  const std::string name = p + "zmq_peers";
  if (const auto* n = t.get("zmq_peers"); n && n->as_array()) {
    if (n->as_array()->empty() || n->as_array()->size() > 16)
      r.error(n->source(), name, "must list 1 to 16 endpoints (every instance's)");
    if (std::set<std::string>(peers.begin(), peers.end()).size() != peers.size())
      r.error(n->source(), name, "lists an endpoint twice");
  }
  return peers;
}

}  // namespace piket::common
