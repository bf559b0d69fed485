#include "piket/cases/family_link.hpp"

#include <charconv>

#include "piket/common/crypto.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/lua.hpp"

namespace piket::cases {
namespace {

// KEYS, ARGV and reply: store/lua/cases/cases_family_link_create.lua.
const common::RedisScript& create_script() {
  static const common::RedisScript s{std::string(lua::cases_family_link_create())};
  return s;
}

// KEYS, ARGV and reply: store/lua/cases/cases_family_link_revoke.lua.
const common::RedisScript& revoke_script() {
  static const common::RedisScript s{std::string(lua::cases_family_link_revoke())};
  return s;
}

}  // namespace

std::variant<FamilyLinkCreated, common::ApiRefusal> FamilyLinks::create(const std::string& case_id,
                                                                        const std::string& by,
                                                                        common::Instant now) {
  FamilyLinkCreated c;
  c.secret = common::random_base32(store::kFamilyLinkSecretChars);
  const auto hash = common::sha256_hex(c.secret);
  c.info = {hash.substr(0, 12), now, by};
  const auto r = redis_
                     .eval(create_script(),
                           {store::case_key(case_id), store::case_family_link_key(case_id),
                            store::family_link_key(hash)},
                           {case_id, hash, c.info.id, std::to_string(common::to_epoch_ms(now)), by})
                     .element_strings();
  if (r.empty() || r[0] == "missing")
    return common::ApiRefusal{404, "not_found", "no such case", {}};
  if (r[0] != "created")
    return common::ApiRefusal{409, "case_closed", "the case is closed: it has no contact link", {}};
  if (r.size() > 1) c.replaced = r[1];
  return c;
}

std::optional<std::string> FamilyLinks::revoke(const std::string& case_id, const std::string& by,
                                               common::Instant now) {
  const auto r = redis_.eval(revoke_script(), {store::case_family_link_key(case_id)},
                             {case_id, std::to_string(common::to_epoch_ms(now)), by});
  if (r.str.empty()) return std::nullopt;
  return r.str;
}

std::optional<FamilyLinkInfo> FamilyLinks::find(const std::string& case_id) {
  const auto r =
      redis_.command({"HMGET", store::case_family_link_key(case_id), "id", "created_at", "by"})
          .element_strings();
  if (r.size() != 3 || r[0].empty()) return std::nullopt;
  std::int64_t at = 0;
  std::from_chars(r[1].data(), r[1].data() + r[1].size(), at);
  return FamilyLinkInfo{r[0], common::from_epoch_ms(at), r[2]};
}

}  // namespace piket::cases
