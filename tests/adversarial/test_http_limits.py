"""Resource limits and hostile HTTP against one server (the default settings).

Every case gets its exact answer or a clean refusal (a 4xx, then the connection closed, or just
the close), never a crash, a hang or a 5xx; conftest.py checks /api/health/ after each test.
"""
import json

import pytest

from advhelpers import (
    Conn, HEADERS_TOO_LARGE, MALFORMED, TOO_LARGE, assert_answer_json, assert_clean_refusal,
    exchange, request_bytes,
)
from apihelpers import assert_error_prefix, show

L = "/api/tasks/"
MIB = 1024 * 1024
SMUGGLED = b"GET /api/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def auth_header(token):
    return ("Authorization", "Bearer " + token)


# ---------------------------------------------------------------------------- body size
@pytest.mark.parametrize("method,url,with_token", [
    ("POST", L, True),
    ("POST", L, False),                     # before authentication
    ("PUT", "/api/tasks/1/", True),
    ("PATCH", "/api/tasks/1/", True),
    ("POST", "/api/auth/token/", False),
    ("POST", "/api/auth/token/refresh/", False),
    ("POST", "/api/no-such-route/", False),
])
def test_declared_length_over_limit_is_413_before_the_body(server, alice, method, url, with_token):
    headers = [("Content-Type", "application/json"), ("Content-Length", "2000000")]
    if with_token:
        headers.append(auth_header(alice))
    with Conn(server.port) as c:
        c.send(request_bytes(method, url, headers))          # headers only: no body is sent
        a = c.answer(timeout=10)
        assert_answer_json(a, 413, TOO_LARGE)
        assert a.headers.get("connection", "").lower() == "close", a
        assert c.wait_closed(10), "the connection stays open after a 413 with an unread body"


def test_expect_100_continue_over_limit_gets_413_instead_of_100(server, alice):
    with Conn(server.port) as c:
        c.send(request_bytes("POST", L, [auth_header(alice), ("Content-Type", "application/json"),
                                         ("Content-Length", "2000000"), ("Expect", "100-continue")]))
        a = c.answer(timeout=10, skip_interim=False)
        assert_answer_json(a, 413, TOO_LARGE)
        assert c.wait_closed(10)


def test_chunked_body_over_limit_is_413(server, alice):
    titles_before = [t["title"] for t in server.get(L, alice).json()]
    with Conn(server.port) as c:
        c.send(request_bytes("POST", L, [auth_header(alice), ("Content-Type", "application/json"),
                                         ("Transfer-Encoding", "chunked")]))
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * (64 * 1024))
        c.send(b'5\r\n{"a":\r\n')
        sent = 0
        while sent < 3 * MIB and c.still_open(0):
            if not c.send(chunk):
                break
            sent += 64 * 1024
        if not c.send_failed:
            c.send(b"0\r\n\r\n")
        a = c.answer(timeout=10)
        assert_answer_json(a, 413, TOO_LARGE)
        assert c.wait_closed(10)
    assert sent >= MIB - 64 * 1024, "413 before the limit was reached (%d bytes sent)" % sent
    assert [t["title"] for t in server.get(L, alice).json()] == titles_before


def test_body_just_under_the_limit_is_read(server, alice):
    body = b'{"title": "almost", "x": "' + b"x" * (MIB - 100) + b'"}'
    assert len(body) < MIB
    r = server.post(L, body, alice)
    assert r.status_code == 201, show(r)


# ---------------------------------------------------------------------------- header limits
def refused_for_size(server, data):
    answers, closed, rest = exchange(server.port, data, timeout=10)
    assert_clean_refusal(answers, closed, allowed=(431,), body=HEADERS_TOO_LARGE)


def test_many_small_headers_are_refused(server):
    # 1000 headers of 10 bytes each: below the byte limit, so only a header count limit stops them
    head = b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"".join(b"X%04d: a\r\n" % i for i in range(1000)) + b"Connection: close\r\n"
    assert len(head) < 16 * 1024
    refused_for_size(server, head + b"\r\n")


def test_many_larger_headers_are_refused(server):
    head = b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"".join(b"X-Custom-Header-%04d: some value\r\n" % i for i in range(1000))
    refused_for_size(server, head + b"\r\n")


def test_one_20kb_header_is_refused(server):
    refused_for_size(server, request_bytes("GET", "/api/health/", [("X-Big", "a" * 20 * 1024)]))


def test_20kb_cookie_is_refused(server):
    refused_for_size(server, request_bytes("GET", "/api/health/", [("Cookie", "c=" + "a" * 20 * 1024)]))


def test_20kb_url_is_refused(server):
    answers, closed, _ = exchange(server.port, request_bytes("GET", "/api/health/?q=" + "a" * 20 * 1024),
                                  timeout=10)
    assert_clean_refusal(answers, closed, allowed=(414, 431))
    if answers and answers[0].status == 431:
        assert_answer_json(answers[0], 431, HEADERS_TOO_LARGE)


def test_20kb_path_is_refused(server):
    answers, closed, _ = exchange(server.port, request_bytes("GET", "/api/tasks/" + "1" * 20 * 1024 + "/"),
                                  timeout=10)
    assert_clean_refusal(answers, closed, allowed=(414, 431))


def test_headers_below_the_limit_are_fine(server):
    # one 8 KB header and a 4 KB query string: ordinary large requests still work
    with Conn(server.port) as c:
        c.send(request_bytes("GET", "/api/health/?q=" + "a" * 4096,
                             [("X-Big", "b" * 8192), ("Connection", "close")]))
        a = c.answer()
    assert a.status == 200 and a.body == b'{"status":"ok"}', a


# ---------------------------------------------------------------------------- JSON depth and size
def nested(depth, kind):
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


# JSON nests up to 1,000 levels (DRF parses about 940, then fails with 500; decision 001 item 20)
@pytest.mark.parametrize("depth", [1001, 10000, 100000])
@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("where", ["task-post", "task-put", "task-patch", "login", "refresh", "top-level"])
def test_deep_json_is_400(server, alice, depth, kind, where):
    inner = nested(depth, kind)
    body = b'{"title": "deep", "extra": ' + inner + b"}"
    if where == "top-level":
        r = server.post(L, inner, alice)
    elif where == "task-post":
        r = server.post(L, body, alice)
    elif where in ("task-put", "task-patch"):
        task = server.create_task(alice, "target")
        r = server.send(where[5:].upper(), "/api/tasks/%d/" % task["id"], body, alice)
        assert server.get("/api/tasks/%d/" % task["id"], alice).json() == task
    elif where == "login":
        r = server.post("/api/auth/token/", b'{"username": "alice", "password": ' + inner + b"}")
    else:
        r = server.post("/api/auth/token/refresh/", b'{"refresh": ' + inner + b"}")
    assert_error_prefix(r, 400, "JSON parse error - ")


@pytest.mark.parametrize("depth", [10, 100, 999])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_moderate_nesting_in_an_ignored_key_is_fine(server, alice, depth, kind):
    r = server.post(L, b'{"title": "shallow", "extra": ' + nested(depth, kind) + b"}", alice)
    assert r.status_code == 201, show(r)


def test_many_keys_and_elements(server, alice):
    keys = ", ".join('"k%d": %d' % (i, i) for i in range(40000))
    r = server.post(L, ('{"title": "many keys", %s}' % keys).encode(), alice)
    assert r.status_code == 201, show(r)
    r = server.post(L, b'{"title": "many elements", "x": [' + b"0," * 400000 + b"0]}", alice)
    assert r.status_code == 201, show(r)


def test_huge_numbers_and_strings_in_json(server, alice):
    r = server.post(L, b'{"title": "n", "x": 1' + b"0" * 100000 + b"}", alice)
    assert r.status_code in (201, 400), show(r)
    if r.status_code == 400:
        assert_error_prefix(r, 400, "JSON parse error - ")
    r = server.post(L, b'{"title": "' + b"\\u00e9" * 100000 + b'"}', alice)
    assert r.status_code == 400 and r.json() == {"title": ["Ensure this field has no more than 255 characters."]}, show(r)


# (A lone surrogate escape, "\ud800", is valid JSON: the field refuses it, test_body_decoding.py.)
@pytest.mark.parametrize("body", [
    b'{"title": "\xed\xa0\x80"}',        # surrogate encoded in UTF-8
    b'{"title": "\xc0\xaf"}',            # overlong encoding
    b'{"title": "\xff"}',
    b'\xef\xbb\xbf{"title": "bom"}',
    b'{"title": "a"}\x00',
    b'{"title": "a"} {"title": "b"}',
], ids=repr)
def test_invalid_text_in_json_is_a_parse_error(server, alice, body):
    before = server.get(L, alice).content
    assert_error_prefix(server.post(L, body, alice), 400, "JSON parse error - ")
    assert server.get(L, alice).content == before


def test_surrogate_pair_escape_is_one_character(server, alice):
    r = server.post(L, b'{"title": "\\ud83d\\ude00"}', alice)
    assert r.status_code == 201 and r.json()["title"] == "\U0001F600", show(r)


# ---------------------------------------------------------------------------- pipelining
def test_ten_pipelined_requests_are_answered_in_order(server, alice):
    auth = [auth_header(alice)]
    json_h = auth + [("Content-Type", "application/json")]
    reqs = [
        request_bytes("GET", "/api/me/", auth),
        request_bytes("POST", L, json_h, json.dumps({"title": "pipe-1"})),
        request_bytes("GET", "/api/tasks/987654321/", auth),
        request_bytes("HEAD", "/api/health/"),
        request_bytes("POST", L, json_h, json.dumps({"title": "pipe-2", "description": "x" * 5000})),
        request_bytes("OPTIONS", "/api/health/"),
        request_bytes("POST", L, json_h, b'{"title": '),          # malformed JSON: 400, stays open
        request_bytes("GET", "/api/health/"),
        request_bytes("DELETE", "/api/tasks/987654321/", auth),
        request_bytes("POST", L, json_h + [("Connection", "close")], json.dumps({"title": "pipe-3"})),
    ]
    with Conn(server.port) as c:
        c.send(b"".join(reqs))
        answers = c.answers_until_closed(timeout=15, bodyless={3})
    assert [a.status for a in answers] == [200, 201, 404, 200, 201, 200, 400, 200, 404, 201], answers
    assert answers[0].body == b'{"id":1,"username":"alice"}'
    assert json.loads(answers[1].body)["title"] == "pipe-1"
    assert answers[3].body == b"" and answers[3].headers["content-length"] == "15"
    assert json.loads(answers[4].body)["title"] == "pipe-2"
    assert json.loads(answers[5].body)["name"] == "Health Check"
    assert answers[6].json()["detail"].startswith("JSON parse error - ")
    assert answers[7].body == b'{"status":"ok"}'
    assert json.loads(answers[9].body)["title"] == "pipe-3"
    ids = [json.loads(answers[i].body)["id"] for i in (1, 4, 9)]
    assert ids == sorted(ids)


def test_pipeline_stops_at_a_malformed_request(server, alice):
    good = request_bytes("GET", "/api/health/")
    with Conn(server.port) as c:
        c.send(good + good + b"BROKEN\r\n\r\n" + request_bytes("GET", "/api/me/", [auth_header(alice)]))
        answers = c.answers_until_closed(timeout=10)
    assert [a.status for a in answers] == [200, 200, 400], answers
    assert_answer_json(answers[2], 400, MALFORMED)


def test_pipelined_requests_split_at_odd_places(server):
    data = request_bytes("GET", "/api/health/") * 4 + request_bytes("GET", "/api/health/",
                                                                    [("Connection", "close")])
    with Conn(server.port) as c:
        for i in range(0, len(data), 7):
            c.send(data[i:i + 7])
        answers = c.answers_until_closed(timeout=10)
    assert [a.status for a in answers] == [200] * 5, answers


# ---------------------------------------------------------------------------- chunked bodies
@pytest.mark.parametrize("name,chunks", [
    ("plain", b'9\r\n{"title":\r\n8\r\n "chunk"\r\n1\r\n}\r\n0\r\n\r\n'),
    ("uppercase-hex-leading-zeros", b'0000A\r\n{"title": \r\n8\r\n"chunk"}\r\n0\r\n\r\n'),
    ("extensions", b'a;name=value\r\n{"title": \r\n8;x="quoted"\r\n"chunk"}\r\n0;last\r\n\r\n'),
    ("one-byte-chunks", b"".join(b"1\r\n%c\r\n" % ch for ch in b'{"title": "chunk"}') + b"0\r\n\r\n"),
])
def test_chunked_bodies_are_accepted(server, alice, name, chunks):
    # (trailer fields are refused: test_framing_bounds.py)
    with Conn(server.port) as c:
        c.send(request_bytes("POST", L, [auth_header(alice), ("Content-Type", "application/json"),
                                         ("Transfer-Encoding", "chunked"), ("Connection", "close")]) + chunks)
        a = c.answer()
    assert a.status == 201, a
    assert a.json()["title"] == "chunk"


@pytest.mark.parametrize("chunks", [
    b"zz\r\nab\r\n0\r\n\r\n",                     # not hex
    b"-1\r\nab\r\n0\r\n\r\n",
    b"fffffffffffffffffffff\r\nab\r\n",            # overflows 64 bits
    b"2\r\nabc\r\n0\r\n\r\n",                     # chunk longer than declared
    b"2 \r\nab\r\n0\r\n\r\n",
    b"2\nab\n0\n\n",                               # bare LF
])
def test_malformed_chunked_bodies_are_refused(server, alice, chunks):
    data = request_bytes("POST", L, [auth_header(alice), ("Content-Type", "application/json"),
                                     ("Transfer-Encoding", "chunked")]) + chunks + SMUGGLED
    answers, closed, _ = exchange(server.port, data, timeout=10)
    assert_clean_refusal(answers, closed, allowed=(400, 413), body=None)


# ---------------------------------------------------------------------------- Expect: 100-continue
def test_expect_100_continue(server, alice):
    body = json.dumps({"title": "expected"}).encode()
    with Conn(server.port) as c:
        c.send(request_bytes("POST", L, [auth_header(alice), ("Content-Type", "application/json"),
                                         ("Content-Length", str(len(body))), ("Expect", "100-continue")]))
        interim = c.answer(timeout=5, skip_interim=False)
        assert interim.status_line == "HTTP/1.1 100 Continue", interim
        assert interim.header_list == [], interim
        c.send(body)
        a = c.answer()
        assert a.status == 201 and a.json()["title"] == "expected", a
        # the connection stays usable
        c.send(request_bytes("GET", "/api/health/"))
        assert c.answer().body == b'{"status":"ok"}'


def test_expect_100_continue_without_credentials(server):
    body = b'{"title": "x"}'
    with Conn(server.port) as c:
        c.send(request_bytes("POST", L, [("Content-Type", "application/json"), ("Expect", "100-continue"),
                                         ("Content-Length", str(len(body))), ("Connection", "close")]))
        first = c.answer(timeout=5, skip_interim=False)
        if first.status == 100:
            c.send(body)
            first = c.answer()
        assert first.status == 401, first


# ---------------------------------------------------------------------------- HTTP/1.0
def test_http10_without_keep_alive_is_answered_and_closed(server):
    with Conn(server.port) as c:
        c.send(b"GET /api/health/ HTTP/1.0\r\n\r\n")
        answers = c.answers_until_closed(timeout=10)
    assert len(answers) == 1, answers
    assert answers[0].status_line == "HTTP/1.0 200 OK", answers
    assert answers[0].body == b'{"status":"ok"}'
    assert answers[0].headers.get("connection", "close").lower() == "close", answers


def test_http10_keep_alive(server, alice):
    with Conn(server.port) as c:
        c.send(b"GET /api/health/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        a = c.answer()
        assert a.status_line == "HTTP/1.0 200 OK" and a.body == b'{"status":"ok"}', a
        assert a.headers.get("connection", "").lower() == "keep-alive", a
        body = json.dumps({"title": "http/1.0"}).encode()
        c.send(b"POST /api/tasks/ HTTP/1.0\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (alice.encode(), len(body), body))
        answers = c.answers_until_closed(timeout=10)
    assert [a.status for a in answers] == [201], answers
    assert answers[0].json()["title"] == "http/1.0"


def test_http10_with_chunked_is_refused_or_handled(server, alice):
    # Transfer-Encoding is not defined for HTTP/1.0 requests
    data = (b"POST /api/tasks/ HTTP/1.0\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n" % alice.encode())
    answers, closed, _ = exchange(server.port, data, timeout=10)
    assert closed and len(answers) <= 1, answers
    if answers:
        assert 400 <= answers[0].status < 500, answers


# ---------------------------------------------------------------------------- malformed requests
MALFORMED_REQUESTS = {
    "method-only": b"GET\r\n\r\n",
    "no-version": b"GET /\r\n\r\n",
    "version-9.9": b"GET /api/health/ HTTP/9.9\r\nHost: x\r\n\r\n",
    "version-lowercase": b"GET /api/health/ http/1.1\r\n\r\n",
    "version-2.0": b"GET /api/health/ HTTP/2.0\r\n\r\n",
    "http2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "extra-token": b"GET /api/health/ HTTP/1.1 x\r\n\r\n",
    "double-space": b"GET  /api/health/ HTTP/1.1\r\n\r\n",
    "space-in-path": b"GET /api/he alth/ HTTP/1.1\r\n\r\n",
    "tab-separators": b"GET\t/api/health/\tHTTP/1.1\r\n\r\n",
    "bad-method-char": b"GE(T /api/health/ HTTP/1.1\r\n\r\n",
    "binary-garbage": bytes(range(256)) + b"\r\n\r\n",
    "tls-client-hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
    "nul-bytes": b"\x00" * 64 + b"\r\n\r\n",
    "nul-in-method": b"G\x00T /api/health/ HTTP/1.1\r\n\r\n",
    "nul-in-path": b"GET /api/health/\x00 HTTP/1.1\r\n\r\n",
    "nul-in-version": b"GET /api/health/ HTTP/1.1\x00\r\n\r\n",
    "bare-lf": b"GET /api/health/ HTTP/1.1\nHost: x\n\n",
    "bare-cr": b"GET /api/health/ HTTP/1.1\rHost: x\r\r",
    "only-crlf": b"\r\n\r\n\r\n\r\n",
}


@pytest.mark.parametrize("name", list(MALFORMED_REQUESTS))
def test_malformed_request_line(server, name):
    answers, closed, rest = exchange(server.port, MALFORMED_REQUESTS[name] + SMUGGLED, timeout=10)
    assert_clean_refusal(answers, closed, allowed=(400,), body=MALFORMED)


def test_request_line_without_crlf_then_eof(server):
    answers, closed, _ = exchange(server.port, b"GET /api/health/ HTTP/1.1", timeout=10,
                                  shutdown_write=True)
    assert_clean_refusal(answers, closed, allowed=(400,), body=MALFORMED)


def test_headers_without_final_crlf_then_eof(server):
    answers, closed, _ = exchange(server.port, b"GET /api/health/ HTTP/1.1\r\nHost: x\r\n", timeout=10,
                                  shutdown_write=True)
    assert_clean_refusal(answers, closed, allowed=(400,), body=MALFORMED)


MALFORMED_HEADERS = {
    "no-colon": b"Foo\r\n",
    "space-before-colon": b"Host : x\r\n",
    "tab-before-colon": b"X-A\t: x\r\n",
    "empty-name": b": value\r\n",
    "paren-in-name": b"X(y): z\r\n",
    "space-in-name": b"X Y: z\r\n",
    "non-ascii-name": b"X-\xff: a\r\n",
    "nul-in-name": b"X\x00Y: 1\r\n",
    "nul-in-value": b"X: a\x00b\r\n",
    "ctl-in-value": b"X: a\x01b\r\n",
    "cr-in-value": b"X: a\rb\r\n",
    "lf-in-value": b"X: a\nb\r\n",
    "del-in-value": b"X: a\x7fb\r\n",
}


@pytest.mark.parametrize("name", list(MALFORMED_HEADERS))
def test_malformed_header(server, name):
    data = b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + MALFORMED_HEADERS[name] + b"\r\n" + SMUGGLED
    answers, closed, _ = exchange(server.port, data, timeout=10)
    assert_clean_refusal(answers, closed, allowed=(400,), body=MALFORMED)


def test_obsolete_line_folding_is_refused_or_unfolded(server):
    # RFC 9112 5.2: reject with 400, or replace the fold by spaces; never a second header or request
    data = b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: one\r\n two\r\nConnection: close\r\n\r\n"
    answers, closed, _ = exchange(server.port, data, timeout=10)
    assert closed and len(answers) <= 1, answers
    if answers:
        assert answers[0].status in (200, 400), answers


def test_two_host_headers_are_refused(server):
    # RFC 9112 3.2: a request with more than one Host header MUST get 400
    data = b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    answers, closed, _ = exchange(server.port, data, timeout=10)
    assert_clean_refusal(answers, closed, allowed=(400,))


# ---------------------------------------------------------------------------- framing conflicts
FRAMING = {
    "content-length-and-chunked": (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
    "chunked-and-content-length": (b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"0\r\n\r\n"),
    "two-content-lengths": (b"Content-Length: 5\r\nContent-Length: 6\r\n", b"hello!"),
    "content-length-list": (b"Content-Length: 5, 6\r\n", b"hello!"),
    "negative-content-length": (b"Content-Length: -5\r\n", b""),
    "plus-content-length": (b"Content-Length: +5\r\n", b"hello"),
    "hex-content-length": (b"Content-Length: 0x5\r\n", b"hello"),
    "text-content-length": (b"Content-Length: abc\r\n", b""),
    "empty-content-length": (b"Content-Length: \r\n", b""),
    "overflowing-content-length": (b"Content-Length: 99999999999999999999999\r\n", b""),
    "chunked-not-last": (b"Transfer-Encoding: chunked, gzip\r\n", b"0\r\n\r\n"),
    "unknown-transfer-coding": (b"Transfer-Encoding: xchunked\r\n", b"0\r\n\r\n"),
    "two-chunked": (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
    "chunked-twice-in-list": (b"Transfer-Encoding: chunked, chunked\r\n", b"0\r\n\r\n"),
    "space-before-te-colon": (b"Transfer-Encoding : chunked\r\n", b"0\r\n\r\n"),
}


@pytest.mark.parametrize("name", list(FRAMING))
def test_conflicting_or_invalid_framing_is_refused(server, alice, name):
    headers, body = FRAMING[name]
    data = (b"POST /api/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            b"Content-Type: application/json\r\n%s\r\n%s%s" % (alice.encode(), headers, body, SMUGGLED))
    answers, closed, _ = exchange(server.port, data, timeout=10)
    assert_clean_refusal(answers, closed, allowed=(400, 413), body=None)
    if answers and answers[0].status == 400:
        assert_answer_json(answers[0], 400, MALFORMED)


# ---------------------------------------------------------------------------- odd but valid
def test_unknown_method_is_405(server):
    with Conn(server.port) as c:
        c.send(request_bytes("FOO", "/api/health/", [("Connection", "close")]))
        a = c.answer()
    assert_answer_json(a, 405, {"detail": 'Method "FOO" not allowed.'})


@pytest.mark.parametrize("target", ["*", "api/health/", "http://127.0.0.1/api/health/x", "//api/health/",
                                    "/api/health/%00", "/api/health/%ZZ", "/api/tasks/%2e%2e/me/",
                                    "/api/tasks/..%2f..%2fme/"])
def test_odd_request_targets_are_4xx(server, alice, target):
    with Conn(server.port) as c:
        c.send(request_bytes("GET", target, [auth_header(alice), ("Connection", "close")]))
        answers = c.answers_until_closed(timeout=10)
    assert len(answers) <= 1, answers
    if answers:
        assert answers[0].status in (301, 400, 404), answers
