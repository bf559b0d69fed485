#pragma once
// Reads what need_to_know.hpp decides on, in one script (one round trip, one
// consistent view): the case hash's region, casemanager and state, and every
// page named in the case's timeline whose page hash says it belongs to this
// case — optionally only the pages of one person. Read-only.
// Keys: case:{id}, case:{id}:timeline, page:{id} (docs/data-model.md).

#include <optional>
#include <string>
#include <string_view>

#include "piket/access/need_to_know.hpp"
#include "piket/common/redis.hpp"

namespace piket::access {

// Empty when there is no such case (or `case_id` is not a case id).
// `person`: keep only that person's pages (empty: all). Throws common::RedisError.
std::optional<CaseFacts> read_case_facts(common::RedisConnection& redis, const std::string& case_id,
                                         std::string_view person = {});

}  // namespace piket::access
