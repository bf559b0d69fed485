#pragma once
// The TLS keys of a service's section (`tls_cert`, `tls_key`, and where the
// service takes client certificates `client_ca`, `require_client_cert`):
// paths relative to the deployment file, as its other paths; a file that
// cannot be read is an error naming the key and the path. Header only, like
// toml_reader.hpp; include only where toml++ is linked.

#include <fstream>
#include <string>

#include "piket/common/tls_options.hpp"
#include "piket/common/toml_reader.hpp"

namespace piket::common {

// A path under `key` of `t`, relative to the reader's file unless absolute;
// empty when the key is absent. Reports it when it cannot be read.
inline std::filesystem::path readable_file(TomlReader& r, const toml::table& t,
                                           const std::string& prefix, std::string_view key) {
  auto v = r.string(t, prefix, key, false, 1000);
  if (!v) return {};
  if (v->empty()) {
    r.error(t.get(key)->source(), prefix + std::string(key), "must not be empty");
    return {};
  }
  std::filesystem::path p(*v);
  if (!p.is_absolute()) p = std::filesystem::path(r.file()).parent_path() / p;
  std::error_code ec;
  std::ifstream in(p);
  if (!std::filesystem::is_regular_file(p, ec) || !in)
    r.error(t.get(key)->source(), prefix + std::string(key), "cannot read the file " + p.string());
  return p;
}

// `tls_cert` and `tls_key` (both or neither: without them the server speaks
// plain HTTP), and with `client_certs` also `client_ca` and
// `require_client_cert` (which needs client_ca, which needs tls_cert). Add
// the keys to the section's only_known list.
inline TlsOptions read_tls_options(TomlReader& r, const toml::table& t, const std::string& prefix,
                                   bool client_certs) {
  TlsOptions o;
  o.cert_chain = readable_file(r, t, prefix, "tls_cert");
  o.private_key = readable_file(r, t, prefix, "tls_key");
  const bool has_cert = t.get("tls_cert") != nullptr, has_key = t.get("tls_key") != nullptr;
  if (has_cert && !has_key)
    r.error(t.get("tls_cert")->source(), prefix + "tls_key",
            "required with " + prefix + "tls_cert (the certificate's private key)");
  if (has_key && !has_cert)
    r.error(t.get("tls_key")->source(), prefix + "tls_cert",
            "required with " + prefix + "tls_key (the key's certificate chain)");
  if (!client_certs) return o;
  o.client_ca = readable_file(r, t, prefix, "client_ca");
  if (t.get("client_ca") && !has_cert)
    r.error(t.get("client_ca")->source(), prefix + "client_ca",
            "client certificates need TLS: set " + prefix + "tls_cert and " + prefix + "tls_key");
  set_if(r.boolean(t, prefix, "require_client_cert"), o.require_client_cert);
  if (o.require_client_cert && !t.get("client_ca"))
    r.error(t.get("require_client_cert")->source(), prefix + "require_client_cert",
            "needs " + prefix + "client_ca (the CA that signs the client certificates)");
  return o;
}

}  // namespace piket::common
