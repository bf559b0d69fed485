#include "piket/common/channels.hpp"

#include <algorithm>
#include <stdexcept>

#include "piket/common/replication_barrier.hpp"

namespace piket::common {

const std::vector<ChannelRoute>& channel_routes() {
  static const std::vector<ChannelRoute> routes{
      {"dispatch", "dispatch", {"ingest"}},
      {"notify", "notify", {"dispatch", "cases"}},
      {"escalation", "dispatch", {"inbound", "notify"}},
  };
  return routes;
}

const ChannelRoute& channel_route(std::string_view channel) {
  for (const auto& r : channel_routes())
    if (r.channel == channel) return r;
  throw std::logic_error("messaging: no channel '" + std::string(channel) + "'");
}

namespace {

const ReceiverEndpoints& receiver(const ZmqEndpoints& endpoints, std::string_view service) {
  if (const auto it = endpoints.find(service); it != endpoints.end()) return it->second;
  throw std::logic_error("messaging: '" + std::string(service) + "' receives no channel");
}

}  // namespace

const std::string& receiver_endpoint(const ZmqEndpoints& endpoints, std::string_view service) {
  return receiver(endpoints, service).bind;
}

std::vector<std::string> receiver_instances(const ZmqEndpoints& endpoints,
                                            std::string_view service) {
  const auto& r = receiver(endpoints, service);
  if (r.peers.empty()) return {r.bind};
  return r.peers;
}

namespace {

const std::string& peer_key(const SharedConfig& config, std::string_view service) {
  const auto it = config.zmq.peers.find(std::string(service));
  if (it == config.zmq.peers.end() || it->second.empty())
    throw std::invalid_argument("messaging: no CURVE public key of '" + std::string(service) +
                                "' (zmq-" + std::string(service) + ".public in the secrets)");
  return it->second;
}

}  // namespace

OutboxSenderOptions outbox_sender_options(const SharedConfig& config, const ZmqEndpoints& endpoints,
                                          std::string_view service, std::string_view channel) {
  const auto& route = channel_route(channel);
  if (std::find(route.senders.begin(), route.senders.end(), service) == route.senders.end())
    throw std::logic_error("messaging: '" + std::string(service) + "' may not send channel '" +
                           std::string(channel) + "'");
  if (!config.zmq.enabled())
    throw std::invalid_argument("messaging: no CURVE key pair of '" + std::string(service) + "'");
  OutboxSenderOptions o;
  o.channel = std::string(channel);
  o.endpoints = receiver_instances(endpoints, route.receiver);
  o.redis = config.redis;
  o.resend_after = config.outbox.resend_after;
  o.curve = {config.zmq.public_key, config.zmq.secret_key, peer_key(config, route.receiver)};
  return o;
}

InboxReceiverOptions inbox_receiver_options(const SharedConfig& config,
                                            const ZmqEndpoints& endpoints, std::string_view service,
                                            int workers) {
  if (!config.zmq.enabled())
    throw std::invalid_argument("messaging: no CURVE key pair of '" + std::string(service) + "'");
  InboxReceiverOptions o;
  o.endpoint = receiver_endpoint(endpoints, service);
  o.workers = workers;
  // "ok" only once replicas have the handler's write ([redis] min_replicas).
  o.confirm = replication_barrier(config.redis, std::string(service));
  // "queued" notices at half the senders' resend interval (one deployment
  // shares [outbox]): a message waiting in the queue is never sent again.
  o.still_queued_every = config.outbox.resend_after / 2;
  o.curve.secret_key = config.zmq.secret_key;
  for (const auto& r : channel_routes()) {
    if (r.receiver != service) continue;
    auto& allowed = o.curve.channels[std::string(r.channel)];
    for (auto sender : r.senders) {
      allowed.insert(std::string(sender));
      o.curve.clients[peer_key(config, sender)] = std::string(sender);
    }
  }
  return o;
}

}  // namespace piket::common
