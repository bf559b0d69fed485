// The messaging topology (channels.hpp) and the options built from it: who
// receives each channel, whose keys a receiver lets in, which key a sender
// expects of its receiver. Unit tests: no sockets.
#include "piket/common/channels.hpp"

#include <gtest/gtest.h>

#include <set>

#include "piket/common/secrets.hpp"
#include "piket/config/config.hpp"

namespace piket::common {
namespace {

// The whole file is assembled by piket_config; its sections are their owners'.
using config::Config;
using config::load_config;
using config::parse_config;
using rota::ContactChannel;
using rota::PersonConfig;
using rota::StaffRole;

Config deployment_config(const std::string& service) {
  Config c;
  c.dispatch.zmq_bind = "tcp://127.0.0.1:17101";
  c.notify.zmq_bind = "tcp://127.0.0.1:17102";
  for (auto s : kSecretHolders)
    if (s != "ops") c.zmq.peers[std::string(s)] = generate_curve_keypair().public_key;
  const auto own = generate_curve_keypair();
  c.zmq.peers[service] = own.public_key;
  c.zmq.public_key = own.public_key;
  c.zmq.secret_key = own.secret_key;
  return c;
}

TEST(Channels, EveryChannelHasOneReceiverWithAnEndpointAndKnownSenders) {
  const auto cfg = deployment_config("dispatch");
  std::set<std::string_view> seen;
  for (const auto& r : channel_routes()) {
    EXPECT_TRUE(seen.insert(r.channel).second) << r.channel;
    EXPECT_TRUE(valid_channel(r.channel)) << r.channel;
    EXPECT_NO_THROW(receiver_endpoint(cfg, r.receiver)) << r.channel;
    EXPECT_FALSE(r.senders.empty()) << r.channel;
    for (auto s : r.senders) EXPECT_TRUE(cfg.zmq.peers.contains(std::string(s))) << s;
  }
  EXPECT_THROW(channel_route("nope"), std::logic_error);
  EXPECT_THROW(receiver_endpoint(cfg, "ingest"), std::logic_error);
}

TEST(Channels, DispatchLetsInIngestInboundAndNotifyEachOnItsOwnChannel) {
  const auto cfg = deployment_config("dispatch");
  const auto o = inbox_receiver_options(cfg, "dispatch", 3);
  EXPECT_EQ(o.endpoint, "tcp://127.0.0.1:17101");
  EXPECT_EQ(o.workers, 3);
  EXPECT_EQ(o.curve.secret_key, cfg.zmq.secret_key);
  const std::map<std::string, std::string> clients{{cfg.zmq.peers.at("ingest"), "ingest"},
                                                   {cfg.zmq.peers.at("inbound"), "inbound"},
                                                   {cfg.zmq.peers.at("notify"), "notify"}};
  EXPECT_EQ(o.curve.clients, clients);
  ASSERT_EQ(o.curve.channels.size(), 2u);
  EXPECT_EQ(o.curve.channels.at("dispatch"), (std::set<std::string>{"ingest"}));
  EXPECT_EQ(o.curve.channels.at("escalation"), (std::set<std::string>{"inbound", "notify"}));
}

TEST(Channels, NotifyLetsInDispatchAndCasesOnly) {
  const auto cfg = deployment_config("notify");
  const auto o = inbox_receiver_options(cfg, "notify", 2);
  EXPECT_EQ(o.endpoint, "tcp://127.0.0.1:17102");
  const std::map<std::string, std::string> clients{{cfg.zmq.peers.at("dispatch"), "dispatch"},
                                                   {cfg.zmq.peers.at("cases"), "cases"}};
  EXPECT_EQ(o.curve.clients, clients);
  ASSERT_EQ(o.curve.channels.size(), 1u);
  EXPECT_EQ(o.curve.channels.at("notify"), (std::set<std::string>{"dispatch", "cases"}));
}

TEST(Channels, ASenderExpectsItsReceiversKeyAndMaySendOnlyItsOwnChannels) {
  const auto cfg = deployment_config("cases");
  const auto o = outbox_sender_options(cfg, "cases", "notify");
  EXPECT_EQ(o.channel, "notify");
  EXPECT_EQ(o.endpoints, std::vector<std::string>{"tcp://127.0.0.1:17102"});
  EXPECT_EQ(o.curve.server_key, cfg.zmq.peers.at("notify"));
  EXPECT_EQ(o.curve.public_key, cfg.zmq.public_key);
  EXPECT_EQ(o.curve.secret_key, cfg.zmq.secret_key);
  EXPECT_EQ(outbox_sender_options(deployment_config("inbound"), "inbound", "escalation").endpoints,
            std::vector<std::string>{"tcp://127.0.0.1:17101"});
  EXPECT_THROW(outbox_sender_options(cfg, "cases", "escalation"), std::logic_error);
  // Two notify instances: cases connects to both; each instance binds its own.
  auto two = cfg;
  two.notify.zmq_peers = {"tcp://10.0.0.1:7102", "tcp://10.0.0.2:7102"};
  EXPECT_EQ(outbox_sender_options(two, "cases", "notify").endpoints, two.notify.zmq_peers);
  EXPECT_EQ(inbox_receiver_options(two, "notify", 1).endpoint, "tcp://127.0.0.1:17102");
  EXPECT_THROW(outbox_sender_options(cfg, "ingest", "notify"), std::logic_error);
  auto no_peer = cfg;
  no_peer.zmq.peers.erase("notify");
  EXPECT_THROW(outbox_sender_options(no_peer, "cases", "notify"), std::invalid_argument);
}

}  // namespace
}  // namespace piket::common
