-- notify_expand_page (lib): piket_notify_expand_page(a, i), a page's deliveries, one per contact
-- rule of its person, and, given the plan the page will have once expanded, that plan in the
-- same step.
-- Owner: piket-notify (delivery:*, pagekey:*, notify:timers; what the plan writes:
--   lib/notify_apply_plan.lua). The one home of expanding a page, for notify_expand.lua
--   (notify, told of a page), dispatch_incident.lua and dispatch_escalation_step.lua
--   (dispatch, for the page each commit makes: the expansion is part of that commit, and the
--   page's message says so). Calls the owners'
--   store API in the same script for atomicity: paging's for the page (channels, expanded_at,
--   rev, step: lib/paging_page_delivery.lua) and piket-cases' for the case timeline
--   (duplicate_suppressed: lib/cases_timeline.lua). Typed arguments:
--   piket/store/delivery_scripts.hpp (NotifyExpandArgs), made by paging/page_expansion.hpp.
--
-- Reads page:{id}; writes delivery:{id}:{channel}, pagekey:{case}:{step}:{person}:{channel}
--   (one delivery per case, step, person and channel: a second is `suppressed`) and
--   notify:timers.
-- a, i    the caller's ARGV from a[i] on, in this order:
--   a[i]      page id
--   a[i + 1]  now (domain ms)
--   a[i + 2]  the person the rules are of ('' : whoever the page is for): a page of
--             another person is not expanded — nothing is written, {'other_person'}
--   a[i + 3]  number of rules, then per rule three: channel, after (ms), address
--             ('' for sms: the page's number)
--   then, optionally, the plan (paging::plan_deliveries of the page as expanded: every
--   channel scheduled), from j = i + 4 + 3 × rules on:
--   a[j]      the page's created_at the plan was made on (domain ms)
--   a[j + 1]  '1' if it was made on a page that is information (`info`), else '0'
--   a[j + 2…] the plan as lib/notify_apply_plan.lua takes it (rev, now, …)
-- The plan is applied only if the page is as it assumed: no channel suppressed, created_at
-- and info as given, rev as given; its timer is then the plan's next wake-up. Otherwise (or
-- without a plan) the page's timer is due at once (`now`), so that a worker plans the page if
-- its caller does not (a crash).
-- Returns {'expanded', suppressed} (no plan given) | {'expanded', '0', 'applied', started}
--   | {'expanded', suppressed, why}: the plan not applied, why = 'suppressed' (a channel was),
--     'changed' (created_at or info not as given), 'stale' (another rev)
--   | {'already', state} (expanded before) | {'not_queued', state}
--   | {'missing'} (no page, or one without case or person)
--   | {'other_person'} (the page is not of a[i + 2]'s person: its caller reads the page).
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_delivery.lua"
--#include "lib/notify_apply_plan.lua"
local function piket_notify_expand_page(a, i)
  local id = a[i]
  local p = 'page:' .. id
  local f = redis.call('HMGET', p, 'state', 'case', 'person', 'incident', 'rule', 'step',
                       'channels', 'to', 'created_at', 'info')
  if not f[1] or not f[2] or not f[3] then return {'missing'} end
  if f[7] then return {'already', f[1]} end
  if f[1] ~= 'queued' then return {'not_queued', f[1]} end
  if a[i + 2] ~= '' and a[i + 2] ~= f[3] then return {'other_person'} end
  local step = f[6] or ((f[4] or '') .. ':' .. (f[5] or ''))
  local now_s = a[i + 1]
  local now = tonumber(now_s)
  local rules = tonumber(a[i + 3])
  local channels = {}
  local suppressed = 0
  for r = 0, rules - 1 do
    local at = i + 4 + r * 3
    local ch, after, to = a[at], a[at + 1], a[at + 2]
    if ch == 'sms' and to == '' then to = f[8] or '' end
    local did = id .. ':' .. ch
    local d = 'delivery:' .. did
    local key = 'pagekey:' .. f[2] .. ':' .. step .. ':' .. f[3] .. ':' .. ch
    local owner = redis.call('GET', key)
    local st = 'scheduled'
    if owner and owner ~= did then
      st = 'suppressed'
      suppressed = suppressed + 1
      redis.call('HSET', d, 'duplicate_of', owner)
      piket_case_timeline_append(f[2], {at = now, type = 'duplicate_suppressed', page = id,
                                        channel = ch, duplicate_of = owner, by = 'notify'})
    else
      redis.call('SET', key, did)
    end
    redis.call('HSET', d, 'page', id, 'channel', ch, 'person', f[3], 'case', f[2], 'to', to,
               'order', r, 'after_ms', after, 'state', st, 'attempts', '0', 'created_at', now_s)
    channels[#channels + 1] = ch
  end
  piket_page_expanded(id, table.concat(channels, ','), now_s, step)
  local j = i + 4 + rules * 3
  local why
  if a[j] then
    if suppressed > 0 then
      why = 'suppressed'
    elseif tonumber(f[9] or '0') ~= tonumber(a[j]) or (f[10] == '1') ~= (a[j + 1] == '1') then
      why = 'changed'
    else
      local applied = piket_notify_apply_plan(id, a, j + 2)
      if applied[1] == 'applied' then return {'expanded', '0', 'applied', applied[2]} end
      why = applied[1]
    end
  end
  redis.call('ZADD', 'notify:timers', now_s, id)
  if why then return {'expanded', tostring(suppressed), why} end
  return {'expanded', tostring(suppressed)}
end
