// The key builders of piket/store/*.hpp against the contract: the key table of
// docs/data-model.md (and, for the few keys only documented beside their
// module, docs/paging.md, docs/web.md and docs/secrets.md). Each builder is
// called with the doc's placeholders ("{id}", "{person}", …) and must give the
// key exactly as the doc spells it; every key of the data-model table must
// come from some builder.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "piket/store/audit.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "piket/store/replication.hpp"
#include "piket/store/rota_notice.hpp"
#include "piket/store/rota_overrides.hpp"
#include "piket/store/session.hpp"
#include "piket/store/webpush.hpp"

namespace piket::store {
namespace {

namespace fs = std::filesystem;

const fs::path kDocs = fs::path(PIKET_SOURCE_DIR) / "docs";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in) << "cannot read " << p;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The keys of docs/data-model.md's key table: every `…` in the first column
// of its rows (one row names two keys).
std::set<std::string> data_model_keys() {
  std::set<std::string> keys;
  std::istringstream in(read(kDocs / "data-model.md"));
  std::string line;
  bool in_table = false;
  const std::regex code("`([^`]+)`");
  while (std::getline(in, line)) {
    if (line.rfind("| key |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.empty() || line[0] != '|') break;  // the end of the key table
    const auto end = line.find('|', 1);
    const auto cell = line.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    for (std::sregex_iterator it(cell.begin(), cell.end(), code), stop; it != stop; ++it)
      keys.insert((*it)[1].str());
  }
  return keys;
}

// Every builder and constant, with the doc's placeholders.
std::vector<std::string> data_model_builders() {
  return {
      idempotency_key("{partner}", "{reference}"),
      incident_key("{id}"),
      incident_esc_paged_key("{id}"),
      incident_declined_key("{id}"),
      incident_pages_key("{id}"),
      std::string(kEscalationsDue),
      household_key("{partner}", "{household}"),
      case_key("{id}"),
      case_ban_key("{id}"),
      returns_key("{region}"),
      referral_waits_key("{region}"),
      std::string(kCasesMonitoring),
      capacity_key("{region}"),
      capacity_history_key("{region}"),
      notice_key("{id}"),
      std::string(kRotaOverrides),
      std::string(kRotaOverridesVersion),
      case_fired_key("{id}"),
      case_agreements_key("{id}"),
      case_tracks_key("{id}"),
      case_reminders_key("{id}"),
      case_timers_key("{id}"),
      std::string(kDeadlinesDue),
      person_absence_key("{id}"),
      case_incidents_key("{id}"),
      case_timeline_key("{id}"),
      std::string(kCasesOpen),
      caseload_key("{person}"),
      page_key("{id}"),
      delivery_key("{page}", "{channel}"),
      pagekey_key("{case}", "{step}", "{person}", "{channel}"),
      std::string(kNotifyTimers),
      push_key("{person}"),
      page_dlr_key("{id}"),
      page_dlr_types_key("{id}"),
      ackcode_key("{person}", "{code}"),
      codeguard_person_key("{id}"),
      codeguard_number_key("{h}"),
      std::string(kCodeguardLocked),
      outbox_due_key("{channel}"),
      outbox_data_key("{channel}"),
      std::string(kNotifyQueue),
      std::string(kNotifyUrgent),
      sms_queue_key("{person}"),
      sms_last_key("{person}"),
      sms_bundle_key("{id}"),
      std::string(kClockSimulatedMs),
      std::string(kClockSeen),
      std::string(kClockChanged),  // a pub/sub channel, in the table with the keys
      replication_barrier_key("{service}"),
      web_session_key("{sha256(token)}"),
      login_account_key("{h}"),
      login_address_key("{h}"),
      unauth_minute_key("{minute}"),
      std::string(kUnauthMinutes),
      unauth_minute_writing_key("{minute}"),
      caltoken_key("{sha256(token)}"),
      caltokens_key("{person}"),
      std::string(kWebVersion),
      std::string(kAuditLog),
      std::string(kAuditHead),
      webpush_subs_key("{person}"),
      std::string(kWebpushRetryDue),
      std::string(kWebpushRetryData),
      webpush_retries_key("{person}", "{subscription}"),
      family_phone_key("{h}"),
      family_rate_key("{h}"),
      family_seen_key("{d}"),
      family_replies_key("{h}"),
      std::string(kFamilyRepliesUnrouted),
      family_sender_key("{id}"),
      case_family_key("{id}"),
      case_family_link_key("{id}"),
      family_link_key("{hash}"),
      family_link_rate_key("{hash}"),
      std::string(kFamilyDue),
      family_route_key("{case}", "{message}"),
  };
}

TEST(StoreKeys, EveryBuilderGivesAKeyOfTheDataModelTable) {
  const auto documented = data_model_keys();
  ASSERT_GT(documented.size(), 40u) << "the key table of docs/data-model.md was not found";
  for (const auto& key : data_model_builders())
    EXPECT_TRUE(documented.count(key)) << key << " is not in docs/data-model.md's key table";
}

TEST(StoreKeys, EveryKeyOfTheDataModelTableHasABuilder) {
  const auto built = data_model_builders();
  const std::set<std::string> have(built.begin(), built.end());
  EXPECT_EQ(have.size(), built.size()) << "two builders give the same key";
  for (const auto& key : data_model_keys())
    EXPECT_TRUE(have.count(key)) << key << " (docs/data-model.md) has no builder in piket/store";
}

// Keys (and a channel) that docs/data-model.md lists and the doc of their
// module describes too.
TEST(StoreKeys, KeysDocumentedBesideTheirModule) {
  const auto paging = read(kDocs / "paging.md");
  const auto web = read(kDocs / "web.md");
  const auto secrets = read(kDocs / "secrets.md");
  const auto in = [](const std::string& doc, const std::string& key) {
    return doc.find("`" + key + "`") != std::string::npos;
  };
  EXPECT_TRUE(in(paging, incident_esc_paged_key("{id}")));
  EXPECT_TRUE(in(paging, incident_declined_key("{id}")));
  EXPECT_TRUE(in(paging, incident_pages_key("{id}")));
  EXPECT_TRUE(in(paging, std::string(kEscalationsDue)));
  EXPECT_TRUE(in(paging, std::string(kNotifyUrgent)));
  EXPECT_TRUE(in(web, std::string(kRotaOverrides)));
  EXPECT_EQ(kRotaOverridesVersion, std::string(kRotaOverrides) + ":version");
  EXPECT_TRUE(in(secrets, std::string(kClockChanged)));
}

TEST(StoreKeys, ADeliveryIdNamesTheSameHashAsItsPageAndChannel) {
  const auto id = delivery_id("{page}", "{channel}");
  // docs/data-model.md, notify:queue: "delivery id `{page}:{channel}`".
  EXPECT_NE(read(kDocs / "data-model.md").find("`" + id + "`"), std::string::npos);
  EXPECT_EQ(delivery_key(id), delivery_key("{page}", "{channel}"));
}

TEST(StoreKeys, TheIdOfAKeyComesBackOut) {
  EXPECT_EQ(case_id_of_key(case_key("C0000000A")), "C0000000A");
  EXPECT_EQ(case_id_of_key(page_key("C0000000A")), "");
  EXPECT_EQ(case_scan_pattern(), case_key("C????????"));  // case ids: C + 8 characters
  EXPECT_EQ(push_person_of_key(push_key("anna")), "anna");
  EXPECT_EQ(push_person_of_key(caseload_key("anna")), "");
  EXPECT_TRUE(is_web_session_key(web_session_key("ab12")));
  EXPECT_FALSE(is_web_session_key(caltoken_key("ab12")));
  EXPECT_FALSE(is_web_session_key(login_account_key("ab12")));
}

}  // namespace
}  // namespace piket::store
