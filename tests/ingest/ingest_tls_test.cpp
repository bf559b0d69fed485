// The partner API over HTTPS end to end (labels redis, tls): the deployment
// file's [ingest] TLS keys and the partners' cert_sha256, IngestApi on an
// HttpServer with mutual TLS, a RedisIncidentStore on a private redis-server,
// and curl as the partner. Certificates from the openssl tool
// (tests/support/test_pki.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>

#include "piket/common/crypto.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/ingest_wiring.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/store/incident.hpp"
#include "private_redis.hpp"
#include "test_pki.hpp"

namespace piket::ingest {
namespace {

namespace json = boost::json;
using test::run_command;
using test::TestPki;

const std::string kPoliceToken = "police-token-tls-1";
const std::string kVeiligThuisToken = "vt-token-tls-2";

const std::string kBody = R"({"reference":"PNN-TLS-1","kind":"home_ban","region":"groningen",)"
                          R"("reported_at":"2026-11-22T14:03:00+01:00","household":"hh-tls",)"
                          R"("home_ban":{"starts_at":"2026-11-22T13:40:00+01:00",)"
                          R"("ends_at":"2026-12-02T13:40:00+01:00"}})";

class IngestTlsTest : public ::testing::Test {
 protected:
  IngestTlsTest()
      : redis_("piket-ingest-tls"),
        server_pair_(pki_.server("ingest")),
        police_(pki_.client("police", "police")),
        vt_(pki_.client("veilig-thuis", "veilig-thuis")),
        // The deployment file lives beside the certificates: its paths are relative to it.
        config_(config::parse_config(config_text(), (pki_.dir() / "piket.toml").string())),
        store_(redis_.config_as("ingest"), common::Millis{2000}, nullptr),
        domain_(*common::parse_rfc3339("2026-11-22T13:05:00Z")),
        transport_(*common::parse_rfc3339("2031-01-01T00:00:00Z")),
        metrics_("ingest"),
        api_(ingest_deps(config_, domain_, transport_, store_, metrics_)) {
    auto o = ingest_server_options(config_, transport_, metrics_);
    o.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<common::HttpServer>(
        std::move(o), [this](const common::HttpRequest& r) { return api_.handle(r); });
    server_->start();
  }

  std::string config_text() const {
    return "[ingest]\n"
           "tls_cert = \"ingest.crt\"\ntls_key = \"ingest.key\"\n"
           "client_ca = \"ca.crt\"\nrequire_client_cert = true\n"
           "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n"
           "[[regions]]\nid = \"groningen\"\n"
           "[[partners]]\nid = \"police\"\ntoken_sha256 = \"" +
           common::sha256_hex(kPoliceToken) + "\"\nregions = [\"groningen\"]\ncert_sha256 = \"" +
           TestPki::fingerprint(police_.cert) +
           "\"\n"
           "[[partners]]\nid = \"veilig-thuis\"\ntoken_sha256 = \"" +
           common::sha256_hex(kVeiligThuisToken) +
           "\"\nregions = [\"groningen\"]\n"
           // The colon form that `openssl x509 -fingerprint -sha256` prints.
           "cert_sha256 = [\"" +
           colon_form(TestPki::fingerprint(vt_.cert)) + "\"]\n";
  }
  static std::string colon_form(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2)
      out += (i ? ":" : "") + std::string(1, static_cast<char>(std::toupper(hex[i]))) +
             static_cast<char>(std::toupper(hex[i + 1]));
    return out;
  }

  // curl as a partner: POST (with a body) or GET; prints the body, then the status.
  test::CommandResult curl(const std::string& path, const std::string& token,
                           const TestPki::Pair* cert, bool post) {
    std::string cmd = "curl -sS --max-time 10 --cacert " + TestPki::q(pki_.ca().cert);
    if (cert) cmd += " --cert " + TestPki::q(cert->cert) + " --key " + TestPki::q(cert->key);
    if (!token.empty()) cmd += " -H " + test::shell_quote("Authorization: Bearer " + token);
    if (post)
      cmd += " -H 'Content-Type: application/json' --data-binary " + test::shell_quote(kBody);
    cmd += " -w '\\n%{http_code}' https://127.0.0.1:" + std::to_string(server_->port()) + path;
    return run_command(cmd);
  }
  static int status_of(const test::CommandResult& r) {
    const auto nl = r.output.rfind('\n');
    return nl == std::string::npos ? 0 : std::atoi(r.output.c_str() + nl + 1);
  }
  static std::string error_code_of(const test::CommandResult& r) {
    const auto v = json::parse(r.output.substr(0, r.output.rfind('\n')));
    return std::string(v.at("error").at("code").as_string());
  }

  test::PrivateRedis redis_;
  TestPki pki_;
  TestPki::Pair server_pair_, police_, vt_;
  config::Config config_;
  RedisIncidentStore store_;
  common::SimulatedClock domain_, transport_;
  common::Metrics metrics_;
  IngestApi api_;
  std::unique_ptr<common::HttpServer> server_;
};

TEST_F(IngestTlsTest, ConfigurationPathsAreRelativeToTheFile) {
  EXPECT_EQ(config_.ingest.tls.cert_chain, pki_.dir() / "ingest.crt");
  EXPECT_EQ(config_.ingest.tls.private_key, pki_.dir() / "ingest.key");
  EXPECT_EQ(config_.ingest.tls.client_ca, pki_.dir() / "ca.crt");
  EXPECT_TRUE(config_.ingest.tls.require_client_cert);
  ASSERT_EQ(config_.partners.size(), 2u);
  EXPECT_EQ(config_.partners[1].cert_sha256,
            std::vector<std::string>{TestPki::fingerprint(vt_.cert)});  // normalized
}

TEST_F(IngestTlsTest, PostOverMutualTlsEndToEnd) {
  // Without a client certificate: the handshake fails; nothing is stored.
  auto r = curl("/v1/incidents", kPoliceToken, nullptr, true);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(status_of(r), 0) << r.output;

  // Another partner's certificate with this partner's token: 403.
  r = curl("/v1/incidents", kPoliceToken, &vt_, true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(status_of(r), 403) << r.output;
  EXPECT_EQ(error_code_of(r), "client_certificate_mismatch");

  // The right certificate gets through to the token check: no token is 401.
  r = curl("/v1/incidents", "", &police_, true);
  EXPECT_EQ(status_of(r), 401) << r.output;
  EXPECT_EQ(error_code_of(r), "missing_token");
  common::RedisConnection ops(redis_.config());
  EXPECT_EQ(ops.command({"EXISTS", store::idempotency_key("police", "PNN-TLS-1")}).integer, 0);

  // Certificate and token of the same partner: 201, durable in Redis.
  r = curl("/v1/incidents", kPoliceToken, &police_, true);
  ASSERT_EQ(status_of(r), 201) << r.output;
  const auto created = json::parse(r.output.substr(0, r.output.rfind('\n')));
  const std::string id(created.at("incident_id").as_string());
  EXPECT_EQ(ops.command({"GET", store::idempotency_key("police", "PNN-TLS-1")}).str, id);

  // The same again: 200 with the same body; and the incident can be read.
  r = curl("/v1/incidents", kPoliceToken, &police_, true);
  EXPECT_EQ(status_of(r), 200) << r.output;
  r = curl("/v1/incidents/" + id, kPoliceToken, &police_, false);
  EXPECT_EQ(status_of(r), 200) << r.output;

  // veilig-thuis with its own certificate (configured in the colon form) and token.
  r = curl("/v1/incidents/" + id, kVeiligThuisToken, &vt_, false);
  EXPECT_EQ(status_of(r), 404) << r.output;  // not its incident: as over plain HTTP
}

}  // namespace
}  // namespace piket::ingest
