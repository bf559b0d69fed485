// piket-zmq-forge: puts one hand-made message on a piket ZeroMQ socket and
// says whether the receiver took it — the attack, for trying a
// running stack (docs/architecture.md, "Messaging"). A test tool: built with
// the tests, never installed.
//
//   piket-zmq-forge --endpoint tcp://127.0.0.1:7101 --channel escalation
//     --id PXXXXXXXXXXXXXXXX:declined
//     --payload '{"page_id":"PXXXXXXXXXXXXXXXX","reason":"declined"}'
//     [--curve random|SECRETS_DIR/zmq-<service> --server-key-file SECRETS_DIR/zmq-dispatch.public]
//
// Without --curve: plain ZMTP. --curve random: a CURVE key pair of its own;
// --curve PREFIX: the pair PREFIX.public / PREFIX.secret (a service's).
// Exit code 0: the receiver answered "ok"; 1: no answer within --wait-ms.

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "zmq_forge.hpp"

namespace {

std::string read_key(const std::string& file) {
  std::ifstream in(file);
  std::string k;
  in >> k;
  if (k.size() != 40) throw std::runtime_error("no Z85 key in " + file);
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  piket::e2e::ForgedMessage m;
  std::string curve, server_key_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--endpoint")
      m.endpoint = v;
    else if (k == "--channel")
      m.channel = v;
    else if (k == "--id")
      m.id = v;
    else if (k == "--payload")
      m.payload = v;
    else if (k == "--curve")
      curve = v;
    else if (k == "--server-key-file")
      server_key_file = v;
    else if (k == "--wait-ms")
      m.wait = std::chrono::milliseconds{std::stoi(v)};
    else {
      std::cerr << "piket-zmq-forge: unknown option " << k << "\n";
      return 2;
    }
  }
  if (m.endpoint.empty() || m.channel.empty() || m.id.empty() ||
      (!curve.empty() && server_key_file.empty())) {
    std::cerr << "usage: piket-zmq-forge --endpoint E --channel C --id I --payload P "
                 "[--curve random|KEY_PREFIX --server-key-file F] [--wait-ms N]\n";
    return 2;
  }
  try {
    if (!curve.empty()) {
      m.server_key = read_key(server_key_file);
      if (curve == "random") {
        char pub[41] = {}, sec[41] = {};
        if (zmq_curve_keypair(pub, sec) != 0) throw std::runtime_error("no CURVE in libzmq");
        m.public_key = pub;
        m.secret_key = sec;
      } else {
        m.public_key = read_key(curve + ".public");
        m.secret_key = read_key(curve + ".secret");
      }
    }
    const bool taken = piket::e2e::forge(m);
    std::cout << (curve.empty() ? "plain ZMTP" : "CURVE (" + curve + ")") << " -> " << m.endpoint
              << " channel " << m.channel << ": "
              << (taken ? "TAKEN (receiver answered ok)" : "refused (no answer)") << "\n";
    return taken ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "piket-zmq-forge: " << e.what() << "\n";
    return 2;
  }
}
