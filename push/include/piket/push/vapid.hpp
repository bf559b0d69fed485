#pragma once
// Voluntary Application Server Identification (VAPID, RFC 8292): piket signs
// each push request with its own P-256 key so that a push service accepts
// messages for subscriptions made with piket's public key only.
//
// The token is a JWT signed with ES256 whose claims are the push service's
// origin (aud), an expiry at most 24 hours ahead (exp) and a contact for the
// push service's operator (sub, a mailto: or https: URL). The header is
// `Authorization: vapid t=<JWT>, k=<public key>`.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/push/p256_key.hpp"

namespace piket::push {

// RFC 8292 section 2: push services refuse an exp more than 24 hours ahead.
inline constexpr std::chrono::hours kVapidMaxLifetime{24};
inline constexpr std::chrono::hours kVapidLifetime{12};

struct VapidClaims {
  std::string audience;    // "https://push.example.net"
  std::string subject;     // "mailto:piket@example.org"
  std::int64_t expires_s;  // seconds since the epoch
};

// The origin (scheme://host[:port]) of a push endpoint URL, the token's
// audience; empty when `endpoint` is not an absolute http(s) URL.
std::optional<std::string> endpoint_origin(std::string_view endpoint);

// The signed JWT of `claims`.
std::string vapid_token(const P256Key& key, const VapidClaims& claims);

// The Authorization header value for a request to `audience`, valid for
// kVapidLifetime from `now` (of the deployment's Clock).
std::string vapid_authorization(const P256Key& key, std::string_view audience,
                                std::string_view subject, common::Instant now);

// The push service's side: the claims of `token` when its ES256 signature
// verifies with `key` and it is a well-formed JWT; empty otherwise. Expiry
// is the caller's to judge.
std::optional<VapidClaims> verify_vapid_token(std::string_view token, const P256Key& key);

// The parts of an `Authorization: vapid t=..., k=...` value; empty when malformed.
struct VapidCredentials {
  std::string token;
  std::string public_key;  // base64url as sent
};
std::optional<VapidCredentials> parse_vapid_authorization(std::string_view header);

}  // namespace piket::push

namespace piket::push {

// The VAPID key as kept in the secrets directory: its private scalar in
// base64url (secret_file::vapid_private_key). Empty when it is not one.
std::optional<P256Key> vapid_key_from_secret(std::string_view text);
std::string vapid_key_to_secret(const P256Key& key);

}  // namespace piket::push
