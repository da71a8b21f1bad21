"""Prometheus metrics at GET /metrics (issue 12, item 5): the text exposition format 0.0.4,
answered on the main port to loopback peers that came through no proxy, or on a listener of its
own (TASKAPI_METRICS_ADDRESS). Each scrape is parsed and checked (HELP and TYPE before every
sample, histogram buckets cumulative with +Inf equal to the count); requests move the counters
by what they were, and no label value holds a username, an id or a path asked for. Runs on
SQLite and, in api.postgres, on PostgreSQL (its connection pool's metrics too).
"""
import os
import re
import socket
import sys
import time

import pytest
import requests

from apihelpers import NOT_FOUND, compact, show

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE_RE = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)$" % NAME)
LABEL_RE = re.compile(LABEL)
METRICS_LOG_RE = re.compile(r"metrics on http://127\.0\.0\.1:(\d+)/metrics")


def parse(text):
    """The exposition as {(name, labels-tuple): value}, checking its form on the way:
    HELP and TYPE precede the samples of each family, once; every sample belongs to the family
    last declared; label sets are unique; histograms are well formed."""
    assert text.endswith("\n"), text[-200:]
    samples = {}
    types = {}
    helped = set()
    family = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert re.fullmatch(NAME, name) and name not in helped, line
            helped.add(name)
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name in helped and name not in types, "TYPE without HELP or twice: " + line
            assert kind in ("counter", "gauge", "histogram"), line
            types[name] = kind
            family = name
            continue
        assert not line.startswith("#") and line, "unexpected line %r" % line
        m = SAMPLE_RE.match(line)
        assert m, "not a sample: %r" % line
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        pairs = LABEL_RE.findall(labels)
        assert ",".join('%s="%s"' % p for p in pairs) == labels, "bad labels: %r" % line
        base = family
        if types.get(family) == "histogram":
            assert name in (family + "_bucket", family + "_sum", family + "_count"), line
        else:
            assert name == family, "sample %r outside its family %r" % (line, family)
        key = (name, tuple(pairs))
        assert key not in samples, "duplicate series: " + line
        samples[key] = float(value)
        assert base in types
    for name, kind in types.items():
        if kind == "histogram":
            check_histograms(samples, name)
    return samples


def check_histograms(samples, name):
    series = {}
    for (sample, labels), value in samples.items():
        if sample == name + "_bucket":
            rest = tuple(p for p in labels if p[0] != "le")
            le = dict(labels)["le"]
            series.setdefault(rest, []).append((float("inf") if le == "+Inf" else float(le), value))
    assert series, "histogram %s without buckets" % name
    for labels, buckets in series.items():
        buckets.sort()
        assert buckets[-1][0] == float("inf"), (name, labels)
        counts = [v for _, v in buckets]
        assert counts == sorted(counts), "buckets not cumulative: %s %s" % (name, labels)
        assert counts[-1] == samples[(name + "_count", labels)], (name, labels)
        assert samples[(name + "_sum", labels)] >= 0


def scrape(url):
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, show(r)
    assert r.headers["Content-Type"] == CONTENT_TYPE, show(r)
    return parse(r.text)


def value(samples, name, **labels):
    for (sample, pairs), v in samples.items():
        if sample == name and dict(pairs) == labels:
            return v
    return 0.0


def delta(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


def requests_delta(before, after, route, method, status):
    return delta(before, after, "taskapi_http_requests_total", route=route, method=method,
                 status=status)


def test_requests_move_the_counters_by_route_method_and_status_class(server_factory):
    srv = server_factory(env={"TASKAPI_LOGIN_RATE_PER_ADDRESS": "4/min"})
    before = scrape(srv.url("/metrics"))

    assert srv.get("/api/health/").status_code == 200
    assert srv.get("/no/such/path/alice").status_code == 404
    assert srv.get("/api/tasks/").status_code == 401
    access = srv.login("alice")["access"]  # attempt 1 of 4 from this address
    task = srv.create_task(access, "metrics")
    assert srv.get("/api/tasks/%d/" % task["id"], access).status_code == 200
    assert srv.get("/api/tasks/987654321/", access).status_code == 404
    for _ in range(3):  # attempts 2 to 4: wrong passwords
        r = srv.post("/api/auth/token/", {"username": "alice", "password": "wrong"})
        assert r.status_code == 401, show(r)
    r = srv.post("/api/auth/token/", {"username": "alice", "password": "alice-password-1"})
    assert r.status_code == 429, show(r)

    after = scrape(srv.url("/metrics"))
    assert requests_delta(before, after, "/api/health/", "GET", "2xx") == 1
    assert requests_delta(before, after, "unmatched", "GET", "4xx") == 1
    assert requests_delta(before, after, "/api/tasks/", "GET", "4xx") == 1
    assert requests_delta(before, after, "/api/tasks/", "POST", "2xx") == 1
    assert requests_delta(before, after, "/api/tasks/{}/", "GET", "2xx") == 1
    assert requests_delta(before, after, "/api/tasks/{}/", "GET", "4xx") == 1
    assert requests_delta(before, after, "/api/auth/token/", "POST", "2xx") == 1
    assert requests_delta(before, after, "/api/auth/token/", "POST", "4xx") == 4
    # the first scrape is counted once it is answered: the second one sees it
    assert requests_delta(before, after, "/metrics", "GET", "2xx") == 1
    assert delta(before, after, "taskapi_http_request_duration_seconds_count",
                 route="/api/tasks/{}/", status="4xx") == 1
    assert delta(before, after, "taskapi_login_throttled_total", rate="per_address") == 1
    assert delta(before, after, "taskapi_login_throttled_total",
                 rate="failures_per_username_address") == 0
    # the scrape itself is the one request in flight
    assert value(after, "taskapi_http_requests_in_flight") == 1
    assert value(after, "taskapi_open_connections") >= 1
    assert value(after, "taskapi_hashing_pool_jobs") == 0
    assert value(after, "taskapi_hashing_pool_rejections_total") == 0
    # every request above is counted exactly once
    total = sum(v for (name, _), v in after.items() if name == "taskapi_http_requests_total")
    assert total - sum(v for (name, _), v in before.items()
                       if name == "taskapi_http_requests_total") == 12

    # labels name routes, methods and classes: never a user, an id or a path asked for
    routes = set()
    for (name, pairs) in after:
        for label, text in pairs:
            assert "alice" not in text and "/no/such" not in text, (name, pairs)
            if label == "route":
                routes.add(text)
    assert routes >= {"unmatched", "/metrics", "/api/health/", "/api/tasks/", "/api/tasks/{}/"}
    for route in routes - {"unmatched", "/metrics"}:
        assert route.startswith("/api/") and not re.search(r"[0-9]", route), route


def test_a_request_that_cannot_be_read_is_counted(server):
    before = scrape(server.url("/metrics"))
    r = server.post("/api/tasks/", b"x" * (1024 * 1024 + 1), ctype="text/plain")
    assert r.status_code == 413, show(r)
    after = scrape(server.url("/metrics"))
    # its method is not trusted and no route was looked for
    assert requests_delta(before, after, "unmatched", "other", "4xx") == 1
    assert requests_delta(before, after, "/api/tasks/", "POST", "4xx") == 0


def test_build_process_and_database_metrics(server):
    samples = scrape(server.url("/metrics"))
    backend = "postgresql" if os.environ.get("TASKAPI_TEST_POSTGRES_URL") else "sqlite"
    builds = [dict(p) for (n, p), v in samples.items() if n == "taskapi_build_info" and v == 1]
    assert len(builds) == 1 and builds[0]["backend"] == backend, builds
    assert re.fullmatch(r"\d+\.\d+\.\d+", builds[0]["version"]), builds
    assert value(samples, "process_resident_memory_bytes") > 1024 * 1024
    assert value(samples, "process_open_fds") >= 3
    assert value(samples, "process_cpu_seconds_total") > 0
    assert 1.5e9 < value(samples, "process_start_time_seconds") <= time.time() + 1
    assert value(samples, "taskapi_db_pool_connections") >= 1
    assert ("taskapi_db_pool_connections_in_use", ()) in samples
    if backend == "postgresql":
        # requests wait for pooled connections; none failed
        server.get("/api/ready/")
        again = scrape(server.url("/metrics"))
        assert delta(samples, again, "taskapi_db_pool_wait_seconds_count") >= 1
        assert value(again, "taskapi_db_pool_size") >= 1
        for kind in ("connect", "lost", "timeout"):
            assert value(again, "taskapi_db_pool_errors_total", error=kind) == 0
        assert value(again, "taskapi_database_executor_requests") == 0
        assert ("taskapi_database_executor_rejections_total", ()) in again
    else:
        assert ("taskapi_db_write_lock_wait_seconds_count", ()) in samples


def test_head_is_answered_and_other_methods_are_unknown(server):
    r = server.head("/metrics")
    assert r.status_code == 200 and r.content == b"", show(r)
    assert int(r.headers["Content-Length"]) > 1000, show(r)
    assert r.headers["Content-Type"] == CONTENT_TYPE, show(r)
    for method in ("POST", "PUT", "DELETE"):
        r = server.request(method, "/metrics")
        assert r.status_code == 404 and r.content == compact(NOT_FOUND), show(r)


def test_a_request_through_a_proxy_is_not_answered(server):
    # nginx on the same host connects from loopback and adds X-Forwarded-For: such a request
    # must not get the metrics, or the proxy would publish them
    for headers in ({"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "127.0.0.1"},
                    {"Forwarded": "for=203.0.113.7"}):
        r = server.get("/metrics", headers=headers)
        assert r.status_code == 404 and r.content == compact(NOT_FOUND), (headers, show(r))


def test_a_host_not_allowed_gets_400_as_on_any_path(server):
    # a name rebound to 127.0.0.1 (DNS rebinding) must not let a page read the metrics
    r = server.get("/metrics", headers={"Host": "evil.example"})
    assert r.status_code == 400 and r.json() == {"detail": "Invalid Host header."}, show(r)
    assert server.get("/metrics", headers={"Host": "localhost:8000"}).status_code == 200


def test_behind_trusted_proxies_the_main_port_does_not_answer(server_factory):
    srv = server_factory(env={"TASKAPI_NUM_PROXIES": "1"})
    r = srv.get("/metrics")
    assert r.status_code == 404 and r.content == compact(NOT_FOUND), show(r)


def test_off_answers_nowhere(server_factory):
    srv = server_factory(env={"TASKAPI_METRICS_ADDRESS": "off"})
    r = srv.get("/metrics")
    assert r.status_code == 404 and r.content == compact(NOT_FOUND), show(r)
    assert "metrics on" not in srv.log


def test_a_listener_of_its_own(server_factory):
    srv = server_factory(env={"TASKAPI_METRICS_ADDRESS": "127.0.0.1:0"})
    m = METRICS_LOG_RE.search(srv.log)
    assert m, srv.log
    metrics_url = "http://127.0.0.1:%s" % m.group(1)
    assert srv.get("/api/health/").status_code == 200
    samples = scrape(metrics_url + "/metrics")
    assert value(samples, "taskapi_http_requests_total", route="/api/health/", method="GET",
                 status="2xx") == 1
    # scrapes on the metrics listener are not API requests: not counted
    assert value(scrape(metrics_url + "/metrics"), "taskapi_http_requests_total",
                 route="/metrics", method="GET", status="2xx") == 0
    # the main port no longer answers it, even to loopback
    r = srv.get("/metrics")
    assert r.status_code == 404 and r.content == compact(NOT_FOUND), show(r)
    # and the metrics listener answers nothing else
    r = requests.get(metrics_url + "/api/health/", timeout=30)
    assert r.status_code == 404 and r.content == compact(NOT_FOUND), show(r)
    r = requests.post(metrics_url + "/metrics", timeout=30)
    assert r.status_code == 405 and r.headers.get("Allow") == "GET, HEAD", show(r)
    assert r.json() == {"detail": 'Method "POST" not allowed.'}, show(r)


def non_loopback_address():
    """An address of this host other than loopback, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent: only a route is chosen
        address = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if address.startswith("127.") else address


def test_a_peer_beyond_loopback_is_not_answered(server_factory, monkeypatch):
    address = non_loopback_address()
    if address is None:
        pytest.skip("this host has no address beside loopback")
    srv = server_factory(start=False, env={"TASKAPI_ALLOWED_HOSTS": "*"})
    # the fixture waits for a listen line on 127.0.0.1; this server listens on every address
    monkeypatch.setattr(sys.modules[type(srv).__module__], "LISTEN_RE",
                        re.compile(r"listening on http://0\.0\.0\.0:(\d+)"))
    srv.start(args=("--host", "0.0.0.0", "--port", "0", "--threads", "2"))
    r = requests.get("http://%s:%d/metrics" % (address, srv.port), timeout=30)
    assert r.status_code == 404 and r.content == compact(NOT_FOUND), show(r)
    assert srv.get("/metrics").status_code == 200


def test_a_metrics_address_that_cannot_be_bound_stops_start_up(server_factory):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        srv = server_factory(start=False)
        port = taken.getsockname()[1]
        res = srv.cli("serve", "--host", "127.0.0.1", "--port", "0",
                      env={"TASKAPI_METRICS_ADDRESS": "127.0.0.1:%d" % port}, timeout=60)
    finally:
        taken.close()
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert "cannot listen for metrics on 127.0.0.1:%d" % port in res.stdout + res.stderr, res
    assert "listening on" not in res.stdout + res.stderr, res


def test_an_invalid_metrics_address_stops_start_up(server_factory):
    srv = server_factory(start=False)
    res = srv.cli("serve", "--port", "0", env={"TASKAPI_METRICS_ADDRESS": "9464"}, timeout=60)
    assert res.returncode != 0, (res.returncode, res.stdout, res.stderr)
    assert "TASKAPI_METRICS_ADDRESS" in res.stdout + res.stderr, res
