#include "piket/notify/sms_gateway.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "piket/common/http_client.hpp"

namespace piket::notify {

SendResult::Kind classify_gateway_status(int status) {
  if (status >= 200 && status < 300) return SendResult::Kind::accepted;
  if (status == 0 || status == 429 || status >= 500) return SendResult::Kind::temporary_failure;
  return SendResult::Kind::permanent_failure;
}

std::string kannel_sendsms_target(const common::KannelConfig& k, const OutgoingSms& sms) {
  auto base = boost::urls::parse_uri(k.sendsms_url);
  boost::urls::url u = base ? boost::urls::url(*base) : boost::urls::url("/cgi-bin/sendsms");
  auto params = u.params();
  params.append({"username", k.username});
  params.append({"password", k.password});
  params.append({"from", k.sender});
  params.append({"to", sms.to});
  params.append({"text", sms.text});
  params.append({"dlr-mask", std::to_string(k.dlr_mask)});
  // Kannel fills %d (report type) and %T (timestamp) when it calls back.
  params.append({"dlr-url", k.callback_base + "/kannel/dlr?page=" + sms.page_id + "&type=%d&ts=%T"});
  return std::string(u.encoded_target());
}

struct KannelGateway::Impl {
  common::KannelConfig kannel;
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

KannelGateway::KannelGateway(common::KannelConfig kannel, common::Millis timeout)
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
