--[[
  Saves a store's analytics read model: its changed days and its cursor, in one atomic step,
  each only if newer than what is there (a slower process folding the same log never puts an
  older copy back).

  KEYS[1] the cursor hash (fields version, working)
  KEYS[2] the days hash (day -> cells JSON)
  KEYS[3] the through hash (day -> newest version folded into it)
  KEYS[4] the rollups hash (day -> the day's counters per breakdown, JSON)
  ARGV[1] the cursor's version
  ARGV[2] the working memory (JSON)
  ARGV[3..] quadruples: day, through, cells JSON, rollup JSON

  Returns 1 if the cursor was moved, 0 if it already stood at or past ARGV[1].
]]
for i = 3, #ARGV, 4 do
  local through = tonumber(redis.call("HGET", KEYS[3], ARGV[i]) or "0")
  if tonumber(ARGV[i + 1]) > through then
    redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 2])
    redis.call("HSET", KEYS[3], ARGV[i], ARGV[i + 1])
    redis.call("HSET", KEYS[4], ARGV[i], ARGV[i + 3])
  end
end
local version = tonumber(redis.call("HGET", KEYS[1], "version") or "0")
if tonumber(ARGV[1]) <= version then
  return 0
end
redis.call("HSET", KEYS[1], "version", ARGV[1], "working", ARGV[2])
return 1
