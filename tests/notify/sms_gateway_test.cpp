// classify_gateway_status, query_escape and the Kannel sendsms request target.
#include "piket/notify/sms_gateway.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "piket/launch/url_codec.hpp"

namespace piket::notify {
namespace {

using Kind = SendResult::Kind;

TEST(ClassifyGatewayStatusTest, Table) {
  const std::vector<std::pair<int, Kind>> table{
      {200, Kind::accepted},          {201, Kind::accepted},
      {202, Kind::accepted},          {299, Kind::accepted},
      {0, Kind::temporary_failure},   {429, Kind::temporary_failure},
      {500, Kind::temporary_failure}, {502, Kind::temporary_failure},
      {503, Kind::temporary_failure}, {504, Kind::temporary_failure},
      {599, Kind::temporary_failure}, {400, Kind::permanent_failure},
      {401, Kind::permanent_failure}, {403, Kind::permanent_failure},
      {404, Kind::permanent_failure}, {413, Kind::permanent_failure},
      {422, Kind::permanent_failure}, {428, Kind::permanent_failure},
      {430, Kind::permanent_failure}, {499, Kind::permanent_failure},
  };
  for (const auto& [status, kind] : table)
    EXPECT_EQ(classify_gateway_status(status), kind) << status;
}

// ----------------------------------------------------------- query_escape

TEST(QueryEscapeTest, PlusIsEncodedSoAnE164NumberKeepsIt) {
  EXPECT_EQ(query_escape("+"), "%2B");
  EXPECT_EQ(query_escape("+31612345678"), "%2B31612345678");
}

TEST(QueryEscapeTest, SpaceIsPercentTwenty) {
  EXPECT_EQ(query_escape(" "), "%20");
  EXPECT_EQ(query_escape("a b"), "a%20b");
}

TEST(QueryEscapeTest, UnreservedCharactersStay) {
  const std::string unreserved =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  EXPECT_EQ(query_escape(unreserved), unreserved);
  EXPECT_EQ(query_escape(""), "");
}

TEST(QueryEscapeTest, EverythingElseIsUpperCaseHex) {
  EXPECT_EQ(query_escape("&"), "%26");
  EXPECT_EQ(query_escape("="), "%3D");
  EXPECT_EQ(query_escape("%"), "%25");
  EXPECT_EQ(query_escape("?#/:@"), "%3F%23%2F%3A%40");
  EXPECT_EQ(query_escape("\n"), "%0A");
  EXPECT_EQ(query_escape("\xC3\xA9"), "%C3%A9");  // é, byte by byte
  EXPECT_EQ(query_escape(std::string(1, '\0')), "%00");
}

TEST(QueryEscapeTest, EveryByteRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const auto escaped = query_escape(all);
  for (char c : escaped) {
    const bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                      c == '_' || c == '~' || c == '%';
    EXPECT_TRUE(safe) << "unescaped '" << c << "'";
  }
  EXPECT_EQ(launch::url_decode(escaped, /*plus_is_space=*/true), all);
}

// ------------------------------------------------------ sendsms target

// Splits path?query and decodes each value as Kannel does ('+' is a space).
struct Target {
  std::string path;
  std::multimap<std::string, std::string> params;

  explicit Target(const std::string& target) {
    const auto q = target.find('?');
    path = target.substr(0, q);
    if (q == std::string::npos) return;
    const std::string query = target.substr(q + 1);
    std::size_t start = 0;
    while (start <= query.size()) {
      const auto amp = std::min(query.find('&', start), query.size());
      const auto pair = query.substr(start, amp - start);
      const auto eq = pair.find('=');
      params.emplace(launch::url_decode(pair.substr(0, eq)),
                     eq == std::string::npos ? "" : launch::url_decode(pair.substr(eq + 1)));
      start = amp + 1;
    }
  }
  std::string one(const std::string& key) const {
    EXPECT_EQ(params.count(key), 1u) << key;
    const auto it = params.find(key);
    return it == params.end() ? "<missing>" : it->second;
  }
};

notify::KannelConfig kannel() {
  notify::KannelConfig k;
  k.sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  k.username = "piket user";
  k.password = "p&ss=w+rd%?#";
  k.sender = "4411";
  k.callback_base = "http://127.0.0.1:8083";
  k.dlr_mask = 31;
  k.callback_secret = "DlrSecret0123456789abcdefABCDEF0123456789";
  return k;
}

const OutgoingSms kSms{"P0123456789ABCDEF", "+31612345678",
                       "piket HOME BAN case C12345678 region groningen reported 22-11 14:03. "
                       "Reply 04711 to acknowledge. a&b=c+d%",
                       ""};

TEST(KannelSendsmsTargetTest, EveryParameterIsPresentOnceAndDecodesToItsValue) {
  const auto k = kannel();
  const std::string raw = kannel_sendsms_target(k, kSms);
  const Target t(raw);
  EXPECT_EQ(t.path, "/cgi-bin/sendsms");
  EXPECT_EQ(t.one("username"), k.username);
  EXPECT_EQ(t.one("password"), k.password);
  EXPECT_EQ(t.one("from"), k.sender);
  EXPECT_EQ(t.one("to"), kSms.to);
  EXPECT_EQ(t.one("text"), kSms.text);
  EXPECT_EQ(t.one("dlr-mask"), "31");
  EXPECT_EQ(t.params.count("dlr-url"), 1u);
  EXPECT_EQ(t.params.size(), 7u) << raw;
  // Nothing in the query that Kannel would read as a space or a separator.
  const auto query = raw.substr(raw.find('?') + 1);
  EXPECT_EQ(query.find('+'), std::string::npos) << raw;
  EXPECT_EQ(query.find(' '), std::string::npos) << raw;
  EXPECT_EQ(query.find('#'), std::string::npos) << raw;
}

TEST(KannelSendsmsTargetTest, DlrUrlCarriesThePageIdAndKannelPlaceholders) {
  const auto k = kannel();
  const Target t(kannel_sendsms_target(k, kSms));
  const auto dlr_url = t.one("dlr-url");
  const std::string prefix = k.callback_base + "/kannel/dlr?";
  ASSERT_EQ(dlr_url.rfind(prefix, 0), 0u) << dlr_url;
  // What Kannel calls back, after it fills %d and %T.
  const Target callback(dlr_url.substr(k.callback_base.size()));
  EXPECT_EQ(callback.path, "/kannel/dlr");
  EXPECT_EQ(callback.one("page"), kSms.page_id);
  // The deployment's callback secret, so that inbound can tell Kannel's
  // reports from forged ones (issue 10).
  EXPECT_EQ(callback.one("key"), k.callback_secret);
  EXPECT_NE(dlr_url.find("type=%d"), std::string::npos) << dlr_url;
  EXPECT_NE(dlr_url.find("ts=%T"), std::string::npos) << dlr_url;
}

TEST(KannelSendsmsTargetTest, DlrMaskAndPathFollowTheConfig) {
  auto k = kannel();
  k.dlr_mask = 3;
  k.sendsms_url = "http://gateway.example:8080/custom/send";
  const Target t(kannel_sendsms_target(k, kSms));
  EXPECT_EQ(t.path, "/custom/send");
  EXPECT_EQ(t.one("dlr-mask"), "3");
}

TEST(KannelSendsmsTargetTest, OtherPagesGetTheirOwnCallback) {
  const auto k = kannel();
  auto other = kSms;
  other.page_id = "PZZZZZZZZZZZZZZZZ";
  const Target a(kannel_sendsms_target(k, kSms));
  const Target b(kannel_sendsms_target(k, other));
  EXPECT_NE(a.one("dlr-url"), b.one("dlr-url"));
  EXPECT_NE(b.one("dlr-url").find("page=PZZZZZZZZZZZZZZZZ"), std::string::npos);
  EXPECT_EQ(a.one("dlr-url").find("bundle="), std::string::npos);
}

// An SMS that carries several pages: its report names the bundle, and inbound
// applies it to every page of smsbundle:{id}.
TEST(KannelSendsmsTargetTest, ABundledSmsNamesItsBundleInTheCallback) {
  const auto k = kannel();
  auto bundled = kSms;
  bundled.bundle_id = "B0123456789ABCDEF";
  const auto dlr_url = Target(kannel_sendsms_target(k, bundled)).one("dlr-url");
  const Target callback(dlr_url.substr(k.callback_base.size()));
  EXPECT_EQ(callback.one("bundle"), bundled.bundle_id);
  EXPECT_EQ(callback.one("page"), bundled.page_id);
  EXPECT_EQ(callback.one("key"), k.callback_secret);
}

}  // namespace
}  // namespace piket::notify
