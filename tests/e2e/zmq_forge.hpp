#pragma once
// A hand-made ZeroMQ client, as an attacker on the same network would write
// one: a DEALER that puts one message [channel, id, payload] on a piket
// receiver's socket and waits for the receiver's [id, "ok"]. Plain ZMTP (the
// NULL mechanism) unless CURVE keys are given. Uses libzmq only — nothing of
// piket — so it runs against any piket version. Used by the e2e test and by
// piket-zmq-forge (zmq_forge_main.cpp).

#include <array>
#include <chrono>
#include <string>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace piket::e2e {

struct ForgedMessage {
  std::string endpoint;  // e.g. tcp://127.0.0.1:7101 (dispatch)
  std::string channel;
  std::string id;
  std::string payload;
  // All three set: a CURVE client with this key pair that expects this
  // server key. Empty: plain ZMTP.
  std::string server_key{}, public_key{}, secret_key{};
  std::chrono::milliseconds wait{2000};
};

// True when the receiver answered "ok" (it took the message) within `wait`.
inline bool forge(const ForgedMessage& m) {
  zmq::context_t ctx{1};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  dealer.set(zmq::sockopt::linger, 0);
  if (!m.server_key.empty()) {
    dealer.set(zmq::sockopt::curve_serverkey, m.server_key);
    dealer.set(zmq::sockopt::curve_publickey, m.public_key);
    dealer.set(zmq::sockopt::curve_secretkey, m.secret_key);
  }
  dealer.connect(m.endpoint);
  std::array<zmq::const_buffer, 3> frames{zmq::buffer(m.channel), zmq::buffer(m.id),
                                          zmq::buffer(m.payload)};
  (void)zmq::send_multipart(dealer, frames, zmq::send_flags::dontwait);
  const auto until = std::chrono::steady_clock::now() + m.wait;
  while (std::chrono::steady_clock::now() < until) {
    zmq::pollitem_t items[] = {{dealer.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds{50});
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> reply;
    if (!zmq::recv_multipart(dealer, std::back_inserter(reply))) continue;
    if (reply.size() == 2 && reply[0].to_string() == m.id && reply[1].to_string() == "ok")
      return true;
  }
  return false;
}

}  // namespace piket::e2e
