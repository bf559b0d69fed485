// The TLS keys of the deployment file: [ingest] tls_cert, tls_key, client_ca,
// require_client_cert, [web] tls_cert, tls_key, and [[partners]] cert_sha256
// (checked against [ingest]). Paths are relative to the file; a file that
// cannot be read is an error naming the key and the path. No servers (unit).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "piket/config/config.hpp"
#include "temp_dir.hpp"

namespace piket::config {
namespace {

const std::string kFp(64, 'a');
const std::string kFp2(64, 'b');

class TlsConfigTest : public ::testing::Test {
 protected:
  TlsConfigTest() {
    for (const char* f : {"server.crt", "server.key", "ca.crt"})
      std::ofstream(dir_ / f) << "placeholder: the parser only checks that the file is readable\n";
  }

  std::string file() const { return (dir_ / "piket.toml").string(); }

  static std::string base(const std::string& ingest, const std::string& partner_extra = "",
                          const std::string& web = "") {
    return "[ingest]\n" + ingest + "\n[web]\n" + web +
           "\n[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n"
           "[[regions]]\nid = \"groningen\"\n"
           "[[partners]]\nid = \"police\"\ntoken_sha256 = \"" +
           std::string(64, 'e') + "\"\nregions = [\"groningen\"]\n" + partner_extra;
  }

  // The problems parsing `text` reports (empty if none).
  std::string errors_of(const std::string& text) const {
    try {
      parse_config(text, file());
    } catch (const common::ConfigError& e) {
      return e.what();
    }
    return {};
  }

  test::TempDir dir_{"piket-tls-config"};
};

constexpr const char* kTls = "tls_cert = \"server.crt\"\ntls_key = \"server.key\"\n";

TEST_F(TlsConfigTest, NoTlsByDefault) {
  const auto c = parse_config(base(""), file());
  EXPECT_FALSE(c.ingest.tls.enabled());
  EXPECT_FALSE(c.web.tls.enabled());
  EXPECT_TRUE(c.ingest.tls.client_ca.empty());
  EXPECT_FALSE(c.ingest.tls.require_client_cert);
  EXPECT_TRUE(c.partners.at(0).cert_sha256.empty());
}

TEST_F(TlsConfigTest, PathsAreRelativeToTheFileOrAbsolute) {
  const auto abs_key = (dir_ / "server.key").string();
  const auto c =
      parse_config(base(std::string(kTls) + "client_ca = \"ca.crt\"\nrequire_client_cert = true\n",
                        "cert_sha256 = \"" + kFp + "\"\n",
                        "tls_cert = \"server.crt\"\ntls_key = \"" + abs_key + "\"\n"),
                   file());
  EXPECT_TRUE(c.ingest.tls.enabled());
  EXPECT_EQ(c.ingest.tls.cert_chain, dir_ / "server.crt");
  EXPECT_EQ(c.ingest.tls.private_key, dir_ / "server.key");
  EXPECT_EQ(c.ingest.tls.client_ca, dir_ / "ca.crt");
  EXPECT_TRUE(c.ingest.tls.require_client_cert);
  EXPECT_EQ(c.web.tls.cert_chain, dir_ / "server.crt");
  EXPECT_EQ(c.web.tls.private_key, abs_key);
  EXPECT_EQ(c.partners.at(0).cert_sha256, std::vector<std::string>{kFp});
}

TEST_F(TlsConfigTest, MissingFileIsAnErrorNamingTheKeyAndThePath) {
  const auto e = errors_of(base("tls_cert = \"absent.crt\"\ntls_key = \"server.key\"\n"));
  EXPECT_NE(e.find("piket.toml:2: ingest.tls_cert: cannot read the file " +
                   (dir_ / "absent.crt").string()),
            std::string::npos)
      << e;
  const auto w = errors_of(base("", "", "tls_cert = \"server.crt\"\ntls_key = \"no/key.pem\"\n"));
  EXPECT_NE(w.find("web.tls_key: cannot read the file " + (dir_ / "no/key.pem").string()),
            std::string::npos)
      << w;
}

TEST_F(TlsConfigTest, CertificateAndKeyComeTogether) {
  EXPECT_NE(errors_of(base("tls_cert = \"server.crt\"\n"))
                .find("ingest.tls_key: required with "
                      "ingest.tls_cert"),
            std::string::npos);
  EXPECT_NE(errors_of(base("", "", "tls_key = \"server.key\"\n"))
                .find("web.tls_cert: required with web.tls_key"),
            std::string::npos);
}

TEST_F(TlsConfigTest, ClientCertificatesNeedTheirCaAndTls) {
  EXPECT_NE(errors_of(base(std::string(kTls) + "require_client_cert = true\n"))
                .find("ingest.require_client_cert: needs ingest.client_ca"),
            std::string::npos);
  EXPECT_NE(errors_of(base("client_ca = \"ca.crt\"\n"))
                .find("ingest.client_ca: client certificates need TLS"),
            std::string::npos);
  // The web app takes no client certificates.
  EXPECT_NE(errors_of(base("", "", std::string(kTls) + "client_ca = \"ca.crt\"\n"))
                .find("web.client_ca: unknown key"),
            std::string::npos);
  // A partner's certificate needs the CA that signs it.
  EXPECT_NE(errors_of(base(kTls, "cert_sha256 = \"" + kFp + "\"\n"))
                .find("partners.cert_sha256: client certificates need [ingest] client_ca"),
            std::string::npos);
}

TEST_F(TlsConfigTest, RequiredClientCertificatesNeedEveryPartnersFingerprint) {
  const auto e =
      errors_of(base(std::string(kTls) + "client_ca = \"ca.crt\"\nrequire_client_cert = true\n"));
  EXPECT_NE(e.find("partners.cert_sha256: required for partner police"), std::string::npos) << e;
  // Asked for but not required: a partner may go without.
  EXPECT_EQ(errors_of(base(std::string(kTls) + "client_ca = \"ca.crt\"\n")), "");
}

TEST_F(TlsConfigTest, FingerprintsAreHexOrColonPairsAndBelongToOnePartner) {
  const std::string ingest = std::string(kTls) + "client_ca = \"ca.crt\"\n";
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += (i ? ":" : "") + std::string("AB");
  const auto c =
      parse_config(base(ingest, "cert_sha256 = [\"" + colons + "\", \"" + kFp2 + "\"]\n"), file());
  std::string ab;
  for (int i = 0; i < 32; ++i) ab += "ab";
  EXPECT_EQ(c.partners.at(0).cert_sha256, (std::vector<std::string>{ab, kFp2}));

  for (const std::string& bad :
       std::vector<std::string>{"\"abc\"", "\"" + std::string(64, 'g') + "\"", "[]", "42",
                                "[\"" + kFp + "\", \"" + kFp2 + "\", \"" + kFp + "\", \"" + kFp2 +
                                    "\", \"" + kFp + "\"]"}) {
    SCOPED_TRACE(bad);
    EXPECT_NE(errors_of(base(ingest, "cert_sha256 = " + bad + "\n")).find("partners.cert_sha256"),
              std::string::npos);
  }
  // One certificate, two partners: one could act as the other.
  const auto twice = errors_of(
      base(ingest, "cert_sha256 = \"" + kFp + "\"\n[[partners]]\nid = \"vt\"\ntoken_sha256 = \"" +
                       std::string(64, 'f') + "\"\nregions = [\"groningen\"]\ncert_sha256 = \"" +
                       kFp + "\"\n"));
  EXPECT_NE(twice.find("the same certificate is already configured for partner police"),
            std::string::npos)
      << twice;
}

}  // namespace
}  // namespace piket::config
