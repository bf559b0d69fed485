#pragma once
// One open streaming response (server-sent events), as a handler sees it:
// frames go in, the server writes them in order. Thread-safe; outlives its
// connection harmlessly (send() then returns false).

#include <string>

namespace piket::common {

class StreamChannel {
 public:
  virtual ~StreamChannel() = default;
  // Queues one frame; false once the connection is gone or too far behind.
  virtual bool send(std::string frame) = 0;
  virtual bool open() const = 0;
  virtual void close() = 0;
};

}  // namespace piket::common
