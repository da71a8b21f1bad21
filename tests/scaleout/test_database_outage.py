"""PostgreSQL restarted, or frozen, under load; three taskapi processes behind nginx (issue 10,
item 6).

While the server is down every request that needs the database is answered at once with 503
{"detail":"Service temporarily unavailable."} and Retry-After (a login too, never a 401 that
would blame the password), never a 500, a 502 or a hang; each process's pool reconnects by
itself once the server is back; and every task acknowledged with 201 is in the database
afterwards, none twice. A server that stops answering without closing anything (a frozen host)
costs at most about TASKAPI_DB_STATEMENT_TIMEOUT per request, then 503 likewise.

nginx passes a taskapi 503 on as it is (deploy/nginx/taskapi.conf: `proxy_next_upstream error
timeout`, so a 503 neither counts as a failure of that process nor sends the request to another),
and a POST already sent is never sent twice; so any other status here would be taskapi's.

The restart is scripts/pg-cluster's stop-server (a fast shutdown: sessions are ended, then a
clean checkpoint, so a commit acknowledged before it survives the cluster's fsync = off and
synchronous_commit = off) and start-server; the freeze is its freeze and thaw (SIGSTOP, SIGCONT);
both on the cluster scripts/with-pg-cluster started (TASKAPI_TEST_POSTGRES_DIR). A commit cut off
by the outage may be in the database although its client got a 503 (the answer was lost, not the
commit): the tests allow that, at most once.
"""
import collections
import os
import subprocess
import threading
import time

import pytest
import requests

from apihelpers import REPO, api_conftest as load_api_conftest, show

L = "/api/tasks/"
UNAVAILABLE = {"detail": "Service temporarily unavailable."}
PG_DIR = os.environ.get("TASKAPI_TEST_POSTGRES_DIR")

pytestmark = [
    pytest.mark.skipif(not load_api_conftest().POSTGRES_URL,
                       reason="PostgreSQL only: SQLite is a file inside each process, there is "
                              "no database server to restart or freeze"),
    pytest.mark.skipif(not PG_DIR,
                       reason="TASKAPI_TEST_POSTGRES_URL names a server these tests did not start "
                              "(no TASKAPI_TEST_POSTGRES_DIR from scripts/with-pg-cluster): not "
                              "theirs to restart or freeze"),
]


def pg_cluster(command):
    subprocess.run([os.path.join(REPO, "scripts", "pg-cluster"), command, PG_DIR], check=True,
                   timeout=90)


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "%s: not within %d s" % (what, seconds)
        time.sleep(0.05)


def assert_unavailable(r):
    assert r.status_code == 503, show(r)
    assert r.json() == UNAVAILABLE, show(r)
    assert int(r.headers["Retry-After"]) > 0, show(r)


class Writers:
    """`n` threads POSTing tasks through the balancer until stopped, one session each; no
    retries. The client timeout is three times TASKAPI_DB_STATEMENT_TIMEOUT's default (5 s)."""

    def __init__(self, farm, token, n=8, prefix="restart"):
        self.farm, self.token, self.prefix = farm, token, prefix
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.sent = set()     # every title sent
        self.created = {}     # task id -> title, for every 201
        self.answers = []     # (sent at, response) of every other answer
        self.errors = []      # (sent at, exception): no answer at all
        self.last_201 = 0.0   # when the latest request answered 201 was sent
        self.threads = [threading.Thread(target=self.write, args=(w,)) for w in range(n)]
        for t in self.threads:
            t.start()

    def write(self, w):
        with requests.Session() as s:
            i = 0
            while not self.stopping.is_set():
                title = "%s %d.%d" % (self.prefix, w, i)
                i += 1
                sent_at = time.monotonic()
                with self.lock:
                    self.sent.add(title)
                try:
                    r = self.farm.request("POST", L, self.token, session=s, json={"title": title},
                                          timeout=15)
                except requests.RequestException as e:
                    with self.lock:
                        self.errors.append((sent_at, repr(e)))
                    continue
                with self.lock:
                    if r.status_code == 201:
                        self.created[r.json()["id"]] = title
                        self.last_201 = max(self.last_201, sent_at)
                    else:
                        self.answers.append((sent_at, r))

    def unavailable_since(self, t):
        with self.lock:
            return sum(1 for sent_at, r in self.answers if sent_at >= t and r.status_code == 503)

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join()


def test_postgresql_restarted_under_load(farm_factory):
    f = farm_factory()
    token = f.login("alice")["access"]
    writers = Writers(f, token)
    stopped = False
    try:
        wait_for(lambda: len(writers.created) >= 50, 30, "50 tasks created before the restart")

        pg_cluster("stop-server")
        stopped = True
        down_at = time.monotonic()
        # The load meets the outage, for more than a moment: the writers get their 503s at once,
        # and again after a second and a half of failed connection attempts.
        wait_for(lambda: writers.unavailable_since(down_at + 1.5) >= 16, 15,
                 "503s from the writers while PostgreSQL is down")
        assert_unavailable(f.request("GET", "/api/ready/"))
        for srv in f.servers:
            assert_unavailable(srv.get("/api/ready/"))
        # A login too: a 401 would tell the client its password was wrong.
        assert_unavailable(f.request("POST", "/api/auth/token/",
                                     json={"username": "alice", "password": "alice-password-1"}))

        pg_cluster("start-server")
        stopped = False
        up_at = time.monotonic()
        # Each process's pool reconnects by itself; generous bounds, no timing claims.
        for srv in f.servers:
            wait_for(lambda: srv.get("/api/ready/").status_code == 200, 30,
                     "process %d ready again" % srv.port)
        assert f.request("GET", "/api/ready/").json() == {"status": "ok"}
        wait_for(lambda: writers.last_201 >= up_at, 30, "a task created after the restart")
        settled = time.monotonic()
        wait_for(lambda: writers.last_201 >= settled + 0.5, 30, "tasks created after recovery")
    finally:
        if stopped:
            pg_cluster("start-server")
        writers.stop()

    assert_only_created_or_unavailable(writers)
    assert_acknowledged_tasks_kept(f, token, writers)


def assert_only_created_or_unavailable(writers):
    """No request hung or went unanswered, and nothing but 201 and the database's 503."""
    assert writers.errors == []
    for _, r in writers.answers:
        assert_unavailable(r)
    assert writers.answers, "the outage was not seen by the load"


def assert_acknowledged_tasks_kept(f, token, writers):
    """Every acknowledged task is there with its title; nothing is there twice; nothing is
    there that was not sent (a 503 whose commit had gone through may be)."""
    rows = f.servers[0].sql("SELECT id, title FROM tasks WHERE title LIKE :p",
                            p=writers.prefix + " %")
    stored = {int(task_id): title for task_id, title in rows}
    assert writers.created.items() <= stored.items(), \
        sorted(set(writers.created.items()) - set(stored.items()))[:10]
    twice = [t for t, n in collections.Counter(stored.values()).items() if n > 1]
    assert twice == []
    assert set(stored.values()) <= writers.sent
    # And the processes serve them: a list through the balancer has every one.
    listed = {t["id"] for t in f.request("GET", L, token).json()}
    assert set(writers.created) <= listed


def test_postgresql_frozen_under_load(farm_factory):
    # A short statement timeout keeps the test short: each request waits about that long for a
    # server that says nothing, then gets its 503.
    f = farm_factory(env={"TASKAPI_DB_STATEMENT_TIMEOUT": "2"})
    token = f.login("alice")["access"]
    writers = Writers(f, token, prefix="frozen")
    frozen = False
    try:
        wait_for(lambda: len(writers.created) >= 50, 30, "50 tasks created before the freeze")

        pg_cluster("freeze")
        frozen = True
        frozen_at = time.monotonic()
        # The writers are not stuck: requests sent well after the freeze are answered 503.
        wait_for(lambda: writers.unavailable_since(frozen_at + 3) >= 16, 30,
                 "503s from the writers while PostgreSQL is frozen")
        assert_unavailable(f.request("GET", "/api/ready/"))

        pg_cluster("thaw")
        frozen = False
        thawed_at = time.monotonic()
        for srv in f.servers:
            wait_for(lambda: srv.get("/api/ready/").status_code == 200, 30,
                     "process %d ready again" % srv.port)
        wait_for(lambda: writers.last_201 >= thawed_at, 30, "a task created after the thaw")
    finally:
        if frozen:
            pg_cluster("thaw")
        writers.stop()

    assert_only_created_or_unavailable(writers)
    assert_acknowledged_tasks_kept(f, token, writers)
