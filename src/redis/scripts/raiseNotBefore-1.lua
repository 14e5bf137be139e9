--[[
  Records the earliest time a fresh lane window of one subject may open, keeping a later time
  already recorded (answers of different upstream windows may be reconciled out of order).
  Input:
    KEYS[1] the not-before key of one subject's window
    ARGV[1] not-before time, epoch ms
    ARGV[2] the key's lifetime in ms (past that time, so it only cleans up)
  Output:
    1 when recorded, 0 when a later time was kept
]]
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
