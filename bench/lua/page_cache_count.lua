-- Count the answers by their X-Page-Cache header (hit, miss, wait; "none" when
-- the header is absent) and print the totals of all threads when wrk is done,
-- in one line that bench/loadtest.py reads:
--   page-cache: hit=21034 miss=4 wait=7 other=0 none=0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  hit, miss, wait, other, none = 0, 0, 0, 0, 0
end

function response(status, headers, body)
  local value = headers["X-Page-Cache"] or headers["x-page-cache"]
  if value == nil then
    none = none + 1
  elseif value == "hit" then
    hit = hit + 1
  elseif value == "miss" then
    miss = miss + 1
  elseif value == "wait" then
    wait = wait + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = {hit = 0, miss = 0, wait = 0, other = 0, none = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  io.write(string.format("page-cache: hit=%d miss=%d wait=%d other=%d none=%d\n",
    totals.hit, totals.miss, totals.wait, totals.other, totals.none))
end
