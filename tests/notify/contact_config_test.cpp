// [[people]] contact rules, email and token_sha256, and [smtp]: defaults,
// bounds, and errors that name the file, the line and the key.
#include <gtest/gtest.h>

#include <string>

#include "piket/config/config.hpp"

namespace piket::common {
namespace {

// The whole file is assembled by piket_config; its sections are their owners'.
using config::Config;
using config::load_config;
using config::parse_config;
using rota::ContactChannel;
using rota::PersonConfig;
using rota::StaffRole;

using namespace std::chrono_literals;

const std::string kBase = R"([kannel]
username = "u"
[rota]
file = "rota.toml"

[[regions]]
id = "groningen"
)";

const std::string kSmtp = R"(
[smtp]
url = "smtp://127.0.0.1:2525"
from = "piket@piket.test"
)";

std::string person(const std::string& extra) {
  return "\n[[people]]\nid = \"icm-1\"\nname = \"ICM one\"\nrole = \"casemanager\"\n"
         "phone = \"+447700900001\"\nregions = [\"groningen\"]\n" +
         extra + "\n";
}

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "t.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(ContactConfig, DefaultIsSmsAtOnce) {
  const auto c = parse_config(kBase + person(""), "t.toml");
  ASSERT_EQ(c.people.at(0).contact.size(), 1u);
  EXPECT_EQ(c.people[0].contact[0].channel, ContactChannel::sms);
  EXPECT_EQ(c.people[0].contact[0].after, 0ms);
  EXPECT_FALSE(c.smtp.has_value());
}

TEST(ContactConfig, DefaultAddsEmailAfterFiveMinutesWhenPossible) {
  const auto c = parse_config(kBase + kSmtp + person("email = \"icm1@piket.test\""), "t.toml");
  const auto& rules = c.people.at(0).contact;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1].channel, ContactChannel::email);
  EXPECT_EQ(rules[1].after, 300s);
  EXPECT_EQ(c.people[0].email, "icm1@piket.test");
  ASSERT_TRUE(c.smtp.has_value());
  EXPECT_EQ(c.smtp->url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(c.smtp->from, "piket@piket.test");
  EXPECT_FALSE(c.smtp->require_tls);
  EXPECT_EQ(c.smtp->timeout, 10000ms);
}

TEST(ContactConfig, ExplicitRulesAreKeptInOrder) {
  const auto c = parse_config(
      kBase + kSmtp +
          person("email = \"icm1@piket.test\"\ncontact = [{channel = \"push\", after_s = 0}, "
                 "{channel = \"sms\", after_s = 60}, {channel = \"email\", after_s = 300}]\n"
                 "token_sha256 = \"" +
                 std::string(64, 'd') + "\""),
      "t.toml");
  const auto& rules = c.people.at(0).contact;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].channel, ContactChannel::push);
  EXPECT_EQ(rules[1].channel, ContactChannel::sms);
  EXPECT_EQ(rules[1].after, 60s);
  EXPECT_EQ(rules[2].channel, ContactChannel::email);
  EXPECT_EQ(rules[2].after, 300s);
  EXPECT_EQ(c.people[0].token_sha256, std::string(64, 'd'));
  EXPECT_EQ(to_string(ContactChannel::push), "push");
}

TEST(ContactConfig, AfterDefaultsToZeroAndMayEqualTheOneBefore) {
  const auto c = parse_config(
      kBase + person("contact = [{channel = \"push\"}, {channel = \"sms\", after_s = 0}]"),
      "t.toml");
  EXPECT_EQ(c.people.at(0).contact.size(), 2u);
}

TEST(ContactConfig, ErrorsNameLineAndKey) {
  // person() puts the contact line on line 15 of the file.
  const auto e = error_of(kBase + person("contact = [{channel = \"fax\", after_s = 0}]"));
  EXPECT_NE(e.find("t.toml:15: people.contact[0].channel: must be \"sms\", \"push\" or \"email\""),
            std::string::npos)
      << e;
}

TEST(ContactConfig, Bounds) {
  EXPECT_NE(error_of(kBase + person("contact = [{channel = \"sms\", after_s = -1}]"))
                .find("people.contact[0].after_s: must be between 0 and 86400"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + person("contact = [{channel = \"sms\", after_s = 0}, "
                                    "{channel = \"push\", after_s = 86401}]"))
                .find("people.contact[1].after_s: must be between 0 and 86400"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + person("contact = []")).find("people.contact: must be a list of 1-3"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + person("contact = [{channel = \"sms\"}, {channel = \"push\"}, "
                                    "{channel = \"sms\"}, {channel = \"push\"}]"))
                .find("people.contact: must be a list of 1-3"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + person("contact = \"sms\"")).find("people.contact: must be a list"),
            std::string::npos);
}

TEST(ContactConfig, OrderRules) {
  EXPECT_NE(error_of(kBase + person("contact = [{channel = \"sms\", after_s = 30}]"))
                .find("people.contact[0].after_s: the first channel must be used at once (0)"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + person("contact = [{channel = \"sms\", after_s = 0}, "
                                    "{channel = \"push\", after_s = 60}, "
                                    "{channel = \"email\", after_s = 30}]"))
                .find("people.contact[2].after_s: must not be less than the channel before it"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + person("contact = [{channel = \"sms\"}, {channel = \"sms\"}]"))
                .find("people.contact[1].channel: channel sms is listed twice"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + person("contact = [{channel = \"sms\", after = 0}]"))
                .find("people.contact[0].after: unknown key"),
            std::string::npos);
}

TEST(ContactConfig, EmailNeedsAnAddressAndSmtp) {
  const auto no_smtp = error_of(kBase + person("email = \"icm1@piket.test\"\ncontact = "
                                               "[{channel = \"sms\"}, {channel = \"email\"}]"));
  EXPECT_NE(no_smtp.find("people.contact[1].channel: e-mail needs an [smtp] table"),
            std::string::npos)
      << no_smtp;
  const auto no_address =
      error_of(kBase + kSmtp + person("contact = [{channel = \"sms\"}, {channel = \"email\"}]"));
  EXPECT_NE(no_address.find("people.contact[1].channel: e-mail needs the person's email address"),
            std::string::npos)
      << no_address;
  EXPECT_NE(error_of(kBase + person("email = \"not an address\""))
                .find("people.email: must be an e-mail address"),
            std::string::npos);
}

TEST(ContactConfig, StaffTokensAreValidatedAndUnique) {
  EXPECT_NE(error_of(kBase + person("token_sha256 = \"xyz\""))
                .find("people.token_sha256: must be 64 lower-case hex digits"),
            std::string::npos);
  const std::string twice =
      kBase + person("token_sha256 = \"" + std::string(64, 'e') + "\"") +
      "\n[[people]]\nid = \"icm-2\"\nname = \"ICM two\"\nrole = \"casemanager\"\n"
      "phone = \"+447700900002\"\nregions = [\"groningen\"]\ntoken_sha256 = \"" +
      std::string(64, 'e') + "\"\n";
  EXPECT_NE(error_of(twice).find("the same token is already configured for person icm-1"),
            std::string::npos)
      << error_of(twice);
}

TEST(ContactConfig, SmtpTable) {
  const auto c = parse_config(kBase +
                                  "\n[smtp]\nurl = \"smtps://mail.piket.test:465\"\nfrom = "
                                  "\"piket@piket.test\"\nusername = \"piket\"\npassword = \"s\"\n"
                                  "require_tls = true\ntimeout_ms = 5000\n",
                              "t.toml");
  ASSERT_TRUE(c.smtp.has_value());
  EXPECT_EQ(c.smtp->username, "piket");
  EXPECT_TRUE(c.smtp->require_tls);
  EXPECT_EQ(c.smtp->timeout, 5000ms);
  EXPECT_NE(error_of(kBase + "\n[smtp]\nurl = \"http://x:25\"\nfrom = \"a@b.test\"\n")
                .find("smtp.url: must be smtp://HOST:PORT or smtps://HOST:PORT"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + "\n[smtp]\nurl = \"smtp://x:25\"\n").find("smtp.from: required key"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + "\n[smtp]\nurl = \"smtp://x:25\"\nfrom = \"a@b.test\"\nusername = "
                             "\"u\"\n")
                .find("smtp.password: username and password go together"),
            std::string::npos);
  EXPECT_NE(error_of(kBase + "\n[smtp]\nurl = \"smtp://x:25\"\nfrom = \"a@b.test\"\ntimeout_ms = "
                             "50\n")
                .find("smtp.timeout_ms: must be between 100 and 120000"),
            std::string::npos);
}

TEST(ContactConfig, PushStreamCap) {
  EXPECT_EQ(parse_config(kBase + "\n[notify]\npush_stream_maxlen = 50\n", "t.toml")
                .notify.push_stream_maxlen,
            50);
  EXPECT_NE(error_of(kBase + "\n[notify]\npush_stream_maxlen = 5\n")
                .find("notify.push_stream_maxlen: must be between 10 and 1000000"),
            std::string::npos);
}

}  // namespace
}  // namespace piket::common
