#pragma once
// What the fault campaigns share (docs/testing.md, "Fault campaign"): the single node's
// (tests/e2e/fault_campaign_test.cpp) and the cluster's (tests/failover/
// cluster_campaign_test.cpp) — the deployment they page with, the crash points they switch
// on and how they read back what happened: the crash points fired, the pages at each phone
// by case, the sends notify made again in doubt and the reports Kannel sent twice — and the
// count at the end (PageTally).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "case_codes.hpp"
#include "groningen_rota.hpp"
#include "piket/common/crypto.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "piket/stack/stack_config.hpp"

namespace piket::e2e {

constexpr const char* kTeamLeadToken = "tl-g-staff-token-000000000001";
constexpr const char* kFaultPoints =
    "ingest.after_accept=0.04,dispatch.after_commit=0.04,dispatch.after_step=0.05,"
    "notify.after_gateway_accept=0.06,notify.mid_batch=0.04";
constexpr const char* kPointNames[] = {"ingest.after_accept", "dispatch.after_commit",
                                       "dispatch.after_step", "notify.after_gateway_accept",
                                       "notify.mid_batch"};

inline unsigned long long env_number(const char* name, unsigned long long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

inline stack::StackSpec campaign_spec() {
  stack::StackSpec spec;
  spec.simulated_clock = true;
  spec.rota_file = groningen_rota_file();
  spec.rota_table = "coverage_days = 14\n";
  // Acknowledged pages are not paged again within the test's few simulated hours.
  spec.extra_toml =
      "[escalation]\n"
      "steps = [{target = \"primary\", wait_minutes = 5},\n"
      "         {target = \"backup\", wait_minutes = 5},\n"
      "         {target = \"team_lead\", wait_minutes = 10}]\n"
      "repeat = 0\nforgotten_minutes = 10080\npoll_ms = 20\n";
  spec.person_extra["tl-g"] = "token_sha256 = \"" + common::sha256_hex(kTeamLeadToken) + "\"";
  return spec;
}

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The crash points fired, by name, from PIKET_FAULT_LOG ("<name> <pid>" a line).
inline std::map<std::string, int> fired_points(const std::filesystem::path& fault_log) {
  std::map<std::string, int> fired;
  std::istringstream lines(read_all(fault_log));
  for (std::string name, pid; lines >> name >> pid;) ++fired[name];
  return fired;
}

inline bool every_point_fired(const std::filesystem::path& fault_log) {
  const auto fired = fired_points(fault_log);
  for (const auto* p : kPointNames)
    if (!fired.count(p)) return false;
  return true;
}

// Pages at the phones by phone, then by case code (a bundle carries several). A long bundle
// arrives as a concatenated SMS whose parts may cut a case code in two: each phone's texts
// are read joined, in order.
inline std::map<std::string, std::map<std::string, int>> pages_by_phone(
    const std::vector<launch::DeliveredSms>& delivered) {
  std::map<std::string, std::string> joined;
  for (const auto& m : delivered) joined[m.to] += m.text;
  std::map<std::string, std::map<std::string, int>> out;
  for (const auto& [to, text] : joined)
    for (const auto& c : case_codes(text)) ++out[to][c];
  return out;
}

// notify's log line for a send made again because it was in doubt (a delivery id is
// "{page}:{channel}", store/delivery.hpp), and inbound's for a delivery report Kannel sent
// twice (it sent the SMS again from its store after a restart): the page in group 1.
inline const std::regex& in_doubt_resend_line() {
  static const std::regex r{"delivery (P[0-9A-Z]{16}):[a-z]+: send was interrupted"};
  return r;
}
inline const std::regex& kannel_resent_line() {
  static const std::regex r{"duplicate delivery report [0-9]+ for page (P[0-9A-Z]{16})"};
  return r;
}

using PagesByPhone = std::map<std::string, std::map<std::string, int>>;

// Who the campaign's escalation pages, in order (person ids).
struct Escalation {
  std::string primary, backup, team_lead;
};

// What explains a page that is missing at the phone or came twice.
struct Explanations {
  std::set<std::string> in_doubt;       // cases notify sent again in doubt
  std::set<std::string> kannel_resent;  // cases Kannel reported twice
  std::set<std::string> no_answer;      // cases notify tried again after no gateway answer
  std::set<std::string> network_lost;   // "case person": Kannel reported it sent, not at fakesmsc
  bool with_kannel = true;
};

// The campaigns' count at the end: each acknowledged case paged to the primary once and to
// nobody else, each unanswered one to the primary, the backup and the team lead once each,
// nothing for another case or to another phone. A page short or twice is explained (listed on
// stdout) or fails the test.
struct PageTally {
  int lost = 0, twice = 0, explained = 0, unexplained = 0, after_ack = 0, network = 0;

  PageTally(const PagesByPhone& all, const std::function<std::string(const std::string&)>& phone,
            const Escalation& who, const std::vector<std::string>& acked,
            const std::vector<std::string>& unacked, const Explanations& why) {
    const auto check = [&](const std::string& c, const std::string& person, int want) {
      const auto p = all.find(phone(person));
      const int got = p == all.end() || !p->second.count(c) ? 0 : p->second.at(c);
      if (got < want && why.network_lost.count(c + " " + person)) {
        ++network;
        std::cout << "[ network ] case " << c << " to " << person
                  << ": Kannel reported it sent; fakesmsc, restarted with Kannel, never logged it"
                  << std::endl;
      } else if (got < want) {
        ++lost;
        ADD_FAILURE() << "case " << c << ": " << person << " got " << got << " pages, want "
                      << want;
      } else if (want == 0 && got > 0) {
        ++after_ack;
        ADD_FAILURE() << "case " << c << ": " << person << " was paged " << got
                      << " times after the page was acknowledged";
      } else if (got > want) {
        ++twice;
        const char* reason =
            why.in_doubt.count(c) ? "notify sent it again in doubt (no delivery report)"
            : why.with_kannel && why.kannel_resent.count(c)
                ? "Kannel sent it again from its store (reported twice)"
            : why.no_answer.count(c) ? "notify had no answer from the gateway (which may have "
                                       "taken it) and sent it again"
                                     : nullptr;
        if (reason) {
          ++explained;
          std::cout << "[ duplicate ] case " << c << " to " << person << ": " << got << " pages; "
                    << reason << std::endl;
        } else {
          ++unexplained;
          ADD_FAILURE() << "case " << c << ": " << person << " paged " << got
                        << " times with no send in doubt";
        }
      }
    };
    for (const auto& c : acked) {
      check(c, who.primary, 1);
      check(c, who.backup, 0);
      check(c, who.team_lead, 0);
    }
    for (const auto& c : unacked) {
      check(c, who.primary, 1);
      check(c, who.backup, 1);
      check(c, who.team_lead, 1);
    }
    // Nothing for a case the campaign did not make, nobody else paged.
    std::set<std::string> ours(acked.begin(), acked.end());
    ours.insert(unacked.begin(), unacked.end());
    const std::set<std::string> phones{phone(who.primary), phone(who.backup), phone(who.team_lead)};
    for (const auto& [to, by_case] : all)
      for (const auto& [c, n] : by_case)
        if (!phones.count(to) || !ours.count(c))
          ADD_FAILURE() << n << " pages for case " << c << " to " << to << ", none expected";
  }
};

}  // namespace piket::e2e
