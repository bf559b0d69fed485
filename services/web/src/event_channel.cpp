#include "piket/web/event_channel.hpp"

namespace piket::web {

std::string sse_frame(std::string_view event, std::string_view data) {
  std::string f = "event: ";
  f += event;
  f += '\n';
  while (true) {
    const auto nl = data.find('\n');
    f += "data: ";
    f += data.substr(0, nl);
    f += '\n';
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
  f += '\n';
  return f;
}

}  // namespace piket::web
