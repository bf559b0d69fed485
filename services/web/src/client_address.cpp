#include "piket/web/client_address.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

namespace piket::web {
namespace {

constexpr std::size_t kMaxHeader = 1024;
constexpr std::size_t kMaxEntries = 16;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string canonical_ip(std::string_view s) {
  if (s.empty() || s.size() > 45) return {};
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(s), ec);
  if (ec) return {};
  // An IPv4 address mapped into IPv6 is that IPv4 address.
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

ClientAddress::ClientAddress(const std::vector<std::string>& trusted_proxies) {
  for (const auto& p : trusted_proxies)
    if (auto c = canonical_ip(p); !c.empty()) trusted_.push_back(std::move(c));
}

bool ClientAddress::trusted(const std::string& canonical) const {
  return std::find(trusted_.begin(), trusted_.end(), canonical) != trusted_.end();
}

std::string ClientAddress::of(const common::HttpRequest& request) const {
  auto peer = canonical_ip(request.remote);
  if (peer.empty()) peer = request.remote.substr(0, 45);
  if (trusted_.empty() || !trusted(peer)) return peer;
  // Several X-Forwarded-For lines are one comma-separated list (RFC 9110).
  std::string header;
  for (const auto& [name, value] : request.headers) {
    if (name != "x-forwarded-for") continue;
    if (!header.empty()) header += ',';
    header += value;
    if (header.size() > kMaxHeader) return peer;
  }
  if (header.empty()) return peer;
  std::vector<std::string_view> entries;
  std::string_view rest = header;
  while (true) {
    const auto comma = rest.find(',');
    entries.push_back(trim(rest.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    if (entries.size() > kMaxEntries) return peer;
  }
  std::string furthest = peer;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    auto a = canonical_ip(*it);
    if (a.empty()) return peer;  // not believed
    if (!trusted(a)) return a;
    furthest = std::move(a);
  }
  return furthest;  // only proxies: the request began at the furthest one
}

}  // namespace piket::web
