#include "piket/common/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "piket/common/redis.hpp"

namespace piket::common {

Metrics::Metrics(std::string service)
    : service_(std::move(service)), registry_(std::make_shared<prometheus::Registry>()) {}

prometheus::Counter& Metrics::counter(const std::string& name, const std::string& help,
                                      const prometheus::Labels& labels) {
  return prometheus::BuildCounter()
      .Name(name)
      .Help(help)
      .Labels({{"service", service_}})
      .Register(*registry_)
      .Add(labels);
}

prometheus::Gauge& Metrics::gauge(const std::string& name, const std::string& help,
                                  const prometheus::Labels& labels) {
  return prometheus::BuildGauge()
      .Name(name)
      .Help(help)
      .Labels({{"service", service_}})
      .Register(*registry_)
      .Add(labels);
}

prometheus::Histogram& Metrics::latency(const std::string& name, const std::string& help,
                                        const prometheus::Labels& labels) {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return histogram(name, help, buckets, labels);
}

prometheus::Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                                          const prometheus::Histogram::BucketBoundaries& buckets,
                                          const prometheus::Labels& labels) {
  return prometheus::BuildHistogram()
      .Name(name)
      .Help(help)
      .Labels({{"service", service_}})
      .Register(*registry_)
      .Add(labels, buckets);
}

std::string Metrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  // Redis Sentinel and durable answers (docs/availability.md): counted by
  // every connection of the process, so kept beside the registry.
  const auto& redis = redis_stats();
  out << "# HELP piket_redis_failovers_followed_total connections that found the Redis primary "
         "at a new address (a failover followed)\n"
      << "# TYPE piket_redis_failovers_followed_total counter\n"
      << "piket_redis_failovers_followed_total{service=\"" << service_ << "\"} "
      << redis.failovers_followed.load() << "\n"
      << "# HELP piket_redis_replica_waits_timed_out_total WAITs for replicas that timed out "
         "(the answer was 503 not_replicated)\n"
      << "# TYPE piket_redis_replica_waits_timed_out_total counter\n"
      << "piket_redis_replica_waits_timed_out_total{service=\"" << service_ << "\"} "
      << redis.replica_waits_timed_out.load() << "\n";
  return out.str();
}

}  // namespace piket::common
