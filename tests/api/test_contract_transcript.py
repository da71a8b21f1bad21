"""The DRF reference's own catalogue of 206 exchanges, replayed against taskapi.

capture.py (beside the repository in ../shared/reference/drf/) sends the same requests the
reference transcript contract.txt was recorded from; the two transcripts must agree exchange by
exchange, apart from the deliberate differences of docs/decisions/001, which are checked for
what taskapi answers instead. Skipped when the reference folder is not there.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from apihelpers import REPO, SECRET_KEY

REFERENCE = Path(REPO).parent / "shared" / "reference" / "drf"
CAPTURE = REFERENCE / "capture.py"
CONTRACT = REFERENCE / "contract.txt"

pytestmark = pytest.mark.skipif(not (CAPTURE.is_file() and CONTRACT.is_file()),
                                reason="the DRF reference (../shared/reference/drf) is not present")

HEADER_RE = re.compile(r"^=== \[(\d{3})\] (\S+) ===$")

# exchange name -> (status line taskapi gives, prefix of taskapi's body line or None)
DELIBERATE = {
    # HTML from the browsable API: taskapi answers JSON (difference 5).
    "root.get.auth.html": ("< 200 OK", '< body(json): {"tasks":'),
    "url.list.suffix.api": ("< 200 OK", "< body(json): ["),
    "url.list.format_param.api": ("< 200 OK", "< body(json): ["),
    "url.list.accept_html": ("< 200 OK", "< body(json): ["),
    "url.list.accept_browser": ("< 200 OK", "< body(json): ["),
    "url.list.accept_html.noauth": ("< 401 Unauthorized",
                                    '< body(json): {"detail":"Authentication credentials were not provided."}'),
    # 308 keeps POST a POST (difference 3).
    "token.no_slash": ("< 308 Permanent Redirect", "< body: <empty>"),
    "url.list.no_slash.post": ("< 308 Permanent Redirect", "< body: <empty>"),
    # Refresh checks that the user still exists (difference 2).
    "refresh.unknown_user": ("< 401 Unauthorized",
                             '< body(json): {"detail":"Token is invalid or expired","code":"token_not_valid"}'),
    # DRF's 500s become 4xx (difference 1).
    "auth.crafted_user_id_non_numeric": (
        "< 401 Unauthorized",
        '< body(json): {"detail":"Token contained no recognizable user identification","code":"token_not_valid"}'),
    "tasks.retrieve.int64_max_plus_1": ("< 404 Not Found", '< body(json): {"detail":"Not found."}'),
    "tasks.retrieve.huge": ("< 404 Not Found", '< body(json): {"detail":"Not found."}'),
    # Unknown URLs answer JSON (difference 4).
    "url.unknown.under_api": ("< 404 Not Found", '< body(json): {"detail":"Not found."}'),
    "url.unknown.under_api.no_slash": ("< 404 Not Found", '< body(json): {"detail":"Not found."}'),
    "url.unknown.detail_child": ("< 404 Not Found", '< body(json): {"detail":"Not found."}'),
    "url.unknown.outside": ("< 404 Not Found", '< body(json): {"detail":"Not found."}'),
    "url.unknown.site_root": ("< 404 Not Found", '< body(json): {"detail":"Not found."}'),
    "url.unknown.post_outside": ("< 404 Not Found", '< body(json): {"detail":"Not found."}'),
    # The list's ?completed=, ?search= and ?ordering= apply, as in the reference with
    # DJANGO_FEATURES=1, whose answer this is (difference 29).
    "tasks.list.query_params_ignored": ("< 200 OK", "< body(json): []"),
    # The reason after "JSON parse error - " is free text (difference 8).
    "token.malformed_json": ("< 400 Bad Request", '< body(json): {"detail":"JSON parse error - '),
    "tasks.create.malformed_json": ("< 400 Bad Request", '< body(json): {"detail":"JSON parse error - '),
    "tasks.create.trailing_comma_json": ("< 400 Bad Request", '< body(json): {"detail":"JSON parse error - '),
    "tasks.create.nan_json": ("< 400 Bad Request", '< body(json): {"detail":"JSON parse error - '),
    "tasks.create.invalid_utf8": ("< 400 Bad Request", '< body(json): {"detail":"JSON parse error - '),
}

# Headers that differ by design (difference 6; X-Request-ID: difference 3X (accesslog), checked
# by test_access_log.py) or by server: not compared.
IGNORED_HEADERS = ("< Connection:", "< Server:", "< Date:", "< X-Request-ID:")

# Every answer of the token endpoints carries this header and DRF's do not (difference 12):
# checked by test_token_answers_are_never_stored, then left out of the comparison.
NO_STORE = "< Cache-Control: no-store"
TOKEN_REQUEST_RE = re.compile(r"^> [A-Z]+ /api/auth/token/(refresh/)?(\?.*)?$")


def is_token_exchange(lines):
    return any(TOKEN_REQUEST_RE.match(line) for line in lines)


def parse_transcript(text):
    """name -> list of normalized lines of that exchange."""
    exchanges = {}
    current = None
    for line in text.splitlines():
        if line.startswith("~"):
            continue
        m = HEADER_RE.match(line)
        if m:
            current = m.group(2)
            exchanges[current] = []
            continue
        if current is None or line.startswith("#") or line.startswith(IGNORED_HEADERS):
            continue
        # An access token from /refresh/ copies the refresh token's iat: exp-iat depends on how
        # old the refresh token was when the catalogue ran.
        if current.startswith("refresh."):
            line = line.replace("exp-iat=300s+(age of the refresh token: iat is copied from it)",
                                "exp-iat=300s")
        exchanges[current].append(line)
    for name, lines in exchanges.items():
        # The base URL's length (its port) changes Content-Length where the body holds it.
        if any("<base>" in line for line in lines):
            exchanges[name] = [line for line in lines if not line.startswith("< Content-Length:")]
        while exchanges[name] and exchanges[name][-1] == "":
            exchanges[name].pop()
    return exchanges


@pytest.fixture(scope="module")
def transcripts(server):
    srv = server
    out = srv.dir / "taskapi-transcript.txt"
    env = dict(os.environ, DJANGO_SECRET_KEY=SECRET_KEY, PYTHONDONTWRITEBYTECODE="1")
    res = subprocess.run([sys.executable, str(CAPTURE), srv.base_url, "--out", str(out)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, "capture.py failed:\n%s\n%s\nserver log:\n%s" % (
        res.stdout, res.stderr, srv.log[-4000:])
    reference = parse_transcript(CONTRACT.read_text(encoding="utf-8"))
    ours = parse_transcript(out.read_text(encoding="utf-8"))
    no_store = {name for name, lines in ours.items() if NO_STORE in lines}
    ours = {name: [line for line in lines if line != NO_STORE] for name, lines in ours.items()}
    return reference, ours, no_store


def test_every_exchange_was_replayed(transcripts):
    reference, ours, _no_store = transcripts
    assert len(reference) == 206
    assert list(ours) == list(reference)


def test_exchanges_match_the_drf_transcript(transcripts):
    reference, ours, _no_store = transcripts
    mismatches = []
    for name, expected in reference.items():
        if name in DELIBERATE:
            continue
        if ours.get(name) != expected:
            mismatches.append("%s\n  DRF:     %s\n  taskapi: %s" % (
                name, "\n           ".join(expected), "\n           ".join(ours.get(name, []))))
    assert not mismatches, "%d exchanges differ:\n%s" % (len(mismatches), "\n".join(mismatches))


@pytest.mark.parametrize("name", sorted(DELIBERATE))
def test_deliberate_differences(transcripts, name):
    _reference, ours, _no_store = transcripts
    status, body_prefix = DELIBERATE[name]
    lines = ours[name]
    assert status in lines, "%s: expected %r in\n%s" % (name, status, "\n".join(lines))
    body = [line for line in lines if line.startswith("< body")]
    assert body and body[0].startswith(body_prefix), "%s: body %r" % (name, body)


def test_token_answers_are_never_stored(transcripts):
    """RFC 6749 5.1: every answer of the token endpoints (errors and OPTIONS included) says
    Cache-Control: no-store; no other answer does (difference 12)."""
    reference, _ours, no_store = transcripts
    token_exchanges = {name for name, lines in reference.items() if is_token_exchange(lines)}
    assert len(token_exchanges) == 33, sorted(token_exchanges)
    assert no_store == token_exchanges, sorted(no_store ^ token_exchanges)
