#include "piket/common/host_port.hpp"

#include <charconv>

namespace piket::common {

ParsedHostPort parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return {std::nullopt, "must be HOST:PORT"};
  const auto digits = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port < 1 || port > 65535)
    return {std::nullopt, "port must be 1-65535"};
  return {HostPort{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)}, {}};
}

}  // namespace piket::common
