// HttpServer over TLS (label tls): throwaway certificates from the openssl
// tool (tests/support/test_pki.hpp) and real clients — curl and openssl
// s_client — against a server on 127.0.0.1. HTTPS answers; plain HTTP, TLS
// 1.0 and 1.1 are refused; client certificates (mutual TLS) are checked and
// their fingerprint reaches the handler; a renewed certificate is served
// without a restart; an event stream runs over TLS.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "piket/common/http_server.hpp"
#include "test_pki.hpp"

namespace piket::common {
namespace {

using namespace std::chrono_literals;
using test::run_command;
using test::TestPki;

class TlsServerTest : public ::testing::Test {
 protected:
  TlsServerTest() : server_pair_(pki_.server("server")) {}

  // A TLS server answering {"path":…} and remembering the client certificate.
  std::unique_ptr<HttpServer> start(TlsOptions tls) {
    HttpServerOptions o{{"127.0.0.1", 0}, 2};
    o.tls = std::move(tls);
    auto server = std::make_unique<HttpServer>(std::move(o), [this](const HttpRequest& r) {
      ++handled_;
      std::lock_guard lock(mutex_);
      last_peer_cert_ = r.peer_cert_sha256;
      return HttpResponse{200, "application/json", R"({"path":")" + r.path + R"("})", {}};
    });
    server->start();
    return server;
  }

  TlsOptions tls_options() const {
    TlsOptions t;
    t.cert_chain = server_pair_.cert;
    t.private_key = server_pair_.key;
    return t;
  }

  std::string url(const HttpServer& s, const std::string& scheme = "https") const {
    return scheme + "://127.0.0.1:" + std::to_string(s.port()) + "/hello";
  }

  // curl with our CA; `extra` e.g. "--cert c.crt --key c.key". Prints the body, then the status.
  test::CommandResult curl(const HttpServer& s, const std::string& extra = {}) const {
    return run_command("curl -sS --max-time 10 --cacert " + TestPki::q(pki_.ca().cert) + " " +
                       extra + " -w ' %{http_code}' " + url(s));
  }
  static std::string client_cert_args(const TestPki::Pair& p) {
    return "--cert " + TestPki::q(p.cert) + " --key " + TestPki::q(p.key);
  }

  // openssl s_client with one protocol version flag ("-tls1_2" …).
  test::CommandResult s_client(const HttpServer& s, const std::string& flags) const {
    return run_command("openssl s_client -connect 127.0.0.1:" + std::to_string(s.port()) +
                       " -servername localhost -CAfile " + TestPki::q(pki_.ca().cert) +
                       " -verify_return_error " + flags);
  }

  // The SHA-256 fingerprint of the certificate the server presents now.
  std::string served_fingerprint(const HttpServer& s) const {
    const auto r = run_command("openssl s_client -connect 127.0.0.1:" + std::to_string(s.port()) +
                               " -servername localhost 2>/dev/null | openssl x509 -noout "
                               "-fingerprint -sha256");
    std::string hex;
    const auto eq = r.output.find('=');
    if (eq == std::string::npos) return "none: " + r.output;
    for (char c : r.output.substr(eq + 1))
      if (std::isxdigit(static_cast<unsigned char>(c)))
        hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hex;
  }

  std::string last_peer_cert() {
    std::lock_guard lock(mutex_);
    return last_peer_cert_;
  }

  TestPki pki_;
  TestPki::Pair server_pair_;
  std::atomic<int> handled_{0};
  std::mutex mutex_;
  std::string last_peer_cert_ = "(no request)";
};

TEST_F(TlsServerTest, CurlGetsHttps200) {
  auto server = start(tls_options());
  const auto r = curl(*server);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, R"({"path":"/hello"} 200)");
  EXPECT_EQ(last_peer_cert(), "");  // no client certificate was asked for
}

TEST_F(TlsServerTest, PlainHttpOnTheTlsPortIsRefused) {
  auto server = start(tls_options());
  const auto r = run_command("curl -sS --max-time 10 -w ' %{http_code}' " + url(*server, "http"));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("{\"path\""), std::string::npos) << r.output;
  EXPECT_EQ(handled_, 0);
  // The server still serves HTTPS afterwards.
  EXPECT_EQ(curl(*server).exit_code, 0);
}

TEST_F(TlsServerTest, Tls10And11AreRefusedTls12And13Accepted) {
  auto server = start(tls_options());
  // SECLEVEL=0 lets the client offer the old protocols at all: the refusal
  // must come from the server (its protocol_version alert).
  for (const std::string old : {"-tls1", "-tls1_1"}) {
    const auto r = s_client(*server, old + " -cipher DEFAULT@SECLEVEL=0");
    EXPECT_NE(r.exit_code, 0) << old << "\n" << r.output;
    EXPECT_NE(r.output.find("alert protocol version"), std::string::npos) << old << "\n"
                                                                          << r.output;
  }
  for (const auto& [flag, name] : std::initializer_list<std::pair<std::string, std::string>>{
           {"-tls1_2", "TLSv1.2"}, {"-tls1_3", "TLSv1.3"}}) {
    const auto r = s_client(*server, flag);
    EXPECT_EQ(r.exit_code, 0) << flag << "\n" << r.output;
    EXPECT_NE(r.output.find("New, " + name + ", Cipher is"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Verify return code: 0 (ok)"), std::string::npos) << r.output;
  }
}

TEST_F(TlsServerTest, RequiredClientCertificateIsCheckedAndReachesTheHandler) {
  auto tls = tls_options();
  tls.client_ca = pki_.ca().cert;
  tls.require_client_cert = true;
  auto server = start(tls);

  // Without a certificate: the handshake fails, nothing is served.
  auto r = curl(*server);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(handled_, 0);

  // With a certificate of another CA: the same.
  auto other_ca = pki_.make_ca("other-ca", "some other CA");
  const auto foreign = pki_.client("foreign", "police", &other_ca);
  r = curl(*server, client_cert_args(foreign));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(handled_, 0);

  // With the CA's certificate: served, and the handler sees its fingerprint.
  const auto police = pki_.client("police", "police");
  r = curl(*server, client_cert_args(police));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, R"({"path":"/hello"} 200)");
  EXPECT_EQ(last_peer_cert(), TestPki::fingerprint(police.cert));
  EXPECT_EQ(last_peer_cert().size(), 64u);
}

TEST_F(TlsServerTest, OptionalClientCertificate) {
  auto tls = tls_options();
  tls.client_ca = pki_.ca().cert;
  auto server = start(tls);
  auto r = curl(*server);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(last_peer_cert(), "");
  const auto vt = pki_.client("vt", "veilig-thuis");
  r = curl(*server, client_cert_args(vt));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(last_peer_cert(), TestPki::fingerprint(vt.cert));
  // A certificate the CA did not sign is refused even when none is required.
  auto other_ca = pki_.make_ca("other-ca", "some other CA");
  r = curl(*server, client_cert_args(pki_.client("foreign", "x", &other_ca)));
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST_F(TlsServerTest, RenewedCertificateIsServedWithoutRestart) {
  // The server reads its own copies, which the test replaces as an operator
  // (or certbot) would.
  const auto cert = pki_.dir() / "live.crt", key = pki_.dir() / "live.key";
  std::filesystem::copy_file(server_pair_.cert, cert);
  std::filesystem::copy_file(server_pair_.key, key);
  auto tls = tls_options();
  tls.cert_chain = cert;
  tls.private_key = key;
  tls.reload_check = 0ms;  // look at the files at every connection
  auto server = start(tls);
  const auto first = TestPki::fingerprint(server_pair_.cert);
  EXPECT_EQ(served_fingerprint(*server), first);

  // A certificate that does not load (garbage) keeps the previous one.
  { std::ofstream(cert, std::ios::trunc) << "not a certificate\n"; }
  EXPECT_EQ(served_fingerprint(*server), first);
  EXPECT_EQ(curl(*server).exit_code, 0);

  // The renewed pair: the next connection sees it.
  const auto renewed = pki_.server("renewed");
  const auto opt = std::filesystem::copy_options::overwrite_existing;
  std::filesystem::copy_file(renewed.key, key, opt);
  std::filesystem::copy_file(renewed.cert, cert, opt);
  const auto second = TestPki::fingerprint(renewed.cert);
  ASSERT_NE(first, second);
  EXPECT_EQ(served_fingerprint(*server), second);
  const auto r = curl(*server);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, R"({"path":"/hello"} 200)");
}

TEST_F(TlsServerTest, EventStreamOverTls) {
  HttpServerOptions o{{"127.0.0.1", 0}, 2};
  o.tls = tls_options();
  std::shared_ptr<StreamChannel> channel;
  std::mutex m;
  HttpServer server(std::move(o), StreamingHandler([&](const HttpRequest&) {
                      HttpReply reply;
                      reply.stream = [&](std::shared_ptr<StreamChannel> c) {
                        c->send("data: one\n\n");
                        c->send("data: two\n\n");
                        std::lock_guard lock(m);
                        channel = std::move(c);
                      };
                      return reply;
                    }));
  server.start();
  // curl prints the frames as they come and stops after its time limit (exit 28).
  const auto r = run_command("curl -sS -N --max-time 2 --cacert " + TestPki::q(pki_.ca().cert) +
                             " https://127.0.0.1:" + std::to_string(server.port()) + "/events");
  EXPECT_EQ(r.exit_code, 28) << r.output;
  EXPECT_NE(r.output.find("data: one\n\ndata: two\n\n"), std::string::npos) << r.output;
  std::lock_guard lock(m);
  ASSERT_TRUE(channel);
}

TEST_F(TlsServerTest, MissingOrMismatchedFilesFailAtStartNamingTheFile) {
  auto tls = tls_options();
  tls.cert_chain = pki_.dir() / "absent.crt";
  HttpServer missing({{"127.0.0.1", 0}, 1, 1024, 60s, 256, tls},
                     [](const HttpRequest&) { return HttpResponse{}; });
  try {
    missing.start();
    ADD_FAILURE() << "started without its certificate";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.crt"), std::string::npos) << e.what();
  }
  tls = tls_options();
  const auto other_key = pki_.client("other", "other").key;  // not the certificate's key
  tls.private_key = other_key;
  HttpServer mismatched({{"127.0.0.1", 0}, 1, 1024, 60s, 256, tls},
                        [](const HttpRequest&) { return HttpResponse{}; });
  try {
    mismatched.start();
    ADD_FAILURE() << "started with a key of another certificate";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(other_key.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace piket::common
