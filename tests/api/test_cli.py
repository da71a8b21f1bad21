"""The taskapi command line (createuser, changepassword, deleteuser, migrate, version, --help,
usage errors) and process behaviour (restart keeps data, graceful SIGTERM)."""
import http.client
import json
import signal
import socket
import subprocess
import time

import pytest

from apihelpers import (
    REPO, TASKAPI_BIN,
    ALLOW_DETAIL, ALLOW_LIST, ALLOW_RO, LOGIN_FAILED, NOT_FOUND, USER_INACTIVE, USER_NOT_FOUND,
    assert_json, crafted, show,
)

T = "/api/auth/token/"
R = "/api/auth/token/refresh/"
L = "/api/tasks/"


def one_line_reason(res):
    text = res.stderr.strip()
    assert text, "no reason on stderr (stdout=%r)" % res.stdout
    assert len(text.splitlines()) == 1, "reason is not one line: %r" % res.stderr
    return text


def login_status(srv, user, password):
    return srv.post(T, {"username": user, "password": password}).status_code


# ---------------------------------------------------------------- plain commands
def test_version(server_factory):
    srv = server_factory(users=(), start=False)
    res = srv.cli("version")
    assert res.returncode == 0, res
    assert res.stdout.strip(), res


def test_help(server_factory):
    srv = server_factory(users=(), start=False)
    res = srv.cli("--help")
    assert res.returncode == 0, res
    out = res.stdout + res.stderr
    for word in ("serve", "createuser", "changepassword", "deleteuser", "migrate"):
        assert word in out, (word, out)


def test_help_settings_is_readmes_table(server_factory):
    """README's settings table is what the binary prints: the two cannot drift apart."""
    srv = server_factory(users=(), start=False)
    res = srv.cli("--help-settings")
    assert res.returncode == 0, res
    with open(REPO + "/README.md", encoding="utf-8") as f:
        readme = f.read()
    start = readme.index("| setting | default | meaning |")
    end = readme.index("\n\n", start)
    assert res.stdout == readme[start:end + 1], (
        "README's settings table differs from `taskapi --help-settings`; paste its output")


@pytest.mark.parametrize("args", [
    ["no-such-command"],
    ["createuser"],
    ["createuser", "x", "--password-stdin", "--no-such-flag"],
    ["changepassword"],
    ["deleteuser"],
    ["serve", "--port", "not-a-port"],
    ["serve", "--no-such-flag"],
], ids=lambda a: " ".join(a))
def test_usage_errors_exit_2(server_factory, args):
    srv = server_factory(users=(), start=False)
    try:
        res = srv.cli(*args, input="pw-123456789\n", timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("taskapi %s did not exit within 10 s (expected a usage error, exit 2)" % " ".join(args))
    assert res.returncode == 2, (args, res)


def test_migrate_is_idempotent(server_factory):
    srv = server_factory(users=(), start=False)
    for _ in range(2):
        res = srv.cli("migrate")
        assert res.returncode == 0, res
    assert srv.sql("SELECT count(*) FROM schema_migrations") != [["0"]]
    srv.create_user("alice", "alice-password-1")
    srv.start()
    assert srv.get("/api/me/", srv.login("alice")["access"]).json() == {"id": 1, "username": "alice"}


# ---------------------------------------------------------------- createuser
def test_createuser_duplicate_exits_1(server_factory):
    srv = server_factory(start=False)  # alice, bob
    res = srv.cli("createuser", "alice", "--password-stdin", input="other-password-1\n")
    assert res.returncode == 1, res
    one_line_reason(res)
    # the original password still works, the new one does not
    srv.start()
    assert login_status(srv, "alice", "alice-password-1") == 200
    assert login_status(srv, "alice", "other-password-1") == 401


def test_createuser_usernames_are_case_sensitive(server_factory):
    srv = server_factory(start=False)
    srv.create_user("Alice", "upper-password-1")
    srv.start()
    tok = srv.login("Alice", "upper-password-1")["access"]
    assert_json(srv.get("/api/me/", tok), 200, {"id": 3, "username": "Alice"}, allow=ALLOW_RO)
    assert login_status(srv, "Alice", "alice-password-1") == 401
    assert login_status(srv, "alice", "upper-password-1") == 401


def test_createuser_password_is_the_whole_line(server_factory):
    srv = server_factory(users=(("dave", "correct horse battery staple", {}),))
    assert login_status(srv, "dave", "correct horse battery staple") == 200
    assert login_status(srv, "dave", "correct") == 401


def test_inactive_user(server_factory):
    srv = server_factory(users=(("alice", "alice-password-1", {}), ("ivan", "ivan-password-1", {"inactive": True})))
    r = srv.post(T, {"username": "ivan", "password": "ivan-password-1"})
    assert_json(r, 401, LOGIN_FAILED)
    assert_json(srv.get("/api/me/", crafted(2)), 401, USER_INACTIVE, allow=ALLOW_RO)
    r = srv.post(R, {"refresh": crafted(2, "refresh", 86400)})
    assert r.status_code == 401 and r.json()["code"] == "token_not_valid", show(r)


def test_superuser_sees_only_own_tasks(server_factory):
    srv = server_factory(users=(("alice", "alice-password-1", {}), ("bob", "bob-password-1", {}),
                                ("root", "root-password-1", {"superuser": True})))
    alice = srv.login("alice")["access"]
    root = srv.login("root", "root-password-1")["access"]
    t = srv.create_task(alice, "alice's")
    assert_json(srv.get("/api/me/", root), 200, {"id": 3, "username": "root"}, allow=ALLOW_RO)
    assert_json(srv.get(L, root), 200, [], allow=ALLOW_LIST)
    assert_json(srv.get("/api/tasks/%d/" % t["id"], root), 404, NOT_FOUND, allow=ALLOW_DETAIL)


# ---------------------------------------------------------------- changepassword
def test_changepassword(server_factory):
    srv = server_factory()
    srv.stop()
    res = srv.cli("changepassword", "alice", "--password-stdin", input="brand-new-password-2\n")
    assert res.returncode == 0, res
    res = srv.cli("changepassword", "nobody", "--password-stdin", input="whatever-password-3\n")
    assert res.returncode == 1, res
    one_line_reason(res)
    srv.start()
    assert_json(srv.post(T, {"username": "alice", "password": "alice-password-1"}), 401, LOGIN_FAILED)
    assert login_status(srv, "alice", "brand-new-password-2") == 200
    assert login_status(srv, "bob", "bob-password-1") == 200


# ---------------------------------------------------------------- deleteuser
def test_deleteuser_cascades(server_factory):
    users = (("alice", "alice-password-1", {}), ("bob", "bob-password-1", {}), ("carol", "carol-password-1", {}))
    srv = server_factory(users=users)
    alice = srv.login("alice")["access"]
    bob = srv.login("bob")["access"]
    carol = srv.login("carol", "carol-password-1")
    a_task = srv.create_task(alice, "alice keeps this")
    b_task = srv.create_task(bob, "bob keeps this", description="untouched")
    c_tasks = [srv.create_task(carol["access"], "carol %d" % i)["id"] for i in range(2)]
    srv.stop()

    res = srv.cli("deleteuser", "carol")
    assert res.returncode == 0, res
    res = srv.cli("deleteuser", "carol")
    assert res.returncode == 1, res
    one_line_reason(res)
    res = srv.cli("deleteuser", "nobody")
    assert res.returncode == 1, res

    srv.start()
    # a token minted before the deletion: the user is gone
    assert_json(srv.get(L, carol["access"]), 401, USER_NOT_FOUND, allow=ALLOW_LIST)
    r = srv.post(R, {"refresh": carol["refresh"]})
    assert r.status_code == 401 and r.json()["code"] == "token_not_valid", show(r)
    assert_json(srv.post(T, {"username": "carol", "password": "carol-password-1"}), 401, LOGIN_FAILED)
    # everybody else's data is untouched
    assert srv.get("/api/tasks/%d/" % b_task["id"], bob).json() == b_task
    assert srv.get("/api/tasks/%d/" % a_task["id"], alice).json() == a_task
    assert [t["id"] for t in srv.get(L, bob).json()] == [b_task["id"]]
    assert [t["id"] for t in srv.get(L, alice).json()] == [a_task["id"]]
    srv.stop()

    # a new user with the same name does not inherit anything
    srv.create_user("carol", "carol-password-2")
    srv.start()
    new = srv.login("carol", "carol-password-2")["access"]
    assert_json(srv.get(L, new), 200, [], allow=ALLOW_LIST)
    for tid in c_tasks:
        assert_json(srv.get("/api/tasks/%d/" % tid, new), 404, NOT_FOUND, allow=ALLOW_DETAIL)
    me = srv.get("/api/me/", new).json()
    assert me["username"] == "carol"


# ---------------------------------------------------------------- process behaviour
def test_restart_keeps_data_and_tokens(server_factory):
    srv = server_factory()
    tokens = srv.login("alice")
    t = srv.create_task(tokens["access"], "persisted", description="across restarts", completed=True)
    srv.stop()
    srv.start()
    r = srv.get("/api/tasks/%d/" % t["id"], tokens["access"])
    assert r.status_code == 200, show(r)
    assert r.json() == t
    assert srv.post(R, {"refresh": tokens["refresh"]}).status_code == 200


def test_sigterm_while_idle_exits_0(server_factory):
    srv = server_factory()
    assert srv.get("/api/health/").status_code == 200
    rc = srv.signal_and_wait(signal.SIGTERM, timeout=10)
    assert rc == 0, "exit code %s; log:\n%s" % (rc, srv.log[-3000:])


def test_sigterm_with_an_open_keep_alive_connection_exits_0(server_factory):
    srv = server_factory()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request("GET", "/api/health/")
        r = conn.getresponse()
        assert r.status == 200 and r.read() == b'{"status":"ok"}'
        rc = srv.signal_and_wait(signal.SIGTERM, timeout=10)
        assert rc == 0, "exit code %s; log:\n%s" % (rc, srv.log[-3000:])
    finally:
        conn.close()


def test_serve_without_secret_key_fails(server_factory):
    srv = server_factory(users=(), start=False)
    env = srv.base_env()
    del env["TASKAPI_SECRET_KEY"]
    proc = subprocess.Popen([TASKAPI_BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "1"],
                            cwd=str(srv.dir), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail("serve kept running without TASKAPI_SECRET_KEY; stderr:\n%s" % err.decode(errors="replace"))
    assert proc.returncode != 0, (out, err)
    assert b"listening on" not in err


def test_sigterm_lets_an_in_flight_request_finish(server_factory):
    """A request whose body is still arriving when SIGTERM comes is served, then the server exits 0."""
    srv = server_factory()
    token = srv.login("alice")["access"]
    body = b'{"title": "written during shutdown"}'
    head = ("POST /api/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n"
            % (token, len(body))).encode()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    try:
        s.sendall(head)
        # "100 Continue" proves the server has read the headers: the request is now in flight.
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            chunk = s.recv(1)
            assert chunk, interim
            interim += chunk
        assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        s.sendall(body[:10])
        srv.proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        while "shutting down" not in srv.log and time.time() < deadline:
            time.sleep(0.05)
        assert "shutting down" in srv.log, srv.log[-3000:]
        s.sendall(body[10:])
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    finally:
        s.close()
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 201 Created", answer
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert b"connection: close" in headers.lower(), headers
    assert json.loads(payload)["title"] == "written during shutdown"
    assert srv.proc.wait(timeout=10) == 0, srv.log[-3000:]
    # The task was committed: a new server on the same database still has it.
    again = server_factory(users=(), db_path=srv.db_path)
    titles = [t["title"] for t in again.get("/api/tasks/", again.login("alice", "alice-password-1")["access"]).json()]
    assert titles == ["written during shutdown"]
