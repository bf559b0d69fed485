#include "piket/dispatch/rota_watcher.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include <regex>

#include "piket/common/redis.hpp"
#include "piket/i18n/catalog.hpp"
#include "piket/paging/page_script.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/rota/coverage.hpp"
#include "piket/rota/handoffs.hpp"
#include "piket/rota/wall_clock.hpp"
#include "piket/store/dispatch_scripts.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/rota_notice.hpp"

namespace piket::dispatch {
namespace {

const std::regex kId{"^[a-z0-9][a-z0-9_-]{0,63}$"};

// How far past its start a stretch's end is looked for, for "until …" in the
// handoff notice; a longer one is announced without its end.
constexpr common::Millis kStretchEndSearch{std::chrono::hours{24 * 35}};

// "ma 23-11 08:00" ("Mon 23-11 08:00" in English) in Amsterdam time.
std::string short_local(common::Instant t, i18n::Language language) {
  const auto local = date::floor<std::chrono::minutes>(rota::to_local(t));
  const date::weekday day{date::floor<date::days>(local)};
  const std::string day_id = "day." + std::to_string(day.iso_encoding());
  return std::string(i18n::text(language, day_id)) + " " + date::format("%d-%m %H:%M", local);
}

std::optional<std::string> checked(std::string text) {
  if (!paging::fits_one_segment(text)) return std::nullopt;
  return text;
}

// The notice: store/lua/dispatch/dispatch_rota_notice.lua. Rota notices are
// information (paging/page_class.hpp): no reply code.
const common::RedisScript& script() {
  static const common::RedisScript s{std::string(lua::dispatch_rota_notice())};
  return s;
}

}  // namespace

namespace {
// The notice (`pattern`, a catalogue id, with {where}, {from} and {until})
// with the layer and region when it fits one segment, else without.
std::optional<std::string> fitted(i18n::Language l, std::string_view pattern,
                                  std::string_view layer, std::string_view region,
                                  common::Instant from, std::optional<common::Instant> until) {
  if (!std::regex_match(std::string(layer), kId) || !std::regex_match(std::string(region), kId))
    return std::nullopt;
  const std::string tail = " " + std::string(i18n::text(l, "sms.no_reply"));
  // A pattern without {until} (rota.handoff.open) leaves the field unused.
  const std::string until_text = until ? short_local(*until, l) : std::string();
  const auto render = [&](const std::string& where) {
    return i18n::render(l, pattern, fmt::arg("where", where),
                        fmt::arg("from", short_local(from, l)), fmt::arg("until", until_text)) +
           tail;
  };
  if (auto t = checked(render(" (" + std::string(layer) + ", " + std::string(region) + ")")))
    return t;
  return checked(render(""));
}
}  // namespace

std::optional<std::string> render_handoff_notice(std::string_view layer, std::string_view region,
                                                 common::Instant from,
                                                 std::optional<common::Instant> until,
                                                 i18n::Language language) {
  return fitted(language, until ? "rota.handoff" : "rota.handoff.open", layer, region, from, until);
}

std::optional<std::string> render_gap_warning(std::string_view layer, std::string_view region,
                                              common::Instant from, common::Instant until,
                                              i18n::Language language) {
  return fitted(language, "rota.gap", layer, region, from, until);
}

paging::PageTag rota_notice_tag(RotaNotice what, std::string_view layer, common::Instant from,
                                i18n::Language language) {
  const std::string lead(
      i18n::text(language, what == RotaNotice::handoff ? "rota.tag.handoff" : "rota.tag.gap"));
  const std::string when = short_local(from, language);
  std::string brief = lead + " " + std::string(layer) + " " + when;
  if (!paging::is_page_brief(brief)) brief = lead + " " + when;
  return {brief, paging::page_rank::kInformation};
}

RotaWatcher::RotaWatcher(rota::RotaFileConfig rota_file, const rota::Directory& directory,
                         common::OutboxConfig outbox, const common::Clock& domain_clock,
                         const common::Clock& transport_clock, RotaSource rota,
                         common::RedisPool& redis, OnPage on_page)
    : rota_file_(std::move(rota_file)),
      directory_(directory),
      outbox_(outbox),
      domain_clock_(domain_clock),
      transport_clock_(transport_clock),
      rota_(std::move(rota)),
      redis_(redis),
      on_page_(std::move(on_page)) {}

bool RotaWatcher::send(const std::string& key, const std::string& person_id,
                       const std::string& rule, const std::optional<std::string>& text,
                       const paging::PageTag& tag) {
  const auto* person = directory_.person(person_id);
  if (!person || !text) return false;
  auto conn = redis_.lease();
  store::RotaNoticeArgs a;
  a.notice_id = key;
  a.person = person->id;
  a.phone = person->phone;
  a.text = *text;
  a.rule = rule;
  a.brief = tag.brief;
  a.rank = tag.rank;
  for (int attempt = 0; attempt < 8; ++attempt) {
    a.page_id = paging::new_page_id();
    a.now_ms = common::to_epoch_ms(domain_clock_.now());
    a.outbox_due_ms = common::to_epoch_ms(transport_clock_.now()) + outbox_.resend_after.count();
    const auto r =
        store::RotaNoticeReply::parse(conn->eval(script(), {}, a.args()).element_strings());
    if (!r) throw std::runtime_error("unexpected reply from the rota notice script");
    if (r->kind == store::RotaNoticeReply::Kind::ack_collision) continue;
    if (r->kind != store::RotaNoticeReply::Kind::created) return false;
    spdlog::info("rota notice {} to {} (page {})", rule, person->id, a.page_id);
    if (on_page_) on_page_(a.page_id, r->payload);
    return true;
  }
  return false;
}

namespace {

// What a gap warning is keyed by (sent once per key). A gap still ahead
// keeps its start. A gap already open reaches coverage_gaps() clipped to
// `now`, a start that moves with every run: it is keyed by the day instead,
// so the team lead hears of an empty layer once a day while it lasts, not at
// every run of the watcher.
std::int64_t gap_notice_start(const rota::LayerGap& g, common::Instant now) {
  if (g.gap.start > now) return common::to_epoch_ms(g.gap.start);
  constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
  const auto ms = common::to_epoch_ms(now);
  return ms - ms % kDayMs;
}

}  // namespace

int RotaWatcher::run_once() {
  const auto rota = rota_();
  if (!rota) return 0;
  const auto now = domain_clock_.now();
  int sent = 0;
  for (const auto& h :
       rota::next_handoffs(*rota, now, rota_file_.handoff_notice, kStretchEndSearch)) {
    // next_on_at is set only for a stretch starting within the notice's look-ahead.
    if (h.on_call_now || !h.next_on_at) continue;
    const auto from = *h.next_on_at;
    const auto until = h.next_off_at;  // nullopt: on call for longer than the search
    const auto key =
        store::handoff_notice_id(h.person, h.region, h.layer, common::to_epoch_ms(from));
    const auto l = directory_.language_of(h.person);
    if (send(key, h.person, "handoff_notice",
             render_handoff_notice(h.layer, h.region, from, until, l),
             rota_notice_tag(RotaNotice::handoff, h.layer, from, l)))
      ++sent;
  }
  std::vector<std::string> regions;
  for (const auto& r : directory_.regions) regions.push_back(r.id);
  for (const auto& g : rota::coverage_gaps(*rota, regions, {now, now + rota_file_.gap_warning})) {
    for (const auto& p : directory_.people) {
      if (p.role != rota::StaffRole::team_lead ||
          std::find(p.regions.begin(), p.regions.end(), g.region) == p.regions.end())
        continue;
      const auto key = store::gap_notice_id(p.id, g.region, g.layer, gap_notice_start(g, now));
      const auto l = directory_.language_of(&p);
      if (send(key, p.id, "gap_warning",
               render_gap_warning(g.layer, g.region, g.gap.start, g.gap.end, l),
               rota_notice_tag(RotaNotice::gap, g.layer, g.gap.start, l)))
        ++sent;
    }
  }
  return sent;
}

}  // namespace piket::dispatch
