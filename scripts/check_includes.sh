#!/usr/bin/env bash
# Checks the layering rules of docs/architecture.md with grep: which folder may include which,
# and where each third-party library may appear. Exits 1 and lists the offending lines when a
# rule is broken. Checks the tree this script belongs to, or the one given as $1 (a directory
# holding src/; the lint's own test runs it on a broken copy).
set -uo pipefail
cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" || exit 2
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

# The layers, lowest first: files under src/FOLDER/ include project headers only from FOLDER
# itself and the folders listed ("any": the wiring at the top may include everything). Every
# folder of src/ needs a line here, so a new one is placed in the layers when it is created.
declare -A may_include=(
    [core]=""
    [serializers]="core"
    [passwords]="core"
    [http]="core"
    [users]="core passwords http"
    [auth]="core users serializers http"
    [tasks]="core serializers http"
    [storage]="core tasks users auth"
    [app]="any"
    [cli]="any"
)

for dir in src/*/; do
    folder=$(basename "$dir")
    if [ -z "${may_include[$folder]+set}" ]; then
        echo "layering: src/$folder/ has no line in scripts/check_includes.sh (which folders may it include?)"
        status=1
        continue
    fi
    [ "${may_include[$folder]}" = any ] && continue
    allowed=$(echo "$folder ${may_include[$folder]}" | xargs | tr ' ' '|')
    hits=$(grep -rnE '#include "' "$dir" --include='*.hpp' --include='*.cpp' |
        grep -vE "#include \"($allowed)/")
    if [ -n "$hits" ]; then
        echo "layering: src/$folder/ may include only ${may_include[$folder]:-itself}${may_include[$folder]:+ and itself}"
        echo "$hits" | sed 's/^/  /'
        status=1
    fi
done

all_sources=$(find src -name '*.hpp' -o -name '*.cpp')
not_net=$(echo "$all_sources" | grep -vE '^src/http/(server|request_reader)\.cpp$')
not_sqlite=$(echo "$all_sources" | grep -v '^src/storage/sqlite/')
not_postgres=$(echo "$all_sources" | grep -v '^src/storage/postgres/')
core=$(find src/core -name '*.hpp' -o -name '*.cpp')
headers=$(find src -name '*.hpp')
domain=$(find src/tasks src/users -name '*_service.*' -o -name '*_repository.hpp' -o -name 'task.hpp' -o -name 'user.hpp')
not_handlers=$(find src/tasks src/users src/auth \( -name '*.hpp' -o -name '*.cpp' \) -a ! -name '*_handler.*' -a ! -name '*_handlers.*')
storage=$(find src/storage -name '*.hpp' -o -name '*.cpp')
not_auth=$(echo "$all_sources" | grep -v '^src/auth/')
not_passwords=$(echo "$all_sources" | grep -v '^src/passwords/')
not_unicode=$(echo "$all_sources" | grep -vE '^src/users/(username|password_validation)\.cpp$')

# shellcheck disable=SC2086
{
rule "Beast and Asio belong to http/server.cpp (and Beast's parser to http/request_reader.cpp)" '#include <boost/(beast|asio)' $not_net
rule "http/request_reader.cpp parses bytes: sockets, timers and coroutines stay in http/server.cpp" '#include <boost/(asio/[^b]|beast/(core|websocket))' src/http/request_reader.cpp
rule "sqlite3.h belongs to storage/sqlite/ only" '#include <sqlite3\.h>' $not_sqlite
rule "libpq belongs to storage/postgres/ only" '#include <(libpq-fe|libpq-events|pg_config[a-z_]*|postgres_ext)\.h>' $not_postgres
rule "core/ is std-only" '#include <(boost|openssl|sodium|sqlite3|libpq)' $core
rule "headers use boost/json/fwd.hpp at most" '#include <boost/json/(value|parse|serialize|object|array)' $headers
rule "services, models and repositories know nothing of HTTP, JSON, serializers or SQL" '#include (<boost/json|"http/|"serializers/|<sqlite3|"storage/)' $domain
rule "HTTP types stop at handlers: in tasks/, users/ and auth/ only *_handler(s).* see http/" '#include "http/' $not_handlers
rule "storage implements repositories and stores: no handlers or services" '#include "[a-z_]+/[a-z_]*(_handlers?|_service)\.hpp"' $storage
rule "OpenSSL belongs to auth/ (JWT signatures)" '#include <openssl' $not_auth
rule "libsodium belongs to passwords/ (Argon2id)" '#include <sodium' $not_passwords
rule "libunistring belongs to users/username.cpp and users/password_validation.cpp" \
    '#include <(unistr|uninorm|unitypes|unicase|unictype|uniconv|unigbrk|unilbrk|uniname|unistdio|uniwbrk|uniwidth|unistring/[a-z_]+)\.h>' \
    $not_unicode
}
exit $status
