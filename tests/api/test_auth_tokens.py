"""POST /api/auth/token/ and /api/auth/token/refresh/ (contract.txt [014]-[047]).

Tokens are decoded and checked: header, claim order and types, lifetimes, signature.
"""
import time
from urllib.parse import urljoin

import pytest
import requests

from apihelpers import (
    ALLOW_TOKEN, BLANK, LOGIN_FAILED, NO_DATA, NO_EXP, NO_ID, NO_TYPE, NULL, OPTIONS_REFRESH,
    OPTIONS_TOKEN, REFRESH_INVALID, REFRESH_WRONG_TYPE, REQUIRED, assert_api_headers,
    assert_error_prefix, assert_json, check_token_shape, claims, craft_jwt, crafted, decode_jwt,
    expected_dict, method_not_allowed, show, unsupported_media,
)

# ivan (id 3) is inactive
EXTRA_USERS = [("ivan", "ivan-password-1", {"inactive": True})]

T = "/api/auth/token/"
R = "/api/auth/token/refresh/"
FORM = "application/x-www-form-urlencoded"


def assert_token_pair(r, user_id):
    assert r.status_code == 200, show(r)
    assert_api_headers(r, ALLOW_TOKEN)
    data = r.json()
    assert list(data) == ["refresh", "access"], show(r)
    assert r.content == ('{"refresh":"%s","access":"%s"}' % (data["refresh"], data["access"])).encode()
    now = int(time.time())
    rp = check_token_shape(data["refresh"], "refresh", user_id, 86400)
    ap = check_token_shape(data["access"], "access", user_id, 300)
    assert abs(rp["iat"] - now) <= 60 and abs(ap["iat"] - now) <= 60
    assert rp["jti"] != ap["jti"]
    return data


# ---------------------------------------------------------------- obtain: success
def test_login_alice(server):
    data = assert_token_pair(server.post(T, {"username": "alice", "password": "alice-password-1"}), 1)
    assert server.get("/api/me/", data["access"]).json() == {"id": 1, "username": "alice"}


def test_login_bob(server):
    data = assert_token_pair(server.post(T, {"username": "bob", "password": "bob-password-1"}), 2)
    assert server.get("/api/me/", data["access"]).json() == {"id": 2, "username": "bob"}


def test_login_twice_gives_distinct_jtis(server):
    a = server.login("alice")
    b = server.login("alice")
    ids = {decode_jwt(t)[1]["jti"] for t in (a["access"], a["refresh"], b["access"], b["refresh"])}
    assert len(ids) == 4


def test_login_password_trailing_space_is_trimmed(server):
    assert_token_pair(server.post(T, {"username": "alice", "password": "alice-password-1 "}), 1)


def test_login_surrounding_whitespace_is_trimmed(server):
    assert_token_pair(server.post(T, {"username": " alice ", "password": "  alice-password-1\t"}), 1)


def test_login_extra_fields_ignored(server):
    assert_token_pair(server.post(T, {"username": "alice", "password": "alice-password-1", "foo": 1}), 1)


def test_login_form(server):
    assert_token_pair(server.post(T, "username=alice&password=alice-password-1", ctype=FORM), 1)


def test_login_form_with_charset(server):
    assert_token_pair(server.post(T, "username=alice&password=alice-password-1",
                                  ctype=FORM + "; charset=utf-8"), 1)


def test_login_multipart(server):
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nalice-password-1\r\n"
            "--XyZ--\r\n")
    assert_token_pair(server.post(T, body, ctype="multipart/form-data; boundary=XyZ"), 1)


def test_login_multipart_built_by_requests(server):
    r = requests.post(server.url(T), files={"username": (None, "bob"), "password": (None, "bob-password-1")},
                      timeout=30)
    assert_token_pair(r, 2)


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer a b", "Bearer", "Token x"])
def test_login_ignores_authorization_header(server, header):
    r = server.post(T, {"username": "alice", "password": "alice-password-1"}, headers={"Authorization": header})
    assert_token_pair(r, 1)


# ---------------------------------------------------------------- obtain: failures
@pytest.mark.parametrize("username,password", [
    ("alice", "nope"),                 # wrong password
    ("mallory", "x"),                  # unknown user
    ("Alice", "alice-password-1"),     # username is case-sensitive
    ("alice", "Alice-password-1"),     # password is case-sensitive
    ("alice", "alice-password-"),      # prefix of the password
    ("ivan", "ivan-password-1"),       # inactive user, right password
    ("ivan", "wrong"),                 # inactive user, wrong password
    (123, "x"),                        # a number for the username
    ("alice", 123),                    # a number for the password
])
def test_login_failure_identical_401(server, username, password):
    r = server.post(T, {"username": username, "password": password})
    assert_json(r, 401, LOGIN_FAILED, allow=ALLOW_TOKEN)
    assert r.headers["Content-Length"] == "63"


@pytest.mark.parametrize("body,expected", [
    ({}, {"username": [REQUIRED], "password": [REQUIRED]}),
    ({"username": "alice"}, {"password": [REQUIRED]}),
    ({"password": "alice-password-1"}, {"username": [REQUIRED]}),
    ({"username": "", "password": ""}, {"username": [BLANK], "password": [BLANK]}),
    ({"username": "   ", "password": "alice-password-1"}, {"username": [BLANK]}),
    ({"username": None, "password": None}, {"username": [NULL], "password": [NULL]}),
    ({"password": "", "username": "alice"}, {"password": [BLANK]}),
])
def test_login_validation_400(server, body, expected):
    assert_json(server.post(T, body), 400, expected, allow=ALLOW_TOKEN)


def test_login_empty_json_body(server):
    r = server.post(T, "")
    assert_json(r, 400, {"username": [REQUIRED], "password": [REQUIRED]}, allow=ALLOW_TOKEN)


def test_login_empty_body_no_content_type(server):
    r = server.post(T, None, ctype=None)
    assert_json(r, 400, {"username": [REQUIRED], "password": [REQUIRED]}, allow=ALLOW_TOKEN)


def test_login_form_missing_password(server):
    assert_json(server.post(T, "username=alice", ctype=FORM), 400, {"password": [REQUIRED]}, allow=ALLOW_TOKEN)


def test_login_malformed_json(server):
    assert_error_prefix(server.post(T, '{"username": "alice", '), 400, "JSON parse error - ", allow=ALLOW_TOKEN)


def test_login_json_array(server):
    r = server.post(T, '["alice", "alice-password-1"]')
    assert_json(r, 400, expected_dict("list"), allow=ALLOW_TOKEN)


def test_login_json_string(server):
    assert_json(server.post(T, '"x"'), 400, expected_dict("str"), allow=ALLOW_TOKEN)


def test_login_json_null(server):
    assert_json(server.post(T, "null"), 400, NO_DATA, allow=ALLOW_TOKEN)


def test_login_text_plain_is_415(server):
    r = server.post(T, "username=alice", ctype="text/plain")
    assert_json(r, 415, unsupported_media("text/plain"), allow=ALLOW_TOKEN)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_token_endpoint_wrong_method(server, method):
    r = server.send(method, T, "{}" if method != "GET" else None, ctype="application/json" if method != "GET" else None)
    assert_json(r, 405, method_not_allowed(method), allow=ALLOW_TOKEN)


def test_token_options(server):
    assert_json(server.options(T), 200, OPTIONS_TOKEN, allow=ALLOW_TOKEN)


def test_token_head_is_405(server):
    r = server.head(T)
    assert r.status_code == 405, show(r)
    assert r.content == b""
    assert_api_headers(r, ALLOW_TOKEN)


def test_token_no_slash_post_is_308_and_keeps_the_body(server):
    body = {"username": "alice", "password": "alice-password-1"}
    r = server.post("/api/auth/token", body)
    assert r.status_code == 308, show(r)
    assert urljoin(server.base_url + "/", r.headers["Location"]) == server.url(T)
    # following the redirect repeats the POST with its body
    r2 = server.post("/api/auth/token", body, allow_redirects=True)
    assert_token_pair(r2, 1)


# ---------------------------------------------------------------- refresh
def test_refresh_ok_keeps_iat(server, alice_refresh):
    rp = decode_jwt(alice_refresh)[1]
    r = server.post(R, {"refresh": alice_refresh})
    assert r.status_code == 200, show(r)
    assert_api_headers(r, ALLOW_TOKEN)
    data = r.json()
    assert list(data) == ["access"]
    assert r.content == ('{"access":"%s"}' % data["access"]).encode()
    ap = check_token_shape(data["access"], "access", 1)
    assert ap["iat"] == rp["iat"]
    assert ap["jti"] != rp["jti"]
    assert abs(ap["exp"] - (int(time.time()) + 300)) <= 60
    assert server.get("/api/me/", data["access"]).json() == {"id": 1, "username": "alice"}


def test_refresh_copies_iat_of_an_old_refresh_token(server):
    now = int(time.time())
    token = craft_jwt(claims(1, "refresh", lifetime=86400, now=now - 1000))
    r = server.post(R, {"refresh": token})
    assert r.status_code == 200, show(r)
    ap = check_token_shape(r.json()["access"], "access", 1)
    assert ap["iat"] == now - 1000
    assert abs(ap["exp"] - (int(time.time()) + 300)) <= 60
    assert server.get("/api/me/", r.json()["access"]).status_code == 200


def test_refresh_user_id_string_is_accepted(server):
    r = server.post(R, {"refresh": crafted("2", "refresh", 86400)})
    assert r.status_code == 200, show(r)
    assert server.get("/api/me/", r.json()["access"]).json() == {"id": 2, "username": "bob"}


def test_refresh_form(server, alice_refresh):
    r = server.post(R, "refresh=" + alice_refresh, ctype=FORM)
    assert r.status_code == 200, show(r)
    check_token_shape(r.json()["access"], "access", 1)


def test_refresh_garbage(server):
    assert_json(server.post(R, {"refresh": "garbage"}), 401, REFRESH_INVALID, allow=ALLOW_TOKEN)


def test_refresh_number(server):
    assert_json(server.post(R, {"refresh": 123}), 401, REFRESH_INVALID, allow=ALLOW_TOKEN)


def test_refresh_with_access_token(server, alice):
    assert_json(server.post(R, {"refresh": alice}), 401, REFRESH_WRONG_TYPE, allow=ALLOW_TOKEN)


def test_refresh_missing_field(server):
    assert_json(server.post(R, {}), 400, {"refresh": [REQUIRED]}, allow=ALLOW_TOKEN)


def test_refresh_blank(server):
    assert_json(server.post(R, {"refresh": ""}), 400, {"refresh": [BLANK]}, allow=ALLOW_TOKEN)


def test_refresh_null(server):
    assert_json(server.post(R, {"refresh": None}), 400, {"refresh": [NULL]}, allow=ALLOW_TOKEN)


def test_refresh_expired(server):
    token = crafted(1, "refresh", lifetime=-10)
    assert_json(server.post(R, {"refresh": token}), 401, REFRESH_INVALID, allow=ALLOW_TOKEN)


def test_refresh_exp_now_is_expired(server):
    token = crafted(1, "refresh", lifetime=0)
    assert_json(server.post(R, {"refresh": token}), 401, REFRESH_INVALID, allow=ALLOW_TOKEN)


def test_refresh_other_key(server):
    token = craft_jwt(claims(1, "refresh", 86400), key="another-key")
    assert_json(server.post(R, {"refresh": token}), 401, REFRESH_INVALID, allow=ALLOW_TOKEN)


def test_refresh_alg_none(server):
    token = craft_jwt(claims(1, "refresh", 86400), alg="none")
    assert_json(server.post(R, {"refresh": token}), 401, REFRESH_INVALID, allow=ALLOW_TOKEN)


def test_refresh_hs512(server):
    token = craft_jwt(claims(1, "refresh", 86400), alg="HS512")
    assert_json(server.post(R, {"refresh": token}), 401, REFRESH_INVALID, allow=ALLOW_TOKEN)


@pytest.mark.parametrize("drop,message", [("token_type", NO_TYPE), ("jti", NO_ID), ("exp", NO_EXP)])
def test_refresh_missing_claims(server, drop, message):
    token = craft_jwt(claims(1, "refresh", 86400, drop=(drop,)))
    assert_json(server.post(R, {"refresh": token}), 401, {"detail": message, "code": "token_not_valid"},
                allow=ALLOW_TOKEN)


def test_refresh_unknown_user_is_refused(server):
    # deliberate difference 2: the user is looked up on refresh
    r = server.post(R, {"refresh": crafted(999999, "refresh", 86400)})
    assert r.status_code == 401, show(r)
    assert_api_headers(r, ALLOW_TOKEN)
    assert r.json()["code"] == "token_not_valid"
    assert isinstance(r.json()["detail"], str)


def test_refresh_inactive_user_is_refused(server):
    r = server.post(R, {"refresh": crafted(3, "refresh", 86400)})
    assert r.status_code == 401, show(r)
    assert_api_headers(r, ALLOW_TOKEN)
    assert r.json()["code"] == "token_not_valid"


def test_refresh_text_plain_is_415(server):
    assert_json(server.post(R, "x", ctype="text/plain"), 415, unsupported_media("text/plain"), allow=ALLOW_TOKEN)


def test_refresh_get_is_405(server):
    assert_json(server.get(R), 405, method_not_allowed("GET"), allow=ALLOW_TOKEN)


def test_refresh_options(server):
    assert_json(server.options(R), 200, OPTIONS_REFRESH, allow=ALLOW_TOKEN)


def test_refresh_ignores_authorization_header(server, alice_refresh):
    r = server.post(R, {"refresh": alice_refresh}, headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 200, show(r)


def test_refresh_no_slash_is_308(server, alice_refresh):
    r = server.post("/api/auth/token/refresh", {"refresh": alice_refresh})
    assert r.status_code == 308, show(r)
    assert urljoin(server.base_url + "/", r.headers["Location"]) == server.url(R)
