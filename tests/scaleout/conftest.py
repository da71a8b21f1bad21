"""Fixtures for the scale-out tests: several taskapi processes on one database, nginx in front.
The database is the suites' backend (tests/api/conftest.py: SQLite, or PostgreSQL when
TASKAPI_TEST_POSTGRES_URL is set).

Each farm runs N `taskapi serve` processes (tests/api/conftest.py's Server, loaded as
`api_conftest` as tests/adversarial does) on one shared database, and Debian's nginx as the load
balancer with the repository's own deploy/nginx/taskapi.conf (its upstream lines and listen port
filled in). The processes trust one proxy (TASKAPI_NUM_PROXIES=1), as behind that balancer.

Fixtures
  farm          module-scoped farm of 3 processes with alice and bob
  farm_factory  function-scoped: make(n=3, env=None) -> Farm, stopped at teardown
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True

_HERE = os.path.dirname(os.path.abspath(__file__))
_API = os.path.join(os.path.dirname(_HERE), "api")
if _API not in sys.path:
    sys.path.insert(0, _API)

import pytest  # noqa: E402
import requests  # noqa: E402

from apihelpers import api_conftest as _load_api_conftest  # noqa: E402

api_conftest = _load_api_conftest()

from apihelpers import REPO, USERS, show  # noqa: E402

NGINX_CONF = Path(REPO) / "deploy" / "nginx" / "taskapi.conf"
NGINX_BIN = shutil.which("nginx") or "/usr/sbin/nginx"
UPSTREAM_LINE = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+ (max_fails=.*;)$", re.M)
LISTEN_LINE = re.compile(r"^(\s*)listen 127\.0\.0\.1:\d+;$", re.M)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(ports, listen_port):
    """deploy/nginx/taskapi.conf with these processes and this listen port."""
    text = NGINX_CONF.read_text()
    indent, options = UPSTREAM_LINE.search(text).groups()
    lines = "\n".join("%sserver 127.0.0.1:%d %s" % (indent, p, options) for p in ports)
    text, count = UPSTREAM_LINE.subn("", text)
    assert count >= 1, "no upstream server line in %s" % NGINX_CONF
    text = text.replace("upstream taskapi {\n", "upstream taskapi {\n" + lines + "\n", 1)
    text, count = LISTEN_LINE.subn(r"\g<1>listen 127.0.0.1:%d;" % listen_port, text)
    assert count == 1, "no listen line in %s" % NGINX_CONF
    return text


class Nginx:
    """Debian's nginx with the repository's site config, in a temporary directory."""

    def __init__(self, ports):
        self.dir = Path(tempfile.mkdtemp(prefix="taskapi-nginx-"))
        self.port = free_port()
        (self.dir / "taskapi.conf").write_text(site_config(ports, self.port))
        d = self.dir
        (d / "nginx.conf").write_text("""daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/taskapi.conf;
}}
""".format(d=d))
        self.proc = subprocess.Popen([NGINX_BIN, "-p", str(d) + "/", "-e", str(d / "error.log"),
                                      "-c", str(d / "nginx.conf")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.time() + 15
        while True:
            try:
                r = requests.get(self.url("/api/health/"), timeout=2)
                if r.status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                pytest.fail("nginx did not start: %s\n%s" % (
                    self.proc.stderr.read().decode(errors="replace"), self.error_log()),
                    pytrace=False)
            time.sleep(0.05)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def error_log(self):
        try:
            return (self.dir / "error.log").read_text()
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Farm:
    """N taskapi processes on one database behind nginx."""

    def __init__(self, n=3, env=None, users=api_conftest.DEFAULT_USERS):
        env = dict({"TASKAPI_NUM_PROXIES": "1"}, **(env or {}))
        self.servers = []
        self.nginx = None
        try:
            # The first server's database is a fresh one of the suite's backend; the others share it.
            first = api_conftest.Server(env=env)
            self.database_url = first.database_url
            self.servers = [first] + [api_conftest.Server(env=env, db_path=first.db_path)
                                      for _ in range(n - 1)]
            for name, password, opts in users:
                self.servers[0].create_user(name, password, **opts)
            for srv in self.servers:
                srv.passwords = self.servers[0].passwords
                srv.start()
            self.nginx = Nginx([srv.port for srv in self.servers])
        except BaseException:
            self.cleanup()
            raise

    def cli(self, *args, **kw):
        return self.servers[0].cli(*args, **kw)

    def url(self, path):
        return self.nginx.url(path)

    def request(self, method, path, token=None, session=None, **kw):
        headers = dict(kw.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        kw.setdefault("timeout", 30)
        return (session or requests).request(method, self.url(path), headers=headers, **kw)

    def login(self, user, password=None):
        if password is None:
            password = self.servers[0].passwords.get(user) or USERS[user]
        r = self.request("POST", "/api/auth/token/", json={"username": user, "password": password})
        assert r.status_code == 200, "login %s failed: %s" % (user, show(r))
        return r.json()

    def cleanup(self):
        errors = []
        if self.nginx is not None:
            self.nginx.stop()
        for srv in self.servers:
            try:
                if srv.running():
                    srv.stop()
            except AssertionError as e:
                errors.append(str(e))
        for srv in self.servers:   # after every stop: the first one's directory holds SQLite's file
            srv.cleanup()
        return errors


@pytest.fixture(scope="module")
def farm(request):
    env = getattr(request.module, "FARM_ENV", None)
    f = Farm(env=env)
    try:
        yield f
    finally:
        errors = f.cleanup()
    assert not errors, "\n".join(errors)


@pytest.fixture
def farm_factory():
    made = []

    def make(n=3, env=None):
        f = Farm(n=n, env=env)
        made.append(f)
        return f

    yield make
    errors = []
    for f in made:
        errors += f.cleanup()
    assert not errors, "\n".join(errors)

