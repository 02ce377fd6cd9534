--[[
  Renews or releases a store's webhook lease, only if this holder still has it.

  KEYS[1] the lease key
  ARGV[1] the holder's token
  ARGV[2] "renew" or "release"
  ARGV[3] the new time to live in ms (renew)

  Returns 1 if the holder had the lease (renewed or released), 0 if not.
]]
if redis.call("GET", KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == "release" then
  redis.call("DEL", KEYS[1])
else
  redis.call("PEXPIRE", KEYS[1], ARGV[3])
end
return 1
