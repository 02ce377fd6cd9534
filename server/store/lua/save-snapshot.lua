--[[
  Keeps a store's snapshot unless the store already has a newer one.

  KEYS[1] the store's snapshot (hash: version, schema, data)
  ARGV[1] the snapshot's version
  ARGV[2] its schema
  ARGV[3] its data, as JSON

  Returns 1 if saved, 0 if a snapshot at this version or newer was already there.
]]
local current = tonumber(redis.call("HGET", KEYS[1], "version") or "-1")
if tonumber(ARGV[1]) <= current then
  return 0
end
redis.call("HSET", KEYS[1], "version", ARGV[1], "schema", ARGV[2], "data", ARGV[3])
return 1
