// The example production deployment (deploy/production) is a deployment
// today's piket accepts: its piket.toml parses with config::parse_config once
// the lines of keys that other parts of issue 13 add are left out (they are
// marked "(coming with issue 13)"), and its rota file matches its people.
// No servers (label unit).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "piket/config/config.hpp"
#include "piket/rota/rota_file.hpp"

namespace piket::config {
namespace {

const std::filesystem::path kDir = std::filesystem::path(PIKET_SOURCE_DIR) / "deploy/production";
constexpr std::string_view kComing = "(coming with issue 13)";

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Split {
  std::string today;             // the file without the coming lines
  std::set<std::string> coming;  // "section.key" of each coming line
};

Split split_coming(const std::string& text) {
  Split out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.starts_with("[")) section = line.substr(1, line.find(']') - 1);
    // A key's line that ends in the marker (comments about it stay).
    if (line.starts_with("#") || !line.ends_with(kComing)) {
      out.today += line + "\n";
      continue;
    }
    out.coming.insert(section + "." + line.substr(0, line.find_first_of(" =")));
    out.today += "\n";  // keep the line numbers of errors
  }
  return out;
}

TEST(ProductionExample, PiketTomlParsesWithoutTheComingKeys) {
  const auto file = kDir / "piket.toml";
  const auto split = split_coming(read(file));
  Config cfg;
  try {
    cfg = parse_config(split.today, file.string());
  } catch (const common::ConfigError& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(cfg.deployment, "piket-prod");
  EXPECT_TRUE(cfg.log.json) << "the units log to the journal as JSON lines";
  EXPECT_TRUE(cfg.log.dir.empty()) << "no log files: the journal";
  EXPECT_EQ(cfg.redis.address.host, "10.20.0.11");
  EXPECT_EQ(cfg.redis.address.port, 6390);
  EXPECT_EQ(cfg.secrets_dir, kDir / "secrets");
  EXPECT_EQ(cfg.rota.file, kDir / "rota.toml");
  // Only what leaves the machine listens beyond loopback.
  EXPECT_EQ(cfg.ingest.http.host, "0.0.0.0");
  EXPECT_EQ(cfg.web.http.host, "0.0.0.0");
  for (const auto* h : {&cfg.dispatch.http, &cfg.notify.http, &cfg.inbound.http, &cfg.cases.http})
    EXPECT_EQ(h->host, "127.0.0.1");
}

TEST(ProductionExample, OnlyTheKnownKeysAreMarkedComing) {
  // The keys of issue 13's Sentinel and TLS parts; anything else marked would
  // hide a mistake in the example from the test above.
  const std::set<std::string> expected{
      "redis.sentinels", "redis.master_name", "redis.min_replicas", "redis.replica_wait_ms",
      "ingest.tls_cert", "ingest.tls_key",    "ingest.client_ca",   "ingest.require_client_cert",
      "web.tls_cert",    "web.tls_key"};
  EXPECT_EQ(split_coming(read(kDir / "piket.toml")).coming, expected);
}

TEST(ProductionExample, RotaFileMatchesThePeople) {
  const auto file = kDir / "piket.toml";
  const auto cfg = parse_config(split_coming(read(file)).today, file.string());
  try {
    const auto rota = rota::load_rota_file(cfg.rota.file, cfg.people);
    (void)rota;
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

}  // namespace
}  // namespace piket::config
