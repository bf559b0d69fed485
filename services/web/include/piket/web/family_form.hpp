#pragma once
// The family's contact form (issue 18; docs/web.md, "The family's contact
// form"): the page a case's contact link opens, GET and POST /m/{secret}, with
// no sign-in and no staff session. Pure parts: reading the posted form and the
// pages — plain HTML that works without JavaScript (none is sent), made for a
// phone, each text Dutch first with English under it (form.* and
// family.reply.* in i18n/<lang>/piket.po), one style sheet of our own
// (/family.css), nothing from elsewhere, a strict policy of its own.
// The handler is web_family_form.cpp.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/http_types.hpp"

namespace piket::web {

// The form's Content-Security-Policy: its own style sheet, posts to itself only.
inline constexpr std::string_view kFamilyFormCsp =
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";
// The longest posted body read (bytes; a message of kFamilyTextMax characters
// fits, percent-encoded).
inline constexpr std::size_t kFamilyFormBodyMax = 16 * 1024;

// A refused field: `field` is "message" or "urgent"; `code` empty, too_long or
// invalid.
struct FamilyFormError {
  std::string field;
  std::string code;
};

// What was posted: the message (trimmed; empty when it is not UTF-8), the
// urgent box, and the first rule it breaks, if any.
struct FamilyFormInput {
  std::string message;
  bool urgent = false;
  std::optional<FamilyFormError> error;
};

// An application/x-www-form-urlencoded body: message (1 to `max_chars`
// characters after trimming) and urgent (absent, or "1").
FamilyFormInput read_family_form(std::string_view body, std::size_t max_chars);

enum class FamilyPage {
  form,       // 200: the form (again with the refusal and what was typed, 422)
  sent_own,   // 200: arrived; "your casemanager" picks it up
  sent_duty,  // 200: arrived; "the casemanager on duty" picks it up
  gone,       // 404: every link that does not work, the same page
  limited,    // 429: too many messages
};

struct FamilyPageView {
  FamilyPage page = FamilyPage::form;
  std::size_t max_chars = 1000;
  std::string message;  // what was typed, shown again after a refusal
  bool urgent = false;
  std::optional<FamilyFormError> error;
};

// The page with its status and headers (kFamilyFormCsp, no caching, no
// referrer, not indexed).
common::HttpResponse family_page(const FamilyPageView& view);

}  // namespace piket::web
