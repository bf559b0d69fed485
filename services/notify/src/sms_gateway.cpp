#include "piket/notify/sms_gateway.hpp"

#include <boost/url/parse.hpp>

#include "piket/common/http_client.hpp"

namespace piket::notify {

SendResult::Kind classify_gateway_status(int status) {
  if (status >= 200 && status < 300) return SendResult::Kind::accepted;
  if (status == 0 || status == 429 || status >= 500) return SendResult::Kind::temporary_failure;
  return SendResult::Kind::permanent_failure;
}

// Percent-encodes everything but RFC 3986's unreserved characters. Boost.URL's
// query encoding leaves '+' as is, which Kannel decodes as a space: an E.164
// number would lose its '+'.
std::string query_escape(std::string_view v) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size() * 3);
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

std::string kannel_sendsms_target(const notify::KannelConfig& k, const OutgoingSms& sms) {
  std::string path = "/cgi-bin/sendsms";
  if (auto base = boost::urls::parse_uri(k.sendsms_url); base && !base->encoded_path().empty())
    path = std::string(base->encoded_path());
  // Kannel fills %d (report type) and %T (timestamp) when it calls back; the
  // callback secret ([A-Za-z0-9], no '%' for Kannel to substitute) lets inbound
  // tell Kannel's reports from forged ones.
  const std::string dlr_url =
      k.callback_base + "/kannel/dlr?key=" + k.callback_secret + "&page=" + sms.page_id +
      (sms.bundle_id.empty() ? std::string() : "&bundle=" + sms.bundle_id) + "&type=%d&ts=%T";
  return path + "?username=" + query_escape(k.username) + "&password=" + query_escape(k.password) +
         "&from=" + query_escape(k.sender) + "&to=" + query_escape(sms.to) +
         "&text=" + query_escape(sms.text) + "&dlr-mask=" + std::to_string(k.dlr_mask) +
         "&dlr-url=" + query_escape(dlr_url);
}

struct KannelGateway::Impl {
  notify::KannelConfig kannel;
  common::HttpClient client;
};

namespace {
common::HostPort host_port_of(const std::string& url) {
  common::HostPort hp;
  if (auto u = boost::urls::parse_uri(url)) {
    hp.host = std::string(u->host());
    hp.port = u->has_port() ? u->port_number() : 80;
  }
  return hp;
}
}  // namespace

KannelGateway::KannelGateway(notify::KannelConfig kannel, common::Millis timeout)
    : impl_(new Impl{kannel, common::HttpClient(host_port_of(kannel.sendsms_url), timeout)}) {}
KannelGateway::~KannelGateway() = default;

SendResult KannelGateway::send(const OutgoingSms& sms) {
  auto r = impl_->client.get(kannel_sendsms_target(impl_->kannel, sms));
  SendResult out;
  out.http_status = r.status;
  out.kind = classify_gateway_status(r.status);
  // Kannel's answer is a short status line ("0: Accepted for delivery").
  out.detail = r.ok() ? r.body.substr(0, 120) : r.error.substr(0, 120);
  return out;
}

}  // namespace piket::notify
