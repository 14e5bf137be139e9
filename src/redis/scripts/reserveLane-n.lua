--[[
  Reserves one upload on a lane: every window of its egress address and its credential (configured
  upload windows, the credit budget with its reserve, and the windows the upstream told us about),
  the pause after a 429 and the window-edge hold, all judged before any is charged. Same algorithm
  as src/upstream/memory-lane-store.ts; record fields are described in src/upstream/lane-record.ts.
  Input:
    KEYS[1] the address subject's record (hash), KEYS[2] the credential subject's record
    ARGV[1] N, the number of configured windows; then per window 6 values:
            subject (0 = KEYS[1], 1 = KEYS[2]), name, limit, length ms, cost, keep (never spent: a
            count, or a share of the limit in force like "2%", rounded up)
    ARGV[2 + 6N] lifetime of the records in ms (expiry only cleans up)
  Output:
    { granted (1/0), wait ms when refused, server time ms, "<subject>:<name>" of each window it opened... }
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local records = {}
for s = 1, 2 do
  local flat = redis.call('HGETALL', KEYS[s])
  local record = {}
  for i = 1, #flat, 2 do record[flat[i]] = flat[i + 1] end
  records[s] = record
end
local function num(record, field) return tonumber(record[field]) or 0 end

-- The lane's windows: configured (a reported limit lowers the configured one), then learned.
local windows = {}
local count = tonumber(ARGV[1])
for i = 0, count - 1 do
  local base = 2 + 6 * i
  local s = tonumber(ARGV[base]) + 1
  local name = ARGV[base + 1]
  local limit = tonumber(ARGV[base + 2])
  local reported = tonumber(records[s][name .. '|limit'])
  if reported and reported < limit then limit = reported end
  local keep = ARGV[base + 5]
  local share = string.match(keep, '^([%d.]+)%%$')
  keep = share and math.ceil(limit * tonumber(share) / 100) or tonumber(keep)
  windows[#windows + 1] = { s = s, name = name, limit = limit, len = tonumber(ARGV[base + 3]), cost = tonumber(ARGV[base + 4]), keep = keep }
end
for s = 1, 2 do
  for field, value in pairs(records[s]) do
    local name = string.match(field, '^(.*)|cost$')
    if name then
      windows[#windows + 1] = { s = s, name = name, limit = num(records[s], name .. '|limit'), len = tonumber(records[s][name .. '|len']), cost = tonumber(value), keep = 0 }
    end
  end
end

local wait = 0
for s = 1, 2 do
  local pause = num(records[s], 'pause')
  if pause - now > wait then wait = pause - now end
end
local take = {}
if wait == 0 then
  for _, w in ipairs(windows) do
    local record = records[w.s]
    local reset = num(record, w.name .. '|reset')
    local used = num(record, w.name .. '|used')
    local nb = num(record, w.name .. '|nb')
    local room = w.limit - w.keep
    if reset > now then
      -- A running window that began after the upstream's last one ended is the upstream's next one.
      if w.len and nb > now and reset > nb + w.len / 2 then
        if nb - now > wait then wait = nb - now end
      elseif used + w.cost > room then
        if reset - now > wait then wait = reset - now end
      else
        take[#take + 1] = { w = w, used = used, fresh = false }
      end
    elseif w.len then
      local carried = math.min(num(record, w.name .. '|carry'), room)
      if nb > now then
        if nb - now > wait then wait = nb - now end
      elseif carried + w.cost > room then
        if w.len > wait then wait = w.len end
      else
        take[#take + 1] = { w = w, used = carried, fresh = true }
      end
    end
  end
end
if wait > 0 then return { 0, math.ceil(wait), now } end

local reply = { 1, 0, now }
for _, entry in ipairs(take) do
  local w = entry.w
  redis.call('HSET', KEYS[w.s], w.name .. '|used', entry.used + w.cost)
  -- Sent in the last moments of our window, it may reach the upstream in its next one: counted there too.
  if (not entry.fresh) and w.len and num(records[w.s], w.name .. '|reset') - now < math.min(1000, w.len / 10) then
    redis.call('HSET', KEYS[w.s], w.name .. '|carry', num(records[w.s], w.name .. '|carry') + w.cost)
  end
  if entry.fresh then
    redis.call('HSET', KEYS[w.s], w.name .. '|reset', now + w.len)
    redis.call('HDEL', KEYS[w.s], w.name .. '|ok', w.name .. '|carry')
    reply[#reply + 1] = (w.s - 1) .. ':' .. w.name
  end
end
local ttl = ARGV[2 + 6 * count]
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return reply
