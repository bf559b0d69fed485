#pragma once
// Prometheus metrics (prometheus-cpp core) rendered in the text format by our
// own HTTP server at /metrics.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace piket::common {

class Metrics {
 public:
  explicit Metrics(std::string service);
  prometheus::Counter& counter(const std::string& name, const std::string& help,
                               const prometheus::Labels& labels = {});
  prometheus::Gauge& gauge(const std::string& name, const std::string& help,
                           const prometheus::Labels& labels = {});
  // Latency histogram in seconds, buckets from 100 µs to 10 s.
  prometheus::Histogram& latency(const std::string& name, const std::string& help,
                                 const prometheus::Labels& labels = {});
  // A histogram of other values (sizes, counts) with the given bucket bounds.
  prometheus::Histogram& histogram(const std::string& name, const std::string& help,
                                   const prometheus::Histogram::BucketBoundaries& buckets,
                                   const prometheus::Labels& labels = {});
  std::string render() const;

 private:
  std::string service_;
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace piket::common
