-- notify_expand: a page's deliveries, one per contact rule of its person, when notify takes the page
-- (Notifier::handle_batch), and, given the plan the page will have once expanded, that plan in
-- the same step (services/notify/src/notifier.cpp; typed arguments and reply:
-- piket/store/delivery_scripts.hpp, NotifyExpandArgs, parse_notify_expand)
--
-- KEYS: none. ARGV and reply: lib/notify_expand_page.lua (the one home of expanding a page,
--   which dispatch_incident.lua shares for the page its commit makes), from ARGV[1] on.
--#include "lib/notify_expand_page.lua"
return piket_notify_expand_page(ARGV, 1)
