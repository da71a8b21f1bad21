"""Plain helpers for the taskapi black-box tests (no fixtures here; see conftest.py).

JWT crafting and decoding use only the standard library (hmac/hashlib/base64/json).
Expected bodies follow the DRF transcript (../shared/reference/drf/contract.txt beside the
repository) and ../shared/API.md.
"""
import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import re
import socket
import select
import time
import uuid

# The binary under test: $TASKAPI_BIN or <repo>/build/taskapi (repo = two folders above this file).
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TASKAPI_BIN = os.environ.get("TASKAPI_BIN") or os.path.join(REPO, "build", "taskapi")


def api_conftest():
    """tests/api/conftest.py as the module `api_conftest`, loaded once: the other suites'
    conftests re-export its fixtures and use its Server, so nothing is copied."""
    import importlib.util
    import sys
    if "api_conftest" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "api_conftest", os.path.join(os.path.dirname(os.path.abspath(__file__)), "conftest.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["api_conftest"] = module
        spec.loader.exec_module(module)
    return sys.modules["api_conftest"]

# Signing key given to every server the suite starts (TASKAPI_SECRET_KEY); 52 bytes.
SECRET_KEY = "taskapi-black-box-test-suite-signing-key-0123456789ab"

USERS = {"alice": "alice-password-1", "bob": "bob-password-1"}

# --------------------------------------------------------------------------- Allow values
ALLOW_RO = "GET, HEAD, OPTIONS"  # health, me, api root
ALLOW_TOKEN = "POST, OPTIONS"  # token obtain / refresh
ALLOW_LIST = "GET, POST, HEAD, OPTIONS"
ALLOW_DETAIL = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"

# --------------------------------------------------------------------------- expected bodies
NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}
BAD_AUTH_HEADER = {
    "detail": "Authorization header must contain two space-delimited values",
    "code": "bad_authorization_header",
}
NO_USER_ID = {"detail": "Token contained no recognizable user identification", "code": "token_not_valid"}
USER_NOT_FOUND = {"detail": "User not found", "code": "user_not_found"}
USER_INACTIVE = {"detail": "User is inactive", "code": "user_inactive"}
LOGIN_FAILED = {"detail": "No active account found with the given credentials"}
NOT_FOUND = {"detail": "Not found."}
NOT_ACCEPTABLE = {"detail": "Could not satisfy the request Accept header."}
TOO_LARGE = {"detail": "Request body too large."}
NO_DATA = {"non_field_errors": ["No data provided"]}

REQUIRED = "This field is required."
BLANK = "This field may not be blank."
NULL = "This field may not be null."
MAX_255 = "Ensure this field has no more than 255 characters."
NOT_STRING = "Not a valid string."
NOT_BOOL = "Must be a valid boolean."
NUL_CHARS = "Null characters are not allowed."

REFRESH_INVALID = {"detail": "Token is invalid or expired", "code": "token_not_valid"}
REFRESH_WRONG_TYPE = {"detail": "Token has wrong type", "code": "token_not_valid"}

INVALID_OR_EXPIRED = "Token is invalid or expired"
WRONG_TYPE = "Token has wrong type"
NO_TYPE = "Token has no type"
NO_ID = "Token has no id"
NO_EXP = "Token has no 'exp' claim"


def token_invalid(message=INVALID_OR_EXPIRED):
    return {
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
        "messages": [{"token_class": "AccessToken", "token_type": "access", "message": message}],
    }


def method_not_allowed(method):
    return {"detail": 'Method "%s" not allowed.' % method}


def unsupported_media(ctype):
    return {"detail": 'Unsupported media type "%s" in request.' % ctype}


def expected_dict(type_name):
    return {"non_field_errors": ["Invalid data. Expected a dictionary, but got %s." % type_name]}


RENDERS = ["application/json", "text/html"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]

TASK_FIELDS_META = {
    "id": {"type": "integer", "required": False, "read_only": True, "label": "ID"},
    "title": {"type": "string", "required": True, "read_only": False, "label": "Title", "max_length": 255},
    "description": {"type": "string", "required": False, "read_only": False, "label": "Description"},
    "completed": {"type": "boolean", "required": False, "read_only": False, "label": "Completed"},
    "created_at": {"type": "datetime", "required": False, "read_only": True, "label": "Created at"},
    "updated_at": {"type": "datetime", "required": False, "read_only": True, "label": "Updated at"},
    "owner": {"type": "field", "required": False, "read_only": True, "label": "Owner"},
}


def options_body(name, description="", actions=None):
    body = {"name": name, "description": description, "renders": RENDERS, "parses": PARSES}
    if actions is not None:
        body["actions"] = actions
    return body


OPTIONS_HEALTH = options_body("Health Check")
OPTIONS_ME = options_body("Me")
OPTIONS_ROOT = options_body("Api Root", "The default basic root view for DefaultRouter")
OPTIONS_TOKEN = options_body(
    "Token Obtain Pair",
    "Takes a set of user credentials and returns an access and refresh JSON web\n"
    "token pair to prove the authentication of those credentials.",
    {"POST": {
        "username": {"type": "string", "required": True, "read_only": False, "label": "Username"},
        "password": {"type": "string", "required": True, "read_only": False, "label": "Password"},
    }},
)
OPTIONS_REFRESH = options_body(
    "Token Refresh",
    "Takes a refresh type JSON web token and returns an access type JSON web\n"
    "token if the refresh token is valid.",
    {"POST": {
        "refresh": {"type": "string", "required": True, "read_only": False, "label": "Refresh"},
        "access": {"type": "string", "required": False, "read_only": True, "label": "Access"},
    }},
)
OPTIONS_TASK_LIST = options_body("Task List", "", {"POST": TASK_FIELDS_META})
OPTIONS_TASK_DETAIL = options_body("Task Instance", "", {"PUT": TASK_FIELDS_META})
OPTIONS_TASK_DETAIL_NO_ACTIONS = options_body("Task Instance")


# --------------------------------------------------------------------------- JSON helpers
def compact(obj):
    """The exact bytes DRF's JSONRenderer produces: compact separators, raw UTF-8."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def dumps(obj):
    """A request body the way capture.py sends it (spaces after separators, raw UTF-8)."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def show(r):
    """Short description of a response for assertion messages."""
    return "%s %s %s headers=%s body=%r" % (
        r.request.method, r.request.url, r.status_code, dict(r.headers), r.content[:600])


# --------------------------------------------------------------------------- header checks
def assert_common_headers(r):
    h = r.headers
    assert h.get("X-Content-Type-Options") == "nosniff", show(r)
    assert h.get("Referrer-Policy") == "same-origin", show(r)
    server = h.get("Server", "")
    assert server.startswith("taskapi"), "Server header %r does not name taskapi" % server


def assert_api_headers(r, allow, content_type="application/json"):
    """Headers of an API view answer (JSON, Allow, Vary, X-Frame-Options, security headers)."""
    assert_common_headers(r)
    h = r.headers
    assert h.get("X-Frame-Options") == "DENY", show(r)
    assert h.get("Vary") == "Accept", show(r)
    assert h.get("Allow") == allow, show(r)
    if content_type is not None:
        assert h.get("Content-Type") == content_type, show(r)
    if r.status_code == 401:
        assert h.get("WWW-Authenticate") == 'Bearer realm="api"', show(r)
    else:
        assert "WWW-Authenticate" not in h, show(r)


def assert_json(r, status, body, allow=None):
    """Exact status, Content-Type and body bytes (compact, raw UTF-8, key order)."""
    assert r.status_code == status, show(r)
    assert r.headers.get("Content-Type") == "application/json", show(r)
    assert r.content == compact(body), "expected body %r\n got %s" % (compact(body), show(r))
    assert r.headers.get("Content-Length") == str(len(r.content)), show(r)
    assert_common_headers(r)
    if status == 401:
        assert r.headers.get("WWW-Authenticate") == 'Bearer realm="api"', show(r)
    if allow is not None:
        assert_api_headers(r, allow)


def assert_error_prefix(r, status, prefix, allow=None):
    """A {"detail": "<prefix>..."} answer whose reason text is free."""
    assert r.status_code == status, show(r)
    assert r.headers.get("Content-Type") == "application/json", show(r)
    data = r.json()
    assert list(data) == ["detail"], show(r)
    assert isinstance(data["detail"], str) and data["detail"].startswith(prefix), show(r)
    assert r.content == compact(data), show(r)
    if allow is not None:
        assert_api_headers(r, allow)


# --------------------------------------------------------------------------- tasks
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$")
TASK_KEYS = ["id", "title", "description", "completed", "created_at", "updated_at", "owner"]


def parse_dt(s):
    m = DATETIME_RE.match(s)
    assert m, "datetime %r is not UTC ISO-8601 ending in Z (microseconds 6 digits or omitted)" % s
    if m.group(1):
        assert m.group(1) != ".000000", "zero microseconds must be omitted: %r" % s
    return dt.datetime.fromisoformat(s[:-1] + "+00:00")


def check_datetime_recent(s, slack=300):
    value = parse_dt(s)
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - value).total_seconds()) < slack, "datetime %r is not close to now (%s)" % (s, now)
    return value


def assert_task(r, status, *, title, description="", completed=False, owner=1, id=None, allow=None):
    """Exact task answer; datetimes are checked for format and taken from the answer."""
    assert r.status_code == status, show(r)
    assert r.headers.get("Content-Type") == "application/json", show(r)
    data = r.json()
    assert isinstance(data, dict) and list(data) == TASK_KEYS, show(r)
    c = check_datetime_recent(data["created_at"])
    u = check_datetime_recent(data["updated_at"])
    assert u >= c, show(r)
    assert isinstance(data["id"], int) and not isinstance(data["id"], bool) and data["id"] >= 1, show(r)
    expected = {
        "id": data["id"] if id is None else id,
        "title": title,
        "description": description,
        "completed": completed,
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "owner": owner,
    }
    assert r.content == compact(expected), "expected %r\n got %s" % (compact(expected), show(r))
    assert_common_headers(r)
    if allow is not None:
        assert_api_headers(r, allow)
    return data


# --------------------------------------------------------------------------- JWT
def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def decode_jwt(token):
    """(header_dict, payload_dict, raw_header_bytes, raw_payload_bytes); dicts keep key order."""
    parts = token.split(".")
    assert len(parts) == 3, "not a JWT: %r" % token
    hraw, praw = b64url_decode(parts[0]), b64url_decode(parts[1])
    return json.loads(hraw), json.loads(praw), hraw, praw


def signature_ok(token, key=SECRET_KEY):
    h, p, s = token.split(".")
    mac = hmac.new(key.encode(), (h + "." + p).encode("ascii"), hashlib.sha256).digest()
    return hmac.compare_digest(b64url(mac), s)


def craft_jwt(payload, key=SECRET_KEY, alg="HS256", header=None):
    hdr = header if header is not None else {"alg": alg, "typ": "JWT"}
    signing_input = (b64url(json.dumps(hdr, separators=(",", ":")).encode())
                     + "." + b64url(json.dumps(payload, separators=(",", ":")).encode()))
    if alg == "none":
        return signing_input + "."
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    return signing_input + "." + b64url(hmac.new(key.encode(), signing_input.encode(), digest).digest())


def claims(user_id=1, token_type="access", lifetime=300, now=None, drop=(), **extra):
    now = int(time.time()) if now is None else now
    c = {"token_type": token_type, "exp": now + lifetime, "iat": now, "jti": uuid.uuid4().hex,
         "user_id": user_id}
    c.update(extra)
    for k in drop:
        c.pop(k, None)
    return c


def crafted(user_id=1, token_type="access", lifetime=300, **kw):
    return craft_jwt(claims(user_id, token_type, lifetime, **kw))


def auth(token):
    return {"Authorization": "Bearer " + token}


def check_token_shape(token, token_type, user_id, lifetime=None):
    """Header, claim order and types, signature with the suite key. Returns the payload."""
    header, payload, hraw, _ = decode_jwt(token)
    assert list(header.items()) == [("alg", "HS256"), ("typ", "JWT")], hraw
    assert list(payload) == ["token_type", "exp", "iat", "jti", "user_id"], payload
    assert payload["token_type"] == token_type
    for k in ("exp", "iat"):
        assert isinstance(payload[k], int) and not isinstance(payload[k], bool), payload
    assert isinstance(payload["jti"], str) and re.fullmatch(r"[0-9a-f]{32}", payload["jti"]), payload
    assert payload["user_id"] == user_id and type(payload["user_id"]) is int, payload
    if lifetime is not None:
        assert payload["exp"] - payload["iat"] == lifetime, payload
    assert signature_ok(token), "signature does not verify with TASKAPI_SECRET_KEY (HS256)"
    assert len(token.split(".")[2]) == 43
    return payload


# --------------------------------------------------------------------------- raw HTTP
def raw_exchange(port, head, body=b"", timeout=15):
    """Send a raw request (head: bytes up to and including the blank line) and body.

    The body is sent in chunks; sending stops early when the server has already
    answered (e.g. 413 before reading the body). Returns (status, headers dict with
    lower-case names, body bytes) or raises AssertionError when there is no answer.
    """
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(head)
        view = memoryview(body)
        pos = 0
        while pos < len(view):
            readable, _, _ = select.select([s], [], [], 0)
            if readable:
                break
            try:
                pos += s.send(view[pos:pos + 65536])
            except (BrokenPipeError, ConnectionResetError):
                break
        data = b""
        deadline = time.time() + timeout
        while True:
            if b"\r\n\r\n" in data:
                head_part, rest = data.split(b"\r\n\r\n", 1)
                lines = head_part.decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                headers = {}
                for line in lines[1:]:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length", "0"))
                if len(rest) >= length:
                    return status, headers, rest[:length]
            if time.time() > deadline:
                raise AssertionError("no complete answer; got %r" % data[:500])
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise AssertionError("connection closed without a complete answer; got %r" % data[:500])
            data += chunk
    finally:
        s.close()


class KeepAliveClient:
    """One keep-alive HTTP/1.1 connection (http.client: no hidden retries)."""

    def __init__(self, port, token, timeout=30):
        self.port, self.token, self.timeout = port, token, timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            payload = resp.read()  # IncompleteRead when the body is cut short
        except BaseException:
            self.close()
            raise
        if resp.will_close:
            self.close()
        return resp.status, payload
