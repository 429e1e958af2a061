-- Give every request its own query string: the page cache never answers it,
-- so each request renders the page (the cold-page-cache figure: as after a
-- change elsewhere, the sidebar and the post's sections still come from the cache).
local counter = 0

function setup(thread)
  thread:set("id", tostring(math.random(1, 1000000000)))
end

request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "?nocache=" .. id .. "-" .. counter)
end
