"""Accounts hardening (issue 8, round two), black box.

* Throttled logins are answered before they take a place in the hashing queue, so a flood from
  one throttled address cannot make other addresses' logins wait or fail with 503.
* The throttle store is bounded: a username over 150 characters fails at once and has no count.
* Strangers cannot lock the owner out: failures count per (username, address), and per username
  only as a high ceiling from which the owner's recent addresses are exempt.
* `taskapi changepassword` revokes every token issued before it; a deleted user's tokens stay
  refused, even when the name is taken again. A hash upgrade at login revokes nothing.
* Every answer of the token endpoints says `Cache-Control: no-store` (RFC 6749 5.1).
* Only allowed Host values are served (TASKAPI_ALLOWED_HOSTS, Django's ALLOWED_HOSTS), except
  by the health check; a request without Host (HTTP/1.0) passes.
* `taskapi createuser` stores names in NFKC form as Django does; logins and the other commands
  look names up as given.

Client addresses: loopback is all of 127.0.0.0/8, so a socket bound to 127.0.0.2 before it
connects is another client address to the server (TASKAPI_NUM_PROXIES stays 0).
"""
import http.client
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from advhelpers import Conn, parse_answers, request_bytes, scan_bytes
from apihelpers import (
    LOGIN_FAILED, REFRESH_INVALID, USER_NOT_FOUND, assert_json, compact, token_invalid,
)

OFF = {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "off",
       "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS": "off",
       "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME": "off"}

T = "/api/auth/token/"


def connect(port, address, timeout=20):
    """A raw connection to the server from the given loopback client address."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(address, 0))


def login_bytes(username, password, host="127.0.0.1"):
    body = json.dumps({"username": username, "password": password}).encode()
    return request_bytes("POST", T, [("Content-Type", "application/json")], body, host=host)


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %r %r>" % (self.status, self.headers, self.body[:300])


def post_from(srv, address, path, body, headers=None):
    """POST `body` (an object, sent as JSON) from the loopback client `address`."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30, source_address=(address, 0))
    try:
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        conn.request("POST", path, json.dumps(body).encode(), h)
        r = conn.getresponse()
        reply = Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()
    scan_bytes(reply.body)
    return reply


def login_from(srv, address, username="alice", password="wrong-password"):
    return post_from(srv, address, T, {"username": username, "password": password})


def assert_429(r, max_wait):
    assert r.status == 429, r
    n = int(r.headers["retry-after"])
    assert 1 <= n <= max_wait, r
    assert r.body == compact({"detail": "Request was throttled. Expected available in %d second%s."
                                        % (n, "" if n == 1 else "s")}), r
    return n


def assert_401(r):
    assert r.status == 401, r
    assert r.body == compact(LOGIN_FAILED), r


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
    # (no per-address connection cap here: it would close the flood's idle connections first)
    srv = server_factory(env={"TASKAPI_LOGIN_RATE_PER_ADDRESS": "20/min",
                              "TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "0"})
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


# ---------------------------------------------------------------------------- 2. bounded store
def test_an_overlong_username_has_no_count(server_factory):
    """151 characters: refused at once like a wrong password, never counted for the name (it
    cannot exist), still counted for the address."""
    srv = server_factory(env=dict(OFF, TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS="2/min",
                                  TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME="2/hour"))
    name = "a" * 151
    for _ in range(12):
        assert_401(login_from(srv, "127.0.0.2", name))
    # 150 characters may be a name: it has a count.
    for _ in range(2):
        assert_401(login_from(srv, "127.0.0.2", "b" * 150))
    assert_429(login_from(srv, "127.0.0.2", "b" * 150), 3600)
    # The address counts every attempt, overlong names included.
    srv = server_factory(env=dict(OFF, TASKAPI_LOGIN_RATE_PER_ADDRESS="3/min"))
    for _ in range(3):
        assert_401(login_from(srv, "127.0.0.3", name))
    assert_429(login_from(srv, "127.0.0.3", name), 60)


# ---------------------------------------------------------------------------- 3. no lockout
def test_strangers_failing_do_not_lock_the_owner_out(server_factory):
    """The defaults: 10 failures for alice from one address lock only that address out."""
    srv = server_factory(start=False)
    base = srv.base_env
    srv.base_env = lambda: {k: v for k, v in base().items() if not k.startswith("TASKAPI_LOGIN_")}
    srv.extra_env = {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "off"}
    srv.start()
    for _ in range(10):
        assert_401(login_from(srv, "127.0.0.2"))
    assert_429(login_from(srv, "127.0.0.2", password="alice-password-1"), 60)
    r = login_from(srv, "127.0.0.3", password="alice-password-1")
    assert r.status == 200 and set(r.json()) == {"refresh", "access"}, r
    # Still alice's failures only: bob from the stranger's address is fine.
    assert login_from(srv, "127.0.0.2", "bob", "bob-password-1").status == 200


def test_the_username_ceiling_spares_the_owners_usual_address(server_factory):
    srv = server_factory(env=dict(OFF, TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME="5/hour"))
    assert login_from(srv, "127.0.0.1", password="alice-password-1").status == 200
    # A distributed guess: five addresses, one failure each, reach alice's ceiling.
    for i in range(5):
        assert_401(login_from(srv, "127.0.0.%d" % (10 + i)))
    n = assert_429(login_from(srv, "127.0.0.20"), 3600)
    assert n > 3500, n
    assert_429(login_from(srv, "127.0.0.21", password="alice-password-1"), 3600)
    # alice at her usual address is exempt; bob is not concerned at all.
    assert login_from(srv, "127.0.0.1", password="alice-password-1").status == 200
    assert_401(login_from(srv, "127.0.0.1"))
    assert login_from(srv, "127.0.0.22", "bob", "bob-password-1").status == 200


def test_concurrent_failures_cannot_overshoot(server_factory):
    srv = server_factory(env=dict(OFF, TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS="4/min"))
    with ThreadPoolExecutor(16) as ex:
        codes = list(ex.map(lambda i: login_from(srv, "127.0.0.2").status, range(16)))
    assert sorted(codes) == [401] * 4 + [429] * 12, codes


def test_a_right_password_gives_its_count_back(server_factory):
    srv = server_factory(env=dict(OFF, TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS="2/min",
                                  TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME="2/hour"))
    assert_401(login_from(srv, "127.0.0.2"))
    for _ in range(5):
        assert login_from(srv, "127.0.0.2", password="alice-password-1").status == 200
    assert_401(login_from(srv, "127.0.0.2"))
    assert_429(login_from(srv, "127.0.0.2", password="alice-password-1"), 60)


# ---------------------------------------------------------------------------- 4. revocation
def assert_revoked(srv, tokens):
    """The access token is answered as an invalid one, the refresh token as an invalid one."""
    r = srv.get("/api/me/", tokens["access"])
    assert_json(r, 401, token_invalid(), allow="GET, HEAD, OPTIONS")
    assert r.headers.get("WWW-Authenticate") == 'Bearer realm="api"', r.headers
    r = srv.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert r.status_code == 401 and r.json() == REFRESH_INVALID, r.text


def assert_working(srv, tokens, user_id):
    r = srv.get("/api/me/", tokens["access"])
    assert r.status_code == 200 and r.json()["id"] == user_id, r.text
    r = srv.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert r.status_code == 200, r.text
    assert srv.get("/api/me/", r.json()["access"]).status_code == 200


def test_a_password_change_revokes_earlier_tokens(server_factory):
    srv = server_factory()
    old = srv.login("alice")
    bobs = srv.login("bob")
    assert_working(srv, old, 1)
    password = "alice-password-1"
    for i in range(3):
        before = srv.login("alice", password)
        password = "alice-password-%d" % (i + 2)
        res = srv.cli("changepassword", "alice", "--password-stdin", input=password + "\n")
        assert res.returncode == 0, res.stderr
        # At once, and most likely within the second of the change: the new login's tokens
        # must work (it waits for the next second), the earlier ones not.
        fresh = srv.login("alice", password)
        assert_working(srv, fresh, 1)
        assert_revoked(srv, before)
        assert_revoked(srv, old)
        r = srv.post(T, {"username": "alice", "password": "alice-password-%d" % (i + 1)})
        assert r.status_code == 401, r.text
    assert_working(srv, bobs, 2)


def test_a_hash_upgrade_at_login_revokes_nothing(server_factory):
    # A hash of "old-params-password-1" made with taskapi's first parameters (m=19 MiB, t=2),
    # which the next login rewrites (tests/api/test_password_hashes.py).
    old_hash = ("$argon2id$v=19$m=19456,t=2,p=1$M9nf7SS57Bgmdy6Jyg9p7A$"
                "Mn/xR/hYRyd/lRfTEvZEM/vDMhzXfqnqNzMffDTV4a0")
    srv = server_factory()
    res = srv.cli("changepassword", "alice", "--password-stdin", input="old-params-password-1\n")
    assert res.returncode == 0, res.stderr
    # (a login in the second of the change waits for the next one itself: no sleep needed)
    srv.sql("UPDATE users SET password_hash = :h WHERE username = 'alice'", h=old_hash)
    first = srv.login("alice", "old-params-password-1")      # rewrites the hash
    second = srv.login("alice", "old-params-password-1")
    assert_working(srv, first, 1)
    assert_working(srv, second, 1)


def test_a_deleted_users_tokens_stay_refused(server_factory):
    """Already so before this work (ids are AUTOINCREMENT, never reused); kept as a guard."""
    srv = server_factory()
    old = srv.login("alice")
    res = srv.cli("deleteuser", "alice")
    assert res.returncode == 0, res.stderr
    srv.create_user("alice", "alice-password-9")
    r = srv.get("/api/me/", old["access"])
    assert_json(r, 401, USER_NOT_FOUND, allow="GET, HEAD, OPTIONS")
    r = srv.post("/api/auth/token/refresh/", {"refresh": old["refresh"]})
    assert r.status_code == 401 and r.json() == REFRESH_INVALID, r.text
    assert srv.get("/api/me/", srv.login("alice")["access"]).json() == {"id": 3, "username": "alice"}


# ---------------------------------------------------------------------------- 5. no-store
def test_token_endpoint_answers_are_never_stored(server_factory):
    srv = server_factory(env={"TASKAPI_LOGIN_RATE_PER_ADDRESS": "5/min"})
    R = "/api/auth/token/refresh/"
    tokens = srv.login("alice")
    answers = [
        srv.post(T, {"username": "alice", "password": "wrong-password"}),      # 401
        srv.post(T, {"username": "alice"}),                                    # 400
        srv.post(T, b"{", ctype="application/json"),                           # 400 parse error
        srv.post(T, b"x", ctype="text/plain"),                                 # 415
        srv.get(T),                                                            # 405
        srv.options(T),
        srv.post(T, {"username": "alice", "password": "x"}, headers={"Accept": "text/csv"}),  # 406
        srv.post(R, {"refresh": tokens["refresh"]}),                           # 200
        srv.post(R, {"refresh": "garbage"}),                                   # 401
        srv.post(R, {}),                                                       # 400
        srv.get(R),                                                            # 405
        srv.options(R),
    ]
    answers.append(srv.post(T, {"username": "alice", "password": "alice-password-1"}))  # 429
    assert answers[-1].status_code == 429, answers[-1].text
    statuses = [r.status_code for r in answers]
    assert statuses == [401, 400, 400, 415, 405, 200, 406, 200, 401, 400, 405, 200, 429], statuses
    for r in answers:
        assert r.headers.get("Cache-Control") == "no-store", (r.request.method, r.status_code, r.headers)
    # Other answers may be cached as before.
    assert "Cache-Control" not in srv.get("/api/health/").headers
    assert "Cache-Control" not in srv.get("/api/me/", tokens["access"]).headers


# ---------------------------------------------------------------------------- 6. allowed hosts
BAD_HOST = b'{"detail":"Invalid Host header."}'


def raw(srv, method, path, host, headers=(), body=b"", version="HTTP/1.1"):
    """One request on its own connection; the answer (advhelpers.Answer)."""
    with Conn(srv.port) as c:
        c.send(request_bytes(method, path, list(headers) + [("Connection", "close")], body,
                             version=version, host=host))
        return c.answer()


def test_a_foreign_host_is_refused_everywhere_but_health(server_factory):
    srv = server_factory()
    access = srv.login("alice")["access"]
    bearer = [("Authorization", "Bearer " + access)]
    login = json.dumps({"username": "alice", "password": "alice-password-1"}).encode()
    for host in ("evil.example", "evil.example:8000", "127.0.0.2", "[::2]:80", "localhost.evil",
                 "exa_mple.com", "127.0.0.1:80:80"):
        for method, path, headers, body in (
                ("GET", "/api/", bearer, b""),
                ("GET", "/api/me/", bearer, b""),
                ("GET", "/api/tasks/", [], b""),
                ("POST", "/api/auth/token/", [("Content-Type", "application/json")], login),
                ("OPTIONS", "/api/auth/token/refresh/", [], b""),
                ("GET", "/api/nowhere/", [], b""),
                ("GET", "/api/tasks", bearer, b"")):
            a = raw(srv, method, path, host, headers, body)
            assert a.status == 400 and a.body == BAD_HOST, (host, method, path, a)
            assert a.headers.get("content-type") == "application/json", a
            assert host.encode() not in a.raw, a          # the host is never echoed
        a = raw(srv, "GET", "/api/health/", host)
        assert a.status == 200 and a.body == b'{"status":"ok"}', (host, a)
    # The defaults: loopback names, any port.
    for host in ("localhost", "LOCALHOST:1234", "127.0.0.1", "[::1]:8000"):
        a = raw(srv, "GET", "/api/me/", host, bearer)
        assert a.status == 200, (host, a)
    # HTTP/1.0 without Host: the listen address stands in for it, and passes.
    a = raw(srv, "GET", "/api/me/", None, bearer, version="HTTP/1.0")
    assert a.status == 200 and json.loads(a.body)["username"] == "alice", a


def test_allowed_hosts_setting(server_factory):
    srv = server_factory(env={"TASKAPI_ALLOWED_HOSTS": "127.0.0.1, .example.com"})
    access = srv.login("alice")["access"]
    bearer = [("Authorization", "Bearer " + access)]
    for host, status in (("example.com", 200), ("api.example.com:8443", 200),
                         ("a.b.example.com", 200), ("badexample.com", 400), ("localhost", 400)):
        a = raw(srv, "GET", "/api/", host, bearer)
        assert a.status == status, (host, a)
        if status == 200:
            assert json.loads(a.body) == {"tasks": "http://%s/api/tasks/" % host}, a
    srv = server_factory(env={"TASKAPI_ALLOWED_HOSTS": "*"})
    assert raw(srv, "GET", "/api/me/", "anything.test", bearer).status == 200
    assert raw(srv, "GET", "/api/me/", "bad_host", bearer).status == 400  # malformed: never
    res = srv.cli("serve", "--port", "0", env={"TASKAPI_ALLOWED_HOSTS": " , "}, timeout=5)
    assert res.returncode == 1 and "TASKAPI_ALLOWED_HOSTS" in res.stderr, res.stderr


# ---------------------------------------------------------------------------- 7. NFKC usernames
FULLWIDTH = str.maketrans("abcdefghijklmnopqrstuvwxyz", "".join(chr(0xFF41 + i) for i in range(26)))


def test_createuser_normalizes_names_like_django(server_factory):
    srv = server_factory()
    # "ａｌｉｃｅ" is "alice", who exists.
    res = srv.cli("createuser", "alice".translate(FULLWIDTH), "--password-stdin",
                  input="another-password-1\n")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "a user named 'alice' already exists" in res.stderr, res.stderr
    assert login_from(srv, "127.0.0.1", "alice", "alice-password-1").status == 200
    res = srv.cli("createuser", "bobby".translate(FULLWIDTH), "--password-stdin",
                  input="bobby-password-1\n")
    assert res.returncode == 0, res.stderr
    assert "Created user 'bobby' (id 3)" in res.stdout, res.stdout
    assert login_from(srv, "127.0.0.1", "bobby", "bobby-password-1").status == 200
    # Logins use the name as sent (SimpleJWT does not normalize), and so do the other commands.
    assert_401(login_from(srv, "127.0.0.1", "bobby".translate(FULLWIDTH), "bobby-password-1"))
    res = srv.cli("deleteuser", "bobby".translate(FULLWIDTH))
    assert res.returncode == 1, res.stdout + res.stderr
    assert login_from(srv, "127.0.0.1", "bobby", "bobby-password-1").status == 200
