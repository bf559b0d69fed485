#include "piket/common/service_args.hpp"

#include <string_view>

namespace piket::common {

ServiceArgs parse_service_args(int argc, const char* const* argv) {
  ServiceArgs out;
  bool have_config = false;
  auto set_config = [&](std::string_view value) {
    if (have_config) {
      out.error = "option '--config' cannot be given more than once";
    } else if (value.empty()) {
      out.error = "option '--config' needs a file";
    } else {
      out.config = value;
      have_config = true;
    }
  };
  for (int i = 1; i < argc && out.error.empty(); ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
    } else if (arg == "--config" || arg == "-c") {
      if (i + 1 >= argc) {
        out.error = "option '--config' needs a file";
      } else {
        set_config(argv[++i]);
      }
    } else if (arg.starts_with("--config=")) {
      set_config(arg.substr(std::string_view("--config=").size()));
    } else {
      out.error = "unknown argument '" + std::string(arg) + "'";
    }
  }
  return out;
}

std::string service_usage(const std::string& name) {
  return "piket-" + name +
         " options:\n"
         "  -h [ --help ]          show this help\n"
         "  -c [ --config ] FILE   the deployment's TOML file (required)\n";
}

}  // namespace piket::common
