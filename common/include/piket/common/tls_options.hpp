#pragma once
// HTTPS for an HttpServer (docs/configuration.md, "TLS"): the certificate and
// key files, and optionally the CA of client certificates (mutual TLS). TLS
// 1.2 is the minimum; the files are read again when they change (checked at
// most every `reload_check`, at a new connection), so a renewed certificate is
// served without a restart.

#include <chrono>
#include <filesystem>

#include "piket/common/clock.hpp"

namespace piket::common {

struct TlsOptions {
  std::filesystem::path cert_chain;   // PEM: the server's certificate, then intermediates
  std::filesystem::path private_key;  // PEM, unencrypted
  // PEM: the CA(s) whose client certificates are accepted. Empty: no client
  // certificate is asked for. Set: one is asked for and, when presented, must
  // be signed by this CA (else the handshake fails); its SHA-256 fingerprint
  // reaches the handler as HttpRequest::peer_cert_sha256.
  std::filesystem::path client_ca;
  // With client_ca: a client without a certificate fails the handshake.
  bool require_client_cert = false;
  // How often at most the files' modification times, sizes and inodes are
  // looked at (at a new connection), on `clock` (the service's transport
  // clock; main.cpp sets it). 0 or no clock: at every connection.
  std::chrono::milliseconds reload_check{5000};
  const Clock* clock = nullptr;
  std::chrono::seconds handshake_timeout{10};

  bool enabled() const { return !cert_chain.empty(); }
};

}  // namespace piket::common
