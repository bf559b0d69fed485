#pragma once
// Loopback TCP ports for processes the launcher starts.

#include <chrono>
#include <cstdint>
#include <functional>

namespace piket::launch {

// A port that was free on 127.0.0.1 a moment ago, below the kernel's ephemeral range (so that
// no outgoing connection can be given it meanwhile) and not one this process gave out before:
// a random port in [10000, first ephemeral port) that binds, then closed. Another process may
// still take it before you bind it; callers that fail to bind should pick again. Throws
// std::system_error on socket errors.
// Parallel test processes each pick at random; a port one picked could be picked by another
// before the first's server bound it (seen in CI: a cluster's second dispatch found its ZeroMQ
// port taken). So a port given out is also held for this process's lifetime: see hold_port.
std::uint16_t free_tcp_port();

// Holds `port` for this process until it exits, across processes of this machine: an flock on
// a file named after the port in <temp dir>/piket-ports, kept open (close-on-exec; the kernel
// drops the lock when the process ends, however it ends). False when another live process holds
// it; true when held now, by this call or an earlier one, and also when the directory cannot be
// used or this process holds 512 ports already (nothing to go by: as if free).
bool hold_port(std::uint16_t port);

// Connects to 127.0.0.1:port until a connection succeeds or `timeout` passes (steady clock).
// A TCP self-connect (possible when `port` is in the ephemeral range and nobody listens) does
// not count as success.
bool wait_for_tcp(std::uint16_t port, std::chrono::milliseconds timeout);

// Same, but gives up early as soon as keep_waiting() returns false (e.g. the server process
// exited).
bool wait_for_tcp(std::uint16_t port, std::chrono::milliseconds timeout,
                  const std::function<bool()>& keep_waiting);

}  // namespace piket::launch
