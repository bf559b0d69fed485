// The example production deployment (deploy/production) is a deployment
// today's piket accepts: its piket.toml parses with config::parse_config as it
// is — its TLS files (/etc/piket/tls/…) replaced by throwaway certificates —
// and its rota file matches its people. No servers (label unit).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "piket/config/config.hpp"
#include "piket/rota/rota_file.hpp"
#include "test_pki.hpp"

namespace piket::config {
namespace {

const std::filesystem::path kDir = std::filesystem::path(PIKET_SOURCE_DIR) / "deploy/production";

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// piket.toml with each /etc/piket/tls/ file it names made in `pki`; fails the test if the
// file names one this test does not know.
std::string with_test_certificates(test::TestPki& pki) {
  auto text = read(kDir / "piket.toml");
  const auto partner_api = pki.server("partner-api");
  const auto web = pki.server("web");
  replace_all(text, "/etc/piket/tls/partner-api.crt", partner_api.cert.string());
  replace_all(text, "/etc/piket/tls/partner-api.key", partner_api.key.string());
  replace_all(text, "/etc/piket/tls/partners-ca.crt", pki.ca().cert.string());
  replace_all(text, "/etc/piket/tls/web.crt", web.cert.string());
  replace_all(text, "/etc/piket/tls/web.key", web.key.string());
  EXPECT_EQ(text.find("/etc/piket/tls/"), std::string::npos)
      << "a TLS file this test does not make";
  return text;
}

TEST(ProductionExample, PiketTomlParses) {
  test::TestPki pki;
  const auto file = kDir / "piket.toml";
  Config cfg;
  try {
    cfg = parse_config(with_test_certificates(pki), file.string());
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
  // What leaves the machine is HTTPS; partners must show their client certificate.
  EXPECT_FALSE(cfg.ingest.tls.cert_chain.empty());
  EXPECT_TRUE(cfg.ingest.tls.require_client_cert);
  EXPECT_FALSE(cfg.web.tls.cert_chain.empty());
}

TEST(ProductionExample, RedisIsFoundThroughThreeSentinelsAndAnswersWaitForAReplica) {
  test::TestPki pki;
  const auto cfg = parse_config(with_test_certificates(pki), (kDir / "piket.toml").string());
  ASSERT_EQ(cfg.redis.sentinels.size(), 3u);
  for (const auto& s : cfg.redis.sentinels) EXPECT_EQ(s.port, 26390);
  EXPECT_EQ(cfg.redis.master_name, "piket");
  EXPECT_EQ(cfg.redis.min_replicas, 1);
}

TEST(ProductionExample, RotaFileMatchesThePeople) {
  const auto file = kDir / "piket.toml";
  test::TestPki pki;
  const auto cfg = parse_config(with_test_certificates(pki), file.string());
  try {
    const auto rota = rota::load_rota_file(cfg.rota.file, cfg.people);
    (void)rota;
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

}  // namespace
}  // namespace piket::config
