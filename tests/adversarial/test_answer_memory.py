"""Memory per connection is bounded whatever the data (issue 8, item 3).

A list answer is produced in pieces as the client takes them: up to 1 MiB it is sent as one
answer with Content-Length (the contract's shape), beyond that with Transfer-Encoding: chunked
(HTTP/1.0: without a length, and the connection closes after it). No answer is copied for the
wire. So clients that ask for a huge list and never read pin a few MiB each, not the list twice.
Memory is VmRSS from /proc/PID/status, sampled while the clients stall.
"""
import json
import socket
import time

import pytest
import requests

from advhelpers import Conn, RssSampler, memory_bound_mib, request_bytes, scan_bytes

L = "/api/tasks/"
MIB = 1024 * 1024
BIG_TASKS = 16                  # each with a description of ~1 MiB control characters
FILLER = bytes(range(1, 9))     # \u0001..\u0008: 6 bytes each in JSON
SERVER_ENV = {"TASKAPI_READ_TIMEOUT": "4"}
BOUNDARY = "B0undary"


def multipart_task(title, description):
    def part(name, value):
        return (b"--" + BOUNDARY.encode() + b"\r\nContent-Disposition: form-data; name=\"" +
                name.encode() + b"\"\r\n\r\n" + value + b"\r\n")
    return part("title", title.encode()) + part("description", description) + \
        b"--" + BOUNDARY.encode() + b"--\r\n"


def big_description(i):
    body_room = MIB - 400
    return b"a%d" % i + FILLER * ((body_room - 8) // len(FILLER)) + b"z"


@pytest.fixture(scope="module")
def big_user(server):
    """carol, with BIG_TASKS tasks whose JSON is ~6 MiB each (a list of ~96 MiB)."""
    server.create_user("carol", "carol-password-1")
    token = server.login("carol", "carol-password-1")["access"]
    for i in range(BIG_TASKS):
        body = multipart_task("big %d" % i, big_description(i))
        assert len(body) < MIB
        r = server.post(L, body, token, ctype="multipart/form-data; boundary=" + BOUNDARY)
        assert r.status_code == 201, r.text[:300]
    return token


def test_clients_that_never_read_a_huge_list_pin_little_memory(server, big_user):
    rss = RssSampler(server.proc.pid)
    one = request_bytes("GET", L, [("Authorization", "Bearer " + big_user)])
    conns = [Conn(server.port, timeout=10) for _ in range(6)]
    try:
        for c in conns:
            c.send(one * 2)                    # two pipelined lists each, never read
        deadline = time.time() + 2.5
        while time.time() < deadline:
            rss.sample()
            time.sleep(0.1)
    finally:
        for c in conns:
            c.close()
    # the old server held each answer twice: ~190 MiB per connection
    assert rss.growth < memory_bound_mib(96), (
        "6 stalled clients made the server grow by %.0f MiB" % rss.growth)


def test_huge_list_is_complete_and_in_order(server, big_user):
    r = requests.get(server.url(L), headers={"Authorization": "Bearer " + big_user}, timeout=60)
    assert r.status_code == 200
    assert r.headers.get("Transfer-Encoding") == "chunked", r.headers
    assert "Content-Length" not in r.headers, r.headers
    assert r.headers.get("Content-Type") == "application/json"
    tasks = r.json()
    assert [t["title"] for t in tasks] == ["big %d" % i for i in range(BIG_TASKS)]
    for i, t in enumerate(tasks):
        assert t["description"].encode() == big_description(i)
    ids = [t["id"] for t in tasks]
    assert ids == sorted(ids)


def test_head_of_a_huge_list_has_no_body(server, big_user):
    with Conn(server.port, timeout=30) as c:
        c.send(request_bytes("HEAD", L, [("Authorization", "Bearer " + big_user),
                                         ("Connection", "close")]))
        assert c.wait_closed(30)
    head, _, rest = c.buffer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    assert b"\r\nTransfer-Encoding: chunked" in head, head
    assert rest == b"", rest[:200]


def read_until_closed(sock, deadline):
    parts = []
    while time.time() < deadline:
        data = sock.recv(1 << 20)
        if not data:
            return b"".join(parts)
        parts.append(data)
    raise AssertionError("the server did not close the connection in time")


def test_http10_huge_list_ends_with_the_connection(server, big_user):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(b"GET /api/tasks/ HTTP/1.0\r\nAuthorization: Bearer %s\r\n\r\n" % big_user.encode())
        raw = read_until_closed(s, time.time() + 60)
    scan_bytes(raw)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK\r\n"), head
    assert b"Content-Length" not in head and b"Transfer-Encoding" not in head, head
    assert [t["title"] for t in json.loads(body)] == ["big %d" % i for i in range(BIG_TASKS)]


# ---------------------------------------------------------------------------- many small tasks
@pytest.fixture(scope="module")
def many_user(server):
    """dave, with 3,000 tasks of ~400 bytes of JSON each (a list of ~1.2 MB), made through one
    pipelined connection."""
    server.create_user("dave", "dave-password-1")
    token = server.login("dave", "dave-password-1")["access"]
    n = 3000
    with Conn(server.port, timeout=60) as c:
        for start in range(0, n, 500):
            batch = b"".join(
                request_bytes("POST", L, [("Authorization", "Bearer " + token),
                                          ("Content-Type", "application/json")],
                              json.dumps({"title": "t%05d " % i + "x" * 240}))
                for i in range(start, min(n, start + 500)))
            c.send(batch)
            for _ in range(start, min(n, start + 500)):
                assert c.answer(timeout=30).status == 201
    return token, n


def test_list_over_one_mib_is_streamed_whole(server, many_user):
    token, n = many_user
    r = requests.get(server.url(L), headers={"Authorization": "Bearer " + token}, timeout=60)
    assert r.headers.get("Transfer-Encoding") == "chunked", r.headers
    titles = [t["title"] for t in r.json()]
    assert titles == ["t%05d " % i + "x" * 240 for i in range(n)]


@pytest.mark.parametrize("indent", [1, 4])
def test_streamed_list_honours_indent(server, many_user, indent):
    token, n = many_user
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json; indent=%d" % indent}
    r = requests.get(server.url(L), headers=headers, timeout=60)
    assert r.headers.get("Transfer-Encoding") == "chunked", r.headers
    data = json.loads(r.content)
    assert len(data) == n
    assert r.content == json.dumps(data, indent=indent, ensure_ascii=False).encode()


def test_small_list_keeps_content_length(server, alice):
    r = requests.get(server.url(L), headers={"Authorization": "Bearer " + alice}, timeout=10)
    assert r.status_code == 200
    assert r.headers.get("Content-Length") == str(len(r.content)), r.headers
    assert "Transfer-Encoding" not in r.headers
