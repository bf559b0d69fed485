#include "piket/dispatch/capacity_alert.hpp"

#include <date/date.h>

#include <regex>

#include "piket/i18n/catalog.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/reply_code.hpp"
#include "piket/rota/wall_clock.hpp"
#include "piket/store/page.hpp"

namespace piket::dispatch {
namespace {
const std::regex kRegion{"^[a-z0-9][a-z0-9_-]{0,63}$"};
}  // namespace

std::optional<std::string> render_capacity_alert(std::string_view region, common::Instant since,
                                                 std::string_view ack_code,
                                                 i18n::Language language) {
  if (!std::regex_match(std::string(region), kRegion) || !paging::is_reply_code(ack_code))
    return std::nullopt;
  const auto local = date::floor<std::chrono::minutes>(rota::to_local(since));
  const std::string time = date::format("%d-%m %H:%M", local);
  const std::string answer = i18n::render(language, "sms.reply_ack", fmt::arg("code", ack_code));
  return paging::fit_with_region(language, region, [&](const std::string& region_field) {
    return i18n::render(language, "capacity.sms", fmt::arg("region", region_field),
                        fmt::arg("time", time), fmt::arg("answer", answer));
  });
}

std::string capacity_key(std::string_view region) {
  return store::capacity_key(region);
}
std::string capacity_history_key(std::string_view region) {
  return store::capacity_history_key(region);
}

}  // namespace piket::dispatch
