#!/usr/bin/env bash
# Checks the layering rules of docs/architecture.md with grep: who may include what.
# Exits 1 and lists the offending lines when a rule is broken.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
status=0

# rule DESCRIPTION PATTERN FILES... : no line of FILES may match PATTERN.
rule() {
    local description=$1 pattern=$2
    shift 2
    local hits
    hits=$(grep -nE "$pattern" "$@" 2>/dev/null)
    if [ -n "$hits" ]; then
        echo "layering: $description"
        echo "$hits" | sed 's/^/  /'
        status=1
    fi
}

all_sources=$(find src -name '*.hpp' -o -name '*.cpp')
not_net=$(echo "$all_sources" | grep -vE '^src/http/(server|request_reader)\.cpp$')
not_sqlite=$(echo "$all_sources" | grep -v '^src/storage/sqlite/')
core=$(find src/core -name '*.hpp' -o -name '*.cpp')
headers=$(find src -name '*.hpp')
domain=$(find src/tasks src/users -name '*_service.*' -o -name '*_repository.hpp' -o -name 'task.hpp' -o -name 'user.hpp')
not_auth=$(echo "$all_sources" | grep -v '^src/auth/')
not_passwords=$(echo "$all_sources" | grep -v '^src/passwords/')
not_username=$(echo "$all_sources" | grep -v '^src/users/username\.cpp$')

# shellcheck disable=SC2086
{
rule "Beast and Asio belong to http/server.cpp (and Beast's parser to http/request_reader.cpp)" '#include <boost/(beast|asio)' $not_net
rule "http/request_reader.cpp parses bytes: sockets, timers and coroutines stay in http/server.cpp" '#include <boost/(asio/[^b]|beast/(core|websocket))' src/http/request_reader.cpp
rule "sqlite3.h belongs to storage/sqlite/ only" '#include <sqlite3\.h>' $not_sqlite
rule "core/ is std-only" '#include <(boost|openssl|sodium|sqlite3)' $core
rule "core/ includes only core/" '#include "(http|auth|tasks|users|storage|app|cli|serializers)/' $core
rule "headers use boost/json/fwd.hpp at most" '#include <boost/json/(value|parse|serialize|object|array)' $headers
rule "services, models and repositories know nothing of HTTP, JSON or SQL" '#include (<boost/json|"http/|<sqlite3|"storage/)' $domain
rule "OpenSSL belongs to auth/ (JWT signatures)" '#include <openssl' $not_auth
rule "libsodium belongs to passwords/ (Argon2id)" '#include <sodium' $not_passwords
rule "libunistring belongs to users/username.cpp" \
    '#include <(unistr|uninorm|unitypes|unicase|unictype|uniconv|unigbrk|unilbrk|uniname|unistdio|uniwbrk|uniwidth|unistring/[a-z_]+)\.h>' \
    $not_username
}
exit $status
