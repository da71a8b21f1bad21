"""Start-up against a database server that is not there yet (TASKAPI_DB_START_TIMEOUT): `serve`
and the commands try again with growing waits, one log line per attempt and never the password,
and give up with a message naming the setting once the time is over. On PostgreSQL, a server
that appears while `serve` waits is used as soon as it answers.
"""
import os
import re
import socket
import threading
import time

import pytest

from apihelpers import show

SECRET = "pw-s3cret-77"


def closed_port():
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_url(port):
    return "postgresql://taskapi:%s@127.0.0.1:%d/taskapi" % (SECRET, port)


def test_serve_retries_an_unreachable_database_then_gives_up(server_factory):
    srv = server_factory(users=(), start=False)
    res = srv.cli("serve", "--port", "0", env={
        "TASKAPI_DATABASE_URL": unreachable_url(closed_port()),
        "TASKAPI_DB_START_TIMEOUT": "2"}, timeout=60)
    assert res.returncode == 1, res.stderr
    attempts = re.findall(r"database unreachable \(attempt (\d+)\), next attempt in ([\d.]+) s",
                          res.stderr)
    # Waits of 0.5 s and 1 s, then what is left of the 2 s; then the last attempt fails.
    assert [int(n) for n, _ in attempts] == list(range(1, len(attempts) + 1)), res.stderr
    assert len(attempts) >= 2, res.stderr
    assert [w for _, w in attempts[:2]] == ["0.5", "1.0"], res.stderr
    assert "TASKAPI_DATABASE_URL: the database could not be reached in 2 s" in res.stderr
    assert "TASKAPI_DB_START_TIMEOUT" in res.stderr
    assert "listening" not in res.stderr
    assert SECRET not in res.stderr + res.stdout


def test_a_start_timeout_of_0_is_one_attempt(server_factory):
    srv = server_factory(users=(), start=False)
    for command in (["migrate"], ["serve", "--port", "0"]):
        res = srv.cli(*command, env={"TASKAPI_DATABASE_URL": unreachable_url(closed_port()),
                                     "TASKAPI_DB_START_TIMEOUT": "0"}, timeout=30)
        assert res.returncode == 1, res.stderr
        assert "could not be reached in 0 s (1 attempt, TASKAPI_DB_START_TIMEOUT)" in res.stderr
        assert "next attempt" not in res.stderr
        assert SECRET not in res.stderr + res.stdout


class LateForwarder:
    """From `delay` seconds on, a loopback TCP port that forwards each connection to a unix
    socket (the test cluster's PostgreSQL): until then that port refuses connections."""

    def __init__(self, unix_path, delay):
        self.unix_path = unix_path
        self.port = closed_port()
        self.listener = None
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(delay,), daemon=True)
        self.thread.start()

    def _run(self, delay):
        if self.stopped.wait(delay):
            return
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.unix_path)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()
        self.listener.close()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        self.stopped.set()
        self.thread.join(5)


@pytest.mark.skipif(not os.environ.get("TASKAPI_TEST_POSTGRES_URL"),
                    reason="PostgreSQL only: the late database is the test cluster behind a port "
                           "that opens later")
def test_serve_waits_for_a_database_that_comes_up_late(server_factory):
    srv = server_factory(start=False)  # alice and bob, created on the database directly
    socket_dir = srv.sql("SHOW unix_socket_directories")[0][0].split(",")[0].strip()
    pg_port = srv.sql("SHOW port")[0][0]
    forwarder = LateForwarder("%s/.s.PGSQL.%s" % (socket_dir, pg_port), delay=1.5)
    try:
        srv.extra_env["TASKAPI_DATABASE_URL"] = "postgresql://taskapi:%s@127.0.0.1:%d/%s" % (
            SECRET, forwarder.port, srv.pg_database)
        started = time.time()
        srv.start(timeout=60)
        assert time.time() - started >= 1.0, "the database was there from the start"
        assert "database unreachable (attempt 1), next attempt in 0.5 s" in srv.log
        assert SECRET not in srv.log
        assert srv.get("/api/ready/").status_code == 200
        token = srv.login("alice")["access"]
        r = srv.post("/api/tasks/", {"title": "after the wait"}, token)
        assert r.status_code == 201, show(r)
        assert srv.sql("SELECT title FROM tasks") == [["after the wait"]]
        srv.stop()
    finally:
        forwarder.stop()
