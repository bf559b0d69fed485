#pragma once
// The family contact index's entries of an incident (issue 18): each person of
// the stored body with a phone number piket can match (common::normalise_phone)
// as "<h>:<role>" (store::family_phones_arg). At most 20 persons (validation).

#include <boost/json/object.hpp>
#include <string>
#include <utility>
#include <vector>

#include "piket/common/phone_number.hpp"
#include "piket/store/family_contact.hpp"

namespace piket::ingest {

inline std::string family_phones(const boost::json::object& stored) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto* persons = stored.if_contains("persons");
  if (persons == nullptr || !persons->is_array()) return {};
  for (const auto& p : persons->as_array()) {
    const auto* o = p.if_object();
    if (o == nullptr) continue;
    const auto* phone = o->if_contains("phone");
    const auto* role = o->if_contains("role");
    if (phone == nullptr || role == nullptr || !phone->is_string() || !role->is_string()) continue;
    const auto number = common::normalise_phone(phone->as_string());
    if (!number) continue;
    out.emplace_back(common::phone_key_hash(*number), std::string(role->as_string()));
  }
  return store::family_phones_arg(out);
}

}  // namespace piket::ingest
