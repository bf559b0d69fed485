#include "piket/inbound/inbound_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <map>
#include <mutex>
#include <regex>

#include "piket/common/bearer_auth.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/reply_code.hpp"
#include "piket/paging/page_answer.hpp"
#include "piket/store/lua.hpp"

namespace piket::inbound {
namespace {

// Answering a page is paging's (paging/page_answer.hpp).
using paging::Answer;
using paging::AnswerVia;
using paging::PageAnswerOutcome;
using paging::PageAnswerRequest;

// ARGV: 1 page, 2 type, 3 domain now ms -> the outcome for the page
// (store/lua/inbound/inbound_delivery_report.lua; what a report does:
// store/lua/lib/inbound_dlr.lua).
const common::RedisScript kDlr{std::string(lua::inbound_delivery_report())};

// ARGV: 1 bundle, 2 the page the report names, 3 type, 4 domain now ms. One
// SMS that carried several pages (smsbundle:{id}, written by notify before
// the send): the report counts for each of them. -> {page, outcome}… ({} when
// the bundle is unknown or does not hold the page)
// (store/lua/inbound/inbound_delivery_report_bundle.lua).
const common::RedisScript kDlrBundle{std::string(lua::inbound_delivery_report_bundle())};

const std::regex kBundleId{"^B[0-9A-Z]{16}$"};
const std::regex kPageId{"^P[0-9A-Z]{16}$"};

// The SMS answers (fixed, one GSM-7 segment each; Dutch first). A wrong,
// used or expired code and a number that is not staff's get the same one.
constexpr std::string_view kNoCode =
    "piket: geen code gevonden. Stuur de 6 cijfers uit het bericht. No reply code found: send "
    "the 6 digits from the page.";
constexpr std::string_view kCodeNotValid =
    "piket: deze code geldt niet (fout, al gebruikt of verlopen). This code is not valid "
    "(wrong, used or expired).";
constexpr std::string_view kLocked =
    "piket: te veel foute codes; sms-antwoorden staan even uit. Gebruik de app. Too many wrong "
    "codes: answer in the app.";

common::HttpResponse text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

common::HttpResponse json_answer(const PageAnswerOutcome& o, std::string_view state) {
  boost::json::object body{{"page_id", o.page_id}, {"case_id", o.case_id}, {"state", state}};
  return {200, "application/json", boost::json::serialize(body), {}};
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}  // not ::isdigit: UB on negative char

}  // namespace

std::optional<std::string> find_ack_code(std::string_view t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!is_digit(t[i])) continue;
    std::size_t j = i;
    while (j < t.size() && is_digit(t[j])) ++j;
    if (j - i == common::kReplyCodeDigits)
      return std::string(t.substr(i, common::kReplyCodeDigits));
    i = j;
  }
  return std::nullopt;
}

std::optional<SmsAnswer> parse_sms_answer(std::string_view t) {
  auto code = find_ack_code(t);
  if (!code) return std::nullopt;
  std::size_t b = 0;
  while (b < t.size() && (t[b] == ' ' || t[b] == '\t' || t[b] == '\n' || t[b] == '\r')) ++b;
  std::size_t e = b;
  while (e < t.size() && ((t[e] >= 'a' && t[e] <= 'z') || (t[e] >= 'A' && t[e] <= 'Z'))) ++e;
  std::string word(t.substr(b, e - b));
  for (auto& c : word) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return SmsAnswer{*code, word == "NO" || word == "NEE" || word == "DECLINE"};
}

struct InboundApi::Impl {
  const InboundConfig config;
  const InboundDeps deps;
  const common::Clock& clock;
  const common::Clock& transport_clock;
  common::Metrics& metrics;
  common::HealthCheck healthy;
  std::map<std::string, std::string> person_by_phone;
  common::BearerAuth auth;  // staff tokens answer pages
  std::mutex mutex;
  common::RedisConnection redis;
  prometheus::Counter& dlr_recorded;
  prometheus::Counter& dlr_duplicate;
  prometheus::Counter& dlr_unknown;
  prometheus::Counter& dlr_failed;
  prometheus::Counter& acks;
  prometheus::Counter& ack_refused;
  prometheus::Counter& declines;
  prometheus::Counter& api_unauthorized;
  InboundApi::OnEscalation on_escalation;
  prometheus::Counter& sms_callback_refused;
  prometheus::Counter& dlr_callback_refused;
  prometheus::Counter& dlr_suspicious;
  prometheus::Counter& wrong_codes;
  prometheus::Counter& lockouts;
  prometheus::Counter& locked_refused;
  prometheus::Counter& unknown_numbers;
  std::string callback_secret_hash;  // sha256 of kannel.callback_secret; empty: none set

  // Kannel's callbacks carry the deployment's secret as `key` (docs/paging.md).
  // Compared as SHA-256 digests in constant time (no length or prefix leak).
  bool callback_authentic(std::map<std::string, std::string>& p) const {
    const auto it = p.find("key");
    if (callback_secret_hash.empty() || it == p.end()) return false;
    return common::constant_time_equal(common::sha256_hex(it->second), callback_secret_hash);
  }

  std::map<std::string, std::string> params(const common::HttpRequest& r) {
    std::map<std::string, std::string> out;
    auto q = boost::urls::parse_query(r.query);
    if (!q) return out;
    for (auto p : *q) {
      if (out.size() > 16) break;
      out[p.key.decode()] = p.value.decode();
    }
    return out;
  }

  PageAnswerOutcome answer(const PageAnswerRequest& req) {
    PageAnswerOutcome o;
    {
      std::lock_guard lock(mutex);
      // The escalation message of a decline is due at once: if the wake
      // below is lost (a crash), the outbox sweep sends it within 200 ms.
      o = answer_page(redis, req, clock.now(), transport_clock.now(), deps.push_stream_maxlen,
                      {config.code_max_failures, config.code_lock});
    }
    if (o.kind == PageAnswerOutcome::Kind::declined && on_escalation &&
        !o.escalation_payload.empty())
      on_escalation(o.page_id + ":declined", o.escalation_payload);
    return o;
  }

  void count(const PageAnswerOutcome& o) {
    using K = PageAnswerOutcome::Kind;
    if (o.kind == K::acknowledged)
      acks.Increment();
    else if (o.kind == K::declined)
      declines.Increment();
    else if (o.kind != K::already_acknowledged && o.kind != K::already_declined &&
             o.kind != K::taken_by_other)
      ack_refused.Increment();
  }

  common::HttpResponse dlr(const common::HttpRequest& r) {
    auto p = params(r);
    if (!callback_authentic(p)) {
      dlr_callback_refused.Increment();
      return common::error_response(401, "unauthorized", "the callback secret is missing or wrong");
    }
    const auto& page = p["page"];
    const auto& type = p["type"];
    if (!std::regex_match(page, kPageId))
      return common::error_response(400, "invalid_page", "page must be a page id", "page");
    int t = -1;
    if (type.size() >= 1 && type.size() <= 3 && std::all_of(type.begin(), type.end(), is_digit))
      t = std::stoi(type);
    if (t < 0 || t > 255)
      return common::error_response(400, "invalid_type", "type must be 0-255", "type");
    const auto& bundle = p["bundle"];
    if (!bundle.empty() && !std::regex_match(bundle, kBundleId))
      return common::error_response(400, "invalid_bundle", "bundle must be a bundle id", "bundle");
    const auto now = std::to_string(common::to_epoch_ms(clock.now()));
    std::lock_guard lock(mutex);
    if (!bundle.empty()) {
      // One SMS with several pages: the report is every page's.
      const auto res = redis.eval(kDlrBundle, {}, {bundle, page, std::to_string(t), now});
      if (res.elements.empty()) {
        dlr_unknown.Increment();
        spdlog::warn("delivery report for unknown bundle {} (page {})", bundle, page);
      }
      for (std::size_t k = 0; k + 1 < res.elements.size(); k += 2)
        count_report(res.elements[k].str, t, res.elements[k + 1].str);
      return text(200, "ok");
    }
    const auto res = redis.eval(kDlr, {}, {page, std::to_string(t), now});
    count_report(page, t, res.str);
    return text(200, "ok");
  }

  void count_report(const std::string& page, int t, const std::string& outcome) {
    if (outcome == "recorded" || outcome == "failed") {
      dlr_recorded.Increment();
      if (outcome == "failed") {
        dlr_failed.Increment();
        spdlog::warn("delivery report {} for page {}: the SMS failed; next channel", t, page);
      } else {
        spdlog::info("delivery report {} for page {}", t, page);
      }
    } else if (outcome == "contradicts") {
      dlr_suspicious.Increment();
      spdlog::warn(
          "suspicious delivery report {} for page {}: contradicts the page's earlier "
          "final report; ignored",
          t, page);
    } else if (outcome == "duplicate") {
      dlr_duplicate.Increment();
      spdlog::info("duplicate delivery report {} for page {} counted", t, page);
    } else {
      dlr_unknown.Increment();
      spdlog::warn("delivery report for unknown page {}", page);
    }
  }

  // An incoming SMS: GET with from and text in the query (Kannel's get-url),
  // or POST with the text as the body and the sender in X-Kannel-From
  // (post-url, what piket's own Kannel uses: the URL smsbox logs when a call
  // fails then carries no number and no text). The secret is in the query.
  common::HttpResponse sms(const common::HttpRequest& r) {
    auto p = params(r);
    if (!callback_authentic(p)) {
      sms_callback_refused.Increment();
      return common::error_response(401, "unauthorized", "the callback secret is missing or wrong");
    }
    if (r.method == "POST") {
      p["from"] = std::string(r.header("x-kannel-from"));
      p["text"] = r.body;
    }
    const auto& from = p["from"];
    const auto& body = p["text"];
    if (from.empty() || from.size() > 32 || body.size() > 1600)
      return common::error_response(400, "invalid_sms", "from (≤32) and text (≤1600) are required");
    const auto parsed = parse_sms_answer(body);
    if (!parsed) {
      ack_refused.Increment();
      return text(200, std::string(kNoCode));
    }
    // A number that is not staff's goes through the same script (nothing is
    // looked up or stored for it) and gets the same answer as a wrong code:
    // the reply and its timing do not tell which numbers are staff's.
    const auto person = person_by_phone.find(from);
    const bool staff = person != person_by_phone.end();
    PageAnswerRequest req{staff ? person->second : std::string(),
                          "",
                          parsed->code,
                          parsed->decline ? Answer::decline : Answer::acknowledge,
                          AnswerVia::sms,
                          common::mask_phone(from),
                          staff ? common::sha256_hex(from).substr(0, 16) : std::string()};
    const auto o = answer(req);
    count(o);
    using K = PageAnswerOutcome::Kind;
    if (!staff) {
      unknown_numbers.Increment();
      spdlog::info("SMS answer from a number that is not staff's refused");
      return text(200, std::string(kCodeNotValid));
    }
    switch (o.kind) {
      case K::acknowledged:
        spdlog::info("page {} acknowledged by {} via SMS for case {}", o.page_id, person->second,
                     o.case_id);
        return text(
            200, "piket: zaak " + o.case_id + " is van jou. Acknowledged case " + o.case_id + ".");
      case K::declined:
        spdlog::info("page {} declined by {} via SMS for case {}", o.page_id, person->second,
                     o.case_id);
        return text(200, "piket: zaak " + o.case_id + " gaat naar de volgende. Declined case " +
                             o.case_id + "; it goes to the next person.");
      case K::already_acknowledged:
        return text(200, "piket: case " + o.case_id + " was already acknowledged.");
      case K::already_declined:
        return text(200, "piket: case " + o.case_id + " was already declined.");
      case K::taken_by_other:
        return text(200, "piket: case " + o.case_id + " was taken by a colleague; nothing to do.");
      case K::locked:
        locked_refused.Increment();
        if (o.newly_locked) {
          wrong_codes.Increment();
          lockouts.Increment();
          spdlog::warn("SMS answers of {} locked after {} wrong reply codes", person->second,
                       config.code_max_failures);
        } else {
          spdlog::info("SMS answer by {} refused: locked after wrong reply codes", person->second);
        }
        return text(200, std::string(kLocked));
      default:
        wrong_codes.Increment();
        spdlog::info("SMS answer by {} refused: not a valid code of theirs", person->second);
        return text(200, std::string(kCodeNotValid));
    }
  }

  // The person whose staff token the request carries.
  std::optional<std::string> staff(const common::HttpRequest& r) {
    const auto caller = auth.authenticate(r.header("authorization"));
    if (!caller || !caller->is_staff()) return std::nullopt;
    return caller->id;
  }

  common::HttpResponse api_answer(const common::HttpRequest& r, const std::string& page_id,
                                  Answer a) {
    const auto person = staff(r);
    if (!person) {
      api_unauthorized.Increment();
      return common::error_response(401, "unauthorized", "a valid staff token is required");
    }
    const auto o = answer({*person, page_id, "", a, AnswerVia::api, "token " + *person, ""});
    count(o);
    using K = PageAnswerOutcome::Kind;
    switch (o.kind) {
      case K::acknowledged:
      case K::already_acknowledged:
        if (a == Answer::decline)
          return common::error_response(409, "page_acknowledged",
                                        "the page was acknowledged; it cannot be declined");
        if (o.kind == K::acknowledged)
          spdlog::info("page {} acknowledged by {} via the API", o.page_id, *person);
        return json_answer(o, "acknowledged");
      case K::declined:
      case K::already_declined:
        if (a == Answer::acknowledge)
          return common::error_response(409, "page_declined",
                                        "the page was declined; it cannot be acknowledged");
        if (o.kind == K::declined)
          spdlog::info("page {} declined by {} via the API", o.page_id, *person);
        return json_answer(o, "declined");
      case K::taken_by_other:
        return common::error_response(
            409, "taken_by_other", "a colleague acknowledged this incident; nothing was changed");
      case K::informational:
        return common::error_response(409, "informational",
                                      "this page is for information; there is nothing to answer");
      case K::not_yours:
        spdlog::info("API answer by {} to page {} refused: not paged", *person, page_id);
        return common::error_response(403, "not_paged",
                                      "this page was not sent to you; nothing was changed");
      default:
        return common::error_response(404, "page_not_found", "no such page");
    }
  }
};

InboundApi::InboundApi(const InboundConfig& config, InboundDeps deps,
                       const common::Clock& domain_clock, common::Metrics& metrics,
                       const common::Clock* transport_clock, OnEscalation on_escalation)
    : impl_(new Impl{
          config,
          deps,
          domain_clock,
          transport_clock ? *transport_clock : domain_clock,
          metrics,
          common::redis_health(deps.redis),
          {},
          common::BearerAuth(deps.tokens),
          {},
          common::RedisConnection(deps.redis),
          metrics.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                          {{"outcome", "recorded"}}),
          metrics.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                          {{"outcome", "duplicate"}}),
          metrics.counter("piket_inbound_delivery_reports_total", "Delivery reports",
                          {{"outcome", "unknown_page"}}),
          metrics.counter("piket_inbound_delivery_failures_total",
                          "Delivery reports that failed an SMS (types 2 and 16)"),
          metrics.counter("piket_inbound_acks_total", "Acknowledgements",
                          {{"outcome", "acknowledged"}}),
          metrics.counter("piket_inbound_acks_total", "Acknowledgements", {{"outcome", "refused"}}),
          metrics.counter("piket_inbound_declines_total", "Pages declined"),
          metrics.counter("piket_inbound_api_unauthorized_total",
                          "Staff API requests without a valid token"),
          std::move(on_escalation),
          metrics.counter("piket_inbound_callbacks_refused_total",
                          "Kannel callbacks without the right secret (401)", {{"callback", "sms"}}),
          metrics.counter("piket_inbound_callbacks_refused_total",
                          "Kannel callbacks without the right secret (401)", {{"callback", "dlr"}}),
          metrics.counter("piket_inbound_delivery_reports_suspicious_total",
                          "Delivery reports contradicting an earlier final report (ignored)"),
          metrics.counter("piket_inbound_reply_codes_wrong_total",
                          "SMS answers from staff numbers with a wrong, used or expired code"),
          metrics.counter("piket_inbound_reply_code_lockouts_total",
                          "Numbers locked out after too many wrong reply codes"),
          metrics.counter("piket_inbound_sms_locked_total",
                          "SMS answers refused because the number is locked out"),
          metrics.counter("piket_inbound_sms_unknown_number_total",
                          "SMS answers from numbers that are not staff's"),
          deps.callback_secret.empty() ? std::string()
                                       : common::sha256_hex(deps.callback_secret)}) {
  for (const auto& p : deps.people) impl_->person_by_phone[p.phone] = p.id;
  if (deps.callback_secret.empty())
    spdlog::error("inbound: no Kannel callback secret; every /kannel callback is refused");
}

InboundApi::~InboundApi() = default;

common::HttpResponse InboundApi::handle(const common::HttpRequest& r) {
  if (auto resp = common::ops_endpoints(r, impl_->metrics, impl_->healthy)) return *resp;
  try {
    if (r.path == "/kannel/dlr" && r.method == "GET") return impl_->dlr(r);
    if (r.path == "/kannel/sms" && (r.method == "GET" || r.method == "POST")) return impl_->sms(r);
    constexpr std::string_view prefix = "/v1/pages/";
    if (r.path.size() == prefix.size() + 17 + 4 || r.path.size() == prefix.size() + 17 + 8) {
      if (r.path.compare(0, prefix.size(), prefix) == 0) {
        const auto id = r.path.substr(prefix.size(), 17);
        const auto verb = r.path.substr(prefix.size() + 17);
        if (std::regex_match(id, kPageId) && (verb == "/ack" || verb == "/decline")) {
          if (r.method != "POST")
            return common::error_response(405, "method_not_allowed", "use POST");
          return impl_->api_answer(r, id, verb == "/ack" ? Answer::acknowledge : Answer::decline);
        }
      }
    }
  } catch (const common::RedisError& e) {
    spdlog::warn("inbound: redis unavailable: {}", e.what());
    return common::error_response(503, "storage_unavailable", "try again");
  }
  return common::error_response(404, "not_found", "no such resource");
}

}  // namespace piket::inbound
