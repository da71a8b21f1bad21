"""RFC 8725 (JWT best current practice) against the real server.

Every forged, tampered or malformed token is refused with the exact SimpleJWT body; only a token
that is HS256-signed with the server's key, well formed and in time is accepted. Protected routes
answer 401 {"detail":"Given token not valid for any token type","code":"token_not_valid",
"messages":[{... "message":"Token is invalid or expired"}]} (or one of the other messages of
API.md); /api/auth/token/refresh/ answers {"detail":"<message>","code":"token_not_valid"}.
"""
import hashlib
import hmac
import json
import time
import uuid

import pytest

from advhelpers import Conn, HEADERS_TOO_LARGE, assert_answer_json, b64url, request_bytes
from apihelpers import (
    ALLOW_RO, ALLOW_TOKEN, LOGIN_FAILED, NO_EXP, NO_USER_ID, NOT_PROVIDED, REFRESH_INVALID,
    REFRESH_WRONG_TYPE, SECRET_KEY, USER_INACTIVE, USER_NOT_FOUND, WRONG_TYPE, assert_json,
    b64url_decode, claims, show, token_invalid,
)

# ivan (id 3) is inactive; dave (id 4) is removed by a test; erin (id 5) stays
EXTRA_USERS = [
    ("ivan", "ivan-password-1", {"inactive": True}),
    ("dave", "dave-password-1", {}),
    ("erin", "erin-password-1", {}),
]
SERVER_ENV = {"TASKAPI_LOGIN_RATE_PER_ADDRESS": "off",
              "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS": "off",
              "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME": "off"}

ME = "/api/me/"
REFRESH = "/api/auth/token/refresh/"
ALICE = {"id": 1, "username": "alice"}
INVALID = token_invalid()
HS256_HEADER = {"alg": "HS256", "typ": "JWT"}
ATTACKER_KEY = "attacker-chosen-key-attacker-chosen-key-0123456789"


# ---------------------------------------------------------------------------- crafting
def enc(part):
    """A header or payload segment: dicts as compact JSON, str/bytes as given (raw JSON text)."""
    if isinstance(part, dict):
        part = json.dumps(part, separators=(",", ":"))
    if isinstance(part, str):
        part = part.encode("utf-8")
    return b64url(part)


def sign(header, payload, key=SECRET_KEY, digest=hashlib.sha256):
    signing_input = enc(header) + "." + enc(payload)
    mac = hmac.new(key.encode() if isinstance(key, str) else key, signing_input.encode(), digest)
    return signing_input + "." + b64url(mac.digest())


def unsigned(header, payload, signature=""):
    return enc(header) + "." + enc(payload) + "." + signature


def refresh_claims(user_id=1, **extra):
    return claims(user_id, "refresh", 86400, **extra)


def good(user_id=1, **extra):
    return sign(HS256_HEADER, claims(user_id, **extra))


def me(server, token):
    return server.get(ME, headers={"Authorization": "Bearer " + token})


def refresh(server, token):
    return server.post(REFRESH, {"refresh": token})


def assert_me_invalid(server, token, body=INVALID):
    assert_json(me(server, token), 401, body, allow=ALLOW_RO)


def assert_refresh_invalid(server, token, body=REFRESH_INVALID):
    assert_json(refresh(server, token), 401, body, allow=ALLOW_TOKEN)


def assert_me_ok(server, token, body=ALICE):
    assert_json(me(server, token), 200, body, allow=ALLOW_RO)


def test_sanity_a_crafted_token_is_accepted(server):
    assert_me_ok(server, good())
    r = refresh(server, sign(HS256_HEADER, refresh_claims()))
    assert r.status_code == 200 and list(r.json()) == ["access"], show(r)


# ---------------------------------------------------------------------------- alg
NONE_SPELLINGS = ["none", "None", "NONE", "nOnE"]


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
@pytest.mark.parametrize("signature", ["empty", "hs256", "garbage"])
def test_alg_none_is_refused(server, alg, signature):
    header = {"alg": alg, "typ": "JWT"}
    payload = claims()
    if signature == "empty":
        token = unsigned(header, payload)
    elif signature == "hs256":
        token = sign(header, payload)           # a valid HMAC over the none header
    else:
        token = unsigned(header, payload, b64url(b"not a signature"))
    assert_me_invalid(server, token)


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
def test_alg_none_refresh_is_refused(server, alg):
    assert_refresh_invalid(server, unsigned({"alg": alg, "typ": "JWT"}, refresh_claims()))
    assert_refresh_invalid(server, sign({"alg": alg, "typ": "JWT"}, refresh_claims()))


@pytest.mark.parametrize("alg,digest", [("HS384", hashlib.sha384), ("HS512", hashlib.sha512)])
def test_other_hmac_algorithms_with_the_right_key_are_refused(server, alg, digest):
    token = sign({"alg": alg, "typ": "JWT"}, claims(), digest=digest)
    assert_me_invalid(server, token)
    assert_refresh_invalid(server, sign({"alg": alg, "typ": "JWT"}, refresh_claims(), digest=digest))


@pytest.mark.parametrize("alg", ["RS256", "RS512", "ES256", "PS256", "EdDSA"])
def test_asymmetric_header_with_the_key_as_hmac_secret_is_refused(server, alg):
    # algorithm confusion: the key used as an HMAC secret under an asymmetric alg
    for digest in (hashlib.sha256, hashlib.sha512):
        assert_me_invalid(server, sign({"alg": alg, "typ": "JWT"}, claims(), digest=digest))


@pytest.mark.parametrize("header", [
    {"typ": "JWT"},                              # no alg
    {"alg": "", "typ": "JWT"},
    {"alg": None, "typ": "JWT"},
    {"alg": ["HS256"], "typ": "JWT"},
    {"alg": {"name": "HS256"}, "typ": "JWT"},
    {"alg": 256, "typ": "JWT"},
    {"alg": "hs256", "typ": "JWT"},
    {"alg": "HS256 ", "typ": "JWT"},
    {"alg": "HS256\u0000", "typ": "JWT"},
    {"alg": "HS2560", "typ": "JWT"},
], ids=lambda h: repr(h.get("alg", "<absent>")))
def test_odd_alg_values_are_refused_even_when_hs256_signed(server, header):
    assert_me_invalid(server, sign(header, claims()))


# ---------------------------------------------------------------------------- header parameters
@pytest.mark.parametrize("kid", ["key-1", "", "../../../../dev/null", "' OR '1'='1", "x" * 200])
def test_string_kid_is_harmless(server, kid):
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    assert_me_ok(server, sign(header, claims()))
    # ... and does not select another key: the classic kid=/dev/null attack signs with ""
    assert_me_invalid(server, sign(header, claims(), key=b""))
    assert_me_invalid(server, sign(header, claims(), key=ATTACKER_KEY))


@pytest.mark.parametrize("kid", [1, 0, None, True, [], ["key-1"], {}, {"k": "v"}, 1.5],
                         ids=repr)
def test_non_string_kid_is_refused(server, kid):
    assert_me_invalid(server, sign({"alg": "HS256", "typ": "JWT", "kid": kid}, claims()))
    assert_refresh_invalid(server, sign({"alg": "HS256", "typ": "JWT", "kid": kid}, refresh_claims()))


JWK = {"kty": "oct", "k": b64url(ATTACKER_KEY.encode())}


@pytest.mark.parametrize("name,value", [
    ("jku", "http://127.0.0.1:9/jwks.json"),
    ("x5u", "http://127.0.0.1:9/cert.pem"),
    ("jwk", JWK),
    ("x5c", ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]),
    ("x5t", "dGh1bWJwcmludA"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 5 else None)
def test_key_location_headers_never_choose_the_key(server, name, value):
    header = {"alg": "HS256", "typ": "JWT", name: value}
    # signed with the attacker's key (the one jku/x5u/jwk would point at): refused
    assert_me_invalid(server, sign(header, claims(), key=ATTACKER_KEY))
    assert_refresh_invalid(server, sign(header, refresh_claims(), key=ATTACKER_KEY))
    # signed with the server's key: the parameter is ignored (never fetched) and the token is good
    assert_me_ok(server, sign(header, claims()))


@pytest.mark.parametrize("crit_header", [
    {"alg": "HS256", "typ": "JWT", "crit": ["exp"]},
    {"alg": "HS256", "typ": "JWT", "crit": ["b64"], "b64": False},
    {"alg": "HS256", "typ": "JWT", "crit": ["urn:example:unknown"], "urn:example:unknown": 1},
    {"alg": "HS256", "typ": "JWT", "crit": []},
    {"alg": "HS256", "typ": "JWT", "crit": "exp"},
    {"alg": "HS256", "typ": "JWT", "crit": None},
], ids=lambda h: repr(h["crit"]))
def test_crit_header_is_refused(server, crit_header):
    assert_me_invalid(server, sign(crit_header, claims()))
    assert_refresh_invalid(server, sign(crit_header, refresh_claims()))


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+jwt", "application/at+jwt", "JOSE", None],
                         ids=lambda t: "absent" if t is None else t)
def test_typ_is_informational(server, typ):
    header = {"alg": "HS256"} if typ is None else {"alg": "HS256", "typ": typ}
    assert_me_ok(server, sign(header, claims()))
    r = refresh(server, sign(header, refresh_claims()))
    assert r.status_code == 200 and list(r.json()) == ["access"], show(r)


@pytest.mark.parametrize("header_text", [
    "[]", "null", '"HS256"', "1", "", "{", '{"alg":"HS256"}x', '\ufeff{"alg":"HS256"}',
    '{"alg":"HS256",}', "{'alg':'HS256'}", '{"alg":"HS256","typ":"JWT"' + ' ' * 3,
    '{"alg":"HS256","a":' + "[" * 5000 + "]" * 5000 + "}",
])
def test_malformed_header_json_is_refused(server, header_text):
    assert_me_invalid(server, sign(header_text, claims()))


@pytest.mark.parametrize("payload_text", [
    "[]", "null", '"x"', "1", "", "{", "{}x", '{"exp":NaN}', '{"exp":Infinity}',
    b'{"token_type":"access","user_id":1,"x":"\xff"}',
    '{"a":' + "[" * 5000 + "]" * 5000 + "}",
])
def test_malformed_payload_json_is_refused(server, payload_text):
    assert_me_invalid(server, sign(HS256_HEADER, payload_text))


def test_payload_without_any_claim(server):
    # {} is a valid JSON object, signed: SimpleJWT's first missing-claim check is exp
    assert_me_invalid(server, sign(HS256_HEADER, {}), token_invalid(NO_EXP))


# ---------------------------------------------------------------------------- tampering
def flip_bit(segment, index, bit=0):
    raw = bytearray(b64url_decode(segment))
    raw[index] ^= 1 << bit
    return b64url(bytes(raw))


@pytest.fixture(scope="module")
def issued(server):
    """A real pair from the server (alice)."""
    return server.login("alice")


@pytest.mark.parametrize("segment", [0, 1, 2], ids=["header", "payload", "signature"])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_one_bit_flipped_is_refused(server, issued, segment, where):
    for kind in ("access", "refresh"):
        parts = issued[kind].split(".")
        n = len(b64url_decode(parts[segment]))
        index = {"first": 0, "middle": n // 2, "last": n - 1}[where]
        for bit in (0, 5):
            forged = list(parts)
            forged[segment] = flip_bit(parts[segment], index, bit)
            token = ".".join(forged)
            if kind == "access":
                assert_me_invalid(server, token)
            else:
                assert_refresh_invalid(server, token)
    assert_me_ok(server, issued["access"])


def test_payload_swapped_to_another_user_is_refused(server, issued):
    h, p, s = issued["access"].split(".")
    payload = json.loads(b64url_decode(p))
    payload["user_id"] = 2
    assert_me_invalid(server, ".".join([h, enc(payload), s]))
    # the same claims re-serialized (different bytes, same meaning) are refused too
    payload["user_id"] = 1
    assert_me_invalid(server, ".".join([h, b64url(json.dumps(payload).encode()), s]))


def test_signature_of_another_token_is_refused(server, issued):
    other = server.login("bob")["access"]
    h, p, _ = issued["access"].split(".")
    assert_me_invalid(server, ".".join([h, p, other.split(".")[2]]))


def test_signature_with_another_key_is_refused(server):
    for key in (ATTACKER_KEY, SECRET_KEY[:-1], SECRET_KEY + "x", SECRET_KEY.upper(), ""):
        assert_me_invalid(server, sign(HS256_HEADER, claims(), key=key))


# ---------------------------------------------------------------------------- shape of the token
def shapes(token):
    h, p, s = token.split(".")
    return {
        "drop-last-char": token[:-1],
        "drop-signature": h + "." + p,
        "empty-signature": h + "." + p + ".",
        "half-signature": h + "." + p + "." + s[:21],
        "signature-twice": h + "." + p + "." + s + s,
        "four-segments": token + "." + s,
        "four-segments-empty": token + ".",
        "leading-dot": "." + token,
        "empty-header": "." + p + "." + s,
        "empty-payload": h + ".." + s,
        "only-dots": "..",
        "three-dots": "...",
        "one-segment": h,
        "header-only-dot": h + ".",
        "swapped-segments": p + "." + h + "." + s,
        "double-dot": h + ".." + p + "." + s,
    }


@pytest.mark.parametrize("shape", list(shapes("a.b.c")))
def test_truncated_and_extra_segments_are_refused(server, issued, shape):
    assert_me_invalid(server, shapes(issued["access"])[shape])
    assert_refresh_invalid(server, shapes(issued["refresh"])[shape])


def token_with_urlsafe_chars():
    """A good token whose signature contains '-' or '_' (so that '+' or '/' can stand for them)."""
    for _ in range(200):
        token = good()
        sig = token.split(".")[2]
        if "-" in sig or "_" in sig:
            return token
    raise AssertionError("no signature with - or _ in 200 tries")


def test_standard_base64_alphabet_is_refused(server):
    token = token_with_urlsafe_chars()
    assert_me_ok(server, token)
    h, p, s = token.split(".")
    assert_me_invalid(server, ".".join([h, p, s.replace("-", "+").replace("_", "/")]))


@pytest.mark.parametrize("where", ["header", "payload", "signature"])
@pytest.mark.parametrize("padding", ["=", "==", "==="])
def test_base64_padding_is_refused(server, where, padding):
    parts = good().split(".")
    i = ["header", "payload", "signature"].index(where)
    parts[i] += padding
    assert_me_invalid(server, ".".join(parts))


def test_padded_segments_that_decode_the_same_are_refused(server):
    # a payload whose length is not a multiple of 3 has a padded standard form; HMAC over the
    # padded text is valid, but the padding itself is refused
    import base64
    for k in range(3):
        payload = json.dumps(claims(x="a" * k), separators=(",", ":")).encode()
        if len(payload) % 3:
            break
    padded = base64.urlsafe_b64encode(payload).decode()
    assert padded.endswith("=")
    signing_input = enc(HS256_HEADER) + "." + padded
    sig = b64url(hmac.new(SECRET_KEY.encode(), signing_input.encode(), hashlib.sha256).digest())
    assert_me_invalid(server, signing_input + "." + sig)


def test_non_canonical_trailing_bits_are_refused(server):
    # The last character of a 43-character signature carries 2 unused bits; setting them gives
    # another text for the same bytes (a "malleable" token), refused (decision 001, item 9).
    token = good()
    h, p, s = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(s[-1])
    assert last & 3 == 0
    forged = s[:-1] + alphabet[last | 1]
    assert b64url_decode(forged) == b64url_decode(s)
    assert_me_invalid(server, ".".join([h, p, forged]))


@pytest.mark.parametrize("char", ["!", "*", "~", "%2E", "%", "$", "\\", '"', "'", "<", ";", ","])
@pytest.mark.parametrize("where", [0, 1, 2])
def test_non_base64url_characters_are_refused(server, char, where):
    parts = good().split(".")
    mid = len(parts[where]) // 2
    parts[where] = parts[where][:mid] + char + parts[where][mid:]
    assert_me_invalid(server, ".".join(parts))


def test_non_ascii_bytes_in_token_are_refused(server):
    parts = good().split(".")
    token = (parts[0] + "." + parts[1] + "\xe9." + parts[2]).encode("latin-1")
    with Conn(server.port) as c:
        c.send(b"GET /api/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
               + b"\r\nConnection: close\r\n\r\n")
        a = c.answer()
    assert_answer_json(a, 401, INVALID)


def test_whitespace_inside_the_token_is_two_values(server):
    # "h.p .s" is two space-delimited values: the header shape error, not a token error
    parts = good().split(".")
    r = server.get(ME, headers={"Authorization": "Bearer " + parts[0] + "." + parts[1] + " ." + parts[2]})
    assert_json(r, 401, {"detail": "Authorization header must contain two space-delimited values",
                         "code": "bad_authorization_header"}, allow=ALLOW_RO)


# ---------------------------------------------------------------------------- huge tokens
def test_10kb_token_is_401(server):
    # properly signed, but far beyond any token the server mints
    token = good(pad="p" * 10 * 1024)
    assert 10 * 1024 < len(token) < 16 * 1024
    assert_me_invalid(server, token)
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(pad="p" * 10 * 1024)))
    assert_me_invalid(server, "A" * 10 * 1024)


def test_100kb_token_is_431_or_closed(server):
    token = good(pad="p" * 100 * 1024)
    with Conn(server.port) as c:
        c.send(request_bytes("GET", ME, [("Authorization", "Bearer " + token)]))
        if c.wait_closed(10) and not c.buffer:
            return  # closed without an answer: allowed
        a = c.answer()
        assert_answer_json(a, 431, HEADERS_TOO_LARGE)
        assert c.wait_closed(10), "connection not closed after 431"


def test_100kb_refresh_body_is_401(server):
    # in the body the header limit does not apply: the token is simply invalid
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(pad="p" * 100 * 1024)))


# ---------------------------------------------------------------------------- token types
def test_access_used_as_refresh_is_wrong_type(server, issued):
    assert_refresh_invalid(server, issued["access"], REFRESH_WRONG_TYPE)


def test_refresh_used_as_access_is_wrong_type(server, issued):
    assert_me_invalid(server, issued["refresh"], token_invalid(WRONG_TYPE))


@pytest.mark.parametrize("token_type", ["", "ACCESS", "Access", "access ", "id", None, 1, ["access"],
                                        {"t": "access"}, True], ids=repr)
def test_odd_token_types_are_wrong_type(server, token_type):
    assert_me_invalid(server, sign(HS256_HEADER, claims(token_type=token_type)),
                      token_invalid(WRONG_TYPE))


# ---------------------------------------------------------------------------- time claims
# Not NumericDates (RFC 7519 2: a JSON number): refused as invalid. PyJWT 2 reads some of them
# with int() (a boolean iat or nbf, a digit string nbf is accepted) and SimpleJWT fails with 500
# on others (a digit string exp or iat, null, a list); taskapi refuses them all (decision 001).
NOT_NUMERIC_DATES = {
    "digits-string": lambda now: str(now),
    "text": lambda now: "tomorrow",
    "empty-string": lambda now: "",
    "null": lambda now: None,
    "true": lambda now: True,
    "false": lambda now: False,
    "list": lambda now: [now],
    "object": lambda now: {"t": now},
}


@pytest.mark.parametrize("kind", list(NOT_NUMERIC_DATES))
@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_time_claims_that_are_not_numbers_are_refused(server, kind, claim):
    now = int(time.time())
    value = NOT_NUMERIC_DATES[kind](now + 300 if claim == "exp" else now - 600)
    assert_me_invalid(server, sign(HS256_HEADER, claims(**{claim: value})))
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(**{claim: value})))


def raw_claims(exp, iat=None, extra=""):
    """Access claims as JSON text, so that numbers are written exactly as given."""
    iat = int(time.time()) if iat is None else iat
    return ('{"token_type":"access","exp":%s,"iat":%s,"jti":"%s","user_id":1%s}'
            % (exp, iat, uuid.uuid4().hex, extra))


def test_numeric_dates_with_a_fraction_or_an_exponent_are_accepted(server):
    # RFC 7519 2: a NumericDate may be non-integer; PyJWT 2 accepts them
    now = int(time.time())
    for exp in ("%d.5" % (now + 300), "%d.0" % (now + 300), "1e10", "1E10", "9.9e9",
                "%de-1" % ((now + 300) * 10)):
        assert_me_ok(server, sign(HS256_HEADER, raw_claims(exp)))
    assert_me_ok(server, sign(HS256_HEADER, raw_claims(now + 300, "%d.5" % (now - 600))))
    assert_me_ok(server, sign(HS256_HEADER, raw_claims(now + 300, "1e9", ',"nbf":%d.9' % (now - 10))))
    r = refresh(server, sign(HS256_HEADER, refresh_claims(exp=now + 86400.5, iat=now - 10.25)))
    assert r.status_code == 200, show(r)


def test_exp_and_nbf_are_cut_to_whole_seconds_as_pyjwt_does(server):
    now = int(time.time())
    # int(exp) is now: expired within this second already (PyJWT: int(exp) <= now)
    assert_me_invalid(server, sign(HS256_HEADER, raw_claims("%d.9" % now)))
    # int(nbf) is now: valid within this second already
    assert_me_ok(server, sign(HS256_HEADER, raw_claims(now + 300, now, ',"nbf":%d.9' % now)))


def test_exp_from_the_year_10000_is_refused(server):
    # SimpleJWT turns exp into a datetime, which fails with 500 from the year 10000 on
    for exp in ("253402300800", "1e12", "1e308", "%d" % (2 ** 64 + 5), "%d" % 10 ** 30):
        assert_me_invalid(server, sign(HS256_HEADER, raw_claims(exp)))
    assert_me_ok(server, sign(HS256_HEADER, raw_claims("253402300799")))


@pytest.mark.parametrize("iat", ["-1e308", "%d" % -(2 ** 64), "-100", "0.5", "-0.0"])
def test_iat_far_in_the_past_is_accepted(server, iat):
    assert_me_ok(server, sign(HS256_HEADER, raw_claims(int(time.time()) + 300, iat)))


def test_iat_in_the_future_is_refused(server):
    now = int(time.time())
    assert_me_invalid(server, sign(HS256_HEADER, claims(iat=now + 3600)))
    for iat in ("%d.5" % (now + 3600), "1e10", "1e308"):
        assert_me_invalid(server, sign(HS256_HEADER, raw_claims(now + 300, iat)))


def test_exp_equal_to_now_is_expired(server):
    now = int(time.time())
    assert_me_invalid(server, sign(HS256_HEADER, claims(exp=now)))
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(exp=now)))


@pytest.mark.parametrize("exp_offset", [-1, -300, -86400 * 365 * 60, -0.5, -300.25])
def test_exp_in_the_past_is_expired(server, exp_offset):
    assert_me_invalid(server, sign(HS256_HEADER, claims(exp=int(time.time()) + exp_offset)))


@pytest.mark.parametrize("exp", [0, -1, -(2 ** 63), -(2 ** 64), -1e308, 0.5])
def test_exp_at_or_before_the_epoch_is_expired(server, exp):
    assert_me_invalid(server, sign(HS256_HEADER, claims(exp=exp)))


@pytest.mark.parametrize("nbf", ["future", "float-future", "huge"])
def test_nbf_in_the_future_is_refused(server, nbf):
    now = int(time.time())
    value = {"future": now + 3600, "float-future": now + 3600.5, "huge": 1e308}[nbf]
    assert_me_invalid(server, sign(HS256_HEADER, claims(nbf=value)))
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(nbf=value)))


def test_nbf_in_the_past_is_accepted(server):
    now = int(time.time())
    for nbf in (now - 10, now - 10.5, -1e308):
        assert_me_ok(server, sign(HS256_HEADER, claims(nbf=nbf)))


def access_payload(r):
    assert r.status_code == 200, show(r)
    text = b64url_decode(r.json()["access"].split(".")[1])
    return json.loads(text), text


def test_refresh_copies_the_claims_as_simplejwt(server):
    # SimpleJWT 5.2: the new access token has a new exp and jti; iat and every other claim of
    # the refresh token are copied as they are, in its order, written as PyJWT writes them
    iat = int(time.time()) - 1000.5
    r = refresh(server, sign(HS256_HEADER, refresh_claims(iat=iat, nbf=1e9, scope=["r\u00e9ad", 2.0])))
    payload, text = access_payload(r)
    assert list(payload) == ["token_type", "exp", "iat", "jti", "user_id", "nbf", "scope"], payload
    assert payload["iat"] == iat and type(payload["iat"]) is float, payload
    assert b'"nbf":1000000000.0,"scope":["r\\u00e9ad",2.0]}' in text, text
    assert_me_ok(server, r.json()["access"])
    # an integer iat stays an integer
    payload, _ = access_payload(refresh(server, sign(HS256_HEADER, refresh_claims(iat=int(iat)))))
    assert payload["iat"] == int(iat) and type(payload["iat"]) is int, payload


def test_refresh_without_iat_makes_an_access_token_issued_now(server):
    before = int(time.time())
    payload, _ = access_payload(refresh(server, sign(HS256_HEADER, refresh_claims(drop=("iat",)))))
    assert before <= payload["iat"] <= int(time.time()), payload
    assert list(payload) == ["token_type", "exp", "iat", "jti", "user_id"], payload


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "01",
                                 "0x10", "+1"])
@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_non_json_numbers_in_time_claims_are_refused(server, raw, claim):
    now = int(time.time())
    text = ('{"token_type":"access","exp":%d,"iat":%d,"jti":"%s","user_id":1}'
            % (now + 300, now, uuid.uuid4().hex))
    if claim == "nbf":
        text = text[:-1] + ',"nbf":%s}' % raw
    else:
        text = text.replace('"%s":%d' % (claim, now + 300 if claim == "exp" else now),
                            '"%s":%s' % (claim, raw))
    assert raw in text
    assert_me_invalid(server, sign(HS256_HEADER, text))


def test_missing_exp(server):
    assert_me_invalid(server, sign(HS256_HEADER, claims(drop=("exp",))), token_invalid(NO_EXP))
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(drop=("exp",))),
                           {"detail": NO_EXP, "code": "token_not_valid"})


def test_missing_iat_is_accepted(server):
    # iat is informational for SimpleJWT: an otherwise good access token without it is accepted
    assert_me_ok(server, sign(HS256_HEADER, claims(drop=("iat",))))



# ---------------------------------------------------------------------------- user_id
def test_removed_user(server):
    tokens = server.login("dave")
    assert_me_ok(server, tokens["access"], {"id": 4, "username": "dave"})
    res = server.cli("deleteuser", "dave")
    assert res.returncode == 0, res.stdout + res.stderr
    assert_me_invalid(server, tokens["access"], USER_NOT_FOUND)
    assert_me_invalid(server, good(4), USER_NOT_FOUND)
    assert_refresh_invalid(server, tokens["refresh"])
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(4)))
    assert_json(server.post("/api/auth/token/", {"username": "dave", "password": "dave-password-1"}),
                401, LOGIN_FAILED, allow=ALLOW_TOKEN)
    # a task URL under the removed user's token tells nothing either
    r = server.get("/api/tasks/", tokens["access"])
    assert_json(r, 401, USER_NOT_FOUND)


def test_inactive_user(server):
    assert_me_invalid(server, good(3), USER_INACTIVE)
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(3)))
    assert_json(server.get("/api/tasks/", good(3)), 401, USER_INACTIVE)


@pytest.mark.parametrize("user_id", [
    "abc", "", " ", "1abc", "abc1", "0x1", "1e0", "1.0", "1 OR 1=1", "1; DROP TABLE users",
    "\u0661", "\uff11", "99999999999999999999", "-99999999999999999999",
    1.0, 1.5, -1.5, 1e308, True, False, [1], [], {"id": 1}, {},
    2 ** 63, 2 ** 64, -(2 ** 63) - 1, 10 ** 30,
], ids=repr)
def test_unusable_user_id(server, user_id):
    assert_me_invalid(server, good(user_id), NO_USER_ID)
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(user_id)), NO_USER_ID)


@pytest.mark.parametrize("user_id", [0, -1, -(2 ** 63), 2 ** 63 - 1, 999999, None], ids=repr)
def test_user_id_of_nobody(server, user_id):
    assert_me_invalid(server, good(user_id), USER_NOT_FOUND)
    assert_refresh_invalid(server, sign(HS256_HEADER, refresh_claims(user_id)))


def test_user_id_of_another_user_needs_the_key(server):
    assert_me_ok(server, good(5), {"id": 5, "username": "erin"})
    assert_me_invalid(server, sign(HS256_HEADER, claims(5), key=ATTACKER_KEY))


# ---------------------------------------------------------------------------- token transport
def test_token_in_query_or_cookie_is_not_a_credential(server, issued):
    token = issued["access"]
    for r in (server.get(ME + "?access_token=" + token),
              server.get(ME + "?token=" + token),
              server.get(ME, headers={"Cookie": "access=" + token + "; token=" + token}),
              server.get(ME, headers={"X-Authorization": "Bearer " + token}),
              server.get(ME, headers={"Authentication": "Bearer " + token})):
        assert_json(r, 401, NOT_PROVIDED, allow=ALLOW_RO)


def test_two_authorization_headers(server, issued):
    # a good and a forged Authorization header: never authenticated as the forged one's user
    forged = unsigned({"alg": "none"}, claims(2))
    with Conn(server.port) as c:
        c.send(request_bytes("GET", ME, [("Authorization", "Bearer " + forged),
                                         ("Authorization", "Bearer " + issued["access"]),
                                         ("Connection", "close")]))
        a = c.answer()
    assert a.status in (400, 401), a
    assert b'"username":"bob"' not in a.body, a
