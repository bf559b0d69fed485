#include "piket/web/family_form.hpp"

#include <boost/url/parse_query.hpp>

#include "piket/common/html_escape.hpp"
#include "piket/common/utf8_length.hpp"
#include "piket/i18n/catalog.hpp"
#include "piket/web/static_files.hpp"

namespace piket::web {
namespace {

using i18n::Language;

// Well-formed UTF-8 (the text is stored as JSON and shown in the app).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// One text in both languages: Dutch, then English marked as such.
std::string both(std::string_view tag, std::string_view id, std::size_t max = 0,
                 std::string_view attrs = {}) {
  const auto say = [&](Language l) {
    return common::html_escape(i18n::render(l, id, fmt::arg("max", max)));
  };
  std::string start = "<" + std::string(tag) + std::string(attrs) + ">";
  std::string end = "</" + std::string(tag) + ">";
  return start + say(Language::nl) + end + "<" + std::string(tag) + " class=\"en\" lang=\"en\">" +
         say(Language::en) + end;
}

std::string error_id(const FamilyFormError& e) {
  if (e.field == "urgent") return "form.error_urgent";
  return e.code == "too_long" ? "form.error_message_long" : "form.error_message_empty";
}

std::string form_html(const FamilyPageView& v) {
  std::string h;
  h += both("h1", "form.title");
  h += both("p", "form.intro");
  h += both("p", "form.danger", 0, " class=\"danger\"");
  const bool bad_message = v.error && v.error->field == "message";
  const bool bad_urgent = v.error && v.error->field == "urgent";
  if (v.error) {
    h += "<div class=\"error\" role=\"alert\" id=\"form-error\">";
    h += both("p", "form.not_sent");
    h += both("p", error_id(*v.error), v.max_chars);
    h += "</div>";
  }
  h += "<form method=\"post\" accept-charset=\"utf-8\">";
  h += "<label for=\"message\">" + common::html_escape(i18n::text(Language::nl, "form.message")) +
       " <span class=\"en\" lang=\"en\">" +
       common::html_escape(i18n::text(Language::en, "form.message")) + "</span></label>";
  h += "<textarea id=\"message\" name=\"message\" rows=\"8\" required maxlength=\"" +
       std::to_string(v.max_chars) + "\" aria-describedby=\"message-hint" +
       std::string(bad_message ? " form-error\" aria-invalid=\"true\" autofocus" : "\"") + ">" +
       common::html_escape(v.message) + "</textarea>";
  h += "<div id=\"message-hint\" class=\"hint\">" + both("span", "form.message_hint", v.max_chars) +
       "</div>";
  h += "<div class=\"check\"><input type=\"checkbox\" id=\"urgent\" name=\"urgent\" value=\"1\"" +
       std::string(v.urgent ? " checked" : "") + " aria-describedby=\"urgent-hint" +
       std::string(bad_urgent ? " form-error\" aria-invalid=\"true\" autofocus" : "\"") + ">";
  h += "<label for=\"urgent\">" + common::html_escape(i18n::text(Language::nl, "form.urgent")) +
       " <span class=\"en\" lang=\"en\">" +
       common::html_escape(i18n::text(Language::en, "form.urgent")) + "</span></label></div>";
  h += "<div id=\"urgent-hint\" class=\"hint\">" + both("span", "form.urgent_hint") + "</div>";
  h += "<button type=\"submit\">" + common::html_escape(i18n::text(Language::nl, "form.send")) +
       " <span class=\"en\" lang=\"en\">" +
       common::html_escape(i18n::text(Language::en, "form.send")) + "</span></button></form>";
  return h;
}

std::string body_html(const FamilyPageView& v) {
  switch (v.page) {
    case FamilyPage::form:
      return form_html(v);
    case FamilyPage::sent_own:
    case FamilyPage::sent_duty: {
      const char* id = v.page == FamilyPage::sent_own ? "family.reply.own" : "family.reply.duty";
      return both("h1", "form.sent_title") + "<div role=\"status\">" + both("p", id) + "</div>" +
             "<p><a href=\"\">" + common::html_escape(i18n::text(Language::nl, "form.another")) +
             " <span class=\"en\" lang=\"en\">" +
             common::html_escape(i18n::text(Language::en, "form.another")) + "</span></a></p>";
    }
    case FamilyPage::gone:
      return both("h1", "form.gone_title") + both("p", "form.gone") +
             both("p", "form.danger", 0, " class=\"danger\"");
    case FamilyPage::limited:
      return both("h1", "form.limited_title") + both("p", "form.limited") +
             both("p", "form.danger", 0, " class=\"danger\"");
  }
  return {};
}

int status_of(const FamilyPageView& v) {
  switch (v.page) {
    case FamilyPage::form:
      return v.error ? 422 : 200;
    case FamilyPage::gone:
      return 404;
    case FamilyPage::limited:
      return 429;
    default:
      return 200;
  }
}

}  // namespace

FamilyFormInput read_family_form(std::string_view body, std::size_t max_chars) {
  FamilyFormInput in;
  std::optional<std::string> message, urgent;
  auto q = boost::urls::parse_query(body);
  if (!q) {
    in.error = FamilyFormError{"message", "invalid"};
    return in;
  }
  boost::urls::encoding_opts plus;
  plus.space_as_plus = true;
  for (auto p : *q) {
    const auto key = p.key.decode(plus);
    if (key == "message" && !message) message = p.value.decode(plus);
    if (key == "urgent" && !urgent) urgent = p.value.decode(plus);
  }
  in.urgent = urgent.has_value();
  const std::string raw = message.value_or("");
  const auto text = trim(raw);
  if (valid_utf8(text)) in.message = std::string(text);
  if (!valid_utf8(text))
    in.error = FamilyFormError{"message", "invalid"};
  else if (text.empty())
    in.error = FamilyFormError{"message", "empty"};
  else if (common::utf8_length(text) > max_chars)
    in.error = FamilyFormError{"message", "too_long"};
  else if (urgent && *urgent != "1")
    in.error = FamilyFormError{"urgent", "invalid"};
  return in;
}

common::HttpResponse family_page(const FamilyPageView& v) {
  common::HttpResponse r;
  r.status = status_of(v);
  r.content_type = "text/html; charset=utf-8";
  r.body =
      "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"robots\" content=\"noindex\">"
      "<title>" +
      common::html_escape(
          i18n::text(Language::nl, v.page == FamilyPage::gone      ? "form.gone_title"
                                   : v.page == FamilyPage::limited ? "form.limited_title"
                                   : v.page == FamilyPage::form    ? "form.title"
                                                                   : "form.sent_title")) +
      "</title><link rel=\"stylesheet\" href=\"/family.css\"></head><body><main>" + body_html(v) +
      "</main></body></html>";
  add_security_headers(r, kFamilyFormCsp);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Robots-Tag", "noindex");
  return r;
}

}  // namespace piket::web
