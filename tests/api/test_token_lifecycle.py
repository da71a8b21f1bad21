"""SimpleJWT's optional views and the refresh-token lifecycle: POST /api/auth/token/verify/,
POST /api/auth/token/blacklist/ (logout), TASKAPI_ROTATE_REFRESH_TOKENS and
TASKAPI_BLACKLIST_AFTER_ROTATION; beyond SimpleJWT, reuse detection (a rotated-away refresh token
presented again revokes its family) and `taskapi changepassword` / `deleteuser` revoking the
user's refresh tokens; the store's rows (ids, never tokens) and their purge.

Every status and body below is the DRF reference's (SimpleJWT 5.2.2 with its token_blacklist app,
DJANGO_FEATURES=1, run with DJANGO_ROTATE_REFRESH_TOKENS and DJANGO_BLACKLIST_AFTER_ROTATION set
and unset and sent the same requests), except where a test says it is one of the numbered
differences of docs/decisions/001-http-contract-differences.md. Every answer of these URLs also
carries Cache-Control: no-store (difference 12). Runs on SQLite and on PostgreSQL.
"""
import re
import time

import pytest

from apihelpers import (
    ALLOW_TOKEN, BLANK, NULL, REFRESH_INVALID, REFRESH_WRONG_TYPE, REQUIRED, assert_json,
    check_token_shape, claims, craft_jwt, crafted, decode_jwt, expected_dict, method_not_allowed,
    options_body, show,
)

V = "/api/auth/token/verify/"
B = "/api/auth/token/blacklist/"
R = "/api/auth/token/refresh/"

BLACKLISTED = {"detail": "Token is blacklisted", "code": "token_not_valid"}
VERIFY_BLACKLISTED = {"non_field_errors": ["Token is blacklisted"]}
NO_USER_ID = {"detail": "Token contained no recognizable user identification",
              "code": "token_not_valid"}

ROTATE = {"TASKAPI_ROTATE_REFRESH_TOKENS": "true"}
STRICT = {"TASKAPI_ROTATE_REFRESH_TOKENS": "true", "TASKAPI_BLACKLIST_AFTER_ROTATION": "true"}

# The store's states (src/auth/refresh_token_repository.hpp).
ISSUED, ROTATED, BLACKLISTED_STATE, REVOKED = "0", "1", "2", "3"


def answer(r, status, body):
    assert_json(r, status, body, allow=ALLOW_TOKEN)
    assert r.headers.get("Cache-Control") == "no-store", show(r)


def detail(message):
    return {"detail": message, "code": "token_not_valid"}


def jti(token):
    return decode_jwt(token)[1]["jti"]


def rows(server, where="1 = 1", **params):
    """The store's rows as [jti, user_id, family, expires_at, state], by jti."""
    return server.sql("SELECT jti, user_id, family, expires_at, state FROM refresh_tokens WHERE "
                      + where + " ORDER BY jti", **params)


def state_of(server, token):
    found = rows(server, "jti = :j", j=jti(token))
    return found[0][4] if found else None


@pytest.fixture(scope="module")
def rotating():
    from conftest import DEFAULT_USERS, make_server
    srv = make_server(DEFAULT_USERS, env=ROTATE)
    yield srv
    srv.stop()
    srv.cleanup()


@pytest.fixture(scope="module")
def strict():
    from conftest import DEFAULT_USERS, make_server
    srv = make_server(DEFAULT_USERS, env=STRICT)
    yield srv
    srv.stop()
    srv.cleanup()


# --------------------------------------------------------------------------- verify
def test_verify_answers_as_simplejwt(server):
    """UntypedToken: any token type (or none) and any user id verify; the checks are SimpleJWT's,
    in its order."""
    tokens = server.login("alice")
    now = int(time.time())
    valid = {
        "access": tokens["access"],
        "refresh": tokens["refresh"],
        "no token_type": crafted(drop=("token_type",)),
        "sliding": crafted(token_type="sliding"),
        "no user_id": crafted(drop=("user_id",)),
        "unknown user": crafted(user_id=999),
        "integer jti": crafted(token_type="refresh", jti=5),
    }
    for name, token in valid.items():
        r = server.post(V, {"token": token})
        answer(r, 200, {})
    invalid = {
        "garbage": ("abc", "Token is invalid or expired"),
        "bad signature": (tokens["access"][:-3] + "AAA", "Token is invalid or expired"),
        "other key": (craft_jwt(claims(), key="other-key"), "Token is invalid or expired"),
        "expired": (craft_jwt(claims(now=now - 400)), "Token is invalid or expired"),
        "no jti": (crafted(drop=("jti",)), "Token has no id"),
        "no exp": (crafted(drop=("exp",)), "Token has no 'exp' claim"),
    }
    for name, (token, message) in invalid.items():
        answer(server.post(V, {"token": token}), 401, detail(message))
    # A number is read as its text, which is no token.
    answer(server.post(V, {"token": 5}), 401, detail("Token is invalid or expired"))


def test_verify_validates_its_body_as_drf(server):
    answer(server.post(V, {}), 400, {"token": [REQUIRED]})
    answer(server.post(V, {"token": ""}), 400, {"token": [BLANK]})
    answer(server.post(V, {"token": None}), 400, {"token": [NULL]})
    answer(server.post(V, "[]"), 400, expected_dict("list"))
    tokens = server.login("alice")
    form = "application/x-www-form-urlencoded"
    answer(server.send("POST", V, "token=" + tokens["access"], ctype=form), 200, {})
    answer(server.send("POST", V, "", ctype=form), 400, {"token": [REQUIRED]})


def test_options_and_other_methods(server):
    answer(server.options(V), 200, options_body(
        "Token Verify",
        "Takes a token and indicates if it is valid.  This view provides no\n"
        "information about a token's fitness for a particular use.",
        {"POST": {"token": {"type": "string", "required": True, "read_only": False,
                            "label": "Token"}}}))
    answer(server.options(B), 200, options_body(
        "Token Blacklist",
        "Takes a token and blacklists it. Must be used with the\n"
        "`rest_framework_simplejwt.token_blacklist` app installed.",
        {"POST": {"refresh": {"type": "string", "required": True, "read_only": False,
                              "label": "Refresh"}}}))
    for path in (V, B):
        answer(server.get(path), 405, method_not_allowed("GET"))


# --------------------------------------------------------------------------- blacklist (logout)
def test_blacklist_validates_its_body_and_token(server):
    answer(server.post(B, {}), 400, {"refresh": [REQUIRED]})
    tokens = server.login("alice")
    answer(server.post(B, {"refresh": tokens["access"]}), 401, REFRESH_WRONG_TYPE)
    answer(server.post(B, {"refresh": "abc"}), 401, REFRESH_INVALID)
    answer(server.send("POST", B, "refresh=abc", ctype="application/x-www-form-urlencoded"),
           401, REFRESH_INVALID)
    # The user is not looked up, as in SimpleJWT: a token naming nobody is logged out.
    answer(server.post(B, {"refresh": crafted(user_id=999, token_type="refresh")}), 200, {})


def test_a_logged_out_refresh_token_is_refused_everywhere(server):
    tokens = server.login("alice")
    answer(server.post(B, {"refresh": tokens["refresh"]}), 200, {})
    answer(server.post(B, {"refresh": tokens["refresh"]}), 401, BLACKLISTED)
    answer(server.post(R, {"refresh": tokens["refresh"]}), 401, BLACKLISTED)
    # Difference 25: SimpleJWT 5.2 verifies it as valid (200 {}) unless BLACKLIST_AFTER_ROTATION
    # is set; taskapi always gives that setting's answer.
    answer(server.post(V, {"token": tokens["refresh"]}), 400, VERIFY_BLACKLISTED)
    # The access token of that login lives on until it expires, as in SimpleJWT.
    answer(server.post(V, {"token": tokens["access"]}), 200, {})
    assert server.get("/api/me/", tokens["access"]).status_code == 200
    # Another login of the same user is untouched.
    other = server.login("alice")
    assert server.post(R, {"refresh": other["refresh"]}).status_code == 200


def test_blacklist_of_a_token_without_user_id(server):
    """Difference 26: SimpleJWT stores such a token and answers 200 {}; taskapi keeps each row's
    user, so it answers what refresh answers for that token."""
    token = crafted(token_type="refresh", drop=("user_id",))
    answer(server.post(B, {"refresh": token}), 401, NO_USER_ID)


def test_a_token_id_the_store_cannot_keep_is_refused(strict):
    """A jti over 255 bytes (SimpleJWT's OutstandingToken.jti is a CharField(max_length=255)) or
    with a NUL (PostgreSQL's text holds none) is refused as invalid by refresh, blacklist and
    verify before the store sees it: a 401, never a 500. Only a holder of the key can make one."""
    for bad in ("x" * 256, "a\u0000b", "\u0000"):
        token = crafted(token_type="refresh", jti=bad)
        for route, field in ((R, "refresh"), (B, "refresh"), (V, "token")):
            answer(strict.post(route, {field: token}), 401, detail("Token is invalid or expired"))
    # 255 bytes is a token id like any other.
    token = crafted(token_type="refresh", jti="y" * 255)
    answer(strict.post(B, {"refresh": token}), 200, {})
    answer(strict.post(R, {"refresh": token}), 401, BLACKLISTED)


def test_the_store_keeps_ids_never_tokens(server):
    """A login writes nothing; a logout writes one row: the jti, the user, the family (its own
    jti) and the token's exp."""
    tokens = server.login("bob")
    assert rows(server, "jti = :j", j=jti(tokens["refresh"])) == []
    assert server.post(R, {"refresh": tokens["refresh"]}).status_code == 200
    assert rows(server, "jti = :j", j=jti(tokens["refresh"])) == []
    answer(server.post(B, {"refresh": tokens["refresh"]}), 200, {})
    payload = decode_jwt(tokens["refresh"])[1]
    assert rows(server, "jti = :j", j=payload["jti"]) == [
        [payload["jti"], "2", payload["jti"], str(payload["exp"]), BLACKLISTED_STATE]]
    for row in rows(server):
        assert not any("." in value for value in row), row


# --------------------------------------------------------------------------- rotation
def test_without_rotation_refresh_answers_an_access_token_only(server):
    tokens = server.login("alice")
    r = server.post(R, {"refresh": tokens["refresh"]})
    assert r.status_code == 200, show(r)
    assert list(r.json()) == ["access"]


def test_rotation_answers_a_new_refresh_token_made_as_simplejwt_makes_it(rotating):
    tokens = rotating.login("alice")
    old = check_token_shape(tokens["refresh"], "refresh", 1, 86400)
    r = rotating.post(R, {"refresh": tokens["refresh"]})
    assert r.status_code == 200, show(r)
    assert r.headers.get("Cache-Control") == "no-store", show(r)
    body = r.json()
    assert list(body) == ["access", "refresh"]
    access = check_token_shape(body["access"], "access", 1, None)
    new = check_token_shape(body["refresh"], "refresh", 1, 86400)
    # New jti, iat (now) and exp (now + the refresh lifetime); the access token keeps the
    # presented token's iat.
    assert new["jti"] != old["jti"]
    assert abs(new["iat"] - time.time()) <= 2
    assert new["iat"] >= old["iat"]
    assert access["iat"] == old["iat"]
    assert re.fullmatch(r"[0-9a-f]{32}", new["jti"])
    # The new one works.
    assert rotating.post(R, {"refresh": body["refresh"]}).status_code == 200


def test_rotation_without_blacklisting_keeps_the_old_token_valid(rotating):
    """SimpleJWT's ROTATE_REFRESH_TOKENS alone: the replaced token still refreshes, verifies and
    can be logged out; nothing is stored, and nothing is reuse."""
    tokens = rotating.login("alice")
    first = rotating.post(R, {"refresh": tokens["refresh"]}).json()
    again = rotating.post(R, {"refresh": tokens["refresh"]})
    assert again.status_code == 200, show(again)
    assert list(again.json()) == ["access", "refresh"]
    assert rows(rotating, "jti IN (:a, :b)",
                a=jti(tokens["refresh"]), b=jti(first["refresh"])) == []
    answer(rotating.post(V, {"token": tokens["refresh"]}), 200, {})
    answer(rotating.post(B, {"refresh": tokens["refresh"]}), 200, {})
    # The token rotated from it is not of its family here: it still works.
    assert rotating.post(R, {"refresh": first["refresh"]}).status_code == 200


def test_blacklist_after_rotation_refuses_the_replaced_token(strict):
    tokens = strict.login("alice")
    first = strict.post(R, {"refresh": tokens["refresh"]}).json()
    assert state_of(strict, tokens["refresh"]) == ROTATED
    assert state_of(strict, first["refresh"]) == ISSUED
    answer(strict.post(V, {"token": tokens["refresh"]}), 400, VERIFY_BLACKLISTED)
    answer(strict.post(V, {"token": first["refresh"]}), 200, {})
    second = strict.post(R, {"refresh": first["refresh"]})
    assert second.status_code == 200, show(second)
    # The family is the login's refresh token's jti, passed on by each rotation.
    family = jti(tokens["refresh"])
    assert rows(strict, "jti = :j", j=jti(second.json()["refresh"]))[0][2] == family


def test_reuse_of_a_rotated_token_revokes_its_whole_family(strict):
    """Beyond SimpleJWT (RFC 9700 4.14.2; difference 27): the rotated-away token gets SimpleJWT's
    blacklisted answer, and so does every token descended from the same login from then on
    (SimpleJWT would still refresh them)."""
    tokens = strict.login("alice")
    first = strict.post(R, {"refresh": tokens["refresh"]}).json()
    second = strict.post(R, {"refresh": first["refresh"]}).json()
    other = strict.login("alice")  # another family of the same user
    answer(strict.post(R, {"refresh": tokens["refresh"]}), 401, BLACKLISTED)
    answer(strict.post(R, {"refresh": second["refresh"]}), 401, BLACKLISTED)
    answer(strict.post(V, {"token": second["refresh"]}), 400, VERIFY_BLACKLISTED)
    answer(strict.post(B, {"refresh": second["refresh"]}), 401, BLACKLISTED)
    assert state_of(strict, second["refresh"]) == REVOKED
    assert state_of(strict, first["refresh"]) == ROTATED
    assert strict.post(R, {"refresh": other["refresh"]}).status_code == 200


def test_logging_out_with_a_rotated_token_is_reuse_too(strict):
    tokens = strict.login("bob")
    first = strict.post(R, {"refresh": tokens["refresh"]}).json()
    answer(strict.post(B, {"refresh": tokens["refresh"]}), 401, BLACKLISTED)
    answer(strict.post(R, {"refresh": first["refresh"]}), 401, BLACKLISTED)


def test_verify_of_a_rotated_token_revokes_nothing(strict):
    tokens = strict.login("bob")
    first = strict.post(R, {"refresh": tokens["refresh"]}).json()
    answer(strict.post(V, {"token": tokens["refresh"]}), 400, VERIFY_BLACKLISTED)
    assert strict.post(R, {"refresh": first["refresh"]}).status_code == 200


# --------------------------------------------------------------------------- CLI revocation
def test_changepassword_and_deleteuser_revoke_the_users_refresh_tokens(server_factory):
    srv = server_factory(env=STRICT)
    alice = srv.login("alice")
    alice_rotated = srv.post(R, {"refresh": alice["refresh"]}).json()["refresh"]
    alice_fresh = srv.login("alice")["refresh"]
    bob = srv.login("bob")
    bob_rotated = srv.post(R, {"refresh": bob["refresh"]}).json()["refresh"]

    res = srv.cli("changepassword", "alice", "--password-stdin", input="alice-password-2\n")
    assert res.returncode == 0, res.stderr
    # The stored token is revoked in the store; the login's (no row) is refused by its iat.
    assert state_of(srv, alice_rotated) == REVOKED
    answer(srv.post(R, {"refresh": alice_rotated}), 401, BLACKLISTED)
    answer(srv.post(R, {"refresh": alice_fresh}), 401, REFRESH_INVALID)
    assert state_of(srv, bob_rotated) == ISSUED

    res = srv.cli("deleteuser", "bob")
    assert res.returncode == 0, res.stderr
    assert state_of(srv, bob_rotated) == REVOKED
    answer(srv.post(R, {"refresh": bob_rotated}), 401, BLACKLISTED)
    # A login of the new password works as before.
    again = srv.login("alice", "alice-password-2")
    assert srv.post(R, {"refresh": again["refresh"]}).status_code == 200


# --------------------------------------------------------------------------- purge
def test_rows_of_expired_tokens_are_purged_by_the_next_write(server_factory):
    """Every write (logout, rotation, revocation) first deletes the rows whose token has
    expired: those tokens are refused by their exp anyway. Waits about 3 s for the expiry."""
    srv = server_factory(env={"TASKAPI_REFRESH_TOKEN_LIFETIME": "2"})
    early = srv.login("alice")["refresh"]
    answer(srv.post(B, {"refresh": early}), 200, {})
    assert state_of(srv, early) == BLACKLISTED_STATE
    exp = decode_jwt(early)[1]["exp"]
    time.sleep(max(0.0, exp + 0.3 - time.time()))
    answer(srv.post(R, {"refresh": early}), 401, REFRESH_INVALID)  # expired: no write
    assert state_of(srv, early) == BLACKLISTED_STATE
    late = srv.login("alice")["refresh"]
    answer(srv.post(B, {"refresh": late}), 200, {})
    assert state_of(srv, early) is None
    assert state_of(srv, late) == BLACKLISTED_STATE
