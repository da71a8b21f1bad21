"""Login throttling with the built-in rates, as a user who logs in often meets it (issue 11,
item 4): the per-username limit counts failed logins only, so many successful logins of one
user from one address all get 200 until the per-address rate (20/min, every attempt) is full;
the 21st attempt from that address is 429 with DRF's body and Retry-After. Runs on SQLite and,
in api.postgres, on PostgreSQL (where the counts live in the database).
"""
import re

from apihelpers import ALLOW_TOKEN, LOGIN_FAILED, assert_api_headers, compact, show

T = "/api/auth/token/"


def with_default_rates(server_factory):
    """A server without any TASKAPI_LOGIN_* setting: tests/api's base environment turns
    throttling off, so the variables are removed and the built-in defaults apply."""
    srv = server_factory(start=False)
    base = srv.base_env
    srv.base_env = lambda: {k: v for k, v in base().items() if not k.startswith("TASKAPI_LOGIN_")}
    assert not any(k.startswith("TASKAPI_LOGIN_") for k in srv.base_env())
    return srv.start()


def login(srv, username, password):
    return srv.post(T, {"username": username, "password": password})


def assert_throttled(r):
    assert r.status_code == 429, show(r)
    retry = r.headers.get("Retry-After")
    assert retry is not None and re.fullmatch(r"[1-9][0-9]*", retry), show(r)
    n = int(retry)
    assert 1 <= n <= 60, show(r)
    assert r.content == compact(
        {"detail": "Request was throttled. Expected available in %d second%s."
                   % (n, "" if n == 1 else "s")}), show(r)
    assert_api_headers(r, ALLOW_TOKEN)
    assert r.headers.get("Cache-Control") == "no-store", show(r)


def test_successful_logins_are_refused_only_by_the_address_rate(server_factory):
    srv = with_default_rates(server_factory)
    # 20 successful logins of one user from one address within a minute: twice the default
    # failure rate per username and address (10/min), and every one gets its tokens
    for i in range(20):
        r = login(srv, "alice", "alice-password-1")
        assert r.status_code == 200, "login %d: %s" % (i + 1, show(r))
        assert list(r.json()) == ["refresh", "access"], show(r)
    # the 21st attempt from this address is over the address rate, whoever and whatever it is
    assert_throttled(login(srv, "alice", "alice-password-1"))
    assert_throttled(login(srv, "bob", "bob-password-1"))


def test_failures_before_successes_do_not_lock_the_user_out(server_factory):
    srv = with_default_rates(server_factory)
    # nine wrong passwords (under the 10/min failures of alice from this address) ...
    for _ in range(9):
        r = login(srv, "alice", "wrong-password")
        assert r.status_code == 401 and r.content == compact(LOGIN_FAILED), show(r)
    # ... then her successful logins neither count nor are refused, up to the address's 20
    for i in range(11):
        r = login(srv, "alice", "alice-password-1")
        assert r.status_code == 200, "login %d: %s" % (i + 1, show(r))
    assert_throttled(login(srv, "alice", "alice-password-1"))
