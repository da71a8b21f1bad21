-- PATCH /api/tasks/<id>/ with a JSON body and a bearer token (env BENCH_TOKEN).
local token = os.getenv("BENCH_TOKEN")
if token == nil or token == "" then
  error("set BENCH_TOKEN to a fresh access token")
end
wrk.method = "PATCH"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"Renew the office insurance policy by Friday","completed":true}'
