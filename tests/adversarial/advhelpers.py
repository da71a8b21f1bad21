"""Helpers for the adversarial tests: raw HTTP over sockets and the leak scan (no fixtures here).

Everything goes to 127.0.0.1. Raw answers are parsed strictly enough to check status lines,
headers and bodies byte for byte; every byte received is scanned for secrets.
"""
import base64
import json
import os
import re
import select
import socket
import time
import urllib.parse

from apihelpers import SECRET_KEY, compact, show  # noqa: F401  (re-exported)

HEALTH_OK = b'{"status":"ok"}'
MALFORMED = {"detail": "Malformed HTTP request."}
HEADERS_TOO_LARGE = {"detail": "Request header fields too large."}
TOO_LARGE = {"detail": "Request body too large."}
BUSY = {"detail": "Server busy, try again later."}

# ---------------------------------------------------------------------------- leak scan
_key = SECRET_KEY.encode()
SECRETS = [
    b"$argon2",                                   # PHC string of an Argon2 password hash
    b"argon2id$",
    _key,
    base64.b64encode(_key).rstrip(b"="),
    base64.urlsafe_b64encode(_key).rstrip(b"="),
    _key.hex().encode(),
]


def scan_bytes(data, where="answer"):
    """Fails when `data` (an answer as received) contains a password hash or the signing key."""
    if not data:
        return
    low = bytes(data).lower()
    for secret in SECRETS:
        assert secret.lower() not in low, "%s leaks a secret (%r...): %r" % (
            where, secret[:12], bytes(data)[:600])


# Secrets of the current test, for the scan of the servers' logs: every token and password the
# suite sent (Authorization headers, bodies) or received (token answers). Shorter values are not
# kept: a test's deliberately bad "x" or "abc" could appear in a log line for other reasons.
SEEN_SECRETS = set()
_MIN_SECRET = 8
_SECRET_KEYS = ("password", "access", "refresh", "token")
_RAW_AUTHORIZATION = re.compile(rb"(?im)^authorization:[ \t]*(?:\S+[ \t]+)?(\S+)")


def remember_secret(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str) and len(value) >= _MIN_SECRET:
        SEEN_SECRETS.add(value)


def _remember_body(body):
    """The password and token fields of a JSON or form body."""
    if not body or len(body) > 65536:
        return
    if isinstance(body, str):
        body = body.encode("utf-8", "replace")
    fields = {}
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            fields = parsed
    except RecursionError:
        return  # the deeply nested bodies of the JSON depth tests hold no credentials
    except ValueError:
        try:
            fields = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        except ValueError:
            fields = {}
    for key in _SECRET_KEYS:
        if isinstance(fields.get(key), str):
            remember_secret(fields[key])


def remember_request(request, response):
    """Keeps the secrets of one `requests` exchange for scan_log."""
    authorization = request.headers.get("Authorization")
    if authorization:
        remember_secret(authorization.split()[-1] if authorization.split() else authorization)
    if isinstance(request.body, (bytes, str)):
        _remember_body(request.body)
    if b'"access"' in (response.content or b"") or b'"refresh"' in (response.content or b""):
        _remember_body(response.content)


def remember_raw(data):
    """Keeps the credential of each Authorization line of raw request bytes."""
    for m in _RAW_AUTHORIZATION.finditer(bytes(data)):
        remember_secret(m.group(1))


def scan_log(log, passwords=(), where="server log"):
    """Fails when a server's log holds the signing key, a password hash, or a token or password
    of the current test (SEEN_SECRETS) or of the server's users (`passwords`)."""
    scan_bytes(log.encode("utf-8", "replace"), where)
    for secret in SEEN_SECRETS | {p for p in passwords if len(p) >= _MIN_SECRET}:
        if secret in log:
            line = next(line for line in log.splitlines() if secret in line)
            raise AssertionError("%s leaks a token or password (%r...): %r" % (
                where, secret[:12], line[:600]))


def scan_response(r):
    """Leak scan of a `requests` response: status line, every header, body."""
    parts = [("%s %s" % (r.status_code, r.reason)).encode("latin-1", "replace")]
    for k, v in r.headers.items():
        parts.append(("%s: %s" % (k, v)).encode("latin-1", "replace"))
    parts.append(r.content or b"")
    scan_bytes(b"\r\n".join(parts), "answer to %s %s" % (r.request.method, r.request.url))


# ---------------------------------------------------------------------------- raw HTTP
class Answer:
    """One parsed HTTP response."""

    def __init__(self, status_line, headers, body, raw):
        self.status_line = status_line
        self.version, code = status_line.split(" ", 2)[:2]
        self.status = int(code)
        self.header_list = headers           # [(name, value)] in order, names as sent
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        self.raw = raw                       # the bytes of this answer, head and body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%s %r %r>" % (self.status_line, self.header_list, self.body[:300])


def parse_answers(data, bodyless=()):
    """(answers, rest): complete answers at the start of `data`; 1xx answers are included.

    `bodyless`: indexes (among the final answers) of answers to HEAD requests, which carry
    Content-Length but no body; 204 and 304 answers never have one.
    """
    answers = []
    final = 0
    while b"\r\n\r\n" in data:
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = []
        for line in lines[1:]:
            assert ":" in line, "malformed answer header line %r in %r" % (line, data[:500])
            k, v = line.split(":", 1)
            headers.append((k.strip(), v.strip()))
        hmap = {k.lower(): v for k, v in headers}
        status = int(lines[0].split(" ")[1])
        if 100 <= status < 200:
            answers.append(Answer(lines[0], headers, b"", head + b"\r\n\r\n"))
            data = rest
            continue
        assert "transfer-encoding" not in hmap, "chunked answers are not expected: %r" % data[:500]
        length = int(hmap.get("content-length", "0"))
        if final in bodyless or status in (204, 304):
            length = 0
        if len(rest) < length:
            break
        raw = head + b"\r\n\r\n" + rest[:length]
        answers.append(Answer(lines[0], headers, rest[:length], raw))
        data = rest[length:]
        final += 1
    return answers, data


class Conn:
    """A raw client connection to the server under test."""

    def __init__(self, port, timeout=10, source=None):
        """`source`: the client address to connect from (any of 127.0.0.0/8), e.g. "127.0.0.2"."""
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.timeout = timeout
        self.buffer = b""
        self.closed = False       # the server closed (EOF or reset)
        self.send_failed = False  # a send failed: the server no longer reads

    def send(self, data):
        """Sends all of `data`; False when the server has closed the connection meanwhile."""
        remember_raw(data)
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.send_failed = True   # an answer may still be waiting to be read
            return False

    def _recv(self, timeout):
        """One recv with a timeout: bytes, b"" at EOF/reset (sets closed), None on timeout."""
        if self.closed:
            return b""
        readable, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not readable:
            return None
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError):
            chunk = b""
        if not chunk:
            self.closed = True
        else:
            scan_bytes(chunk)
            self.buffer += chunk
        return chunk

    def answer(self, timeout=None, skip_interim=True):
        """The next complete answer; AssertionError when none arrives (closed or timeout)."""
        deadline = time.time() + (self.timeout if timeout is None else timeout)
        while True:
            answers, rest = parse_answers(self.buffer)
            if skip_interim:
                while answers and answers[0].status < 200:
                    self.buffer = self.buffer[len(answers[0].raw):]
                    answers = answers[1:]
            if answers:
                self.buffer = self.buffer[len(answers[0].raw):]
                return answers[0]
            chunk = self._recv(deadline - time.time())
            if chunk == b"":
                raise AssertionError("connection closed without a complete answer; got %r"
                                     % self.buffer[:500])
            if chunk is None:
                raise AssertionError("no complete answer in time; got %r" % self.buffer[:500])

    def answers_until_closed(self, timeout=None, bodyless=()):
        """All answers until the server closes; AssertionError if it does not close in time."""
        deadline = time.time() + (self.timeout if timeout is None else timeout)
        while not self.closed:
            chunk = self._recv(deadline - time.time())
            if chunk is None:
                raise AssertionError("the server did not close the connection in time; got %r"
                                     % self.buffer[:500])
        answers, rest = parse_answers(self.buffer, bodyless)
        assert rest == b"", "incomplete data before close: %r" % rest[:500]
        self.buffer = b""
        return answers

    def wait_closed(self, timeout):
        """True when the server closes within `timeout` s (data received meanwhile is kept)."""
        deadline = time.time() + timeout
        while not self.closed:
            remaining = deadline - time.time()
            if remaining <= 0:
                return False
            self._recv(remaining)
        return True

    def still_open(self, wait=0.3):
        """True when the server has neither closed nor sent anything within `wait` s."""
        chunk = self._recv(wait)
        return chunk is None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def exchange(port, data, timeout=10, shutdown_write=False):
    """Sends `data` on a new connection and reads until the server closes or `timeout`.

    Returns (answers, closed, leftover bytes).
    """
    with Conn(port, timeout) as c:
        c.send(data)
        if shutdown_write:
            try:
                c.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        c.wait_closed(timeout)
        answers, rest = parse_answers(c.buffer)
        return answers, c.closed, rest


def request_bytes(method, path, headers=(), body=b"", version="HTTP/1.1", host="127.0.0.1"):
    """A request as bytes; Content-Length is added when a body is given and none is listed."""
    if isinstance(body, str):
        body = body.encode()
    lines = ["%s %s %s" % (method, path, version)]
    names = {k.lower() for k, _ in headers}
    if host is not None and "host" not in names:
        lines.append("Host: %s" % host)
    lines.extend("%s: %s" % (k, v) for k, v in headers)
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def assert_answer_json(a, status, body):
    """Exact status, JSON content type and body bytes of a raw answer."""
    assert a.status == status, a
    assert a.headers.get("content-type") == "application/json", a
    assert a.body == compact(body), "expected %r, got %r" % (compact(body), a)
    assert a.headers.get("content-length") == str(len(a.body)), a


def assert_clean_refusal(answers, closed, allowed=(400,), body=None):
    """The server refused cleanly: no answer and a closed connection, or one answer whose
    status is in `allowed` (and whose body is `body` when given) followed by the close."""
    assert closed, "the connection was left open; answers: %r" % answers
    assert len(answers) <= 1, "more than one answer (a request was smuggled?): %r" % answers
    if answers:
        a = answers[0]
        assert a.status in allowed, a
        assert a.status < 500, a
        if body is not None:
            assert_answer_json(a, a.status, body)
        assert a.headers.get("connection", "").lower() == "close", a


def closed_among(conns, expected, timeout):
    """How many of `conns` the server has closed, waiting up to `timeout` s for `expected` of
    them (returns early once that many are closed)."""
    deadline = time.time() + timeout
    while True:
        closed = sum(1 for c in conns if c.closed)
        if closed >= expected or time.time() >= deadline:
            return closed
        readable, _, _ = select.select([c.sock for c in conns if not c.closed], [], [],
                                       max(0.0, min(0.1, deadline - time.time())))
        for c in conns:
            if c.sock in readable:
                c._recv(0)


BUSY_HEAD = (b"POST /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 2\r\nExpect: 100-continue\r\n\r\n")


def make_busy(conns):
    """Puts each connection in the middle of a request, and returns once the server has read each
    one's header: it answered 100 Continue, so it now counts the connection busy (it can no
    longer be closed to make room). A readiness signal instead of a sleep."""
    for c in conns:
        c.send(BUSY_HEAD)
    for c in conns:
        a = c.answer(timeout=10, skip_interim=False)
        assert a.status == 100, a


def finish_busy(conn):
    """Completes what make_busy began: the answer is 405 (POST on the health check)."""
    conn.send(b"{}")
    a = conn.answer(timeout=10)
    assert a.status == 405, a
    return a


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def without_date(raw):
    """A raw answer without its Date and X-Request-ID header lines, which differ from answer to
    answer (for byte comparisons)."""
    return re.sub(rb"\r\n(Date|X-Request-ID): [^\r]*", b"", raw)


# ---------------------------------------------------------------------------- process figures
def proc_status(pid):
    """/proc/PID/status as {name: value} (values as text, e.g. "VmRSS": "8123 kB")."""
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def rss_mib(pid):
    """Resident memory of a process in MiB (VmRSS)."""
    return int(proc_status(pid)["VmRSS"].split()[0]) / 1024.0


def cpu_seconds(pid):
    """User + system CPU time a process has used so far, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    clock_ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / clock_ticks


# Sanitizer builds multiply what an allocation costs (TSan's shadow memory above all);
# scripts/test-sanitizers says by how much, and memory bounds are scaled by it.
MEMORY_FACTOR = float(os.environ.get("TASKAPI_TEST_MEMORY_FACTOR", "1"))


def memory_bound_mib(mib):
    """A memory bound of the release build, scaled for the build under test."""
    return mib * MEMORY_FACTOR


class RssSampler:
    """Samples a process's VmRSS (MiB) on demand and keeps the highest value seen."""

    def __init__(self, pid):
        self.pid = pid
        self.baseline = rss_mib(pid)
        self.peak = self.baseline

    def sample(self):
        value = rss_mib(self.pid)
        self.peak = max(self.peak, value)
        return value

    @property
    def growth(self):
        return self.peak - self.baseline
