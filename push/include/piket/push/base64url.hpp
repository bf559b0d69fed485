#pragma once
// Base64url without padding (RFC 4648 section 5), the encoding Web Push uses
// for keys, auth secrets, VAPID tokens and the browser's subscription JSON.
// libsodium does the work.

#include <optional>
#include <string>
#include <string_view>

namespace piket::push {

std::string base64url_encode(std::string_view bytes);

// Empty optional when `text` is not base64url (a padded or standard-alphabet
// string is refused too: browsers send the unpadded URL-safe form).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace piket::push
