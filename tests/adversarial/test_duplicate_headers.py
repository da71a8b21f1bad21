"""Header fields sent more than once (RFC 9110 5.3, RFC 9112 6.3): an ambiguous duplicate is
refused, never guessed, because a proxy in front may have acted on the other line.

- Content-Length (two lines, equal or not, or a list "13, 13"), Content-Type, Host and
  Transfer-Encoding must appear once: a second line is 400 {"detail":"Malformed HTTP request."}
  and a close. gunicorn refuses the Content-Lengths and Transfer-Encodings the same way (with an
  HTML page); for Content-Type Django takes the last line, taskapi refuses (decision 001).
- Fields that are lists are joined with "," as the WSGI server joins them for Django: two Accept
  lines are one Accept list; two X-Forwarded-For lines are one list whose last entry is the
  address the nearest proxy saw; two Authorization lines make a value that never authenticates
  (401 bad_authorization_header for two Bearer lines, exactly Django's answer).
"""
import json

from advhelpers import MALFORMED, assert_answer_json, assert_clean_refusal, exchange, request_bytes
from apihelpers import ALLOW_LIST, ALLOW_RO, BAD_AUTH_HEADER, NOT_PROVIDED, compact

L = "/api/tasks/"
ME = "/api/me/"
BODY = b'{"title":"x"}'
JSON = ("Content-Type", "application/json")
NOT_ACCEPTABLE = {"detail": "Could not satisfy the request Accept header."}


def bearer(token):
    return ("Authorization", "Bearer " + token)


def one_answer(server, data):
    """The single answer to `data` (sent with Connection: close)."""
    answers, closed, rest = exchange(server.port, data)
    assert len(answers) == 1 and rest == b"", (answers, rest)
    return answers[0]


def refused(server, data):
    answers, closed, _ = exchange(server.port, data)
    assert_clean_refusal(answers, closed, body=MALFORMED)
    assert answers, "no answer before the close"


# ---------------------------------------------------------------------------- must appear once
def test_two_equal_content_lengths_are_refused(server, alice):
    refused(server, request_bytes("POST", L, [bearer(alice), JSON, ("Content-Length", "13"),
                                              ("Content-Length", "13")], BODY))


def test_a_content_length_list_is_refused(server, alice):
    refused(server, request_bytes("POST", L, [bearer(alice), JSON, ("Content-Length", "13, 13")],
                                  BODY))


def test_two_different_content_lengths_are_refused(server, alice):
    refused(server, request_bytes("POST", L, [bearer(alice), JSON, ("Content-Length", "13"),
                                              ("Content-Length", "5")], BODY))


def test_two_content_types_are_refused_whatever_their_order(server, alice):
    for first, second in (("application/json", "text/plain"), ("text/plain", "application/json"),
                          ("application/json", "application/json")):
        refused(server, request_bytes("POST", L, [bearer(alice), ("Content-Type", first),
                                                  ("Content-Type", second)], BODY))
    # nothing was created by any of them
    a = one_answer(server, request_bytes("GET", L, [bearer(alice), ("Connection", "close")]))
    assert a.status == 200 and a.json() == [], a


def test_two_hosts_and_two_transfer_encodings_are_refused(server, alice):
    refused(server, request_bytes("GET", "/api/health/", [("Host", "127.0.0.1")]
                                  + [("Host", "127.0.0.1")], host=None))
    refused(server, request_bytes("POST", L, [bearer(alice), JSON,
                                              ("Transfer-Encoding", "chunked"),
                                              ("Transfer-Encoding", "chunked")],
                                  b"d\r\n" + BODY + b"\r\n0\r\n\r\n"))


# ---------------------------------------------------------------------------- lists, joined
def test_two_bearer_authorizations_never_authenticate(server, alice, bob):
    for tokens in ((alice, alice), (alice, bob), (alice, "not-a-token")):
        a = one_answer(server, request_bytes("GET", L, [bearer(t) for t in tokens]
                                             + [("Connection", "close")]))
        assert_answer_json(a, 401, BAD_AUTH_HEADER)
        assert a.headers["allow"] == ALLOW_LIST, a
        assert a.headers["www-authenticate"] == 'Bearer realm="api"', a


def test_another_scheme_before_a_bearer_line_is_anonymous(server, alice):
    a = one_answer(server, request_bytes("GET", L, [("Authorization", "Basic YTpi"), bearer(alice),
                                                    ("Connection", "close")]))
    assert_answer_json(a, 401, NOT_PROVIDED)


def test_the_login_still_ignores_authorization_lines(server, alice):
    body = json.dumps({"username": "alice", "password": "alice-password-1"}).encode()
    a = one_answer(server, request_bytes("POST", "/api/auth/token/",
                                         [bearer(alice), bearer(alice), JSON,
                                          ("Connection", "close")], body))
    assert a.status == 200 and set(a.json()) == {"refresh", "access"}, a


def test_two_accept_lines_are_one_list(server, alice):
    a = one_answer(server, request_bytes("GET", ME, [bearer(alice), ("Accept", "text/plain"),
                                                     ("Accept", "application/json"),
                                                     ("Connection", "close")]))
    assert_answer_json(a, 200, {"id": 1, "username": "alice"})
    assert a.headers["allow"] == ALLOW_RO, a
    a = one_answer(server, request_bytes("GET", ME, [bearer(alice), ("Accept", "text/plain"),
                                                     ("Accept", "image/png"),
                                                     ("Connection", "close")]))
    assert_answer_json(a, 406, NOT_ACCEPTABLE)


def login_from(server, forwarded_lines):
    body = compact({"username": "nobody", "password": "wrong"})
    headers = [("X-Forwarded-For", v) for v in forwarded_lines]
    return one_answer(server, request_bytes("POST", "/api/auth/token/",
                                            headers + [JSON, ("Connection", "close")], body))


def test_a_second_forwarded_for_line_is_the_proxys(server_factory):
    """A proxy that adds its own X-Forwarded-For line (instead of appending to the client's)
    still names the client: the client cannot choose its throttling address."""
    srv = server_factory(env={"TASKAPI_NUM_PROXIES": "1", "TASKAPI_LOGIN_RATE_PER_ADDRESS": "2/min"},
                         users=())
    for forged in ("10.9.0.1", "10.9.0.2"):
        assert login_from(srv, [forged, "10.0.0.7"]).status == 401
    assert login_from(srv, ["10.9.0.3", "10.0.0.7"]).status == 429
    assert login_from(srv, ["10.0.0.8"]).status == 401
