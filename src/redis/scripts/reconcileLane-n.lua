--[[
  Applies what one upstream answer says to a lane's budget, as one step: gives the upload back when
  it was not counted (a 429, or nothing was sent), holds the next window of each window the
  reservation opened, tightens the windows the answer reports on (never loosening, never past the
  upstream's reset), learns the upstream's windows we do not count, and pauses after a 429. Same
  algorithm as src/upstream/memory-lane-store.ts; fields in src/upstream/lane-record.ts.
  Input:
    KEYS[1] the address subject's record (hash), KEYS[2] the credential subject's record
    ARGV[1] N configured windows, then 6 values each: subject (0/1), name, limit, length ms, cost, keep
    then: lifetime ms, refund (1/0), accepted (1/0: the upstream took the upload),
          this instance's other forwards in flight on subject 0, on subject 1,
          O, then O window ids "<subject>:<name>" the reservation opened,
          R, then R reports of 8 values: subject, name, learned (1/0), limit (-1: none), remaining,
             ms until reset, exact (1/0), cost,
          pause ms of subject 0, of subject 1 (0: none),
          M, then M notes of 3 values: subject, field, value
  Output:
    { server time ms, pause end of subject 0, pause end of subject 1 }
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local records, loaded = {}, {}
local function load(s)
  local flat = redis.call('HGETALL', KEYS[s])
  local record = {}
  for i = 1, #flat, 2 do record[flat[i]] = flat[i + 1] end
  records[s], loaded[s] = record, #flat
end
load(1)
load(2)
local function num(s, field) return tonumber(records[s][field]) or 0 end
-- Most answers restate what the record holds already: only what changes is written, at the end, in
-- one HSET and one HDEL per record (each call from a script costs more than the fields it writes).
local changed = { {}, {} }
local function set(s, field, value)
  local text = tostring(value)
  if records[s][field] == text then return end
  records[s][field] = text
  changed[s][field] = text
end
local function del(s, field)
  if records[s][field] == nil then return end
  records[s][field] = nil
  changed[s][field] = false
end

local count = tonumber(ARGV[1])
local configured = {}
for i = 0, count - 1 do
  local base = 2 + 6 * i
  configured[#configured + 1] = { s = tonumber(ARGV[base]) + 1, name = ARGV[base + 1], limit = tonumber(ARGV[base + 2]), len = tonumber(ARGV[base + 3]), cost = tonumber(ARGV[base + 4]) }
end

-- One window as the records say it stands now (nil when the lane has no such window).
local function window(s, name)
  for _, c in ipairs(configured) do
    if c.s == s and c.name == name then
      local limit = c.limit
      local reported = tonumber(records[s][name .. '|limit'])
      if reported and reported < limit then limit = reported end
      return { s = s, name = name, limit = limit, len = c.len, cost = c.cost }
    end
  end
  local cost = tonumber(records[s][name .. '|cost'])
  if not cost then return nil end
  return { s = s, name = name, limit = num(s, name .. '|limit'), len = tonumber(records[s][name .. '|len']), cost = cost }
end
local function all()
  local list = {}
  for _, c in ipairs(configured) do list[#list + 1] = window(c.s, c.name) end
  for s = 1, 2 do
    for field in pairs(records[s]) do
      local name = string.match(field, '^(.*)|cost$')
      if name then list[#list + 1] = window(s, name) end
    end
  end
  return list
end
local function hold(s, name, at)
  if num(s, name .. '|nb') < at then set(s, name .. '|nb', at) end
end

local i = 2 + 6 * count
local ttl = ARGV[i]
local refund = ARGV[i + 1] == '1'
local accepted = ARGV[i + 2] == '1'
local othersInFlight = { tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]) }
i = i + 5
local opened = tonumber(ARGV[i])
if refund then
  for _, w in ipairs(all()) do
    local used = num(w.s, w.name .. '|used')
    if num(w.s, w.name .. '|reset') > now and used > 0 then
      used = math.max(0, used - w.cost)
      set(w.s, w.name .. '|used', used)
      -- Nothing of it reached the upstream: the window restarts with the next upload that does.
      if used == 0 and w.len then
        del(w.s, w.name .. '|reset')
        del(w.s, w.name .. '|ok')
      end
    end
  end
else
  for j = 1, opened do
    local s, name = string.match(ARGV[i + j], '^(%d):(.*)$')
    local w = window(tonumber(s) + 1, name)
    if w and w.len then hold(w.s, w.name, now + w.len) end
  end
  -- The first upload of a window of ours the upstream took is the earliest its window can have opened.
  if accepted then
    for _, w in ipairs(all()) do
      if w.len and num(w.s, w.name .. '|reset') > now and not records[w.s][w.name .. '|ok'] then
        hold(w.s, w.name, now + w.len)
        set(w.s, w.name .. '|ok', 1)
      end
    end
  end
end
i = i + opened + 1

local reports = tonumber(ARGV[i])
for j = 0, reports - 1 do
  local base = i + 1 + 8 * j
  local s, name, learned = tonumber(ARGV[base]) + 1, ARGV[base + 1], ARGV[base + 2] == '1'
  local limit, remaining, inMs = tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4]), tonumber(ARGV[base + 5])
  local exact, cost = ARGV[base + 6] == '1', tonumber(ARGV[base + 7])
  local skip = false
  if learned then
    set(s, name .. '|cost', cost)
    if limit < 0 then
      -- A bound without a limit: at most `remaining` more until its reset, then it is gone.
      if num(s, name .. '|reset') > now then
        set(s, name .. '|limit', math.min(num(s, name .. '|limit'), num(s, name .. '|used') + remaining))
      else
        set(s, name .. '|used', othersInFlight[s])
        set(s, name .. '|limit', remaining)
        set(s, name .. '|reset', now + inMs)
      end
      skip = true
    else
      set(s, name .. '|limit', limit)
      local len = inMs
      if exact then len = math.max(num(s, name .. '|len'), math.ceil(inMs / 1000) * 1000) end
      set(s, name .. '|len', len)
    end
  elseif limit >= 0 then
    set(s, name .. '|limit', limit)
  end
  local w = (not skip) and window(s, name) or nil
  if w then
    local upstreamUsed = w.limit - math.max(0, math.min(remaining, w.limit))
    local reset = num(s, name .. '|reset')
    if reset > now then
      if upstreamUsed > num(s, name .. '|used') then set(s, name .. '|used', upstreamUsed) end
      -- Kept open until the upstream's own reset, never longer than it said.
      if exact and now + inMs > reset then set(s, name .. '|reset', now + inMs) end
    elseif upstreamUsed > 0 then
      -- The window starts in our books now: forwards still in flight were sent outside it, and the
      -- upstream may not have counted them yet, so they are counted in it (at worst, too soon).
      set(s, name .. '|used', upstreamUsed + othersInFlight[s])
      local untilReset = inMs
      if not exact and w.len and w.len < inMs then untilReset = w.len end
      set(s, name .. '|reset', now + untilReset)
    end
    -- This answer's upload opened the upstream's window: ours may not reopen before it surely ended.
    if upstreamUsed == w.cost and w.len and ((not exact) or inMs <= w.len + 1000) then hold(s, name, now + w.len) end
  end
end
i = i + 1 + 8 * reports

for s = 1, 2 do
  local ms = tonumber(ARGV[i + s - 1])
  if ms > 0 and num(s, 'pause') < now + ms then set(s, 'pause', now + ms) end
end
i = i + 2
local notes = tonumber(ARGV[i])
for j = 0, notes - 1 do
  local base = i + 1 + 3 * j
  set(tonumber(ARGV[base]) + 1, ARGV[base + 1], ARGV[base + 2])
end
for s = 1, 2 do
  local writes, deletes = {}, {}
  for field, value in pairs(changed[s]) do
    if value then
      writes[#writes + 1] = field
      writes[#writes + 1] = value
    else
      deletes[#deletes + 1] = field
    end
  end
  if #writes > 0 then redis.call('HSET', KEYS[s], unpack(writes)) end
  if #deletes > 0 then redis.call('HDEL', KEYS[s], unpack(deletes)) end
  -- The reservation just before set the lifetime; a record this answer created has none yet.
  if loaded[s] == 0 and #writes > 0 then redis.call('PEXPIRE', KEYS[s], ttl) end
end
return { now, num(1, 'pause'), num(2, 'pause') }
