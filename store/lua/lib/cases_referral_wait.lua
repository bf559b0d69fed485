-- cases_referral_wait (lib): piket_referral_wait(c, case_id, agreement_id, record, window_ms, max)
-- A referral done (issue 16): its wait, asked -> help started, kept in its region's record of
-- finished referral waits, so that the board reads the region's waiting times over closed
-- cases too without loading them: referral_waits:{region} (zset, member
-- "{case} {agreement} {partner} {wait_ms}" -> started_at, domain ms). `record` is the
-- agreement's JSON record (case:{id}:agreements) as written; anything but a referral that is
-- done (state 'done' with requested_at and started_at) writes nothing. The record keeps the
-- waits of the last `window_ms` before the change (its changed_at) and at most `max`, the
-- latest started. Owner: piket-cases (cases_agreement.lua).
local function piket_referral_wait(c, case_id, agreement_id, record, window_ms, max)
  local a = cjson.decode(record)
  if a.state ~= 'done' or type(a.requested_at) ~= 'number' or type(a.started_at) ~= 'number'
      or type(a.changed_at) ~= 'number' or type(a.who) ~= 'string' then
    return
  end
  local region = redis.call('HGET', c, 'region')
  if not region then return end
  local waits = 'referral_waits:' .. region
  local member = case_id .. ' ' .. agreement_id .. ' ' .. a.who .. ' '
      .. string.format('%d', a.started_at - a.requested_at)
  redis.call('ZADD', waits, string.format('%d', a.started_at), member)
  redis.call('ZREMRANGEBYSCORE', waits, '-inf', '(' .. string.format('%d', a.changed_at - window_ms))
  redis.call('ZREMRANGEBYRANK', waits, 0, -(max + 1))
end
