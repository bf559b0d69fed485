// CaseRepository::family_messages (issue 18): a family's messages to a case as
// inbound stored them (case:{id}:family) with the family router's state of
// each (family:route:{case}:{message}).
#include <algorithm>
#include <boost/json.hpp>

#include "piket/store/family_contact.hpp"
#include "piket/web/case_repository.hpp"

namespace piket::web {

std::vector<CaseRepository::FamilyMessage> CaseRepository::family_messages(
    const std::string& case_id) {
  std::vector<FamilyMessage> out;
  if (!is_case_id(case_id)) return out;
  auto conn = redis_.lease();
  const auto all = conn->command({"HGETALL", store::case_family_key(case_id)}).element_strings();
  for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
    if (all[i].empty() || all[i][0] != 'F') continue;  // the `seq` counter
    boost::system::error_code ec;
    const auto v = boost::json::parse(all[i + 1], ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    FamilyMessage m;
    m.id = all[i];
    if (const auto* at = o.if_contains("at"); at && at->is_number())
      m.at = at->to_number<std::int64_t>();
    if (const auto* u = o.if_contains("urgent"); u && u->is_bool()) m.urgent = u->as_bool();
    if (const auto* f = o.if_contains("from"); f && f->is_string())
      m.from = std::string(f->as_string());
    if (const auto* t = o.if_contains("text"); t && t->is_string())
      m.text = std::string(t->as_string());
    const auto r =
        conn->command({"HMGET", store::family_route_key(case_id, m.id), "state", "acknowledged_by"})
            .element_strings();
    m.state = r.size() > 0 && !r[0].empty() ? r[0] : "open";
    if (r.size() > 1) m.acknowledged_by = r[1];
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.at != b.at ? a.at < b.at : a.id < b.id; });
  return out;
}

}  // namespace piket::web
