--[[
  Reads, in one step, what the position of a waiting job in fair order depends on (read only).
  Input:
    KEYS[1] active keys ZSET (key id -> start tag of its head job)
    KEYS[2] queue state hash (w:<key> weights)
    KEYS[3] the job's key's waiting list
    ARGV[1] job id, ARGV[2] queue base (the waiting lists of the other active keys are named from it;
            they share its hash tag)
  Output: see fairOrderOf.
]]
--- @include "fairOrderOf"

return fairOrderOf(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2])
