#include "piket/common/http_routes.hpp"

namespace piket::common {

std::optional<std::string_view> match_path(std::string_view pattern, std::string_view path) {
  constexpr auto npos = std::string_view::npos;
  std::string_view capture;
  for (;;) {
    const auto pattern_slash = pattern.find('/');
    const auto want = pattern.substr(0, pattern_slash);
    if (want == "{rest}" && pattern_slash == npos) return path;
    const auto path_slash = path.find('/');
    const auto have = path.substr(0, path_slash);
    if (want == "{id}")
      capture = have;
    else if (want != have)
      return std::nullopt;
    if (pattern_slash == npos || path_slash == npos) {
      if (pattern_slash == npos && path_slash == npos) return capture;
      return std::nullopt;
    }
    pattern.remove_prefix(pattern_slash + 1);
    path.remove_prefix(path_slash + 1);
  }
}

}  // namespace piket::common
