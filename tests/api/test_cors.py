"""CORS as django-cors-headers 3.14 does it (TASKAPI_CORS_ALLOWED_ORIGINS,
TASKAPI_CORS_ALLOW_CREDENTIALS). The expected answers are what the DRF reference answers with
DJANGO_FEATURES=1 and the same settings (docs/api.md, CORS)."""
import pytest

from apihelpers import NOT_PROVIDED, compact, raw_exchange, show

ORIGIN = "http://localhost:5173"
OTHER = "http://evil.example"
ALLOW_HEADERS = ("accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, "
                 "x-csrftoken, x-requested-with")
ALLOW_METHODS = "DELETE, GET, OPTIONS, PATCH, POST, PUT"


def cors_headers(r):
    """The Access-Control-* headers in the order they came."""
    return [(k, v) for k, v in r.raw.headers.items() if k.lower().startswith("access-control-")]


def allowed(origin, options=False, credentials=False):
    out = [("Access-Control-Allow-Credentials", "true")] if credentials else []
    out.append(("Access-Control-Allow-Origin", origin))
    if options:
        out += [("Access-Control-Allow-Headers", ALLOW_HEADERS),
                ("Access-Control-Allow-Methods", ALLOW_METHODS),
                ("Access-Control-Max-Age", "86400")]
    return out


def preflight(srv, path="/api/tasks/", origin=ORIGIN, method="POST", headers=None):
    h = {"Access-Control-Request-Method": method,
         "Access-Control-Request-Headers": "authorization,content-type"}
    if origin is not None:
        h["Origin"] = origin
    h.update(headers or {})
    return srv.options(path, headers=h)


def assert_preflight(r, expected_cors):
    assert r.status_code == 200, show(r)
    assert r.content == b"", show(r)
    assert r.headers.get("Content-Type") == "text/html; charset=utf-8", show(r)
    assert r.headers.get("Content-Length") == "0", show(r)
    assert r.headers.get("Vary") == "Origin", show(r)
    assert "Allow" not in r.headers, show(r)
    assert cors_headers(r) == expected_cors, show(r)


@pytest.fixture(scope="module")
def listed(request):
    from conftest import make_server
    srv = make_server(env={"TASKAPI_CORS_ALLOWED_ORIGINS": ORIGIN + ", https://app.example.com"})
    yield srv
    srv.stop()
    srv.cleanup()


def test_preflight_from_an_allowed_origin_is_answered_before_authentication(listed):
    assert_preflight(preflight(listed), allowed(ORIGIN, options=True))
    assert_preflight(preflight(listed, origin="https://app.example.com", method="DELETE"),
                     allowed("https://app.example.com", options=True))


def test_preflight_from_another_origin_or_none_is_200_without_cors_headers(listed):
    # django-cors-headers answers every preflight itself; only the headers tell the browser no.
    assert_preflight(preflight(listed, origin=OTHER), [])
    assert_preflight(preflight(listed, origin=None), [])
    assert_preflight(preflight(listed, origin="null"), [])


def test_preflight_on_any_path_and_before_the_host_check(listed):
    assert_preflight(preflight(listed, path="/api/nope/"), allowed(ORIGIN, options=True))
    assert_preflight(preflight(listed, path="/api/tasks/1/", method="PATCH"),
                     allowed(ORIGIN, options=True))
    assert_preflight(preflight(listed, headers={"Host": "evil.example"}),
                     allowed(ORIGIN, options=True))


def test_what_makes_a_preflight(listed):
    # The header's presence, even empty; only with OPTIONS.
    assert_preflight(preflight(listed, method=""), allowed(ORIGIN, options=True))
    r = listed.post("/api/tasks/", {"title": "x"},
                    headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 401 and cors_headers(r) == allowed(ORIGIN), show(r)
    r = listed.options("/api/nope/", headers={"Origin": ORIGIN})
    assert r.status_code == 404 and r.headers.get("Vary") == "Origin", show(r)
    assert cors_headers(r) == allowed(ORIGIN, options=True), show(r)


def test_options_without_request_method_is_the_views_options(listed):
    r = listed.options("/api/tasks/", headers={"Origin": ORIGIN})
    assert r.status_code == 401 and r.content == compact(NOT_PROVIDED), show(r)
    assert r.headers.get("Vary") == "Accept, Origin", show(r)
    assert cors_headers(r) == allowed(ORIGIN, options=True), show(r)
    r = listed.options("/api/health/", headers={"Origin": ORIGIN})
    assert r.status_code == 200 and r.json()["name"] == "Health Check", show(r)
    assert cors_headers(r) == allowed(ORIGIN, options=True), show(r)


def test_actual_answers_to_an_allowed_origin_carry_allow_origin(listed):
    token = listed.login("alice")["access"]
    for r in (listed.get("/api/tasks/", headers={"Origin": ORIGIN}),  # 401
              listed.get("/api/tasks/", token, headers={"Origin": ORIGIN}),  # 200
              listed.get("/api/health/", headers={"Origin": ORIGIN}),
              listed.send("POST", "/api/auth/token/", "{bad", headers={"Origin": ORIGIN}),  # 400
              listed.get("/api/tasks/999/", token, headers={"Origin": ORIGIN})):  # 404
        assert r.headers.get("Vary") == "Accept, Origin", show(r)
        assert cors_headers(r) == allowed(ORIGIN), show(r)
    r = listed.get("/api/tasks/", headers={"Origin": ORIGIN})
    assert r.status_code == 401 and r.content == compact(NOT_PROVIDED), show(r)
    # Outside the API views: unknown paths and APPEND_SLASH redirects.
    for path, status in (("/api/nope/", 404), ("/api/tasks", 301)):
        r = listed.get(path, headers={"Origin": ORIGIN})
        assert r.status_code == status, show(r)
        assert r.headers.get("Vary") == "Origin", show(r)
        assert cors_headers(r) == allowed(ORIGIN), show(r)


def test_other_origins_get_only_vary(listed):
    for headers in ({"Origin": OTHER}, {}, {"Origin": ""}, {"Origin": "null"},
                    {"Origin": "http://[::1"}, {"Origin": "https://localhost:5173"},
                    {"Origin": "http://localhost:5174"}, {"Origin": "localhost:5173"}):
        r = listed.get("/api/tasks/", headers=headers)
        assert r.status_code == 401, show(r)
        assert r.headers.get("Vary") == "Accept, Origin", show(r)
        assert cors_headers(r) == [], show(r)


def test_origins_compare_as_django_cors_headers_compares_them(listed):
    # The scheme and the authority (urlsplit's): the scheme without case, a path ignored; the
    # origin is echoed as sent.
    for origin in ("HTTP://localhost:5173", "http://localhost:5173/", "http://localhost:5173/x"):
        r = listed.get("/api/health/", headers={"Origin": origin})
        assert cors_headers(r) == allowed(origin), show(r)


def test_answers_made_outside_the_router_carry_allow_origin_when_the_header_was_read(listed):
    head = ("POST /api/tasks/ HTTP/1.1\r\nHost: localhost\r\nOrigin: %s\r\n"
            "Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n" % ORIGIN)
    status, headers, _ = raw_exchange(listed.port, head.encode())
    assert status == 413, headers
    assert headers.get("access-control-allow-origin") == ORIGIN, headers
    assert headers.get("vary") == "Origin", headers
    head = ("POST /api/tasks/ HTTP/1.1\r\nHost: localhost\r\nOrigin: %s\r\n"
            "Transfer-Encoding: chunked\r\n\r\nzz\r\n" % ORIGIN)
    status, headers, _ = raw_exchange(listed.port, head.encode())
    assert status == 400, headers
    assert headers.get("access-control-allow-origin") == ORIGIN, headers
    # Headers too large: with the Origin line read before the limit was reached, or not.
    for first, allow_origin in ((True, ORIGIN), (False, None)):
        fields = ["Origin: " + ORIGIN, "X-Big: " + "a" * 20000]
        if not first:
            fields.reverse()
        head = "GET /api/health/ HTTP/1.1\r\nHost: localhost\r\n%s\r\n\r\n" % "\r\n".join(fields)
        status, headers, _ = raw_exchange(listed.port, head.encode())
        assert status == 431, headers
        assert headers.get("access-control-allow-origin") == allow_origin, headers


def test_credentials(server_factory):
    srv = server_factory(env={"TASKAPI_CORS_ALLOWED_ORIGINS": ORIGIN,
                              "TASKAPI_CORS_ALLOW_CREDENTIALS": "true"})
    assert_preflight(preflight(srv), allowed(ORIGIN, options=True, credentials=True))
    r = srv.get("/api/tasks/", headers={"Origin": ORIGIN})
    assert cors_headers(r) == allowed(ORIGIN, credentials=True), show(r)
    # As django-cors-headers: Allow-Credentials for any well-formed origin, Allow-Origin only
    # for an allowed one (without it a browser reads nothing).
    for origin in (OTHER, "null"):
        r = srv.get("/api/tasks/", headers={"Origin": origin})
        assert cors_headers(r) == [("Access-Control-Allow-Credentials", "true")], show(r)
        assert_preflight(preflight(srv, origin=origin),
                         [("Access-Control-Allow-Credentials", "true")])
    for headers in ({}, {"Origin": ""}, {"Origin": "http://[::1"}):
        assert cors_headers(srv.get("/api/tasks/", headers=headers)) == []


def test_any_origin(server_factory):
    srv = server_factory(env={"TASKAPI_CORS_ALLOWED_ORIGINS": "*"})
    for origin in (ORIGIN, OTHER, "null", "HTTP://x.test/"):
        assert_preflight(preflight(srv, origin=origin), allowed("*", options=True))
        r = srv.get("/api/tasks/", headers={"Origin": origin})
        assert r.headers.get("Vary") == "Accept, Origin", show(r)
        assert cors_headers(r) == allowed("*"), show(r)
    for headers in ({}, {"Origin": ""}, {"Origin": "http://[::1"}):
        assert cors_headers(srv.get("/api/tasks/", headers=headers)) == []
    assert_preflight(preflight(srv, origin=None), [])


def test_any_origin_with_credentials_echoes_the_origin_never_star(server_factory):
    srv = server_factory(env={"TASKAPI_CORS_ALLOWED_ORIGINS": "*",
                              "TASKAPI_CORS_ALLOW_CREDENTIALS": "true"})
    for origin in (ORIGIN, OTHER, "null"):
        assert_preflight(preflight(srv, origin=origin),
                         allowed(origin, options=True, credentials=True))
        r = srv.get("/api/health/", headers={"Origin": origin})
        assert cors_headers(r) == allowed(origin, credentials=True), show(r)


def test_off_by_default(server):
    r = server.get("/api/tasks/", headers={"Origin": ORIGIN})
    assert r.headers.get("Vary") == "Accept" and cors_headers(r) == [], show(r)
    r = preflight(server)  # no CORS: the view's OPTIONS, which needs a token here
    assert r.status_code == 401 and cors_headers(r) == [], show(r)
    r = server.get("/api/nope/", headers={"Origin": ORIGIN})
    assert "Vary" not in r.headers and cors_headers(r) == [], show(r)


@pytest.mark.parametrize("env", [
    {"TASKAPI_CORS_ALLOWED_ORIGINS": "localhost:5173"},
    {"TASKAPI_CORS_ALLOWED_ORIGINS": "http://localhost:5173/"},
    {"TASKAPI_CORS_ALLOWED_ORIGINS": "https://app.example.com/app"},
    {"TASKAPI_CORS_ALLOWED_ORIGINS": "https://app.example.com?x=1"},
    {"TASKAPI_CORS_ALLOWED_ORIGINS": "http://localhost:port"},
    {"TASKAPI_CORS_ALLOWED_ORIGINS": "*, http://localhost:5173"},
    {"TASKAPI_CORS_ALLOW_CREDENTIALS": "yes"},
])
def test_a_bad_setting_stops_start_up(server_factory, env):
    srv = server_factory(start=False)
    res = srv.cli("serve", "--port", "0", env=env, timeout=10)
    assert res.returncode == 1, res.stdout + res.stderr
    assert next(iter(env)) in res.stderr, res.stderr


def test_an_answer_made_by_the_servers_catch_site_carries_allow_origin(server_factory):
    """A write held past the database's timeout: the exception becomes 500 (SQLite) or 503
    (PostgreSQL) outside the router, with the CORS headers all the same."""
    from test_database_execution import WriteLock
    srv = server_factory(env={"TASKAPI_CORS_ALLOWED_ORIGINS": ORIGIN, "TASKAPI_DB_THREADS": "2"})
    token = srv.login("alice")["access"]
    lock = WriteLock(srv)
    try:
        body = b'{"title":"never"}'
        head = ("POST /api/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: %s\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (ORIGIN, token, len(body))).encode()
        status, headers, _ = raw_exchange(srv.port, head + body, timeout=60)
    finally:
        lock.release()
    assert status == (503 if srv.pg_database else 500), headers
    assert headers.get("access-control-allow-origin") == ORIGIN, headers
    assert headers.get("vary") == "Origin", headers
