"""Fixtures for the taskapi black-box API tests.

The binary is $TASKAPI_BIN or <repo>/build/taskapi. Every server runs in its own
temporary directory (cwd, so no .env of the repository is read) with a clean
environment, a fresh SQLite database and the suite's signing key. With
$TASKAPI_TEST_POSTGRES_URL set (scripts/with-pg-cluster sets it), each database is a
fresh PostgreSQL database on that server instead; Server.sql() reads and writes
either kind beside the running server.

Fixtures
  server          module-scoped running server with alice (id 1) and bob (id 2);
                  a test module may define EXTRA_USERS = [(name, password, {"inactive": True}), ...]
                  (created after alice and bob, ids 3, 4, ...) and SERVER_ENV = {...}.
  base_url        the server's http://127.0.0.1:PORT
  login           login(user, password=None) -> {"refresh": ..., "access": ...}
  alice, bob      module-scoped access tokens; alice_refresh, bob_refresh likewise
  server_factory  function-scoped: make(users=..., env=..., start=True) -> Server, stopped at teardown
"""
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True

import pytest
import requests

from apihelpers import SECRET_KEY, TASKAPI_BIN, USERS, auth, show  # noqa: F401  (re-exported for tests)

LISTEN_RE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
POSTGRES_URL = os.environ.get("TASKAPI_TEST_POSTGRES_URL") or None


def _psql(url, sql, variables=()):
    """Runs `sql` with psql; :'name' in it is variables[name], quoted by psql. Returns stdout."""
    args = ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url]
    for name, value in variables:
        args += ["-v", "%s=%s" % (name, value)]
    res = subprocess.run(args, input=sql, capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, "psql failed: %s" % res.stderr
    return res.stdout


def _postgres_database(key):
    """The URL of a PostgreSQL database for `key` (a database path): the same key gives the
    same database, as the same file would, so a restarted server finds its data."""
    name = "taskapi_test_" + hashlib.sha1(str(key).encode()).hexdigest()[:16]
    if not _psql(POSTGRES_URL, "SELECT 1 FROM pg_database WHERE datname = :'n'", [("n", name)]).strip():
        _psql(POSTGRES_URL, 'CREATE DATABASE "%s"' % name)
    if re.match(r"postgres(ql)?://", POSTGRES_URL):
        return name, re.sub(r"^(postgres(ql)?://[^/?]*)(/[^?]*)?", lambda m: m.group(1) + "/" + name,
                            POSTGRES_URL)
    return name, POSTGRES_URL + " dbname=" + name


def _check_binary():
    if not (os.path.isfile(TASKAPI_BIN) and os.access(TASKAPI_BIN, os.X_OK)):
        pytest.fail("taskapi binary not found or not executable: %s "
                    "(build it with `cmake --build build` or set TASKAPI_BIN)" % TASKAPI_BIN,
                    pytrace=False)


class Server:
    """A taskapi process on a fresh database in its own temporary directory."""

    def __init__(self, env=None, db_path=None):
        _check_binary()
        self.dir = Path(tempfile.mkdtemp(prefix="taskapi-test-"))
        self.db_path = Path(db_path) if db_path else self.dir / "db.sqlite3"
        self.extra_env = dict(env or {})
        self.proc = None
        self.port = None
        self.passwords = {}
        self._lines = []
        self._lock = threading.Lock()
        self._reader = None
        self._stdout = None
        self.preexec_fn = None   # run in the child before exec (e.g. to lower its rlimits)
        self.pg_database = None
        if POSTGRES_URL:
            self.pg_database, self.database_url = _postgres_database(self.db_path)
        else:
            self.database_url = "sqlite:///" + str(self.db_path)  # sqlite:////abs/path

    # ------------------------------------------------------------------ environment
    def base_env(self):
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "TASKAPI_SECRET_KEY": SECRET_KEY,
            "TASKAPI_DATABASE_URL": self.database_url,
            # The suites log in far more often than a person does, all from 127.0.0.1; the tests
            # of login throttling set these themselves (env= overrides the base environment).
            "TASKAPI_LOGIN_RATE_PER_ADDRESS": "off",
            "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS": "off",
            "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME": "off",
        }
        # Runs a whole suite with the database executor (docs/decisions/008), e.g.
        # TASKAPI_TEST_DB_THREADS=2 ctest -L api.
        if os.environ.get("TASKAPI_TEST_DB_THREADS"):
            env["TASKAPI_DB_THREADS"] = os.environ["TASKAPI_TEST_DB_THREADS"]
        return env

    # ------------------------------------------------------------------ CLI
    def cli(self, *args, input=None, env=None, timeout=120):
        e = self.base_env()
        if env:
            e.update(env)
        return subprocess.run([TASKAPI_BIN, *args], input=input, env=e, cwd=str(self.dir),
                              capture_output=True, text=True, timeout=timeout)

    def create_user(self, name, password, superuser=False, inactive=False):
        args = ["createuser", name, "--password-stdin"]
        if superuser:
            args.append("--superuser")
        if inactive:
            args.append("--inactive")
        res = self.cli(*args, input=password + "\n")
        assert res.returncode == 0, "createuser %s failed (%d): %s%s" % (
            name, res.returncode, res.stdout, res.stderr)
        self.passwords[name] = password
        return res

    # ------------------------------------------------------------------ process
    def _drain(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self._lines.append(line)
                if self.port is None:
                    m = LISTEN_RE.search(line)
                    if m:
                        self.port = int(m.group(1))
        stream.close()

    @property
    def log(self):
        with self._lock:
            return "\n".join(self._lines)

    def start(self, timeout=20, args=("--host", "127.0.0.1", "--port", "0", "--threads", "2")):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        env = self.base_env()
        env["TASKAPI_LOG_LEVEL"] = "debug"
        env.update(self.extra_env)
        with self._lock:
            self._lines = []
            self.port = None
        self._stdout = open(self.dir / "stdout.log", "ab")
        self.proc = subprocess.Popen([TASKAPI_BIN, "serve", *args], cwd=str(self.dir), env=env,
                                     stdin=subprocess.DEVNULL, stdout=self._stdout,
                                     stderr=subprocess.PIPE, preexec_fn=self.preexec_fn)
        self._reader = threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True)
        self._reader.start()
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                port = self.port
            if port is not None:
                return self
            if self.proc.poll() is not None:
                self._reader.join(2)
                pytest.fail("taskapi serve exited with %s before listening; log:\n%s"
                            % (self.proc.returncode, self.log), pytrace=False)
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        pytest.fail("taskapi serve did not report 'listening on http://127.0.0.1:PORT' within %ss; log:\n%s"
                    % (timeout, self.log), pytrace=False)

    def signal_and_wait(self, sig=signal.SIGTERM, timeout=10):
        """Send a signal, wait for the exit; returns the exit code (None: still running, killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        if self._reader is not None:
            self._reader.join(5)
        if self._stdout is not None:
            self._stdout.close()
            self._stdout = None
        return rc

    def stop(self, timeout=10):
        """SIGTERM; asserts the server was still running and exits 0 within `timeout` seconds."""
        if self.proc is None:
            return
        already = self.proc.poll()
        rc = self.signal_and_wait(signal.SIGTERM, timeout)
        assert already is None, "taskapi serve had already exited with %s; log:\n%s" % (
            already, self.log[-4000:])
        assert rc == 0, "taskapi serve did not exit 0 within %ss after SIGTERM (rc=%s); log:\n%s" % (
            timeout, rc, self.log[-4000:])

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        if self.running():
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.pg_database:
            _psql(POSTGRES_URL, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.pg_database)
            self.pg_database = None

    # ------------------------------------------------------------------ the database
    def sql(self, statement, **params):
        """Runs one SQL statement on the server's database beside the server, :name
        placeholders bound to params; returns the rows as lists of strings."""
        if self.pg_database:
            out = _psql(self.database_url, re.sub(r":(\w+)", r":'\1'", statement) + ";\n",
                        [(k, str(v)) for k, v in params.items()])
            return [line.split("|") for line in out.splitlines() if line]
        db = sqlite3.connect(str(self.db_path), timeout=10)
        try:
            with db:
                return [[str(v) for v in row] for row in db.execute(statement, params).fetchall()]
        finally:
            db.close()

    # ------------------------------------------------------------------ HTTP
    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def url(self, path):
        return self.base_url + path

    def request(self, method, path, token=None, headers=None, **kw):
        h = {}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if headers:
            h.update(headers)
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 30)
        return requests.request(method, self.url(path), headers=h, **kw)

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token, **kw)

    def head(self, path, token=None, **kw):
        return self.request("HEAD", path, token, **kw)

    def options(self, path, token=None, **kw):
        return self.request("OPTIONS", path, token, **kw)

    def delete(self, path, token=None, **kw):
        return self.request("DELETE", path, token, **kw)

    def send(self, method, path, body=None, token=None, ctype="application/json", headers=None, **kw):
        """A request with a raw body (bytes/str) or an object serialized as JSON (raw UTF-8)."""
        import apihelpers
        h = {}
        if ctype is not None:
            h["Content-Type"] = ctype
        if headers:
            h.update(headers)
        if body is not None and not isinstance(body, (bytes, str)):
            body = apihelpers.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        return self.request(method, path, token, headers=h, data=body, **kw)

    def post(self, path, body=None, token=None, **kw):
        return self.send("POST", path, body, token, **kw)

    def put(self, path, body=None, token=None, **kw):
        return self.send("PUT", path, body, token, **kw)

    def patch(self, path, body=None, token=None, **kw):
        return self.send("PATCH", path, body, token, **kw)

    def login(self, user, password=None):
        if password is None:
            password = self.passwords.get(user) or USERS[user]
        r = self.post("/api/auth/token/", {"username": user, "password": password})
        assert r.status_code == 200, "login %s failed: %s" % (user, show(r))
        return r.json()

    def create_task(self, token, title="task", **fields):
        body = {"title": title}
        body.update(fields)
        r = self.post("/api/tasks/", body, token)
        assert r.status_code == 201, show(r)
        return r.json()


def make_server(users=(("alice", "alice-password-1", {}), ("bob", "bob-password-1", {})), env=None,
                start=True, db_path=None):
    srv = Server(env=env, db_path=db_path)
    try:
        for name, password, opts in users:
            srv.create_user(name, password, **opts)
        if start:
            srv.start()
    except BaseException:
        srv.cleanup()
        raise
    return srv


DEFAULT_USERS = (("alice", "alice-password-1", {}), ("bob", "bob-password-1", {}))


@pytest.fixture(scope="module")
def server(request):
    """Module-scoped server: alice (1), bob (2), then the module's EXTRA_USERS; SERVER_ENV."""
    users = list(DEFAULT_USERS) + list(getattr(request.module, "EXTRA_USERS", []))
    env = getattr(request.module, "SERVER_ENV", None)
    srv = make_server(users, env=env)
    try:
        yield srv
        srv.stop()
    finally:
        srv.cleanup()


@pytest.fixture
def server_factory():
    """make(users=..., env=..., start=True, db_path=None) -> Server; all are stopped (exit 0 asserted)."""
    made = []

    def make(users=DEFAULT_USERS, env=None, start=True, db_path=None):
        srv = make_server(users, env=env, start=start, db_path=db_path)
        made.append(srv)
        return srv

    yield make
    errors = []
    for srv in made:
        try:
            if srv.running():
                srv.stop()
        except AssertionError as e:
            errors.append(str(e))
        finally:
            srv.cleanup()
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="module")
def base_url(server):
    return server.base_url


@pytest.fixture(scope="module")
def login(server):
    def _login(user, password=None):
        return server.login(user, password)
    return _login


@pytest.fixture(scope="module")
def alice_tokens(server):
    return server.login("alice")


@pytest.fixture(scope="module")
def bob_tokens(server):
    return server.login("bob")


@pytest.fixture(scope="module")
def alice(alice_tokens):
    return alice_tokens["access"]


@pytest.fixture(scope="module")
def bob(bob_tokens):
    return bob_tokens["access"]


@pytest.fixture(scope="module")
def alice_refresh(alice_tokens):
    return alice_tokens["refresh"]
