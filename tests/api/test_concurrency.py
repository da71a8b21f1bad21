"""Concurrency (issue 3, part 6): many users at once; the final state equals the model.

Four users, each with three owner threads and two intruder threads, all at once on one server
(four I/O threads), each thread on its own keep-alive connection:

  * an owner thread creates, updates (PUT with all or some fields, PATCH), deletes, reads and
    lists its user's tasks. It is the only writer of the tasks it created, so it keeps an exact
    model of them (the whole JSON of the last accepted answer, timestamps included). Every
    answer must match the model: read-your-writes in GET, and in every list its own live tasks
    appear exactly as modelled and its deleted tasks do not;
  * an intruder thread sends GET, HEAD, PUT, PATCH and DELETE to the ids of other users' tasks
    (live or deleted) and must get 404 {"detail":"Not found."} every time; it also lists its
    own user's tasks;
  * every list is ascending by id, holds only the caller's tasks, and no answer to a user ever
    contains another user's marker text ("[[user:NAME]]" is in every title and description);
  * no 5xx, no connection error, no other status than the one expected;
  * at the end each user's GET /api/tasks/ equals the union of its owner threads' models exactly
    (ids, titles, descriptions, completed, owner, created_at, updated_at), so no intruder request
    changed anything, and every deleted id is 404 for its owner.
"""
import http.client
import json
import random
import threading

from apihelpers import DATETIME_RE, NOT_FOUND, TASK_KEYS, compact, show, KeepAliveClient

USERS = (
    ("alice", "alice-password-1", {}),
    ("bob", "bob-password-1", {}),
    ("carol", "carol-password-1", {}),
    ("dave", "dave-password-1", {}),
)
OWNER_THREADS = 3
INTRUDER_THREADS = 2
OWNER_OPS = 300
INTRUDER_OPS = 250
SERVE_ARGS = ("--host", "127.0.0.1", "--port", "0", "--threads", "4")
L = "/api/tasks/"
TEXTS = ["", "plain", "Ünïcødé ✓ — 🚀", "line one\nline two", "y" * 200, 'quotes " and \\']


def marker(user):
    return "[[user:%s]]" % user


class Shared:
    def __init__(self, users):
        self.lock = threading.Lock()
        self.owner_of = {}                 # every id ever created -> uid
        self.ids_by_uid = {uid: [] for uid in users.values()}
        self.users = users                 # name -> uid
        self.counts = {}                   # (role, method, status) -> n

    def count(self, role, method, status):
        with self.lock:
            key = (role, method, status)
            self.counts[key] = self.counts.get(key, 0) + 1


class Failed(Exception):
    pass


class Actor:
    def __init__(self, role, index, user, uid, token, shared, port):
        self.role, self.index, self.user, self.uid, self.token = role, index, user, uid, token
        self.shared, self.port = shared, port
        self.rng = random.Random("%s-%d" % (role, index))
        self.client = KeepAliveClient(port, token)
        self.failures = []
        self.others = [marker(u).encode() for u in shared.users if u != user]
        self.seq = 0
        self.tasks = {}        # owner threads: id -> task JSON of the last accepted answer
        self.deleted = set()

    # ---------------------------------------------------------------- helpers
    def fail(self, msg):
        raise Failed("%s %d (%s): %s" % (self.role, self.index, self.user, msg))

    def call(self, method, path, body=None, expect=None):
        try:
            status, payload = self.client.request(method, path, body)
        except (OSError, http.client.HTTPException) as e:
            self.fail("%s %s %r: connection error %r" % (method, path, body, e))
        self.shared.count(self.role, method, status)
        where = "%s %s %r -> %d %r" % (method, path, body, status, payload[:300])
        if status >= 500:
            self.fail("5xx: " + where)
        for m in self.others:
            if m in payload:
                self.fail("answer contains another user's data (%s): %s" % (m.decode(), where))
        if expect is not None and status != expect:
            self.fail("expected %d: %s" % (expect, where))
        return status, payload, where

    def parse_task(self, payload, where):
        try:
            task = json.loads(payload)
        except ValueError:
            self.fail("not JSON: " + where)
        self.check_task(task, where)
        return task

    def check_task(self, task, where):
        if not isinstance(task, dict) or list(task) != TASK_KEYS:
            self.fail("not a task: " + where)
        if task["owner"] != self.uid:
            self.fail("task of owner %r in an answer to user %d: %s" % (task["owner"], self.uid, where))
        for k in ("created_at", "updated_at"):
            if not isinstance(task[k], str) or not DATETIME_RE.match(task[k]):
                self.fail("bad %s: %s" % (k, where))
        mk = marker(self.user)
        if not task["title"].startswith(mk) or not task["description"].startswith(mk):
            self.fail("title/description without the caller's marker: " + where)

    def text(self, kind):
        self.seq += 1
        return "%s %s%d n%d %s" % (marker(self.user), self.role[0], self.index, self.seq, kind)

    def listing(self):
        status, payload, where = self.call("GET", L, expect=200)
        try:
            items = json.loads(payload)
        except ValueError:
            self.fail("list is not JSON: " + where)
        if not isinstance(items, list):
            self.fail("list is not a list: " + where)
        for t in items:
            self.check_task(t, where)
        ids = [t["id"] for t in items]
        if ids != sorted(set(ids)):
            self.fail("list ids not ascending and unique: %r" % ids)
        return {t["id"]: t for t in items}, where

    # ---------------------------------------------------------------- owner thread
    def owner_step(self):
        r = self.rng.random()
        if not self.tasks or r < 0.25:
            body = {"title": self.text("created"),
                    "description": "%s:%s" % (marker(self.user), self.rng.choice(TEXTS))}
            if self.rng.random() < 0.5:
                body["completed"] = self.rng.random() < 0.5
            if self.rng.random() < 0.2:  # read-only and unknown fields are ignored
                body.update({"owner": 1 + self.uid % len(self.shared.users), "id": 1,
                             "created_at": "2000-01-01T00:00:00Z", "color": "red"})
            _, payload, where = self.call("POST", L, body, expect=201)
            task = self.parse_task(payload, where)
            want = {"title": body["title"], "description": body["description"],
                    "completed": body.get("completed", False)}
            if {k: task[k] for k in want} != want:
                self.fail("created %r, expected %r" % (task, want))
            with self.shared.lock:
                if task["id"] in self.shared.owner_of:
                    self.fail("id %d handed out twice: %s" % (task["id"], where))
                self.shared.owner_of[task["id"]] = self.uid
                self.shared.ids_by_uid[self.uid].append(task["id"])
            self.tasks[task["id"]] = task
            return
        tid = self.rng.choice(sorted(self.tasks))
        path = "%s%d/" % (L, tid)
        old = self.tasks[tid]
        if r < 0.35:
            self.call("DELETE", path, expect=204)
            del self.tasks[tid]
            self.deleted.add(tid)
            if self.rng.random() < 0.5:
                self.call("GET", path, expect=404)
            return
        if r < 0.75:
            if r < 0.55:  # PUT: title required, omitted optional fields are kept
                method, body = "PUT", {"title": self.text("put")}
                if self.rng.random() < 0.6:
                    body["description"] = "%s put%d:%s" % (marker(self.user), self.seq,
                                                           self.rng.choice(TEXTS))
                if self.rng.random() < 0.6:
                    body["completed"] = self.rng.random() < 0.5
            else:  # PATCH: a non-empty subset
                method, body = "PATCH", {}
                while not body:
                    if self.rng.random() < 0.4:
                        body["title"] = self.text("patched")
                    if self.rng.random() < 0.4:
                        body["description"] = "%s patch%d" % (marker(self.user), self.seq)
                    if self.rng.random() < 0.5:
                        body["completed"] = not old["completed"]
            if self.rng.random() < 0.1:
                body["owner"] = 1 + self.uid % len(self.shared.users)  # ignored
            _, payload, where = self.call(method, path, body, expect=200)
            task = self.parse_task(payload, where)
            want = dict(old)
            want.update({k: v for k, v in body.items() if k in ("title", "description", "completed")})
            want["updated_at"] = task["updated_at"]
            if task != want:
                self.fail("updated to %r, expected %r" % (task, want))
            self.tasks[tid] = task
            return
        if r < 0.85:
            _, payload, where = self.call("GET", path, expect=200)
            if self.parse_task(payload, where) != old:
                self.fail("GET %r, model %r" % (payload, old))
            return
        self.check_own_list()

    def check_own_list(self):
        got, where = self.listing()
        for tid, task in self.tasks.items():
            if got.get(tid) != task:
                self.fail("task %d in the list is %r, model %r" % (tid, got.get(tid), task))
        back = self.deleted & set(got)
        if back:
            self.fail("deleted tasks %r are listed" % sorted(back))

    # ---------------------------------------------------------------- intruder thread
    def intruder_step(self):
        with self.shared.lock:
            foreign = [i for uid, ids in self.shared.ids_by_uid.items() if uid != self.uid
                       for i in ids[-50:]]
        if not foreign or self.rng.random() < 0.1:
            self.listing()
            return
        tid = self.rng.choice(foreign)
        path = "%s%d/" % (L, tid)
        method = self.rng.choice(["GET", "HEAD", "PUT", "PATCH", "DELETE"])
        body = None
        if method == "PUT":
            body = {"title": self.text("hijack"), "description": marker(self.user),
                    "completed": True}
        elif method == "PATCH":
            body = self.rng.choice([{"completed": True}, {"title": self.text("hijack")},
                                    {"owner": self.uid}, {"title": ""}])
        _, payload, where = self.call(method, path, body, expect=404)
        if payload != (b"" if method == "HEAD" else compact(NOT_FOUND)):
            self.fail("404 body: " + where)

    # ---------------------------------------------------------------- thread body
    def run(self, ops, start):
        start.wait()
        try:
            for _ in range(ops):
                if self.role == "owner":
                    self.owner_step()
                else:
                    self.intruder_step()
            if self.role == "owner":
                self.check_own_list()
        except Failed as e:
            self.failures.append(str(e))
        except Exception as e:  # a bug in this test: report it rather than hang
            self.failures.append("%s %d crashed: %r" % (self.role, self.index, e))
        finally:
            self.client.close()


def test_many_users_at_once_final_state_matches_model(server_factory):
    srv = server_factory(users=USERS, start=False)
    srv.start(args=SERVE_ARGS)
    users, tokens = {}, {}
    for name, _pw, _opts in USERS:
        tokens[name] = srv.login(name)["access"]
        r = srv.get("/api/me/", tokens[name])
        assert r.status_code == 200, show(r)
        users[name] = r.json()["id"]
    assert len(set(users.values())) == len(users)
    shared = Shared(users)

    actors = []
    for name, _pw, _opts in USERS:
        for role, n in (("owner", OWNER_THREADS), ("intruder", INTRUDER_THREADS)):
            for _ in range(n):
                actors.append(Actor(role, len(actors), name, users[name], tokens[name], shared,
                                    srv.port))
    start = threading.Event()
    threads = [threading.Thread(target=a.run, daemon=True,
                                args=(OWNER_OPS if a.role == "owner" else INTRUDER_OPS, start))
               for a in actors]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(120)
    hung = [a.index for a, t in zip(actors, threads) if t.is_alive()]
    assert not hung, "threads %r did not finish" % hung
    failures = [f for a in actors for f in a.failures]
    assert not failures, "\n".join(failures[:20]) + "\nlog tail:\n" + srv.log[-3000:]

    # Final state: each user's list equals the union of its owner threads' models, exactly.
    for name, uid in users.items():
        model = {}
        deleted = set()
        for a in actors:
            if a.uid == uid and a.role == "owner":
                model.update(a.tasks)
                deleted |= a.deleted
        r = srv.get(L, tokens[name])
        assert r.status_code == 200, show(r)
        expected = [model[i] for i in sorted(model)]
        assert r.content == compact(expected), (
            "final list of %s differs from the model:\n got %r\n expected %r"
            % (name, r.json(), expected))
        for tid in sorted(deleted)[:40]:
            r = srv.get("%s%d/" % (L, tid), tokens[name])
            assert r.status_code == 404 and r.content == compact(NOT_FOUND), show(r)
    assert len(shared.owner_of) == sum(len(v) for v in shared.ids_by_uid.values())

    log = srv.log
    for needle in ("Sanitizer", "runtime error:"):
        assert needle not in log, "sanitizer report in the server log:\n" + log[log.index(needle) - 200:][:4000]

    total = sum(shared.counts.values())
    by = {}
    for (role, method, status), n in sorted(shared.counts.items()):
        by.setdefault(role, []).append("%s %d: %d" % (method, status, n))
    live = sum(len(a.tasks) for a in actors)
    print("\n[concurrency] %d requests; created %d, live at the end %d; %s"
          % (total, len(shared.owner_of), live,
             "; ".join("%s: %s" % (role, ", ".join(v)) for role, v in by.items())))
