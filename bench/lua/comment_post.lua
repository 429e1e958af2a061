-- POST the comment form: fields and CSRF cookie from the environment (set by
-- bench/loadtest.py), a different text each time so none is a duplicate.
local form = os.getenv("KIJI_BENCH_FORM")
local cookie = os.getenv("KIJI_BENCH_COOKIE")
local counter = 0

function setup(thread)
  thread:set("id", tostring(math.random(1, 1000000000)))
end

request = function()
  counter = counter + 1
  local body = form .. "&text=Benchmark+comment+" .. id .. "+" .. counter
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }
  return wrk.format("POST", wrk.path, headers, body)
end
