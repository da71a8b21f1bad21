"""Login throttling (DRF style) on POST /api/auth/token/.

Settings: TASKAPI_LOGIN_RATE_PER_ADDRESS (default 20/min),
TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS (default 10/min),
TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME (default 100/hour), rates
"N/s|sec|second|m|min|minute|h|hour|d|day" or "off"; TASKAPI_NUM_PROXIES (default 0:
X-Forwarded-For is ignored; 1: its last entry is the client). Every POST counts toward its
address, checked before the body is read. Once the body is valid, a login counts as a failure of
its username (case-sensitive, trimmed) from its address, and of its username from anywhere, until
the password proves right (then it is given back). The retired TASKAPI_LOGIN_RATE_PER_USERNAME
stops start-up. Over a rate: 429, `Retry-After: N`,
{"detail":"Request was throttled. Expected available in N seconds."} ("1 second." when N is 1).
Small rates keep the tests fast; the only waits are ~1 s for a per-second window.
tests/adversarial/test_accounts_hardening.py covers the scheme from several client addresses.
"""
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from apihelpers import ALLOW_TOKEN, LOGIN_FAILED, assert_api_headers, assert_json, compact, show

T = "/api/auth/token/"
FORM = "application/x-www-form-urlencoded"
OFF = {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "off", "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS": "off",
       "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME": "off"}
NO_USERS = ()
DEFAULT_USERS = (("alice", "alice-password-1", {}), ("bob", "bob-password-1", {}))


def env(address="off", username="off", ceiling="off", **extra):
    """`username`: failures per (username, address); `ceiling`: failures per username."""
    e = {"TASKAPI_LOGIN_RATE_PER_ADDRESS": address,
         "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS": username,
         "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME": ceiling}
    e.update(extra)
    return e


def login(srv, username="alice", password="wrong-password", xff=None, **kw):
    headers = {"X-Forwarded-For": xff} if xff is not None else None
    return srv.post(T, {"username": username, "password": password}, headers=headers, **kw)


def throttle_message(n):
    return "Request was throttled. Expected available in %d second%s." % (n, "" if n == 1 else "s")


def assert_throttled(r, max_wait, exact=None):
    """429 with Retry-After N (1 <= N <= max_wait, or == exact) and DRF's body for N."""
    assert r.status_code == 429, show(r)
    retry = r.headers.get("Retry-After")
    assert retry is not None and re.fullmatch(r"[1-9][0-9]*", retry), show(r)
    n = int(retry)
    if exact is not None:
        assert n == exact, show(r)
    assert 1 <= n <= max_wait, show(r)
    assert r.headers.get("Content-Type") == "application/json", show(r)
    assert r.content == compact({"detail": throttle_message(n)}), show(r)
    return n


def assert_not_throttled(r, status=401):
    assert r.status_code == status, show(r)
    if status == 401:
        assert r.content == compact(LOGIN_FAILED), show(r)


# ---------------------------------------------------------------------------- per address
def test_address_rate(server_factory):
    srv = server_factory(env=env(address="3/min"))
    for name in ("u1", "u2", "u3"):
        assert_not_throttled(login(srv, name))
    # the 4th POST from this address within the minute, even with good credentials
    assert_throttled(login(srv, "alice", "alice-password-1"), 60)
    assert_throttled(login(srv, "bob", "bob-password-1"), 60)


def test_successful_logins_count_toward_the_address(server_factory):
    srv = server_factory(env=env(address="3/min"))
    for _ in range(3):
        assert login(srv, "alice", "alice-password-1").status_code == 200
    assert_throttled(login(srv, "alice", "alice-password-1"), 60)


def test_address_throttle_comes_before_the_body(server_factory):
    srv = server_factory(env=env(address="2/min"))
    # invalid bodies count toward the address...
    assert srv.post(T, b"{", ctype="application/json").status_code == 400
    assert srv.post(T, b"x", ctype="text/plain").status_code == 415
    # ... and once over the rate, the body is not even looked at
    assert_throttled(srv.post(T, b"{", ctype="application/json"), 60)
    assert_throttled(srv.post(T, b"x", ctype="text/plain"), 60)
    assert_throttled(srv.post(T, {"username": "alice"}), 60)


def test_other_endpoints_are_not_throttled(server_factory):
    srv = server_factory(env=env(address="1/min"))
    tokens = srv.login("alice")
    assert_throttled(login(srv), 60)
    r = srv.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert r.status_code == 200, show(r)
    assert srv.get("/api/me/", tokens["access"]).status_code == 200
    assert srv.get("/api/health/").status_code == 200


def with_default_rates(server_factory, users=DEFAULT_USERS):
    """A server without any TASKAPI_LOGIN_* setting (tests/api's base environment turns
    throttling off; here the variables are removed so that the built-in defaults apply)."""
    srv = server_factory(users=users, start=False)
    base = srv.base_env
    srv.base_env = lambda: {k: v for k, v in base().items() if not k.startswith("TASKAPI_LOGIN_")}
    assert not any(k.startswith("TASKAPI_LOGIN_") for k in srv.base_env())
    return srv.start()


def test_default_address_rate_is_20_per_minute(server_factory):
    srv = with_default_rates(server_factory, users=NO_USERS)
    for i in range(20):
        assert_not_throttled(login(srv, "nobody-%d" % i))
    assert_throttled(login(srv, "nobody-20"), 60)


def test_throttled_answer_headers(server_factory):
    srv = server_factory(env=env(address="1/min"))
    login(srv)
    r = login(srv)
    assert_throttled(r, 60)
    assert_api_headers(r, ALLOW_TOKEN)
    assert "Set-Cookie" not in r.headers, show(r)


# ---------------------------------------------------------------------------- per username
def test_username_failure_rate(server_factory):
    srv = server_factory(env=env(username="3/min"))
    for _ in range(3):
        assert_not_throttled(login(srv, "alice"))
    assert_throttled(login(srv, "alice", "alice-password-1"), 60)        # even the right password
    assert_throttled(login(srv, "  alice\t", "alice-password-1"), 60)    # trimmed: the same name
    r = srv.post(T, "username=alice&password=alice-password-1", ctype=FORM)
    assert_throttled(r, 60)
    # another user is not blocked by alice's limit
    assert login(srv, "bob", "bob-password-1").status_code == 200
    # usernames are case-sensitive: "Alice" is another (unknown) name with its own count
    assert_not_throttled(login(srv, "Alice"))
    assert_not_throttled(login(srv, "ALICE"))


def test_successful_logins_are_not_failures(server_factory):
    srv = server_factory(env=env(username="2/min"))
    assert_not_throttled(login(srv, "alice"))
    for _ in range(5):
        assert login(srv, "alice", "alice-password-1").status_code == 200
    assert_not_throttled(login(srv, "alice"))
    assert_throttled(login(srv, "alice", "alice-password-1"), 60)


def test_username_throttle_comes_after_validation(server_factory):
    srv = server_factory(env=env(username="1/min"))
    assert_not_throttled(login(srv, "alice"))
    assert_throttled(login(srv, "alice"), 60)
    # an invalid body is a validation error, whatever the username's count
    r = srv.post(T, {"username": "alice"})
    assert_json(r, 400, {"password": ["This field is required."]}, allow=ALLOW_TOKEN)
    r = srv.post(T, {"username": "alice", "password": ""})
    assert_json(r, 400, {"password": ["This field may not be blank."]}, allow=ALLOW_TOKEN)
    assert srv.post(T, b"{", ctype="application/json").status_code == 400


def test_unknown_usernames_are_throttled_like_known_ones(server_factory):
    srv = server_factory(env=env(username="2/min"))
    for name in ("alice", "mallory"):
        assert_not_throttled(login(srv, name))
        assert_not_throttled(login(srv, name))
        assert_throttled(login(srv, name), 60)


def test_default_username_failure_rate_is_10_per_minute(server_factory):
    srv = with_default_rates(server_factory)
    for _ in range(10):
        assert_not_throttled(login(srv, "alice"))
    assert_throttled(login(srv, "alice", "alice-password-1"), 60)
    assert login(srv, "bob", "bob-password-1").status_code == 200


def test_username_ceiling(server_factory):
    # One address here; tests/adversarial/test_accounts_hardening.py spreads it over several.
    srv = server_factory(env=env(ceiling="3/hour"))
    for _ in range(3):
        assert_not_throttled(login(srv, "alice"))
    n = assert_throttled(login(srv, "alice", "alice-password-1"), 3600)
    assert n > 3500, n
    assert login(srv, "bob", "bob-password-1").status_code == 200


# ---------------------------------------------------------------------------- the window
# (the window passing is tested on a fake clock: tests/unit/auth/login_throttle_test.cpp)
def test_per_second_window_answers_one_second(server_factory):
    # malformed bodies count toward the address and need no password hashing: quick on any build
    srv = server_factory(env=env(address="2/s"))
    for _ in range(2):
        assert srv.post(T, b"{", ctype="application/json").status_code == 400
    r = login(srv)
    assert_throttled(r, 1, exact=1)
    assert r.content == b'{"detail":"Request was throttled. Expected available in 1 second."}'
    assert r.headers["Retry-After"] == "1"


def test_concurrent_logins_respect_the_rate_exactly(server_factory):
    srv = server_factory(env=env(address="5/min"), users=NO_USERS)
    with ThreadPoolExecutor(20) as ex:
        codes = list(ex.map(lambda i: login(srv, "nobody-%d" % i).status_code, range(20)))
    assert sorted(codes) == [401] * 5 + [429] * 15, codes


# ---------------------------------------------------------------------------- client address
def test_num_proxies_1_uses_the_last_forwarded_address(server_factory):
    srv = server_factory(env=env(address="3/min", TASKAPI_NUM_PROXIES="1"))
    for _ in range(3):
        assert_not_throttled(login(srv, xff="10.0.0.1"))
    assert_throttled(login(srv, xff="10.0.0.1"), 60)
    # another forwarded address has its own count
    assert_not_throttled(login(srv, xff="10.0.0.2"))
    # only the last entry counts (the one our proxy added); the rest is the client's to forge
    assert_throttled(login(srv, xff="10.0.0.2, 10.0.0.1"), 60)
    assert_throttled(login(srv, xff="1.2.3.4,10.0.0.1"), 60)
    assert_not_throttled(login(srv, xff="10.0.0.1, 10.0.0.3"))
    # without the header the peer's address counts
    assert_not_throttled(login(srv))


def test_num_proxies_0_ignores_forwarded_for(server_factory):
    srv = server_factory(env=env(address="3/min"))           # TASKAPI_NUM_PROXIES defaults to 0
    for i in range(3):
        assert_not_throttled(login(srv, xff="10.0.0.%d" % i))
    # a forged X-Forwarded-For does not escape the limit
    assert_throttled(login(srv, xff="10.0.0.99"), 60)
    assert_throttled(login(srv, xff="10.0.0.1, 10.0.0.100"), 60)
    assert_throttled(login(srv), 60)


def test_num_proxies_0_explicit(server_factory):
    srv = server_factory(env=env(address="1/min", TASKAPI_NUM_PROXIES="0"))
    assert_not_throttled(login(srv, xff="10.0.0.1"))
    assert_throttled(login(srv, xff="10.0.0.2"), 60)


# ---------------------------------------------------------------------------- rate syntax
@pytest.mark.parametrize("rate,window", [
    ("2/s", 1), ("2/sec", 1), ("2/second", 1),
    ("2/m", 60), ("2/min", 60), ("2/minute", 60),
    ("2/h", 3600), ("2/hour", 3600),
    ("2/d", 86400), ("2/day", 86400),
])
def test_rate_syntax(server_factory, rate, window):
    srv = server_factory(env=env(address=rate), users=NO_USERS)
    assert_not_throttled(login(srv, "x"))
    assert_not_throttled(login(srv, "y"))
    n = assert_throttled(login(srv, "z"), window)
    assert n > window - 10 or window == 1, "Retry-After %d for a %d s window" % (n, window)


def test_off_disables(server_factory):
    srv = server_factory(env=OFF, users=NO_USERS)
    for i in range(30):
        assert_not_throttled(login(srv, "same-name"))


@pytest.mark.parametrize("setting,value", [
    ("TASKAPI_LOGIN_RATE_PER_ADDRESS", "abc"),
    ("TASKAPI_LOGIN_RATE_PER_ADDRESS", "10"),
    ("TASKAPI_LOGIN_RATE_PER_ADDRESS", "10/"),
    ("TASKAPI_LOGIN_RATE_PER_ADDRESS", "/min"),
    ("TASKAPI_LOGIN_RATE_PER_ADDRESS", "10/week"),
    ("TASKAPI_LOGIN_RATE_PER_ADDRESS", "-1/min"),
    ("TASKAPI_LOGIN_RATE_PER_ADDRESS", "1.5/min"),
    ("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS", "10/min/x"),
    ("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS", "1000/month"),      # not "1000/minute"
    ("TASKAPI_LOGIN_RATE_PER_ADDRESS", "10/decade"),
    ("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME", "99999999999999999999/min"),
    ("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME", ""),
    ("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME", "100/week"),
    ("TASKAPI_NUM_PROXIES", "-1"),
    ("TASKAPI_NUM_PROXIES", "abc"),
])
def test_invalid_settings_refuse_to_start(server_factory, setting, value):
    srv = server_factory(users=NO_USERS, start=False)
    try:
        res = srv.cli("serve", "--host", "127.0.0.1", "--port", "0", env={setting: value}, timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail("serve started (and kept running) with %s=%r" % (setting, value))
    assert res.returncode != 0, "serve started with %s=%r" % (setting, value)
    assert setting in res.stdout + res.stderr, res.stdout + res.stderr


@pytest.mark.parametrize("value", ["10/min", "off"])
def test_the_retired_username_rate_refuses_to_start(server_factory, value):
    srv = server_factory(users=NO_USERS, start=False)
    try:
        res = srv.cli("serve", "--host", "127.0.0.1", "--port", "0",
                      env={"TASKAPI_LOGIN_RATE_PER_USERNAME": value}, timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail("serve started (and kept running) with the retired setting")
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "TASKAPI_LOGIN_RATE_PER_USERNAME" in out, out
    assert "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS" in out, out
    assert "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME " in out, out
