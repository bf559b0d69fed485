// Kannel's delivery reports (dlr-url): recorded on the page and its SMS
// delivery; a failure moves notify to the next channel at once. Reports that
// arrive together are written together (report_batch.hpp); what a report does:
// store/lua/lib/inbound_dlr.lua.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>

#include "inbound_api_handlers.hpp"

namespace piket::inbound::api {
namespace {

const std::regex kBundleId{"^B[0-9A-Z]{16}$"};
const std::regex kPageId{"^P[0-9A-Z]{16}$"};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}  // not ::isdigit: UB on negative char

void count_report(InboundContext& c, const std::string& page, int t, const std::string& outcome) {
  if (outcome == "recorded" || outcome == "failed") {
    c.dlr_recorded.Increment();
    if (outcome == "failed") {
      c.dlr_failed.Increment();
      spdlog::warn("delivery report {} for page {}: the SMS failed; next channel", t, page);
    } else {
      spdlog::info("delivery report {} for page {}", t, page);
    }
  } else if (outcome == "contradicts") {
    c.dlr_suspicious.Increment();
    spdlog::warn(
        "suspicious delivery report {} for page {}: contradicts the page's earlier "
        "final report; ignored",
        t, page);
  } else if (outcome == "duplicate") {
    c.dlr_duplicate.Increment();
    spdlog::info("duplicate delivery report {} for page {} counted", t, page);
  } else {
    c.dlr_unknown.Increment();
    spdlog::warn("delivery report for unknown page {}", page);
  }
}

}  // namespace

HttpResponse delivery_report(InboundContext& c, const HttpRequest& r, std::string_view) {
  auto p = query_params(r);
  if (!callback_authentic(c, p)) {
    c.dlr_callback_refused.Increment();
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
  // Written with whatever other reports wait meanwhile (report_batch.hpp).
  const auto outcomes = c.reports.submit({bundle, page, std::to_string(t)});
  if (!bundle.empty() && outcomes.empty()) {
    c.dlr_unknown.Increment();
    spdlog::warn("delivery report for unknown bundle {} (page {})", bundle, page);
  }
  for (const auto& [p_id, outcome] : outcomes) count_report(c, p_id, t, outcome);
  return text(200, "ok");
}

}  // namespace piket::inbound::api
