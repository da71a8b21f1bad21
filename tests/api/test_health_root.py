"""GET /api/health/, the API root /api/ and /api/me/ (contract.txt [001]-[013], [069]-[078])."""
from urllib.parse import urljoin

import pytest

from apihelpers import (
    ALLOW_RO, BAD_AUTH_HEADER, NOT_PROVIDED, OPTIONS_HEALTH, OPTIONS_ME, OPTIONS_ROOT,
    assert_api_headers, assert_common_headers, assert_json, method_not_allowed, show, token_invalid,
)


# ---------------------------------------------------------------- health
def test_health_get(server):
    r = server.get("/api/health/")
    assert_json(r, 200, {"status": "ok"}, allow=ALLOW_RO)
    assert r.headers["Content-Length"] == "15"


def test_health_get_with_valid_token(server, alice):
    assert_json(server.get("/api/health/", alice), 200, {"status": "ok"}, allow=ALLOW_RO)


def test_health_get_with_garbage_token_is_401(server):
    # AllowAny does not skip authentication: a bad bearer token still fails
    r = server.get("/api/health/", headers={"Authorization": "Bearer garbage"})
    assert_json(r, 401, token_invalid(), allow=ALLOW_RO)


def test_health_get_with_bad_authorization_header_is_401(server):
    r = server.get("/api/health/", headers={"Authorization": "Bearer a b"})
    assert_json(r, 401, BAD_AUTH_HEADER, allow=ALLOW_RO)


def test_health_get_with_other_scheme_is_200(server):
    r = server.get("/api/health/", headers={"Authorization": "Token x"})
    assert_json(r, 200, {"status": "ok"}, allow=ALLOW_RO)


def test_health_post_is_405(server):
    r = server.post("/api/health/", "{}")
    assert_json(r, 405, method_not_allowed("POST"), allow=ALLOW_RO)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_health_other_methods_are_405(server, method):
    r = server.send(method, "/api/health/", "{}")
    assert_json(r, 405, method_not_allowed(method), allow=ALLOW_RO)


def test_health_head(server):
    g = server.get("/api/health/")
    r = server.head("/api/health/")
    assert r.status_code == 200, show(r)
    assert r.content == b""
    assert_api_headers(r, ALLOW_RO)
    assert r.headers["Content-Length"] == str(len(g.content)) == "15"


def test_health_options(server):
    assert_json(server.options("/api/health/"), 200, OPTIONS_HEALTH, allow=ALLOW_RO)


def test_health_no_slash_redirects(server):
    r = server.get("/api/health")
    assert r.status_code == 301, show(r)
    assert urljoin(server.base_url + "/", r.headers["Location"]) == server.url("/api/health/")
    assert r.content == b""
    assert_common_headers(r)


# ---------------------------------------------------------------- API root
def test_root_noauth_is_401(server):
    assert_json(server.get("/api/"), 401, NOT_PROVIDED, allow=ALLOW_RO)


def test_root_with_auth(server, alice):
    r = server.get("/api/", alice)
    assert_json(r, 200, {"tasks": server.url("/api/tasks/")}, allow=ALLOW_RO)


def test_root_url_is_built_from_host_header(server_factory):
    # TASKAPI_ALLOWED_HOSTS (default localhost,127.0.0.1,[::1]) must allow the host first.
    srv = server_factory(env={"TASKAPI_ALLOWED_HOSTS": "127.0.0.1,example.com"})
    r = srv.get("/api/", srv.login("alice")["access"], headers={"Host": "example.com:8080"})
    assert_json(r, 200, {"tasks": "http://example.com:8080/api/tasks/"}, allow=ALLOW_RO)


def test_a_host_that_is_not_allowed_is_a_bad_request(server, alice):
    r = server.get("/api/", alice, headers={"Host": "example.com:8080"})
    assert r.status_code == 400, show(r)
    assert r.content == b'{"detail":"Invalid Host header."}', show(r)
    assert_common_headers(r)
    # Load balancers probe the health check by IP address: it answers whatever the Host.
    assert_json(server.get("/api/health/", headers={"Host": "10.0.0.1:8000"}), 200, {"status": "ok"},
                allow=ALLOW_RO)


def test_root_format_suffix(server, alice):
    r = server.get("/api/.json", alice)
    assert_json(r, 200, {"tasks": server.url("/api/tasks.json")}, allow=ALLOW_RO)


def test_root_post_is_405(server, alice):
    assert_json(server.post("/api/", "{}", alice), 405, method_not_allowed("POST"), allow=ALLOW_RO)


def test_root_head(server, alice):
    g = server.get("/api/", alice)
    r = server.head("/api/", alice)
    assert r.status_code == 200, show(r)
    assert r.content == b""
    assert_api_headers(r, ALLOW_RO)
    assert r.headers["Content-Length"] == str(len(g.content))


def test_root_options(server, alice):
    assert_json(server.options("/api/", alice), 200, OPTIONS_ROOT, allow=ALLOW_RO)


def test_root_bad_token_is_401(server):
    r = server.get("/api/", headers={"Authorization": "Bearer garbage"})
    assert_json(r, 401, token_invalid(), allow=ALLOW_RO)


# ---------------------------------------------------------------- /api/me/
def test_me_alice(server, alice):
    r = server.get("/api/me/", alice)
    assert_json(r, 200, {"id": 1, "username": "alice"}, allow=ALLOW_RO)
    assert r.headers["Content-Length"] == "27"


def test_me_bob(server, bob):
    assert_json(server.get("/api/me/", bob), 200, {"id": 2, "username": "bob"}, allow=ALLOW_RO)


def test_me_noauth_is_401(server):
    assert_json(server.get("/api/me/"), 401, NOT_PROVIDED, allow=ALLOW_RO)


def test_me_post_is_405(server, alice):
    assert_json(server.post("/api/me/", "{}", alice), 405, method_not_allowed("POST"), allow=ALLOW_RO)


def test_me_post_noauth_is_401_before_405(server):
    assert_json(server.post("/api/me/", "{}"), 401, NOT_PROVIDED, allow=ALLOW_RO)


def test_me_options(server, alice):
    assert_json(server.options("/api/me/", alice), 200, OPTIONS_ME, allow=ALLOW_RO)


def test_me_head(server, alice):
    g = server.get("/api/me/", alice)
    r = server.head("/api/me/", alice)
    assert r.status_code == 200, show(r)
    assert r.content == b""
    assert_api_headers(r, ALLOW_RO)
    assert r.headers["Content-Length"] == str(len(g.content)) == "27"


def test_me_no_slash_redirects(server, alice):
    r = server.get("/api/me", alice)
    assert r.status_code == 301, show(r)
    assert urljoin(server.base_url + "/", r.headers["Location"]) == server.url("/api/me/")
    assert r.content == b""
