#include "piket/common/fault_point.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>

namespace piket::common {
namespace {

struct FaultSettings {
  std::map<std::string, double, std::less<>> probability;
  std::string log;
  std::mt19937_64 rng;
  std::mutex mutex;
};

// "name=p,name=p" -> each name's probability; a malformed or out-of-range
// value is 0 (off).
std::map<std::string, double, std::less<>> parse_points(std::string_view points) {
  std::map<std::string, double, std::less<>> out;
  std::size_t at = 0;
  while (at <= points.size()) {
    const auto end = std::min(points.find(',', at), points.size());
    const auto item = points.substr(at, end - at);
    if (const auto eq = item.find('='); eq != std::string_view::npos) {
      const std::string value(item.substr(eq + 1));
      char* stop = nullptr;
      const double p = std::strtod(value.c_str(), &stop);
      const bool ok = !value.empty() && stop == value.c_str() + value.size() && p >= 0 && p <= 1;
      out.emplace(std::string(item.substr(0, eq)), ok ? p : 0);
    }
    at = end + 1;
  }
  return out;
}

// Nullptr when PIKET_FAULT_POINTS is unset or empty: every point is a no-op.
FaultSettings* settings() {
  static FaultSettings* const s = []() -> FaultSettings* {
    const char* points = std::getenv("PIKET_FAULT_POINTS");
    if (!points || !*points) return nullptr;
    auto* f = new FaultSettings;  // lives as long as the process
    f->probability = parse_points(points);
    const char* log = std::getenv("PIKET_FAULT_LOG");
    f->log = log ? log : "";
    const char* seed = std::getenv("PIKET_FAULT_SEED");
    const unsigned long long base = seed ? std::strtoull(seed, nullptr, 10) : 0;
    f->rng.seed(base * 1000003ULL + static_cast<unsigned long long>(::getpid()));
    return f;
  }();
  return s;
}

}  // namespace

double fault_probability(std::string_view points, std::string_view name) {
  const auto all = parse_points(points);
  const auto it = all.find(name);
  return it == all.end() ? 0 : it->second;
}

void fault_point(std::string_view name) {
  auto* f = settings();
  if (!f) return;
  const auto it = f->probability.find(name);
  if (it == f->probability.end() || it->second <= 0) return;
  std::lock_guard lock(f->mutex);
  if (std::uniform_real_distribution<double>(0, 1)(f->rng) >= it->second) return;
  if (!f->log.empty()) {
    const std::string line = std::string(name) + " " + std::to_string(::getpid()) + "\n";
    const int fd = ::open(f->log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      [[maybe_unused]] const auto n = ::write(fd, line.data(), line.size());
      ::fsync(fd);
      ::close(fd);
    }
  }
  ::kill(::getpid(), SIGKILL);
}

}  // namespace piket::common
