"""Readiness drain before a stop (TASKAPI_DRAIN_SECONDS): after SIGTERM, /api/ready/ answers 503
while every other request is still served (each answer closing its connection, so kept-alive
clients move on), then the server stops and exits 0. A second signal ends the drain at once."""
import http.client
import signal
import subprocess
import time

from apihelpers import TASKAPI_BIN, assert_json, show

UNAVAILABLE = {"detail": "Service temporarily unavailable."}


def wait_for_log(srv, text, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in srv.log:
            return
        time.sleep(0.02)
    raise AssertionError("no %r in the log:\n%s" % (text, srv.log[-3000:]))


def test_sigterm_drains_readiness_first_then_stops(server_factory):
    srv = server_factory(env={"TASKAPI_DRAIN_SECONDS": "2"})
    token = srv.login("alice")["access"]
    assert srv.get("/api/ready/").status_code == 200
    # A kept-alive connection opened before the signal.
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/api/health/")
    first = conn.getresponse()
    assert first.status == 200 and first.read() == b'{"status":"ok"}'
    assert (first.getheader("Connection") or "").lower() != "close"

    srv.proc.send_signal(signal.SIGTERM)
    wait_for_log(srv, "draining for 2 s")

    r = srv.get("/api/ready/")
    assert_json(r, 503, UNAVAILABLE)
    assert r.headers.get("Retry-After") == "5"
    # Everything else is still served, liveness included.
    assert srv.get("/api/health/").status_code == 200
    me = srv.get("/api/me/", token)
    assert me.status_code == 200 and me.json()["username"] == "alice", show(me)
    created = srv.post("/api/tasks/", {"title": "during the drain"}, token)
    assert created.status_code == 201, show(created)
    assert created.headers.get("Connection", "").lower() == "close"
    # The connection from before the signal gets its answer, then is closed.
    conn.request("GET", "/api/health/")
    during = conn.getresponse()
    assert during.status == 200 and during.read() == b'{"status":"ok"}'
    assert during.getheader("Connection", "").lower() == "close"
    conn.close()

    srv.proc.wait(timeout=30)  # the drain ends by itself
    rc = srv.signal_and_wait(signal.SIGTERM, timeout=5)  # (exited: only collects the log)
    assert rc == 0, "exit code %s; log:\n%s" % (rc, srv.log[-3000:])
    assert "shutting down" in srv.log
    # What was acknowledged during the drain is kept.
    assert srv.sql("SELECT title FROM tasks WHERE title = 'during the drain'") == [
        ["during the drain"]]


def test_a_second_signal_ends_the_drain(server_factory):
    srv = server_factory(env={"TASKAPI_DRAIN_SECONDS": "3600"})
    srv.proc.send_signal(signal.SIGTERM)
    wait_for_log(srv, "draining for 3600 s")
    assert srv.get("/api/ready/").status_code == 503
    rc = srv.signal_and_wait(signal.SIGTERM, timeout=15)
    assert rc == 0, "exit code %s; log:\n%s" % (rc, srv.log[-3000:])


def test_without_a_drain_sigterm_stops_at_once(server_factory):
    srv = server_factory()
    assert srv.get("/api/ready/").status_code == 200
    rc = srv.signal_and_wait(signal.SIGTERM, timeout=10)
    assert rc == 0, "exit code %s; log:\n%s" % (rc, srv.log[-3000:])
    assert "draining" not in srv.log


def test_a_bad_drain_setting_stops_start_up(server_factory):
    srv = server_factory(users=(), start=False)
    for value in ("-1", "3601", "soon"):
        env = srv.base_env()
        env["TASKAPI_DRAIN_SECONDS"] = value
        res = subprocess.run([TASKAPI_BIN, "serve", "--host", "127.0.0.1", "--port", "0"],
                             cwd=str(srv.dir), env=env, capture_output=True, timeout=15)
        assert res.returncode != 0, value
        assert b"TASKAPI_DRAIN_SECONDS" in res.stderr, (value, res.stderr)
