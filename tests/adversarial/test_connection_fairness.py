"""Connection fairness (issue 8, items 4 and 6): one client cannot lock everyone else out.

- TASKAPI_MAX_CONNECTIONS_PER_ADDRESS (default 256; 0 = no cap): an address at its cap has its
  own oldest idle connection closed to make room, and when none of its connections is idle, the
  new one gets 503 {"detail":"Server busy, try again later."} and is closed.
- TASKAPI_FIRST_BYTE_TIMEOUT (default 10 s): a new connection that sends nothing is closed.
- At TASKAPI_MAX_CONNECTIONS the oldest idle connections (kept-alive, or new and silent) are
  closed to admit new ones, as nginx does; only when none is idle is a new one refused.
- When the process runs out of file descriptors, accepting pauses briefly instead of spinning,
  idle connections are closed to make room, waiting clients get 503 instead of a timeout, and the
  log says so once per episode instead of once per failed accept.

Client addresses: every address of 127.0.0.0/8 reaches the server on 127.0.0.1, so each test
chooses its clients' addresses (127.0.0.2, 127.0.0.3, ...).
"""
import resource
import time

import pytest

from advhelpers import (
    BUSY, Conn, assert_answer_json, closed_among, cpu_seconds, make_busy, request_bytes,
)

HEALTH = request_bytes("GET", "/api/health/")
PARTIAL = b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"      # a request still arriving


def raise_own_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        pytest.skip("this test needs %d open files, the limit is %d" % (n, soft))


def open_silent(port, n, source):
    return [Conn(port, timeout=10, source=source) for _ in range(n)]


def open_busy(port, n, source):
    """n connections in the middle of a request, each known to the server as busy."""
    conns = open_silent(port, n, source)
    make_busy(conns)
    return conns


def open_partial(port, n, source):
    """n connections that sent part of a request (some may never be accepted)."""
    conns = open_silent(port, n, source)
    for c in conns:
        c.send(PARTIAL)
    return conns


def closed_count(conns, wait):
    deadline = time.time() + wait
    for c in conns:
        c.wait_closed(max(0.0, deadline - time.time()))
    return sum(1 for c in conns if c.closed)


def health_from(port, source, timeout=5):
    with Conn(port, timeout=timeout, source=source) as c:
        c.send(HEALTH)
        return c.answer(timeout=timeout)


def close_all(*groups):
    for group in groups:
        for c in group:
            c.close()


# ---------------------------------------------------------------------------- per address
def test_per_address_cap_closes_the_addresss_own_idle_connections(server_factory):
    srv = server_factory(env={"TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "10"})
    hog = open_silent(srv.port, 30, "127.0.0.2")
    try:
        # only the 10 newest of the address's silent connections remain open
        assert closed_count(hog[:20], 5) == 20, "an address kept more than its 10 connections"
        assert all(not c.closed for c in hog[20:])
        assert health_from(srv.port, "127.0.0.3").status == 200
        assert health_from(srv.port, "127.0.0.2").status == 200
    finally:
        close_all(hog)


def test_per_address_cap_refuses_when_none_is_idle(server_factory):
    srv = server_factory(env={"TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "10"})
    busy = open_busy(srv.port, 10, "127.0.0.2")
    try:
        with Conn(srv.port, timeout=10, source="127.0.0.2") as c:
            assert c.wait_closed(5), "the 11th busy connection of one address was kept"
            a = c.answer(timeout=1)
            assert_answer_json(a, 503, BUSY)
            assert a.headers.get("connection", "").lower() == "close", a
        assert health_from(srv.port, "127.0.0.3").status == 200
        assert all(not c.closed for c in busy)
    finally:
        close_all(busy)


def test_a_thousand_silent_connections_from_one_address_lock_nobody_out(server_factory):
    raise_own_fd_limit(1200)
    srv = server_factory()                     # the default cap of 256 per address
    hog = open_silent(srv.port, 1000, "127.0.0.2")
    try:
        for source in ("127.0.0.3", "127.0.0.4", "127.0.0.2"):
            a = health_from(srv.port, source)
            assert a.status == 200 and a.body == b'{"status":"ok"}', a
        assert closed_count(hog[:744], 10) == 744
    finally:
        close_all(hog)


# ---------------------------------------------------------------------------- first byte
def test_a_silent_new_connection_is_closed_after_the_first_byte_timeout(server_factory):
    srv = server_factory(env={"TASKAPI_FIRST_BYTE_TIMEOUT": "1", "TASKAPI_IDLE_TIMEOUT": "60"})
    with Conn(srv.port, timeout=10) as silent, Conn(srv.port, timeout=10) as kept:
        kept.send(HEALTH)
        assert kept.answer().status == 200
        assert silent.wait_closed(6), "a connection that never sent a byte stayed open"
        assert silent.buffer == b""
        assert kept.still_open(0.5), "a kept-alive connection got the first-byte timeout"


# ---------------------------------------------------------------------------- global cap
def test_at_the_global_cap_the_oldest_idle_connection_makes_room(server_factory):
    srv = server_factory(env={"TASKAPI_MAX_CONNECTIONS": "40",
                              "TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "0"})
    kept = open_silent(srv.port, 20, "127.0.0.2")
    for c in kept:                              # 20 kept-alive connections, idle
        c.send(HEALTH)
        assert c.answer().status == 200
    silent = open_silent(srv.port, 20, "127.0.0.3")
    newcomers = []
    try:
        for i in range(5):
            c = Conn(srv.port, timeout=10, source="127.0.0.4")
            newcomers.append(c)
            c.send(HEALTH)
            a = c.answer(timeout=5)
            assert a.status == 200, "new connection %d was refused at the cap: %r" % (i, a)
        # five idle connections made room (which ones, longest idle first, is
        # tests/unit/http/connection_table_test.cpp's: here their order of going idle is the
        # server threads')
        assert closed_among(kept + silent, 5, 5) == 5
    finally:
        close_all(kept, silent, newcomers)


def test_at_the_global_cap_with_nothing_idle_new_connections_get_503(server_factory):
    srv = server_factory(env={"TASKAPI_MAX_CONNECTIONS": "20",
                              "TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "0"})
    busy = open_busy(srv.port, 20, "127.0.0.2")
    try:
        with Conn(srv.port, timeout=10, source="127.0.0.3") as c:
            assert c.wait_closed(5)
            assert_answer_json(c.answer(timeout=1), 503, BUSY)
    finally:
        close_all(busy)


# ---------------------------------------------------------------------------- out of descriptors
def low_fd_server(server_factory, limit=64):
    srv = server_factory(env={"TASKAPI_MAX_CONNECTIONS": "1000",
                              "TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "0"}, start=False)
    srv.preexec_fn = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return srv.start()


def assert_served_again(port, source, attempts=50):
    """Once the clients that held the descriptors are gone, a new client is served again. The
    server learns of their closes one read at a time: until it has, a newcomer may still find no
    descriptor free, and then gets the clean 503 (never a hang or a reset)."""
    for _ in range(attempts):
        answer = health_from(port, source)
        if answer.status == 200:
            return
        assert_answer_json(answer, 503, BUSY)
        time.sleep(0.1)
    raise AssertionError("still refused %d times after the descriptors were given back" % attempts)


def assert_calm_for_two_seconds(srv):
    """The old server spun on EMFILE: a whole core, and a log line per failed accept."""
    cpu_before = cpu_seconds(srv.proc.pid)
    time.sleep(2)
    assert cpu_seconds(srv.proc.pid) - cpu_before < 1.0, "the accept loop spins"
    accept_lines = [line for line in srv.log.splitlines() if "accept" in line.lower()]
    assert len(accept_lines) < 20, accept_lines[:5]


def test_out_of_descriptors_with_idle_connections(server_factory):
    srv = low_fd_server(server_factory)
    silent = open_silent(srv.port, 100, "127.0.0.2")
    try:
        assert_calm_for_two_seconds(srv)
        for source in ("127.0.0.3", "127.0.0.4"):
            a = health_from(srv.port, source, timeout=5)
            assert a.status in (200, 503), a
    finally:
        close_all(silent)
    assert_served_again(srv.port, "127.0.0.3")


def test_out_of_descriptors_with_busy_connections_answers_503(server_factory):
    srv = low_fd_server(server_factory)
    busy = open_partial(srv.port, 100, "127.0.0.2")
    try:
        assert_calm_for_two_seconds(srv)
        with Conn(srv.port, timeout=10, source="127.0.0.3") as c:
            c.send(HEALTH)
            assert c.wait_closed(5), "a client waiting for a descriptor was left hanging"
            if c.buffer:
                assert_answer_json(c.answer(timeout=1), 503, BUSY)
    finally:
        close_all(busy)
    assert_served_again(srv.port, "127.0.0.3")
