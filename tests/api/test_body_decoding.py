"""JSON request bodies decoded as DRF's JSONParser decodes them.

- The `charset` parameter of Content-Type decides the decoding, as Python's codecs do it:
  latin-1, cp1252, ascii, utf-8(-sig), utf-16 and utf-32 (with or without -le/-be) under all of
  Python's names for them. A name Python does not know is ignored (UTF-8), as Django ignores it;
  a codec Python has and taskapi does not decode (koi8-r, shift_jis, utf-7...) is 415 with
  DRF's message (decision 001).
- Undecodable bytes are 400 "JSON parse error - " with Python's UnicodeDecodeError text; a
  sequence cut short at the very end of the body is dropped, as Python's stream reader drops it.
- A lone surrogate escape ("\\ud800") is read, and the string field refuses it:
  {"title":["Surrogate characters are not allowed: U+D800."]} (after the length and NUL
  messages), as DRF's CharField does; in a key nobody reads it is harmless.
- JSON nests up to 1,000 levels (DRF: about 940, then 500); deeper is 400 "JSON parse error -".
"""
import json

from apihelpers import (
    ALLOW_LIST, ALLOW_TOKEN, MAX_255, NUL_CHARS, assert_error_prefix, assert_json, assert_task,
    unsupported_media,
)

L = "/api/tasks/"
JSON = "application/json"


def surrogate(code):
    return "Surrogate characters are not allowed: U+%s." % code


def create(server, token, body, ctype):
    return server.post(L, body, token, ctype=ctype)


# ---------------------------------------------------------------------------- charset
def test_the_charset_parameter_decodes_the_body(server, alice):
    body = '{"title": "caf\u00e9 \u20ac", "description": "\U0001F600"}'
    for ctype, encoding in ((JSON + "; charset=utf-16", "utf-16"),
                            (JSON + "; charset=UTF-16BE", "utf-16-be"),
                            (JSON + "; charset=utf-32", "utf-32"),
                            (JSON + ";charset=\"utf-8\"", "utf-8"),
                            (JSON + "; charset=utf-8-sig", "utf-8-sig")):
        assert_task(create(server, alice, body.encode(encoding), ctype), 201,
                    title="caf\u00e9 \u20ac", description="\U0001F600", allow=ALLOW_LIST)
    for ctype in (JSON + "; charset=latin-1", JSON + "; charset=ISO-8859-1",
                  "Application/JSON; CHARSET=l1"):
        r = create(server, alice, '{"title": "caf\u00e9 \u00ff"}'.encode("latin-1"), ctype)
        assert_task(r, 201, title="caf\u00e9 \u00ff", allow=ALLOW_LIST)
    r = create(server, alice, '{"title": "\u20ac \u0160"}'.encode("cp1252"),
               JSON + "; charset=windows-1252")
    assert_task(r, 201, title="\u20ac \u0160", allow=ALLOW_LIST)


def test_the_login_reads_the_charset_too(server):
    r = server.post("/api/auth/token/", '{"username":"alice","password":"alice-password-1"}'
                    .encode("utf-16"), ctype=JSON + "; charset=utf-16")
    assert r.status_code == 200 and set(r.json()) == {"refresh", "access"}, r.content


def test_decoding_errors_are_parse_errors_with_pythons_text(server, alice):
    cases = [
        (JSON, b'{"title":"caf\xe9"}',
         "'utf-8' codec can't decode byte 0xe9 in position 13: invalid continuation byte"),
        (JSON, b'{"title":"\xff"}',
         "'utf-8' codec can't decode byte 0xff in position 10: invalid start byte"),
        (JSON + "; charset=ascii", '{"title":"caf\u00e9"}'.encode(),
         "'ascii' codec can't decode byte 0xc3 in position 13: ordinal not in range(128)"),
        (JSON + "; charset=cp1252", b'{"title":"\x81"}',
         "'charmap' codec can't decode byte 0x81 in position 10: character maps to <undefined>"),
        (JSON + "; charset=utf-16", '{"title":"x"}'.encode("utf-16-le"),
         "UTF-16 stream does not start with BOM"),
        (JSON + "; charset=utf-16le", '{"title":"'.encode("utf-16-le") + b"\x00\xdc",
         "'utf-16-le' codec can't decode bytes in position 20-21: illegal encoding"),
    ]
    for ctype, body, reason in cases:
        assert_json(create(server, alice, body, ctype), 400,
                    {"detail": "JSON parse error - " + reason}, allow=ALLOW_LIST)


def test_a_sequence_cut_short_at_the_end_is_dropped(server, alice):
    r = create(server, alice, b'{"title":"x"}\xf0\x9f\x98', JSON)
    assert_task(r, 201, title="x", allow=ALLOW_LIST)
    r = create(server, alice, '{"title":"x"}'.encode("utf-16") + b"\x00", JSON + "; charset=utf-16")
    assert_task(r, 201, title="x", allow=ALLOW_LIST)


def test_an_unknown_charset_is_ignored(server, alice):
    for name in ("klingon", "", "utf16be", "latin.1"):
        r = create(server, alice, '{"title":"caf\u00e9"}'.encode(), JSON + "; charset=" + name)
        assert_task(r, 201, title="caf\u00e9", allow=ALLOW_LIST)


def test_a_codec_taskapi_does_not_decode_is_unsupported(server, alice):
    before = len(server.get(L, alice).json())
    for ctype in (JSON + "; charset=koi8-r", JSON + "; charset=shift_jis",
                  JSON + "; charset=utf-7", JSON + "; charset=iso-8859-15"):
        assert_json(create(server, alice, b'{"title":"x"}', ctype), 415, unsupported_media(ctype),
                    allow=ALLOW_LIST)
    assert len(server.get(L, alice).json()) == before, "nothing was created"


# ---------------------------------------------------------------------------- surrogates
def test_a_lone_surrogate_is_refused_by_the_field(server, alice):
    cases = [
        (r'{"title":"\ud800"}', {"title": [surrogate("D800")]}),
        (r'{"title":" \udfff x"}', {"title": [surrogate("DFFF")]}),
        (r'{"title":"\ude00\ud83d"}', {"title": [surrogate("DE00")]}),
        (r'{"title":"ok","description":"a\udbffb"}', {"description": [surrogate("DBFF")]}),
        ('{"title":"' + "a" * 255 + r'\u0000\ud800"}',
         {"title": [MAX_255, NUL_CHARS, surrogate("D800")]}),
        (r'{"title":"x","completed":"\ud800"}', {"completed": ["Must be a valid boolean."]}),
    ]
    before = len(server.get(L, alice).json())
    for body, expected in cases:
        assert_json(create(server, alice, body, JSON), 400, expected, allow=ALLOW_LIST)
    assert len(server.get(L, alice).json()) == before, "nothing was created"


def test_surrogate_pairs_and_unread_keys_are_fine(server, alice):
    r = create(server, alice, r'{"title":"\ud83d\ude00","\ud800":1}', JSON)
    assert_task(r, 201, title="\U0001F600", allow=ALLOW_LIST)


def test_the_token_views_refuse_a_lone_surrogate_by_field(server):
    assert_json(server.post("/api/auth/token/", r'{"username":"\ud800","password":"x"}'), 400,
                {"username": [surrogate("D800")]}, allow=ALLOW_TOKEN)
    assert_json(server.post("/api/auth/token/refresh/", r'{"refresh":"a\udc00"}'), 400,
                {"refresh": [surrogate("DC00")]}, allow=ALLOW_TOKEN)


# ---------------------------------------------------------------------------- nesting
def nested(depth):
    return "[" * depth + "]" * depth


def test_deep_json_is_read_up_to_a_thousand_levels(server, alice):
    for depth in (33, 500, 999):
        body = '{"title":"deep","extra":%s}' % nested(depth)   # depth + 1 levels in all
        assert_task(create(server, alice, body, JSON), 201, title="deep", allow=ALLOW_LIST)
    body = '{"title":"deep","extra":%s}' % nested(1000)
    assert_json(create(server, alice, body, JSON), 400, {"detail": "JSON parse error - too deep"},
                allow=ALLOW_LIST)
    assert_error_prefix(create(server, alice, nested(100000), JSON), 400, "JSON parse error - ",
                        allow=ALLOW_LIST)
    r = server.post("/api/auth/token/", json.dumps(
        {"username": "alice", "password": "alice-password-1", "x": json.loads(nested(200))}))
    assert r.status_code == 200, r.content
