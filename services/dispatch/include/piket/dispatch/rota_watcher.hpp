#pragma once
// Rota notices, sent through notify like any page (no case attached):
//  - handoff notices: "you are on call (primary, groningen) from … until …",
//    `rota.handoff_notice_minutes` before a person's shift starts;
//  - gap warnings to the region's team leads when a layer will be empty
//    within `rota.gap_warning_hours`.
// Each notice is sent once: its key (person, layer, region, start) is set in
// the same Lua script that creates the page. run_once() is called every few
// seconds; it uses the domain clock, so simulated time drives it too.

#include <functional>
#include <optional>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/i18n/language.hpp"
#include "piket/paging/page_class.hpp"
#include "piket/rota/rota.hpp"
#include "piket/rota/rota_config.hpp"

namespace piket::dispatch {

// Typed texts (≤160 GSM-7 characters; no case data exists in them at all) in
// the recipient's language (rota.* in i18n/<lang>/piket.po). Both are
// information (paging/page_class.hpp): no reply code, they end with "Geen
// antwoord nodig." (sms.no_reply); layer and region are left out when they
// would not fit one segment. A handoff notice without `until` (a stretch
// longer than the watcher looks ahead for its end) says "from …" only.
std::optional<std::string> render_handoff_notice(std::string_view layer, std::string_view region,
                                                 common::Instant from,
                                                 std::optional<common::Instant> until,
                                                 i18n::Language language);
std::optional<std::string> render_gap_warning(std::string_view layer, std::string_view region,
                                              common::Instant from, common::Instant until,
                                              i18n::Language language);
enum class RotaNotice { handoff, gap };
// Their line in a bundled SMS: "PIKETROOSTER DIENST primary ma 23-11 08:00",
// "PIKETROOSTER GAT team_lead ma 23-11 08:00" (without the layer if too long).
paging::PageTag rota_notice_tag(RotaNotice what, std::string_view layer, common::Instant from,
                                i18n::Language language);

class RotaWatcher {
 public:
  using RotaSource = std::function<std::shared_ptr<const rota::Rota>()>;
  using OnPage = std::function<void(const std::string& page_id, const std::string& payload)>;

  // [rota] (its notice and warning horizons), the regions and people (must
  // outlive the watcher) and the shared outbox settings.
  RotaWatcher(rota::RotaFileConfig rota_file, const rota::Directory& directory,
              common::OutboxConfig outbox, const common::Clock& domain_clock,
              const common::Clock& transport_clock, RotaSource rota, common::RedisPool& redis,
              OnPage on_page);
  // Creates every notice that is due now and was not sent before; returns how many.
  int run_once();

 private:
  bool send(const std::string& key, const std::string& person, const std::string& rule,
            const std::optional<std::string>& text, const paging::PageTag& tag);

  rota::RotaFileConfig rota_file_;
  const rota::Directory& directory_;
  common::OutboxConfig outbox_;
  const common::Clock& domain_clock_;
  const common::Clock& transport_clock_;
  RotaSource rota_;
  common::RedisPool& redis_;
  OnPage on_page_;
};

}  // namespace piket::dispatch
