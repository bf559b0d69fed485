#pragma once
// What the fault campaigns share (docs/testing.md, "Fault campaign"): the single node's
// (tests/e2e/fault_campaign_test.cpp) and the cluster's (tests/failover/
// cluster_campaign_test.cpp) — the deployment they page with, the crash points they switch
// on and how they read back what happened: the crash points fired, the pages at each phone
// by case (a deadline page of piket-cases counted apart), the pages as Redis holds them
// (CampaignRecord: who was paged for which case, the reply code, what Kannel reported), the
// sends notify made again in doubt or after no answer from the gateway, the reports Kannel sent
// twice and the SMS Kannel sent again from its store (kannel_store_resend.hpp) — and the count
// at the end (PageTally).

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
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
#include <thread>
#include <vector>

#include "case_codes.hpp"
#include "groningen_rota.hpp"
#include "kannel_store_resend.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/http_client.hpp"
#include "piket/common/redis.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "piket/stack/stack_config.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"

namespace piket::e2e {

constexpr const char* kTeamLeadToken = "tl-g-staff-token-000000000001";
constexpr const char* kFaultPoints =
    "ingest.after_accept=0.04,dispatch.after_commit=0.04,dispatch.after_step=0.05,"
    "notify.after_gateway_accept=0.06,notify.mid_batch=0.04";
constexpr const char* kPointNames[] = {"ingest.after_accept", "dispatch.after_commit",
                                       "dispatch.after_step", "notify.after_gateway_accept",
                                       "notify.mid_batch"};

// piket-cases' clocks shortened so that they run out in a campaign's simulated hours: every
// case's first contact is due 10 minutes after the incident (a reminder to the casemanager in
// a round's second jump) and escalates 5 minutes later (to the team lead, in the third); its
// plan warns the casemanager after an hour and escalates after two, in later rounds' jumps; a
// home ban's decision is asked an hour before its end; an agreement overdue reaches the team
// lead an hour later; and a reminder not acknowledged in an hour goes to the team lead (the
// plan's, the agreement's and first contact's reach the team lead by then anyway: only the ban
// decision's does).
constexpr const char* kCampaignDeadlines =
    "\n[deadlines]\nfirst_contact_minutes = 10\nfirst_contact_grace_minutes = 5\n"
    "plan_hours = 2\nplan_warn_hours = [1]\nban_decision_hours = 1\nreminder_ack_hours = 1\n"
    "agreement_grace_hours = 1\n";
// The steps every case takes with them (`clock|name`, the step key without its case and
// anchor): its first contact's and its plan's.
inline const std::set<std::string> kCaseSteps{"first_contact|overdue", "first_contact|escalate",
                                              "plan|warn_1h", "plan|escalate"};
// A case's last step: the plan's escalation (plan_hours = 2).
constexpr auto kLastStep = std::chrono::hours(2);

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

// Every crash point of `names` (the shared ones by default) fired at least once.
inline bool every_point_fired(const std::filesystem::path& fault_log,
                              const std::vector<std::string>& names = {std::begin(kPointNames),
                                                                       std::end(kPointNames)}) {
  const auto fired = fired_points(fault_log);
  for (const auto& p : names)
    if (!fired.count(p)) return false;
  return true;
}

using PagesByPhone = std::map<std::string, std::map<std::string, int>>;

// A deadline page's line — one SMS, or a bundle's line up to its ';' — ending in its case code
// (group 1): piket-cases' steps of the clocks a campaign makes due (first contact, plan,
// the home ban's extension decision and end, a decision reminder unanswered, an agreement
// overdue, a case to reassign while its casemanager is absent), in Dutch or
// English (i18n/*/piket.po, "clock.*", "deadline.*", "tag.deadline.*").
inline const std::regex& deadline_line() {
  static const std::regex r{
      "(?:EERSTE CONTACT|FIRST CONTACT|PLAN VAN AANPAK|\\bPLAN\\b|HUISVERBOD EINDIGT|"
      "HUISVERBOD AFGELOPEN|EINDE HUISVERBOD|BESLUIT VERLENGING|BAN END|EXTENSION DECISION|"
      "AFSPRAAK|AGREEMENT|AFWEZIG|\\bABSENT\\b)"
      "[^;]*?\\b(C[0-9A-Z]{8})\\b"};
  return r;
}

// Pages at the phones by phone, then by case code (a bundle carries several). A long bundle
// arrives as a concatenated SMS whose parts may cut a case code in two: each phone's texts
// are read joined, in order. With `deadline`, a deadline page's lines are counted there and
// not with the incidents' pages.
inline PagesByPhone pages_by_phone(const std::vector<launch::DeliveredSms>& delivered,
                                   PagesByPhone* deadline = nullptr) {
  std::map<std::string, std::string> joined;
  for (const auto& m : delivered) joined[m.to] += m.text;
  PagesByPhone out;
  for (const auto& [to, text] : joined) {
    if (!deadline) {
      for (const auto& c : case_codes(text)) ++out[to][c];
      continue;
    }
    for (auto it = std::sregex_iterator(text.begin(), text.end(), deadline_line());
         it != std::sregex_iterator(); ++it)
      ++(*deadline)[to][(*it)[1].str()];
    for (const auto& c : case_codes(std::regex_replace(text, deadline_line(), ""))) ++out[to][c];
  }
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

// What Redis holds of a campaign's pages, read through a connection that may fail while Redis
// is killed (or fails over): each read is tried again for 120 s.
class CampaignRecord {
 public:
  explicit CampaignRecord(std::function<common::RedisConnection()> connect)
      : connect_(std::move(connect)) {}

  template <typename F>
  auto with_redis(F f) const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (;;) {
      try {
        auto redis = connect_();
        return f(redis);
      } catch (const std::exception& e) {
        if (std::chrono::steady_clock::now() > give_up) {
          ADD_FAILURE() << "Redis unreachable for 120 s: " << e.what();
          throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  }

  // A page to one person, as Redis holds it.
  struct PageFacts {
    std::string id, incident, case_id, ack_code, step;
    // A page of piket-cases' deadline engine: its step is the step's key ("C…|clock|name|…");
    // an escalation's is "I…:n".
    bool deadline() const { return step.find('|') != std::string::npos; }
  };

  // Every page to `person` (page:{id} hashes only, not their sub-keys).
  std::vector<PageFacts> pages_to(const std::string& person) const {
    return with_redis([&](common::RedisConnection& r) {
      std::vector<PageFacts> out;
      for (const auto& k : r.command({"KEYS", store::page_key("*")}).elements) {
        if (k.str.size() != store::page_key("P0123456789ABCDEF").size()) continue;
        const auto f = r.command({"HMGET", k.str, "incident", "person", "ack_code", "step"});
        if (f.elements[1].str != person) continue;
        const auto c = r.command({"HGET", store::incident_key(f.elements[0].str), "case_id"});
        out.push_back({k.str.substr(5), f.elements[0].str, c.is_nil() ? "" : c.str,
                       f.elements[2].str, f.elements[3].str});
      }
      return out;
    });
  }

  // The page to `person` of a case's incident (each case here has one), not a deadline page
  // of the case; empty when there is none yet.
  PageFacts incident_page(const std::string& case_id, const std::string& person) const {
    for (const auto& p : pages_to(person))
      if (p.case_id == case_id && !p.deadline()) return p;
    return {};
  }

  // The case of a page; empty when unknown.
  std::string case_of_page(const std::string& page) const {
    return with_redis([&](common::RedisConnection& r) {
      // A deadline page has its case and no incident; an incident's page has both.
      const auto pg = r.command({"HMGET", store::page_key(page), "case", "incident"});
      if (!pg.elements.at(0).is_nil() && !pg.elements[0].str.empty()) return pg.elements[0].str;
      if (pg.elements.at(1).is_nil() || pg.elements[1].str.empty()) return std::string();
      const auto cs = r.command({"HGET", store::incident_key(pg.elements[1].str), "case_id"});
      return cs.is_nil() ? std::string() : cs.str;
    });
  }

  // The cases of the pages a log names in `pattern`'s first group.
  std::set<std::string> cases_in_log(const std::string& log, const std::regex& pattern) const {
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), pattern);
         it != std::sregex_iterator(); ++it)
      out.insert(case_of_page((*it)[1].str()));
    return out;
  }

  // What a case's record says happened: its deadline steps taken (the keys in
  // case:{id}:fired), the timeline's deadline_fired entries ({key, page, to, role, at}), its
  // acknowledgements (the `via` of each) and its agreements.
  struct CaseRecord {
    std::set<std::string> fired;
    struct Step {
      std::string key, page, to, role;
      long long at = 0;  // taken, by the clock (ms)
    };
    std::vector<Step> steps;
    std::vector<std::string> acks;
    long long agreements = 0;  // in case:{id}:agreements
  };
  CaseRecord case_record(const std::string& case_id) const {
    namespace json = boost::json;
    return with_redis([&](common::RedisConnection& r) {
      CaseRecord out;
      for (const auto& k :
           r.command({"SMEMBERS", store::case_fired_key(case_id)}).element_strings())
        out.fired.insert(k);
      for (const auto& e :
           r.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).element_strings()) {
        const auto o = json::parse(e).as_object();
        const auto field = [&](const char* f) {
          const auto* v = o.if_contains(f);
          return v && v->is_string() ? std::string(v->as_string()) : std::string();
        };
        if (field("type") == "deadline_fired")
          out.steps.push_back({field("key"), field("page"), field("to"), field("role"),
                               o.contains("at") ? o.at("at").to_number<long long>() : 0});
        else if (field("type") == "acknowledged")
          out.acks.push_back(field("via"));
      }
      out.agreements = r.command({"HLEN", store::case_agreements_key(case_id)}).integer;
      return out;
    });
  }

  // The casemanager a case is assigned to ("" when none).
  std::string casemanager_of(const std::string& case_id) const {
    return with_redis([&](common::RedisConnection& r) {
      const auto v = r.command({"HGET", store::case_key(case_id), "casemanager"});
      return v.is_nil() ? std::string() : v.str;
    });
  }

  // piket-cases has taken every step due by the shared clock: no timer of deadlines:due lies
  // at or before the clock's now.
  bool cases_caught_up() const {
    return with_redis([&](common::RedisConnection& r) {
      const auto now = r.command({"GET", std::string(store::kClockSimulatedMs)});
      return !now.is_nil() && r.command({"ZRANGEBYSCORE", std::string(store::kDeadlinesDue), "-inf",
                                         now.str, "LIMIT", "0", "1"})
                                  .elements.empty();
    });
  }
  // Until piket-cases has taken every step due (bounded: 120 s; what follows checks).
  void wait_cases_caught_up() const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!cases_caught_up() && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // Kannel reported the page sent (delivery report 1 or 8).
  bool gateway_sent(const std::string& page) const {
    return with_redis([&](common::RedisConnection& r) {
      for (const char* type : {"1", "8"})
        if (r.command({"SISMEMBER", store::page_dlr_types_key(page), type}).integer == 1)
          return true;
      return false;
    });
  }

  // The cases of `cases` whose incident's page to `person` Kannel reported as sent. With
  // Kannel in the draw, fakesmsc — the phone network here — is restarted with Kannel and may
  // lose what bearerbox had already handed it: such a page reached the gateway, and the
  // campaign counts it as lost outside piket.
  std::set<std::string> gateway_reported(const std::string& person,
                                         const std::vector<std::string>& cases) const {
    const std::set<std::string> wanted(cases.begin(), cases.end());
    std::set<std::string> out;
    for (const auto& p : pages_to(person))
      if (wanted.count(p.case_id) && !p.deadline() && gateway_sent(p.id)) out.insert(p.case_id);
    return out;
  }

  // The cases of `persons`' pages whose SMS notify sent again, by the delivery records (a
  // bundle's resend is logged under its first delivery only; the record says it for each):
  // in doubt (its send interrupted with no delivery report: `in_doubt_resends`), or after the
  // gateway gave no answer (it may have taken the SMS: more than one attempt, the last error
  // "no answer from …").
  struct SentAgain {
    std::set<std::string> in_doubt, no_answer;
  };
  SentAgain sent_again(const std::vector<std::string>& persons) const {
    std::vector<PageFacts> pages;
    for (const auto& person : persons)
      for (auto& p : pages_to(person)) pages.push_back(std::move(p));
    if (pages.empty()) return {};
    // One connection and one round trip for every page's delivery record.
    const auto records = with_redis([&](common::RedisConnection& r) {
      std::vector<std::vector<std::string>> reads;
      for (const auto& p : pages)
        reads.push_back({"HMGET", store::delivery_key(p.id, "sms"), "attempts", "last_error",
                         "in_doubt_resends"});
      return r.pipeline(reads);
    });
    SentAgain out;
    for (std::size_t k = 0; k < pages.size(); ++k) {
      const auto& d = records.at(k);
      const auto number = [&](std::size_t n) {
        return d.elements.at(n).is_nil() ? 0 : std::stoi(d.elements[n].str);
      };
      if (number(0) > 1 && d.elements.at(1).str.starts_with("no answer from"))
        out.no_answer.insert(pages[k].case_id);
      if (number(2) > 0) out.in_doubt.insert(pages[k].case_id);
    }
    return out;
  }

  // The SMS at the phones (`fakesmsc_log`) that Kannel sent again from its store after a kill
  // of bearerbox (`bearerbox_killed`: the fakesmsc pids running then) and piket sent once
  // (`notify_log`: every instance's), as kannel_store_resends() decides; an SMS's pages are
  // those of its reply codes to the person of its phone (`phones`: phone -> person; every page
  // with a code, should two share it).
  std::vector<StoreResend> kannel_store_resends(
      const std::string& fakesmsc_log, const std::set<std::string>& bearerbox_killed,
      const std::string& notify_log, const std::map<std::string, std::string>& phones) const {
    std::map<std::string, std::multimap<std::string, std::string>> by_code;  // phone: code, page
    for (const auto& [phone, person] : phones)
      for (const auto& p : pages_to(person)) by_code[phone].emplace(p.ack_code, p.id);
    const auto send_of = [&](const launch::DeliveredSms& sms) {
      PiketSend send;
      for (const auto& code : reply_codes(sms.text)) {
        const auto [from, to] = by_code[sms.to].equal_range(code);
        for (auto it = from; it != to; ++it) send.pages.push_back(it->second);
      }
      if (send.pages.empty()) return send;
      const auto records = with_redis([&](common::RedisConnection& r) {
        std::vector<std::vector<std::string>> reads;
        for (const auto& page : send.pages)
          reads.push_back({"HMGET", store::delivery_key(page, "sms"), "attempts", "bundle"});
        return r.pipeline(reads);
      });
      for (const auto& d : records) {
        const int attempts = d.elements.at(0).is_nil() ? 0 : std::stoi(d.elements[0].str);
        send.attempts = std::max(send.attempts, attempts);
        if (!d.elements.at(1).is_nil() && !d.elements[1].str.empty())
          send.bundles.push_back(d.elements[1].str);
      }
      return send;
    };
    return e2e::kannel_store_resends(fakesmsc_log, bearerbox_killed, send_of, notify_log);
  }

  // Acknowledges `person`'s page of `case_id` by SMS as a casemanager would, again if it did
  // not land (Kannel or inbound may be down when it is sent): `send(code)` sends the reply and
  // throws while fakesmsc is being restarted. True once the incident is acknowledged; false
  // after 120 s.
  bool acknowledge_by_sms(const std::string& case_id, const std::string& person,
                          const std::function<void(const std::string&)>& send) const {
    using Steady = std::chrono::steady_clock;
    using namespace std::chrono_literals;
    const auto page = incident_page(case_id, person);
    if (page.incident.empty()) return false;
    const auto give_up = Steady::now() + 120s;
    auto next_send = Steady::now();
    while (Steady::now() < give_up) {
      const auto status = with_redis([&](common::RedisConnection& r) {
        return r.command({"HGET", store::incident_key(page.incident), "status"}).str;
      });
      if (status == "acknowledged") return true;
      if (Steady::now() >= next_send) {
        try {
          send(page.ack_code);
          next_send = Steady::now() + 8s;
        } catch (const std::exception&) {
          next_send = Steady::now() + 500ms;  // fakesmsc is being restarted
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // Until every case of `cases` has a page at `person`'s phone (`pages()` says what the
  // phones have) — or, after 5 s, Kannel reported its page sent (put in `network_lost` as
  // "case person": fakesmsc, restarted with bearerbox, may have lost it; only `with_kannel`) —
  // or `timeout` passed: the cases still without one. `poll` runs every time round.
  std::vector<std::string> wait_paged(const std::function<PagesByPhone()>& pages,
                                      const std::string& person, const std::string& phone,
                                      const std::vector<std::string>& cases,
                                      std::chrono::milliseconds timeout,
                                      std::chrono::milliseconds* took,
                                      std::set<std::string>& network_lost, bool with_kannel,
                                      const std::function<void()>& poll = {}) const {
    using Steady = std::chrono::steady_clock;
    const auto start = Steady::now();
    std::vector<std::string> missing;
    for (;;) {
      const auto all = pages();
      const auto it = all.find(phone);
      missing.clear();
      for (const auto& c : cases)
        if (it == all.end() || !it->second.count(c)) missing.push_back(c);
      *took = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
      if (with_kannel && !missing.empty() && *took > std::chrono::seconds(5)) {
        const auto sent = gateway_reported(person, missing);
        for (const auto& c : sent) network_lost.insert(c + " " + person);
        std::erase_if(missing, [&](const std::string& c) { return sent.count(c) > 0; });
      }
      if (missing.empty() || *took > timeout) return missing;
      if (poll) poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

 private:
  std::function<common::RedisConnection()> connect_;
};

// Who the campaign's escalation pages, in order (person ids).
struct Escalation {
  std::string primary, backup, team_lead;
};

// Who is on call in groningen now, as dispatch's rota answers the team lead (the campaign's
// rota has tl-g as its team lead).
inline Escalation on_call_now(const common::HostPort& dispatch) {
  namespace json = boost::json;
  common::HttpClient lead(dispatch, std::chrono::seconds(5));
  lead.set_header("Authorization", std::string("Bearer ") + kTeamLeadToken);
  const auto r = lead.get("/v1/rota/oncall?region=groningen");
  EXPECT_EQ(r.status, 200) << r.body;
  const auto layers = json::parse(r.body).at("layers").as_object();
  return {json::value_to<std::string>(layers.at("primary").as_array().at(0)),
          json::value_to<std::string>(layers.at("backup").as_array().at(0)), "tl-g"};
}

// Posts an incident until it is accepted, as a partner that retries with the same body (as
// the contract invites): `send()` posts it once and may throw (ingest or Redis down); each
// try that got no 2xx counts in `refused`. Its case code, or "" after 120 s.
inline std::string post_until_accepted(const std::function<common::HttpResult()>& send,
                                       std::atomic<int>& refused) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < give_up) {
    try {
      const auto r = send();
      if (r.status == 200 || r.status == 201)
        return std::string(boost::json::parse(r.body).at("case_id").as_string());
      ++refused;
    } catch (const std::exception&) {
      ++refused;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

// What explains a page that is missing at the phone or came twice.
struct Explanations {
  std::set<std::string> in_doubt;       // cases notify sent again in doubt
  std::set<std::string> kannel_resent;  // cases Kannel reported twice
  std::set<std::string> no_answer;      // cases notify tried again after no gateway answer
  std::set<std::string> network_lost;   // "case person": Kannel reported it sent, not at fakesmsc
  // The copies Kannel sent again from its store after its restart (kannel_store_resend.hpp),
  // by phone and case: an incident's pages, and a deadline page's lines apart.
  PagesByPhone store_resent, store_resent_deadline;
  bool with_kannel = true;

  // Notes `resends` in store_resent (and store_resent_deadline) and lists them on stdout by
  // person (`person_of` a phone): the fakesmsc processes on either side of the restart and the
  // pages.
  void note_store_resends(const std::vector<StoreResend>& resends,
                          const std::function<std::string(const std::string&)>& person_of) {
    std::vector<launch::DeliveredSms> copies;
    for (const auto& r : resends) {
      copies.push_back(r.sms);
      std::cout << "[ kannel store ] an SMS to " << person_of(r.sms.to) << " at fakesmsc "
                << r.first_pid << " and again at " << r.again_pid
                << " after bearerbox was killed; piket sent it once (pages";
      for (const auto& p : r.pages) std::cout << " " << p;
      std::cout << ")" << std::endl;
    }
    store_resent = pages_by_phone(copies, &store_resent_deadline);
  }
};

// What a campaign's end reads to explain a page twice: every notify and inbound instance's log
// (joined) and fakesmsc's.
struct CampaignLogs {
  std::string notify, inbound, fakesmsc;
};

// The explanations of a campaign's pages twice (`network_lost` and `with_kannel` left to the
// caller): the sends notify made again in doubt (its log, and the delivery records: a bundle's
// resend is logged under its first delivery only) or after no answer from the gateway, the
// pages Kannel reported twice, and the SMS Kannel sent again from its store after bearerbox was
// killed (`bearerbox_killed`: the fakesmsc pids running then) that piket sent once, listed;
// for the pages to `people` (`phone` of each).
inline Explanations explain_twice(const CampaignRecord& record, const CampaignLogs& logs,
                                  const std::set<std::string>& bearerbox_killed,
                                  const std::vector<std::string>& people,
                                  const std::function<std::string(const std::string&)>& phone) {
  Explanations why;
  why.in_doubt = record.cases_in_log(logs.notify, in_doubt_resend_line());
  why.kannel_resent = record.cases_in_log(logs.inbound, kannel_resent_line());
  auto again = record.sent_again(people);
  why.in_doubt.merge(again.in_doubt);
  why.no_answer = std::move(again.no_answer);
  std::map<std::string, std::string> phones;  // phone -> person
  for (const auto& p : people) phones[phone(p)] = p;
  why.note_store_resends(
      record.kannel_store_resends(logs.fakesmsc, bearerbox_killed, logs.notify, phones),
      [&](const std::string& to) { return phones.count(to) ? phones.at(to) : "another phone"; });
  return why;
}

// The campaigns' count at the end: each acknowledged case paged to the primary once and to
// nobody else, each unanswered one to the primary, the backup and the team lead once each,
// nothing for another case or to another phone. A page short or twice is explained (listed on
// stdout) or fails the test. check() counts more pages the same way (the single node's
// deadline pages).
class PageTally {
 public:
  using Phone = std::function<std::string(const std::string&)>;
  // from_store: the pages twice that Kannel sent again from its store (in `explained` too).
  int lost = 0, twice = 0, explained = 0, unexplained = 0, after_ack = 0, network = 0,
      from_store = 0;

  PageTally(const PagesByPhone& all, Phone phone, const Escalation& who,
            const std::vector<std::string>& acked, const std::vector<std::string>& unacked,
            Explanations why)
      : phone_(std::move(phone)), why_(std::move(why)) {
    for (const auto& c : acked) {
      check(all, why_.network_lost, why_.store_resent, c, who.primary, 1);
      check(all, why_.network_lost, why_.store_resent, c, who.backup, 0);
      check(all, why_.network_lost, why_.store_resent, c, who.team_lead, 0);
    }
    for (const auto& c : unacked) {
      check(all, why_.network_lost, why_.store_resent, c, who.primary, 1);
      check(all, why_.network_lost, why_.store_resent, c, who.backup, 1);
      check(all, why_.network_lost, why_.store_resent, c, who.team_lead, 1);
    }
    // Nothing for a case the campaign did not make, nobody else paged.
    std::set<std::string> ours(acked.begin(), acked.end());
    ours.insert(unacked.begin(), unacked.end());
    const std::set<std::string> phones{phone_(who.primary), phone_(who.backup),
                                       phone_(who.team_lead)};
    for (const auto& [to, by_case] : all)
      for (const auto& [c, n] : by_case)
        if (!phones.count(to) || !ours.count(c))
          ADD_FAILURE() << n << " pages for case " << c << " to " << to << ", none expected";
  }

  // `person` has `want` pages for case `c` in `counts`; `network_lost` holds the "case person"
  // whose page Kannel reported sent, `store_resent` the copies (counted as `counts` is) that
  // Kannel sent again from its store.
  void check(const PagesByPhone& counts, const std::set<std::string>& network_lost,
             const PagesByPhone& store_resent, const std::string& c, const std::string& person,
             int want) {
    const auto count_in = [&](const PagesByPhone& pages) {
      const auto p = pages.find(phone_(person));
      return p == pages.end() || !p->second.count(c) ? 0 : p->second.at(c);
    };
    const int got = count_in(counts);
    if (got < want && network_lost.count(c + " " + person)) {
      ++network;
      std::cout << "[ network ] case " << c << " to " << person
                << ": Kannel reported it sent; fakesmsc, restarted with Kannel, never logged it"
                << std::endl;
    } else if (got < want) {
      ++lost;
      ADD_FAILURE() << "case " << c << ": " << person << " got " << got << " pages, want " << want;
    } else if (want == 0 && got > 0) {
      ++after_ack;
      ADD_FAILURE() << "case " << c << ": " << person << " was paged " << got
                    << " times after the page was acknowledged";
    } else if (got > want) {
      ++twice;
      const char* reason =
          why_.in_doubt.count(c) ? "notify sent it again in doubt (no delivery report)"
          : why_.with_kannel && why_.kannel_resent.count(c)
              ? "Kannel sent it again from its store (reported twice)"
          : why_.no_answer.count(c) ? "notify had no answer from the gateway (which may have "
                                      "taken it) and sent it again"
                                    : nullptr;
      if (!reason && got - want <= count_in(store_resent)) {
        ++from_store;
        reason =
            "sent again by Kannel from its store after its restart (its first delivery report "
            "died with bearerbox; piket sent it once)";
      }
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
  }

 private:
  Phone phone_;
  Explanations why_;
};

// piket-cases' steps by the record (the campaigns' clocks run out inside the run): each case
// took exactly the steps it should (`clock|name`), each once — one key in case:{id}:fired, one
// deadline_fired entry on its timeline — and each such page reached its phone once, as the
// record says whom it went to (a page twice explained as PageTally explains it), and no other
// deadline page came.
class DeadlineTally {
 public:
  int steps = 0, twice = 0, paged = 0, wanted = 0;
  std::map<std::string, int> by_kind;  // "clock|name" -> steps taken

  // "C…|clock|name|anchor" -> "clock|name".
  static std::string kind_of(const std::string& key) {
    const auto first = key.find('|');
    return key.substr(first + 1, key.rfind('|') - first - 1);
  }

  // Checks case `c`'s record against the steps it should have taken.
  void add(const CampaignRecord& record, const std::string& c,
           const CampaignRecord::CaseRecord& rec, const std::set<std::string>& want) {
    std::map<std::string, int> taken;
    for (const auto& st : rec.steps) {
      ++taken[st.key];
      if (st.page.empty()) continue;
      ++paged;
      ++pages_[st.to][c];
      if (record.gateway_sent(st.page)) network_lost_.insert(c + " " + st.to);
    }
    std::set<std::string> kinds;
    for (const auto& k : rec.fired) {
      kinds.insert(kind_of(k));
      ++by_kind[kind_of(k)];
      EXPECT_EQ(taken[k], 1) << "case " << c << ": step " << k << " on the timeline " << taken[k]
                             << " times";
      twice += taken[k] > 1 ? taken[k] - 1 : 0;
    }
    steps += static_cast<int>(rec.fired.size());
    wanted += static_cast<int>(want.size());
    EXPECT_EQ(kinds, want) << "case " << c << ": the steps taken";
    EXPECT_EQ(rec.fired.size(), want.size()) << "case " << c << ": each step once";
    EXPECT_EQ(rec.steps.size(), rec.fired.size()) << "case " << c << ": timeline entries";
  }

  // The deadline pages at the phones (`at_phones`, counted apart by pages_by_phone) against
  // the record; `store_resent` the deadline lines Kannel sent again from its store.
  void check_phones(PageTally& tally, const PagesByPhone& at_phones,
                    const PagesByPhone& store_resent,
                    const std::function<std::string(const std::string&)>& phone) const {
    for (const auto& [person, by_case] : pages_)
      for (const auto& [c, n] : by_case)
        tally.check(at_phones, network_lost_, store_resent, c, person, n);
    for (const auto& [to, by_case] : at_phones)
      for (const auto& [c, n] : by_case) {
        bool expected = false;
        for (const auto& [person, cases] : pages_)
          expected = expected || (phone(person) == to && cases.count(c));
        if (!expected)
          ADD_FAILURE() << n << " deadline pages for case " << c << " to " << to
                        << ", none expected";
      }
  }

 private:
  PagesByPhone pages_;                  // person, case: the steps' pages, as the record says
  std::set<std::string> network_lost_;  // "case person": a page Kannel reported sent
};

}  // namespace piket::e2e
