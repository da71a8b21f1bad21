-- POST /api/tasks/ with a JSON body and a bearer token (env BENCH_TOKEN).
-- bench/bench.py deletes the created rows after each run, so the user keeps exactly 20 tasks.
local token = os.getenv("BENCH_TOKEN")
if token == nil or token == "" then
  error("set BENCH_TOKEN to a fresh access token")
end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"Prepare the slides for the Monday review",' ..
           '"description":"Ask Dana for the latest sales figures","completed":false}'
