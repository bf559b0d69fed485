#pragma once
// One open server-sent-events connection, as the API sees it: frames go in,
// the server writes them in order. Thread-safe; outlives its connection
// harmlessly (send() then returns false).

#include <optional>
#include <string>
#include <string_view>

namespace piket::web {

class EventChannel {
 public:
  virtual ~EventChannel() = default;
  // Queues one frame; false once the connection is gone or too far behind.
  virtual bool send(std::string frame) = 0;
  virtual bool open() const = 0;
  virtual void close() = 0;
};

// "event: <event>\ndata: <data>\n\n" (data lines split on newlines).
std::string sse_frame(std::string_view event, std::string_view data);
// A comment line that keeps proxies and the browser from timing out.
inline std::string sse_keepalive() {
  return ": keep-alive\n\n";
}

}  // namespace piket::web
