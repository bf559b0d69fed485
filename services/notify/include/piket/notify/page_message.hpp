#pragma once
// What a page's notify message carries besides its id and rank (written by
// store/lua/lib/paging_page_create.lua, the one maker of pages): whose page it
// is, when it was made and whether it is information — what notify's plan for
// the page needs. With them notify plans a new page without reading it first
// (one Redis round trip fewer on the way to the gateway); notify_expand.lua
// checks the person against the page before it writes anything.
//
// A message without them, or with any of them unreadable or out of bounds
// (an outbox entry written before they were), yields none: the page is read.
//
// `expanded` = 1 says the page's producer expanded it in its own script
// (dispatch's commit: store/lua/lib/notify_expand_page.lua): its deliveries
// exist and its first channel is queued, so notify only wakes a worker.
// Absent: 0. Any other value: the facts are unreadable (the page is read).

#include <optional>
#include <string>
#include <string_view>

namespace piket::notify {

struct PageFacts {
  std::string person;           // the rota's id: [a-z0-9][a-z0-9_-]{0,63}
  long long created_at_ms = 0;  // domain, > 0
  bool informational = false;   // the page asks for no answer (no reply code)
  bool expanded = false;        // its producer expanded it (nothing for notify to write)
};

std::optional<PageFacts> page_facts(std::string_view payload);

}  // namespace piket::notify
