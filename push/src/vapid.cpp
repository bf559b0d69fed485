#include "piket/push/vapid.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "piket/push/base64url.hpp"

namespace piket::push {
namespace json = boost::json;

namespace {
// {"typ":"JWT","alg":"ES256"}, the only header piket signs with.
const std::string& header_segment() {
  static const std::string h = base64url_encode(R"({"typ":"JWT","alg":"ES256"})");
  return h;
}
}  // namespace

std::optional<std::string> endpoint_origin(std::string_view endpoint) {
  const auto url = boost::urls::parse_absolute_uri(endpoint);
  if (!url || !url->has_authority() || url->host().empty()) return std::nullopt;
  const auto scheme = url->scheme();
  if (scheme != "https" && scheme != "http") return std::nullopt;
  std::string origin = std::string(scheme) + "://" + std::string(url->encoded_host());
  if (url->has_port()) origin += ":" + std::string(url->port());
  return origin;
}

std::string vapid_token(const P256Key& key, const VapidClaims& claims) {
  const std::string payload = base64url_encode(json::serialize(
      json::object{{"aud", claims.audience}, {"exp", claims.expires_s}, {"sub", claims.subject}}));
  const std::string signing_input = header_segment() + "." + payload;
  return signing_input + "." + base64url_encode(key.sign_es256(signing_input));
}

std::string vapid_authorization(const P256Key& key, std::string_view audience,
                                std::string_view subject, common::Instant now) {
  const auto exp =
      std::chrono::duration_cast<std::chrono::seconds>((now + kVapidLifetime).time_since_epoch());
  return "vapid t=" + vapid_token(key, {std::string(audience), std::string(subject), exp.count()}) +
         ", k=" + base64url_encode(key.public_bytes());
}

std::optional<VapidClaims> verify_vapid_token(std::string_view token, const P256Key& key) {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return std::nullopt;
  const auto header = base64url_decode(token.substr(0, dot1));
  const auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return std::nullopt;
  if (!key.verify_es256(token.substr(0, dot2), *signature)) return std::nullopt;
  boost::system::error_code ec;
  const auto h = json::parse(*header, ec);
  if (ec || !h.is_object()) return std::nullopt;
  const auto* alg = h.as_object().if_contains("alg");
  if (!alg || !alg->is_string() || alg->as_string() != "ES256") return std::nullopt;
  const auto p = json::parse(*payload, ec);
  if (ec || !p.is_object()) return std::nullopt;
  const auto& o = p.as_object();
  const auto* aud = o.if_contains("aud");
  const auto* exp = o.if_contains("exp");
  const auto* sub = o.if_contains("sub");
  if (!aud || !aud->is_string() || !exp || !exp->is_int64() || (sub && !sub->is_string()))
    return std::nullopt;
  return VapidClaims{std::string(aud->as_string()),
                     sub ? std::string(sub->as_string()) : std::string(), exp->as_int64()};
}

std::optional<VapidCredentials> parse_vapid_authorization(std::string_view header) {
  constexpr std::string_view scheme = "vapid ";
  if (!header.starts_with(scheme)) return std::nullopt;
  header.remove_prefix(scheme.size());
  VapidCredentials out;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view part = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (part.starts_with(' ')) part.remove_prefix(1);
    while (part.ends_with(' ')) part.remove_suffix(1);
    if (part.starts_with("t="))
      out.token = part.substr(2);
    else if (part.starts_with("k="))
      out.public_key = part.substr(2);
    else
      return std::nullopt;
  }
  if (out.token.empty() || out.public_key.empty()) return std::nullopt;
  return out;
}

}  // namespace piket::push

namespace piket::push {

std::optional<P256Key> vapid_key_from_secret(std::string_view text) {
  const auto scalar = base64url_decode(text);
  if (!scalar) return std::nullopt;
  return P256Key::from_private(*scalar);
}

std::string vapid_key_to_secret(const P256Key& key) {
  return base64url_encode(key.private_bytes());
}

}  // namespace piket::push
