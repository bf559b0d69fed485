// The message scan: after the end-to-end suites ran, look at everything they
// sent — every SMS fakesmsc received, every push stream entry, every e-mail
// the SMTP server stored — for any value of any person field, household key
// or summary that was posted to them, or of a family's message (issue 18),
// and fail on a single hit.
//
// It reads the suites' work directories (tests/e2e/work, tests/paging/work,
// tests/cases/work):
// each test left <dir>/redis (its Redis data, replayed here on a private
// redis-server to read the posted incidents and the push streams),
// <dir>/kannel/fakesmsc.log and, for the paging tests, <dir>/smtp/maildir.
// Runs as the ctest fixture cleanup of the e2e tests, so after all of them.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/secrets.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "piket/launch/redis_server.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/incident.hpp"
#include "smtp_listener.hpp"

namespace piket::paging {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// What a posted incident says about the family: each whole value, each word
// of 5 letters or more, and each value's digits when it has 6 or more.
void add_secrets(std::set<std::string>& out, const std::string& value) {
  const auto v = lower(value);
  if (v.size() >= 4) out.insert(v);
  std::string word, digits;
  for (char c : v + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += c;
    } else {
      if (word.size() >= 5) out.insert(word);
      word.clear();
    }
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  }
  if (digits.size() >= 6) out.insert(digits);
}

void secrets_of_incident(std::set<std::string>& out, const std::string& body) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return;
  const auto& o = doc.as_object();
  for (const char* key : {"household", "summary"})
    if (const auto* v = o.if_contains(key); v && v->is_string())
      add_secrets(out, std::string(v->as_string()));
  if (const auto* ps = o.if_contains("persons"); ps && ps->is_array())
    for (const auto& person : ps->as_array())
      if (person.is_object())
        for (const auto& [k, v] : person.as_object())
          if (k != "role" && v.is_string()) add_secrets(out, std::string(v.as_string()));
}

struct Scan {
  std::set<std::string> secrets;
  std::vector<std::pair<std::string, std::string>> messages;  // where, text
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void scan_work_dir(const fs::path& dir, Scan& scan) {
  const auto name = dir.filename().string();
  if (fs::exists(dir / "redis" / "redis.conf")) {
    // Replay the test's Redis on a copy (the original stays as it was).
    const auto copy = fs::temp_directory_path() / ("piket-scan-" + name);
    fs::remove_all(copy);
    fs::copy(dir / "redis", copy, fs::copy_options::recursive);
    {
      // With ACL users of its own, as every piket Redis runs; the scan reads as "ops".
      const auto secrets = fs::temp_directory_path() / ("piket-scan-secrets-" + name);
      common::ensure_deployment_secrets(secrets);
      launch::RedisServerConfig rc{0, copy};
      for (auto& u : common::deployment_redis_users(secrets))
        rc.users.push_back({u.name, u.password, u.rules});
      launch::RedisServer server(rc);
      server.start();
      common::RedisConfig ops{{"127.0.0.1", server.port()}, common::Millis{5000}};
      ops.user = "ops";
      ops.password = rc.users.front().password;
      common::RedisConnection redis(ops);
      std::string cursor = "0";
      do {
        const auto r =
            redis.command({"SCAN", cursor, "MATCH", store::incident_key("*"), "COUNT", "500"});
        cursor = r.elements.at(0).str;
        for (const auto& key : r.elements.at(1).elements) {
          if (redis.command({"TYPE", key.str}).str != "hash") continue;
          const auto body = redis.command({"HGET", key.str, "body"});
          if (!body.is_nil()) secrets_of_incident(scan.secrets, body.str);
        }
      } while (cursor != "0");
      // A family's messages (issue 18): their texts are secrets too.
      cursor = "0";
      do {
        const auto r =
            redis.command({"SCAN", cursor, "MATCH", store::case_family_key("*"), "COUNT", "500"});
        cursor = r.elements.at(0).str;
        for (const auto& key : r.elements.at(1).elements) {
          if (redis.command({"TYPE", key.str}).str != "hash") continue;
          const auto all = redis.command({"HGETALL", key.str}).element_strings();
          for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
            if (all[i] == "seq") continue;
            boost::system::error_code ec;
            const auto m = boost::json::parse(all[i + 1], ec);
            if (ec || !m.is_object()) continue;
            if (const auto* t = m.as_object().if_contains("text"); t && t->is_string())
              add_secrets(scan.secrets, std::string(t->as_string()));
          }
        }
      } while (cursor != "0");
      cursor = "0";
      do {
        const auto r =
            redis.command({"SCAN", cursor, "MATCH", store::push_key("*"), "COUNT", "500"});
        cursor = r.elements.at(0).str;
        for (const auto& key : r.elements.at(1).elements)
          for (const auto& entry : redis.command({"XRANGE", key.str, "-", "+"}).elements) {
            std::string text;
            for (const auto& field : entry.elements.at(1).elements) text += field.str + "\n";
            scan.messages.emplace_back(name + " push " + key.str, text);
          }
      } while (cursor != "0");
      server.stop();
      fs::remove_all(secrets);
    }
    fs::remove_all(copy);
  }
  for (const auto& sms : launch::parse_fakesmsc_log(read(dir / "kannel" / "fakesmsc.log")))
    scan.messages.emplace_back(name + " sms to " + sms.to, sms.text);
  for (const auto& mail : test::SmtpListener::read_maildir(dir / "smtp" / "maildir"))
    scan.messages.emplace_back(name + " e-mail", mail);
}

TEST(MessageScan, NoMessageCarriesPersonDataHouseholdOrSummary) {
  Scan scan;
  std::size_t dirs = 0;
  for (const std::string root : {PIKET_SCAN_E2E_DIR, PIKET_SCAN_PAGING_DIR, PIKET_SCAN_CASES_DIR}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec)) {
      if (!e.is_directory()) continue;
      scan_work_dir(e.path(), scan);
      ++dirs;
    }
  }
  std::size_t sms = 0, push = 0, mail = 0;
  for (const auto& [where, text] : scan.messages) {
    if (where.find(" sms ") != std::string::npos)
      ++sms;
    else if (where.find(" push ") != std::string::npos)
      ++push;
    else
      ++mail;
  }
  std::cout << "[ info ] scanned " << dirs << " work directories: " << sms << " SMS, " << push
            << " push entries, " << mail << " e-mails against " << scan.secrets.size()
            << " posted values" << std::endl;
  ASSERT_GT(scan.messages.size(), 0u) << "nothing to scan: run the e2e tests first";
  ASSERT_GT(scan.secrets.size(), 0u) << "no posted person data found";
  ASSERT_GT(mail, 0u) << "the paging tests' e-mails are missing";
  std::size_t hits = 0;
  for (const auto& [where, text] : scan.messages) {
    const auto t = lower(text);
    for (const auto& secret : scan.secrets)
      if (t.find(secret) != std::string::npos) {
        ++hits;
        ADD_FAILURE() << where << " contains a posted value (" << secret.size()
                      << " characters): " << secret;
      }
  }
  EXPECT_EQ(hits, 0u);
}

}  // namespace
}  // namespace piket::paging
