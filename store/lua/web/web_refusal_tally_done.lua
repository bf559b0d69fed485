-- web_refusal_tally_done: ends the writing of one minute of the refusal tally
-- (services/web/src/refusal_tally.cpp, RefusalTally::flush)
--
-- KEYS: 1 web:unauth:{minute}, 2 web:unauth:minutes, 3 web:unauth:{minute}:writing (the claim).
-- ARGV: 1 minute, 2 the claim's token (this writer's).
-- Reply: the number of addresses still counted in the minute (counts added while it was being
-- written: the minute stays listed and is written at the next flush).
--
-- The minute is dropped from the list only when nothing is left in it, and the claim is
-- released only by the writer holding it (one whose claim ran out and was taken by another
-- web process leaves that one's claim alone).
local left = redis.call('HLEN', KEYS[1])
if left == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return left
