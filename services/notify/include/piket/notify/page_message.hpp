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

#include <optional>
#include <string>
#include <string_view>

namespace piket::notify {

struct PageFacts {
  std::string person;           // the rota's id: [a-z0-9][a-z0-9_-]{0,63}
  long long created_at_ms = 0;  // domain, > 0
  bool informational = false;   // the page asks for no answer (no reply code)
};

std::optional<PageFacts> page_facts(std::string_view payload);

}  // namespace piket::notify
