-- paging_reply_code (lib): piket_drop_reply_code(page_id) deletes the page's
-- reply code ackcode:{person}:{code} (paging/reply_code.hpp), when a page is
-- answered, stands down, fails or turns out duplicate. Owner: paging
-- (ackcode:*). inbound's answer script calls it; notify reaches it through
-- lib/paging_page_delivery.lua (a page that failed or turned out duplicate).
local function piket_drop_reply_code(page_id)
  local f = redis.call('HMGET', 'page:' .. page_id, 'person', 'ack_code')
  if f[1] and f[2] then redis.call('DEL', 'ackcode:' .. f[1] .. ':' .. f[2]) end
end
