#pragma once
// The ZeroMQ channels between piket's services — the one place the topology
// is written: which service receives each channel (it binds the ROUTER) and
// which services may send it. A receiver lets only those senders connect
// (CURVE, checked by its ZAP handler) and refuses a channel its sender may
// not send; a sender authenticates the receiver by the receiver's public key.
// docs/architecture.md ("Messaging") and docs/secrets.md describe it.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/messaging.hpp"

namespace piket::common {

struct ChannelRoute {
  std::string_view channel;
  std::string_view receiver;              // the service whose ROUTER receives it
  std::vector<std::string_view> senders;  // the services that may send it
};

// dispatch: ingest → dispatch (an accepted incident);
// notify: dispatch, cases → notify (a page to deliver);
// escalation: inbound, notify → dispatch (a page declined, or undeliverable;
// from inbound also "family:…": wakes the family router).
const std::vector<ChannelRoute>& channel_routes();

// The route of `channel`; throws std::logic_error for a channel not in the table.
const ChannelRoute& channel_route(std::string_view channel);

// A receiving service's endpoints, from its own section ([dispatch] zmq and
// zmq_peers, [notify] zmq and zmq_peers): the one this instance binds, and
// every instance's, which the senders connect to (empty: `bind` alone, one
// instance).
struct ReceiverEndpoints {
  std::string bind;
  std::vector<std::string> peers;
};
// Service name -> its endpoints: config::Config::zmq_endpoints().
using ZmqEndpoints = std::map<std::string, ReceiverEndpoints, std::less<>>;

// The endpoint the receiver `service` binds.
// Throws std::logic_error for a service that receives nothing.
const std::string& receiver_endpoint(const ZmqEndpoints& endpoints, std::string_view service);

// Every instance of the receiver `service` (its peers; its bind address when
// none are listed). Throws std::logic_error for a service that receives nothing.
std::vector<std::string> receiver_instances(const ZmqEndpoints& endpoints,
                                            std::string_view service);

// What `service` needs to send `channel`: every receiver instance's endpoint, the
// receiver's public key and the service's own key pair (config.zmq, filled by
// service_main from the secrets directory). Throws std::logic_error when
// `service` may not send `channel`, std::invalid_argument when a key is missing.
OutboxSenderOptions outbox_sender_options(const SharedConfig& config, const ZmqEndpoints& endpoints,
                                          std::string_view service, std::string_view channel);

// What the receiver `service` needs: its endpoint, its secret key, the public
// keys of the services that send to it and which channel each may send.
InboxReceiverOptions inbox_receiver_options(const SharedConfig& config,
                                            const ZmqEndpoints& endpoints, std::string_view service,
                                            int workers);

}  // namespace piket::common
