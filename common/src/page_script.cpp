#include "piket/common/page_script.hpp"

#include "piket/common/crypto.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/reply_code.hpp"

namespace piket::common {

std::string page_lua() {
  return R"lua(
local function piket_page_taken(person, ack_code, page_id)
  return redis.call('EXISTS', 'ackcode:' .. person .. ':' .. ack_code) == 1
      or redis.call('EXISTS', 'page:' .. page_id) == 1
end
local function piket_create_page(p)
  -- The reply code lives as long as the page can be answered (domain time:
  -- code_until; the key's TTL is the backstop) and no longer.
  redis.call('SET', 'ackcode:' .. p.person .. ':' .. p.ack_code, p.id, 'PX', p.code_ttl)
  redis.call('HSET', 'page:' .. p.id, 'incident', p.incident, 'case', p.case, 'person', p.person,
             'to', p.to, 'text', p.text, 'ack_code', p.ack_code, 'rule', p.rule,
             'state', 'queued', 'created_at', p.now, 'channel', 'sms', 'attempts', '0',
             'code_until', tostring(tonumber(p.now) + tonumber(p.code_ttl)))
  if p.step and p.step ~= '' then redis.call('HSET', 'page:' .. p.id, 'step', p.step) end
  local payload = cjson.encode({page_id = p.id})
)lua" + outbox_add_lua("notify", "p.id", "payload", "p.due") +
         R"lua(
  return payload
end
)lua";
}

std::string new_page_id() {
  return "P" + random_base32(16);
}
std::string new_ack_code() {
  return new_reply_code();
}

}  // namespace piket::common
