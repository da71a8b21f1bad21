"""Token lifetimes from the settings: short lifetimes, real expiry (sleeps about 4-5 s in total)."""
import time

from apihelpers import (
    ALLOW_LIST, ALLOW_RO, ALLOW_TOKEN, REFRESH_INVALID, assert_json, check_token_shape, crafted,
    decode_jwt, show, token_invalid,
)

ACCESS_LIFETIME = 2
REFRESH_LIFETIME = 4
SERVER_ENV = {
    "TASKAPI_ACCESS_TOKEN_LIFETIME": str(ACCESS_LIFETIME),
    "TASKAPI_REFRESH_TOKEN_LIFETIME": str(REFRESH_LIFETIME),
}

R = "/api/auth/token/refresh/"


def wait_past(exp):
    """Sleep until the wall clock is past `exp` (integer seconds): the token is then expired."""
    delay = exp + 0.2 - time.time()
    if delay > 0:
        time.sleep(delay)


def test_tokens_expire(server):
    tokens = server.login("alice")
    ap = check_token_shape(tokens["access"], "access", 1, ACCESS_LIFETIME)
    rp = check_token_shape(tokens["refresh"], "refresh", 1, REFRESH_LIFETIME)

    # valid right away (an access token minted now lives at least ACCESS_LIFETIME - 1 s)
    assert_json(server.get("/api/me/", tokens["access"]), 200, {"id": 1, "username": "alice"}, allow=ALLOW_RO)
    r = server.post(R, {"refresh": tokens["refresh"]})
    assert r.status_code == 200, show(r)
    p = check_token_shape(r.json()["access"], "access", 1)
    assert p["iat"] == rp["iat"]
    assert abs(p["exp"] - (int(time.time()) + ACCESS_LIFETIME)) <= 2

    # the first access token expires; the refresh token still works
    wait_past(ap["exp"])
    assert_json(server.get("/api/tasks/", tokens["access"]), 401, token_invalid(), allow=ALLOW_LIST)
    assert_json(server.get("/api/health/", tokens["access"]), 401, token_invalid(), allow=ALLOW_RO)
    assert time.time() < rp["exp"] - 0.3, "test machine too slow for the refresh window"
    r = server.post(R, {"refresh": tokens["refresh"]})
    assert r.status_code == 200, show(r)
    fresh = r.json()["access"]
    assert decode_jwt(fresh)[1]["iat"] == rp["iat"]
    assert server.get("/api/me/", fresh).status_code == 200

    # then the refresh token expires too
    wait_past(rp["exp"])
    assert_json(server.post(R, {"refresh": tokens["refresh"]}), 401, REFRESH_INVALID, allow=ALLOW_TOKEN)


def test_lifetimes_only_affect_minting(server):
    # a (crafted) token with a longer lifetime is still accepted: exp is what counts
    assert server.get("/api/me/", crafted(1, lifetime=300)).status_code == 200
    assert server.post(R, {"refresh": crafted(1, "refresh", 86400)}).status_code == 200
