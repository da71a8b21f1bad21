#!/usr/bin/env bash
# The command line on PostgreSQL, process against process: `taskapi migrate` started five times at
# once on a fresh database applies each migration exactly once; createuser, changepassword and
# deleteuser work there as on SQLite (NFKC names, case-sensitive); a password in
# TASKAPI_DATABASE_URL never appears in anything taskapi prints, serve's log included.
# Needs TASKAPI_BIN and TASKAPI_TEST_POSTGRES_URL (ctest runs it through scripts/with-pg-cluster).
set -uo pipefail
bin=${TASKAPI_BIN:?TASKAPI_BIN names the taskapi binary}
base=${TASKAPI_TEST_POSTGRES_URL:?TASKAPI_TEST_POSTGRES_URL names a PostgreSQL server}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
serve_pid=
cleanup() {
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# A fresh database of its own; the server's URL is a URI (scripts/pg-cluster) or key=value.
db="taskapi_cli_$$"
psql -X -q "$base" -c "CREATE DATABASE $db" || exit 1
trap 'cleanup; psql -X -q "$base" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1' EXIT
case "$base" in
    postgresql://* | postgres://*)
        # Replace the path (the database name) of the URI.
        export TASKAPI_DATABASE_URL
        TASKAPI_DATABASE_URL=$(sed -E "s#^(postgres(ql)?://[^/]*/)[^?]*#\1$db#" <<<"$base")
        ;;
    *) export TASKAPI_DATABASE_URL="$base dbname=$db" ;;
esac
sql() { psql -X -q -t -A "$TASKAPI_DATABASE_URL" -c "$1"; }

# --- five migrators at once -------------------------------------------------------------------
for i in 1 2 3 4 5; do
    "$bin" migrate >"migrate.$i.out" 2>"migrate.$i.err" &
done
wait
applied=$(grep -l '^Applied [0-9]* migration(s)\.$' migrate.*.out | wc -l)
nothing=$(grep -l '^No migrations to apply\.$' migrate.*.out | wc -l)
if [ "$applied" -ne 1 ] || [ "$nothing" -ne 4 ]; then
    fail "five migrators: $applied applied and $nothing found nothing to do (expected 1 and 4)"
    cat migrate.*.out migrate.*.err
fi
versions=$(sql "SELECT count(*), count(DISTINCT version) FROM schema_migrations")
# One row per migration file of the repository, each once.
count=$(ls "$here/../../src/storage/migrations/postgres/"*.sql | wc -l)
[ "$versions" = "$count|$count" ] ||
    fail "schema_migrations holds $versions (count|distinct), expected $count|$count"

# --- account commands -------------------------------------------------------------------------
echo "pw-123456789" | "$bin" createuser $'\uff42\uff4f\uff42' --password-stdin >/dev/null ||
    fail "createuser (fullwidth bob)"
[ "$(sql "SELECT username FROM users")" = "bob" ] || fail "createuser did not store NFKC 'bob'"
if echo "pw-123456789" | "$bin" createuser bob --password-stdin >/dev/null 2>err; then
    fail "a second bob was created"
fi
grep -q "already exists" err || fail "the conflict says: $(cat err)"
echo "pw-123456789" | "$bin" createuser Bob --password-stdin >/dev/null ||
    fail "Bob (another case) is another user"
echo "pw-987654321" | "$bin" changepassword bob --password-stdin >/dev/null || fail "changepassword"
[ "$(sql "SELECT password_changed_at IS NOT NULL FROM users WHERE username = 'bob'")" = "t" ] ||
    fail "changepassword did not set password_changed_at"
"$bin" deleteuser bob >/dev/null || fail "deleteuser"
[ "$(sql "SELECT string_agg(username, ',') FROM users")" = "Bob" ] || fail "deleteuser removed more or less than bob"
"$bin" deleteuser bob >/dev/null 2>&1 && fail "deleting a missing user succeeded"

# --- the password is never printed --------------------------------------------------------------
secret="s3cret-pw-$$"
check_silent() {  # NAME FILE...
    local name=$1
    shift
    if grep -q -- "$secret" "$@"; then
        fail "$name printed the password:"
        cat "$@"
    fi
}
for url in "postgresql://taskapi:$secret@/taskapi?host=/nonexistent-taskapi-dir" \
    "postgresql://taskapi:$secret@/taskapi?host=/nonexistent-taskapi-dir&nosuchoption=1" \
    "host=/nonexistent-taskapi-dir password=$secret user" \
    "password=$secret host=/nonexistent-taskapi-dir"; do
    # One attempt: the reason is one line. Then serve tries for a second: a line per attempt,
    # none with the password.
    TASKAPI_DATABASE_URL=$url TASKAPI_DB_START_TIMEOUT=0 "$bin" migrate >out 2>err &&
        fail "migrate on $url succeeded"
    check_silent "migrate" out err
    [ "$(wc -l <err)" -eq 1 ] || fail "migrate's reason is not one line: $(cat err)"
    TASKAPI_DATABASE_URL=$url TASKAPI_DB_START_TIMEOUT=1 \
        TASKAPI_SECRET_KEY=$(head -c 32 /dev/zero | tr '\0' k) \
        "$bin" serve --port 0 >out 2>err && fail "serve on a bad URL succeeded"
    check_silent "serve" out err
    grep -q "TASKAPI_DATABASE_URL\|database error" err || fail "serve's error does not say what: $(cat err)"
done

# A good URL with a password (the cluster trusts local connections, so any password works).
case "$TASKAPI_DATABASE_URL" in
    postgresql://* | postgres://*) url=$(sed -E "s#^(postgres(ql)?://)([^@/]*)@#\1\3:$secret@#" <<<"$TASKAPI_DATABASE_URL") ;;
    *) url="$TASKAPI_DATABASE_URL password=$secret" ;;
esac
TASKAPI_DATABASE_URL=$url TASKAPI_SECRET_KEY=$(head -c 32 /dev/zero | tr '\0' k) \
    "$bin" serve --port 0 >serve.out 2>serve.err &
serve_pid=$!
for _ in $(seq 100); do
    grep -q "listening on" serve.out serve.err && break
    sleep 0.1
done
grep -q "listening on .*database postgresql://" serve.out serve.err ||
    fail "serve did not start on PostgreSQL: $(cat serve.out serve.err)"
kill "$serve_pid"
wait "$serve_pid"
serve_pid=
check_silent "serve's log" serve.out serve.err

[ $failures -eq 0 ] && echo "ok: migrate at once, account commands, no password printed"
exit $((failures > 0))
