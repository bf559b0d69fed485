#pragma once
// Loopback TCP ports for processes the launcher starts.

#include <chrono>
#include <cstdint>
#include <functional>

namespace piket::launch {

// A port that was free on 127.0.0.1 a moment ago: binds port 0, reads the port back, closes.
// Another process may take it before you bind it (inherent to the technique); callers that
// fail to bind should pick again. Throws std::system_error on socket errors.
std::uint16_t free_tcp_port();

// Connects to 127.0.0.1:port until a connection succeeds or `timeout` passes (steady clock).
// A TCP self-connect (possible when `port` is in the ephemeral range and nobody listens) does
// not count as success.
bool wait_for_tcp(std::uint16_t port, std::chrono::milliseconds timeout);

// Same, but gives up early as soon as keep_waiting() returns false (e.g. the server process
// exited).
bool wait_for_tcp(std::uint16_t port, std::chrono::milliseconds timeout,
                  const std::function<bool()>& keep_waiting);

}  // namespace piket::launch
