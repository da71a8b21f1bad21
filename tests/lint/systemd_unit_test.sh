#!/usr/bin/env bash
# docs/taskapi.service is a unit systemd accepts, as hardened as it says, and the environment file
# its comment shows starts a server: systemd-analyze verify and security (offline) on a copy
# whose ExecStart and EnvironmentFile point here, then `taskapi serve` run as the unit would run
# it (that environment alone, the state directory as working directory), probed and stopped with
# SIGTERM twice (the example drains).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${TASKAPI_BIN:-$root/build/taskapi}"
unit="$root/docs/taskapi.service"
work=$(mktemp -d)
server=""
cleanup() {
    if [[ -n "$server" ]]; then kill -9 "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
# status URL: the HTTP status of GET URL with the example's Host (no curl on a fresh machine).
status() {
    python3 -c 'import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], headers={"Host": "api.example.com"})
try:
    print(urllib.request.urlopen(req, timeout=10).status)
except urllib.error.HTTPError as e:
    print(e.code)' "$1"
}
fail() {
    echo "FAIL: $*" >&2
    [[ -f "$work/log" ]] && tail -20 "$work/log" >&2
    exit 1
}

# The example environment file of the unit's comment, with a real key and any free port.
sed -n 's/^#   \(TASKAPI_[A-Z_]*=.*\)$/\1/p' "$unit" |
    sed -e "s/^TASKAPI_SECRET_KEY=.*/TASKAPI_SECRET_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')/" \
        -e 's/^TASKAPI_PORT=.*/TASKAPI_PORT=0/' >"$work/taskapi.env"
grep -q '^TASKAPI_SECRET_KEY=' "$work/taskapi.env" || fail "no example environment file in the unit"
sed -e "s|^ExecStart=/usr/local/bin/taskapi |ExecStart=$bin |" \
    -e "s|^EnvironmentFile=.*|EnvironmentFile=$work/taskapi.env|" "$unit" >"$work/taskapi.service"
grep -q "^ExecStart=$bin serve" "$work/taskapi.service" || fail "ExecStart is not /usr/local/bin/taskapi serve"

out=$(systemd-analyze verify "$work/taskapi.service" 2>&1) || fail "systemd-analyze verify: $out"
[[ -z "$out" ]] || fail "systemd-analyze verify complains: $out"
exposure=$(systemd-analyze security --offline=true "$work/taskapi.service" 2>&1 |
    sed -n 's/.*Overall exposure level for taskapi.service: \([0-9.]*\).*/\1/p')
[[ -n "$exposure" ]] || fail "systemd-analyze security gave no exposure level"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure > 2.0"
echo "systemd-analyze: verify clean, exposure $exposure"

# The process as the unit starts it: the environment file alone, in the state directory.
mkdir "$work/state"
(cd "$work/state" && exec env -i PATH=/usr/bin:/bin $(cat "$work/taskapi.env") "$bin" serve) \
    2>"$work/log" &
server=$!
url=""
for _ in $(seq 200); do
    url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/log" | head -1)
    [[ -n "$url" ]] && break
    kill -0 "$server" 2>/dev/null || fail "taskapi serve exited"
    sleep 0.05
done
[[ -n "$url" ]] || fail "taskapi serve did not listen"
[[ -f "$work/state/db.sqlite3" ]] || fail "no db.sqlite3 in the working directory"
got=$(status "$url/api/ready/")
[[ "$got" == 200 ]] || fail "/api/ready/ answered $got"
grep -q '^{"time":' "$work/log" || fail "the log is not JSON (TASKAPI_LOG_FORMAT=json)"
kill -TERM "$server"
for _ in $(seq 100); do
    grep -q 'draining for 10 s' "$work/log" && break
    sleep 0.05
done
got=$(status "$url/api/ready/")
[[ "$got" == 503 ]] || fail "/api/ready/ answered $got while draining"
kill -TERM "$server"
rc=0
wait "$server" || rc=$?
server=""
[[ $rc == 0 ]] || fail "taskapi serve exited $rc"
echo "the example environment serves, drains and stops"
