"""Where database work runs (docs/decisions/008): GET /api/ready/, and with the database executor
(TASKAPI_DB_THREADS > 0) no I/O thread waits on the database.

The slow database is one whose writes are held by another process: on SQLite its write lock
(Python's sqlite3, BEGIN IMMEDIATE), a write then waiting on SQLite's busy timeout (5 s); on
PostgreSQL a psql session holding LOCK TABLE tasks IN EXCLUSIVE MODE (reads go on, writes wait,
up to TASKAPI_DB_STATEMENT_TIMEOUT, 5 s). The server runs one I/O thread, so the waiting write and
the health check share it.
"""
import json
import select
import socket
import sqlite3
import subprocess
import time

import pytest

from apihelpers import ALLOW_RO, assert_json, show

ONE_IO_THREAD = ("--host", "127.0.0.1", "--port", "0", "--threads", "1")


def start(server_factory, db_threads):
    srv = server_factory(env={"TASKAPI_DB_THREADS": str(db_threads)}, start=False)
    if db_threads == 0 and srv.pg_database:
        pytest.skip("SQLite only: a database server always has the executor")
    srv.start(args=ONE_IO_THREAD)
    return srv


class WriteLock:
    """The server's database refusing writes until release(): held by another process (on
    PostgreSQL, writes of `table`)."""

    def __init__(self, srv, table="tasks"):
        self.db = self.psql = None
        if srv.pg_database:
            self.psql = subprocess.Popen(
                ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", srv.database_url],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            self.psql.stdin.write("BEGIN;\nLOCK TABLE %s IN EXCLUSIVE MODE;\nSELECT 'locked';\n"
                                  % table)
            self.psql.stdin.flush()
            assert self.psql.stdout.readline().strip() == "locked"
        else:
            self.db = sqlite3.connect(str(srv.db_path), isolation_level=None, timeout=10)
            self.db.execute("BEGIN IMMEDIATE")

    def release(self):
        if self.db is not None:
            self.db.execute("ROLLBACK")
            self.db.close()
            self.db = None
        if self.psql is not None:
            self.psql.communicate("ROLLBACK;\n", timeout=30)
            assert self.psql.returncode == 0
            self.psql = None


def server_side_unread_bytes(server_port):
    """{client port: bytes the server has not read yet} of the server's connections (the
    rx_queue of its sockets in /proc/net/tcp)."""
    unread = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == server_port:
                unread[int(fields[2].rsplit(":", 1)[1], 16)] = int(fields[4].split(":")[1], 16)
    return unread


def wait_until_read(port, sockets):
    """Returns once the server has read every request sent on `sockets` (and so dispatched
    it: nothing suspends between the two)."""
    client_ports = {s.getsockname()[1] for s in sockets}
    deadline = time.time() + 20
    while True:
        unread = server_side_unread_bytes(port)
        if all(unread.get(p) == 0 for p in client_ports):
            return
        assert time.time() < deadline, "the server never read the requests"
        time.sleep(0.005)


def send_raw(port, method, path, token, body, wait=True):
    """Sends one request on a new socket and returns the socket; with `wait`, once the server
    has read it."""
    data = json.dumps(body).encode()
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (method, path, token, len(data))).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(head + data)
    if wait:
        wait_until_read(port, [s])
    return s


def read_answer(s, timeout=30):
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, "closed without an answer: %r" % data
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, value = line.split(":", 1)
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(rest) < length:
        chunk = s.recv(65536)
        assert chunk, "closed mid-body"
        rest += chunk
    return int(head.split()[1]), json.loads(rest[:length]) if length else None


def has_answer(s):
    return bool(select.select([s], [], [], 0)[0])


# ---------------------------------------------------------------- readiness
def test_ready_when_the_database_answers(server):
    assert_json(server.get("/api/ready/"), 200, {"status": "ok"}, allow=ALLOW_RO)


def test_ready_needs_no_token_and_ignores_one(server):
    # A probe needs no credentials; the Authorization header is not even looked at.
    r = server.get("/api/ready/", headers={"Authorization": "Bearer garbage"})
    assert_json(r, 200, {"status": "ok"}, allow=ALLOW_RO)


def test_ready_answers_any_host(server):
    r = server.get("/api/ready/", headers={"Host": "10.1.2.3:8000"})
    assert_json(r, 200, {"status": "ok"}, allow=ALLOW_RO)


def test_ready_head_and_options(server):
    assert server.head("/api/ready/").status_code == 200
    r = server.options("/api/ready/")
    assert r.status_code == 200, show(r)
    assert r.json()["name"] == "Readiness Check"


def test_ready_post_is_405(server):
    assert server.post("/api/ready/", "{}").status_code == 405


# ---------------------------------------------------------------- no I/O thread waits
@pytest.mark.parametrize("db_threads", [0, 1, 4])
def test_health_and_reads_answer_while_a_write_waits_on_the_database(server_factory, db_threads):
    """0: SQLite's default, no executor: reads on the I/O thread, the write waiting on one of
    the write threads (docs/decisions/011)."""
    srv = start(server_factory, db_threads)
    if db_threads == 0:
        assert "1 I/O threads, database reads on them, 32 write threads" in srv.log
    token = srv.login("alice")["access"]
    srv.create_task(token, "before")
    lock = WriteLock(srv)
    try:
        waiting = send_raw(srv.port, "POST", "/api/tasks/", token, {"title": "waits"})
        # The write is on the executor, waiting for the lock; the only I/O thread is free.
        assert_json(srv.get("/api/health/"), 200, {"status": "ok"}, allow=ALLOW_RO)
        assert not has_answer(waiting), "the write did not wait: the test proves nothing"
        # Reads of the database go on beside it too (WAL), unless the only executor thread is
        # the one waiting.
        if db_threads != 1:
            r = srv.get("/api/tasks/", token)
            assert r.status_code == 200, show(r)
            assert [t["title"] for t in r.json()] == ["before"]
            assert srv.get("/api/ready/").status_code == 200
        assert not has_answer(waiting)
    finally:
        lock.release()
    status, body = read_answer(waiting)
    waiting.close()
    assert status == 201, body
    assert body["title"] == "waits"


def test_a_logout_waits_on_the_executor_not_on_an_io_thread(server_factory):
    """POST /api/auth/token/blacklist/ writes the refresh-token store: it runs on the database
    executor, as refresh and verify do, so the only I/O thread stays free while it waits."""
    srv = start(server_factory, 1)
    tokens = srv.login("alice")
    lock = WriteLock(srv, table="refresh_tokens")
    try:
        waiting = send_raw(srv.port, "POST", "/api/auth/token/blacklist/", tokens["access"],
                           {"refresh": tokens["refresh"]})
        assert_json(srv.get("/api/health/"), 200, {"status": "ok"}, allow=ALLOW_RO)
        assert not has_answer(waiting), "the logout did not wait: the test proves nothing"
    finally:
        lock.release()
    status, body = read_answer(waiting)
    waiting.close()
    assert (status, body) == (200, {})
    r = srv.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert r.status_code == 401 and r.json()["detail"] == "Token is blacklisted", show(r)


def test_a_write_held_past_the_timeout_is_an_error_answer(server_factory):
    srv = start(server_factory, 2)
    token = srv.login("alice")["access"]
    lock = WriteLock(srv)
    try:
        # Held past the busy timeout (SQLite) or the statement timeout (PostgreSQL), both 5 s.
        waiting = send_raw(srv.port, "POST", "/api/tasks/", token, {"title": "never"})
        status, body = read_answer(waiting, timeout=60)
        waiting.close()
    finally:
        lock.release()
    if srv.pg_database:
        # A cancelled statement is the database being unavailable: try again later.
        assert (status, body) == (503, {"detail": "Service temporarily unavailable."})
        expected_log = "POST /api/tasks/"
    else:
        # SQLite's busy error is a storage error like any other.
        assert (status, body) == (500, {"detail": "A server error occurred."})
        expected_log = "unhandled error on POST /api/tasks/"
    deadline = time.time() + 10  # the log is read by another thread
    while expected_log not in srv.log:
        assert time.time() < deadline, srv.log
        time.sleep(0.01)
    # The server goes on.
    r = srv.get("/api/tasks/", token)
    assert r.status_code == 200 and r.json() == [], show(r)


# ---------------------------------------------------------------- answers through the executor
def test_a_streamed_list_is_produced_on_the_executor(server_factory):
    srv = start(server_factory, 2)
    token = srv.login("alice")["access"]
    # Over 1 MiB of tasks: the list is sent in pieces, each one a read of the database.
    description = "d" * (300 * 1024)
    ids = [srv.create_task(token, "t%d" % i, description=description)["id"] for i in range(5)]
    r = srv.get("/api/tasks/", token)
    assert r.status_code == 200, show(r)
    assert r.headers.get("Transfer-Encoding") == "chunked"
    assert [t["id"] for t in r.json()] == ids


def test_every_kind_of_route_answers_with_the_executor(server_factory):
    srv = start(server_factory, 2)
    tokens = srv.login("alice")
    token = tokens["access"]
    task = srv.create_task(token, "one")
    assert srv.get("/api/tasks/%d/" % task["id"], token).status_code == 200
    assert srv.patch("/api/tasks/%d/" % task["id"], {"completed": True}, token).status_code == 200
    assert srv.get("/api/me/", token).json() == {"id": 1, "username": "alice"}
    assert srv.get("/api/", token).status_code == 200
    assert srv.get("/api/", "garbage").status_code == 401
    assert srv.get("/api/tasks/").status_code == 401
    assert srv.options("/api/tasks/%d/" % task["id"], token).status_code == 200
    assert srv.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 200
    assert srv.post("/api/auth/token/verify/", {"token": tokens["refresh"]}).status_code == 200
    assert srv.post("/api/auth/token/blacklist/", {"refresh": tokens["refresh"]}).status_code == 200
    assert srv.delete("/api/tasks/%d/" % task["id"], token).status_code == 204
    assert "database threads" in srv.log


# ---------------------------------------------------------------- the executor's bound
def test_beyond_the_executors_queue_the_answer_is_503_busy(server_factory):
    """1,024 database requests waiting or running (ServerOptions::max_database_queue): the
    next one is refused at once, and health still answers."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("needs 1,200 file descriptors")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    srv = server_factory(env={"TASKAPI_DB_THREADS": "1", "TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "0"},
                         start=False)
    srv.start(args=ONE_IO_THREAD)
    token = srv.login("alice")["access"]
    lock = WriteLock(srv)
    waiting = []
    try:
        # The first write holds the only executor thread on SQLite's busy timeout; 1,023 more
        # wait in the queue.
        for i in range(1024):
            waiting.append(send_raw(srv.port, "POST", "/api/tasks/", token, {"title": "w%d" % i},
                                    wait=False))
        wait_until_read(srv.port, waiting)
        refused = send_raw(srv.port, "POST", "/api/tasks/", token, {"title": "refused"})
        status, body = read_answer(refused)
        refused.close()
        assert (status, body) == (503, {"detail": "Server busy, try again later."})
        assert_json(srv.get("/api/health/"), 200, {"status": "ok"}, allow=ALLOW_RO)
        assert not any(has_answer(s) for s in waiting[:8])
    finally:
        lock.release()
    created = 0
    for s in waiting:
        status, _ = read_answer(s, timeout=60)
        s.close()
        created += status == 201
    # All of them were admitted; those still queued when the first write's timeout ended are
    # created once the lock is gone (the first may have timed out: 500 on SQLite, 503 on
    # PostgreSQL).
    assert created >= 1023
    assert len(srv.get("/api/tasks/", token).json()) == created


# ---------------------------------------------------------------- SQLite: the write threads
def start_sqlite_default(server_factory, **env):
    """SQLite without an executor (its default): reads on the I/O thread, writes on the write
    threads, where the writes that wait together share one commit (docs/decisions/011)."""
    srv = server_factory(env=env, start=False)
    if srv.pg_database:
        pytest.skip("SQLite only: a database server always has the executor")
    srv.start(args=ONE_IO_THREAD)
    return srv


def metric(srv, name):
    r = srv.get("/metrics")
    assert r.status_code == 200, show(r)
    for line in r.text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError("no %s in /metrics" % name)


def test_with_sqlite_concurrent_writes_share_commits_and_each_is_acknowledged_once(
        server_factory):
    """Writes held back together (another process holds the write lock) are committed together
    once it is released: fewer commits than writes, every write answered once with its own
    row, every row there."""
    srv = start_sqlite_default(server_factory, TASKAPI_DB_WRITE_THREADS="8")
    token = srv.login("alice")["access"]
    first = srv.create_task(token, "first")
    writers_before = metric(srv, "taskapi_db_group_commit_writers_total")
    commits_before = metric(srv, "taskapi_db_group_commits_total")
    lock = WriteLock(srv)
    try:
        waiting = [send_raw(srv.port, "POST", "/api/tasks/", token, {"title": "w%d" % i})
                   for i in range(8)]
        # Another task's update and a delete in the same batches.
        waiting.append(send_raw(srv.port, "PATCH", "/api/tasks/%d/" % first["id"], token,
                                {"completed": True}))
        assert not any(has_answer(s) for s in waiting)
    finally:
        lock.release()
    answers = [read_answer(s) for s in waiting]
    for s in waiting:
        s.close()
    assert [status for status, _ in answers] == [201] * 8 + [200], answers
    created = {body["id"]: body["title"] for _, body in answers[:8]}
    assert sorted(created.values()) == sorted("w%d" % i for i in range(8))
    assert answers[8][1]["completed"] is True
    listed = srv.get("/api/tasks/", token).json()
    assert {t["id"]: t["title"] for t in listed if t["id"] != first["id"]} == created
    assert metric(srv, "taskapi_db_group_commit_writers_total") - writers_before == 9
    commits = metric(srv, "taskapi_db_group_commits_total") - commits_before
    # The first write waited alone on the lock; the 8 others queued behind it on the write
    # threads and go in one or two commits after it.
    assert 2 <= commits <= 3, commits


def test_with_sqlite_writes_inline_when_the_write_threads_are_off(server_factory):
    srv = start_sqlite_default(server_factory, TASKAPI_DB_WRITE_THREADS="0")
    assert "database reads on them, 0 write threads" in srv.log
    token = srv.login("alice")["access"]
    task = srv.create_task(token, "inline")
    assert srv.patch("/api/tasks/%d/" % task["id"], {"completed": True}, token).status_code == 200
    assert srv.delete("/api/tasks/%d/" % task["id"], token).status_code == 204
    assert srv.get("/api/tasks/", token).json() == []
