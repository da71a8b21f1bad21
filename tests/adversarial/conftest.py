"""Fixtures for the adversarial black-box tests: those of tests/api, plus two session-wide guards.

The fixtures (server, server_factory, alice, bob, ...) are tests/api/conftest.py's, loaded under
the module name `api_conftest` (tests/api is put on sys.path for it and for `apihelpers`), so
nothing is copied. A test module may define EXTRA_USERS and SERVER_ENV as in tests/api.

Guards, for every test:
  * leak scan: every answer the suite receives (through `requests`, or through the raw socket
    helpers of advhelpers.py) is searched for a password hash (`$argon2...`) and for the signing
    key, in the status line, the headers and the body; after the test, the log (stderr) of every
    server it used is searched for those, for every token and password the test sent or received
    (advhelpers.SEEN_SECRETS) and for the passwords of the server's users;
  * health: after the test, every server it used (the module's `server`, and each one started by
    `server_factory` during the test) must still be running and answer GET /api/health/ with 200.
"""
import os
import sys
import time

sys.dont_write_bytecode = True

_HERE = os.path.dirname(os.path.abspath(__file__))
_API = os.path.join(os.path.dirname(_HERE), "api")
for _p in (_API, _HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import pytest  # noqa: E402
import requests  # noqa: E402

from apihelpers import api_conftest as _load_api_conftest  # noqa: E402

api_conftest = _load_api_conftest()

# Every fixture of tests/api (server, server_factory, alice, bob, ...) is re-exported: pytest
# registers the fixture functions it finds in a conftest's namespace.
from api_conftest import *  # noqa: E402,F401,F403

import advhelpers  # noqa: E402

# ---------------------------------------------------------------------------- leak scan
_original_send = requests.Session.send


def _scanning_send(self, request, **kwargs):
    response = _original_send(self, request, **kwargs)
    advhelpers.scan_response(response)
    advhelpers.remember_request(request, response)
    return response


requests.Session.send = _scanning_send


# ---------------------------------------------------------------------------- health guard
_started = []
_original_start = api_conftest.Server.start


def _recording_start(self, *args, **kwargs):
    result = _original_start(self, *args, **kwargs)
    _started.append(self)
    return result


api_conftest.Server.start = _recording_start


@pytest.fixture(autouse=True)
def _server_still_healthy(request, server_factory):
    """After each test: every server the test touched is alive and GET /api/health/ is 200.

    Requesting server_factory here makes its teardown (which stops the servers) run after this
    check.
    """
    del _started[:]
    advhelpers.SEEN_SECRETS.clear()
    yield
    servers = list(_started)
    module_server = request.node.funcargs.get("server")
    if isinstance(module_server, api_conftest.Server) and module_server not in servers:
        servers.append(module_server)
    for srv in servers:
        advhelpers.scan_log(srv.log, srv.passwords.values(), "log of the server on port %s" % srv.port)
    for srv in servers:
        if srv.proc is None:
            continue  # made with start=False and never started
        assert srv.running(), "taskapi serve exited (%s) during the test; log:\n%s" % (
            srv.proc.returncode, srv.log[-4000:])
        _assert_healthy(srv)


def _assert_healthy(srv, patience=5.0):
    """GET /api/health/ is 200; a 503 or a refused connection (a connection cap that has not yet
    seen the test's connections close) is retried for `patience` seconds."""
    deadline = time.time() + patience
    while True:
        try:
            r = requests.get(srv.url("/api/health/"), timeout=10)
        except requests.ConnectionError as e:
            r, error = None, e
        if r is not None and r.status_code != 503:
            break
        if time.time() > deadline:
            break
        time.sleep(0.1)
    assert r is not None, "server no longer answers after the test: %s" % error
    assert r.status_code == 200 and r.content == b'{"status":"ok"}', (
        "server no longer healthy after the test: %s" % advhelpers.show(r))
