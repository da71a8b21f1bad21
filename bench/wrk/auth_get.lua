-- GET with a bearer token: list (/api/tasks/) and detail (/api/tasks/<id>/).
-- env BENCH_TOKEN: a fresh access token. `wrk -H "Connection: close"` adds the close header.
local token = os.getenv("BENCH_TOKEN")
if token == nil or token == "" then
  error("set BENCH_TOKEN to a fresh access token")
end
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token
