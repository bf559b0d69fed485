#include "piket/ingest/ingest_config.hpp"

#include <regex>

#include "piket/common/toml_reader.hpp"

namespace piket::ingest {

using common::set_if;
using common::TomlReader;

namespace {
const std::regex kHexSha256{"^[0-9a-f]{64}$"};
}  // namespace

IngestConfig parse_ingest(TomlReader& r) {
  IngestConfig c;
  if (const auto* t = r.table(r.root(), "", "ingest")) {
    r.only_known(*t, "ingest.", {"http", "threads"});
    set_if(r.host_port(*t, "ingest.", "http"), c.http);
    set_if(r.integer(*t, "ingest.", "threads", 1, 64), c.threads);
  }
  return c;
}

std::vector<PartnerConfig> parse_partners(TomlReader& r, const std::set<std::string>& region_ids) {
  std::vector<PartnerConfig> partners;
  std::set<std::string> ids;
  for (const auto* t : r.tables(r.root(), "partners", 100)) {
    PartnerConfig p;
    r.only_known(*t, "partners.", {"id", "token_sha256", "regions", "rate_per_second", "burst"});
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
