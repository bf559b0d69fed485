#include "report_batch.hpp"

#include "piket/store/lua.hpp"

namespace piket::inbound::api {
namespace {

// ARGV: now, then (bundle, page, type) per report -> one {page, outcome, …} per report.
const common::RedisScript kReports{std::string(lua::inbound_delivery_reports())};

}  // namespace

std::vector<DlrOutcomes> write_reports(common::RedisConnection& redis,
                                       const std::vector<DlrReport>& reports, common::Instant now) {
  std::vector<std::string> argv{std::to_string(common::to_epoch_ms(now))};
  argv.reserve(1 + 3 * reports.size());
  for (const auto& r : reports) {
    argv.push_back(r.bundle);
    argv.push_back(r.page);
    argv.push_back(r.type);
  }
  const auto reply = redis.eval(kReports, {}, argv);
  if (!redis.wait_replicated())
    throw common::RedisNotReplicatedError("delivery reports are not yet on enough replicas");
  std::vector<DlrOutcomes> out;
  out.reserve(reports.size());
  for (const auto& one : reply.elements) {
    DlrOutcomes o;
    for (std::size_t k = 0; k + 1 < one.elements.size(); k += 2)
      o.emplace_back(one.elements[k].str, one.elements[k + 1].str);
    out.push_back(std::move(o));
  }
  return out;  // GroupCommit checks that there is one per report
}

}  // namespace piket::inbound::api
