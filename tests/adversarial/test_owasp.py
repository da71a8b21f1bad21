"""OWASP API Security Top 10 (2023) against the real server.

API1 broken object level authorization: every verb on another user's task, under every spelling
     of its URL, is 404 (OPTIONS: 200 without "actions"), answers exactly as for a task that does
     not exist, and changes nothing (the owner's view is compared byte for byte before and after).
API3 broken object property level authorization: `owner`, `id`, `created_at`, `updated_at` (and
     look-alikes) in POST, PUT and PATCH bodies are ignored, in JSON, form and multipart bodies.
     No answer ever carries a password hash or the signing key (conftest.py scans every answer).
API2 broken authentication: login answers for an unknown user, a wrong password and an inactive
     user are byte-identical apart from Date. (Timing is deliberately not asserted here.)
API5/API9: no user or admin listing, no unexpected versions of the API.
"""
import json

import pytest

from advhelpers import Conn, request_bytes, without_date
from apihelpers import (
    ALLOW_DETAIL, ALLOW_LIST, ALLOW_TOKEN, LOGIN_FAILED, NOT_FOUND, OPTIONS_TASK_DETAIL,
    OPTIONS_TASK_DETAIL_NO_ACTIONS, assert_api_headers, assert_json, assert_task, compact,
    parse_dt, show,
)

# ivan (id 3) is inactive
EXTRA_USERS = [("ivan", "ivan-password-1", {"inactive": True})]
SERVER_ENV = {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "off",
              "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS": "off",
              "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME": "off"}

L = "/api/tasks/"
FORM = "application/x-www-form-urlencoded"
OLD = "2000-01-01T00:00:00Z"


def path(task_id):
    return "/api/tasks/%d/" % task_id


@pytest.fixture
def alices_task(server, alice):
    return server.create_task(alice, "Alice's secret", description="only mine", completed=True)


@pytest.fixture
def bobs_task(server, bob):
    return server.create_task(bob, "Bob's own", description="bob's")


def owner_view(server, token):
    """Everything the owner can see: the list, byte for byte."""
    r = server.get(L, token)
    assert r.status_code == 200, show(r)
    return r.content


# ---------------------------------------------------------------------------- API1: BOLA
URL_SPELLINGS = {
    "plain": "/api/tasks/{id}/",
    "json-suffix": "/api/tasks/{id}.json",
    "format-query": "/api/tasks/{id}/?format=json",
    "owner-query": "/api/tasks/{id}/?owner=2&user=2&user_id=2",
    "percent-encoded": "/api/tasks/{pct}/",
    "leading-zero": "/api/tasks/0{id}/",
    "double-slash": "/api/tasks//{id}/",
}

BODIES = {
    "GET": [None],
    "HEAD": [None],
    "DELETE": [None],
    "OPTIONS": [None],
    "PUT": [{"title": "hijacked", "description": "x", "completed": False, "owner": 2},
            {"title": "hijacked"}, "{", {"title": ""}],
    "PATCH": [{"title": "hijacked"}, {"owner": 2}, {"completed": "maybe"}, "null"],
}


def spell(template, task_id):
    pct = "".join("%%%02X" % ord(c) for c in str(task_id))
    return template.format(id=task_id, pct=pct)


def check_not_found(r, method):
    if method == "OPTIONS":
        assert_json(r, 200, OPTIONS_TASK_DETAIL_NO_ACTIONS, allow=ALLOW_DETAIL)
    elif method == "HEAD":
        assert r.status_code == 404, show(r)
        assert r.content == b"", show(r)
        assert r.headers.get("Content-Length") == str(len(compact(NOT_FOUND))), show(r)
        assert_api_headers(r, ALLOW_DETAIL)
    else:
        assert_json(r, 404, NOT_FOUND, allow=ALLOW_DETAIL)


@pytest.mark.parametrize("spelling", list(URL_SPELLINGS))
@pytest.mark.parametrize("method", list(BODIES))
def test_every_verb_on_another_users_task_is_404_and_changes_nothing(
        server, alice, bob, alices_task, bobs_task, method, spelling):
    before_alice = owner_view(server, alice)
    before_bob = owner_view(server, bob)
    url = spell(URL_SPELLINGS[spelling], alices_task["id"])
    if spelling == "double-slash":
        # not a task URL at all: must not reach the task either way
        for body in BODIES[method]:
            r = server.send(method, url, body, bob, ctype="application/json" if body is not None else None)
            assert r.status_code in (301, 308, 404) or (method == "OPTIONS" and r.status_code == 200), show(r)
            assert b"secret" not in r.content and b"only mine" not in r.content, show(r)
    else:
        for body in BODIES[method]:
            r = server.send(method, url, body, bob, ctype="application/json" if body is not None else None)
            check_not_found(r, method)
            assert b"secret" not in r.content, show(r)
    assert owner_view(server, alice) == before_alice
    assert owner_view(server, bob) == before_bob
    r = server.get(path(alices_task["id"]), alice)
    assert r.status_code == 200 and r.json() == alices_task, show(r)


@pytest.mark.parametrize("method", list(BODIES))
def test_another_users_task_answers_like_a_missing_one(server, bob, alices_task, method):
    # no existence oracle: bob cannot tell alice's task from an id that was never used
    missing = alices_task["id"] + 100000
    for body in BODIES[method]:
        ctype = "application/json" if body is not None else None
        with_task = server.send(method, path(alices_task["id"]), body, bob, ctype=ctype)
        without = server.send(method, path(missing), body, bob, ctype=ctype)
        assert with_task.status_code == without.status_code, (show(with_task), show(without))
        assert with_task.content == without.content, (show(with_task), show(without))
        strip = lambda h: {k: v for k, v in h.items() if k not in ("Date", "X-Request-ID")}  # noqa: E731
        assert strip(with_task.headers) == strip(without.headers), (show(with_task), show(without))


def test_owner_still_has_full_access(server, alice, alices_task):
    # the same URLs work for the owner, so the 404s above are about ownership, not the URL
    assert_json(server.options(path(alices_task["id"]), alice), 200, OPTIONS_TASK_DETAIL, allow=ALLOW_DETAIL)
    for template in ("plain", "json-suffix", "format-query", "percent-encoded"):
        r = server.get(spell(URL_SPELLINGS[template], alices_task["id"]), alice)
        assert r.status_code == 200 and r.json() == alices_task, show(r)


@pytest.mark.parametrize("query", ["owner=1", "owner__id=1", "user=1", "user_id=1", "id=1",
                                   "owner=1&owner=2", "pk=1", "all=true",
                                   "format=json&owner=1"])
def test_list_filters_never_widen_the_list(server, alice, bob, alices_task, bobs_task, query):
    plain = server.get(L, bob)
    r = server.get(L + "?" + query, bob)
    assert r.status_code == 200, show(r)
    assert r.content == plain.content, show(r)
    assert all(t["owner"] == 2 for t in r.json())


@pytest.mark.parametrize("query", ["search=secret", "search=%25", "search=_", "completed=false",
                                   "completed=true", "ordering=owner", "ordering=-id,owner_id",
                                   "search=%27%20OR%201%3D1%20--", "page=2", "page_size=1000"])
def test_list_parameters_that_narrow_never_widen_the_list(server, alice, bob, alices_task,
                                                            bobs_task, query):
    """?search=, ?completed= and ?ordering= select among bob's own tasks only (docs/api.md)."""
    plain = server.get(L, bob).json()
    r = server.get(L + "?" + query, bob)
    assert r.status_code == 200, show(r)
    assert all(t in plain for t in r.json()), show(r)
    assert all(t["owner"] == 2 for t in r.json())


def test_delete_by_another_user_leaves_the_task(server, alice, bob, alices_task):
    for _ in range(3):
        assert_json(server.delete(path(alices_task["id"]), bob), 404, NOT_FOUND, allow=ALLOW_DETAIL)
    r = server.get(path(alices_task["id"]), alice)
    assert r.status_code == 200 and r.json() == alices_task, show(r)


def test_put_on_another_users_task_does_not_create_one(server, alice, bob, alices_task):
    before = owner_view(server, bob)
    r = server.put(path(alices_task["id"]), {"title": "mine now"}, bob)
    assert_json(r, 404, NOT_FOUND, allow=ALLOW_DETAIL)
    r = server.put(path(alices_task["id"] + 100000), {"title": "mine now"}, bob)
    assert_json(r, 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert owner_view(server, bob) == before


# ---------------------------------------------------------------------------- API3: properties
READ_ONLY = {"id": 99999, "owner": 2, "created_at": OLD, "updated_at": OLD}
LOOK_ALIKES = {"owner_id": 2, "user": 2, "user_id": 2, "Owner": 2, "OWNER": 2, "pk": 99998}


def assert_no_task(server, token, task_id):
    assert_json(server.get(path(task_id), token), 404, NOT_FOUND)


def check_created(server, alice, bob, r, title):
    data = assert_task(r, 201, title=title, owner=1, allow=ALLOW_LIST)
    assert data["id"] not in (99999, 99998)
    assert parse_dt(data["created_at"]).year > 2000
    assert data["id"] not in [t["id"] for t in server.get(L, bob).json()]
    assert_no_task(server, alice, 99999)
    assert_no_task(server, bob, 99999)
    return data


@pytest.mark.parametrize("extra", [READ_ONLY, LOOK_ALIKES,
                                   {"owner": {"id": 2}}, {"owner": "2"}, {"owner": None},
                                   {"owner": [2]}, {"id": "99999"}, {"id": None}],
                         ids=lambda e: ",".join(e))
def test_post_json_ignores_read_only_fields(server, alice, bob, extra):
    body = {"title": "mass assignment"}
    body.update(extra)
    check_created(server, alice, bob, server.post(L, body, alice), "mass assignment")


def test_post_form_ignores_read_only_fields(server, alice, bob):
    body = "title=form+mass&owner=2&id=99999&created_at=2000-01-01T00%3A00%3A00Z&updated_at=x&user_id=2"
    check_created(server, alice, bob, server.post(L, body, alice, ctype=FORM), "form mass")


def test_post_multipart_ignores_read_only_fields(server, alice, bob):
    fields = [("title", "multipart mass"), ("owner", "2"), ("id", "99999"), ("created_at", OLD),
              ("updated_at", OLD)]
    body = "".join('--XyZ\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % f for f in fields)
    body += "--XyZ--\r\n"
    r = server.post(L, body, alice, ctype="multipart/form-data; boundary=XyZ")
    check_created(server, alice, bob, r, "multipart mass")


def check_unchanged_identity(r, task, title, description, completed):
    data = assert_task(r, 200, title=title, description=description, completed=completed, owner=1,
                       id=task["id"], allow=ALLOW_DETAIL)
    assert data["created_at"] == task["created_at"], (data, task)
    assert parse_dt(data["updated_at"]) >= parse_dt(task["updated_at"])
    return data


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("encoding", ["json", "form"])
def test_put_and_patch_ignore_read_only_fields(server, alice, bob, alices_task, bobs_task, method, encoding):
    body = {"title": "renamed", "description": "d", "completed": "false"}
    body.update(READ_ONLY)
    body.update(LOOK_ALIKES)
    body["id"] = bobs_task["id"]           # aim at bob's task through the body
    bob_before = owner_view(server, bob)
    if encoding == "json":
        r = server.send(method, path(alices_task["id"]), body, alice)
    else:
        from urllib.parse import urlencode
        r = server.send(method, path(alices_task["id"]), urlencode(body), alice, ctype=FORM)
    data = check_unchanged_identity(r, alices_task, "renamed", "d", False)
    assert server.get(path(alices_task["id"]), alice).json() == data
    assert owner_view(server, bob) == bob_before
    assert_no_task(server, alice, 99999)


def test_patch_with_only_read_only_fields_changes_nothing_else(server, alice, alices_task):
    r = server.patch(path(alices_task["id"]), dict(READ_ONLY, **LOOK_ALIKES), alice)
    check_unchanged_identity(r, alices_task, "Alice's secret", "only mine", True)


def test_read_only_fields_in_a_list_are_ignored(server, alice, bob):
    # a body that is a list is refused as a whole; nothing is created for anybody
    before = owner_view(server, bob), owner_view(server, alice)
    r = server.post(L, [{"title": "x", "owner": 2}], alice)
    assert_json(r, 400, {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
    assert (owner_view(server, bob), owner_view(server, alice)) == before


# ---------------------------------------------------------------------------- API2: login answers
def raw_login(server, body, ctype="application/json"):
    if isinstance(body, dict):
        body = json.dumps(body)
    with Conn(server.port) as c:
        c.send(request_bytes("POST", "/api/auth/token/",
                             [("Content-Type", ctype), ("Connection", "close")], body))
        return c.answer()


FAILURES = {
    "unknown-user": {"username": "mallory", "password": "alice-password-1"},
    "wrong-password": {"username": "alice", "password": "alice-password-2"},
    "inactive-user-right-password": {"username": "ivan", "password": "ivan-password-1"},
    "inactive-user-wrong-password": {"username": "ivan", "password": "nope-nope-nope"},
    "case-changed-user": {"username": "ALICE", "password": "alice-password-1"},
    "long-unknown-user": {"username": "m" * 5000, "password": "x"},
    "unicode-unknown-user": {"username": "\u00e4lice", "password": "alice-password-1"},
    "hash-as-password": {"username": "alice", "password": "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB"},
    "long-password": {"username": "alice", "password": "p" * 100000},
}


def test_login_failures_are_byte_identical(server):
    answers = {name: raw_login(server, body) for name, body in FAILURES.items()}
    reference = answers["wrong-password"]
    assert reference.status == 401, reference
    assert reference.body == compact(LOGIN_FAILED), reference
    for name, a in answers.items():
        assert without_date(a.raw) == without_date(reference.raw), (name, a, reference)


def test_login_validation_errors_do_not_depend_on_the_user(server):
    # a NUL in the username is a validation error (400), the same for a user that exists or not
    a = raw_login(server, {"username": "alice\u0000", "password": "alice-password-1"})
    b = raw_login(server, {"username": "mallory\u0000", "password": "alice-password-1"})
    c = raw_login(server, {"username": "ivan\u0000", "password": "ivan-password-1"})
    assert a.status == 400 and a.json() == {"username": ["Null characters are not allowed."]}, a
    assert without_date(a.raw) == without_date(b.raw) == without_date(c.raw), (a, b, c)


def test_login_failures_in_form_bodies_are_identical_too(server):
    a = raw_login(server, "username=mallory&password=x", FORM)
    b = raw_login(server, "username=alice&password=x", FORM)
    c = raw_login(server, "username=ivan&password=ivan-password-1", FORM)
    assert a.status == 401 and a.body == compact(LOGIN_FAILED), a
    assert without_date(a.raw) == without_date(b.raw) == without_date(c.raw), (a, b, c)


def test_login_failure_headers(server):
    r = server.post("/api/auth/token/", FAILURES["unknown-user"])
    assert_json(r, 401, LOGIN_FAILED, allow=ALLOW_TOKEN)
    assert "Set-Cookie" not in r.headers, show(r)


# ---------------------------------------------------------------------------- leaks, inventory
def test_no_answer_exposes_a_hash_or_the_key(server, alice, alice_refresh, alices_task):
    """Exercises many answers; the session-wide scan in conftest.py does the checking."""
    urls = ["/api/", "/api/me/", "/api/me/?fields=password", "/api/me.json", "/api/tasks/",
            path(alices_task["id"]), "/api/health/", "/api/users/", "/api/users/1/",
            "/api/auth/", "/api/auth/token/", "/api/auth/users/", "/admin/", "/.env",
            "/api/.env", "/api/tasks/?format=api", "/api/me/?format=api"]
    for url in urls:
        for method in ("GET", "OPTIONS", "HEAD"):
            for token in (None, alice, "garbage"):
                r = server.request(method, url, token)
                assert r.status_code < 500, show(r)
    r = server.get("/api/me/", alice, headers={"Accept": "application/json; indent=4"})
    assert r.json() == {"id": 1, "username": "alice"}, show(r)
    r = server.post("/api/auth/token/refresh/", {"refresh": alice_refresh})
    assert r.status_code == 200 and list(r.json()) == ["access"], show(r)
    r = server.post("/api/auth/token/", {"username": "alice", "password": "alice-password-1"})
    assert r.status_code == 200 and list(r.json()) == ["refresh", "access"], show(r)
    # a task titled with the beginning of a hash is echoed, as data, and nothing more
    r = server.post(L, {"title": "argon2 is a hash"}, alice)
    assert r.status_code == 201, show(r)


@pytest.mark.parametrize("url", ["/api/users/", "/api/users/1/", "/api/v2/tasks/", "/api/v1/tasks/",
                                 "/admin/", "/api/admin/", "/api/auth/users/", "/api/tasks/all/",
                                 "/api/debug/", "/api/settings/", "/api/me/password/"])
def test_no_hidden_endpoints(server, alice, url):
    r = server.get(url, alice)
    assert_json(r, 404, NOT_FOUND)


def test_me_shows_only_id_and_username(server, alice):
    r = server.get("/api/me/", alice)
    assert r.content == b'{"id":1,"username":"alice"}', show(r)


# ---------------------------------------------------------------------------- API8: misconfiguration
def test_no_cors_grant_to_foreign_origins(server, alice):
    for r in (server.options(L, alice, headers={"Origin": "https://evil.example",
                                                "Access-Control-Request-Method": "DELETE",
                                                "Access-Control-Request-Headers": "authorization"}),
              server.get(L, alice, headers={"Origin": "https://evil.example"}),
              server.get(L, alice, headers={"Origin": "null"})):
        assert r.status_code == 200, show(r)
        assert not any(k.lower().startswith("access-control-") for k in r.headers), show(r)


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT", "PROPFIND", "DEBUG"])
def test_diagnostic_methods_do_not_echo_the_request(server, alice, method):
    r = server.request(method, "/api/health/", alice, headers={"X-Echo-Me": "marker-123"})
    assert r.status_code in (400, 405), show(r)
    assert b"marker-123" not in r.content and alice.encode() not in r.content, show(r)
    assert not any("marker-123" in v for v in r.headers.values()), show(r)


# ---------------------------------------------------------------------------- injection
@pytest.mark.parametrize("raw_id", ["1%20OR%201=1", "1'", "1%27%20OR%20%271%27=%271", "1;DROP%20TABLE%20tasks",
                                    "(SELECT%201)", "1e0", "0x1", "-1", "1.0", "%E2%91%A0",
                                    "99999999999999999999", "%00", "%20"])
def test_odd_task_ids_are_404(server, alice, alices_task, raw_id):
    before = owner_view(server, alice)
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = {"title": "x"} if method in ("PUT", "PATCH") else None
        r = server.send(method, "/api/tasks/%s/" % raw_id, body, alice,
                        ctype="application/json" if body else None)
        assert_json(r, 404, NOT_FOUND)
    assert owner_view(server, alice) == before


@pytest.mark.parametrize("title", ["'); DROP TABLE tasks;--", "\" OR \"\"=\"", "%s%s%s%n", "{{7*7}}",
                                   "${jndi:ldap://127.0.0.1:9/a}", "<script>alert(1)</script>",
                                   "../../../../etc/passwd", "\u202eevil", "a\\u0000b"])
def test_hostile_strings_are_stored_verbatim(server, alice, title):
    r = server.post(L, {"title": title, "description": title}, alice)
    data = assert_task(r, 201, title=title, description=title, owner=1, allow=ALLOW_LIST)
    assert server.get(path(data["id"]), alice).json() == data
    assert server.get(L, alice).status_code == 200
