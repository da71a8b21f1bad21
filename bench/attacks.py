#!/usr/bin/python3
"""Replays the resource attacks of issue 8 against one or more taskapi binaries and prints what
each cost the server: memory (VmRSS from /proc/PID/status, sampled), CPU, log volume, and how
other clients fared meanwhile. The adversarial tests assert bounds on the same attacks at a
smaller scale; this is where the figures of the closing note come from.

  bench/attacks.py                          # build/taskapi, every attack
  bench/attacks.py --bin OLD --bin build/taskapi --only silent-flood,stalled-lists

Everything goes to 127.0.0.1 (client addresses 127.0.0.2 and up); each attack starts a fresh
server in a temporary directory and is bounded in time. Standard library only.
"""
import argparse
import json
import os
import pathlib
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
KEY = "attacks-signing-key-0123456789-0123456789"
MIB = 1024 * 1024


# ---------------------------------------------------------------------------- the server
class Server:
    def __init__(self, binary, env=None, nofile=None):
        self.binary = str(pathlib.Path(binary).resolve())
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="taskapi-attacks-"))
        self.env = {"PATH": "/usr/bin:/bin", "TASKAPI_SECRET_KEY": KEY,
                    "TASKAPI_DATABASE_URL": "sqlite:///" + str(self.dir / "db.sqlite3"),
                    "TASKAPI_LOG_LEVEL": "info"}
        self.env.update(env or {})
        self.nofile = nofile
        self.proc = None
        self.port = None
        self.log_path = self.dir / "log"

    def cli(self, *args, stdin=None):
        return subprocess.run([self.binary, *args], input=stdin, env=self.env, cwd=self.dir,
                              capture_output=True, text=True, timeout=60)

    def start(self):
        def limit():
            if self.nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([self.binary, "serve", "--port", "0", "--threads", "2"],
                                     env=self.env, cwd=self.dir, stdout=self.log,
                                     stderr=subprocess.STDOUT, preexec_fn=limit)
        deadline = time.time() + 20
        while time.time() < deadline:
            m = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", self.log_path.read_bytes())
            if m:
                self.port = int(m.group(1))
                return self
            time.sleep(0.05)
        raise RuntimeError("the server did not start: %s" % self.log_path.read_text()[-500:])

    def rss_mib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return 0.0

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def connect(port, source="127.0.0.2", timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0))


def request(port, method, path, body=b"", headers=(), source="127.0.0.3", timeout=10):
    """One request on a fresh connection: (status, body) or (None, error text)."""
    try:
        with connect(port, source, timeout) as s:
            head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % (method, path)
            head += "".join("%s: %s\r\n" % h for h in headers)
            if body:
                head += "Content-Length: %d\r\n" % len(body)
            s.sendall(head.encode() + b"\r\n" + body)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        if not data:
            return None, "closed without an answer"
        status = int(data.split(b" ", 2)[1])
        return status, data.split(b"\r\n\r\n", 1)[1]
    except OSError as e:
        return None, type(e).__name__


def login(port, user, password, source="127.0.0.3"):
    body = json.dumps({"username": user, "password": password}).encode()
    return request(port, "POST", "/api/auth/token/", body,
                   [("Content-Type", "application/json")], source)


def sample_rss(server, seconds, every=0.1):
    peak = server.rss_mib()
    deadline = time.time() + seconds
    while time.time() < deadline:
        peak = max(peak, server.rss_mib())
        time.sleep(every)
    return peak


# ---------------------------------------------------------------------------- the attacks
def chunk_metadata(binary):
    """Item 1: `1;a=` and endless `a` in a chunk-size line, for up to 10 s."""
    srv = Server(binary).start()
    try:
        base = srv.rss_mib()
        peak = base
        sent = 0
        answered = "no answer"
        s = connect(srv.port)
        s.sendall(b"POST /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=")
        filler = b"a" * 65536
        deadline = time.time() + 10
        try:
            while time.time() < deadline:
                s.sendall(filler)
                sent += len(filler)
                if sent % (4 * MIB) == 0:
                    peak = max(peak, srv.rss_mib())
        except OSError:
            pass
        peak = max(peak, srv.rss_mib())
        s.settimeout(2)
        try:
            data = s.recv(4096)
            if data:
                answered = data.split(b"\r\n", 1)[0].decode()
        except OSError as e:
            answered = type(e).__name__
        s.close()
        return {"sent MiB": round(sent / MIB, 1), "RSS MiB before": round(base, 1),
                "RSS MiB peak": round(peak, 1), "answer": answered}
    finally:
        srv.stop()


def trailer_authorization(binary):
    """Item 2: a chunked POST whose trailer carries Authorization and Content-Type."""
    srv = Server(binary)
    srv.cli("createuser", "alice", "--password-stdin", stdin="alice-password-1\n")
    srv.start()
    try:
        status, body = login(srv.port, "alice", "alice-password-1")
        token = json.loads(body)["access"]
        chunked = b'{"title":"from-a-trailer"}'
        with connect(srv.port) as s:
            s.sendall(b"POST /api/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                      b"Connection: close\r\n\r\n%x\r\n%s\r\n0\r\nAuthorization: Bearer %s\r\n"
                      b"Content-Type: application/json\r\n\r\n" % (len(chunked), chunked,
                                                                   token.encode()))
            data = s.recv(65536)
        return {"answer": data.split(b"\r\n", 1)[0].decode(),
                "body": data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace")[:80]}
    finally:
        srv.stop()


def stalled_lists(binary):
    """Item 3: 50 tasks of 1 MiB control characters; 7 connections pipeline lists, never read."""
    srv = Server(binary, {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "off"})
    srv.cli("createuser", "mallory", "--password-stdin", stdin="mallory-password-1\n")
    srv.start()
    try:
        token = json.loads(login(srv.port, "mallory", "mallory-password-1")[1])["access"]
        desc = b"a" + bytes(range(1, 9)) * ((MIB - 600) // 8) + b"z"
        for i in range(50):
            body = (b"--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt%d\r\n"
                    b"--B\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n" % i +
                    desc + b"\r\n--B--\r\n")
            status, _ = request(srv.port, "POST", "/api/tasks/", body,
                                [("Authorization", "Bearer " + token),
                                 ("Content-Type", "multipart/form-data; boundary=B")])
            assert status == 201, status
        base = srv.rss_mib()
        one = ("GET /api/tasks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n"
               % token).encode()
        conns = [connect(srv.port) for _ in range(7)]
        for c in conns:
            c.sendall(one * 3)
        peak = sample_rss(srv, 10)
        status, _ = request(srv.port, "GET", "/api/health/")
        for c in conns:
            c.close()
        return {"RSS MiB before": round(base, 1), "RSS MiB peak": round(peak, 1),
                "health meanwhile": status}
    finally:
        srv.stop()


def silent_flood(binary):
    """Item 4: 10,000 silent connections from one address, then 200 requests from others."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    srv = Server(binary).start()
    conns = []
    try:
        started = time.time()
        for _ in range(10000):
            try:
                conns.append(connect(srv.port, "127.0.0.2", timeout=5))
            except OSError:
                break
        opened = time.time() - started
        time.sleep(0.5)
        outcomes = {}
        worst = 0.0
        for i in range(200):
            t0 = time.time()
            status, _ = request(srv.port, "GET", "/api/health/", source="127.0.0.%d" % (3 + i % 50),
                                timeout=5)
            worst = max(worst, time.time() - t0)
            outcomes[str(status)] = outcomes.get(str(status), 0) + 1
        return {"silent opened": len(conns), "in s": round(opened, 2),
                "others' answers": outcomes, "slowest s": round(worst, 3),
                "RSS MiB": round(srv.rss_mib(), 1)}
    finally:
        for c in conns:
            c.close()
        srv.stop()


def long_usernames(binary):
    """Item 5: 150 logins with 1 MiB usernames (address throttling off)."""
    srv = Server(binary, {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "off"}).start()
    try:
        base = srv.rss_mib()
        statuses = {}
        for i in range(150):
            name = ("%03d" % i) + "u" * (MIB - 200)
            status, _ = login(srv.port, name, "wrong-password")
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        time.sleep(1)
        return {"RSS MiB before": round(base, 1), "RSS MiB after": round(srv.rss_mib(), 1),
                "answers": statuses}
    finally:
        srv.stop()


def out_of_descriptors(binary):
    """Item 6: descriptor limit 64, TASKAPI_MAX_CONNECTIONS 1000, 200 connections; 5 s."""
    srv = Server(binary, {"TASKAPI_MAX_CONNECTIONS": "1000"}, nofile=64).start()
    conns = []
    try:
        log_before = srv.log_path.stat().st_size
        cpu_before = srv.cpu_seconds()
        for _ in range(200):
            try:
                c = connect(srv.port, "127.0.0.2", timeout=5)
                c.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # busy, not idle
                conns.append(c)
            except OSError:
                break
        time.sleep(5)
        cpu = srv.cpu_seconds() - cpu_before
        log_mb = (srv.log_path.stat().st_size - log_before) / 1e6
        t0 = time.time()
        status, detail = request(srv.port, "GET", "/api/health/", timeout=5)
        return {"CPU s in 5 s": round(cpu, 2), "log MB in 5 s": round(log_mb, 2),
                "new client": status if status else detail,
                "after s": round(time.time() - t0, 2)}
    finally:
        for c in conns:
            c.close()
        srv.stop()


def throttled_queue(binary):
    """Item 7: 40 logins keep the hashing pool busy; 800 connections from one throttled address
    send a login at once; meanwhile alice logs in 3 times from another address."""
    srv = Server(binary, {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "20/min",
                          "TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "0"})
    srv.cli("createuser", "alice", "--password-stdin", stdin="alice-password-1\n")
    srv.start()

    def login_bytes(user, password):
        body = json.dumps({"username": user, "password": password}).encode()
        return (b"POST /api/auth/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body))

    def status_of(sock):
        try:
            data = sock.recv(4096)
            return str(int(data.split(b" ", 2)[1])) if data else "closed"
        except OSError as e:
            return type(e).__name__

    socks = []
    try:
        for _ in range(20):  # the flooding address uses up its rate
            login(srv.port, "nobody", "wrong-password", source="127.0.0.2")
        hashers = [connect(srv.port, "127.0.0.%d" % (3 + i // 20), 60) for i in range(40)]
        flood = [connect(srv.port, "127.0.0.2", 60) for _ in range(800)]
        owners = [connect(srv.port, "127.0.0.1", 60) for _ in range(3)]
        socks = hashers + flood + owners
        for i, s in enumerate(hashers):
            s.sendall(login_bytes("nobody-%d" % i, "wrong-password"))
        for s in flood:
            s.sendall(login_bytes("alice", "wrong-password"))
        for s in owners:
            s.sendall(login_bytes("alice", "alice-password-1"))
        result = {}
        for name, group in (("owner's logins", owners), ("flood", flood)):
            codes = {}
            for s in group:
                code = status_of(s)
                codes[code] = codes.get(code, 0) + 1
            result[name] = codes
        return result
    finally:
        for s in socks:
            s.close()
        srv.stop()


ATTACKS = {
    "chunk-metadata": chunk_metadata,
    "trailer-authorization": trailer_authorization,
    "stalled-lists": stalled_lists,
    "silent-flood": silent_flood,
    "long-usernames": long_usernames,
    "out-of-descriptors": out_of_descriptors,
    "throttled-queue": throttled_queue,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", action="append", help="a taskapi binary (repeatable; default "
                        "build/taskapi)")
    parser.add_argument("--only", help="comma-separated subset of " + ",".join(ATTACKS))
    args = parser.parse_args()
    binaries = args.bin or [str(ROOT / "build" / "taskapi")]
    names = args.only.split(",") if args.only else list(ATTACKS)
    for name in names:
        if name not in ATTACKS:
            sys.exit("unknown attack %r (known: %s)" % (name, ", ".join(ATTACKS)))
    results = {}
    for name in names:
        print("== %s: %s" % (name, ATTACKS[name].__doc__.strip()))
        for binary in binaries:
            try:
                result = ATTACKS[name](binary)
            except Exception as e:  # one failed attack does not stop the others
                result = {"error": "%s: %s" % (type(e).__name__, e)}
            results.setdefault(name, {})[binary] = result
            print("   %-40s %s" % (binary, json.dumps(result)))
    return results


if __name__ == "__main__":
    main()
