"""Three taskapi processes on one database (issue 10): what one process accepts, all accept.

A token minted by one is accepted by the others; a user removed with the CLI is refused by all
at once; writers spread over the three lose nothing; and on PostgreSQL, login throttling counts
attempts across processes (on SQLite each process keeps its own history, as SECURITY.md says).
No balancer: the test itself sends each request to the next process in turn.
"""
import os
import threading

import pytest

from apihelpers import show

ON_POSTGRES = bool(os.environ.get("TASKAPI_TEST_POSTGRES_URL"))

L = "/api/tasks/"
T = "/api/auth/token/"


def three(server_factory, tmp_path, env=None, users=(("alice", "alice-password-1", {}),)):
    db = tmp_path / "shared.sqlite3"
    first = server_factory(users=users, env=env, db_path=db)
    return [first] + [server_factory(users=(), env=env, db_path=db) for _ in range(2)]


def test_a_token_from_one_process_is_accepted_by_all(server_factory, tmp_path):
    procs = three(server_factory, tmp_path)
    tokens = procs[0].login("alice")
    for srv in procs:
        r = srv.get("/api/me/", tokens["access"])
        assert r.status_code == 200, show(r)
        r = srv.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        assert r.status_code == 200, show(r)


def test_a_user_deleted_with_the_cli_is_refused_by_all_at_once(server_factory, tmp_path):
    procs = three(server_factory, tmp_path)
    access = procs[1].login("alice")["access"]
    task = procs[2].create_task(access, "kept until the user goes")
    res = procs[0].cli("deleteuser", "alice")
    assert res.returncode == 0, res.stderr
    for srv in procs:
        assert srv.get("/api/me/", access).status_code == 401
        assert srv.get("%s%d/" % (L, task["id"]), access).status_code == 401


def test_writers_spread_over_three_processes_lose_nothing(server_factory, tmp_path):
    procs = three(server_factory, tmp_path)
    access = procs[0].login("alice")["access"]
    created, errors = [], []
    lock = threading.Lock()

    def writer(w):
        for i in range(25):
            srv = procs[(w + i) % 3]
            r = srv.post(L, {"title": "w%d-%d" % (w, i)}, access)
            with lock:
                if r.status_code == 201:
                    created.append(r.json())
                else:
                    errors.append(show(r))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    ids = sorted(t["id"] for t in created)
    assert len(set(ids)) == 200
    for srv in procs:
        listed = srv.get(L, access).json()
        assert [t["id"] for t in listed] == ids
        assert {t["title"] for t in listed} == {"w%d-%d" % (w, i) for w in range(8) for i in range(25)}


def test_concurrent_patches_through_three_processes_lose_no_field(server_factory, tmp_path):
    procs = three(server_factory, tmp_path)
    access = procs[0].login("alice")["access"]
    task = procs[0].create_task(access, "t0")
    url = "%s%d/" % (L, task["id"])

    def patcher(field, values):
        for i, value in enumerate(values):
            r = procs[i % 3].patch(url, {field: value}, access)
            assert r.status_code == 200, show(r)

    threads = [threading.Thread(target=patcher, args=("title", ["t%d" % i for i in range(1, 41)])),
               threading.Thread(target=patcher, args=("description", ["d%d" % i for i in range(1, 41)]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = procs[2].get(url, access).json()
    assert (final["title"], final["description"]) == ("t40", "d40"), final


@pytest.mark.skipif(not ON_POSTGRES, reason="on SQLite each process throttles alone (SECURITY.md)")
def test_login_throttling_counts_across_processes(server_factory, tmp_path):
    procs = three(server_factory, tmp_path, env={"TASKAPI_LOGIN_RATE_PER_ADDRESS": "6/min"})
    statuses = [procs[i % 3].post(T, {"username": "alice", "password": "wrong"}).status_code
                for i in range(6)]
    assert statuses == [401] * 6
    for srv in procs:
        r = srv.post(T, {"username": "alice", "password": "alice-password-1"})
        assert r.status_code == 429, show(r)
