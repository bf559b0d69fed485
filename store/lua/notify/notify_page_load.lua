-- notify_page_load: a page's delivery state for notify's planner. ARGV[1] page id. Returns {} for no page (or none planned), else {state, created_at, rev, channels, info, then per channel: delivery state, after_ms}
-- (services/notify/src/delivery_scripts.cpp)
--
local f = redis.call('HMGET', 'page:' .. ARGV[1], 'state', 'created_at', 'rev', 'channels',
                     'info')
if not f[1] or not f[4] then return {} end
local out = {f[1], f[2] or '0', f[3] or '0', f[4], f[5] or '0'}
for ch in string.gmatch(f[4], '[^,]+') do
  local d = redis.call('HMGET', 'delivery:' .. ARGV[1] .. ':' .. ch, 'state', 'after_ms')
  out[#out + 1] = d[1] or 'failed'
  out[#out + 1] = d[2] or '0'
end
return out
