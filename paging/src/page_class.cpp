#include "piket/paging/page_class.hpp"

#include <regex>

namespace piket::paging {

PageNeed page_need(std::string_view rule) {
  // Information only: nobody waits for the recipient to act on these
  // (family_reply: the answers to a family's SMS, to the number that wrote,
  // issue 18; docs/paging.md has the whole table).
  if (rule == "inform" || rule == "handoff_notice" || rule == "gap_warning" ||
      rule == "deadline:home_ban:end" || rule == "family_reply")
    return PageNeed::information;
  return PageNeed::answer;
}

bool is_page_brief(std::string_view brief) {
  static const std::regex kBrief{"^[A-Z0-9][A-Za-z0-9 ,:._-]{0,47}$"};
  return std::regex_match(brief.begin(), brief.end(), kBrief);
}

}  // namespace piket::paging
