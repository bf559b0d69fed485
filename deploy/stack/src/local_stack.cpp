#include "piket/stack/local_stack.hpp"

#include <boost/url/parse.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "clock_seen.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/secrets.hpp"
#include "piket/launch/http_get.hpp"
#include "piket/launch/kannel.hpp"
#include "piket/launch/process.hpp"
#include "piket/launch/redis_server.hpp"
#include "piket/stack/acl_log.hpp"
#include "piket/store/clock.hpp"

namespace piket::stack {
namespace fs = std::filesystem;

std::string_view to_string(Component c) {
  switch (c) {
    case Component::redis:
      return "redis";
    case Component::kannel:
      return "kannel";
    case Component::ingest:
      return "ingest";
    case Component::dispatch:
      return "dispatch";
    case Component::notify:
      return "notify";
    case Component::inbound:
      return "inbound";
    case Component::web:
      return "web";
    case Component::cases:
      return "cases";
  }
  return "unknown";
}

namespace {
// Redis ACL users: "ops" (first: the launcher pings as it) may do anything; each
// service may run only its own commands (common/redis_acl.hpp).
std::vector<launch::RedisAclUser> redis_users(const fs::path& secrets_dir) {
  std::vector<launch::RedisAclUser> users;
  for (auto& u : common::deployment_redis_users(secrets_dir))
    users.push_back({std::move(u.name), std::move(u.password), std::move(u.rules)});
  return users;
}
}  // namespace

struct LocalStack::Impl {
  fs::path config_file;
  StackOptions options;
  config::Config config;
  std::optional<launch::RedisServer> redis;
  std::optional<launch::KannelStack> kannel;
  std::map<Component, launch::Process> services;

  std::uint16_t http_port(Component c) const {
    switch (c) {
      case Component::ingest:
        return config.ingest.http.port;
      case Component::dispatch:
        return config.dispatch.http.port;
      case Component::notify:
        return config.notify.http.port;
      case Component::inbound:
        return config.inbound.http.port;
      case Component::web:
        return config.web.http.port;
      case Component::cases:
        return config.cases.http.port;
      default:
        return 0;
    }
  }

  void start_service(Component c) {
    const auto name = std::string(to_string(c));
    const auto binary = options.bin_dir / name / ("piket-" + name);
    if (!fs::exists(binary))
      throw std::runtime_error("stack: " + binary.string() + " is not built");
    auto& p = services[c];
    if (p.valid() && p.running()) p.terminate_and_wait(std::chrono::seconds{5});
    p = launch::Process::start({binary.string(), "--config", config_file.string()},
                               options.data_dir / "logs" / (name + ".out"));
    const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!p.running())
        throw std::runtime_error("stack: piket-" + name + " exited at start; see " +
                                 p.log_file().string());
      try {
        auto r = launch::http_get(http_port(c), "/healthz", std::chrono::milliseconds{500});
        if (r.status == 200) return;
      } catch (const std::exception&) {
        // not listening yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    throw std::runtime_error("stack: piket-" + name + " did not become healthy; see " +
                             p.log_file().string());
  }
};

LocalStack::LocalStack(fs::path config_file, StackOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->config_file = fs::absolute(config_file);
  impl_->options = std::move(options);
  impl_->options.data_dir = fs::absolute(impl_->options.data_dir);
  impl_->config = config::load_config(impl_->config_file);
  // A fresh deployment gets its secrets here (never overwritten once made).
  common::ensure_deployment_secrets(impl_->config.secrets_dir);
  // The launcher acts as the operator: Kannel's passwords and, for whoever
  // inspects the stack (tests), Redis user "ops".
  config::load_secrets(impl_->config, "ops");
  fs::create_directories(impl_->options.data_dir / "logs");
  if (!impl_->config.log.dir.empty()) fs::create_directories(impl_->config.log.dir);
  impl_->redis.emplace(launch::RedisServerConfig{
      impl_->config.redis.address.port, impl_->options.data_dir / "redis",
      redis_users(impl_->config.secrets_dir), impl_->options.redis_maxmemory_mb * 1024 * 1024});
  if (impl_->options.with_kannel) {
    const auto& cfg = impl_->config;
    auto sendsms = boost::urls::parse_uri(cfg.kannel.sendsms_url);
    if (!sendsms || !sendsms->has_port())
      throw std::runtime_error("stack: kannel.sendsms_url needs an explicit port");
    launch::KannelConfig k;
    k.admin_port = impl_->options.kannel_admin_port;
    k.smsbox_port = impl_->options.smsbox_port;
    k.sendsms_port = sendsms->port_number();
    k.smsc_port = impl_->options.smsc_port;
    k.username = cfg.kannel.username;
    k.password = cfg.kannel.password;
    // The callback secret goes into the post-url (inbound refuses callbacks
    // without it); the number and the text go in the POST's header and body,
    // so smsbox's "Couldn't fetch <url>" while inbound is down names neither.
    // The admin password is the deployment's own.
    k.post_url = "http://" + cfg.inbound.http.host + ":" + std::to_string(cfg.inbound.http.port) +
                 "/kannel/sms?key=" + cfg.kannel.callback_secret;
    k.admin_password = common::SecretStore(cfg.secrets_dir).read(common::secret_file::kannel_admin);
    k.data_dir = impl_->options.data_dir / "kannel";
    k.log_level = 1;
    k.denied_prefix = impl_->options.kannel_denied_prefix;
    impl_->kannel.emplace(std::move(k));
  }
}

LocalStack::~LocalStack() {
  try {
    stop();
  } catch (...) {
  }
}

void LocalStack::start() {
  start(Component::redis);
  if (impl_->kannel) start(Component::kannel);
  // inbound first: Kannel's callbacks land there.
  for (auto c : {Component::inbound, Component::notify, Component::dispatch, Component::ingest})
    start(c);
  if (impl_->options.with_cases) start(Component::cases);
  if (impl_->options.with_web) start(Component::web);
}

void LocalStack::stop() {
  for (auto c : {Component::web, Component::cases, Component::ingest, Component::dispatch,
                 Component::notify, Component::inbound}) {
    auto it = impl_->services.find(c);
    if (it != impl_->services.end() && it->second.valid())
      it->second.terminate_and_wait(std::chrono::seconds{10});
  }
  if (impl_->kannel) impl_->kannel->stop();
  if (impl_->redis) impl_->redis->stop();
}

void LocalStack::kill9(Component c) {
  switch (c) {
    case Component::redis:
      impl_->redis->kill9();
      return;
    case Component::kannel:
      if (impl_->kannel) {
        impl_->kannel->bearerbox().kill9();
        impl_->kannel->smsbox().kill9();
      }
      return;
    default:
      impl_->services[c].kill9();
  }
}

void LocalStack::kill9(KannelBox b) {
  if (!impl_->kannel) return;
  (b == KannelBox::bearerbox ? impl_->kannel->bearerbox() : impl_->kannel->smsbox()).kill9();
}

void LocalStack::start(Component c) {
  switch (c) {
    case Component::redis:
      if (impl_->redis->running()) return;
      impl_->redis->start();
      return;
    case Component::kannel:
      if (impl_->kannel) impl_->kannel->start();
      return;
    default:
      impl_->start_service(c);
  }
}

bool LocalStack::running(Component c) {
  switch (c) {
    case Component::redis:
      return impl_->redis->running();
    case Component::kannel:
      return impl_->kannel && impl_->kannel->running();
    default: {
      auto it = impl_->services.find(c);
      return it != impl_->services.end() && it->second.valid() && it->second.running();
    }
  }
}

pid_t LocalStack::pid(Component c) {
  switch (c) {
    case Component::redis:
      return impl_->redis->pid();
    case Component::kannel:
      return impl_->kannel ? impl_->kannel->bearerbox().pid() : -1;
    default:
      return impl_->services[c].pid();
  }
}

bool LocalStack::wait_clock_followed(common::Instant target, std::chrono::milliseconds timeout) {
  std::vector<std::string> fields;
  for (const auto& [c, _] : impl_->services)
    if (running(c)) fields.emplace_back(to_string(c));
  return wait_clock_seen(impl_->config.redis, fields, target, timeout);
}

std::vector<std::string> LocalStack::redis_acl_refusals() {
  return stack::redis_acl_refusals(impl_->config.redis);
}

const config::Config& LocalStack::config() const {
  return impl_->config;
}
fs::path LocalStack::log_dir() const {
  return impl_->options.data_dir / "logs";
}
fs::path LocalStack::fakesmsc_log() const {
  return impl_->kannel ? impl_->kannel->fakesmsc_log_path() : fs::path{};
}

void LocalStack::inject_sms(const std::string& from, const std::string& to,
                            const std::string& text) {
  if (!impl_->kannel) throw std::runtime_error("stack: no Kannel in this stack");
  impl_->kannel->inject_sms(from, to, text);
}

}  // namespace piket::stack
