"""The suite's own guards work: a leak in any answer would be caught (see conftest.py)."""
import base64

import pytest
import requests

import advhelpers
from advhelpers import Conn, SECRET_KEY, request_bytes, scan_bytes


@pytest.mark.parametrize("leak", [
    b'{"password":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"}',
    b"X-Debug: ARGON2ID$v=19",
    b'{"key":"' + SECRET_KEY.encode() + b'"}',
    b"k=" + base64.b64encode(SECRET_KEY.encode()),
    b"k=" + SECRET_KEY.encode().hex().encode(),
])
def test_scan_catches_leaks(leak):
    with pytest.raises(AssertionError):
        scan_bytes(leak)


def test_scan_passes_ordinary_answers():
    scan_bytes(b'HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n{"id":1,"username":"alice"}')


def test_requests_answers_are_scanned(server, monkeypatch):
    seen = []
    monkeypatch.setattr(advhelpers, "scan_response", lambda r: seen.append(r.url))
    requests.get(server.url("/api/health/"), timeout=10)
    assert seen == [server.url("/api/health/")]


def test_raw_answers_are_scanned(server, monkeypatch):
    seen = []
    monkeypatch.setattr(advhelpers, "scan_bytes", lambda data, where="": seen.append(bytes(data)))
    with Conn(server.port) as c:
        c.send(request_bytes("GET", "/api/health/", [("Connection", "close")]))
        c.answers_until_closed()
    assert b"".join(seen).endswith(b'{"status":"ok"}')


def _plant(srv, line):
    with srv._lock:
        srv._lines.append(line)


@pytest.mark.parametrize("planted", ["token", "refresh", "password", "key", "hash"])
def test_log_scan_catches_a_planted_leak(server_factory, planted):
    srv = server_factory()
    tokens = srv.login("alice")           # through requests: the tokens are remembered
    advhelpers.scan_log(srv.log, srv.passwords.values())  # the log as the server wrote it passes
    leak = {"token": tokens["access"], "refresh": tokens["refresh"], "password": "alice-password-1",
            "key": SECRET_KEY, "hash": "$argon2id$v=19$m=19456"}[planted]
    _plant(srv, "2026-11-28T10:00:00.000Z info access path=/api/ note=" + leak)
    with pytest.raises(AssertionError):
        advhelpers.scan_log(srv.log, srv.passwords.values())
    with srv._lock:
        srv._lines.pop()                  # the teardown scan then passes


def test_log_scan_remembers_raw_authorization(server):
    token = "eyJhbGciOiJIUzI1NiJ9.raw-planted.signature"
    with Conn(server.port) as c:
        c.send(request_bytes("GET", "/api/me/", [("Authorization", "Bearer " + token), ("Connection", "close")]))
        c.answers_until_closed()
    assert token in advhelpers.SEEN_SECRETS
    with pytest.raises(AssertionError):
        advhelpers.scan_log("a line with " + token)
