#!/usr/bin/python3
"""taskapi benchmark: taskapi vs the Go peer vs the DRF design vs nginx, with wrk, on 127.0.0.1.

Started by bench/run (which installs the Debian packages first). Standard library only, run with
Debian's /usr/bin/python3. See bench/README.md for what is measured and how.
"""
import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
# The DRF design shipped in the repository (bench/peers/drf/, written from the seed's design
# document); --drf points elsewhere, e.g. ../shared/reference/drf. Relative to the repository root.
DEFAULT_DRF = os.path.join("bench", "peers", "drf")
# The Go peer (the same contract as an ordinary Go service) lives beside the checkout only; it is
# built with its own build.sh into GO_PEER_OUT. BENCH_GO_PEER or --go-peer point elsewhere ("none":
# pretend it is missing). Relative to the repository root.
DEFAULT_GO_PEER = os.environ.get("BENCH_GO_PEER") or os.path.join("..", "shared", "reference",
                                                                   "go-peer")
GO_PEER_OUT = os.path.join("build", "peers", "go")
PYTHON = "/usr/bin/python3"
CLK = os.sysconf("SC_CLK_TCK")

BENCH_USER = "bench"
BENCH_PASSWORD = "Bench-password-for-wrk-42"
OTHER_USERS = 100
TASKS_PER_OTHER = 1000
BENCH_TASKS = 20

ENDPOINTS = ["health", "list", "detail", "create", "update", "login"]
# --scaling: page 1 (TASKAPI_PAGE_SIZE=20) of HEAVY_USER, who owns as many tasks as the rest of
# the database together (docs/decisions/009-task-list-queries.md)
HEAVY_USER = "bench-heavy"
PAGE_ENDPOINTS = {"page": "/api/tasks/", "page-ordered": "/api/tasks/?ordering=-updated_at",
                  "page-search": "/api/tasks/?search=milk"}
# server keys, in the order they alternate within one endpoint and connection count
SERVERS = ["taskapi", "go", "drf", "taskapi-close", "taskapi-log", "nginx", "nginx-close"]
# taskapi with its access log on (TASKAPI_LOG_LEVEL=info, stderr to a file as an operator would
# keep it), on the same database as `taskapi`: not in the default runs (--access-log or --servers)
ACCESS_LOG_SERVER = "taskapi-log"
# --backend postgres: taskapi (one process, and two processes on one database) and DRF on one
# PostgreSQL cluster, and the default SQLite pair in the same run for comparison
PG_SERVERS = ["taskapi", "drf", "taskapi-close", "taskapi2", "taskapi2-close", "taskapi-sqlite",
              "drf-sqlite"]
PG_DEFAULT_SERVERS = ["taskapi", "drf", "taskapi-close", "taskapi2", "taskapi-sqlite",
                      "drf-sqlite"]
NGINX_BODY = '{"status":"ok"}'

# OWASP Password Storage Cheat Sheet, Argon2id minimum configurations: (memory KiB, iterations)
OWASP_ARGON2ID = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ------------------------------------------------------------------------------ processes

class Processes:
    """Every process this script starts, each in its own session (process group = its pid), so
    cleanup can stop exactly those groups by id."""

    def __init__(self):
        self.procs = []

    def start(self, name, argv, *, env, cwd, logfile=None):
        out = open(logfile, "ab") if logfile else subprocess.DEVNULL
        try:
            p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT if logfile else subprocess.DEVNULL,
                                 start_new_session=True)
        finally:
            if logfile:
                out.close()
        p.bench_name = name
        self.procs.append(p)
        return p

    def start_piped(self, name, argv, *, env, cwd):
        p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        p.bench_name = name
        self.procs.append(p)
        return p

    def stop(self, p, grace=5.0):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)
        # the group may outlive its leader (e.g. gunicorn workers): make sure it is gone
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(reversed(self.procs)):
            try:
                self.stop(p)
            except Exception as e:  # keep going: stop the others
                log("cleanup: %s (pid %d): %s" % (getattr(p, "bench_name", "?"), p.pid, e))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------ /proc

def proc_table():
    """pid -> (ppid, utime+stime jiffies) for every process."""
    return {pid: (ppid, cpu) for pid, (ppid, cpu, _) in proc_stats().items()}


def tree_pids(root, table=None):
    table = table if table is not None else proc_table()
    kids = {}
    for pid, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        if pid in table and pid not in out:
            out.append(pid)
            stack.extend(kids.get(pid, []))
    return out


def tree_jiffies(root):
    table = proc_table()
    return sum(table[p][1] for p in tree_pids(root, table))


def vm_kib(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


NOISY_PCT = 10.0  # other processes' share of the machine above which a run counts as noisy


def wait_quiet(limit=30.0):
    """Waits (bounded) for a second in which other processes leave the machine >= 90% idle."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        a = machine_jiffies()
        time.sleep(1.0)
        b = machine_jiffies()
        if (b[0] - a[0]) <= 0.1 * (b[1] - a[1]):
            return True
    return False


def machine_jiffies():
    """(user+nice+system, all) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as f:
        v = list(map(int, f.readline().split()[1:]))
    return v[0] + v[1] + v[2], sum(v[:8])


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


# ------------------------------------------------------------------------------ PostgreSQL

class PgCluster:
    """A throwaway PostgreSQL cluster (scripts/pg-cluster: initdb into a temp dir, a unix socket
    there only, as the postgres user when root). durable: PostgreSQL's defaults (fsync and
    synchronous_commit on) rather than the test settings (both off)."""

    def __init__(self, durable):
        self.durable = durable
        self.dir = None
        self.postmaster = None

    def start(self):
        # its own directory: as root the cluster runs as postgres, which must reach the socket;
        # tempfile's names are lowercase, which Django's URL parsing needs (it lowercases hosts)
        self.dir = tempfile.mkdtemp(prefix="taskapi-bench-pg-")
        if self.dir != self.dir.lower():
            raise BenchError("the cluster's directory %s has upper-case letters, which "
                             "DJANGO_DATABASE_URL cannot carry: set TMPDIR" % self.dir)
        env = clean_env()
        env["PG_CLUSTER_DURABLE"] = "1" if self.durable else "0"
        r = subprocess.run([os.path.join(REPO, "scripts", "pg-cluster"), "start", self.dir],
                           env=env, capture_output=True, text=True, timeout=180)
        if r.returncode != 0:
            self.dir = None  # pg-cluster removed it
            raise BenchError("scripts/pg-cluster start failed: %s" % (r.stderr or r.stdout)[-2000:])
        with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
            self.postmaster = int(f.readline())
        return self

    def stop(self):
        if self.dir:
            subprocess.run([os.path.join(REPO, "scripts", "pg-cluster"), "stop", self.dir],
                           env=clean_env(), stdout=subprocess.DEVNULL, timeout=120)
            self.dir = None

    def url(self, db):
        """libpq URI (taskapi, psql)."""
        return "postgresql://taskapi@/%s?host=%s" % (db, urllib.parse.quote(self.dir, safe="/"))

    def django_url(self, db):
        """The DRF design's DJANGO_DATABASE_URL: the socket directory as a quoted host."""
        return "postgresql://taskapi@%s/%s" % (urllib.parse.quote(self.dir, safe=""), db)

    def createdb(self, db, template=None):
        psql(self.url("taskapi"), 'CREATE DATABASE "%s"%s' % (
            db, ' TEMPLATE "%s"' % template if template else ""))

    def cpu_jiffies(self):
        """utime+stime of every process of the cluster: the postmaster, its live children (the
        backends, checkpointer, WAL writer, autovacuum...) and, through the postmaster's
        cutime+cstime, the children that have ended."""
        total = 0
        for pid, st in proc_stats().items():
            if pid == self.postmaster:
                total += st[1] + st[2]
            elif st[0] == self.postmaster:
                total += st[1]
        return total

    def settings(self):
        out = {}
        for name in ("server_version", "fsync", "synchronous_commit", "full_page_writes",
                     "shared_buffers", "max_connections"):
            out[name] = psql(self.url("taskapi"), "SHOW %s" % name).strip()
        return out


def proc_stats():
    """pid -> (ppid, utime+stime, cutime+cstime) jiffies for every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2:].split()
        out[int(d)] = (int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14]))
    return out


def psql(url, sql, stdin=None, timeout=600):
    """One psql -c (one statement, or several in one transaction); returns its unaligned output."""
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", sql], input=stdin, capture_output=True, text=True, env=clean_env(),
                       timeout=timeout)
    if r.returncode != 0:
        raise BenchError("psql failed (%s): %s" % (sql[:80], r.stderr.strip()[-1000:]))
    return r.stdout


def copy_text(rows):
    """Rows as PostgreSQL COPY text (tab-separated, \\N for NULL)."""
    def field(v):
        if v is None:
            return "\\N"
        if isinstance(v, bool):
            return "t" if v else "f"
        return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return "".join("\t".join(field(v) for v in row) + "\n" for row in rows)


def pg_timestamp(us):
    return str(dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)) + "+00"


# ------------------------------------------------------------------------------ HTTP client

def http(method, url, body=None, token=None, timeout=60.0):
    """One request; returns (status, body bytes). Never raises on an HTTP status."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_healthy(name, base, proc, limit=60.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if proc.poll() is not None:
            raise BenchError("%s exited with status %s during start-up" % (name, proc.returncode))
        try:
            if http("GET", base + "/api/health/", timeout=1.0)[0] == 200:
                return time.monotonic() - t0
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.05)
    raise BenchError("%s not healthy after %.0f s" % (name, limit))


# ------------------------------------------------------------------------------ seed data

VERBS = ["Review", "Update", "Write", "Fix", "Prepare", "Schedule", "Call", "Email", "Plan",
         "Refactor", "Test", "Deploy", "Book", "Order", "Clean up", "Organize", "Draft",
         "Submit", "Renew", "Check", "Archive", "Migrate", "Document", "Pay", "Cancel"]
OBJECTS = ["the quarterly report", "invoice 4521", "the dentist appointment",
           "the team offsite agenda", "the login page layout", "the database backup job",
           "flights to Lisbon", "the onboarding checklist", "the garage", "the tax return",
           "the car insurance", "the release notes", "the API rate limits", "the budget sheet",
           "the kitchen shelves", "the conference talk", "the vendor contract",
           "the birthday present for Sam", "the CI pipeline", "the support backlog",
           "the office plants", "the monthly newsletter", "the staging server",
           "the holiday rota", "the library books"]
CONTEXTS = ["before Friday", "for the Monday meeting", "with the design team", "next week",
            "after lunch", "for the client", "before the release", "this weekend",
            "with Priya", "by end of month", "for Q3", "when the parts arrive", "tomorrow",
            "before the board call", "with the landlord"]
DESCRIPTIONS = [
    "Ask {p} for the latest numbers first", "Follow up with {p} about the open points",
    "Check the notes from the last call", "Needs sign-off from {p} before sending",
    "Blocked until the new laptop arrives", "Use the template in the shared drive",
    "Keep it short, two pages at most", "Remember to attach the receipts",
    "{p} has the spare keys for this", "Compare at least three offers first",
    "Split into smaller steps if it drags", "Low priority, but do not forget it",
    "Coordinate the timing with {p}", "Estimate about two hours of work",
]
PEOPLE = ["Dana", "Lee", "Marta", "Omar", "Kenji", "Ines", "Tom", "Aisha", "Jonas", "Zoe"]


def clamp_text(s, lo=20, hi=60, pad=" (see notes)"):
    if len(s) > hi:
        s = s[:hi].rsplit(" ", 1)[0]
    while len(s) < lo:
        s += pad
    return s[:hi]


def text_pools(rng, n=4000):
    titles = [clamp_text("%s %s %s" % (rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(CONTEXTS)))
              for _ in range(n)]
    descs = [clamp_text(rng.choice(DESCRIPTIONS).format(p=rng.choice(PEOPLE))) for _ in range(n)]
    return titles, descs


def task_rows(total, bench_tasks, other_users, seed=4):
    """Yields (user index, title, description, completed, created_us, updated_us) for `total`
    tasks in id order: user index 0 is the bench user (exactly `bench_tasks` tasks, spread evenly
    over the id range), the others (1..other_users) take the rest round-robin. Deterministic."""
    rng = random.Random(seed)
    titles, descs = text_pools(rng)
    now_us = int(time.time() * 1e6)
    start_us = now_us - 365 * 86400 * 10**6
    step = max(1, (now_us - start_us - 86400 * 10**6) // max(1, total))
    bench_pos = {int((k + 0.5) * total / bench_tasks) for k in range(bench_tasks)}
    assert len(bench_pos) == bench_tasks
    other = 0
    for i in range(total):
        if i in bench_pos:
            user = 0
        else:
            user = 1 + other % other_users
            other += 1
        created = start_us + i * step + rng.randrange(step)
        updated = min(now_us, created + rng.randrange(7 * 86400 * 10**6)) if rng.random() < 0.4 \
            else created
        yield (user, rng.choice(titles), rng.choice(descs), 1 if rng.random() < 0.3 else 0,
               created, updated)


def other_username(i):
    return "user%03d" % i


def django_datetime(us):
    # Django's SQLite backend stores naive UTC datetimes as text, e.g. 2026-11-26 17:20:05.123456
    return str(dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us))


def insert_tasks(con, uid, total, when=lambda t: t):
    """The tasks of task_rows() into a SQLite database whose transaction is open (owners by
    index into `uid`, times as `when` writes them), then COMMIT and a checkpoint; returns the
    bench user's (uid[0]) task ids in order."""
    con.executemany(
        "INSERT INTO tasks (owner_id, title, description, completed, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        ((uid[u], t, d, c, when(cr), when(up)) for (u, t, d, c, cr, up) in
         task_rows(total, BENCH_TASKS, OTHER_USERS)))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return [r[0] for r in con.execute(
        "SELECT id FROM tasks WHERE owner_id = ? ORDER BY id", (uid[0],))]


def seed_taskapi(binary, db, total, log_path):
    """Creates the bench user with the real CLI, copies its (valid Argon2id) hash to the other
    users in SQL, and inserts the tasks in one transaction. Returns (bench user id, bench task ids,
    password hash)."""
    env = clean_env()
    env["TASKAPI_DATABASE_URL"] = "sqlite:///" + db  # db is absolute: sqlite:////abs/path
    with open(log_path, "ab") as out:
        r = subprocess.run([binary, "createuser", BENCH_USER, "--password-stdin"],
                           input=(BENCH_PASSWORD + "\n").encode(), env=env,
                           cwd=os.path.dirname(db), stdout=out, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise BenchError("taskapi createuser failed (see %s)" % log_path)
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout = 10000")
        bench_id, pw_hash = con.execute(
            "SELECT id, password_hash FROM users WHERE username = ?", (BENCH_USER,)).fetchone()
        now_us = int(time.time() * 1e6)
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO users (username, password_hash, is_active, is_superuser, date_joined)"
            " VALUES (?, ?, 1, 0, ?)",
            ((other_username(i), pw_hash, now_us - i * 3600 * 10**6)
             for i in range(1, OTHER_USERS + 1)))
        ids = {BENCH_USER: bench_id}
        ids.update(con.execute("SELECT username, id FROM users WHERE username != ?",
                               (BENCH_USER,)).fetchall())
        uid = [bench_id] + [ids[other_username(i)] for i in range(1, OTHER_USERS + 1)]
        task_ids = insert_tasks(con, uid, total)
    finally:
        con.close()
    return bench_id, task_ids, pw_hash


def seed_heavy_user(binary, db, total, log_path):
    """HEAVY_USER with `total` tasks of its own (one in ten mentions "milk", a third completed,
    titles in no particular order, updated_at shuffled), for the pages of --scaling."""
    env = clean_env()
    env["TASKAPI_DATABASE_URL"] = "sqlite:///" + db
    with open(log_path, "ab") as out:
        r = subprocess.run([binary, "createuser", HEAVY_USER, "--password-stdin"],
                           input=(BENCH_PASSWORD + "\n").encode(), env=env,
                           cwd=os.path.dirname(db), stdout=out, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise BenchError("taskapi createuser %s failed (see %s)" % (HEAVY_USER, log_path))
    con = sqlite3.connect(db, isolation_level=None)
    try:
        (heavy_id,) = con.execute("SELECT id FROM users WHERE username = ?",
                                  (HEAVY_USER,)).fetchone()
        t0 = int(time.time() * 1e6) - total * 1000
        con.execute(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) "
            "INSERT INTO tasks (owner_id, title, description, completed, created_at, updated_at) "
            "SELECT ?, 'task ' || ((i * 7919) % 1000003), 'description of task ' || i || "
            "CASE WHEN i % 10 = 0 THEN ' milk' ELSE '' END, i % 3 = 0, ? + i * 1000, "
            "? + i * 1000 + (i * 7919) % 1000000000 FROM s", (total, heavy_id, t0, t0))
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return heavy_id


def seed_taskapi_pg(binary, url, total, log_path):
    """seed_taskapi on a PostgreSQL database: the bench user by the CLI (which migrates), the
    other users with a copy of its hash and the tasks by COPY. Returns (bench user id, bench task
    ids, password hash)."""
    env = clean_env()
    env["TASKAPI_DATABASE_URL"] = url
    with open(log_path, "ab") as out:
        r = subprocess.run([binary, "createuser", BENCH_USER, "--password-stdin"],
                           input=(BENCH_PASSWORD + "\n").encode(), env=env, cwd=BENCH,
                           stdout=out, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise BenchError("taskapi createuser on PostgreSQL failed (see %s)" % log_path)
    bench_id, pw_hash = psql(url, "SELECT id, password_hash FROM users WHERE username = '%s'"
                             % BENCH_USER).strip().split("|", 1)
    bench_id = int(bench_id)
    now_us = int(time.time() * 1e6)
    psql(url, "COPY users (username, password_hash, is_active, is_superuser, date_joined) "
              "FROM STDIN", copy_text(
                  (other_username(i), pw_hash, True, False,
                   pg_timestamp(now_us - i * 3600 * 10**6)) for i in range(1, OTHER_USERS + 1)))
    ids = dict(line.split("|") for line in psql(
        url, "SELECT username, id FROM users").split())
    uid = [bench_id] + [int(ids[other_username(i)]) for i in range(1, OTHER_USERS + 1)]
    psql(url, "COPY tasks (owner_id, title, description, completed, created_at, updated_at) "
              "FROM STDIN", copy_text(
                  (uid[u], t, d, bool(c), pg_timestamp(cr), pg_timestamp(up))
                  for (u, t, d, c, cr, up) in task_rows(total, BENCH_TASKS, OTHER_USERS)))
    psql(url, "VACUUM ANALYZE")
    task_ids = [int(x) for x in psql(url, "SELECT id FROM tasks WHERE owner_id = %d ORDER BY id"
                                     % bench_id).split()]
    return bench_id, task_ids, pw_hash


def seed_drf_pg(url, total):
    """seed_drf on PostgreSQL (after migrate and the bench user, by Django): the other users with
    an unusable password and the tasks by COPY. Returns (bench user id, bench task ids)."""
    bench_id = int(psql(url, "SELECT id FROM auth_user WHERE username = '%s'" % BENCH_USER))
    now_us = int(time.time() * 1e6)
    psql(url, "COPY auth_user (password, last_login, is_superuser, username, first_name, "
              "last_name, email, is_staff, is_active, date_joined) FROM STDIN", copy_text(
                  ("!" + secrets.token_hex(20), None, False, other_username(i), "", "", "",
                   False, True, pg_timestamp(now_us - i * 3600 * 10**6))
                  for i in range(1, OTHER_USERS + 1)))
    ids = dict(line.split("|") for line in psql(url, "SELECT username, id FROM auth_user").split())
    uid = [bench_id] + [int(ids[other_username(i)]) for i in range(1, OTHER_USERS + 1)]
    psql(url, "COPY tasks_task (title, description, completed, created_at, updated_at, owner_id)"
              " FROM STDIN", copy_text(
                  (t, d, bool(c), pg_timestamp(cr), pg_timestamp(up), uid[u])
                  for (u, t, d, c, cr, up) in task_rows(total, BENCH_TASKS, OTHER_USERS)))
    psql(url, "VACUUM ANALYZE")
    task_ids = [int(x) for x in psql(
        url, "SELECT id FROM tasks_task WHERE owner_id = %d ORDER BY id" % bench_id).split()]
    return bench_id, task_ids


DRF_SETUP = r"""
import os, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.contrib.auth import get_user_model
get_user_model().objects.create_user(sys.argv[1], password=sys.argv[2])
"""


def start_drf_setup(procs, drf_dir, db, secret, log_path, pg_url=None):
    env = drf_env(db, secret, pg_url)
    return procs.start("drf-setup", [PYTHON, "-c", DRF_SETUP, BENCH_USER, BENCH_PASSWORD],
                       env=env, cwd=drf_dir, logfile=log_path)


def seed_drf(db, total):
    """After migrate and the bench user (a real PBKDF2 password, by Django): the other users with
    an unusable password, and the tasks, in SQL. Returns (bench user id, bench task ids)."""
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout = 10000")
        (bench_id,) = con.execute("SELECT id FROM auth_user WHERE username = ?",
                                  (BENCH_USER,)).fetchone()
        now_us = int(time.time() * 1e6)
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name,"
            " last_name, email, is_staff, is_active, date_joined)"
            " VALUES (?, NULL, 0, ?, '', '', '', 0, 1, ?)",
            (("!" + secrets.token_hex(20), other_username(i),
              django_datetime(now_us - i * 3600 * 10**6)) for i in range(1, OTHER_USERS + 1)))
        ids = dict(con.execute("SELECT username, id FROM auth_user").fetchall())
        uid = [bench_id] + [ids[other_username(i)] for i in range(1, OTHER_USERS + 1)]
        con.executemany(
            "INSERT INTO tasks_task (title, description, completed, created_at, updated_at,"
            " owner_id) VALUES (?, ?, ?, ?, ?, ?)",
            ((t, d, c, django_datetime(cr), django_datetime(up), uid[u]) for (u, t, d, c, cr, up)
             in task_rows(total, BENCH_TASKS, OTHER_USERS)))
        con.execute("COMMIT")
        task_ids = [r[0] for r in con.execute(
            "SELECT id FROM tasks_task WHERE owner_id = ? ORDER BY id", (bench_id,))]
    finally:
        con.close()
    return bench_id, task_ids


def go_datetime(us):
    # the Go peer stores timestamps as the text it answers: UTC, microseconds, "Z", the fraction
    # left out when it is zero (store.go's formatTimestamp)
    t = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (".%06dZ" % t.microsecond if t.microsecond else "Z")


def seed_go(binary, db, total, log_path):
    """The Go peer: its own `migrate` and `createuser` for the bench user (a real Argon2id hash,
    m=7168 KiB t=5 p=1 as taskapi's), that hash copied to the other users and the same tasks
    inserted in SQL, as for taskapi. Returns (bench user id, bench task ids)."""
    env = clean_env()
    env["TASKPEER_DATABASE_PATH"] = db
    with open(log_path, "ab") as out:
        for argv, stdin in (([binary, "migrate"], b""),
                            ([binary, "createuser", BENCH_USER, "--password-stdin"],
                             (BENCH_PASSWORD + "\n").encode())):
            r = subprocess.run(argv, input=stdin, env=env, cwd=os.path.dirname(db), stdout=out,
                               stderr=subprocess.STDOUT, timeout=120)
            if r.returncode != 0:
                raise BenchError("taskpeer %s failed (see %s)" % (argv[1], log_path))
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout = 10000")
        bench_id, pw_hash = con.execute("SELECT id, password FROM users WHERE username = ?",
                                        (BENCH_USER,)).fetchone()
        con.execute("BEGIN")
        con.executemany("INSERT INTO users (username, password, is_active) VALUES (?, ?, 1)",
                        ((other_username(i), pw_hash) for i in range(1, OTHER_USERS + 1)))
        ids = dict(con.execute("SELECT username, id FROM users").fetchall())
        uid = [bench_id] + [ids[other_username(i)] for i in range(1, OTHER_USERS + 1)]
        task_ids = insert_tasks(con, uid, total, when=go_datetime)
    finally:
        con.close()
    return bench_id, task_ids


def build_go_peer(args, tmp):
    """Builds the Go peer with its own build.sh (OUT=build/peers/go; the Debian packages are
    bench/run's business, so SKIP_APT=1). Returns (binary, None) or (None, why it is skipped)."""
    if args.go_peer in ("", "none"):
        return None, "switched off (--go-peer none / BENCH_GO_PEER=none)"
    src = os.path.normpath(os.path.join(REPO, args.go_peer))
    if not os.path.isfile(os.path.join(src, "build.sh")):
        return None, "not beside the checkout (no %s/build.sh; --go-peer)" % os.path.relpath(
            src, REPO)
    if not shutil.which("go"):
        return None, ("Go is not installed (bench/run installs Debian's golang-go and the peer's "
                      "library packages when the peer is present; see its output)")
    out_dir = os.path.join(REPO, GO_PEER_OUT)
    env = clean_env()
    env.update(SKIP_APT="1", OUT=out_dir,
               GOCACHE=os.environ.get("GOCACHE") or os.path.join(REPO, "build", "peers",
                                                                 "go-cache"))
    logf = os.path.join(tmp, "go-build.log")
    log("bench: building the Go peer (%s/build.sh, OUT=%s)" % (os.path.relpath(src, REPO),
                                                               GO_PEER_OUT))
    t0 = time.monotonic()
    try:
        with open(logf, "ab") as out:
            rc = subprocess.run([os.path.join(src, "build.sh")], cwd=src, env=env, stdout=out,
                                stderr=subprocess.STDOUT, timeout=900).returncode
    except subprocess.TimeoutExpired:
        rc = "timeout"
    if rc != 0:
        with open(logf, errors="replace") as f:
            tail = " | ".join(f.read().strip().splitlines()[-3:])
        return None, "its build.sh failed (%s): %s" % (rc, tail[-400:])
    log("bench: Go peer built (%.1f s)" % (time.monotonic() - t0))
    return os.path.join(out_dir, "taskpeer"), None


def delete_tasks_above(db, table, max_id, owner_id, pg_url=None):
    """Removes the tasks a create run added, so the bench user keeps exactly 20 tasks.
    Returns (rows removed, the bench user's task count after). pg_url: on PostgreSQL."""
    if pg_url:
        n = psql(pg_url, "WITH d AS (DELETE FROM %s WHERE id > %d RETURNING 1) "
                         "SELECT count(*) FROM d" % (table, max_id))
        left = psql(pg_url, "SELECT count(*) FROM %s WHERE owner_id = %d" % (table, owner_id))
        return int(n), int(left)
    con = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        n = con.execute("DELETE FROM %s WHERE id > ?" % table, (max_id,)).rowcount
        (left,) = con.execute("SELECT count(*) FROM %s WHERE owner_id = ?" % table,
                              (owner_id,)).fetchone()
    finally:
        con.close()
    return n, left


# ------------------------------------------------------------------------------ servers

def clean_env():
    """Our environment without any TASKAPI_* / DJANGO_* / TASKPEER_* / Go runtime setting of
    the caller's shell."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("TASKAPI_", "DJANGO_", "TASKPEER_"))
            and k not in ("PYTHONPATH", "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG")}


def drf_env(db, secret, pg_url=None):
    env = clean_env()
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DB_PATH=db,
               DJANGO_SECRET_KEY=secret, PYTHONDONTWRITEBYTECODE="1")
    if pg_url:
        env["DJANGO_DATABASE_URL"] = pg_url
    return env


class Server:
    def __init__(self, key, proc, port, *, rss_skip_root=False, db=None, task_table=None,
                 detail_id=None, update_id=None, max_task_id=None, bench_id=None, pg=None,
                 pg_url=None, more=()):
        self.key = key            # "taskapi", "drf", "nginx", "taskapi2", "taskapi-sqlite"...
        self.proc = proc
        self.port = port
        self.base = "http://127.0.0.1:%d" % port
        # more processes of the same server on the same database, (proc, port) each: wrk runs
        # one instance per process (bench.measure), the figures are summed
        self.procs = [proc] + [p for p, _ in more]
        self.bases = [self.base] + ["http://127.0.0.1:%d" % port for _, port in more]
        self.pg = pg              # the PgCluster the server's database is on, or None
        self.pg_url = pg_url      # libpq URI of that database (seeding, clean-up)
        self.rss_skip_root = rss_skip_root  # gunicorn: RSS is the sum of the workers
        self.db = db
        self.task_table = task_table
        self.detail_id = detail_id
        self.update_id = update_id
        self.max_task_id = max_task_id
        self.bench_id = bench_id

    def pids(self):
        table = proc_table()
        return [pid for p in self.procs for pid in tree_pids(p.pid, table)]

    def rss_kib(self):
        pids = self.pids()
        if self.rss_skip_root:
            pids = [p for p in pids if p != self.proc.pid]
        return sum(vm_kib(p, "VmRSS") for p in pids)

    def cpu_jiffies(self):
        if len(self.procs) == 1:
            return tree_jiffies(self.proc.pid)
        table = proc_table()
        return sum(table[pid][1] for p in self.procs for pid in tree_pids(p.pid, table))

    def alive(self):
        return all(p.poll() is None for p in self.procs)

    def token(self):
        st, body = http("POST", self.base + "/api/auth/token/",
                        {"username": getattr(self, "user", BENCH_USER), "password": BENCH_PASSWORD})
        if st != 200:
            raise BenchError("%s: login for a token answered %d: %s" % (self.key, st, body[:200]))
        return json.loads(body)["access"]

    def settle(self, limit=60.0):
        """Waits (bounded) until the server uses no CPU: a login run leaves queued requests."""
        def jiffies():  # PostgreSQL too: a write run leaves autovacuum, checkpoints
            return self.cpu_jiffies() + (self.pg.cpu_jiffies() if self.pg else 0)
        t0 = time.monotonic()
        prev = jiffies()
        while time.monotonic() - t0 < limit:
            time.sleep(0.1)
            cur = jiffies()
            if cur - prev <= 1:
                return time.monotonic() - t0
            prev = cur
        log("warning: %s still busy after %.0f s" % (self.key, limit))
        return limit


def start_taskapi(procs, binary, tmp, db, port, threads, log_path, db_threads=None, url=None,
                  secret=None, extra_env=None):
    """db: the SQLite file; url: a PostgreSQL database instead. secret: shared by the processes
    of one server (a token of one is valid at the other). extra_env: more settings."""
    env = clean_env()
    if db_threads is not None:
        env["TASKAPI_DB_THREADS"] = str(db_threads)
    env.update(TASKAPI_SECRET_KEY=secret or secrets.token_urlsafe(48),
               TASKAPI_DATABASE_URL=url or "sqlite:///" + db,
               TASKAPI_LOGIN_RATE_PER_ADDRESS="off",
               TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS="off",
               TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME="off",
               TASKAPI_LOG_LEVEL="warning", TASKAPI_ACCESS_LOG="false",
               TASKAPI_ACCESS_TOKEN_LIFETIME="3600")
    env.update(extra_env or {})
    # cwd is the temp dir, so a .env of the repository is not read
    return procs.start("taskapi", [binary, "serve", "--host", "127.0.0.1", "--port", str(port),
                                   "--threads", str(threads)],
                       env=env, cwd=tmp, logfile=log_path)


def start_drf(procs, drf_dir, db, secret, port, workers, log_path, pg_url=None):
    # as run.sh does, without its migrate and demo users (the seed did those)
    return procs.start("drf", [PYTHON, "-m", "gunicorn", "config.wsgi:application",
                               "--chdir", drf_dir, "--bind", "127.0.0.1:%d" % port,
                               "--workers", str(workers), "--worker-class", "sync",
                               "--log-level", "warning"],
                       env=drf_env(db, secret, pg_url), cwd=drf_dir, logfile=log_path)


def start_go(procs, binary, tmp, db, port, threads, log_path):
    """The Go peer on 2 cores' worth of threads, as taskapi runs 2 I/O threads: GOMAXPROCS
    bounds the threads running Go code (its SQLite calls are cgo and may take more)."""
    env = clean_env()
    env.update(GOMAXPROCS=str(threads), TASKPEER_DATABASE_PATH=db,
               TASKPEER_SECRET_KEY=secrets.token_urlsafe(48))
    return procs.start("go", [binary, "serve", "--host", "127.0.0.1", "--port", str(port)],
                       env=env, cwd=tmp, logfile=log_path)


def start_nginx(procs, tmp, port, log_path):
    d = os.path.join(tmp, "nginx")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    body = NGINX_BODY.replace("'", "\\'")
    with open(conf, "w") as f:
        f.write("""daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        default_type application/json;
        location / {{ return 200 '{body}'; }}
    }}
}}
""".format(d=d, port=port, body=body))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    return procs.start("nginx", [binary, "-p", d + "/", "-e", d + "/error.log", "-c", conf],
                       env=clean_env(), cwd=d, logfile=log_path)


# ------------------------------------------------------------------------------ wrk

def parse_ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m|h)$", v)
    if not m:
        return None
    x, u = float(m.group(1)), m.group(2)
    return x * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[u]


def parse_wrk(text):
    out = {"requests": 0, "rps": 0.0, "non2xx": 0,
           "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0}}
    m = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
    if m:
        out["avg_ms"], out["max_ms"] = parse_ms(m.group(1)), parse_ms(m.group(3))
    for pct in ("50", "75", "90", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % pct, text, re.M)
        out["p%s_ms" % pct] = parse_ms(m.group(1)) if m else None
    m = re.search(r"^\s+(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", text, re.M)
    if m:
        out["requests"] = int(m.group(1))
        out["bytes_read"] = m.group(3)
    m = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if m:
        out["rps"] = float(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"),
                                        map(int, m.groups())))
    return out


def merge_wrk(parts):
    """One result of several wrk instances run at once against the processes of one server:
    requests, req/s and errors summed, the average weighted, the maximum the largest; a
    percentile of the whole lies between those of the parts, so the largest is given (an upper
    bound). The parts stay in the result."""
    if len(parts) == 1:
        return parts[0]
    out = {"requests": sum(p["requests"] for p in parts),
           "rps": round(sum(p["rps"] for p in parts), 2),
           "non2xx": sum(p["non2xx"] for p in parts),
           "socket_errors": {k: sum(p["socket_errors"][k] for p in parts)
                             for k in ("connect", "read", "write", "timeout")}}
    if out["requests"] and all(p.get("avg_ms") is not None for p in parts):
        out["avg_ms"] = sum(p["avg_ms"] * p["requests"] for p in parts) / out["requests"]
        out["max_ms"] = max(p["max_ms"] for p in parts)
    for pct in ("50", "75", "90", "99"):
        v = [p.get("p%s_ms" % pct) for p in parts]
        out["p%s_ms" % pct] = None if None in v else max(v)
    out["percentiles"] = "largest of the %d parts (an upper bound)" % len(parts)
    out["parts"] = [{k: v for k, v in p.items()} for p in parts]
    return out


class RssSampler(threading.Thread):
    def __init__(self, server, period=0.1):
        super().__init__(daemon=True)
        self.server, self.period = server, period
        self.stop_event = threading.Event()
        self.peak_kib = 0

    def run(self):
        while True:
            self.peak_kib = max(self.peak_kib, self.server.rss_kib())
            if self.stop_event.wait(self.period):
                break

    def finish(self):
        self.stop_event.set()
        self.join()
        self.peak_kib = max(self.peak_kib, self.server.rss_kib())
        return self.peak_kib


class Bench:
    def __init__(self, args, procs, wrk, tmp):
        self.args, self.procs, self.wrk, self.tmp = args, procs, wrk, tmp

    def wrk_request(self, server, endpoint):
        """(url path, lua script or None, extra env) of one endpoint on one server."""
        if endpoint == "health":
            return "/api/health/", None, {}
        if endpoint == "login":
            return "/api/auth/token/", "login.lua", {"BENCH_USER": BENCH_USER,
                                                     "BENCH_PASSWORD": BENCH_PASSWORD}
        env = {"BENCH_TOKEN": server.token()}
        if endpoint == "list":
            return "/api/tasks/", "auth_get.lua", env
        if endpoint == "detail":
            return "/api/tasks/%d/" % server.detail_id, "auth_get.lua", env
        if endpoint in PAGE_ENDPOINTS:  # --scaling: the heavy user's page 1
            return PAGE_ENDPOINTS[endpoint], "auth_get.lua", env
        if endpoint == "create":
            return "/api/tasks/", "create.lua", env
        if endpoint == "update":
            return "/api/tasks/%d/" % server.update_id, "update.lua", env
        raise ValueError(endpoint)

    def wrk_argv(self, server, endpoint, conns, duration, close, threads, env_out, base=None):
        path, lua, env = self.wrk_request(server, endpoint)
        argv = [self.wrk, "-t%d" % threads, "-c%d" % conns, "-d%ds" % duration, "--latency",
                "--timeout", "%ds" % self.args.timeout]
        if lua:
            argv += ["-s", os.path.join(BENCH, "wrk", lua)]
        if close:
            argv += ["-H", "Connection: close"]
        argv.append((base or server.base) + path)
        env_out.update(env)
        return argv

    def measure(self, server, runs, label):
        """Runs one or more wrk processes against `server` at the same time. runs: list of
        (endpoint, conns, duration, close, threads). Returns one result dict per wrk."""
        if not server.alive():
            raise BenchError("%s is not running (see its log in %s)" % (server.key, self.tmp))
        # a server of several processes: one wrk per process, the connections and wrk threads
        # split between them (part k of run i)
        argvs, part_of = [], []
        k = len(server.bases)
        for i, (endpoint, conns, duration, close, threads) in enumerate(runs):
            for j, base in enumerate(server.bases):
                env = clean_env()
                c = conns // k + (1 if j < conns % k else 0)
                argvs.append((self.wrk_argv(server, endpoint, c, duration, close,
                                            max(1, threads // k), env, base), env))
                part_of.append(i)
        server.settle()
        limit = max(r[2] for r in runs) + self.args.timeout + 30
        pg0 = server.pg.cpu_jiffies() if server.pg else None
        cpu0 = server.cpu_jiffies()
        m0 = machine_jiffies()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        me0 = resource.getrusage(resource.RUSAGE_SELF)
        sampler = RssSampler(server)
        sampler.start()
        t0 = time.monotonic()
        ps = [self.procs.start_piped("wrk", argv, env=env, cwd=BENCH) for argv, env in argvs]
        outs = []
        try:
            for p in ps:
                try:
                    out, err = p.communicate(timeout=max(1.0, limit - (time.monotonic() - t0)))
                except subprocess.TimeoutExpired:
                    raise BenchError("wrk did not finish in %d s (%s)" % (limit, label))
                if p.returncode != 0:
                    raise BenchError("wrk failed (%s): %s" % (label, (err or out).strip()[-500:]))
                outs.append(out)
        finally:
            for p in ps:
                self.procs.stop(p)
        wall = time.monotonic() - t0
        cpu1 = server.cpu_jiffies()
        pg1 = server.pg.cpu_jiffies() if server.pg else None
        m1 = machine_jiffies()
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        me1 = resource.getrusage(resource.RUSAGE_SELF)
        peak_kib = sampler.finish()
        server_cpu_s = (cpu1 - cpu0) / CLK
        wrk_cpu_s = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        self_cpu_s = (me1.ru_utime - me0.ru_utime) + (me1.ru_stime - me0.ru_stime)
        busy_s = (m1[0] - m0[0]) / CLK
        ncpu = os.cpu_count() or 1
        results = []
        for i, (endpoint, conns, duration, close, threads) in enumerate(runs):
            parts = [out for out, pi in zip(outs, part_of) if pi == i]
            r = merge_wrk([parse_wrk(out) for out in parts])
            errs = r["non2xx"] + sum(r["socket_errors"].values())
            r.update(endpoint=endpoint, conns=conns, duration_s=duration, threads=threads,
                     connection_close=close, errors=errs > 0 or r["requests"] == 0,
                     wrk_output="\n".join(parts))
            if k > 1:
                r["processes"] = k
            results.append(r)
        total_req = sum(r["requests"] for r in results)
        shared = {
            "server_cpu_s": round(server_cpu_s, 3),
            "cpu_us_per_req": round(server_cpu_s * 1e6 / total_req, 1) if total_req else None,
            "rss_mb": round(peak_kib / 1024.0, 1),
            "machine_busy_pct": round(100.0 * busy_s / (wall * ncpu), 1),
            "server_cpu_pct": round(100.0 * server_cpu_s / (wall * ncpu), 1),
            "wrk_cpu_pct": round(100.0 * wrk_cpu_s / (wall * ncpu), 1),
            "bench_cpu_pct": round(100.0 * self_cpu_s / (wall * ncpu), 1),
        }
        pg_pct = 0.0
        if server.pg:
            pg_cpu_s = (pg1 - pg0) / CLK
            pg_pct = round(100.0 * pg_cpu_s / (wall * ncpu), 1)
            shared.update(backend="postgres", pg_cpu_s=round(pg_cpu_s, 3), pg_cpu_pct=pg_pct,
                          pg_cpu_us_per_req=round(pg_cpu_s * 1e6 / total_req, 1)
                          if total_req else None)
        # CPU of every other process on the machine (other sessions' builds, tests...)
        shared["foreign_cpu_pct"] = round(max(0.0, shared["machine_busy_pct"]
                                              - shared["server_cpu_pct"]
                                              - shared["wrk_cpu_pct"]
                                              - shared["bench_cpu_pct"] - pg_pct), 1)
        for r in results:
            r.update(shared)
            if r["errors"]:
                r["probe"] = self.probe(server, r["endpoint"], r["connection_close"])
        return results

    def probe(self, server, endpoint, close):
        """After a run with errors: one request of the same kind, to say what the server answers."""
        server.settle()
        try:
            path, _lua, env = self.wrk_request(server, endpoint)
            method, body = {"health": ("GET", None), "list": ("GET", None),
                            "detail": ("GET", None), "page": ("GET", None),
                            "page-ordered": ("GET", None), "page-search": ("GET", None),
                            "create": ("POST", {"title": "probe task"}),
                            "update": ("PATCH", {"completed": True}),
                            "login": ("POST", {"username": BENCH_USER,
                                               "password": BENCH_PASSWORD})}[endpoint]
            st, b = http(method, server.base + path, body, env.get("BENCH_TOKEN"))
            return "%d %s" % (st, b[:200].decode("utf-8", "replace"))
        except Exception as e:
            return "probe failed: %s" % e


# ------------------------------------------------------------------------------ checks

def check_server(server, expect_tasks=BENCH_TASKS):
    """A functional smoke test of every benchmarked request before any load."""
    tok = server.token()
    st, body = http("GET", server.base + "/api/tasks/", token=tok)
    items = json.loads(body) if st == 200 else None
    if isinstance(items, dict):
        items = items.get("results")
    if st != 200 or len(items) != expect_tasks:
        raise BenchError("%s: list answered %d with %s tasks, expected %d"
                         % (server.key, st, None if items is None else len(items), expect_tasks))
    for method, path, body, want in (
            ("GET", "/api/tasks/%d/" % server.detail_id, None, 200),
            ("PATCH", "/api/tasks/%d/" % server.update_id, {"completed": True}, 200)):
        st, b = http(method, server.base + path, body, tok)
        if st != want:
            raise BenchError("%s: %s %s answered %d: %s" % (server.key, method, path, st, b[:200]))
    return tok


def argon2_params(pw_hash):
    m = re.match(r"\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$", pw_hash or "")
    if not m:
        return {"scheme": (pw_hash or "").split("$")[1] if pw_hash and "$" in pw_hash else None}
    mem, t, p = map(int, m.groups())
    return {"scheme": "argon2id", "m_kib": mem, "t": t, "p": p,
            "at_least_owasp_minimum": any(mem >= om and t >= ot for om, ot in OWASP_ARGON2ID)}


# ------------------------------------------------------------------------------ reporting

def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        if v >= 1000:
            nd = 0
        elif nd == 2 and v >= 100:
            nd = 1
        return "%.*f" % (nd, v)
    return str(v)


def print_table(rows, title, skipped=None):
    """skipped: {server: reason}; such a server gets a row "skipped" in every endpoint and
    connection count it would have run in (nginx only in health's)."""
    print("\n" + title)
    # with PostgreSQL: its CPU per request beside the server's (a column of its own)
    has_pg = any("pg_cpu_us_per_req" in r for r in rows)
    head = ["endpoint", "conns", "server", "req/s", "p50 ms", "p99 ms", "CPU us/req"] + \
        (["PG us/req"] if has_pg else []) + ["RSS MB", "errors"]
    lines = []
    for r in rows:
        errs = ""
        if r["errors"]:
            se = r["socket_errors"]
            errs = "non2xx=%d sock=%d/%d/%d/%d" % (r["non2xx"], se["connect"], se["read"],
                                                    se["write"], se["timeout"])
        lines.append([r["endpoint"], str(r["conns"]), r["server"], fmt(r["rps"]),
                      fmt(r.get("p50_ms"), 2), fmt(r.get("p99_ms"), 2),
                      fmt(r.get("cpu_us_per_req"))] +
                     ([fmt(r.get("pg_cpu_us_per_req"))] if has_pg else []) +
                     [fmt(r.get("rss_mb")), errs])
    if skipped:
        ncol = len(head)
        out = []
        for i, cells in enumerate(lines):
            out.append(cells)
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if nxt is None or (nxt[0], nxt[1]) != (cells[0], cells[1]):  # end of a group
                for srv in skipped:
                    if srv.startswith("nginx") and cells[0] != "health":
                        continue
                    out.append([cells[0], cells[1], srv] + ["-"] * (ncol - 4) + ["skipped"])
        lines = out
    widths = [max(len(x) for x in col) for col in zip(head, *lines)]
    right = {3, 4, 5, 6, 7, 8} if has_pg else {3, 4, 5, 6, 7}

    def row(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    print(row(head))
    print(row(["-" * w for w in widths]))
    prev = None
    for cells in lines:
        key = (cells[0], cells[1])
        if prev is not None and key[0] != prev[0]:
            print()
        prev = key
        print(row(cells))
    for srv, why in (skipped or {}).items():
        print("  %s skipped: %s" % (srv, why))


def find(runs, endpoint, conns, server):
    for r in runs:
        if r["endpoint"] == endpoint and r["conns"] == conns and r["server"] == server:
            return r
    return None


def ratio(a, b):
    if not a or not b or not a.get("rps") or not b.get("rps"):
        return None
    return round(a["rps"] / b["rps"], 2)


def cpu_ratio(a, b):
    """CPU per request of a over b (below 1: a spends less per request)."""
    if not a or not b or not a.get("cpu_us_per_req") or not b.get("cpu_us_per_req"):
        return None
    return round(a["cpu_us_per_req"] / b["cpu_us_per_req"], 2)


def compute_ratios(runs, conns_list):
    """req/s ratios per endpoint and connection count, and every server's CPU per request
    (cpu_us_per_req: {server: us}; taskapi_cpu_over_*: taskapi's CPU per request over theirs)."""
    out = []
    for e in ENDPOINTS:
        for c in conns_list:
            d = find(runs, e, c, "drf")
            g = find(runs, e, c, "go")
            t = find(runs, e, c, "taskapi")
            tc = find(runs, e, c, "taskapi-close")
            n = find(runs, e, c, "nginx")
            nc = find(runs, e, c, "nginx-close")
            item = {"endpoint": e, "conns": c, "taskapi_over_go": ratio(t, g),
                    "taskapi_over_drf": ratio(t, d), "taskapi_close_over_drf": ratio(tc, d)}
            if e == "health":
                item.update(taskapi_over_nginx=ratio(t, n),
                            taskapi_close_over_nginx_close=ratio(tc, nc))
            if not any(v is not None for k, v in item.items() if k not in ("endpoint", "conns")):
                continue
            item["cpu_us_per_req"] = {r["server"]: r.get("cpu_us_per_req") for r in runs
                                      if r["endpoint"] == e and r["conns"] == c}
            item["taskapi_cpu_over_go"] = cpu_ratio(t, g)
            if e == "health":
                item["taskapi_cpu_over_nginx"] = cpu_ratio(t, n)
            out.append(item)
    return out


def compute_ratios_pg(runs, conns_list):
    """--backend postgres: req/s ratios per endpoint and connection count."""
    pairs = [("taskapi_over_drf", "taskapi", "drf"),
             ("taskapi_close_over_drf", "taskapi-close", "drf"),
             ("taskapi2_over_drf", "taskapi2", "drf"),
             ("taskapi2_over_taskapi", "taskapi2", "taskapi"),
             ("taskapi_pg_over_sqlite", "taskapi", "taskapi-sqlite"),
             ("drf_pg_over_sqlite", "drf", "drf-sqlite"),
             ("sqlite_taskapi_over_drf", "taskapi-sqlite", "drf-sqlite")]
    out = []
    for e in ENDPOINTS:
        for c in conns_list:
            item = {"endpoint": e, "conns": c}
            for name, a, b in pairs:
                item[name] = ratio(find(runs, e, c, a), find(runs, e, c, b))
            if any(v is not None for k, v in item.items() if k not in ("endpoint", "conns")):
                out.append(item)
    return out


PG_RATIO_COLUMNS = [("taskapi_over_drf", "taskapi/DRF"), ("taskapi_close_over_drf", "close/DRF"),
                    ("taskapi2_over_drf", "2 procs/DRF"), ("taskapi2_over_taskapi", "2 procs/1"),
                    ("taskapi_pg_over_sqlite", "taskapi PG/SQLite"),
                    ("drf_pg_over_sqlite", "DRF PG/SQLite"),
                    ("sqlite_taskapi_over_drf", "SQLite taskapi/DRF")]


def print_ratios_pg(ratios):
    print("\nRatios of req/s (PostgreSQL unless named; close: taskapi with Connection: close)")
    cols = [(k, h) for k, h in PG_RATIO_COLUMNS if any(r.get(k) is not None for r in ratios)]
    print("%-8s %5s  %s" % ("endpoint", "conns", "  ".join("%*s" % (len(h), h) for _k, h in cols)))
    for r in ratios:
        print("%-8s %5d  %s" % (r["endpoint"], r["conns"], "  ".join(
            "%*s" % (len(h), "-" if r.get(k) is None else "%.2fx" % r[k]) for k, h in cols)))


def print_pg_legend(args):
    print("  taskapi, taskapi-close, drf: on PostgreSQL (one cluster, a database each); taskapi2: "
          "two taskapi processes on one database, one wrk -t1 each with half the connections, "
          "req/s summed, p50/p99 the larger of the two (an upper bound); taskapi-sqlite, "
          "drf-sqlite: the default backend. CPU us/req: the server's processes; PG us/req: every "
          "process of the PostgreSQL cluster. taskapi: --threads %d, TASKAPI_DB_THREADS %s per "
          "process; gunicorn %d sync workers." % (
              args.threads, args.db_threads if args.db_threads is not None else "default",
              args.workers))


def evaluate_targets_pg(runs, ratios):
    """Issue 10's targets on PostgreSQL, from this run (information only, never an assertion)."""
    out = []
    rmap = {(r["endpoint"], r["conns"]): r for r in ratios}
    for e, need in (("detail", 15), ("list", 15), ("create", 8)):
        r = rmap.get((e, 64))
        if r and r["taskapi_over_drf"] is not None:
            out.append({"target": "%s >= %dx DRF on PostgreSQL (64 conns)" % (e, need),
                        "value": "%.1fx (close %s, 2 processes %s)" % (
                            r["taskapi_over_drf"],
                            fmt(r["taskapi_close_over_drf"]) + "x"
                            if r["taskapi_close_over_drf"] else "-",
                            fmt(r["taskapi2_over_drf"]) + "x" if r["taskapi2_over_drf"] else "-"),
                        "met": r["taskapi_over_drf"] >= need})
    reads = [r for r in runs if r["server"] in ("taskapi", "taskapi2") and r["conns"] == 64
             and r["endpoint"] in ("health", "list", "detail") and r.get("p99_ms") is not None]
    if reads:
        worst = max(reads, key=lambda r: r["p99_ms"])
        out.append({"target": "read p99 < 10 ms on PostgreSQL (64 conns, keep-alive)",
                    "value": ", ".join("%s%s %.2f" % (r["endpoint"], " (2 procs)"
                                                      if r["server"] == "taskapi2" else "",
                                                      r["p99_ms"]) for r in reads),
                    "met": worst["p99_ms"] < 10.0})
    return out


def print_ratios(ratios, skipped=None):
    skipped = skipped or {}
    print("\nRatios of req/s (keep-alive taskapi / the Go peer and / DRF; taskapi with "
          "Connection: close / DRF, which closes every connection; health: taskapi / nginx)")
    print("%-8s %5s  %11s  %12s  %18s  %14s  %22s" % (
        "endpoint", "conns", "taskapi/Go", "taskapi/DRF", "taskapi-close/DRF", "taskapi/nginx",
        "close: taskapi/nginx"))

    def x(v, srv=None):
        if v is None and srv in skipped:
            return "skipped"
        return "-" if v is None else "%.2fx" % v
    for r in ratios:
        print(("%-8s %5d  %11s  %12s  %18s  %14s  %22s" % (
            r["endpoint"], r["conns"], x(r.get("taskapi_over_go"), "go"),
            x(r["taskapi_over_drf"], "drf"), x(r["taskapi_close_over_drf"], "drf"),
            x(r.get("taskapi_over_nginx"), "nginx") if r["endpoint"] == "health" else "",
            x(r.get("taskapi_close_over_nginx_close"), "nginx-close")
            if r["endpoint"] == "health" else "")).rstrip())
    # every server's CPU per request side by side
    servers = []
    for r in ratios:
        for srv in list(r.get("cpu_us_per_req", {})) + list(skipped):
            if srv not in servers:
                servers.append(srv)
    if not servers:
        return
    print("\nServer CPU per request, us (utime+stime of the server's processes / requests; "
          "taskapi/Go: taskapi's over the Go peer's)")
    w = max(10, max(len(srv) for srv in servers))
    print("%-8s %5s  %s  %11s" % ("endpoint", "conns", "  ".join("%*s" % (w, srv)
                                                             for srv in servers), "taskapi/Go"))
    for r in ratios:
        cpu = r.get("cpu_us_per_req", {})
        cells = []
        for srv in servers:
            if srv in cpu:
                cells.append(fmt(cpu[srv]))
            elif srv in skipped and not (srv.startswith("nginx") and r["endpoint"] != "health"):
                cells.append("skipped")
            else:
                cells.append("")
        print(("%-8s %5d  %s  %11s" % (r["endpoint"], r["conns"], "  ".join(
            "%*s" % (w, c) for c in cells), x(r.get("taskapi_cpu_over_go"), "go"))).rstrip())


def evaluate_targets(runs, ratios, mixed, hash_params):
    """The issue's targets, from this run (information only, never an assertion)."""
    out = []

    def add(name, value, ok, note=""):
        out.append({"target": name, "value": value, "met": ok, "note": note})

    rmap = {(r["endpoint"], r["conns"]): r for r in ratios}
    for e, need in (("list", 60), ("detail", 90), ("create", 40), ("update", 40)):
        r = rmap.get((e, 64))
        if r and r["taskapi_over_drf"] is not None:
            add("%s >= %dx DRF (64 conns)" % (e, need), "%.1fx (close: %s)" % (
                r["taskapi_over_drf"], "-" if r["taskapi_close_over_drf"] is None
                else "%.1fx" % r["taskapi_close_over_drf"]), r["taskapi_over_drf"] >= need)
    hs = [r for r in ratios if r["endpoint"] == "health" and r.get("taskapi_over_nginx")]
    if hs:
        worst = min(hs, key=lambda r: r["taskapi_over_nginx"])
        add("health >= 0.7x nginx", ", ".join("%.2fx @%d" % (r["taskapi_over_nginx"], r["conns"])
                                               for r in hs), worst["taskapi_over_nginx"] >= 0.7)
    reads = [r for r in runs if r["server"] == "taskapi" and r["conns"] == 64
             and r["endpoint"] in ("health", "list", "detail") and r.get("p99_ms") is not None]
    if reads:
        worst = max(reads, key=lambda r: r["p99_ms"])
        add("read p99 < 5 ms (64 conns, keep-alive)",
            ", ".join("%s %.2f" % (r["endpoint"], r["p99_ms"]) for r in reads),
            worst["p99_ms"] < 5.0)
    tk = [r for r in runs if r["server"].startswith("taskapi")] + \
        ([mixed["reads"]] if mixed else [])
    if tk:
        peak = max(r["rss_mb"] for r in tk)
        add("taskapi RSS < 30 MB under load", "%.1f MB peak" % peak, peak < 30.0)
    if mixed:
        add("reads p99 < 10 ms during full-pool logins", "%.2f ms (logins %.1f req/s)" % (
            mixed["reads"]["p99_ms"], mixed["logins"]["rps"]), mixed["reads"]["p99_ms"] < 10.0)
    lg = [r for r in ratios if r["endpoint"] == "login" and r["taskapi_over_drf"]]
    if lg:
        worst = min(lg, key=lambda r: r["taskapi_over_drf"])
        add("login >= 5x DRF", ", ".join("%.1fx @%d" % (r["taskapi_over_drf"], r["conns"])
                                          for r in lg), worst["taskapi_over_drf"] >= 5.0)
    if hash_params and "m_kib" in hash_params:
        add("Argon2id >= OWASP minimum", "m=%d KiB t=%d p=%d" % (
            hash_params["m_kib"], hash_params["t"], hash_params["p"]),
            hash_params["at_least_owasp_minimum"])
    return out


def evaluate_targets_13(runs, ratios):
    """Issue 13's targets (against the Go peer and nginx), from this run; information only."""
    out = []
    rmap = {(r["endpoint"], r["conns"]): r for r in ratios}
    for e, need in (("health", 1.5), ("detail", 2.5), ("list", 3.5), ("create", 2.0)):
        r = rmap.get((e, 64))
        if r and r.get("taskapi_over_go") is not None:
            out.append({"target": "%s >= %.1fx the Go peer (64 conns)" % (e, need),
                        "value": "%.2fx (CPU/req %sx)" % (
                            r["taskapi_over_go"], fmt(r.get("taskapi_cpu_over_go"), 2)),
                        "met": r["taskapi_over_go"] >= need})
    r = rmap.get(("health", 64))
    if r and r.get("taskapi_over_nginx") is not None:
        cpu = r.get("taskapi_cpu_over_nginx")
        out.append({"target": "health >= 0.85x nginx, or CPU/req within 1.2x (64 conns)",
                    "value": "%.2fx req/s, CPU/req %sx" % (r["taskapi_over_nginx"],
                                                           fmt(cpu, 2)),
                    "met": r["taskapi_over_nginx"] >= 0.85 or (cpu is not None and cpu <= 1.2)})
    for kind, eps in (("reads", ("health", "list", "detail")), ("writes", ("create", "update"))):
        rs = [x for x in runs if x["server"] == "taskapi" and x["conns"] == 64
              and x["endpoint"] in eps and x.get("p99_ms") is not None]
        if rs:
            out.append({"target": "%s p99 < 5 ms (64 conns, keep-alive)" % kind,
                        "value": ", ".join("%s %.2f" % (x["endpoint"], x["p99_ms"]) for x in rs),
                        "met": max(x["p99_ms"] for x in rs) < 5.0})
    return out


def print_targets(targets, title=None):
    if not targets:
        return
    print("\n%s (from this run only; information, not a test)" % (title or "Targets of issue 4"))
    w = max(len(t["target"]) for t in targets)
    for t in targets:
        print("  %-*s  %-9s %s" % (w, t["target"], "met" if t["met"] else "NOT MET", t["value"]))


def git_info():
    def git(*a):
        try:
            return subprocess.run(["git", "-C", REPO] + list(a), capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except Exception:
            return ""
    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain",
                                                                      "--untracked-files=no"))}


def machine_info():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "kernel": platform.release(),
            "mem_total_mb": vm_meminfo_mb()}


def vm_meminfo_mb():
    try:
        with open("/proc/meminfo") as f:
            return int(f.readline().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None


def tool_versions(wrk, binary):
    def first_line(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (r.stdout + r.stderr).strip().splitlines()[0]
        except Exception:
            return None
    return {"wrk": first_line([wrk, "--version"]),
            "nginx": first_line([shutil.which("nginx") or "nginx", "-v"]),
            "taskapi": first_line([binary, "version"]),
            "python": platform.python_version(),
            "go": first_line([shutil.which("go") or "go", "version"]),
            "django": first_line([PYTHON, "-c", "import django; print(django.get_version())"]),
            "gunicorn": first_line([PYTHON, "-c", "import gunicorn; print(gunicorn.__version__)"])}


def build_type():
    try:
        with open(os.path.join(REPO, "build", "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


# ------------------------------------------------------------------------------ main modes

BUILD_NOTES = []


def build(args, tmp):
    """./scripts/deps, then ./scripts/build (Release, every target). When that fails on some other
    target (a test, say) the server alone may still build: then the run goes on with a warning."""
    binary = os.path.join(REPO, "build", "taskapi")
    if args.no_build:
        if not os.access(binary, os.X_OK):
            raise BenchError("--no-build, but %s does not exist" % binary)
        BUILD_NOTES.append("--no-build: used the existing build/taskapi")
        return binary
    env = dict(os.environ, BUILD_TYPE="Release", BUILD_DIR="build")
    logf = os.path.join(tmp, "build.log")

    def run(cmd):
        log("bench: %s" % " ".join(cmd))
        with open(logf, "ab") as out:
            return subprocess.run(cmd, cwd=REPO, env=env, stdout=out,
                                  stderr=subprocess.STDOUT).returncode

    def tail():
        with open(logf, errors="replace") as f:
            return f.read()[-3000:]
    if run(["./scripts/deps"]) != 0:
        raise BenchError("./scripts/deps failed:\n" + tail())
    if run(["./scripts/build"]) != 0:
        errors = [ln for ln in tail().splitlines() if "error" in ln or "FAILED" in ln]
        if run(["cmake", "--build", "build", "--target", "taskapi"]) != 0:
            raise BenchError("./scripts/build failed:\n" + tail())
        note = ("./scripts/build failed on another target; build/taskapi itself builds, "
                "so the run goes on. " + " | ".join(errors[:3])[:600])
        log("warning: " + note)
        BUILD_NOTES.append(note)
    if build_type() != "Release":
        note = "build/ is configured as %s, not Release" % build_type()
        log("warning: " + note)
        BUILD_NOTES.append(note)
    return binary


# servers asked for but not run, with the reason (the Go peer when it is not beside the checkout
# or Go is missing): printed in the tables, `skipped` in the JSON
SKIPPED = {}


def setup_sqlite(args, procs, tmp, binary, servers_wanted):
    """Seeds SQLite databases and starts the servers on them (taskapi, go, drf, nginx as
    servers_wanted asks). Returns (servers by key, bench task ids, password hash)."""
    drf_dir = os.path.normpath(os.path.join(REPO, args.drf))
    go_binary = None
    if "go" in servers_wanted:
        go_binary, why = build_go_peer(args, tmp)
        if not go_binary:
            SKIPPED["go"] = "the Go peer: " + why
            log("bench: skipping the Go peer: %s" % why)
    # ---- seed (DRF's Django start-up and migrate run while taskapi is seeded)
    need_drf = "drf" in servers_wanted
    total = OTHER_USERS * TASKS_PER_OTHER + BENCH_TASKS
    if need_drf:
        if not os.path.isfile(os.path.join(drf_dir, "manage.py")):
            raise BenchError("no DRF design at %s (--drf; the default is %s)"
                             % (drf_dir, DEFAULT_DRF))
        drf_db = os.path.join(tmp, "drf.sqlite3")
        drf_secret = secrets.token_urlsafe(48)
        drf_setup = start_drf_setup(procs, drf_dir, drf_db, drf_secret,
                                    os.path.join(tmp, "drf-setup.log"))
    t0 = time.monotonic()
    tk_db = os.path.join(tmp, "taskapi.sqlite3")
    tk_bench_id, tk_ids, pw_hash = seed_taskapi(binary, tk_db, total,
                                                os.path.join(tmp, "taskapi-cli.log"))
    log("bench: seeded taskapi: %d users, %d tasks (%.1f s)"
        % (OTHER_USERS + 1, total, time.monotonic() - t0))
    if need_drf:
        try:
            rc = drf_setup.wait(timeout=300)
        except subprocess.TimeoutExpired:
            raise BenchError("DRF migrate did not finish in 300 s")
        procs.procs.remove(drf_setup)
        if rc != 0:
            with open(os.path.join(tmp, "drf-setup.log"), errors="replace") as f:
                raise BenchError("DRF migrate/createuser failed:\n" + f.read()[-3000:])
        t1 = time.monotonic()
        drf_bench_id, drf_ids = seed_drf(drf_db, total)
        log("bench: seeded DRF: %d users, %d tasks (%.1f s)"
            % (OTHER_USERS + 1, total, time.monotonic() - t1))
        if drf_ids != tk_ids:
            log("warning: the bench user's task ids differ between taskapi and DRF")
    if go_binary:
        t1 = time.monotonic()
        go_db = os.path.join(tmp, "go.sqlite3")
        go_bench_id, go_ids = seed_go(go_binary, go_db, total, os.path.join(tmp, "go-cli.log"))
        log("bench: seeded the Go peer: %d users, %d tasks (%.1f s)"
            % (OTHER_USERS + 1, total, time.monotonic() - t1))
        if go_ids != tk_ids:
            log("warning: the bench user's task ids differ between taskapi and the Go peer")

    # ---- start servers
    running = {}
    t0 = time.monotonic()
    if any(s.startswith("taskapi") for s in servers_wanted):
        port = free_port()
        p = start_taskapi(procs, binary, tmp, tk_db, port, args.threads,
                          os.path.join(tmp, "taskapi.log"), args.db_threads)
        running["taskapi"] = Server("taskapi", p, port, db=tk_db, task_table="tasks",
                                    detail_id=tk_ids[9], update_id=tk_ids[4],
                                    max_task_id=total, bench_id=tk_bench_id)
    if ACCESS_LOG_SERVER in servers_wanted:
        port = free_port()
        p = start_taskapi(procs, binary, tmp, tk_db, port, args.threads,
                          os.path.join(tmp, "taskapi-log.log"), args.db_threads,
                          extra_env={"TASKAPI_LOG_LEVEL": "info", "TASKAPI_ACCESS_LOG": "true"})
        running[ACCESS_LOG_SERVER] = Server(ACCESS_LOG_SERVER, p, port, db=tk_db,
                                            task_table="tasks", detail_id=tk_ids[9],
                                            update_id=tk_ids[4], max_task_id=total,
                                            bench_id=tk_bench_id)
    if go_binary:
        port = free_port()
        p = start_go(procs, go_binary, tmp, go_db, port, args.threads,
                     os.path.join(tmp, "go.log"))
        running["go"] = Server("go", p, port, db=go_db, task_table="tasks",
                               detail_id=go_ids[9], update_id=go_ids[4], max_task_id=total,
                               bench_id=go_bench_id)
    if need_drf:
        port = free_port()
        p = start_drf(procs, drf_dir, drf_db, drf_secret, port, args.workers,
                      os.path.join(tmp, "drf.log"))
        running["drf"] = Server("drf", p, port, rss_skip_root=True, db=drf_db,
                                task_table="tasks_task", detail_id=drf_ids[9],
                                update_id=drf_ids[4], max_task_id=total,
                                bench_id=drf_bench_id)
    if any(s.startswith("nginx") for s in servers_wanted):
        port = free_port()
        p = start_nginx(procs, tmp, port, os.path.join(tmp, "nginx.log"))
        running["nginx"] = Server("nginx", p, port)
    for key, s in running.items():
        wait_healthy(key, s.base, s.proc)
    log("bench: servers up (%.1f s): %s" % (time.monotonic() - t0, ", ".join(
        "%s :%d" % (k, s.port) for k, s in running.items())))
    for key in ("taskapi", "go", "drf"):
        if key in running:
            check_server(running[key])
    return running, tk_ids, pw_hash


def setup_pg(args, procs, tmp, binary, servers_wanted, cluster):
    """--backend postgres: fresh databases on the cluster for taskapi (one process), taskapi2
    (two processes sharing one database) and DRF, seeded with the same data as on SQLite; then
    the SQLite pair (taskapi-sqlite, drf-sqlite) as setup_sqlite makes it. Returns (servers by
    key, bench task ids, password hash)."""
    drf_dir = os.path.normpath(os.path.join(REPO, args.drf))
    total = OTHER_USERS * TASKS_PER_OTHER + BENCH_TASKS
    want = {k: any(s.replace("-close", "") == k for s in servers_wanted)
            for k in ("taskapi", "taskapi2", "drf", "taskapi-sqlite", "drf-sqlite")}
    running = {}
    tk_ids = pw_hash = None
    if want["drf"]:
        if not os.path.isfile(os.path.join(drf_dir, "manage.py")):
            raise BenchError("no DRF design at %s (--drf; the default is %s)"
                             % (drf_dir, DEFAULT_DRF))
        cluster.createdb("bench_drf")
        drf_url = cluster.django_url("bench_drf")
        drf_secret = secrets.token_urlsafe(48)
        drf_setup = start_drf_setup(procs, drf_dir, os.path.join(tmp, "unused.sqlite3"),
                                    drf_secret, os.path.join(tmp, "drf-pg-setup.log"), drf_url)
    if want["taskapi"] or want["taskapi2"]:
        t0 = time.monotonic()
        cluster.createdb("bench_taskapi")
        tk_url = cluster.url("bench_taskapi")
        tk_bench_id, tk_ids, pw_hash = seed_taskapi_pg(binary, tk_url, total,
                                                       os.path.join(tmp, "taskapi-cli.log"))
        if want["taskapi2"]:  # the same rows in a database of its own
            cluster.createdb("bench_taskapi2", template="bench_taskapi")
        log("bench: seeded taskapi on PostgreSQL: %d users, %d tasks (%.1f s)"
            % (OTHER_USERS + 1, total, time.monotonic() - t0))
    if want["drf"]:
        try:
            rc = drf_setup.wait(timeout=300)
        except subprocess.TimeoutExpired:
            raise BenchError("DRF migrate on PostgreSQL did not finish in 300 s")
        procs.procs.remove(drf_setup)
        if rc != 0:
            with open(os.path.join(tmp, "drf-pg-setup.log"), errors="replace") as f:
                raise BenchError("DRF migrate/createuser on PostgreSQL failed:\n"
                                 + f.read()[-3000:])
        t1 = time.monotonic()
        drf_bench_id, drf_ids = seed_drf_pg(cluster.url("bench_drf"), total)
        log("bench: seeded DRF on PostgreSQL: %d users, %d tasks (%.1f s)"
            % (OTHER_USERS + 1, total, time.monotonic() - t1))
        if tk_ids and drf_ids != tk_ids:
            log("warning: the bench user's task ids differ between taskapi and DRF")

    t0 = time.monotonic()
    common = dict(task_table="tasks", max_task_id=total, pg=cluster)
    if want["taskapi"]:
        port = free_port()
        p = start_taskapi(procs, binary, tmp, None, port, args.threads,
                          os.path.join(tmp, "taskapi.log"), args.db_threads, url=tk_url)
        running["taskapi"] = Server("taskapi", p, port, detail_id=tk_ids[9], update_id=tk_ids[4],
                                    bench_id=tk_bench_id, pg_url=tk_url, **common)
    if want["taskapi2"]:
        url2 = cluster.url("bench_taskapi2")
        secret = secrets.token_urlsafe(48)
        parts = []
        for i in (1, 2):
            port = free_port()
            parts.append((start_taskapi(procs, binary, tmp, None, port, args.threads,
                                        os.path.join(tmp, "taskapi2-%d.log" % i),
                                        args.db_threads, url=url2, secret=secret), port))
        running["taskapi2"] = Server("taskapi2", parts[0][0], parts[0][1], more=parts[1:],
                                     detail_id=tk_ids[9], update_id=tk_ids[4],
                                     bench_id=tk_bench_id, pg_url=url2, **common)
    if want["drf"]:
        port = free_port()
        p = start_drf(procs, drf_dir, os.path.join(tmp, "unused.sqlite3"), drf_secret, port,
                      args.workers, os.path.join(tmp, "drf.log"), drf_url)
        running["drf"] = Server("drf", p, port, rss_skip_root=True, task_table="tasks_task",
                                detail_id=drf_ids[9], update_id=drf_ids[4], max_task_id=total,
                                bench_id=drf_bench_id, pg=cluster,
                                pg_url=cluster.url("bench_drf"))
    for key, s in running.items():
        for proc, base in zip(s.procs, s.bases):
            wait_healthy(key, base, proc)
    log("bench: servers on PostgreSQL up (%.1f s): %s" % (time.monotonic() - t0, ", ".join(
        "%s :%s" % (k, ",".join(b.rsplit(":", 1)[1] for b in s.bases))
        for k, s in running.items())))
    for key in ("taskapi", "taskapi2", "drf"):
        if key in running:
            check_server(running[key])
    # the default backend beside it, in the same run
    sq_wanted = [k for k in ("taskapi", "drf") if want[k + "-sqlite"]]
    if sq_wanted:
        sq, sq_ids, sq_hash = setup_sqlite(args, procs, tmp, binary, sq_wanted)
        for k, srv in sq.items():
            srv.key = k + "-sqlite"
            running[srv.key] = srv
        tk_ids = tk_ids or sq_ids
        pw_hash = pw_hash or sq_hash
    return running, tk_ids, pw_hash


def compute_access_log_cost(runs):
    """taskapi-log against taskapi (access log on against off), per endpoint and connections."""
    out = []
    for r in runs:
        if r["server"] != ACCESS_LOG_SERVER:
            continue
        off = [o for o in runs if o["server"] == "taskapi" and o["endpoint"] == r["endpoint"]
               and o["conns"] == r["conns"]]
        if not off or not off[0]["rps"]:
            continue
        out.append({"endpoint": r["endpoint"], "conns": r["conns"], "rps_off": off[0]["rps"],
                    "rps_on": r["rps"],
                    "change_pct": round(100.0 * (r["rps"] / off[0]["rps"] - 1.0), 1),
                    "cpu_us_per_req_off": off[0].get("cpu_us_per_req"),
                    "cpu_us_per_req_on": r.get("cpu_us_per_req")})
    return out


def main_compare(args, procs, tmp, wrk, binary, t_start, cluster=None):
    servers_wanted = args.servers
    conns_list = args.conns
    endpoints = args.endpoints
    total = OTHER_USERS * TASKS_PER_OTHER + BENCH_TASKS
    if cluster:
        running, tk_ids, pw_hash = setup_pg(args, procs, tmp, binary, servers_wanted,
                                            cluster)
    else:
        running, tk_ids, pw_hash = setup_sqlite(args, procs, tmp, binary, servers_wanted)

    bench = Bench(args, procs, wrk, tmp)
    # ---- warm-up: a short run per server so first-request costs stay out of the table
    for key, s in running.items():
        bench.measure(s, [("health" if key == "nginx" else "detail", 8, 1, False, 1)], "warm-up")

    # ---- the alternating runs
    plan = []
    for e in endpoints:
        for c in conns_list:
            for sk in (PG_SERVERS if cluster else SERVERS):
                if sk not in servers_wanted or sk in SKIPPED:
                    continue
                if sk.startswith("nginx") and e != "health":
                    continue
                if args.quick and e == "login" and sk in ("taskapi-close", "taskapi2-close"):
                    continue  # hashing dominates a login: closing the connection changes little
                plan.append((e, c, sk))
    runs = []

    def duration_of(e):
        # a login queue at 64 connections takes over a second to turn over once: short runs
        # would measure little more than the first wave
        return max(args.duration, args.min_login_duration) if e == "login" else args.duration
    est = sum(duration_of(e) + 0.5 for e, _c, _s in plan)
    setup_s = time.monotonic() - t_start
    log("bench: setup took %.0f s; %d runs (about %.0f s)" % (setup_s, len(plan), est))
    for i, (e, c, sk) in enumerate(plan, 1):
        s = running[sk.replace("-close", "")]
        close = sk.endswith("-close")
        label = "%s %s c=%d" % (sk, e, c)
        r = None
        for attempt in range(1 + args.retry_noisy):
            if attempt:
                log("  [%2d/%d] %s: other processes used %.0f%% of the machine, again"
                    % (i, len(plan), label, r["foreign_cpu_pct"]))
                wait_quiet()
            t = bench.measure(s, [(e, c, duration_of(e), close, args.wrk_threads)], label)[0]
            t["attempt"] = attempt + 1
            if r is None or t["foreign_cpu_pct"] < r["foreign_cpu_pct"]:
                r = t
            if r["foreign_cpu_pct"] <= NOISY_PCT:
                break
        r["server"] = sk
        runs.append(r)
        flag = "  ERRORS non2xx=%d socket=%s" % (r["non2xx"], r["socket_errors"]) \
            if r["errors"] else ""
        log("  [%2d/%d] %-22s %10.1f req/s  p50 %7s ms  p99 %7s ms  %6s us/req  %5.1f MB%s"
            % (i, len(plan), label, r["rps"], fmt(r.get("p50_ms"), 2), fmt(r.get("p99_ms"), 2),
               fmt(r.get("cpu_us_per_req")), r["rss_mb"], flag))
        if e == "create" and (s.db or s.pg_url):
            s.settle()
            n, left = delete_tasks_above(s.db, s.task_table, s.max_task_id, s.bench_id, s.pg_url)
            r["created_rows_removed"] = n
            if left != BENCH_TASKS:
                raise BenchError("%s: the bench user has %d tasks after the create run"
                                 % (sk, left))

    # ---- logins at the hashing pool's full capacity, with reads at the same time
    mixed = None
    if not args.no_mixed and "taskapi" in running:
        s = running["taskapi"]
        d = max(args.duration, args.min_login_duration)
        # the same reads alone first, as the baseline of the mixed run (not in quick mode)
        alone = None
        if not args.quick:
            (alone,) = bench.measure(s, [("detail", args.mixed_read_conns, d, False, 1)],
                                     "reads alone")
        logins, reads = bench.measure(s, [("login", args.mixed_login_conns, d, False, 1),
                                          ("detail", args.mixed_read_conns, d, False, 1)],
                                      "mixed")
        mixed = {"logins": logins, "reads": reads}
        if alone:
            mixed["reads_alone"] = alone
        for r in mixed.values():
            r["server"] = "taskapi"
        log("  mixed: logins %.1f req/s (p99 %s ms), reads %.1f req/s p50 %s ms p99 %s ms"
            % (logins["rps"], fmt(logins.get("p99_ms"), 2), reads["rps"],
               fmt(reads.get("p50_ms"), 2), fmt(reads.get("p99_ms"), 2)))

    # ---- end state
    end = {}
    for key, s in running.items():
        end[key] = {"alive": s.alive(), "vm_hwm_mb": round(sum(
            vm_kib(p, "VmHWM") for p in s.pids()
            if not (s.rss_skip_root and p == s.proc.pid)) / 1024.0, 1)}
        if not s.alive():
            log("warning: %s exited during the run (log: %s)" % (key, tmp))

    hash_params = argon2_params(pw_hash)
    targets13 = []
    if cluster:
        for r in runs:
            r.setdefault("backend", "sqlite")  # taskapi-sqlite, drf-sqlite
        ratios = compute_ratios_pg(runs, conns_list)
        targets = evaluate_targets_pg(runs, ratios)
    else:
        ratios = compute_ratios(runs, conns_list)
        targets = evaluate_targets(runs, ratios, mixed, hash_params)
        targets13 = evaluate_targets_13(runs, ratios)

    print_table(runs, "taskapi benchmark: %d s per run%s, wrk -t%d, --timeout %ds, 127.0.0.1 "
                "(%s mode%s)" % (args.duration, ", logins %d s" % duration_of("login")
                                 if duration_of("login") != args.duration
                                 and "login" in endpoints else "",
                                 args.wrk_threads, args.timeout,
                                 "quick" if args.quick else "full",
                                 ", PostgreSQL %s" % ("durable" if args.pg_durable else
                                                      "without fsync") if cluster else ""),
                skipped=SKIPPED)
    if cluster:
        print_pg_legend(args)
        print_ratios_pg(ratios)
    else:
        print_ratios(ratios, SKIPPED)
    if mixed:
        print("\nLogins at the hashing pool's full capacity with reads at the same time "
              "(taskapi, %d s):" % mixed["reads"]["duration_s"])
        for name, r in (("logins", mixed["logins"]), ("reads (detail)", mixed["reads"]),
                        ("reads alone", mixed.get("reads_alone"))):
            if r is None:
                continue
            print("  %-15s c=%-3d %9.1f req/s  p50 %7s ms  p99 %7s ms%s" % (
                name, r["conns"], r["rps"], fmt(r.get("p50_ms"), 2), fmt(r.get("p99_ms"), 2),
                "  ERRORS non2xx=%d socket=%s" % (r["non2xx"], r["socket_errors"])
                if r["errors"] else ""))
        print("  (each wrk -t1%s)" % ("; reads alone: the same detail run without logins, "
                                      "just before" if "reads_alone" in mixed else ""))
        print("  server CPU %.0f%% of the machine, RSS %.1f MB during the mixed run" % (
            mixed["reads"]["server_cpu_pct"], mixed["reads"]["rss_mb"]))
    access_log_cost = compute_access_log_cost(runs)
    if access_log_cost:
        print("\nAccess log (taskapi-log: TASKAPI_LOG_LEVEL=info, a line per request to a file; "
              "taskapi: off):")
        for c in access_log_cost:
            print("  %-7s c=%-3d %10.1f req/s off %10.1f req/s on  %+6.1f%%  CPU us/req %s -> %s"
                  % (c["endpoint"], c["conns"], c["rps_off"], c["rps_on"], c["change_pct"],
                     fmt(c["cpu_us_per_req_off"]), fmt(c["cpu_us_per_req_on"])))
    print_targets(targets, "Targets of issue 10 on PostgreSQL" if cluster else None)
    print_targets(targets13, "Targets of issue 13 (the Go peer, nginx, p99)")
    errs = [r for r in runs + (list(mixed.values()) if mixed else []) if r["errors"]]
    if errs:
        print("\nRuns with errors:")
        for r in errs:
            print("  %s %s c=%d: non2xx=%d socket=%s probe: %s" % (
                r["server"], r["endpoint"], r["conns"], r["non2xx"], r["socket_errors"],
                r.get("probe")))
    busy = [r for r in runs if r["foreign_cpu_pct"] > NOISY_PCT]
    if busy:
        print("\nNote: other processes used more than %.0f%% of the machine during %d of %d runs "
              "(max %.0f%%): those numbers are noisy (per run: foreign_cpu_pct in the JSON; "
              "--retry-noisy N repeats such runs)." % (
                  NOISY_PCT, len(busy), len(runs), max(r["foreign_cpu_pct"] for r in busy)))

    return {
        "runs": runs, "ratios": ratios, "mixed": mixed, "targets": targets,
        "targets_issue13": targets13, "skipped": dict(SKIPPED),
        "access_log_cost": access_log_cost,
        "end_state": end, "password_hash": hash_params, "setup_seconds": round(setup_s, 1),
        "data": {"users": OTHER_USERS + 1, "tasks": total, "bench_user_tasks": BENCH_TASKS,
                 "detail_id": tk_ids[9], "update_id": tk_ids[4]},
    }


SCALING_ENDPOINTS = ("list", "detail", "page", "page-ordered", "page-search")


def main_scaling(args, procs, tmp, wrk, binary, t_start):
    """taskapi alone: one server per database size, both up at once, runs alternating between
    them so drift hits both sizes alike."""
    sizes = [10_000, 1_000_000]
    bench = Bench(args, procs, wrk, tmp)
    servers = {}
    paged_servers = {}
    for size in sizes:
        d = os.path.join(tmp, "scale-%d" % size)
        os.makedirs(d)
        db = os.path.join(d, "taskapi.sqlite3")
        t0 = time.monotonic()
        bench_id, ids, _h = seed_taskapi(binary, db, size, os.path.join(d, "cli.log"))
        seed_s = time.monotonic() - t0
        log("bench: seeded %d tasks in %.1f s (%.0f MB)" % (size, seed_s,
                                                            os.path.getsize(db) / 2**20))
        port = free_port()
        p = start_taskapi(procs, binary, d, db, port, args.threads, os.path.join(d, "taskapi.log"),
                          args.db_threads)
        srv = Server("taskapi", p, port, db=db, task_table="tasks", detail_id=ids[9],
                     update_id=ids[4], max_task_id=size, bench_id=bench_id)
        srv.seed_s = round(seed_s, 1)
        srv.db_mb = round(os.path.getsize(db) / 2**20, 1)
        servers[size] = srv
        # The same database with pagination on, for HEAVY_USER's pages.
        t0 = time.monotonic()
        seed_heavy_user(binary, db, size, os.path.join(d, "cli.log"))
        log("bench: seeded %d tasks of %s in %.1f s" % (size, HEAVY_USER, time.monotonic() - t0))
        port = free_port()
        p = start_taskapi(procs, binary, d, db, port, args.threads,
                          os.path.join(d, "taskapi-paged.log"), args.db_threads,
                          extra_env={"TASKAPI_PAGE_SIZE": "20"})
        paged = Server("taskapi-paged", p, port, db=db, task_table="tasks")
        paged.user = HEAVY_USER
        paged.seed_s, paged.db_mb = srv.seed_s, round(os.path.getsize(db) / 2**20, 1)
        paged_servers[size] = paged
    for size, srv in servers.items():
        wait_healthy("taskapi (%d tasks)" % size, srv.base, srv.proc)
        check_server(srv)
        bench.measure(srv, [("detail", 8, 1, False, 1)], "warm-up")
    for size, srv in paged_servers.items():
        wait_healthy("taskapi, paginated (%d tasks)" % size, srv.base, srv.proc)
        st, body = http("GET", srv.base + "/api/tasks/", token=srv.token())
        if st != 200 or json.loads(body).get("count") != size:
            raise BenchError("%s: page 1 answered %d: %s" % (srv.key, st, body[:200]))
    runs = []
    for e in SCALING_ENDPOINTS:
        for c in args.conns:
            for size in sizes:
                srv = (paged_servers if e in PAGE_ENDPOINTS else servers)[size]
                r = bench.measure(srv, [(e, c, args.duration, False, args.wrk_threads)],
                                  "%d %s" % (size, e))[0]
                r.update(server=srv.key, db_tasks=size, seed_s=srv.seed_s, db_mb=srv.db_mb)
                runs.append(r)
                log("  %8d tasks %-6s c=%d %10.1f req/s  p50 %s ms  p99 %s ms%s" % (
                    size, e, c, r["rps"], fmt(r.get("p50_ms"), 2), fmt(r.get("p99_ms"), 2),
                    "  ERRORS" if r["errors"] else ""))

    print("\nList and detail of the 20-task user, and page 1 (20 a page: default order, "
          "?ordering=-updated_at, ?search=milk) of a user who owns half the tasks, as the "
          "database grows (taskapi, keep-alive, %d s per run)" % args.duration)
    print("%-12s %5s %10s %10s %9s %9s %11s %7s  %s" % ("endpoint", "conns", "db tasks", "req/s",
                                                      "p50 ms", "p99 ms", "CPU us/req",
                                                      "RSS MB", "errors"))
    for e in SCALING_ENDPOINTS:
        for c in args.conns:
            for r in runs:
                if r["endpoint"] == e and r["conns"] == c:
                    print("%-12s %5d %10d %10.1f %9s %9s %11s %7.1f  %s" % (
                        e, c, r["db_tasks"], r["rps"], fmt(r.get("p50_ms"), 2),
                        fmt(r.get("p99_ms"), 2), fmt(r.get("cpu_us_per_req")), r["rss_mb"],
                        "non2xx=%d socket=%s" % (r["non2xx"], r["socket_errors"])
                        if r["errors"] else ""))
    growth = []
    for e in SCALING_ENDPOINTS:
        for c in args.conns:
            a = [r for r in runs if r["endpoint"] == e and r["conns"] == c
                 and r["db_tasks"] == sizes[0]]
            b = [r for r in runs if r["endpoint"] == e and r["conns"] == c
                 and r["db_tasks"] == sizes[-1]]
            if a and b:
                a, b = a[0], b[0]
                g = {"endpoint": e, "conns": c,
                     "rps_ratio": round(b["rps"] / a["rps"], 3) if a["rps"] else None,
                     "p50_ratio": round(b["p50_ms"] / a["p50_ms"], 3)
                     if a.get("p50_ms") else None,
                     "p99_ratio": round(b["p99_ms"] / a["p99_ms"], 3)
                     if a.get("p99_ms") else None}
                growth.append(g)
    print("\n1M / 10k:")
    for g in growth:
        print("  %-12s c=%-3d req/s %sx  p50 %sx  p99 %sx" % (
            g["endpoint"], g["conns"], fmt(g["rps_ratio"], 2), fmt(g["p50_ratio"], 2),
            fmt(g["p99_ratio"], 2)))
    return {"scaling": runs, "growth_1m_over_10k": growth}


# --stall-demo: every task insert sleeps in PostgreSQL
STALL_SECONDS = 0.2
STALL_SQL = """
CREATE FUNCTION bench_stall() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(%s);
    RETURN NEW;
END
$$;
CREATE TRIGGER bench_stall BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION bench_stall();
""" % STALL_SECONDS


def db_threads_zero_answer(binary, tmp, url):
    """What `taskapi serve` says with TASKAPI_DB_THREADS=0 on PostgreSQL: (refused, message)."""
    env = clean_env()
    env.update(TASKAPI_SECRET_KEY=secrets.token_urlsafe(48), TASKAPI_DATABASE_URL=url,
               TASKAPI_DB_THREADS="0", TASKAPI_LOG_LEVEL="warning")
    p = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", "0", "--threads",
                          "1"], env=env, cwd=tmp, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=10)
        return p.returncode != 0, out.strip()[-300:]
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return False, "started (still running after 10 s)"


def main_stall_demo(args, procs, tmp, wrk, binary, cluster):
    """One I/O thread, writes held 200 ms in PostgreSQL: do health checks (answered on the I/O
    thread) and token reads (on the database executor) wait for them?"""
    total = 10 * TASKS_PER_OTHER + BENCH_TASKS
    cluster.createdb("bench_stall")
    url = cluster.url("bench_stall")
    bench_id, ids, _h = seed_taskapi_pg(binary, url, total, os.path.join(tmp, "taskapi-cli.log"))
    psql(url, STALL_SQL)
    refused, zero_msg = db_threads_zero_answer(binary, tmp, url)
    log("bench: TASKAPI_DB_THREADS=0 on PostgreSQL: %s: %s"
        % ("refused" if refused else "accepted", zero_msg))
    port = free_port()
    p = start_taskapi(procs, binary, tmp, None, port, 1, os.path.join(tmp, "taskapi.log"),
                      args.db_threads, url=url)
    srv = Server("taskapi", p, port, detail_id=ids[9], update_id=ids[4], task_table="tasks",
                 max_task_id=total, bench_id=bench_id, pg=cluster, pg_url=url)
    wait_healthy("taskapi", srv.base, p)
    check_server(srv)
    token = srv.token()
    t0 = time.monotonic()
    st, _b = http("POST", srv.base + "/api/tasks/", {"title": "one slow insert"}, token)
    one_create_ms = (time.monotonic() - t0) * 1000
    if st != 201:
        raise BenchError("the stall demo's probe insert answered %d" % st)
    delete_tasks_above(None, "tasks", total, bench_id, url)
    bench = Bench(args, procs, wrk, tmp)
    bench.measure(srv, [("detail", 4, 1, False, 1)], "warm-up")
    d = args.duration
    phases = []
    for w in [0] + args.stall_writers:
        runs = ([("create", w, d, False, 1)] if w else []) + \
            [("health", 4, d, False, 1), ("detail", 4, d, False, 1)]
        res = bench.measure(srv, runs, "stall writers=%d" % w)
        ph = {"writers": w, "create": res[0] if w else None, "health": res[-2],
              "detail": res[-1]}
        for r in res:
            r["server"] = "taskapi"
            r["phase_writers"] = w
        phases.append(ph)
        log("  writers %2d: creates %s/s p50 %s ms; health p50 %s p99 %s max %s ms; "
            "detail p50 %s p99 %s max %s ms" % (
                w, fmt(ph["create"]["rps"]) if w else "-",
                fmt(ph["create"].get("p50_ms"), 2) if w else "-",
                fmt(ph["health"].get("p50_ms"), 2), fmt(ph["health"].get("p99_ms"), 2),
                fmt(ph["health"].get("max_ms"), 2), fmt(ph["detail"].get("p50_ms"), 2),
                fmt(ph["detail"].get("p99_ms"), 2), fmt(ph["detail"].get("max_ms"), 2)))
        if w:
            srv.settle()
            delete_tasks_above(None, "tasks", total, bench_id, url)

    db_threads = args.db_threads if args.db_threads is not None else \
        "default (4 per core: %d)" % (4 * (os.cpu_count() or 1))
    print("\nStall demo: taskapi on PostgreSQL with one I/O thread (--threads 1), "
          "TASKAPI_DB_THREADS %s; a trigger makes every INSERT INTO tasks sleep %d ms "
          "(one create alone took %.0f ms). %d s per phase; in each, wrk -t1 -c4 on health "
          "(no token: answered on the I/O thread) and wrk -t1 -c4 on detail (a token: the "
          "database executor), beside wrk -t1 -cN on create (the slow writers)."
          % (db_threads, STALL_SECONDS * 1000, one_create_ms, d))
    print("%7s  %9s %9s  %9s %8s %8s %8s  %9s %8s %8s %8s  %s" % (
        "writers", "create/s", "p50 ms", "health/s", "p50 ms", "p99 ms", "max ms",
        "detail/s", "p50 ms", "p99 ms", "max ms", "errors"))
    for ph in phases:
        c, h, dd = ph["create"], ph["health"], ph["detail"]
        errs = [r for r in (c, h, dd) if r and r["errors"]]
        print("%7d  %9s %9s  %9s %8s %8s %8s  %9s %8s %8s %8s  %s" % (
            ph["writers"], fmt(c["rps"]) if c else "-", fmt(c.get("p50_ms"), 2) if c else "-",
            fmt(h["rps"]), fmt(h.get("p50_ms"), 2), fmt(h.get("p99_ms"), 2),
            fmt(h.get("max_ms"), 2), fmt(dd["rps"]), fmt(dd.get("p50_ms"), 2),
            fmt(dd.get("p99_ms"), 2), fmt(dd.get("max_ms"), 2),
            ", ".join("%s non2xx=%d socket=%s" % (r["endpoint"], r["non2xx"], r["socket_errors"])
                      for r in errs)))
    print("(Were the inserts waited for on the I/O thread, every health request behind one would "
          "wait up to %d ms: with the writers running its p50 would be tens to hundreds of ms.)"
          % (STALL_SECONDS * 1000))
    print("TASKAPI_DB_THREADS=0 (database calls on the I/O thread) on PostgreSQL: %s (%s)"
          % ("refused at start-up, so not measured" if refused else "accepted, not measured",
             zero_msg))
    runs = [r for ph in phases for r in (ph["create"], ph["health"], ph["detail"]) if r]
    return {"stall_demo": {"stall_ms": STALL_SECONDS * 1000, "one_create_ms": round(
        one_create_ms, 1), "io_threads": 1, "db_threads": args.db_threads,
        "db_threads_zero": {"refused": refused, "message": zero_msg}, "phases": phases},
        "runs": runs}


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/run",
        description="taskapi vs the Go peer vs the DRF design vs nginx, measured with wrk on "
                    "127.0.0.1. Default: the full run (16 and 64 connections, every endpoint).")
    ap.add_argument("--quick", action="store_true",
                    help="about a minute: 64 connections only, 2 s per run (logins 5 s), "
                         "no nginx-close, no taskapi-close login")
    ap.add_argument("--scaling", action="store_true",
                    help="instead: taskapi list/detail on databases of 10 thousand and 1 million "
                         "tasks (64 connections)")
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite",
                    help="postgres: taskapi (one and two processes) and DRF on a throwaway "
                         "PostgreSQL cluster, with the SQLite pair beside them (default sqlite)")
    ap.add_argument("--pg-no-fsync", action="store_true",
                    help="PostgreSQL with fsync and synchronous_commit off, as the tests run it "
                         "(default: PostgreSQL's durable defaults)")
    ap.add_argument("--stall-demo", action="store_true",
                    help="instead: taskapi on PostgreSQL with one I/O thread, every task insert "
                         "delayed 200 ms by pg_sleep in a trigger; health latency with and "
                         "without slow writes running")
    ap.add_argument("--stall-writers", type=lambda s: [int(x) for x in s.split(",")],
                    default=[4, 16],
                    help="--stall-demo: concurrent slow writers, comma-separated (default 4,16)")
    ap.add_argument("--out", help="JSON results (default bench/results/latest.json; "
                                  "latest-postgres.json, scaling.json, stall-demo.json)")
    ap.add_argument("--duration", type=int,
                    help="seconds per run (default 10, quick 2, --stall-demo 5)")
    ap.add_argument("--conns", type=lambda s: [int(x) for x in s.split(",")],
                    help="connection counts, comma-separated (default 16,64; quick 64)")
    ap.add_argument("--endpoints", type=lambda s: s.split(","), default=list(ENDPOINTS),
                    help="comma-separated subset of " + ",".join(ENDPOINTS))
    ap.add_argument("--servers", type=lambda s: s.split(","),
                    help="comma-separated subset of " + ",".join(SERVERS)
                         + " (default all; quick: no nginx-close); with --backend postgres of "
                         + ",".join(PG_SERVERS) + " (default all but taskapi2-close)")
    ap.add_argument("--threads", type=int, default=2, help="taskapi I/O threads (default 2)")
    ap.add_argument("--db-threads", type=int, default=None,
                    help="taskapi database executor threads (TASKAPI_DB_THREADS; default: "
                         "taskapi's own, none with SQLite)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    ap.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (default 2)")
    ap.add_argument("--timeout", type=int, default=30,
                    help="wrk --timeout in seconds (default 30: slow DRF logins are measured, "
                         "not dropped)")
    ap.add_argument("--min-login-duration", type=int, default=5,
                    help="login runs (and the logins-with-reads run) last at least this many "
                         "seconds (default 5)")
    ap.add_argument("--mixed-login-conns", type=int, default=16)
    ap.add_argument("--mixed-read-conns", type=int, default=16)
    ap.add_argument("--retry-noisy", type=int, default=0, metavar="N",
                    help="repeat a run up to N times while other processes use more than 10%% "
                         "of the machine during it, keeping the quietest try (default 0; makes "
                         "the run longer)")
    ap.add_argument("--access-log", action="store_true",
                    help="also run taskapi with its access log on (server taskapi-log; "
                         "`taskapi` runs with it off) and print the cost")
    ap.add_argument("--no-mixed", action="store_true",
                    help="skip the logins-with-reads scenario")
    ap.add_argument("--no-build", action="store_true",
                    help="use the existing build/taskapi (skip scripts/deps and scripts/build)")
    ap.add_argument("--drf", default=DEFAULT_DRF,
                    help="the DRF design to run, relative to the repository root (default %s, "
                         "shipped in the repository; e.g. ../shared/reference/drf)" % DEFAULT_DRF)
    ap.add_argument("--go-peer", default=DEFAULT_GO_PEER,
                    help="the Go peer's source, relative to the repository root (default %s, "
                         "or $BENCH_GO_PEER; 'none' pretends it is missing); built into %s. "
                         "Missing, or Go not installed: skipped, and the tables say so"
                         % (DEFAULT_GO_PEER, GO_PEER_OUT))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (databases, logs)")
    ap.add_argument("--smoke", action="store_true",
                    help="for CI: exit with status 1 when any run had errors or no responses "
                         "(the figures themselves are never judged)")
    a = ap.parse_args(argv)
    a.pg_durable = not a.pg_no_fsync
    if a.stall_demo:
        a.backend = "postgres"
    if a.backend == "postgres" and a.scaling:
        ap.error("--scaling is SQLite only")
    for e in a.endpoints:
        if e not in ENDPOINTS:
            ap.error("unknown endpoint %r" % e)
    if a.duration is None:
        a.duration = 5 if a.stall_demo else 2 if a.quick else 10
    if a.conns is None:
        a.conns = [64] if (a.quick or a.scaling) else [16, 64]
    pg = a.backend == "postgres"
    if a.servers is None:
        a.servers = list(PG_DEFAULT_SERVERS) if pg else \
            [s for s in SERVERS if not (a.quick and s == "nginx-close")
             and (s != ACCESS_LOG_SERVER or a.access_log)]
    elif a.access_log and ACCESS_LOG_SERVER not in a.servers:
        a.servers.append(ACCESS_LOG_SERVER)
    if a.access_log and pg:
        ap.error("--access-log runs on SQLite only")
    for s in a.servers:
        if s not in (PG_SERVERS if pg else SERVERS):
            ap.error("unknown server %r (with --backend %s: %s)" % (
                s, a.backend, ",".join(PG_SERVERS if pg else SERVERS)))
    if pg:
        a.no_mixed = True  # the logins-with-reads scenario is SQLite's
    if a.out is None:
        a.out = os.path.join(BENCH, "results", "stall-demo.json" if a.stall_demo else
                             "scaling.json" if a.scaling else
                             "latest-postgres.json" if pg else "latest.json")
    return a


def main(argv):
    args = parse_args(argv)
    t_start = time.monotonic()
    procs = Processes()
    tmp = tempfile.mkdtemp(prefix="taskapi-bench-")

    def on_signal(signum, _frame):
        log("bench: %s, stopping" % signal.Signals(signum).name)
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # even when started with SIGINT ignored (a background job of a script)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    rc = 0
    cluster = None
    try:
        wrk = shutil.which("wrk")
        if not wrk:
            raise BenchError("wrk is not installed (bench/run installs it)")
        load_before = loadavg()
        started = dt.datetime.now(dt.timezone.utc)
        binary = build(args, tmp)
        if args.backend == "postgres":
            if not shutil.which("psql"):
                raise BenchError("psql is not installed (bench/run --backend postgres installs "
                                 "postgresql)")
            t0 = time.monotonic()
            cluster = PgCluster(args.pg_durable)  # assigned first: stopped even if interrupted
            cluster.start()
            log("bench: PostgreSQL cluster up (%.1f s, %s)" % (
                time.monotonic() - t0, "durable" if args.pg_durable else "fsync off"))
        if args.scaling:
            result = main_scaling(args, procs, tmp, wrk, binary, t_start)
        elif args.stall_demo:
            result = main_stall_demo(args, procs, tmp, wrk, binary, cluster)
        else:
            result = main_compare(args, procs, tmp, wrk, binary, t_start, cluster)
        total_s = time.monotonic() - t_start
        meta = {
            "date_utc": started.strftime("%Y-%m-%d %H:%M:%S"),
            "mode": "scaling" if args.scaling else "stall-demo" if args.stall_demo else
                    ("quick" if args.quick else "full"),
            "backend": args.backend,
            "command": "bench/run " + " ".join(argv),
            "settings": {"duration_s": args.duration, "conns": args.conns,
                         "endpoints": args.endpoints, "servers": args.servers,
                         "taskapi_threads": args.threads, "taskapi_db_threads": args.db_threads,
                         "gunicorn_workers": args.workers, "drf": args.drf,
                         "go_peer": args.go_peer, "go_gomaxprocs": args.threads,
                         "wrk_threads": args.wrk_threads, "wrk_timeout_s": args.timeout},
            "machine": machine_info(), "load_before": load_before, "load_after": loadavg(),
            "versions": tool_versions(wrk, binary), "build_type": build_type(),
            "build_notes": BUILD_NOTES,
            "git": git_info(), "total_seconds": round(total_s, 1),
        }
        if cluster:
            meta["postgres"] = cluster.settings()
        result = dict(meta=meta, **result)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        text = json.dumps(result, indent=1)
        # no absolute path of this machine in the results (they may be committed)
        text = text.replace(REPO + "/", "").replace(tmp, "<tmp>")
        if cluster:
            text = text.replace(cluster.dir, "<pg>")
        with open(args.out, "w") as f:
            f.write(text + "\n")
        print("\nJSON: %s" % os.path.relpath(args.out))
        print("Load average before/after: %s / %s" % (
            " ".join("%.2f" % x for x in load_before), " ".join("%.2f" % x for x in loadavg())))
        print("Total time: %.0f s" % total_s)
        if args.smoke:
            failed = [r for r in result.get("runs", []) + list((result.get("mixed") or {}).values())
                      if isinstance(r, dict) and r.get("errors")]
            if failed:
                log("bench: smoke check failed: %d run(s) with errors or no responses" % len(failed))
                rc = 1
            else:
                print("Smoke check: every run answered without errors")
    except BenchError as e:
        log("bench: error: %s" % e)
        rc = 1
    except KeyboardInterrupt:
        log("bench: interrupted")
        rc = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        procs.stop_all()
        if cluster:
            try:
                cluster.stop()
            except Exception as e:  # keep going: the temp dir
                log("cleanup: PostgreSQL cluster: %s" % e)
        if args.keep or rc not in (0, 130):
            log("bench: temp dir kept: %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
