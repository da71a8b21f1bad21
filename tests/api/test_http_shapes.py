"""HTTP shapes: OPTIONS metadata, HEAD, 405, 406, 415, redirects, format suffixes, unknown URLs,
headers, keep-alive, request size limit (contract.txt [168]-[204] and API.md deliberate differences)."""
import http.client
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import pytest
import requests

from apihelpers import (
    ALLOW_DETAIL, ALLOW_LIST, ALLOW_RO, ALLOW_TOKEN, NOT_ACCEPTABLE, NOT_FOUND, NOT_PROVIDED,
    OPTIONS_TASK_DETAIL, OPTIONS_TASK_DETAIL_NO_ACTIONS, OPTIONS_TASK_LIST, TOO_LARGE,
    assert_api_headers, assert_common_headers, assert_json, assert_task, compact, dumps,
    method_not_allowed, raw_exchange, show, token_invalid, unsupported_media,
)

L = "/api/tasks/"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def t1(server, alice):
    return server.create_task(alice, "Buy milk", description="patched by form")


@pytest.fixture(scope="module")
def bob_t(server, bob):
    return server.create_task(bob, "Bob's task", description="private")


def D(t):
    return "/api/tasks/%d/" % t["id"]


# ---------------------------------------------------------------- OPTIONS
def test_options_list(server, alice):
    r = server.options(L, alice)
    assert_json(r, 200, OPTIONS_TASK_LIST, allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == "779"


def test_options_detail(server, alice, t1):
    r = server.options(D(t1), alice)
    assert_json(r, 200, OPTIONS_TASK_DETAIL, allow=ALLOW_DETAIL)
    assert r.headers["Content-Length"] == "782"


def test_options_detail_other_users_and_missing(server, alice, bob_t):
    for p in (D(bob_t), "/api/tasks/99999/", "/api/tasks/abc/"):
        r = server.options(p, alice)
        assert_json(r, 200, OPTIONS_TASK_DETAIL_NO_ACTIONS, allow=ALLOW_DETAIL)
        assert r.headers["Content-Length"] == "172"


def test_options_noauth_is_401(server):
    assert_json(server.options(L), 401, NOT_PROVIDED, allow=ALLOW_LIST)


# ---------------------------------------------------------------- HEAD
HEAD_COMPARED = ["Allow", "Content-Type", "Content-Length", "Vary", "X-Frame-Options",
                 "X-Content-Type-Options", "Referrer-Policy", "WWW-Authenticate"]


@pytest.mark.parametrize("p", [L, "detail", "/api/health/", "/api/me/", "/api/"])
def test_head_has_get_headers_and_no_body(server, alice, t1, p):
    p = D(t1) if p == "detail" else p
    g = server.get(p, alice)
    h = server.head(p, alice)
    assert g.status_code == h.status_code == 200, show(h)
    assert h.content == b""
    assert h.headers["Content-Length"] == str(len(g.content))
    for name in HEAD_COMPARED:
        assert h.headers.get(name) == g.headers.get(name), name


@pytest.mark.parametrize("p,auth_ok", [(L, False), ("/api/tasks/99999/", True), ("/api/tasks/abc/", True)])
def test_head_errors_have_get_headers_and_no_body(server, alice, p, auth_ok):
    token = alice if auth_ok else None
    g = server.get(p, token)
    h = server.head(p, token)
    assert h.status_code == g.status_code and h.status_code in (401, 404), show(h)
    assert h.content == b""
    assert h.headers["Content-Length"] == str(len(g.content))
    for name in HEAD_COMPARED:
        assert h.headers.get(name) == g.headers.get(name), name


# ---------------------------------------------------------------- 405
@pytest.mark.parametrize("method,p,allow", [
    ("DELETE", L, ALLOW_LIST),
    ("PUT", L, ALLOW_LIST),
    ("PATCH", L, ALLOW_LIST),
    ("POST", "detail", ALLOW_DETAIL),
    ("PURGE", L, ALLOW_LIST),
    ("POST", "/api/me/", ALLOW_RO),
    ("DELETE", "/api/", ALLOW_RO),
    ("GET", "/api/auth/token/", ALLOW_TOKEN),
    ("DELETE", "/api/auth/token/refresh/", ALLOW_TOKEN),
])
def test_method_not_allowed(server, alice, t1, method, p, allow):
    p = D(t1) if p == "detail" else p
    r = server.send(method, p, "{}" if method in ("PUT", "PATCH", "POST") else None, alice,
                    ctype="application/json" if method in ("PUT", "PATCH", "POST") else None)
    assert_json(r, 405, method_not_allowed(method), allow=allow)


def test_method_not_allowed_noauth_is_401(server):
    assert_json(server.delete(L), 401, NOT_PROVIDED, allow=ALLOW_LIST)
    assert_json(server.send("PURGE", L), 401, NOT_PROVIDED, allow=ALLOW_LIST)


def test_method_not_allowed_bad_token_is_401(server):
    r = server.delete(L, headers={"Authorization": "Bearer garbage"})
    assert_json(r, 401, token_invalid(), allow=ALLOW_LIST)


# ---------------------------------------------------------------- 406 / Accept
@pytest.mark.parametrize("accept", ["application/xml", "text/plain", "image/png"])
def test_unsatisfiable_accept_is_406(server, alice, accept):
    r = server.get(L, alice, headers={"Accept": accept})
    assert_json(r, 406, NOT_ACCEPTABLE, allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == "57"


def test_406_comes_before_authentication(server):
    assert_json(server.get(L, headers={"Accept": "application/xml"}), 406, NOT_ACCEPTABLE, allow=ALLOW_LIST)
    r = server.get(L, headers={"Accept": "application/xml", "Authorization": "Bearer garbage"})
    assert_json(r, 406, NOT_ACCEPTABLE, allow=ALLOW_LIST)


def test_406_comes_before_404_and_405(server, alice):
    r = server.get("/api/tasks/99999/", alice, headers={"Accept": "application/xml"})
    assert_json(r, 406, NOT_ACCEPTABLE, allow=ALLOW_DETAIL)
    r = server.delete(L, alice, headers={"Accept": "application/xml"})
    assert_json(r, 406, NOT_ACCEPTABLE, allow=ALLOW_LIST)


def test_406_on_token_endpoint(server):
    r = server.post("/api/auth/token/", {"username": "alice", "password": "alice-password-1"},
                    headers={"Accept": "application/xml"})
    assert_json(r, 406, NOT_ACCEPTABLE, allow=ALLOW_TOKEN)


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/*",
                                    "application/xml, application/json;q=0.5", "application/json; q=1"])
def test_acceptable_accept_headers(server, alice, accept):
    plain = server.get(L, alice)
    r = server.get(L, alice, headers={"Accept": accept})
    assert r.status_code == 200, show(r)
    assert_api_headers(r, ALLOW_LIST)
    assert r.content == plain.content


def test_accept_json_indent(server, alice, t1):
    r = server.get(D(t1), alice, headers={"Accept": "application/json; indent=2"})
    assert r.status_code == 200, show(r)
    assert r.headers["Content-Type"] == "application/json"
    data = r.json()
    assert data == t1
    assert r.content == json.dumps(data, indent=2, ensure_ascii=False).encode()


# ---------------------------------------------------------------- 415
@pytest.mark.parametrize("method,p", [("POST", L), ("PUT", "detail"), ("PATCH", "detail"),
                                      ("POST", "/api/auth/token/"), ("POST", "/api/auth/token/refresh/")])
def test_unsupported_media_type(server, alice, t1, method, p):
    p = D(t1) if p == "detail" else p
    allow = {L: ALLOW_LIST, "/api/auth/token/": ALLOW_TOKEN, "/api/auth/token/refresh/": ALLOW_TOKEN}.get(p, ALLOW_DETAIL)
    r = server.send(method, p, "<x/>", alice, ctype="application/xml")
    assert_json(r, 415, unsupported_media("application/xml"), allow=allow)


def test_unsupported_media_type_with_parameters(server, alice):
    # DRF echoes the Content-Type header as sent
    r = server.post(L, "x", alice, ctype="text/plain; charset=utf-8")
    assert_json(r, 415, unsupported_media("text/plain; charset=utf-8"), allow=ALLOW_LIST)


# ---------------------------------------------------------------- missing trailing slash
@pytest.mark.parametrize("method,status", [("GET", 301), ("HEAD", 301), ("POST", 308), ("PUT", 308),
                                           ("PATCH", 308), ("DELETE", 308)])
def test_missing_slash_redirect(server, alice, t1, method, status):
    p = "/api/tasks" if method in ("GET", "HEAD", "POST") else "/api/tasks/%d" % t1["id"]
    body = {"title": "x"} if method in ("POST", "PUT", "PATCH") else None
    r = server.send(method, p, body, alice, ctype="application/json" if body else None)
    assert r.status_code == status, show(r)
    assert urljoin(server.base_url + "/", r.headers["Location"]) == server.url(p + "/")
    assert r.content == b""
    assert_common_headers(r)
    assert server.get(D(t1), alice).json() == t1  # nothing was changed


def test_missing_slash_keeps_query_string(server, alice):
    r = server.get("/api/tasks?x=1&y=%20", alice)
    assert r.status_code == 301, show(r)
    assert urljoin(server.base_url + "/", r.headers["Location"]) == server.url("/api/tasks/?x=1&y=%20")


def test_missing_slash_detail(server, alice, t1):
    r = server.get("/api/tasks/%d" % t1["id"], alice)
    assert r.status_code == 301, show(r)
    assert urljoin(server.base_url + "/", r.headers["Location"]) == server.url(D(t1))


def test_missing_slash_redirect_needs_no_auth(server):
    r = server.get("/api/tasks")
    assert r.status_code == 301, show(r)


def test_308_post_followed_creates_the_task(server, alice):
    r = server.post("/api/tasks", {"title": "via 308"}, alice, allow_redirects=True)
    assert_task(r, 201, title="via 308", allow=ALLOW_LIST)
    assert r.history and r.history[0].status_code == 308


def test_308_put_followed_updates(server, alice):
    t = server.create_task(alice, "before")
    r = server.put("/api/tasks/%d" % t["id"], {"title": "after"}, alice, allow_redirects=True)
    assert_task(r, 200, id=t["id"], title="after")


# ---------------------------------------------------------------- format suffixes / ?format=
def test_format_suffix_list(server, alice):
    plain = server.get(L, alice)
    for p in ("/api/tasks.json", "/api/tasks.json/", "/api/tasks/?format=json"):
        r = server.get(p, alice)
        assert r.status_code == 200, show(r)
        assert_api_headers(r, ALLOW_LIST)
        assert r.content == plain.content, p


def test_format_suffix_detail(server, alice, t1):
    plain = server.get(D(t1), alice)
    for p in ("/api/tasks/%d.json" % t1["id"], "/api/tasks/%d.json/" % t1["id"], D(t1) + "?format=json"):
        r = server.get(p, alice)
        assert r.status_code == 200, show(r)
        assert_api_headers(r, ALLOW_DETAIL)
        assert r.content == plain.content, p


@pytest.mark.parametrize("p,allow", [("/api/tasks.xml", ALLOW_LIST), ("/api/tasks/?format=xml", ALLOW_LIST)])
def test_unknown_format_is_404(server, alice, p, allow):
    assert_json(server.get(p, alice), 404, NOT_FOUND, allow=allow)


# ---------------------------------------------------------------- unknown URLs
@pytest.mark.parametrize("method,p,auth", [
    ("GET", "/api/nope/", True),
    ("GET", "/api/nope", True),
    ("GET", "/api/nope/", False),
    ("GET", "/api/tasks/1/extra/", True),
    ("GET", "/nope/", False),
    ("GET", "/", False),
    ("POST", "/nope/", False),
    ("GET", "/api/tasks//", True),
    ("DELETE", "/nope", False),
])
def test_unknown_urls_are_json_404(server, alice, method, p, auth):
    r = server.send(method, p, "{}" if method == "POST" else None, alice if auth else None,
                    ctype="application/json" if method == "POST" else None)
    assert r.status_code == 404, show(r)
    assert r.headers.get("Content-Type") == "application/json"
    assert r.content == b'{"detail":"Not found."}'
    assert_common_headers(r)


# ---------------------------------------------------------------- headers everywhere
def test_security_headers_on_every_kind_of_answer(server, alice, t1):
    answers = [
        server.get("/api/health/"), server.get(L), server.get(L, alice), server.get("/api/tasks"),
        server.post("/api/tasks", {"title": "x"}, alice), server.get("/nope/"), server.delete(L, alice),
        server.get(L, alice, headers={"Accept": "application/xml"}), server.post(L, "x", alice, ctype="text/plain"),
        server.post(L, "{", alice), server.head(D(t1), alice), server.options(L, alice),
    ]
    t = server.create_task(alice, "to delete")
    answers.append(server.delete(D(t), alice))
    for r in answers:
        assert_common_headers(r)
        assert "Date" in r.headers, show(r)
        parsedate_to_datetime(r.headers["Date"])


def test_json_content_type_has_no_charset(server, alice):
    for r in (server.get(L, alice), server.get("/api/health/"), server.get(L)):
        assert r.headers["Content-Type"] == "application/json", show(r)


# ---------------------------------------------------------------- connection handling
def test_keep_alive(server, alice):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/api/health/")
        r1 = conn.getresponse()
        assert r1.status == 200 and r1.read() == b'{"status":"ok"}'
        assert not r1.will_close, r1.getheaders()
        sock = conn.sock
        body = dumps({"title": "keep-alive"})
        conn.request("POST", L, body=body, headers={"Authorization": "Bearer " + alice,
                                                    "Content-Type": "application/json"})
        r2 = conn.getresponse()
        created = json.loads(r2.read())
        assert r2.status == 201 and created["title"] == "keep-alive"
        assert conn.sock is sock and not r2.will_close
        # an error answer keeps the connection too
        conn.request("GET", "/api/tasks/99999/", headers={"Authorization": "Bearer " + alice})
        r3 = conn.getresponse()
        assert r3.status == 404 and r3.read() == b'{"detail":"Not found."}'
        conn.request("GET", "/api/tasks/%d/" % created["id"], headers={"Authorization": "Bearer " + alice})
        r4 = conn.getresponse()
        assert r4.status == 200 and json.loads(r4.read()) == created
        assert conn.sock is sock
    finally:
        conn.close()


def test_session_reuse(server, alice):
    with requests.Session() as s:
        s.headers["Authorization"] = "Bearer " + alice
        for _ in range(20):
            r = s.get(server.url(L), timeout=10)
            assert r.status_code == 200, show(r)


def test_concurrent_requests(server, alice):
    def hit(i):
        r = server.get("/api/health/" if i % 2 else "/api/me/", alice)
        return r.status_code
    with ThreadPoolExecutor(16) as ex:
        codes = list(ex.map(hit, range(100)))
    assert codes == [200] * 100


def test_garbage_request_does_not_kill_the_server(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data:
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        if data:
            assert data.startswith(b"HTTP/1.1 4") or data.startswith(b"HTTP/1.0 4"), data[:200]
    finally:
        s.close()
    assert server.get("/api/health/").status_code == 200


# ---------------------------------------------------------------- body size limit
def test_body_of_exactly_one_mib_is_accepted(server, alice):
    prefix, suffix = b'{"title": "big", "description": "', b'"}'
    body = prefix + b"d" * (MIB - len(prefix) - len(suffix)) + suffix
    assert len(body) == MIB
    r = server.post(L, body, alice)
    assert r.status_code == 201, show(r)
    assert len(r.json()["description"]) == MIB - len(prefix) - len(suffix)


def test_body_over_one_mib_is_413(server, alice):
    body = b'{"title": "too big", "description": "' + b"d" * MIB + b'"}'
    head = ("POST /api/tasks/ HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (server.port, alice, len(body))).encode()
    status, headers, content = raw_exchange(server.port, head, body)
    assert status == 413, (status, headers, content[:200])
    assert headers.get("content-type") == "application/json"
    assert content == compact(TOO_LARGE)
    assert server.get("/api/health/").status_code == 200
    assert "too big" not in [t["title"] for t in server.get(L, alice).json()]


def test_declared_length_over_limit_is_413_without_body(server):
    head = ("POST /api/auth/token/ HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % (server.port, 50 * MIB)).encode()
    status, headers, content = raw_exchange(server.port, head, b"", timeout=10)
    assert status == 413, (status, headers, content[:200])
    assert content == compact(TOO_LARGE)


# ---------------------------------------------------------------- transport details real clients use
def read_until_closed(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def split_responses(data):
    """Split a byte stream of HTTP/1.x responses that all carry Content-Length."""
    out = []
    while data:
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        n = int(headers.get("content-length", "0"))
        out.append((lines[0], headers, rest[:n]))
        data = rest[n:]
    return out


def test_chunked_request_body(server, alice):
    def parts():
        yield b'{"title": '
        yield b'"chunked body"}'
    r = server.request("POST", L, alice, headers={"Content-Type": "application/json"}, data=parts())
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert_task(r, 201, title="chunked body", allow=ALLOW_LIST)


def test_expect_100_continue(server, alice):
    body = dumps({"title": "expect"})
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        s.sendall(("POST /api/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n"
                   "Connection: close\r\n\r\n" % (alice, len(body))).encode())
        s.settimeout(2)
        try:
            first = s.recv(65536)
        except socket.timeout:
            first = b""  # no interim answer: a client then sends the body anyway
        if first:
            assert first.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), first[:200]
            first = first[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
        s.sendall(body)
        data = first + read_until_closed(s)
    finally:
        s.close()
    (status, headers, content), = split_responses(data)
    assert status == "HTTP/1.1 201 Created", status
    assert json.loads(content)["title"] == "expect"


def test_pipelined_requests(server, alice):
    one = "GET /api/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n" % alice
    last = "GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        s.sendall((one + one + last).encode())
        responses = split_responses(read_until_closed(s))
    finally:
        s.close()
    assert [r[0] for r in responses] == ["HTTP/1.1 200 OK"] * 3
    assert [r[2] for r in responses] == [b'{"id":1,"username":"alice"}'] * 2 + [b'{"status":"ok"}']


@pytest.mark.parametrize("request_line,extra", [
    ("GET /api/health/ HTTP/1.0", ""),
    ("GET /api/health/ HTTP/1.1", "Host: 127.0.0.1\r\nConnection: close\r\n"),
])
def test_connection_closed_when_asked(server, request_line, extra):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        s.sendall((request_line + "\r\n" + extra + "\r\n").encode())
        responses = split_responses(read_until_closed(s))  # returns only when the server closes
    finally:
        s.close()
    assert len(responses) == 1
    status, headers, content = responses[0]
    assert status.split(" ", 1)[1] == "200 OK" and content == b'{"status":"ok"}'


@pytest.mark.parametrize("path,same_as", [
    ("/api/%74asks/", "/api/tasks/"),                  # the path is percent-decoded before routing
    ("/api/tasks/{id}/?x=1&format=json", "/api/tasks/{id}/"),
    ("/api/tasks/{id}/?", "/api/tasks/{id}/"),
])
def test_percent_encoding_and_query_strings(server, alice, t1, path, same_as):
    plain = server.get(same_as.format(id=t1["id"]), alice)
    r = server.get(path.format(id=t1["id"]), alice)
    assert r.status_code == plain.status_code == 200, show(r)
    assert r.content == plain.content


def test_percent_encoded_id(server, alice, t1):
    r = server.get("/api/tasks/%s/" % "".join("%%%02X" % ord(c) for c in str(t1["id"])), alice)
    assert r.status_code == 200, show(r)
    assert r.json() == t1


def test_paths_are_case_sensitive(server, alice):
    r = server.get("/API/tasks/", alice)
    assert r.status_code == 404 and r.content == b'{"detail":"Not found."}', show(r)
