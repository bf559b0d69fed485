#include "piket/launch/node_start_role.hpp"

#include <map>
#include <stdexcept>
#include <thread>
#include <utility>

#include "piket/common/host_port.hpp"
#include "piket/common/redis.hpp"

namespace piket::launch {
namespace {

std::string str(const common::HostPort& a) {
  return a.host + ":" + std::to_string(a.port);
}

bool same(const common::HostPort& a, const common::HostPort& b) {
  return a.host == b.host && a.port == b.port;
}

long long to_ll(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

StartRole decide_start_role(const common::HostPort& self,
                            const std::vector<std::optional<SentinelView>>& answers, int quorum) {
  int answered = 0;
  std::map<std::pair<std::string, std::uint16_t>, int> named;
  for (const auto& a : answers)
    if (a) {
      ++answered;
      ++named[{a->primary.host, a->primary.port}];
    }
  if (answered < quorum)
    return {StartRole::Kind::as_configured,
            {},
            std::to_string(answered) + " of " + std::to_string(answers.size()) +
                " sentinels answer, a failover needs " + std::to_string(quorum) +
                ": starting as configured"};
  for (const auto& [addr, count] : named) {
    if (count < quorum) continue;
    const common::HostPort primary{addr.first, addr.second};
    if (!same(primary, self))
      return {StartRole::Kind::replica, primary,
              std::to_string(count) + " sentinels name " + str(primary) +
                  " the primary: starting as its replica"};
    for (const auto& a : answers) {
      if (!a || !same(a->primary, self)) continue;
      if (a->failing_over)
        return {StartRole::Kind::wait,
                {},
                "the sentinels are failing over away from this node: waiting"};
      if (a->since_last_ok_ping * 2 > a->down_after)
        return {StartRole::Kind::wait,
                {},
                "a sentinel has had no reply for " + std::to_string(a->since_last_ok_ping.count()) +
                    " ms (down-after " + std::to_string(a->down_after.count()) +
                    " ms): a failover may start before this node answers: waiting"};
    }
    return {StartRole::Kind::primary, self,
            std::to_string(count) +
                " sentinels name this node the primary and none is failing over: starting as "
                "the primary"};
  }
  return {StartRole::Kind::wait, {}, "the sentinels do not agree on a primary: waiting"};
}

std::optional<SentinelView> ask_sentinel_view(const common::HostPort& sentinel,
                                              const NodeStartOptions& options) {
  common::RedisConfig c{sentinel, options.sentinel_timeout};
  c.user = options.user;
  c.password = options.password;
  try {
    common::RedisConnection conn(c);
    const auto r = conn.command({"SENTINEL", "master", options.master_name});
    std::map<std::string, std::string> fields;
    for (std::size_t k = 0; k + 1 < r.elements.size(); k += 2)
      fields[r.elements[k].str] = r.elements[k + 1].str;
    SentinelView v;
    v.primary.host = fields["ip"];
    const auto port = to_ll(fields["port"]);
    if (v.primary.host.empty() || port < 1 || port > 65535) return std::nullopt;
    v.primary.port = static_cast<std::uint16_t>(port);
    const auto& flags = fields["flags"];
    v.failing_over = flags.find("s_down") != std::string::npos ||
                     flags.find("o_down") != std::string::npos ||
                     flags.find("failover_in_progress") != std::string::npos;
    v.since_last_ok_ping = std::chrono::milliseconds(to_ll(fields["last-ok-ping-reply"]));
    v.down_after = std::chrono::milliseconds(to_ll(fields["down-after-milliseconds"]));
    return v;
  } catch (const common::RedisError&) {
    return std::nullopt;
  }
}

StartRole node_start_role(const NodeStartOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.wait_limit;
  for (;;) {
    std::vector<std::optional<SentinelView>> answers;
    for (const auto& s : options.sentinels) answers.push_back(ask_sentinel_view(s, options));
    auto role = decide_start_role(options.self, answers, options.quorum);
    if (role.kind != StartRole::Kind::wait) return role;
    if (std::chrono::steady_clock::now() >= deadline)
      return {StartRole::Kind::as_configured,
              {},
              "still '" + role.why + "' after " + std::to_string(options.wait_limit.count()) +
                  " ms: starting as configured"};
    std::this_thread::sleep_for(options.poll);
  }
}

std::vector<std::string> redis_server_role_args(const StartRole& role) {
  switch (role.kind) {
    case StartRole::Kind::replica:
      return {"--replicaof", role.primary.host, std::to_string(role.primary.port)};
    case StartRole::Kind::primary:
      return {"--replicaof", "no", "one"};
    case StartRole::Kind::as_configured:
    case StartRole::Kind::wait:
      break;
  }
  return {};
}

common::HostPort parse_host_port(const std::string& text) {
  auto parsed = common::parse_host_port(text);
  if (!parsed.address) throw std::invalid_argument("'" + text + "': " + parsed.problem);
  return std::move(*parsed.address);
}

}  // namespace piket::launch
