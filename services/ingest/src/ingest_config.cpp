#include "piket/ingest/ingest_config.hpp"

#include <cctype>
#include <map>
#include <regex>

#include "piket/common/tls_config.hpp"
#include "piket/common/toml_reader.hpp"

namespace piket::ingest {

using common::set_if;
using common::TomlReader;

namespace {
const std::regex kHexSha256{"^[0-9a-f]{64}$"};
// A certificate's SHA-256 fingerprint: 64 hex digits, or 32 pairs separated
// by colons as `openssl x509 -noout -fingerprint -sha256` prints them.
const std::regex kFingerprint{"^([0-9a-fA-F]{64}|[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){31})$"};

std::string normalized_fingerprint(const std::string& v) {
  std::string out;
  for (char ch : v)
    if (ch != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// partners.cert_sha256: one fingerprint or a list of up to 4.
std::vector<std::string> read_fingerprints(TomlReader& r, const toml::table& t) {
  std::vector<std::string> out;
  const toml::node* n = t.get("cert_sha256");
  if (!n) return out;
  const char* rule = "the certificate's SHA-256 fingerprint (64 hex digits, colons allowed)";
  if (n->is_string()) {
    if (auto v = r.matching(t, "partners.", "cert_sha256", false, kFingerprint, rule))
      out.push_back(normalized_fingerprint(*v));
    return out;
  }
  if (const auto* a = n->as_array(); a && a->size() <= 4) {
    for (const auto& v : r.string_list(t, "partners.", "cert_sha256", false, kFingerprint, rule))
      out.push_back(normalized_fingerprint(v));
    if (out.empty() && a->empty())
      r.error(n->source(), "partners.cert_sha256", "must not be an empty list");
    return out;
  }
  r.error(n->source(), "partners.cert_sha256",
          "must be a fingerprint or a list of at most 4 fingerprints");
  return out;
}
}  // namespace

IngestConfig parse_ingest(TomlReader& r) {
  IngestConfig c;
  if (const auto* t = r.table(r.root(), "", "ingest")) {
    r.only_known(
        *t, "ingest.",
        {"http", "threads", "queue_limit", "queue_wait_ms", "max_connections",
         "max_connections_per_address", "tls_cert", "tls_key", "client_ca", "require_client_cert"});
    set_if(r.host_port(*t, "ingest.", "http"), c.http);
    set_if(r.integer(*t, "ingest.", "threads", 1, 64), c.threads);
    set_if(r.integer(*t, "ingest.", "queue_limit", 1, 10000), c.queue_limit);
    common::read_millis(r, *t, "ingest.", "queue_wait_ms", 0, 60000, c.queue_wait);
    set_if(r.integer(*t, "ingest.", "max_connections", 1, 100000), c.max_connections);
    set_if(r.integer(*t, "ingest.", "max_connections_per_address", 0, 100000),
           c.max_connections_per_address);
    c.tls = common::read_tls_options(r, *t, "ingest.", true);
  }
  return c;
}

std::vector<PartnerConfig> parse_partners(TomlReader& r, const std::set<std::string>& region_ids,
                                          const IngestConfig& ingest) {
  std::vector<PartnerConfig> partners;
  std::set<std::string> ids;
  std::map<std::string, std::string> cert_owners;  // fingerprint -> partner
  for (const auto* t : r.tables(r.root(), "partners", 100)) {
    PartnerConfig p;
    r.only_known(*t, "partners.",
                 {"id", "token_sha256", "regions", "rate_per_second", "burst", "cert_sha256"});
    set_if(r.matching(*t, "partners.", "id", true, common::id_pattern(), "a lower-case id"), p.id);
    set_if(r.matching(*t, "partners.", "token_sha256", true, kHexSha256,
                      "64 lower-case hex digits (sha256 of the token)"),
           p.token_sha256);
    r.unique_token(*t, "partners.", p.token_sha256, "partner " + p.id);
    p.regions = r.known_ids(*t, "partners.", "regions", true, region_ids, "a region id", "region");
    set_if(r.number(*t, "partners.", "rate_per_second", 0.1, 100000), p.rate_per_second);
    set_if(r.number(*t, "partners.", "burst", 1, 100000), p.burst);
    if (!p.id.empty() && !ids.insert(p.id).second)
      r.error(t->source(), "partners.id", "duplicate partner " + p.id);
    p.cert_sha256 = read_fingerprints(r, *t);
    if (t->get("cert_sha256") && ingest.tls.client_ca.empty())
      r.error(t->get("cert_sha256")->source(), "partners.cert_sha256",
              "client certificates need [ingest] client_ca (and tls_cert, tls_key)");
    if (!t->get("cert_sha256") && ingest.tls.require_client_cert)
      r.error(t->source(), "partners.cert_sha256",
              "required for partner " + p.id + ": [ingest] require_client_cert = true");
    for (const auto& f : p.cert_sha256) {
      auto [it, fresh] = cert_owners.emplace(f, p.id);
      if (!fresh)
        r.error(t->get("cert_sha256")->source(), "partners.cert_sha256",
                "the same certificate is already configured for partner " + it->second);
    }
    partners.push_back(std::move(p));
  }
  return partners;
}

std::vector<AdminConfig> parse_admins(TomlReader& r) {
  std::vector<AdminConfig> admins;
  std::set<std::string> ids;
  for (const auto* t : r.tables(r.root(), "admins", 20)) {
    AdminConfig a;
    r.only_known(*t, "admins.", {"id", "token_sha256"});
    set_if(r.matching(*t, "admins.", "id", true, common::id_pattern(), "a lower-case id"), a.id);
    set_if(r.matching(*t, "admins.", "token_sha256", true, kHexSha256,
                      "64 lower-case hex digits (sha256 of the token)"),
           a.token_sha256);
    r.unique_token(*t, "admins.", a.token_sha256, "admin " + a.id);
    if (!a.id.empty() && !ids.insert(a.id).second)
      r.error(t->source(), "admins.id", "duplicate admin " + a.id);
    admins.push_back(std::move(a));
  }
  return admins;
}

}  // namespace piket::ingest
