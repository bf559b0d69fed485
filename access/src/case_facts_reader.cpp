#include "piket/access/case_facts_reader.hpp"

#include "piket/common/records.hpp"

namespace piket::access {
namespace {

constexpr std::size_t kPageFields = 7;

// KEYS: 1 case:{id}, 2 case:{id}:timeline. ARGV: 1 case id, 2 person or ''.
// Returns {} for no case, else {region, casemanager, state, then per page:
// id, person, state, rule, created_at, acknowledged_at, declined_at} ('' for
// a missing field). Timeline lines are written by cjson and Boost.JSON, both
// without spaces: a page is `"page":"P…"`; a note's text cannot forge one,
// since its quotes are escaped, and the page hash must name this case anyway.
const common::RedisScript& script() {
  static const common::RedisScript s{R"lua(
local c = redis.call('HMGET', KEYS[1], 'region', 'casemanager', 'state')
if not c[1] then return {} end
local out = {c[1], c[2] or '', c[3] or ''}
local seen = {}
for _, line in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local id = string.match(line, '"page":"(P[0-9A-Z]+)"')
  if id and not seen[id] then
    seen[id] = true
    local p = redis.call('HMGET', 'page:' .. id, 'case', 'person', 'state', 'rule', 'created_at',
                         'acknowledged_at', 'declined_at')
    if p[1] == ARGV[1] and p[2] and (ARGV[2] == '' or p[2] == ARGV[2]) then
      for _, v in ipairs({id, p[2], p[3] or '', p[4] or '', p[5] or '', p[6] or '', p[7] or ''}) do
        out[#out + 1] = v
      end
    end
  end
end
return out
)lua"};
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
  const auto r = redis.eval(script(), {"case:" + case_id, "case:" + case_id + ":timeline"},
                            {case_id, std::string(person)});
  if (r.elements.size() < 3) return std::nullopt;
  CaseFacts f;
  f.id = case_id;
  f.region = r.elements[0].str;
  f.casemanager = r.elements[1].str;
  f.open = r.elements[2].str != "closed" && r.elements[2].str != "merged";  // merged: joined into another case
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
