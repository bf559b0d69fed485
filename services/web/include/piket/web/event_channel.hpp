#pragma once
// One open server-sent-events connection, as the API sees it (the common
// HTTP server's stream channel), and the SSE frame format.

#include <string>
#include <string_view>

#include "piket/common/stream_channel.hpp"

namespace piket::web {

using EventChannel = common::StreamChannel;

// "event: <event>\ndata: <data>\n\n" (data lines split on newlines).
std::string sse_frame(std::string_view event, std::string_view data);
// A comment line that keeps proxies and the browser from timing out.
inline std::string sse_keepalive() {
  return ": keep-alive\n\n";
}

}  // namespace piket::web
