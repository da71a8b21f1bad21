"""The access log and request ids (README "Logs").

One `info` line per answered request, text (logfmt-like) or JSON (TASKAPI_LOG_FORMAT), with the
method, the path without the query, the status, the duration, the body bytes, the user id when
authenticated, the client address and the request id; TASKAPI_ACCESS_LOG=false switches it off.
X-Request-ID: the client's when sane (1 to 128 visible ASCII characters, one header line), else
generated; echoed on every answer. Nothing a client sends can split a line or break its JSON.
"""
import http.client
import json
import re
import socket
import time

import pytest

from apihelpers import raw_exchange, show

GENERATED_ID = re.compile(r"^[0-9a-f]{16}-[0-9a-f]+$")
TEXT_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (debug|info|warning|error) (\S+)(.*)$")
TEXT_FIELD = re.compile(r' (\w+)=("(?:[^"\\]|\\.)*"|[^ "]+)')
ACCESS_KEYS = ["method", "path", "status", "duration_ms", "bytes", "remote", "client", "request_id"]


def unescape(value):
    """A text field's value as it was before the log escaped it."""
    if not value.startswith('"'):
        return value
    out, i, inner = bytearray(), 0, value[1:-1]
    while i < len(inner):
        if inner[i] == "\\" and inner[i + 1] == "x":
            out.append(int(inner[i + 2:i + 4], 16))
            i += 4
        elif inner[i] == "\\":
            out += inner[i + 1].encode()
            i += 2
        else:
            out += inner[i].encode()
            i += 1
    return out.decode("utf-8", "replace")


def parse_text(line):
    """A text line as a dict: time, level, message, then each key=value; asserts it is well formed."""
    m = TEXT_LINE.match(line)
    assert m, "not a log line: %r" % line
    entry = {"time": m.group(1), "level": m.group(2), "message": m.group(3)}
    rest = m.group(4)
    if m.group(3) != "access":
        entry["message"] += rest
    else:
        fields = TEXT_FIELD.findall(rest)
        assert "".join(' %s=%s' % f for f in fields) == rest, "unparsable fields: %r" % line
        for key, value in fields:
            entry[key] = unescape(value)
        for key in ("status", "bytes", "user_id"):
            if key in entry:
                entry[key] = int(entry[key])
        entry["duration_ms"] = float(entry["duration_ms"])
    return entry


def entries(srv, fmt="text"):
    lines = srv.log.splitlines()
    if fmt == "json":
        return [json.loads(line) for line in lines]
    return [parse_text(line) for line in lines]


def access_entries(srv, fmt="text"):
    return [e for e in entries(srv, fmt) if e["message"] == "access"]


def access_entry(srv, request_id, fmt="text", patience=10.0):
    """The access line of the request with this id (the line is written once the answer is sent:
    it may come just after the client has it)."""
    deadline = time.time() + patience
    while True:
        found = [e for e in access_entries(srv, fmt) if e.get("request_id") == request_id]
        if found or time.time() > deadline:
            break
        time.sleep(0.02)
    assert len(found) == 1, "%d access lines for %r; log:\n%s" % (len(found), request_id, srv.log[-3000:])
    return found[0]


@pytest.fixture(params=["text", "json"])
def logged(request, server_factory):
    """A server in each log format; returns (server, format)."""
    return server_factory(env={"TASKAPI_LOG_FORMAT": request.param}), request.param


def test_every_line_is_in_the_format_chosen(logged):
    srv, fmt = logged
    srv.login("alice")
    srv.stop()
    lines = entries(srv, fmt)  # asserts each line parses
    assert any(e["message"].startswith("listening on http://127.0.0.1:") for e in lines)
    assert lines[-1]["message"] == "stopped" and lines[-1]["level"] == "info"
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e["time"]) for e in lines)


def test_an_authenticated_request_is_logged_with_its_fields(logged):
    srv, fmt = logged
    tokens = srv.login("alice")
    r = srv.get("/api/me/", tokens["access"], headers={"X-Request-ID": "me-request-1"})
    assert r.status_code == 200, show(r)
    assert r.headers["X-Request-ID"] == "me-request-1"
    e = access_entry(srv, "me-request-1", fmt)
    assert e["level"] == "info"
    assert [k for k in e if k in ACCESS_KEYS + ["user_id"]] == ACCESS_KEYS[:5] + ["user_id"] + ACCESS_KEYS[5:]
    assert (e["method"], e["path"], e["status"], e["bytes"], e["user_id"]) == (
        "GET", "/api/me/", 200, len(r.content), 1)
    assert e["remote"] == e["client"] == "127.0.0.1"
    assert isinstance(e["duration_ms"], float) and e["duration_ms"] >= 0
    # The login before it: anonymous, so no user_id; its id was generated and echoed.
    login = [a for a in access_entries(srv, fmt) if a["path"] == "/api/auth/token/"]
    assert len(login) == 1 and "user_id" not in login[0] and login[0]["status"] == 200
    assert GENERATED_ID.match(login[0]["request_id"]), login


def test_errors_and_head_are_logged_with_the_bytes_sent(logged):
    srv, fmt = logged
    tokens = srv.login("bob")
    r = srv.get("/api/tasks/999/", tokens["access"])
    assert r.status_code == 404
    e = access_entry(srv, r.headers["X-Request-ID"], fmt)
    assert (e["status"], e["bytes"], e["user_id"]) == (404, len(r.content), 2)
    r = srv.get("/api/tasks/", "not-a-token")
    assert r.status_code == 401
    e = access_entry(srv, r.headers["X-Request-ID"], fmt)
    assert (e["status"], e["bytes"]) == (401, len(r.content)) and "user_id" not in e
    r = srv.head("/api/health/")
    e = access_entry(srv, r.headers["X-Request-ID"], fmt)
    assert (e["method"], e["status"], e["bytes"]) == ("HEAD", 200, 0)


def test_a_streamed_list_counts_every_byte(server_factory):
    srv = server_factory()
    token = srv.login("alice")["access"]
    for i in range(40):
        srv.create_task(token, "task %d " % i + "x" * 200)
    r = srv.get("/api/tasks/", token)
    assert r.status_code == 200 and len(r.json()) == 40
    assert access_entry(srv, r.headers["X-Request-ID"])["bytes"] == len(r.content)


def test_no_line_is_lost_when_the_server_stops(server_factory):
    """Lines wait up to 20 ms to be written together: a stop writes those still waiting."""
    srv = server_factory()
    sent = ["stop-%d" % i for i in range(40)]
    conns = [http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10) for _ in range(4)]
    for i, request_id in enumerate(sent):
        c = conns[i % len(conns)]
        c.request("GET", "/api/health/", headers={"X-Request-ID": request_id})
        assert c.getresponse().read() == b'{"status":"ok"}'
    for c in conns:
        c.close()
    srv.stop()
    logged = [e.get("request_id") for e in access_entries(srv)]
    # Each I/O thread writes its own lines: in order within a thread, not across threads.
    assert sorted(i for i in logged if i in sent) == sorted(sent)


@pytest.mark.parametrize("sent", [
    "a", "0f8fad5b-d9cb-469f-a165-70867728950e", "x" * 128, "~!#$%&'*+-.^_`|{}[]()<>@,;:\\\"/?=",
])
def test_a_sane_request_id_is_kept(server, sent):
    r = server.get("/api/health/", headers={"X-Request-ID": sent})
    assert r.headers["X-Request-ID"] == sent
    assert access_entry(server, sent)["path"] == "/api/health/"


@pytest.mark.parametrize("sent", [
    "x" * 129, "two words", "tab\there", "caf\u00e9".encode("utf-8"), "\u975e".encode("utf-8"),
])
def test_an_insane_request_id_is_replaced(server, sent):
    r = server.get("/api/health/", headers={"X-Request-ID": sent})
    assert r.status_code == 200
    ours = r.headers["X-Request-ID"]
    assert GENERATED_ID.match(ours), ours
    assert access_entry(server, ours)["path"] == "/api/health/"
    text = sent if isinstance(sent, str) else sent.decode("latin-1")
    assert text not in server.log


def test_an_empty_or_repeated_request_id_is_replaced(server):
    for head in (b"X-Request-ID: \r\n", b"X-Request-ID: one\r\nX-Request-ID: two\r\n",
                 b"X-Request-Id: same\r\nx-request-id: same\r\n"):
        status, headers, _ = raw_exchange(server.port, b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          + head + b"Connection: close\r\n\r\n")
        assert status == 200
        assert GENERATED_ID.match(headers["x-request-id"]), (head, headers)
        access_entry(server, headers["x-request-id"])


def test_generated_ids_differ(server):
    ids = [server.get("/api/health/").headers["X-Request-ID"] for _ in range(20)]
    assert len(set(ids)) == 20 and all(GENERATED_ID.match(i) for i in ids)
    assert len({i.split("-")[0] for i in ids}) == 1  # one process, one prefix


def test_query_values_and_names_are_never_logged(server):
    token = server.login("alice")["access"]
    r = server.get("/api/tasks/?search=hunter2-query-value&ordering=title", token)
    assert r.status_code == 200
    e = access_entry(server, r.headers["X-Request-ID"])
    assert e["path"] == "/api/tasks/"
    r = server.get("/api/health/?" + token)  # a token sent as a bare query "name"
    assert access_entry(server, r.headers["X-Request-ID"])["path"] == "/api/health/"
    for secret in ("hunter2-query-value", "search=", "ordering", token):
        assert secret not in server.log


def test_no_token_password_or_body_is_logged(logged):
    srv, fmt = logged
    tokens = srv.login("alice")
    srv.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    srv.post("/api/auth/token/verify/", {"token": tokens["access"]})
    srv.create_task(tokens["access"], "body-title-never-logged")
    srv.post("/api/auth/token/", {"username": "alice", "password": "wrong-password-never-logged"})
    srv.stop()
    assert len(access_entries(srv, fmt)) == 5
    for secret in (tokens["access"], tokens["refresh"], tokens["access"].split(".")[2],
                   "alice-password-1", "wrong-password-never-logged", "body-title-never-logged",
                   "Bearer", "uthorization"):
        assert secret not in srv.log


@pytest.mark.parametrize("path", [
    b'/api/"quoted"/', b"/api/\xe9\x9d\x9e/", b"/api/\xff\xfe/", b"/api/%0d%0aforged%20info%20line/",
    b"/api/back\\slash/",
])
def test_paths_a_client_sends_stay_one_line(logged, path):
    srv, fmt = logged
    status, headers, _ = raw_exchange(srv.port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                      b"X-Request-ID: injected\"\\'id\r\nConnection: close\r\n\r\n")
    assert headers["x-request-id"] == "injected\"\\'id"
    srv.stop()
    lines = srv.log.splitlines()
    e = access_entry(srv, "injected\"\\'id", fmt)  # every line parses, and this one is there
    assert e["status"] == status
    assert len([line for line in lines if "forged" in line]) <= 1
    if fmt == "text":
        assert all(0x20 <= ord(c) < 0x7f for line in lines for c in line)
    expected = path.decode("utf-8", "replace")
    if fmt == "json" or path.isascii():
        assert e["path"] == expected
    else:
        assert e["path"].encode("utf-8", "surrogateescape") == path or e["path"] == expected


def test_requests_the_reader_refuses_are_logged_and_carry_the_id(logged):
    srv, fmt = logged
    # 413: a declared body over the limit; the method and path were read.
    status, headers, body = raw_exchange(srv.port, b"POST /api/tasks/?token=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                         b"X-Request-ID: too-large-1\r\nContent-Length: 99999999\r\n\r\n")
    assert status == 413 and headers["x-request-id"] == "too-large-1"
    e = access_entry(srv, "too-large-1", fmt)
    assert (e["method"], e["path"], e["status"], e["bytes"]) == ("POST", "/api/tasks/", 413, len(body))
    # 400: a request line that cannot be read: no method or path to tell.
    status, headers, _ = raw_exchange(srv.port, b"GET /a b c\x01 HTTP/1.1\r\n\r\n")
    assert status == 400 and GENERATED_ID.match(headers["x-request-id"])
    e = access_entry(srv, headers["x-request-id"], fmt)
    assert (e["method"], e["path"], e["status"]) == ("-", "-", 400)
    # 431: header fields over the limit, with an id sent before them.
    status, headers, _ = raw_exchange(srv.port, b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                      b"X-Request-ID: big-1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    assert status == 431 and headers["x-request-id"] == "big-1"
    assert access_entry(srv, "big-1", fmt)["status"] == 431


def test_preflights_are_logged_and_carry_the_id(server_factory):
    srv = server_factory(env={"TASKAPI_CORS_ALLOWED_ORIGINS": "https://app.example"})
    r = srv.options("/api/tasks/", headers={"Origin": "https://app.example", "X-Request-ID": "pre-1",
                                            "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "pre-1"
    assert access_entry(srv, "pre-1")["method"] == "OPTIONS"


def test_a_connection_refused_at_the_cap_is_logged_and_carries_an_id(server_factory):
    srv = server_factory(env={"TASKAPI_MAX_CONNECTIONS_PER_ADDRESS": "1"})
    busy = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    try:
        # Mid-request, and known to be: the server asked for the body (100 Continue), so the
        # connection counts busy and cannot be closed to make room.
        busy.sendall(b"POST /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
                     b"Expect: 100-continue\r\n\r\n")
        interim = b""
        while b"\r\n\r\n" not in interim:
            chunk = busy.recv(1024)
            assert chunk, interim
            interim += chunk
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        status, headers, _ = raw_exchange(srv.port, b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    finally:
        busy.close()
    assert status == 503 and GENERATED_ID.match(headers["x-request-id"])
    e = access_entry(srv, headers["x-request-id"])
    assert (e["method"], e["path"], e["status"], e["remote"]) == ("-", "-", 503, "127.0.0.1")


def test_the_client_address_behind_proxies(server_factory):
    srv = server_factory(env={"TASKAPI_NUM_PROXIES": "1"})
    r = srv.get("/api/health/", headers={"X-Forwarded-For": "203.0.113.7, 198.51.100.2"})
    e = access_entry(srv, r.headers["X-Request-ID"])
    assert (e["remote"], e["client"]) == ("127.0.0.1", "198.51.100.2")


def test_switched_off_no_access_line_but_still_an_id(server_factory):
    srv = server_factory(env={"TASKAPI_ACCESS_LOG": "false"})
    r = srv.get("/api/health/", headers={"X-Request-ID": "quiet-1"})
    assert r.headers["X-Request-ID"] == "quiet-1"
    r = srv.get("/api/nowhere/")
    assert GENERATED_ID.match(r.headers["X-Request-ID"])
    srv.stop()
    assert access_entries(srv) == [] and "quiet-1" not in srv.log
    assert entries(srv)[-1]["message"] == "stopped"


@pytest.mark.parametrize("name,value", [("TASKAPI_LOG_FORMAT", "xml"), ("TASKAPI_ACCESS_LOG", "yes")])
def test_invalid_settings_stop_start_up(server_factory, name, value):
    srv = server_factory(users=(), start=False)
    res = srv.cli("serve", "--port", "0", env={name: value})
    assert res.returncode == 1 and name in res.stderr, res.stderr
