-- POST a form (comment or TrackBack): the fixed fields and cookie come from the
-- environment (set by bench/loadtest.py); one field gets a new value each time
-- so that no request is a duplicate of another.
local form = os.getenv("KIJI_BENCH_FORM")
local cookie = os.getenv("KIJI_BENCH_COOKIE") or ""
local field = os.getenv("KIJI_BENCH_UNIQUE_FIELD")
local prefix = os.getenv("KIJI_BENCH_UNIQUE_PREFIX")
local counter = 0

function setup(thread)
  thread:set("id", tostring(math.random(1, 1000000000)))
end

request = function()
  counter = counter + 1
  local body = form .. "&" .. field .. "=" .. prefix .. id .. "-" .. counter
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("POST", wrk.path, headers, body)
end
