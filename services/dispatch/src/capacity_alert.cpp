#include "piket/dispatch/capacity_alert.hpp"

#include <date/date.h>

#include <regex>

#include "piket/paging/page_text.hpp"
#include "piket/paging/reply_code.hpp"
#include "piket/rota/wall_clock.hpp"
#include "piket/store/page.hpp"

namespace piket::dispatch {
namespace {
const std::regex kRegion{"^[a-z0-9][a-z0-9_-]{0,31}$"};
}  // namespace

std::optional<std::string> render_capacity_alert(std::string_view region, common::Instant since,
                                                 std::string_view ack_code) {
  if (!std::regex_match(std::string(region), kRegion) || !paging::is_reply_code(ack_code))
    return std::nullopt;
  const auto local = date::floor<std::chrono::minutes>(rota::to_local(since));
  std::string text = "piket CAPACITY region " + std::string(region) +
                     ": every on-call ICM at caseload cap since " +
                     date::format("%d-%m %H:%M", local) + ", new work skips them. Reply " +
                     std::string(ack_code) + " to acknowledge.";
  if (text.size() > 160 || !paging::is_gsm7_basic(text)) return std::nullopt;
  return text;
}

std::string capacity_key(std::string_view region) {
  return store::capacity_key(region);
}
std::string capacity_history_key(std::string_view region) {
  return store::capacity_history_key(region);
}

}  // namespace piket::dispatch
