--[[
  The stores whose next timer is due, claimed for a moment: each one returned is moved to
  `until`, so that other processes polling meanwhile do not tick it too (the claimer sets its
  exact next deadline after ticking; a claimer that dies lets the claim run out).

  KEYS[1] the timer index (sorted set: store id scored by its deadline, ms)
  ARGV[1] now; ARGV[2] at most this many; ARGV[3] until (ms)

  Returns the store ids, earliest deadline first.
]]
local due = redis.call("ZRANGE", KEYS[1], "-inf", ARGV[1], "BYSCORE", "LIMIT", 0, ARGV[2])
for _, storeId in ipairs(due) do
  redis.call("ZADD", KEYS[1], ARGV[3], storeId)
end
return due
