#pragma once
// Belt and braces behind the typed page templates (paging/page_text.hpp):
// before anything leaves piket, the text is checked against what the incident
// holds about the family — every person field except the role, the household
// key and the summary — and refused on a single hit.
//
// A value is looked for as a whole, case-sensitively, when it has at least 5
// characters; a value with at least 6 digits is also looked for as its digits
// alone (a phone number written without its '+' or spaces). Shorter values
// cannot be told apart from the template's own words and numbers; for them the
// typed template is the guarantee.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace piket::notify {

class PrivacyGuard {
 public:
  PrivacyGuard() = default;
  // `incident_body`: the validated JSON stored with the incident (may be
  // empty); `household`: the case's household key.
  static PrivacyGuard from_incident(std::string_view incident_body, std::string_view household);

  // Names the field whose value occurs in `text` ("persons[0].name",
  // "household", "summary"), or nothing. Never returns the value itself.
  std::optional<std::string> find_leak(std::string_view text) const;
  std::size_t size() const { return needles_.size(); }

 private:
  struct Needle {
    std::string value;
    std::string field;
  };
  void add(std::string_view value, const std::string& field);
  std::vector<Needle> needles_;
};

}  // namespace piket::notify
