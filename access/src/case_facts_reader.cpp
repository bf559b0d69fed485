#include "piket/access/case_facts_reader.hpp"

#include "piket/common/records.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/lua.hpp"

namespace piket::access {
namespace {

constexpr std::size_t kPageFields = 7;

// KEYS, ARGV and reply: access/lua/access_case_facts.lua.
const common::RedisScript& script() {
  static const common::RedisScript s{std::string(lua::access_case_facts())};
  return s;
}

std::optional<common::Instant> instant(const std::string& ms) {
  if (ms.empty() || ms.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char ch : ms) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return common::from_epoch_ms(v);
}

}  // namespace

std::optional<CaseFacts> read_case_facts(common::RedisConnection& redis, const std::string& case_id,
                                         std::string_view person) {
  if (!common::is_case_id(case_id)) return std::nullopt;
  const auto r = redis.eval(script(), {store::case_key(case_id), store::case_timeline_key(case_id)},
                            {case_id, std::string(person)});
  if (r.elements.size() < 3) return std::nullopt;
  CaseFacts f;
  f.id = case_id;
  f.region = r.elements[0].str;
  f.casemanager = r.elements[1].str;
  f.open = r.elements[2].str != "closed" &&
           r.elements[2].str != "merged";  // merged: joined into another case
  for (std::size_t i = 3; i + kPageFields <= r.elements.size(); i += kPageFields) {
    PageFact p;
    p.id = r.elements[i].str;
    p.person = r.elements[i + 1].str;
    p.state = r.elements[i + 2].str;
    p.rule = r.elements[i + 3].str;
    p.created_at = instant(r.elements[i + 4].str);
    p.acknowledged_at = instant(r.elements[i + 5].str);
    p.declined = !r.elements[i + 6].str.empty();
    f.pages.push_back(std::move(p));
  }
  return f;
}

}  // namespace piket::access
