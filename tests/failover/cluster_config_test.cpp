// The local cluster's configuration files (label unit): instance n's file is the deployment
// file with its own listening addresses and log directory, and it loads.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "piket/config/config.hpp"
#include "piket/stack/cluster_stack.hpp"
#include "piket/stack/stack_config.hpp"

namespace piket::stack {
namespace {

TEST(InstanceConfig, ChangesOnlyTheServicesOwnAddressesAndTheLogDirectory) {
  const std::string base =
      "[log]\ndir = \"/var/log/piket\"   # comment\nlevel = \"info\"\n\n"
      "[dispatch]\nhttp = \"127.0.0.1:8081\"    # /healthz\nzmq = \"tcp://127.0.0.1:7101\"\n\n"
      "[notify]\nhttp = \"127.0.0.1:8082\"\nzmq = \"tcp://127.0.0.1:7102\"\n\n"
      "[[people]]\nid = \"a\"\n";
  InstanceEdit e;
  e.service = "dispatch";
  e.http = "127.0.0.1:8181";
  e.zmq = "tcp://127.0.0.1:7201";
  e.log_subdir = "dispatch-2";
  EXPECT_EQ(render_instance_config(base, e),
            "[log]\ndir = \"/var/log/piket/dispatch-2\"\nlevel = \"info\"\n\n"
            "[dispatch]\nhttp = \"127.0.0.1:8181\"\nzmq = \"tcp://127.0.0.1:7201\"\n\n"
            "[notify]\nhttp = \"127.0.0.1:8082\"\nzmq = \"tcp://127.0.0.1:7102\"\n\n"
            "[[people]]\nid = \"a\"\n");
  e.lists.push_back({"notify", "zmq_peers", {"tcp://127.0.0.1:7102", "tcp://127.0.0.1:7202"}});
  EXPECT_NE(render_instance_config(base, e).find(
                "[notify]\nzmq_peers = [\"tcp://127.0.0.1:7102\", \"tcp://127.0.0.1:7202\"]\n"
                "http = \"127.0.0.1:8082\"\n"),
            std::string::npos);
  // A single value in another table replaces its line in place; a key the file lacks is not
  // added.
  e.values.push_back({"notify", "zmq", "tcp://127.0.0.1:7302"});
  e.values.push_back({"notify", "absent", "x"});
  const auto with_value = render_instance_config(base, e);
  EXPECT_NE(with_value.find("http = \"127.0.0.1:8082\"\nzmq = \"tcp://127.0.0.1:7302\"\n"),
            std::string::npos)
      << with_value;
  EXPECT_EQ(with_value.find("absent"), std::string::npos);
  e.service = "web";
  EXPECT_THROW(render_instance_config(base, e), std::invalid_argument);
}

TEST(InstanceConfig, TheTestStacksFileWithSentinelsGivesInstanceFilesThatLoad) {
  const auto dir = std::filesystem::temp_directory_path() / "piket-instance-config-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  StackSpec spec;
  spec.ports = StackPorts::pick_free();
  spec.sentinel_ports = {26001, 26002, 26003};
  spec.min_replicas = 1;
  spec.log_dir = (dir / "logs").string();
  const auto file = write_stack_config(spec, dir);
  std::ifstream in(file);
  const std::string base((std::istreambuf_iterator<char>(in)), {});
  InstanceEdit e;
  e.service = "notify";
  e.http = "127.0.0.1:18182";
  e.zmq = "tcp://127.0.0.1:17202";
  e.log_subdir = "notify-2";
  e.lists.push_back({"dispatch", "zmq_peers", {"tcp://127.0.0.1:17101", "tcp://127.0.0.1:17201"}});
  e.lists.push_back({"notify", "zmq_peers", {"tcp://127.0.0.1:17102", "tcp://127.0.0.1:17202"}});
  e.values.push_back({"kannel", "callback_base", "http://127.0.0.1:18183"});
  {
    std::ofstream out(dir / "piket-notify-2.toml");
    out << render_instance_config(base, e);
  }
  const auto cfg = config::load_config(dir / "piket-notify-2.toml");
  EXPECT_EQ(cfg.notify.http.port, 18182);
  EXPECT_EQ(cfg.notify.zmq_bind, "tcp://127.0.0.1:17202");
  EXPECT_EQ(cfg.dispatch.http.port, spec.ports.dispatch_http);
  EXPECT_EQ(cfg.log.dir, (dir / "logs" / "notify-2").string());
  EXPECT_EQ(cfg.kannel.callback_base, "http://127.0.0.1:18183");
  EXPECT_EQ(cfg.dispatch.zmq_peers,
            (std::vector<std::string>{"tcp://127.0.0.1:17101", "tcp://127.0.0.1:17201"}));
  EXPECT_EQ(cfg.notify.zmq_peers,
            (std::vector<std::string>{"tcp://127.0.0.1:17102", "tcp://127.0.0.1:17202"}));
  ASSERT_EQ(cfg.redis.sentinels.size(), 3u);
  EXPECT_EQ(cfg.redis.sentinels[2].port, 26003);
  EXPECT_EQ(cfg.redis.master_name, "piket");
  EXPECT_EQ(cfg.redis.min_replicas, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace piket::stack
