"""Accounts hardening (issue 8, round two), black box.

* Throttled logins are answered before they take a place in the hashing queue, so a flood from
  one throttled address cannot make other addresses' logins wait or fail with 503.

Client addresses: loopback is all of 127.0.0.0/8, so a socket bound to 127.0.0.2 before it
connects is another client address to the server (TASKAPI_NUM_PROXIES stays 0).
"""
import json
import socket
import time

from advhelpers import parse_answers, request_bytes
from apihelpers import show  # noqa: F401

T = "/api/auth/token/"


def connect(port, address, timeout=20):
    """A raw connection to the server from the given loopback client address."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(address, 0))


def login_bytes(username, password, host="127.0.0.1"):
    body = json.dumps({"username": username, "password": password}).encode()
    return request_bytes("POST", T, [("Content-Type", "application/json")], body, host=host)


def read_answer(sock, deadline):
    """The first complete answer on `sock` (advhelpers.Answer), or None when none came in time."""
    data = b""
    while time.time() < deadline:
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        answers, _ = parse_answers(data)
        if answers:
            return answers[0]
    return None


def statuses(socks, deadline):
    out = []
    for s in socks:
        a = read_answer(s, deadline)
        out.append(a.status if a is not None else None)
    return out


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------- 1. hashing queue
def test_a_throttled_flood_does_not_fill_the_hashing_queue(server_factory):
    """800 logins from one throttled address while the hashing pool is busy: they are answered
    429 at once, and logins from other addresses are still answered (200), never 503."""
    srv = server_factory(env={"TASKAPI_LOGIN_RATE_PER_ADDRESS": "20/min"})
    flood, hashers, owners = [], [], []
    try:
        flood = [connect(srv.port, "127.0.0.2") for _ in range(800)]
        hashers = [connect(srv.port, "127.0.0.%d" % (3 + i // 20)) for i in range(40)]
        owners = [connect(srv.port, "127.0.0.1") for _ in range(3)]
        # The flooding address uses up its budget with bodies that need no hashing.
        with connect(srv.port, "127.0.0.2") as c:
            for _ in range(20):
                c.sendall(request_bytes("POST", T, [("Content-Type", "application/json")], b"{"))
                a = read_answer(c, time.time() + 10)
                assert a is not None and a.status == 400, a
        # 40 real verifications (unknown users cost one each) keep the hashing pool busy...
        for i, s in enumerate(hashers):
            s.sendall(login_bytes("nobody-%d" % i, "wrong-password"))
        # ... while the throttled address floods and the owner logs in from elsewhere.
        request = login_bytes("alice", "wrong-password")
        for s in flood:
            s.sendall(request)
        for s in owners:
            s.sendall(login_bytes("alice", "alice-password-1"))
        deadline = time.time() + 60
        owner_codes = statuses(owners, deadline)
        flood_codes = statuses(flood, deadline)
        hasher_codes = statuses(hashers, deadline)
    finally:
        close_all(flood + hashers + owners)
    assert owner_codes == [200, 200, 200], owner_codes
    assert set(hasher_codes) == {401}, hasher_codes
    assert flood_codes == [429] * 800, sorted(set(map(str, flood_codes)))
