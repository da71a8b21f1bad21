"""Request-target forms (RFC 9112 3.2) and odd paths, over raw sockets.

- origin-form "/path?query": the usual; a fragment ("#...") is dropped, as gunicorn drops it.
- absolute-form "http://host:port/path?query": accepted (a server MUST accept it), any scheme,
  case-insensitive; the target's authority is the host (RFC 9112 3.2.2), so it is what
  TASKAPI_ALLOWED_HOSTS checks and what the API root's URLs name. Django uses the Host field
  instead (decision 001). HTTP/1.1 still needs a Host field. Userinfo ("user@host") or an
  invalid host is 400 {"detail":"Malformed HTTP request."} and a close (RFC 9110 4.2.1, 4.2.4).
- asterisk-form ("OPTIONS *"), authority-form ("CONNECT host:443") and other targets name no
  resource: 404, as Django answers (JSON here, decision 001 item 4).
- Paths are matched as sent after percent-decoding: "//api/health/", "/api/./health/",
  "/api/%2e%2e/" are 404 (no dot-segment removal, as Django); "/api%2Fhealth/" is the health
  check (decoded before matching, as Django).
"""
from apihelpers import ALLOW_LIST, ALLOW_RO, NOT_PROVIDED, compact, raw_exchange

HEALTH = compact({"status": "ok"})
NOT_FOUND = compact({"detail": "Not found."})
MALFORMED = compact({"detail": "Malformed HTTP request."})
BAD_HOST = compact({"detail": "Invalid Host header."})


def send(server, request_line, headers=(("Host", "127.0.0.1"),)):
    head = request_line + "\r\n" + "".join("%s: %s\r\n" % h for h in headers) + "\r\n"
    return raw_exchange(server.port, head.encode("latin-1"))


def with_token(token, host="127.0.0.1"):
    return (("Host", host), ("Authorization", "Bearer " + token))


# ---------------------------------------------------------------------------- absolute-form
def test_absolute_form_is_accepted(server):
    for target in ("http://127.0.0.1/api/health/", "http://localhost:8000/api/health/?x=1",
                   "HTTP://LOCALHOST/api/health/", "https://127.0.0.1/api/health/",
                   "http://[::1]:8000/api/health/"):
        status, headers, body = send(server, "GET %s HTTP/1.1" % target)
        assert (status, body) == (200, HEALTH), (target, status, body)
        assert headers["allow"] == ALLOW_RO


def test_absolute_form_routes_like_origin_form(server, alice):
    status, headers, body = send(server, "GET http://127.0.0.1/api/tasks/ HTTP/1.1")
    assert (status, body) == (401, compact(NOT_PROVIDED))
    assert headers["allow"] == ALLOW_LIST
    status, headers, body = send(server, "GET http://127.0.0.1/api/tasks/ HTTP/1.1", with_token(alice))
    assert (status, body) == (200, b"[]")
    # the redirect of a slash-less path names the path only, as Django's
    status, headers, body = send(server, "GET http://127.0.0.1/api/health?x=1 HTTP/1.1")
    assert status == 301 and headers["location"] == "/api/health/?x=1"


def test_the_host_of_an_absolute_form_target_is_its_authority(server, alice):
    status, _, body = send(server, "GET http://127.0.0.1:9999/api/ HTTP/1.1",
                           with_token(alice, host="localhost"))
    assert (status, body) == (200, compact({"tasks": "http://127.0.0.1:9999/api/tasks/"}))
    # the authority is what TASKAPI_ALLOWED_HOSTS checks, whatever the Host field says
    status, _, body = send(server, "GET http://evil.example/api/ HTTP/1.1",
                           with_token(alice, host="127.0.0.1"))
    assert (status, body) == (400, BAD_HOST)
    # the health check answers any host, as with the Host field
    status, _, body = send(server, "GET http://evil.example/api/health/ HTTP/1.1")
    assert (status, body) == (200, HEALTH)


def test_http_1_0_absolute_form_needs_no_host_field(server, alice):
    status, _, body = send(server, "GET http://localhost:1234/api/ HTTP/1.0",
                           (("Authorization", "Bearer " + alice),))
    assert (status, body) == (200, compact({"tasks": "http://localhost:1234/api/tasks/"}))


def test_absolute_form_without_a_valid_host_is_malformed(server):
    for target in ("http://alice@127.0.0.1/api/health/", "http://127.0.0.1@evil/api/health/",
                   "http:///api/health/", "http://:80/api/health/", "http://[::1/api/health/"):
        status, headers, body = send(server, "GET %s HTTP/1.1" % target)
        assert (status, body) == (400, MALFORMED), (target, status, body)
        assert headers["connection"] == "close"
    # HTTP/1.1 needs a Host field even when the target names the host (RFC 9112 3.2)
    status, _, body = send(server, "GET http://127.0.0.1/api/health/ HTTP/1.1", ())
    assert (status, body) == (400, MALFORMED)


# ---------------------------------------------------------------------------- other forms
def test_a_fragment_is_dropped(server):
    for target in ("/api/health/#frag", "/api/health/#x?y", "http://127.0.0.1/api/health/#f"):
        status, _, body = send(server, "GET %s HTTP/1.1" % target)
        assert (status, body) == (200, HEALTH), target


def test_asterisk_and_authority_forms_name_no_resource(server):
    for line in ("OPTIONS * HTTP/1.1", "GET * HTTP/1.1", "CONNECT 127.0.0.1:443 HTTP/1.1",
                 "GET 127.0.0.1:80 HTTP/1.1", "GET api/health/ HTTP/1.1", "GET ?x=1 HTTP/1.1"):
        status, _, body = send(server, line)
        assert (status, body) == (404, NOT_FOUND), line


def test_paths_are_matched_as_sent_after_percent_decoding(server):
    for path in ("//api/health/", "/api//health/", "/api/./health/", "/api/../api/health/",
                 "/api/%2e%2e/", "/api/%2e/health/", "/api/health/;x", "/api/health/%00"):
        status, _, body = send(server, "GET %s HTTP/1.1" % path)
        assert (status, body) == (404, NOT_FOUND), path
    for path in ("/api%2fhealth/", "/api/health%2F", "/%61pi/health/", "/api/health/?x#y"):
        status, _, body = send(server, "GET %s HTTP/1.1" % path)
        assert (status, body) == (200, HEALTH), path
