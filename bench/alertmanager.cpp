#include "alertmanager.hpp"

#include <fstream>
#include <stdexcept>
#include <thread>

#include "piket/common/http_client.hpp"
#include "piket/launch/ports.hpp"
#include "piket/launch/process.hpp"
#include "texts.hpp"

namespace piket::bench {

std::string alertmanager_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

std::string alertmanager_config(const AlertmanagerRoute& route) {
  return "# Written by piket-bench: each alert is its own group (group_by ['...']) and is sent\n"
         "# at once (group_wait 0s) to the bench's webhook on loopback.\n"
         "route:\n"
         "  receiver: bench\n"
         "  group_by: ['...']\n"
         "  group_wait: 0s\n"
         "  group_interval: " +
         alertmanager_duration(route.group_interval) +
         "\n"
         "  repeat_interval: 24h\n"
         "receivers:\n"
         "  - name: bench\n"
         "    webhook_configs:\n"
         "      - url: '" +
         route.webhook_url +
         "'\n"
         "        send_resolved: false\n";
}

std::string alert_body(std::string_view id) {
  return R"([{"labels":{"alertname":"PiketBench","severity":"critical",")" +
         std::string(kBenchLabel) + R"(":")" + std::string(id) +
         R"("},"annotations":{"summary":"synthetic"}}])";
}

struct Alertmanager::Impl {
  std::filesystem::path dir, binary;
  AlertmanagerRoute route;
  std::uint16_t port = 0;
  launch::Process process;
};

Alertmanager::Alertmanager(std::filesystem::path dir, AlertmanagerRoute route,
                           std::filesystem::path binary)
    : impl_(std::make_unique<Impl>()) {
  if (!std::filesystem::exists(binary))
    throw std::runtime_error("Alertmanager is not installed (" + binary.string() +
                             "); for --peer alertmanager: " + std::string(kAlertmanagerInstall));
  impl_->dir = std::move(dir);
  impl_->binary = std::move(binary);
  impl_->route = std::move(route);
}

Alertmanager::~Alertmanager() {
  stop();
}

void Alertmanager::start(std::chrono::milliseconds timeout) {
  auto& m = *impl_;
  std::filesystem::create_directories(m.dir / "data");
  const auto config = m.dir / "alertmanager.yml";
  std::ofstream(config) << alertmanager_config(m.route);
  m.port = launch::free_tcp_port();
  m.process = launch::Process::start({m.binary.string(), "--config.file=" + config.string(),
                                      "--storage.path=" + (m.dir / "data").string(),
                                      "--web.listen-address=127.0.0.1:" + std::to_string(m.port),
                                      // No HA gossip (it would listen on 0.0.0.0:9094).
                                      "--cluster.listen-address=", "--log.level=warn"},
                                     m.dir / "alertmanager.log");
  common::HttpClient probe({"127.0.0.1", m.port}, std::chrono::milliseconds{1000});
  for (const auto until = std::chrono::steady_clock::now() + timeout;;) {
    if (!m.process.running())
      throw std::runtime_error("Alertmanager exited at start; see " + log_file().string());
    if (probe.get("/-/ready").status == 200) return;
    if (std::chrono::steady_clock::now() > until)
      throw std::runtime_error("Alertmanager not ready; see " + log_file().string());
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

void Alertmanager::stop() {
  if (impl_->process.valid()) impl_->process.terminate_and_wait(std::chrono::seconds{10});
}

std::uint16_t Alertmanager::port() const {
  return impl_->port;
}
pid_t Alertmanager::pid() const {
  return impl_->process.pid();
}
std::filesystem::path Alertmanager::log_file() const {
  return impl_->dir / "alertmanager.log";
}

}  // namespace piket::bench
