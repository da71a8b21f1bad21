"""Slow clients, idle connections and the connection cap (servers started with small settings).

TASKAPI_READ_TIMEOUT: from its first byte, a whole request must arrive within it.
TASKAPI_IDLE_TIMEOUT: a kept-alive connection waiting for its next request is closed after it.
TASKAPI_MAX_CONNECTIONS: connections beyond it get 503 {"detail":"Server busy, try again later."}
with Connection: close, or are closed.
Only "closed" is asserted for the timeouts, never how long it took beyond "before the whole
request could have been sent".
"""
import time

import pytest
import requests

from advhelpers import (
    BUSY, Conn, assert_answer_json, closed_among, finish_busy, make_busy, parse_answers,
    request_bytes,
)

QUIET = {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "off",
         "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS": "off",
         "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME": "off"}


def trickle(conn, data, interval=1.0):
    """Sends `data` one byte per `interval` s until it is all sent or the server closes.

    Returns the number of bytes sent before the server closed, or None if it never closed.
    """
    for i in range(len(data)):
        if not conn.send(data[i:i + 1]):
            return i
        deadline = time.time() + interval
        while time.time() < deadline and not conn.closed:
            conn._recv(deadline - time.time())
        if conn.closed:
            return i + 1
    return None


def assert_nothing_or_timeout_answer(conn):
    """Before closing, the server may have answered 408 (or 400); never anything else."""
    if conn.buffer:
        a = conn.answer(timeout=1)
        assert a.status in (400, 408), a


def health_is_quick(srv):
    r = requests.get(srv.url("/api/health/"), timeout=5)
    assert r.status_code == 200 and r.content == b'{"status":"ok"}', r


@pytest.fixture
def slow_server(server_factory):
    return server_factory(env=dict(QUIET, TASKAPI_READ_TIMEOUT="2"))


def test_request_line_one_byte_per_second_is_cut_off(slow_server):
    data = b"GET / HTTP/1.1\r\n\r\n"          # 18 bytes: 18 s if sent whole
    with Conn(slow_server.port, timeout=30) as c:
        sent = trickle(c, data)
        assert sent is not None, "the server waited for the whole trickled request"
        assert sent < len(data)
        assert_nothing_or_timeout_answer(c)
    health_is_quick(slow_server)


def test_headers_one_byte_per_second_are_cut_off_while_others_are_served(slow_server):
    data = b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with Conn(slow_server.port, timeout=30) as c:
        c.send(data[:20])                    # a fast start, then a trickle
        health_is_quick(slow_server)         # meanwhile, other clients are served
        sent = trickle(c, data[20:])
        assert sent is not None, "the server waited for the whole trickled request"
        assert_nothing_or_timeout_answer(c)


def test_body_one_byte_per_second_is_cut_off(slow_server):
    body = b'{"username":1}'                 # 14 bytes
    with Conn(slow_server.port, timeout=30) as c:
        c.send(request_bytes("POST", "/api/auth/token/", [("Content-Type", "application/json"),
                                                          ("Content-Length", str(len(body)))]))
        sent = trickle(c, body)
        assert sent is not None, "the server waited for the whole trickled body"
        assert sent < len(body)
        assert_nothing_or_timeout_answer(c)
    health_is_quick(slow_server)


def test_many_slow_clients_at_once_do_not_block_others(slow_server):
    conns = [Conn(slow_server.port, timeout=30) for _ in range(30)]
    try:
        for c in conns:
            c.send(b"GET /api/health/ HTTP/1.1\r\nHo")
        health_is_quick(slow_server)
        deadline = time.time() + 15
        for c in conns:
            assert c.wait_closed(max(0.1, deadline - time.time())), "a stalled request was never cut off"
    finally:
        for c in conns:
            c.close()


def test_a_fast_request_after_a_trickle_is_served(slow_server):
    # the read timeout is per request: a normal request on a fresh connection is fine
    with Conn(slow_server.port) as c:
        c.send(request_bytes("GET", "/api/health/"))
        assert c.answer().body == b'{"status":"ok"}'


# ---------------------------------------------------------------------------- idle connections
@pytest.fixture
def idle_server(server_factory):
    # A connection that never sent a byte waits the first-byte timeout, one kept alive the idle
    # timeout: both 2 s, well inside the tests' 10 s (the first-byte default, 10 s, raced them).
    return server_factory(env=dict(QUIET, TASKAPI_IDLE_TIMEOUT="2",
                                   TASKAPI_FIRST_BYTE_TIMEOUT="2"))


def test_idle_keep_alive_connection_is_closed(idle_server):
    with Conn(idle_server.port, timeout=30) as c:
        c.send(request_bytes("GET", "/api/health/"))
        a = c.answer()
        assert a.status == 200 and a.headers.get("connection", "").lower() != "close", a
        c.send(request_bytes("GET", "/api/health/"))           # still usable right away
        assert c.answer().status == 200
        assert c.wait_closed(2 + 8), "an idle keep-alive connection was not closed"
        assert c.buffer == b"", c.buffer


def test_silent_connection_is_closed(idle_server):
    with Conn(idle_server.port, timeout=30) as c:
        assert c.wait_closed(2 + 8), "a connection that never sent anything was not closed"
        assert c.buffer == b"", c.buffer


def test_many_silent_connections_are_closed_and_others_served(idle_server):
    conns = [Conn(idle_server.port, timeout=30) for _ in range(50)]
    try:
        health_is_quick(idle_server)
        deadline = time.time() + 2 + 10
        for c in conns:
            assert c.wait_closed(max(0.1, deadline - time.time())), "a silent connection stayed open"
    finally:
        for c in conns:
            c.close()


def test_a_client_that_never_reads_does_not_block_others(server_factory):
    srv = server_factory(env=dict(QUIET, TASKAPI_READ_TIMEOUT="2", TASKAPI_IDLE_TIMEOUT="2"))
    token = srv.login("alice")["access"]
    for i in range(5):
        srv.create_task(token, "t%d" % i, description="d" * 50000)
    one = request_bytes("GET", "/api/tasks/", [("Authorization", "Bearer " + token)])
    with Conn(srv.port, timeout=30) as c:
        for _ in range(200):                  # ~50 MB of answers that are never read
            if not c.send(one):
                break
        health_is_quick(srv)
        time.sleep(3)                         # beyond the timeouts: the writer gives up or waits
        health_is_quick(srv)
    health_is_quick(srv)


def test_a_client_that_stops_reading_is_let_go(server_factory):
    """TASKAPI_READ_TIMEOUT bounds a write too: a client that takes no bytes for that long is
    closed, not served for ever (the idle timeout, left long here, is not what closes it)."""
    srv = server_factory(env=dict(QUIET, TASKAPI_READ_TIMEOUT="2"))
    token = srv.login("alice")["access"]
    for i in range(5):
        srv.create_task(token, "t%d" % i, description="d" * 50000)
    one = request_bytes("GET", "/api/tasks/", [("Authorization", "Bearer " + token)])
    count = 200                               # ~50 MB of answers, far beyond the socket buffers
    with Conn(srv.port, timeout=30) as c:
        assert c.send(one * count)
        time.sleep(4)                         # the server's write has been stuck for over 2 s
        assert c.wait_closed(20), "the server kept a client that does not read"
        answers, _ = parse_answers(c.buffer)
        assert len(answers) < count, "every answer was sent: nothing was cut"
    health_is_quick(srv)


# ---------------------------------------------------------------------------- connection cap
CAP = 20


def get_health(conn, timeout=5):
    conn.send(request_bytes("GET", "/api/health/"))
    return conn.answer(timeout=timeout)


def refused_cleanly(conn):
    """True when the connection was refused (503 busy + close, or a bare close); False when
    it was served."""
    conn.send(request_bytes("GET", "/api/health/"))
    if not conn.wait_closed(5):
        # not closed: then it must have been answered normally
        return False
    if conn.buffer:
        a = conn.answer(timeout=1)
        assert_answer_json(a, 503, BUSY)
        assert a.headers.get("connection", "").lower() == "close", a
    return True


def test_connection_cap(server_factory):
    # Idle connections make room for new ones (test_connection_fairness.py); busy ones do not.
    srv = server_factory(env=dict(QUIET, TASKAPI_MAX_CONNECTIONS=str(CAP)))
    first = []
    extra = []
    try:
        first = [Conn(srv.port, timeout=10) for _ in range(CAP)]
        make_busy(first)
        for _ in range(10):
            c = Conn(srv.port, timeout=10)
            extra.append(c)
            assert refused_cleanly(c), "connection %d beyond the cap of %d was served" % (
                len(extra), CAP)
        # the first CAP connections are still served
        for c in first:
            finish_busy(c)
        # now idle, they make room: new connections are served, idle ones closed
        fresh = []
        for _ in range(10):
            c = Conn(srv.port, timeout=10)
            fresh.append(c)
            a = get_health(c)
            assert a.status == 200, a
        assert closed_among(first, 10, 5) == 10, "idle connections did not make room"
        for c in [c for c in first if not c.closed] + fresh:
            a = get_health(c)
            assert a.status == 200, a
        first.extend(fresh)
    finally:
        for c in first + extra:
            c.close()


def test_busy_answer_shape(server_factory):
    srv = server_factory(env=dict(QUIET, TASKAPI_MAX_CONNECTIONS="1"))
    with Conn(srv.port, timeout=10) as holder:
        make_busy([holder])                   # busy: it cannot make room
        with Conn(srv.port, timeout=10) as c:
            # read first: the busy answer may come before any request is sent
            if c.wait_closed(3) and c.buffer:
                a = c.answer(timeout=1)
                assert_answer_json(a, 503, BUSY)
                assert a.headers.get("connection", "").lower() == "close", a
                assert a.headers.get("retry-after", "1").isdigit(), a
            else:
                assert refused_cleanly(c)
        finish_busy(holder)
