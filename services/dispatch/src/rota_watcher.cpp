#include "piket/dispatch/rota_watcher.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include <regex>

#include "piket/common/page_script.hpp"
#include "piket/common/page_text.hpp"
#include "piket/common/reply_code.hpp"
#include "piket/rota/coverage.hpp"
#include "piket/rota/handoffs.hpp"
#include "piket/rota/wall_clock.hpp"

namespace piket::dispatch {
namespace {

const std::regex kId{"^[a-z0-9][a-z0-9_-]{0,31}$"};

// "Mon 23-11 08:00" in Amsterdam time.
std::string short_local(common::Instant t) {
  const auto local = rota::to_local(t);
  return date::format("%a %d-%m %H:%M", date::floor<std::chrono::minutes>(local));
}

std::optional<std::string> checked(std::string text) {
  if (text.size() > 160 || !common::is_gsm7_basic(text)) return std::nullopt;
  return text;
}

// ARGV: 1 notice key, 2 person, 3 page id, 4 ack code, 5 phone, 6 text, 7 rule,
// 8 now ms (domain), 9 outbox due ms (transport), 10 reply code validity (ms)
std::string notice_script() {
  return common::page_lua() + R"lua(
local key = 'notice:' .. ARGV[1]
if redis.call('EXISTS', key) == 1 then return {'sent_before'} end
if piket_page_taken(ARGV[2], ARGV[4], ARGV[3]) then return {'ack_collision'} end
redis.call('SET', key, ARGV[3])
local payload = piket_create_page({id = ARGV[3], person = ARGV[2], ack_code = ARGV[4],
  to = ARGV[5], text = ARGV[6], incident = '', case = '', rule = ARGV[7], now = ARGV[8],
  due = ARGV[9], code_ttl = ARGV[10]})
return {'created', ARGV[3], payload}
)lua";
}

const common::RedisScript& script() {
  static const common::RedisScript s{notice_script()};
  return s;
}

}  // namespace

std::optional<std::string> render_handoff_notice(std::string_view layer, std::string_view region,
                                                 common::Instant from, common::Instant until,
                                                 std::string_view ack_code) {
  if (!std::regex_match(std::string(layer), kId) || !std::regex_match(std::string(region), kId) ||
      !common::is_reply_code(ack_code))
    return std::nullopt;
  return checked("piket ROTA: you are on call (" + std::string(layer) + ", " + std::string(region) +
                 ") from " + short_local(from) + " until " + short_local(until) + ". Reply " +
                 std::string(ack_code) + " to confirm.");
}

std::optional<std::string> render_gap_warning(std::string_view layer, std::string_view region,
                                              common::Instant from, common::Instant until,
                                              std::string_view ack_code) {
  if (!std::regex_match(std::string(layer), kId) || !std::regex_match(std::string(region), kId) ||
      !common::is_reply_code(ack_code))
    return std::nullopt;
  return checked("piket ROTA GAP: nobody on call in " + std::string(layer) + ", " +
                 std::string(region) + " from " + short_local(from) + " to " + short_local(until) +
                 ". Reply " + std::string(ack_code) + " to confirm.");
}

RotaWatcher::RotaWatcher(const common::Config& config, const common::Clock& domain_clock,
                         const common::Clock& transport_clock, RotaSource rota,
                         common::RedisPool& redis, OnPage on_page)
    : config_(config), domain_clock_(domain_clock), transport_clock_(transport_clock),
      rota_(std::move(rota)), redis_(redis), on_page_(std::move(on_page)) {}

bool RotaWatcher::send(const std::string& key, const std::string& person_id,
                       const std::string& rule,
                       const std::function<std::optional<std::string>(const std::string&)>& text) {
  const auto* person = config_.person(person_id);
  if (!person) return false;
  auto conn = redis_.lease();
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto page = common::new_page_id();
    const auto code = common::new_ack_code();
    const auto body = text(code);
    if (!body) return false;
    const auto due = common::to_epoch_ms(transport_clock_.now()) +
                     config_.outbox.resend_after.count();
    auto r = conn->eval(script(), {},
                        {key, person->id, page, code, person->phone, *body, rule,
                         std::to_string(common::to_epoch_ms(domain_clock_.now())),
                         std::to_string(due),
                         std::to_string(common::reply_code_window(config_).count())});
    const auto& what = r.elements.at(0).str;
    if (what == "ack_collision") continue;
    if (what != "created") return false;
    spdlog::info("rota notice {} to {} (page {})", rule, person->id, page);
    if (on_page_) on_page_(page, r.elements.at(2).str);
    return true;
  }
  return false;
}

int RotaWatcher::run_once() {
  if (!config_.rota) return 0;
  const auto rota = rota_();
  if (!rota) return 0;
  const auto now = domain_clock_.now();
  int sent = 0;
  for (const auto& h : rota::next_handoffs(*rota, now, config_.rota->handoff_notice)) {
    if (h.on_call_now || !h.next_on_at || *h.next_on_at > now + config_.rota->handoff_notice)
      continue;
    const auto from = *h.next_on_at;
    const auto until = h.next_off_at.value_or(from);
    const auto key = "handoff:" + h.person + ":" + h.region + ":" + h.layer + ":" +
                     std::to_string(common::to_epoch_ms(from));
    if (send(key, h.person, "handoff_notice", [&](const std::string& code) {
          return render_handoff_notice(h.layer, h.region, from, until, code);
        }))
      ++sent;
  }
  std::vector<std::string> regions;
  for (const auto& r : config_.regions) regions.push_back(r.id);
  for (const auto& g : rota::coverage_gaps(*rota, regions, {now, now + config_.rota->gap_warning})) {
    for (const auto& p : config_.people) {
      if (p.role != common::StaffRole::team_lead ||
          std::find(p.regions.begin(), p.regions.end(), g.region) == p.regions.end())
        continue;
      const auto key = "gap:" + p.id + ":" + g.region + ":" + g.layer + ":" +
                       std::to_string(common::to_epoch_ms(g.gap.start));
      if (send(key, p.id, "gap_warning", [&](const std::string& code) {
            return render_gap_warning(g.layer, g.region, g.gap.start, g.gap.end, code);
          }))
        ++sent;
    }
  }
  return sent;
}

}  // namespace piket::dispatch
