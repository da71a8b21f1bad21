"""Several stateless taskapi processes on one database, nginx in front (deploy/nginx/taskapi.conf).

JWT makes the processes stateless: a token minted by one is good at every other, and what must
be shared (users, tasks, blacklisted refresh tokens) lives in the database, so a user removed
with the CLI is refused by all of them at once, a refresh token logged out or rotated away
through one is refused by every other, and concurrent writers (and patchers) through the
balancer lose nothing. On
PostgreSQL the login-throttle history is in the database too, so the processes together allow
the rate; on SQLite each process keeps its own (SECURITY.md, "Login throttling"). A process that
dies leaves the others serving: nginx skips it.
"""
import threading

import pytest
import requests

from apihelpers import api_conftest as load_api_conftest, show

L = "/api/tasks/"
T = "/api/auth/token/"
R = "/api/auth/token/refresh/"
B = "/api/auth/token/blacklist/"
ON_POSTGRES = bool(load_api_conftest().POSTGRES_URL)


def direct(srv, path, token):
    return requests.get(srv.url(path), headers={"Authorization": "Bearer " + token}, timeout=30)


def served_by(srv, method, path):
    """How many requests `method path` this process answered (its access log has each one)."""
    return sum(1 for line in srv.log.splitlines()
               if " info access method=%s path=%s " % (method, path) in line)


def run_writers(farm, token, writers, per_writer, prefix):
    """`writers` threads each POST `per_writer` tasks through the balancer, one session each.
    Returns ({task id: title} of every 201, [(status, body) of every other answer])."""
    created = {}
    failures = []
    lock = threading.Lock()

    def writer(w):
        with requests.Session() as s:
            for i in range(per_writer):
                title = "%s %d.%d" % (prefix, w, i)
                try:
                    r = farm.request("POST", "/api/tasks/", token, session=s, json={"title": title})
                except requests.RequestException as e:
                    with lock:
                        failures.append((None, repr(e)))
                    continue
                with lock:
                    if r.status_code == 201:
                        created[r.json()["id"]] = title
                    else:
                        failures.append((r.status_code, r.text[:200]))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return created, failures


def test_a_token_minted_by_one_process_is_good_at_every_other(farm):
    first = farm.servers[0]
    tokens = first.login("alice")
    for srv in farm.servers:
        r = direct(srv, "/api/me/", tokens["access"])
        assert r.status_code == 200, show(r)
        assert r.json()["username"] == "alice"
    # ... and so is its refresh token
    for srv in farm.servers[1:]:
        r = srv.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        assert r.status_code == 200, show(r)
        assert direct(srv, "/api/me/", r.json()["access"]).status_code == 200


def test_a_user_removed_with_the_cli_is_refused_by_every_process_at_once(farm):
    farm.servers[0].create_user("carol", "carol-password-1")
    token = farm.login("carol")["access"]
    task = farm.request("POST", L, token, json={"title": "carol's"}).json()
    for srv in farm.servers:
        assert direct(srv, L + "%d/" % task["id"], token).status_code == 200
    res = farm.cli("deleteuser", "carol")
    assert res.returncode == 0, res.stderr
    for srv in farm.servers:
        r = direct(srv, "/api/me/", token)
        assert r.status_code == 401, show(r)
        assert r.json()["code"] == "user_not_found", show(r)
        assert direct(srv, L + "%d/" % task["id"], token).status_code == 401


def test_a_refresh_token_blacklisted_through_one_process_is_refused_by_every_other(farm_factory):
    f = farm_factory(env={"TASKAPI_ROTATE_REFRESH_TOKENS": "true",
                          "TASKAPI_BLACKLIST_AFTER_ROTATION": "true"})
    first, second, third = f.servers
    blacklisted = {"detail": "Token is blacklisted", "code": "token_not_valid"}
    tokens = first.login("alice")
    r = first.post(B, {"refresh": tokens["refresh"]})
    assert r.status_code == 200, show(r)
    for srv in (second, third):
        r = srv.post(R, {"refresh": tokens["refresh"]})
        assert (r.status_code, r.json()) == (401, blacklisted), show(r)
    # Rotation through one, reuse through another: the family is revoked for all of them.
    login = second.login("bob")["refresh"]
    rotated = second.post(R, {"refresh": login}).json()["refresh"]
    r = third.post(R, {"refresh": login})
    assert (r.status_code, r.json()) == (401, blacklisted), show(r)
    r = first.post(R, {"refresh": rotated})
    assert (r.status_code, r.json()) == (401, blacklisted), show(r)


def test_eight_writers_through_the_balancer_lose_nothing(farm):
    token = farm.login("bob")["access"]
    before = {t["id"] for t in farm.request("GET", L, token).json()}
    posts_before = [served_by(srv, "POST", L) for srv in farm.servers]
    created, failures = run_writers(farm, token, writers=8, per_writer=40, prefix="w")
    assert failures == []
    assert len(created) == 8 * 40
    # Every process saw some of them: the balancer spread the load.
    for srv, n in zip(farm.servers, posts_before):
        assert served_by(srv, "POST", L) > n, "a process got no POST:\n" + srv.log[-2000:]
    # Each process reads back exactly what was acknowledged, with the titles the writers sent.
    for srv in farm.servers:
        listed = {t["id"]: t["title"] for t in direct(srv, L, token).json() if t["id"] not in before}
        assert listed == created


def test_concurrent_patches_through_the_balancer_lose_no_field(farm):
    token = farm.login("alice")["access"]
    task = farm.request("POST", L, token, json={"title": "t0"}).json()
    url = L + "%d/" % task["id"]
    errors = []

    def patcher(field, prefix):
        # Each PATCH changes one field: the other patcher's field must survive it, whichever
        # process each one reaches.
        with requests.Session() as s:
            for i in range(1, 41):
                r = farm.request("PATCH", url, token, session=s, json={field: "%s%d" % (prefix, i)})
                if r.status_code != 200:
                    errors.append(show(r))

    threads = [threading.Thread(target=patcher, args=("title", "t")),
               threading.Thread(target=patcher, args=("description", "d"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for srv in farm.servers:
        final = direct(srv, url, token).json()
        assert (final["title"], final["description"]) == ("t40", "d40"), final


LOGIN_RATE = {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "6/min"}


def login_status(url, password):
    return requests.post(url + T, json={"username": "alice", "password": password},
                         timeout=30).status_code


@pytest.mark.skipif(not ON_POSTGRES, reason="on SQLite each process keeps its own login-throttle "
                    "history (SECURITY.md); test_on_sqlite_each_process_throttles_alone covers it")
def test_throttling_counts_logins_across_processes(farm_factory):
    f = farm_factory(env=LOGIN_RATE)
    answers = [login_status(f.url(""), "wrong") for _ in range(8)]
    # One client, six attempts a minute in all, whichever process each attempt reached.
    assert answers == [401] * 6 + [429] * 2
    # Every process refuses it now, even with the right password (nginx names the same client,
    # 127.0.0.1, as the direct connection does).
    for srv in f.servers:
        assert login_status(srv.base_url, "alice-password-1") == 429


@pytest.mark.skipif(ON_POSTGRES, reason="on PostgreSQL the history is shared: "
                    "test_throttling_counts_logins_across_processes covers it")
def test_on_sqlite_each_process_throttles_alone(farm_factory):
    f = farm_factory(env=LOGIN_RATE)
    first, *others = f.servers
    assert [login_status(first.base_url, "wrong") for _ in range(6)] == [401] * 6
    assert login_status(first.base_url, "alice-password-1") == 429
    # The others have seen nothing of it: the documented limit of SQLite behind a balancer,
    # where a client gets the rate once per process.
    for srv in others:
        assert login_status(srv.base_url, "alice-password-1") == 200


def test_a_killed_process_leaves_the_others_serving(farm_factory):
    f = farm_factory()
    token = f.login("alice")["access"]
    victim = f.servers[1]
    stop = threading.Event()
    results = {}

    def kill_midway():
        # Killed while the writers run: whatever it had in flight is lost with it, unacknowledged.
        while not stop.is_set() and served_by(victim, "POST", L) < 20:
            stop.wait(0.01)
        victim.proc.kill()
        victim.proc.wait()

    killer = threading.Thread(target=kill_midway)
    killer.start()
    results["during"] = run_writers(f, token, writers=8, per_writer=30, prefix="during")
    stop.set()
    killer.join()
    assert not victim.running()
    created, failures = results["during"]
    # A request the dead process had taken may fail (nginx does not send a POST twice): 502 at
    # most once per writer; everything else was answered by the others.
    assert all(status == 502 for status, _ in failures), failures
    assert len(failures) <= 8, failures
    # After it: the dead process is skipped, every request is answered.
    after, after_failures = run_writers(f, token, writers=4, per_writer=25, prefix="after")
    assert after_failures == []
    assert len(after) == 100
    # Every acknowledged task is there, read through the survivors.
    for srv in (f.servers[0], f.servers[2]):
        listed = {t["id"]: t["title"] for t in direct(srv, L, token).json()}
        assert {**created, **after}.items() <= listed.items()
