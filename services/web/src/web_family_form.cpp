// GET and POST /m/{secret}: the family's contact form (family_form.hpp), with
// no sign-in. A message is stored in the link's case exactly as a family's SMS
// (web_family_form_post.lua through inbound's lib/family_message_add.lua), so
// piket-dispatch's family router pages for it. Every link that does not work
// gets the same page; limited per address (in memory) and per link (in
// Redis, as a number's SMS); the secret, the text and the address are never
// logged.
#include <spdlog/spdlog.h>

#include "piket/common/crypto.hpp"
#include "piket/inbound/family_sms.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/lua.hpp"
#include "piket/web/family_form.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {
namespace {

const common::RedisScript& post_script() {
  static const common::RedisScript s{std::string(lua::web_family_form_post())};
  return s;
}

// The link's case is open (a read only: the GET of the form).
bool link_works(WebContext& w, const std::string& hash) {
  auto lease = w.d.redis.lease();
  const auto id = lease->command({"HMGET", store::family_link_key(hash), "case"}).element_strings();
  if (id.empty() || id[0].empty()) return false;
  const auto state = lease->command({"HMGET", store::case_key(id[0]), "state"}).element_strings();
  return !state.empty() && state[0] == "open";
}

HttpResponse page(FamilyPageView v) {
  v.max_chars = inbound::kFamilyTextMax;
  return family_page(v);
}
HttpResponse page(FamilyPage p) {
  FamilyPageView v;
  v.page = p;
  return page(std::move(v));
}

}  // namespace

FamilyFormCounters::FamilyFormCounters(common::Metrics& m) {
  const auto counter = [&m](const char* outcome) -> prometheus::Counter& {
    return m.counter("piket_web_family_form_total",
                     "Requests to the family's contact form, by outcome (issue 18)",
                     {{"outcome", outcome}});
  };
  shown = &counter("shown");
  stored = &counter("stored");
  urgent = &counter("urgent");
  unknown = &counter("unknown");
  limited = &counter("limited");
  address_limited = &counter("address_limited");
  refused = &counter("refused");
}

HttpResponse family_form(WebContext& w, const HttpRequest& req) {
  auto& n = w.family_form;
  const auto secret = req.path.substr(store::kFamilyLinkPath.size());
  if (req.method != "GET" && req.method != "HEAD" && req.method != "POST")
    return common::method_not_allowed("GET, HEAD, POST");
  if (!w.family_senders.take(w.addresses.of(req)).allowed) {
    n.address_limited->Increment();
    return page(FamilyPage::limited);
  }
  if (!store::looks_like_family_link_secret(secret)) {
    n.unknown->Increment();
    return page(FamilyPage::gone);
  }
  const auto hash = common::sha256_hex(secret);
  if (!link_works(w, hash)) {
    n.unknown->Increment();
    return page(FamilyPage::gone);
  }
  if (req.method != "POST") {
    n.shown->Increment();
    return page(FamilyPage::form);
  }
  // Posted from this form only (a browser says where a post comes from).
  const auto site = req.header("sec-fetch-site");
  if (!site.empty() && site != "same-origin" && site != "none") {
    n.refused->Increment();
    return common::error_response(403, "cross_site", "post the form from its own page");
  }
  if (req.header("content-type").rfind("application/x-www-form-urlencoded", 0) != 0) {
    n.refused->Increment();
    return common::error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/x-www-form-urlencoded");
  }
  if (req.body.size() > kFamilyFormBodyMax) {
    n.refused->Increment();
    FamilyPageView v;
    v.error = FamilyFormError{"message", "too_long"};
    return page(std::move(v));
  }
  const auto in = read_family_form(req.body, inbound::kFamilyTextMax);
  if (in.error) {
    n.refused->Increment();
    FamilyPageView v;  // what was typed comes back, so nothing is lost
    v.message = in.message;
    v.urgent = in.urgent;
    v.error = in.error;
    return page(std::move(v));
  }
  store::FamilyMessageArgs a;
  a.phone_hash = hash;
  a.now_ms = common::to_epoch_ms(w.d.domain_clock.now());
  a.text = in.message;
  a.urgent = in.urgent;
  a.rate_max = inbound::kFamilyRateMax;
  a.rate_window_ms = inbound::kFamilyRateWindowMs;
  a.case_max = inbound::kFamilyCaseMax;
  a.via = "link";
  // The family router is woken at once (the escalation outbox, as for an SMS).
  a.outbox_due_ms = common::to_epoch_ms(w.d.real_clock.now());
  std::optional<store::FamilyMessageReply> reply;
  {
    auto lease = w.d.redis.lease();
    reply = store::FamilyMessageReply::parse(
        lease->eval(post_script(), {}, a.args()).element_strings());
  }
  using K = store::FamilyMessageReply::Kind;
  if (reply && reply->kind == K::limited) {
    n.limited->Increment();
    spdlog::info("family message by contact link over the link's rate: not stored");
    return page(FamilyPage::limited);
  }
  if (!reply || reply->kind == K::unknown || reply->stored.empty()) {
    n.unknown->Increment();
    return page(FamilyPage::gone);
  }
  const auto& s = reply->stored.front();
  n.stored->Increment();
  if (in.urgent) n.urgent->Increment();
  spdlog::info("family message {} stored in case {} by contact link{}",
               s.message_id.empty() ? "(case full)" : s.message_id, s.case_id,
               in.urgent ? " (urgent)" : "");
  return page(s.own && !s.message_id.empty() ? FamilyPage::sent_own : FamilyPage::sent_duty);
}

}  // namespace piket::web::api
