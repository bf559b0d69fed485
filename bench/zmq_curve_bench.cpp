// piket-zmq-curve-bench: what CURVE costs on piket's message path, with
// libzmq alone — a DEALER and a ROUTER on tcp loopback, as OutboxSender and
// InboxReceiver use them, once with plain ZMTP (NULL) and once with CURVE and
// a ZAP handler that checks the client key (as InboxReceiver's does).
//   - round trip: one message [channel, id, payload] and its [id, "ok"],
//     one at a time (latency);
//   - burst: `burst` messages sent at once, until the last answer (throughput,
//     and the process's CPU time per message, both ends together).
//
//   piket-zmq-curve-bench [round_trips=20000] [burst=100000] [payload_bytes=200]
//
// The stopwatch is std::chrono::steady_clock: a measuring instrument.

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "percentiles.hpp"

namespace {

using Steady = std::chrono::steady_clock;

struct Keys {
  char server_public[41] = {}, server_secret[41] = {}, client_public[41] = {},
       client_secret[41] = {};
};

struct Result {
  piket::bench::Percentiles round_trip_us;
  double burst_per_s = 0;
  double cpu_us_per_message = 0;  // the whole process (both ends), during the burst
};

// CPU time of this process (every thread): less sensitive than wall time to
// other work on a shared machine.
double process_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

Result run(bool curve, int round_trips, int burst, std::size_t payload_bytes) {
  Keys k;
  zmq_curve_keypair(k.server_public, k.server_secret);
  zmq_curve_keypair(k.client_public, k.client_secret);
  std::array<std::uint8_t, 32> client_bin{};
  zmq_z85_decode(client_bin.data(), k.client_public);
  zmq::context_t server_ctx{1};
  zmq::socket_t zap{server_ctx, zmq::socket_type::rep};
  zap.set(zmq::sockopt::linger, 0);
  zap.bind("inproc://zeromq.zap.01");
  zmq::socket_t router{server_ctx, zmq::socket_type::router};
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::rcvhwm, 1000000);
  router.set(zmq::sockopt::sndhwm, 1000000);
  if (curve) {
    router.set(zmq::sockopt::curve_server, 1);
    router.set(zmq::sockopt::curve_secretkey, std::string(k.server_secret));
    router.set(zmq::sockopt::zap_domain, "piket");
  }
  router.bind("tcp://127.0.0.1:*");
  const auto endpoint = router.get(zmq::sockopt::last_endpoint);
  std::atomic<bool> running{true};
  // The receiver: answers ZAP requests and echoes [id, "ok"] per message.
  std::thread server([&] {
    while (running) {
      zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                                 {zap.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::milliseconds{20});
      std::vector<zmq::message_t> m;
      if (items[1].revents & ZMQ_POLLIN) {
        while (zmq::recv_multipart(zap, std::back_inserter(m), zmq::recv_flags::dontwait)) {
          const bool ok = m.size() >= 7 && m[6].size() == 32 &&
                          std::memcmp(m[6].data(), client_bin.data(), 32) == 0;
          std::array<zmq::const_buffer, 6> reply{zmq::str_buffer("1.0"),
                                                 zmq::buffer(m[1].data(), m[1].size()),
                                                 zmq::buffer(std::string_view(ok ? "200" : "400")),
                                                 zmq::str_buffer(""),
                                                 zmq::str_buffer("client"),
                                                 zmq::str_buffer("")};
          (void)zmq::send_multipart(zap, reply);
          m.clear();
        }
      }
      if (items[0].revents & ZMQ_POLLIN) {
        while (zmq::recv_multipart(router, std::back_inserter(m), zmq::recv_flags::dontwait)) {
          if (m.size() == 4) {
            std::array<zmq::const_buffer, 3> ack{zmq::buffer(m[0].data(), m[0].size()),
                                                 zmq::buffer(m[2].data(), m[2].size()),
                                                 zmq::str_buffer("ok")};
            (void)zmq::send_multipart(router, ack);
          }
          m.clear();
        }
      }
    }
  });
  zmq::context_t client_ctx{1};
  zmq::socket_t dealer{client_ctx, zmq::socket_type::dealer};
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::sndhwm, 1000000);
  dealer.set(zmq::sockopt::rcvhwm, 1000000);
  if (curve) {
    dealer.set(zmq::sockopt::curve_serverkey, std::string(k.server_public));
    dealer.set(zmq::sockopt::curve_publickey, std::string(k.client_public));
    dealer.set(zmq::sockopt::curve_secretkey, std::string(k.client_secret));
  }
  dealer.connect(endpoint);
  const std::string payload(payload_bytes, 'x');
  const std::string id = "P0123456789ABCDEF";
  auto send_one = [&] {
    std::array<zmq::const_buffer, 3> f{zmq::str_buffer("notify"), zmq::buffer(id),
                                       zmq::buffer(payload)};
    (void)zmq::send_multipart(dealer, f);
  };
  auto recv_one = [&] {
    std::vector<zmq::message_t> m;
    (void)zmq::recv_multipart(dealer, std::back_inserter(m));
  };
  // Warm-up (includes the handshake).
  for (int i = 0; i < 100; ++i) {
    send_one();
    recv_one();
  }
  Result r;
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(round_trips));
  for (int i = 0; i < round_trips; ++i) {
    const auto t0 = Steady::now();
    send_one();
    recv_one();
    samples.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
  }
  r.round_trip_us = piket::bench::percentiles(samples);
  // One thread owns the DEALER (sockets are not thread-safe): send while
  // the socket takes more, take every answer that is there.
  const auto t0 = Steady::now();
  const auto cpu0 = process_cpu_us();
  int sent = 0, answered = 0;
  while (answered < burst) {
    short events = ZMQ_POLLIN;
    if (sent < burst) events |= ZMQ_POLLOUT;
    zmq::pollitem_t items[] = {{dealer.handle(), 0, events, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds{100});
    while (sent < burst && (items[0].revents & ZMQ_POLLOUT)) {
      std::array<zmq::const_buffer, 3> f{zmq::str_buffer("notify"), zmq::buffer(id),
                                         zmq::buffer(payload)};
      if (!zmq::send_multipart(dealer, f, zmq::send_flags::dontwait)) break;
      if (++sent % 256 == 0) break;  // look for answers now and then
    }
    std::vector<zmq::message_t> m;
    while (zmq::recv_multipart(dealer, std::back_inserter(m), zmq::recv_flags::dontwait)) {
      ++answered;
      m.clear();
    }
  }
  r.cpu_us_per_message = (process_cpu_us() - cpu0) / burst;
  r.burst_per_s = burst / std::chrono::duration<double>(Steady::now() - t0).count();
  running = false;
  server.join();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int round_trips = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20000;
  const int burst = argc > 2 ? std::max(1, std::atoi(argv[2])) : 100000;
  const auto payload = static_cast<std::size_t>(argc > 3 ? std::max(0, std::atoi(argv[3])) : 200);
  std::printf(
      "piket-zmq-curve-bench: tcp loopback, %d round trips, burst of %d, %zu-byte payload\n",
      round_trips, burst, payload);
  for (const bool curve : {false, true, false, true}) {
    const auto r = run(curve, round_trips, burst, payload);
    std::printf(
        "  %-13s round trip us p50 %6.1f  p90 %6.1f  p99 %7.1f   burst %7.0f msg/s, CPU %5.1f "
        "us/msg\n",
        curve ? "CURVE + ZAP" : "plain (NULL)", r.round_trip_us.p50, r.round_trip_us.p90,
        r.round_trip_us.p99, r.burst_per_s, r.cpu_us_per_message);
  }
}
