#pragma once
// Which address a request comes from, for throttling and the audit trail
// (docs/web.md, "Which address"). Without trusted proxies: the TCP peer.
// When the peer is one of `trusted_proxies`, the client is the right-most
// entry of X-Forwarded-For that is not itself a trusted proxy — the one the
// nearest trusted proxy appended, which the client cannot forge. A header
// over 1,024 bytes or 16 entries, or an entry that is not an IP address, is
// not believed: the peer is used. Addresses are returned in canonical form.

#include <string>
#include <string_view>
#include <vector>

#include "piket/common/http_types.hpp"

namespace piket::web {

class ClientAddress {
 public:
  explicit ClientAddress(const std::vector<std::string>& trusted_proxies);
  std::string of(const common::HttpRequest& request) const;

 private:
  bool trusted(const std::string& canonical) const;
  std::vector<std::string> trusted_;  // canonical form
};

// The canonical text of an IPv4/IPv6 address; empty when `s` is not one.
std::string canonical_ip(std::string_view s);

}  // namespace piket::web
