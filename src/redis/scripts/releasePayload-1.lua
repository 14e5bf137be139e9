--[[
  Drops a request's hold on a payload (the request was refused, or its job was never created). A
  payload no job owns and nothing else holds or keeps goes now; one still held or kept expires as
  settlePayload says.
  Input:
    KEYS[1] payload metadata hash
  Output:
    {} the chunks stay as they are; { blob, chunk count, epoch ms } what becomes of them (see settlePayload)
]]
--- @include "settlePayload"

if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local holds = redis.call('HINCRBY', KEYS[1], 'holds', -1)
if holds > 0 or tonumber(redis.call('HGET', KEYS[1], 'refs') or '0') > 0 then return {} end
local time = redis.call('TIME')
return settlePayload(KEYS[1], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
