"""Authorization header handling and crafted access tokens (contract.txt [048]-[072]).

Crafted tokens are signed with the suite's TASKAPI_SECRET_KEY using hmac/hashlib.
"""
import time

import pytest

from apihelpers import (
    ALLOW_LIST, ALLOW_RO, BAD_AUTH_HEADER, NO_EXP, NO_ID, NO_TYPE, NO_USER_ID,
    NOT_PROVIDED, USER_INACTIVE, USER_NOT_FOUND, WRONG_TYPE, assert_api_headers, assert_json,
    claims, craft_jwt, crafted, show, token_invalid,
)

# ivan (id 3) is inactive
EXTRA_USERS = [("ivan", "ivan-password-1", {"inactive": True})]

L = "/api/tasks/"
ME = "/api/me/"
ALICE = {"id": 1, "username": "alice"}


def get_list(server, authorization):
    return server.get(L, headers={"Authorization": authorization})


def get_me(server, token):
    return server.get(ME, headers={"Authorization": "Bearer " + token})


# ---------------------------------------------------------------- header shapes
def test_no_header(server):
    assert_json(server.get(L), 401, NOT_PROVIDED, allow=ALLOW_LIST)


@pytest.mark.parametrize("value", [
    "Token x",
    "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQtMQ==",
    "",
    "JWT abc",
])
def test_other_schemes_are_not_provided(server, value):
    assert_json(get_list(server, value), 401, NOT_PROVIDED, allow=ALLOW_LIST)


def test_lowercase_bearer_is_not_provided(server, alice):
    assert_json(get_list(server, "bearer " + alice), 401, NOT_PROVIDED, allow=ALLOW_LIST)


@pytest.mark.parametrize("value", ["Bearer", "Bearer a b", "Bearer x y z"])
def test_bearer_with_zero_or_several_values(server, value):
    r = get_list(server, value)
    assert_json(r, 401, BAD_AUTH_HEADER, allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == "107"


def test_valid_token_with_an_extra_value(server, alice):
    assert_json(get_list(server, "Bearer " + alice + " x"), 401, BAD_AUTH_HEADER, allow=ALLOW_LIST)


def test_double_space_is_accepted(server, alice):
    # the header is split on any whitespace run
    assert_json(get_list(server, "Bearer  " + alice), 200, [], allow=ALLOW_LIST)


def test_valid_token(server, alice):
    assert_json(get_list(server, "Bearer " + alice), 200, [], allow=ALLOW_LIST)


@pytest.mark.parametrize("token", [
    "garbage",
    "a.b.c",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxLCJpYXQiOjEsImp0aSI6IjAiLCJ1c2VyX2lkIjoxfQ.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
])
def test_garbage_tokens(server, token):
    r = get_list(server, "Bearer " + token)
    assert_json(r, 401, token_invalid(), allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == "183"


def test_two_part_token(server, alice):
    r = get_list(server, "Bearer " + ".".join(alice.split(".")[:2]))
    assert_json(r, 401, token_invalid(), allow=ALLOW_LIST)


def test_tampered_signature(server, alice):
    head, payload, sig = alice.split(".")
    sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert_json(get_list(server, "Bearer %s.%s.%s" % (head, payload, sig)), 401, token_invalid(),
                allow=ALLOW_LIST)


def test_tampered_payload(server, alice):
    import apihelpers
    head, payload, sig = alice.split(".")
    p = apihelpers.decode_jwt(alice)[1]
    p["user_id"] = 2
    forged = apihelpers.b64url(apihelpers.compact(p))
    assert_json(get_list(server, "Bearer %s.%s.%s" % (head, forged, sig)), 401, token_invalid(),
                allow=ALLOW_LIST)


# ---------------------------------------------------------------- crafted tokens
def test_crafted_valid_token(server):
    assert_json(get_list(server, "Bearer " + crafted(1)), 200, [], allow=ALLOW_LIST)


def test_crafted_expired(server):
    assert_json(get_list(server, "Bearer " + crafted(1, lifetime=-10)), 401, token_invalid(), allow=ALLOW_LIST)


def test_crafted_exp_equal_to_now_is_expired(server):
    token = craft_jwt(claims(1, lifetime=0))
    assert_json(get_list(server, "Bearer " + token), 401, token_invalid(), allow=ALLOW_LIST)


def test_crafted_exp_in_the_near_future_is_valid(server):
    assert_json(get_list(server, "Bearer " + crafted(1, lifetime=30)), 200, [], allow=ALLOW_LIST)


def test_alg_none(server):
    token = craft_jwt(claims(1), alg="none")
    assert_json(get_list(server, "Bearer " + token), 401, token_invalid(), allow=ALLOW_LIST)


def test_alg_none_with_hs256_signature_attached(server):
    good = craft_jwt(claims(1), header={"alg": "none", "typ": "JWT"})  # HS256-signed, header says none
    assert_json(get_list(server, "Bearer " + good), 401, token_invalid(), allow=ALLOW_LIST)


def test_other_key(server):
    token = craft_jwt(claims(1), key="another-key")
    assert_json(get_list(server, "Bearer " + token), 401, token_invalid(), allow=ALLOW_LIST)


def test_hs512_with_same_key(server):
    token = craft_jwt(claims(1), alg="HS512")
    assert_json(get_list(server, "Bearer " + token), 401, token_invalid(), allow=ALLOW_LIST)


def test_refresh_token_as_access(server, alice_refresh):
    r = get_list(server, "Bearer " + alice_refresh)
    assert_json(r, 401, token_invalid(WRONG_TYPE), allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == "176"


def test_crafted_refresh_as_access(server):
    token = crafted(1, "refresh", 86400)
    assert_json(get_list(server, "Bearer " + token), 401, token_invalid(WRONG_TYPE), allow=ALLOW_LIST)


def test_unknown_token_type(server):
    token = crafted(1, "foo")
    assert_json(get_list(server, "Bearer " + token), 401, token_invalid(WRONG_TYPE), allow=ALLOW_LIST)


@pytest.mark.parametrize("drop,message,length", [
    ("token_type", NO_TYPE, 173),
    ("jti", NO_ID, 171),
    ("exp", NO_EXP, 180),
])
def test_missing_claims(server, drop, message, length):
    r = get_list(server, "Bearer " + craft_jwt(claims(1, drop=(drop,))))
    assert_json(r, 401, token_invalid(message), allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == str(length)


def test_missing_user_id(server):
    r = get_list(server, "Bearer " + craft_jwt(claims(1, drop=("user_id",))))
    assert_json(r, 401, NO_USER_ID, allow=ALLOW_LIST)


@pytest.mark.parametrize("user_id", [999999, 0, -1])
def test_unknown_user(server, user_id):
    assert_json(get_list(server, "Bearer " + crafted(user_id)), 401, USER_NOT_FOUND, allow=ALLOW_LIST)


def test_inactive_user(server):
    assert_json(get_list(server, "Bearer " + crafted(3)), 401, USER_INACTIVE, allow=ALLOW_LIST)


def test_inactive_user_on_health_is_401(server):
    r = server.get("/api/health/", crafted(3))
    assert_json(r, 401, USER_INACTIVE, allow=ALLOW_RO)


def test_user_id_numeric_string_is_accepted(server):
    assert_json(get_me(server, crafted("1")), 200, ALICE, allow=ALLOW_RO)


def test_user_id_non_numeric_string_is_401(server):
    # deliberate difference 1 (DRF answers 500 here)
    r = get_me(server, crafted("abc"))
    assert r.status_code == 401, show(r)
    assert_api_headers(r, ALLOW_RO)
    assert r.json()["code"] == "token_not_valid"


def test_aud_claim_is_accepted(server):
    assert_json(get_me(server, craft_jwt(claims(1, aud="someone"))), 200, ALICE, allow=ALLOW_RO)


def test_extra_unknown_claims_are_accepted(server):
    assert_json(get_me(server, craft_jwt(claims(1, foo="bar", scope=["x"]))), 200, ALICE, allow=ALLOW_RO)


def test_nbf_in_the_future_is_invalid(server):
    token = craft_jwt(claims(1, nbf=int(time.time()) + 3600))
    assert_json(get_me(server, token), 401, token_invalid(), allow=ALLOW_RO)


def test_nbf_in_the_past_is_valid(server):
    token = craft_jwt(claims(1, nbf=int(time.time()) - 60))
    assert_json(get_me(server, token), 200, ALICE, allow=ALLOW_RO)


def test_exp_not_a_number_is_invalid(server):
    token = craft_jwt(claims(1, exp="abc"))
    assert_json(get_me(server, token), 401, token_invalid(), allow=ALLOW_RO)


def test_header_without_typ_is_accepted(server):
    token = craft_jwt(claims(1), header={"alg": "HS256"})
    assert_json(get_me(server, token), 200, ALICE, allow=ALLOW_RO)


def test_token_for_bob_is_bob(server):
    assert_json(get_me(server, crafted(2)), 200, {"id": 2, "username": "bob"}, allow=ALLOW_RO)


def test_every_401_carries_www_authenticate(server, alice_refresh):
    for r in [server.get(L), get_list(server, "Bearer"), get_list(server, "Bearer garbage"),
              get_list(server, "Bearer " + alice_refresh), get_list(server, "Bearer " + crafted(999999)),
              get_list(server, "Bearer " + crafted(3)), server.post(L, {"title": "x"}),
              server.delete("/api/tasks/1/"), server.options(L)]:
        assert r.status_code == 401, show(r)
        assert r.headers.get("WWW-Authenticate") == 'Bearer realm="api"', show(r)


# ---------------------------------------------------------------- the account, wherever it is read
# On a database server, a read of tasks looks the caller's account up in its own statement
# (docs/decisions/008: one round trip), and the router admits the caller after it. Every form of
# such a read must refuse the same accounts, with the same answer, as a route that looks the
# account up first, whatever the task it names (own, another's, missing, not a number).
def test_every_read_of_tasks_refuses_a_refused_account(server_factory):
    users = (("alice", "alice-password-1", {}), ("bob", "bob-password-1", {}),
             ("ivan", "ivan-password-1", {"inactive": True}), ("carol", "carol-password-1", {}))
    srv = server_factory(users=users)
    alice = srv.login("alice")["access"]
    carol = srv.login("carol")["access"]
    own = srv.create_task(alice, "alice's")["id"]
    carols = srv.create_task(carol, "carol's")["id"]
    for title in ("long", "longer"):  # over 1 MiB: a streamed list
        srv.create_task(alice, title, description="d" * (600 * 1024))
    assert srv.cli("deleteuser", "carol").returncode == 0
    res = srv.cli("changepassword", "alice", "--password-stdin", input="alice-password-2\n")
    assert res.returncode == 0, res.stderr
    refused = [
        (alice, token_invalid()),          # issued before the password change
        (carol, USER_NOT_FOUND),           # deleted
        (crafted(3), USER_INACTIVE),       # ivan
        (crafted(999999), USER_NOT_FOUND),
    ]
    paths = [(L, ALLOW_LIST), (L + "?format=json", ALLOW_LIST), ("/api/tasks.json", ALLOW_LIST),
             (L + "%d/" % own, None), (L + "%d/" % carols, None), (L + "999999/", None),
             (L + "abc/", None), (L + "%d.json" % own, None)]
    for token, body in refused:
        for path, allow in paths:
            r = srv.get(path, token)
            assert r.status_code == 401, (path, body, show(r))
            assert r.json() == body, (path, show(r))
            if allow:
                assert r.headers["Allow"] == allow
            assert srv.head(path, token).status_code == 401, path
    fresh = srv.login("alice", "alice-password-2")["access"]
    r = srv.get(L, fresh)
    assert r.status_code == 200 and [t["title"] for t in r.json()] == ["alice's", "long", "longer"], show(r)
    assert srv.get(L + "%d/" % own, fresh).json()["title"] == "alice's"
    assert srv.get(L + "%d/" % carols, fresh).status_code == 404


# ---------------------------------------------------------------- TASKAPI_AUTH_HEADER_TYPES
# SimpleJWT's AUTH_HEADER_TYPES: the schemes accepted before a token; any other scheme is
# anonymous; a 401's WWW-Authenticate names the first (the login's too).
def test_auth_header_types_accept_each_scheme_and_name_the_first(server_factory):
    srv = server_factory(env={"TASKAPI_AUTH_HEADER_TYPES": "JWT,Bearer"})
    token = srv.login("alice")["access"]
    for scheme in ("JWT", "Bearer"):
        r = srv.get(ME, headers={"Authorization": scheme + " " + token})
        assert_json(r, 200, ALICE, allow=ALLOW_RO)
    for value in ("Token " + token, "jwt " + token, "JWT"):
        r = get_list(srv, value)
        assert r.status_code == 401, show(r)
        assert r.headers["WWW-Authenticate"] == 'JWT realm="api"', show(r)
    assert get_list(srv, "JWT").json() == BAD_AUTH_HEADER
    assert get_list(srv, "Token " + token).json() == NOT_PROVIDED
    r = srv.post("/api/auth/token/", {"username": "alice", "password": "wrong-password"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'JWT realm="api"', show(r)


def test_a_scheme_left_out_of_auth_header_types_is_anonymous(server_factory):
    srv = server_factory(env={"TASKAPI_AUTH_HEADER_TYPES": "JWT"})
    token = srv.login("alice")["access"]
    r = get_list(srv, "Bearer " + token)
    assert r.status_code == 401 and r.json() == NOT_PROVIDED, show(r)
    assert r.headers["WWW-Authenticate"] == 'JWT realm="api"', show(r)
    assert srv.get(ME, headers={"Authorization": "JWT " + token}).status_code == 200
