#include "piket/stack/cluster_stack.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "clock_seen.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/secrets.hpp"
#include "piket/common/shared_clock.hpp"
#include "piket/launch/http_get.hpp"
#include "piket/launch/kannel.hpp"
#include "piket/launch/ports.hpp"
#include "piket/launch/process.hpp"
#include "piket/stack/acl_log.hpp"

namespace piket::stack {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// "[name]" → name; "" for other lines (including [[arrays]]).
std::string table_of(const std::string& line) {
  const auto t = trim(line);
  if (t.size() < 3 || t.front() != '[' || t[1] == '[') return {};
  const auto close = t.find(']');
  if (close == std::string::npos) return {};
  return trim(std::string_view(t).substr(1, close - 1));
}
bool starts_new_table(const std::string& line) {
  const auto t = trim(line);
  return !t.empty() && t.front() == '[';
}
// The key of a "key = value" line, "" otherwise.
std::string key_of(const std::string& line) {
  const auto t = trim(line);
  const auto eq = t.find('=');
  if (t.empty() || t.front() == '#' || eq == std::string::npos) return {};
  return trim(std::string_view(t).substr(0, eq));
}
std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

}  // namespace

std::string render_instance_config(std::string_view base, const InstanceEdit& edit) {
  std::vector<std::string> lines;
  {
    std::istringstream in{std::string(base)};
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  std::string table;
  bool saw_table = false, saw_http = false;
  std::vector<std::string> out;
  static const std::regex dir_re{R"re(^\s*dir\s*=\s*"([^"]*)")re"};
  for (const auto& line : lines) {
    if (starts_new_table(line)) {
      table = table_of(line);
      out.push_back(line);
      if (table == edit.service) saw_table = true;
      for (const auto& l : edit.lists) {
        if (l.table != table) continue;
        std::string v = l.key + " = [";
        for (std::size_t i = 0; i < l.values.size(); ++i)
          v += (i ? ", " : "") + quoted(l.values[i]);
        out.push_back(v + "]");
      }
      continue;
    }
    const auto key = key_of(line);
    bool listed = false;
    for (const auto& l : edit.lists) listed = listed || (l.table == table && l.key == key);
    if (listed) continue;  // written after the header
    const auto value = std::find_if(edit.values.begin(), edit.values.end(), [&](const auto& v) {
      return v.table == table && v.key == key;
    });
    if (value != edit.values.end()) {
      out.push_back(key + " = " + quoted(value->value));
    } else if (table == edit.service && key == "http") {
      out.push_back("http = " + quoted(edit.http));
      saw_http = true;
    } else if (table == edit.service && key == "zmq" && !edit.zmq.empty()) {
      out.push_back("zmq = " + quoted(edit.zmq));
    } else if (std::smatch m; table == "log" && key == "dir" && !edit.log_subdir.empty() &&
                              std::regex_search(line, m, dir_re)) {
      out.push_back("dir = " + quoted((fs::path(m[1].str()) / edit.log_subdir).string()));
    } else {
      out.push_back(line);
    }
  }
  if (!saw_table || !saw_http)
    throw std::invalid_argument("cluster: the deployment file has no [" + edit.service +
                                "] http to give instance its own");
  std::string text;
  for (const auto& l : out) text += l + "\n";
  return text;
}

void pick_free_cluster_ports(StackSpec& spec, ClusterOptions& options) {
  spec.ports = StackPorts::pick_free();
  const auto& p = spec.ports;
  std::set<std::uint16_t> used{
      p.redis, p.ingest, p.dispatch_http, p.dispatch_zmq, p.notify_http, p.notify_zmq, p.inbound,
      p.web,   p.cases,  p.sendsms,       p.kannel_admin, p.smsbox,      p.smsc};
  auto next = [&used] {
    for (;;) {
      const auto port = launch::free_tcp_port();
      if (used.insert(port).second) return port;
    }
  };
  spec.sentinel_ports = {next(), next(), next()};
  options.redis_node_ports = {p.redis, next(), next()};
  for (auto c : {Component::ingest, Component::dispatch, Component::notify, Component::inbound,
                 Component::cases, Component::web}) {
    auto& more = options.more_instances[c];
    more.clear();
    const bool zmq = c == Component::dispatch || c == Component::notify;
    for (int n = 2; n <= options.instances; ++n)
      more.push_back({next(), zmq ? next() : std::uint16_t{0}});
  }
  options.kannel_admin_port = p.kannel_admin;
  options.smsbox_port = p.smsbox;
  options.smsc_port = p.smsc;
}

struct ClusterStack::Impl {
  fs::path config_file;
  ClusterOptions options;
  config::Config config;
  std::vector<Component> services;
  std::map<std::pair<Component, int>, InstancePorts> ports;
  std::map<std::pair<Component, int>, fs::path> files;
  std::map<std::pair<Component, int>, launch::Process> processes;
  std::optional<launch::SentinelCluster> redis;
  std::optional<launch::KannelStack> kannel;

  InstancePorts first_ports(Component c) const {
    auto port_of = [](const std::string& endpoint) -> std::uint16_t {
      const auto colon = endpoint.rfind(':');
      return static_cast<std::uint16_t>(std::stoi(endpoint.substr(colon + 1)));
    };
    switch (c) {
      case Component::ingest:
        return {config.ingest.http.port, 0};
      case Component::dispatch:
        return {config.dispatch.http.port, port_of(config.dispatch.zmq_bind)};
      case Component::notify:
        return {config.notify.http.port, port_of(config.notify.zmq_bind)};
      case Component::inbound:
        return {config.inbound.http.port, 0};
      case Component::web:
        return {config.web.http.port, 0};
      case Component::cases:
        return {config.cases.http.port, 0};
      default:
        return {};
    }
  }

  InstancePorts ports_of(Component c, int n) const {
    if (n == 1) return first_ports(c);
    if (auto it = options.more_instances.find(c);
        it != options.more_instances.end() && it->second.size() >= static_cast<std::size_t>(n - 1))
      return it->second[static_cast<std::size_t>(n - 2)];
    auto p = first_ports(c);
    const auto step = static_cast<std::uint16_t>(100 * (n - 1));
    return {static_cast<std::uint16_t>(p.http + step),
            static_cast<std::uint16_t>(p.zmq ? p.zmq + step : 0)};
  }

  void write_instance_files() {
    std::ifstream in(config_file);
    const std::string base((std::istreambuf_iterator<char>(in)), {});
    // Every receiver instance's endpoint, for the senders (each instance binds its own).
    std::vector<InstanceEdit::List> peers;
    if (options.zmq_peers)
      for (auto c : {Component::dispatch, Component::notify}) {
        InstanceEdit::List l{std::string(to_string(c)), "zmq_peers", {}};
        for (int n = 1; n <= options.instances; ++n)
          l.values.push_back("tcp://127.0.0.1:" + std::to_string(ports_of(c, n).zmq));
        peers.push_back(std::move(l));
      }
    for (auto c : services)
      for (int n = 1; n <= options.instances; ++n) {
        const auto p = ports_of(c, n);
        ports[{c, n}] = p;
        InstanceEdit edit;
        edit.service = std::string(to_string(c));
        edit.http = "127.0.0.1:" + std::to_string(p.http);
        if (p.zmq) edit.zmq = "tcp://127.0.0.1:" + std::to_string(p.zmq);
        edit.log_subdir = edit.service + "-" + std::to_string(n);
        edit.lists = peers;
        // Kannel's reports of an instance's sends go to "its" inbound instance, so that the
        // reports are spread over the inbound instances as a load balancer would (before, all
        // went to inbound 1 and lagged seconds behind the sends under load: issue 13, run F).
        if (c == Component::notify) {
          edit.values.push_back(
              {"kannel", "callback_base",
               "http://127.0.0.1:" + std::to_string(ports_of(Component::inbound, n).http)});
          // Each instance its own send journal (the file of a notify on its own machine).
          if (!config.log.dir.empty())
            edit.values.push_back(
                {"notify", "send_journal",
                 (fs::path(config.log.dir) / ("notify-" + std::to_string(n) + ".journal"))
                     .string()});
        }
        const auto file = config_file.parent_path() /
                          ("piket-" + edit.service + "-" + std::to_string(n) + ".toml");
        std::ofstream out(file);
        out << render_instance_config(base, edit);
        if (!out.flush()) throw std::runtime_error("cluster: cannot write " + file.string());
        files[{c, n}] = file;
      }
  }

  void start_service(Component c, int n) {
    const auto name = std::string(to_string(c));
    const auto binary = options.bin_dir / name / ("piket-" + name);
    if (!fs::exists(binary))
      throw std::runtime_error("cluster: " + binary.string() + " is not built");
    auto& p = processes[{c, n}];
    if (p.valid() && p.running()) p.terminate_and_wait(std::chrono::seconds{5});
    const auto what = "piket-" + name + " " + std::to_string(n);
    p = launch::Process::start(
        {binary.string(), "--config", files.at({c, n}).string()},
        options.data_dir / "logs" / (name + "-" + std::to_string(n) + ".out"));
    const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
    const auto port = ports.at({c, n}).http;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!p.running())
        throw std::runtime_error("cluster: " + what + " exited at start; see " +
                                 p.log_file().string());
      try {
        // Up to 3 s an answer (ClusterOptions::start_timeout: why).
        if (launch::http_get(port, "/healthz", std::chrono::milliseconds{3000}).status == 200)
          return;
      } catch (const std::exception&) {
        // not listening yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    throw std::runtime_error("cluster: " + what + " did not become healthy; see " +
                             p.log_file().string());
  }
};

ClusterStack::ClusterStack(fs::path config_file, ClusterOptions options)
    : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.config_file = fs::absolute(config_file);
  m.options = std::move(options);
  m.options.data_dir = fs::absolute(m.options.data_dir);
  if (m.options.instances < 1 || m.options.instances > 9)
    throw std::invalid_argument("cluster: 1-9 instances of each service");
  m.config = config::load_config(m.config_file);
  common::ensure_deployment_secrets(m.config.secrets_dir);
  config::load_secrets(m.config, "ops");
  fs::create_directories(m.options.data_dir / "logs");
  if (!m.config.log.dir.empty()) fs::create_directories(m.config.log.dir);
  m.services = {Component::ingest, Component::dispatch, Component::notify, Component::inbound};
  if (m.options.with_cases) m.services.push_back(Component::cases);
  if (m.options.with_web) m.services.push_back(Component::web);

  const auto& r = m.config.redis;
  if (r.sentinels.size() != launch::SentinelCluster::kSentinels)
    throw std::runtime_error("cluster: [redis] sentinels must name three sentinels");
  launch::SentinelClusterConfig rc;
  rc.dir = m.options.data_dir / "redis";
  for (auto& u : common::deployment_redis_users(m.config.secrets_dir))
    rc.users.push_back({std::move(u.name), std::move(u.password), std::move(u.rules)});
  rc.sentinel_ports.clear();
  for (const auto& s : r.sentinels) {
    if (s.host != "127.0.0.1" && s.host != "localhost")
      throw std::runtime_error("cluster: the sentinels must be on 127.0.0.1, not " + s.host);
    rc.sentinel_ports.push_back(s.port);
  }
  rc.node_ports = m.options.redis_node_ports;
  if (rc.node_ports.empty())
    for (int i = 0; i < launch::SentinelCluster::kNodes; ++i)
      rc.node_ports.push_back(static_cast<std::uint16_t>(r.address.port + i));
  rc.master_name = r.master_name;
  rc.min_replicas_to_write = m.options.min_replicas_to_write;
  rc.down_after = m.options.down_after;
  rc.failover_timeout = m.options.failover_timeout;
  rc.maxmemory_bytes = m.options.redis_maxmemory_mb * 1024 * 1024;
  m.redis.emplace(std::move(rc));

  m.write_instance_files();

  if (!m.options.with_kannel) return;
  const auto& cfg = m.config;
  auto sendsms = boost::urls::parse_uri(cfg.kannel.sendsms_url);
  if (!sendsms || !sendsms->has_port())
    throw std::runtime_error("cluster: kannel.sendsms_url needs an explicit port");
  launch::KannelConfig k;
  k.admin_port = m.options.kannel_admin_port;
  k.smsbox_port = m.options.smsbox_port;
  k.sendsms_port = sendsms->port_number();
  k.smsc_port = m.options.smsc_port;
  k.username = cfg.kannel.username;
  k.password = cfg.kannel.password;
  // To inbound instance 1 (production: a load balancer in front of both). smsbox retries a
  // callback that fails (http-request-retry, set here: 30 times a second apart), so a
  // restarted inbound still gets it.
  k.post_url = "http://" + cfg.inbound.http.host + ":" + std::to_string(cfg.inbound.http.port) +
               "/kannel/sms?key=" + cfg.kannel.callback_secret;
  k.http_request_retry = 30;
  k.http_queue_delay_s = 1;
  k.admin_password = common::SecretStore(cfg.secrets_dir).read(common::secret_file::kannel_admin);
  k.data_dir = m.options.data_dir / "kannel";
  k.log_level = 1;
  m.kannel.emplace(std::move(k));
}

ClusterStack::~ClusterStack() {
  try {
    stop();
  } catch (...) {
  }
}

void ClusterStack::start() {
  impl_->redis->start();
  if (impl_->kannel) impl_->kannel->start();
  // inbound first: Kannel's callbacks land there.
  for (auto c : {Component::inbound, Component::notify, Component::dispatch, Component::ingest,
                 Component::cases, Component::web})
    if (std::find(impl_->services.begin(), impl_->services.end(), c) != impl_->services.end())
      for (int n = 1; n <= impl_->options.instances; ++n) start(c, n);
}

void ClusterStack::stop() {
  for (auto& [_, p] : impl_->processes)
    if (p.valid()) p.terminate_and_wait(std::chrono::seconds{10});
  if (impl_->kannel) impl_->kannel->stop();
  if (impl_->redis) impl_->redis->stop();
}

const std::vector<Component>& ClusterStack::services() const {
  return impl_->services;
}
int ClusterStack::instances() const {
  return impl_->options.instances;
}

void ClusterStack::kill9(Component c, int n) {
  if (c == Component::redis) throw std::invalid_argument("cluster: kill a node through redis()");
  if (c == Component::kannel) {
    if (impl_->kannel) {
      impl_->kannel->bearerbox().kill9();
      impl_->kannel->smsbox().kill9();
    }
    return;
  }
  impl_->processes[{c, n}].kill9();
}

void ClusterStack::kill9(KannelBox b) {
  if (!impl_->kannel) return;
  (b == KannelBox::bearerbox ? impl_->kannel->bearerbox() : impl_->kannel->smsbox()).kill9();
}

void ClusterStack::start(Component c, int n) {
  if (c == Component::redis) throw std::invalid_argument("cluster: start a node through redis()");
  if (c == Component::kannel) {
    if (impl_->kannel) impl_->kannel->start();
    return;
  }
  impl_->start_service(c, n);
}

bool ClusterStack::running(Component c, int n) {
  if (c == Component::kannel) return impl_->kannel && impl_->kannel->running();
  auto it = impl_->processes.find({c, n});
  return it != impl_->processes.end() && it->second.valid() && it->second.running();
}

pid_t ClusterStack::pid(Component c, int n) const {
  auto it = impl_->processes.find({c, n});
  return it == impl_->processes.end() ? -1 : it->second.pid();
}

std::uint16_t ClusterStack::http_port(Component c, int n) const {
  return impl_->ports.at({c, n}).http;
}
fs::path ClusterStack::config_file(Component c, int n) const {
  return impl_->files.at({c, n});
}
bool ClusterStack::wait_clock_followed(common::Instant target, std::chrono::milliseconds timeout) {
  std::vector<std::string> fields;
  for (auto& [key, process] : impl_->processes)
    if (process.valid() && process.running())
      fields.push_back(common::seen_instance_field(to_string(key.first), process.pid()));
  return wait_clock_seen(impl_->config.redis, fields, target, timeout);
}

launch::SentinelCluster& ClusterStack::redis() {
  return *impl_->redis;
}
const config::Config& ClusterStack::config() const {
  return impl_->config;
}
fs::path ClusterStack::log_dir() const {
  return impl_->options.data_dir / "logs";
}
fs::path ClusterStack::fakesmsc_log() const {
  return impl_->kannel ? impl_->kannel->fakesmsc_log_path() : fs::path{};
}
void ClusterStack::inject_sms(const std::string& from, const std::string& to,
                              const std::string& text) {
  if (!impl_->kannel) throw std::runtime_error("cluster: no Kannel in this cluster");
  impl_->kannel->inject_sms(from, to, text);
}

std::vector<std::string> ClusterStack::redis_acl_refusals() {
  return stack::redis_acl_refusals(impl_->config.redis);
}

}  // namespace piket::stack
