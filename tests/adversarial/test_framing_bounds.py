"""Bounded framing: nothing a client sends can grow the server's read buffer without limit, and
chunked framing cannot smuggle header fields.

- A chunk-size line (with extensions or leading zeros) or a trailer section longer than the
  header limit (16 KiB) is refused with 400 {"detail":"Malformed HTTP request."} and a close,
  however long the client keeps sending; the server's memory does not grow with it (VmRSS from
  /proc/PID/status, sampled while sending).
- Trailer fields are refused (400 {"detail":"Trailer fields are not supported."}, close): a
  field in a trailer never becomes a request header (Authorization, Content-Type, Host).
- HTTP/1.0 with Transfer-Encoding is answered 400 and closed (RFC 9112 6.1: its framing is
  faulty), even with Connection: keep-alive.
- Expect: 100-continue is matched case-insensitively (RFC 9110 10.1.1).
"""
import json
import time

import pytest

from advhelpers import (
    MALFORMED, Conn, RssSampler, assert_answer_json, assert_clean_refusal, exchange,
    memory_bound_mib, request_bytes,
)

L = "/api/tasks/"
MIB = 1024 * 1024
TRAILERS_REFUSED = {"detail": "Trailer fields are not supported."}
SMUGGLED = b"GET /api/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
SEND_AT_MOST = 48 * MIB      # what the client offers; the old server buffered all of it
SEND_FOR_AT_MOST = 20.0      # seconds


def chunked_head(method="POST", path="/api/health/", extra=()):
    return request_bytes(method, path, [("Transfer-Encoding", "chunked"), *extra])


def send_endlessly(server, head, filler):
    """Sends `head`, then `filler` again and again until the server stops reading (closes) or
    SEND_AT_MOST bytes or SEND_FOR_AT_MOST seconds are reached. Returns (conn, bytes sent,
    RssSampler); the connection is open for reading the answer."""
    rss = RssSampler(server.proc.pid)
    c = Conn(server.port, timeout=10)
    c.send(head)
    sent = 0
    deadline = time.time() + SEND_FOR_AT_MOST
    while sent < SEND_AT_MOST and time.time() < deadline:
        if not c.send(filler):
            break
        sent += len(filler)
        if sent % (2 * MIB) < len(filler):
            rss.sample()
            if c.closed or not c.still_open(0):
                break
    rss.sample()
    return c, sent, rss


ENDLESS = [
    ("chunk-extension", b"1;a=", b"a" * 65536),
    ("chunk-extension-after-a-chunk", b"1\r\nx\r\n2;name=", b"v" * 65536),
    ("leading-zeros", b"", b"0" * 65536),
    ("last-chunk-extension", b"0;x=", b"y" * 65536),
    ("trailer-field-value", b"0\r\nX-Trailer: ", b"a" * 65536),
    ("trailer-field-count", b"0\r\n", b"X-T: a\r\n" * 8192),
]


@pytest.mark.parametrize("name,start,filler", ENDLESS, ids=[c[0] for c in ENDLESS])
def test_endless_chunk_metadata_is_refused_with_bounded_memory(server, name, start, filler):
    c, sent, rss = send_endlessly(server, chunked_head() + start, filler)
    with c:
        assert c.wait_closed(10), "the server still reads after %d bytes of %s" % (sent, name)
        if c.buffer:
            a = c.answer(timeout=1)
            assert_answer_json(a, 400, MALFORMED)
            assert a.headers.get("connection", "").lower() == "close", a
    assert rss.growth < memory_bound_mib(16), (
        "server memory grew by %.1f MiB while %s was sent (%d bytes)" % (rss.growth, name, sent))


def test_metadata_just_under_the_limit_is_fine(server, alice):
    body = b'{"title": "ext"}'
    ext = b";e=" + b"v" * 8000
    data = chunked_head("POST", L, [("Authorization", "Bearer " + alice),
                                    ("Content-Type", "application/json"), ("Connection", "close")])
    data += b"%x%s\r\n%s\r\n0\r\n\r\n" % (len(body), ext, body)
    answers, closed, _ = exchange(server.port, data)
    assert [a.status for a in answers] == [201], answers
    assert answers[0].json()["title"] == "ext"


# ---------------------------------------------------------------------------- trailers
def task_titles(server, token):
    return [t["title"] for t in server.get(L, token).json()]


def test_trailer_authorization_and_content_type_are_not_headers(server, alice):
    body = b'{"title": "from-a-trailer"}'
    data = chunked_head("POST", L) + b"%x\r\n%s\r\n0\r\nAuthorization: Bearer %s\r\n" \
        b"Content-Type: application/json\r\n\r\n" % (len(body), body, alice.encode())
    answers, closed, _ = exchange(server.port, data + SMUGGLED)
    assert_clean_refusal(answers, closed, allowed=(400,), body=TRAILERS_REFUSED)
    assert "from-a-trailer" not in task_titles(server, alice)


def test_trailer_after_a_valid_request_is_refused(server, alice):
    body = b'{"title": "with-trailer"}'
    data = chunked_head("POST", L, [("Authorization", "Bearer " + alice),
                                    ("Content-Type", "application/json")])
    data += b"%x\r\n%s\r\n0\r\nX-Checksum: abc\r\n\r\n" % (len(body), body)
    answers, closed, _ = exchange(server.port, data + SMUGGLED)
    assert_clean_refusal(answers, closed, allowed=(400,), body=TRAILERS_REFUSED)
    assert "with-trailer" not in task_titles(server, alice)


def test_trailer_host_does_not_change_links(server, alice):
    data = chunked_head("GET", "/api/", [("Authorization", "Bearer " + alice)])
    data += b"0\r\nHost: evil.example\r\n\r\n"
    answers, closed, _ = exchange(server.port, data)
    assert_clean_refusal(answers, closed, allowed=(400,), body=TRAILERS_REFUSED)
    assert all(b"evil.example" not in a.raw for a in answers), answers


def test_two_thousand_trailer_fields_are_refused(server, alice):
    body = b'{"title": "many-trailers"}'
    data = chunked_head("POST", L, [("Authorization", "Bearer " + alice),
                                    ("Content-Type", "application/json")])
    data += b"%x\r\n%s\r\n0\r\n" % (len(body), body)
    data += b"".join(b"T%d: v\r\n" % i for i in range(2000)) + b"\r\n"
    answers, closed, _ = exchange(server.port, data)
    assert_clean_refusal(answers, closed, allowed=(400,))
    assert "many-trailers" not in task_titles(server, alice)


# ---------------------------------------------------------------------------- HTTP/1.0
def test_http10_chunked_keep_alive_is_refused_and_closed(server, alice):
    body = b'{"title": "http10-chunked"}'
    data = (b"POST /api/tasks/ HTTP/1.0\r\nConnection: keep-alive\r\nAuthorization: Bearer %s\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"%x\r\n%s\r\n0\r\n\r\n" % (alice.encode(), len(body), body))
    answers, closed, _ = exchange(server.port, data + SMUGGLED, timeout=10)
    assert_clean_refusal(answers, closed, allowed=(400,), body=MALFORMED)
    assert "http10-chunked" not in task_titles(server, alice)


# ---------------------------------------------------------------------------- Expect
@pytest.mark.parametrize("value", ["100-Continue", "100-CONTINUE", " 100-continue "])
def test_expect_is_case_insensitive(server, alice, value):
    body = json.dumps({"title": "expect " + value.strip()}).encode()
    with Conn(server.port) as c:
        c.send(request_bytes("POST", L, [("Authorization", "Bearer " + alice),
                                         ("Content-Type", "application/json"),
                                         ("Content-Length", str(len(body))), ("Expect", value)]))
        interim = c.answer(timeout=3, skip_interim=False)
        assert interim.status_line == "HTTP/1.1 100 Continue", interim
        c.send(body)
        a = c.answer()
        assert a.status == 201, a


def test_expect_100_continue_is_ignored_for_http10(server, alice):
    # RFC 9110 10.1.1: an HTTP/1.0 client does not understand 100 (Continue)
    body = b'{"title": "http10-expect"}'
    with Conn(server.port) as c:
        c.send(b"POST /api/tasks/ HTTP/1.0\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
               b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n%s" % (alice.encode(), len(body), body))
        answers = c.answers_until_closed(timeout=10)
    assert [a.status for a in answers] == [201], answers
