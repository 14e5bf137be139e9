--[[
  A payload no job owns (refs 0) lives only as long as something still needs it: requests holding
  it (`holds`, until `held`) and failed job records keeping it (until `keep`, the latest record's
  expiry). Its metadata is given the later of those as its expiry, or deleted when neither is left;
  holds and keeps that have lapsed are forgotten. Its chunks are about to be shortened, so their
  staging renewal time (`renewAt`) no longer holds: a job taking it over renews them at once.
  Output: { blob, chunk count, epoch ms the chunks may go at (0: delete them now) }, for the caller
  to apply to the chunks (untagged keys in other slots, which no script may touch).
]]
local function settlePayload(meta, now)
  local state = redis.call('HMGET', meta, 'blob', 'chunks', 'holds', 'held', 'keep')
  local held = tonumber(state[4] or '0')
  local keep = tonumber(state[5] or '0')
  if tonumber(state[3] or '0') <= 0 or held <= now then
    held = 0
    redis.call('HDEL', meta, 'holds', 'held')
  end
  if keep <= now then
    keep = 0
    redis.call('HDEL', meta, 'keep', 'kept')
  end
  local expiry = math.max(held, keep)
  redis.call('HDEL', meta, 'renewAt')
  if expiry == 0 then
    redis.call('DEL', meta)
  else
    redis.call('PEXPIREAT', meta, expiry)
  end
  return { state[1], state[2], expiry }
end
