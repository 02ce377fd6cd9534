--[[
  Appends one commit to a store's log, only at the expected version and only once per request id.

  KEYS[1] the store's log (stream)
  KEYS[2] the store's version (string)
  KEYS[3] the request id's key (string: the version that carried it)
  ARGV[1] expected version
  ARGV[2] the commit, as JSON
  ARGV[3] request id retention, ms

  Returns {"appended", version} | {"conflict", actual version} | {"duplicate", commit JSON}
]]
local prior = redis.call("GET", KEYS[3])
if prior then
  local entries = redis.call("XRANGE", KEYS[1], "0-" .. prior, "0-" .. prior)
  if entries[1] then
    return { "duplicate", entries[1][2][2] }
  end
end
local current = tonumber(redis.call("GET", KEYS[2]) or "0")
if current ~= tonumber(ARGV[1]) then
  return { "conflict", tostring(current) }
end
local version = current + 1
redis.call("XADD", KEYS[1], "0-" .. version, "c", ARGV[2])
redis.call("SET", KEYS[2], version)
redis.call("SET", KEYS[3], version, "PX", ARGV[3])
return { "appended", tostring(version) }
