#pragma once
// Kannel's delivery reports written in batches (internal to piket_inbound): the reports the
// handlers' threads hold at one moment go to Redis in one script call
// (store/lua/inbound/inbound_delivery_reports.lua) and one replica WAIT — group commit
// (piket/common/group_commit.hpp). Under load Kannel sends two reports per SMS; one fsync each
// put the report path seconds to minutes behind the sends (issue 13, run F), and a send in
// doubt can only be settled by its report.

#include <string>
#include <utility>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"

namespace piket::inbound::api {

struct DlrReport {
  std::string bundle;  // empty: one page's SMS
  std::string page;    // the page the report names
  std::string type;    // Kannel's report type, 0-255, checked by the handler
};

// {page, outcome} for each page the report counted for (several for a bundle; none for an
// unknown bundle). Outcomes as lib/inbound_dlr.lua returns them.
using DlrOutcomes = std::vector<std::pair<std::string, std::string>>;

// Records the reports with one script call at `now` (domain time) and, with [redis]
// min_replicas, waits for the replicas once: throws RedisNotReplicatedError when they do not
// confirm in time (Kannel then retries; a repeated report is counted as a duplicate).
std::vector<DlrOutcomes> write_reports(common::RedisConnection& redis,
                                       const std::vector<DlrReport>& reports, common::Instant now);

}  // namespace piket::inbound::api
