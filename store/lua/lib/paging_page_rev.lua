-- paging_page_rev (lib): piket_page_rev_bump(page_id), a page's delivery plan is stale
-- Adds one to the page's rev (page:{id}): the revision of its delivery plan,
-- which notify_apply.lua checks, so that a plan made before the change is not
-- applied. Owner: paging (page:{id}). This is paging's store API for notify's
-- scripts and lib files (a failed delivery, a failed delivery report, an
-- applied plan; lib/notify_page_closed.lua when inbound's answer stops the
-- deliveries), called in the same script as the change that makes the plan
-- stale (atomicity). A file of its own because inbound's scripts reach it
-- (through notify's lib files) and inbound's Redis user may not run every
-- command of lib/paging_page_delivery.lua.
local function piket_page_rev_bump(page_id)
  redis.call('HINCRBY', 'page:' .. page_id, 'rev', 1)
end
