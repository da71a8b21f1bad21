-- POST /api/auth/token/ (login) with JSON credentials from env BENCH_USER / BENCH_PASSWORD.
local user = os.getenv("BENCH_USER")
local password = os.getenv("BENCH_PASSWORD")
if user == nil or password == nil then
  error("set BENCH_USER and BENCH_PASSWORD")
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"' .. user .. '","password":"' .. password .. '"}'
