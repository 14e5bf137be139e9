--[[
  Adds one flush of usage-history counts: each hash gets its increments and its expiry.
  Input:
    KEYS[i]  a subject's day hash
    ARGV     for each key in turn: its expiry (epoch ms), its number of fields N, then N field/increment pairs
  One call in place of a pipelined HINCRBY per field and PEXPIREAT per key: with 100,000 keys each
  flush names thousands of subjects, and the client's cost was per command.
  Output:
    the number of fields incremented
]]
local at = 1
local added = 0
for i = 1, #KEYS do
  local expireAt = ARGV[at]
  local fields = tonumber(ARGV[at + 1])
  at = at + 2
  for _ = 1, fields do
    redis.call('HINCRBY', KEYS[i], ARGV[at], ARGV[at + 1])
    at = at + 2
  end
  added = added + fields
  redis.call('PEXPIREAT', KEYS[i], expireAt)
end
return added
