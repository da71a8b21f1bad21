#!/usr/bin/env bash
# The layering lint catches what it is meant to: each case breaks one rule in a copy of src/
# and expects scripts/check_includes.sh to fail naming it; the untouched copy must pass.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
lint="$root/scripts/check_includes.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fresh_copy() {
    rm -rf "$work/src"
    cp -r "$root/src" "$work/src"
}

# expect_caught NAME EXPECTED_TEXT: the lint fails on the copy and says EXPECTED_TEXT.
expect_caught() {
    local name=$1 expected=$2 output
    output=$("$lint" "$work")
    local rc=$?
    if [ $rc -ne 1 ] || ! grep -qF -- "$expected" <<<"$output"; then
        echo "FAIL: $name: exit $rc, expected 1 and \"$expected\" in:"
        echo "$output" | sed 's/^/  /'
        failures=$((failures + 1))
    else
        echo "ok: $name"
    fi
}

# add_include FILE LINE: puts LINE before the first #include of src/FILE in the copy.
add_include() {
    sed -i "0,/^#include/s||$2\n&|" "$work/src/$1"
}

fresh_copy
if ! "$lint" "$work" >/dev/null; then
    echo "FAIL: the untouched tree is refused"
    failures=$((failures + 1))
fi

fresh_copy
add_include http/error_response.cpp '#include "auth/token_service.hpp"'
expect_caught "http including auth" "src/http/ may include only core"

fresh_copy
add_include users/user_service.hpp '#include "auth/authenticator.hpp"'
expect_caught "users including auth" "src/users/ may include only core passwords http"

fresh_copy
add_include passwords/password_hasher.hpp '#include "users/user.hpp"'
expect_caught "passwords including users" "src/passwords/ may include only core"

fresh_copy
add_include core/result.hpp '#include "serializers/fields.hpp"'
expect_caught "core including another folder" "src/core/ may include only itself"

fresh_copy
add_include tasks/task_service.hpp '#include "serializers/fields.hpp"'
expect_caught "a service including serializers" "services, models and repositories"

fresh_copy
add_include auth/token_service.cpp '#include "http/request.hpp"'
expect_caught "auth beyond its handlers including http" "HTTP types stop at handlers"

fresh_copy
add_include storage/open_storage.cpp '#include "tasks/task_service.hpp"'
expect_caught "storage including a service" "storage implements repositories"

fresh_copy
add_include users/user_service.cpp '#include <sodium.h>'
expect_caught "libsodium outside passwords" "libsodium belongs to passwords/"

fresh_copy
add_include storage/open_storage.cpp '#include <libpq-fe.h>'
expect_caught "libpq outside storage/postgres" "libpq belongs to storage/postgres/"

fresh_copy
mkdir "$work/src/newfolder"
echo '#include "core/result.hpp"' >"$work/src/newfolder/thing.hpp"
expect_caught "a folder without a rule" "src/newfolder/ has no line"

exit $((failures > 0))
