#pragma once
// Reads of case data from Redis (docs/data-model.md): the case hash, its
// timeline, its incidents (with the partner's body, which holds person data)
// and its pages. No decisions here: the API checks access first.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "piket/common/records.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/web/access_policy.hpp"

namespace piket::web {

struct CaseSummary {
  std::string id;
  std::string region;
  std::string phase;
  std::string state;
  std::string casemanager;
  std::string kind;  // of the first incident
  std::int64_t opened_at = 0;
  std::int64_t last_activity_at = 0;  // the newest timeline entry
};

struct IncidentDetail {
  std::string id;
  std::string kind;
  std::int64_t reported_at = 0;
  std::int64_t accepted_at = 0;
  std::optional<std::int64_t> ban_ends_at;
  boost::json::object body;  // persons, summary, home_ban: person data
};

struct PageSummary {
  std::string id;
  std::string case_id;
  std::string incident;
  std::string person;
  std::string state;
  std::string rule;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> acknowledged_at;
  std::optional<std::int64_t> declined_at;
  bool info = false;  // information (paging/page_class.hpp): never unanswered
};

// The family around a case (services/cases case_family.hpp): earlier cases
// of a returning family (newest first), cases joined into this one, and the
// case this one was joined into.
struct CaseFamily {
  std::vector<std::string> previous_cases;
  std::vector<std::string> joined_cases;
  std::string merged_into;
};

struct CaseRecord {
  CaseSummary summary;
  CaseFamily family;
  // Oldest first; with the timelines of the cases joined into this one (their
  // entries carry "case").
  std::vector<boost::json::object> timeline;
  std::vector<IncidentDetail> incidents;
  std::vector<PageSummary> pages;
  CaseFacts facts;
};

class CaseRepository {
 public:
  explicit CaseRepository(common::RedisPool& redis);

  // What access checks need (piket_access's reader: the case and its pages,
  // only `person`'s when given); nullopt when there is no such case.
  std::optional<CaseFacts> facts(const std::string& case_id, const std::string& person = {});
  // Everything about one case (its facts: `person`'s pages only, when given);
  // nullopt when there is no such case.
  std::optional<CaseRecord> load(const std::string& case_id, const std::string& person = {});
  // Open cases (summaries only, no person data), optionally of one region.
  std::vector<CaseSummary> open_cases(const std::string& region = {});
  // Open cases a person holds or was paged for.
  std::vector<std::string> cases_of(const std::string& person);
  std::vector<PageSummary> pages(const std::vector<std::string>& page_ids);
  // Every case (open or closed) of a region with its timeline — for charts.
  std::vector<std::pair<CaseSummary, std::vector<boost::json::object>>> history(
      const std::string& region, std::size_t max_cases = 5000);
  // A family's messages to the case (issue 18; store/family_contact.hpp), oldest
  // first, with their routing state (open, acknowledged, unanswered). Holds the
  // messages' text: only for who may read the case.
  struct FamilyMessage {
    std::string id;
    std::int64_t at = 0;
    bool urgent = false;
    std::string from;  // the sender's role
    std::string text;
    std::string state;
    std::string acknowledged_by;
  };
  std::vector<FamilyMessage> family_messages(const std::string& case_id);

 private:
  common::RedisPool& redis_;
};

// Only valid ids are looked up (common::is_case_id, is_page_id).
using common::is_case_id;
using common::is_page_id;

}  // namespace piket::web
