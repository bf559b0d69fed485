#pragma once
// The posting side of piket-bench: an open-loop schedule over keep-alive connections. Request k
// is due at t0 + k / rate whatever happened to the requests before it; it goes out on a free
// connection at its due time. When every connection waits for an answer, another is opened (up
// to max_connections); beyond that the request goes out as soon as one is free (the sample then
// says it waited, and its lag shows how late it went). A slow answer thus does not slow the
// posting, and the report says when it did.
//
// The work is split over `threads` shards, each with its own io_context and its share of the
// connections; shard s posts requests s, s + threads, s + 2·threads, …
//
// The stopwatch is std::chrono::steady_clock: the bench is a measuring instrument outside the
// system under test.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace piket::bench {

using Steady = std::chrono::steady_clock;

struct Sample {
  Steady::time_point due, sent, answered;
  int status = 0;       // 0: no answer (refused, reset, timed out)
  bool waited = false;  // at its due time every connection was busy
  std::string key;      // what its delivery is recognised by (case code, bench id)
};

struct PosterOptions {
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;  // connection i goes to ports[i % size]
  std::string target;                // "/v1/incidents"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  int connections = 32;       // opened at the start
  int max_connections = 256;  // when every connection is busy, more are opened up to this
  int threads = 2;
  double rate = 200;      // requests per second
  std::size_t total = 0;  // requests in all
  std::chrono::milliseconds timeout{10000};
  // The schedule starts this long after the connections are open.
  std::chrono::milliseconds lead{200};
};

// Request k's body.
using BodyOf = std::function<std::string(std::size_t k)>;
// Sample k's key, from its answer's status and body.
using KeyOf = std::function<std::string(std::size_t k, int status, std::string_view body)>;

struct PostRun {
  std::vector<Sample> samples;  // one per request (index k)
  std::size_t connections = 0;  // open at the end: those of the start and those added
};

// Posts options.total requests on the schedule. Throws std::runtime_error when a connection
// cannot be opened at the start.
PostRun post_open_loop(const PosterOptions& options, const BodyOf& body_of, const KeyOf& key_of);

}  // namespace piket::bench
