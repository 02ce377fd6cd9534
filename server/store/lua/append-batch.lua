--[[
  Appends a batch of commits to a store's log, all or nothing: only at the expected version, and
  only if none of the batch's request ids was appended before.

  KEYS[1] the store's log (stream)
  KEYS[2] the store's version (string)
  KEYS[3..] request id keys (string: the version that carried it): first one per commit, in
            order, then those of requests answered without a commit (checked only)
  ARGV[1] expected version
  ARGV[2] request id retention, ms
  ARGV[3] at most this many commits after the expected version come back with a conflict
  ARGV[4..] the commits, as JSON, in order (none: the batch only checks)

  Returns {"appended", version} | {"conflict", actual version, the commits after the expected
          version as JSON (none if more than ARGV[3])...}
        | {"duplicate", position of the request key among KEYS[3..] (1-based), commit JSON}
]]
for i = 3, #KEYS do
  local prior = redis.call("GET", KEYS[i])
  if prior then
    local entries = redis.call("XRANGE", KEYS[1], "0-" .. prior, "0-" .. prior)
    if entries[1] then
      return { "duplicate", tostring(i - 2), entries[1][2][2] }
    end
  end
end
local current = tonumber(redis.call("GET", KEYS[2]) or "0")
local expected = tonumber(ARGV[1])
if current ~= expected then
  -- A few commits after the expected version come along: the loser catches up without a read.
  local reply = { "conflict", tostring(current) }
  if current > expected and current - expected <= tonumber(ARGV[3]) then
    local entries = redis.call("XRANGE", KEYS[1], "0-" .. (expected + 1), "+", "COUNT", ARGV[3])
    for _, entry in ipairs(entries) do
      table.insert(reply, entry[2][2])
    end
  end
  return reply
end
local count = #ARGV - 3
for i = 1, count do
  local version = current + i
  redis.call("XADD", KEYS[1], "0-" .. version, "c", ARGV[3 + i])
  redis.call("SET", KEYS[2 + i], version, "PX", ARGV[2])
end
if count > 0 then
  redis.call("SET", KEYS[2], current + count)
end
return { "appended", tostring(current + count) }
