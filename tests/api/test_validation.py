"""Validation of task bodies and body parsing (contract.txt [081]-[131] and API.md "Errors")."""
import pytest

from apihelpers import (
    ALLOW_DETAIL, ALLOW_LIST, BLANK, MAX_255, NO_DATA, NOT_BOOL, NOT_STRING, NUL_CHARS, NULL, REQUIRED,
    assert_error_prefix, assert_json, assert_task, expected_dict, show, unsupported_media,
)

L = "/api/tasks/"
FORM = "application/x-www-form-urlencoded"

TRUE_SPELLINGS = [True, 1, "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON",
                  "t", "T", "y", "Y", "1"]
FALSE_SPELLINGS = [False, 0, "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF",
                   "f", "F", "n", "N", "0"]
INVALID_BOOLEANS = [2, -1, "tRuE", "maybe", "", "null", "2", " true", [], {}, ["true"]]


def create(server, token, body, ctype="application/json"):
    return server.post(L, body, token, ctype=ctype)


# ---------------------------------------------------------------- title / description strings
@pytest.mark.parametrize("body,expected", [
    ({"description": "no title"}, {"title": [REQUIRED]}),
    ({}, {"title": [REQUIRED]}),
    ({"title": ""}, {"title": [BLANK]}),
    ({"title": "   "}, {"title": [BLANK]}),
    ({"title": "\n\t "}, {"title": [BLANK]}),
    ({"title": None}, {"title": [NULL]}),
    ({"title": True}, {"title": [NOT_STRING]}),
    ({"title": False}, {"title": [NOT_STRING]}),
    ({"title": {"a": 1}}, {"title": [NOT_STRING]}),
    ({"title": ["a"]}, {"title": [NOT_STRING]}),
    ({"title": "x" * 256}, {"title": [MAX_255]}),
    ({"title": "\u00e9" * 256}, {"title": [MAX_255]}),
    ({"title": "\U0001F600" * 256}, {"title": [MAX_255]}),
    ({"title": "a\u0000b"}, {"title": [NUL_CHARS]}),
    ({"title": "a", "description": "x\u0000y"}, {"description": [NUL_CHARS]}),
    ({"title": "d null", "description": None}, {"description": [NULL]}),
    ({"title": "d obj", "description": {}}, {"description": [NOT_STRING]}),
    ({"title": "d bool", "description": True}, {"description": [NOT_STRING]}),
    ({"title": "c null", "completed": None}, {"completed": [NULL]}),
])
def test_create_invalid(server, alice, body, expected):
    assert_json(create(server, alice, body), 400, expected, allow=ALLOW_LIST)


def test_title_256_ascii_length(server, alice):
    r = create(server, alice, {"title": "x" * 256})
    assert_json(r, 400, {"title": [MAX_255]}, allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == "64"


@pytest.mark.parametrize("title", ["y" * 255, "\u00e9" * 255, "\U0001F600" * 255, "\u65e5" * 255])
def test_title_255_characters_accepted(server, alice, title):
    # max_length counts characters (code points), not bytes
    assert_task(create(server, alice, {"title": title}), 201, title=title, allow=ALLOW_LIST)


def test_title_trimmed(server, alice):
    assert_task(create(server, alice, {"title": "  padded  "}), 201, title="padded")
    assert_task(create(server, alice, {"title": "\n\ta  b\r\n"}), 201, title="a  b")


def test_title_255_after_trimming(server, alice):
    title = "z" * 255
    assert_task(create(server, alice, {"title": "   " + title + "   "}), 201, title=title)


def test_description_trimmed(server, alice):
    assert_task(create(server, alice, {"title": "a", "description": "  x  "}), 201, title="a", description="x")
    assert_task(create(server, alice, {"title": "a", "description": "   "}), 201, title="a", description="")


def test_description_long(server, alice):
    desc = "long " * 2000
    assert_task(create(server, alice, {"title": "long", "description": desc}), 201, title="long",
                description=desc.strip())


def test_unicode_raw_utf8(server, alice):
    title, desc = "caf\u00e9 \u2713 \u65e5\u672c \U0001F600", "\u00fcml\u00e4ut"
    r = create(server, alice, {"title": title, "description": desc})
    assert_task(r, 201, title=title, description=desc)
    assert title.encode("utf-8") in r.content and desc.encode("utf-8") in r.content
    assert b"\\u" not in r.content
    g = server.get("/api/tasks/%d/" % r.json()["id"], alice)
    assert title.encode("utf-8") in g.content


def test_json_escapes_are_decoded(server, alice):
    body = '{"title": "\\u00e9\\ud83d\\ude00 \\"q\\" \\\\ / \\/", "description": "a\\nb\\tc"}'
    r = create(server, alice, body)
    assert_task(r, 201, title="\u00e9\U0001F600 \"q\" \\ / /", description="a\nb\tc")
    assert b'"a\\nb\\tc"' in r.content


def test_control_character_kept(server, alice):
    r = create(server, alice, {"title": "a\u0001b"})
    assert r.status_code == 201, show(r)
    assert r.json()["title"] == "a\u0001b"


def test_lone_surrogate_rejected(server, alice):
    r = create(server, alice, '{"title": "\\ud800"}')
    assert r.status_code == 400, show(r)


@pytest.mark.parametrize("value,text", [(123, "123"), (0, "0"), (-5, "-5"), (1.5, "1.5")])
def test_number_title_becomes_string(server, alice, value, text):
    assert_task(create(server, alice, {"title": value}), 201, title=text)


def test_number_description_becomes_string(server, alice):
    assert_task(create(server, alice, {"title": "d num", "description": 5}), 201, title="d num", description="5")


# ---------------------------------------------------------------- completed
@pytest.mark.parametrize("value", TRUE_SPELLINGS, ids=lambda v: repr(v))
def test_completed_true_spellings(server, alice, value):
    assert_task(create(server, alice, {"title": "c", "completed": value}), 201, title="c", completed=True)


@pytest.mark.parametrize("value", FALSE_SPELLINGS, ids=lambda v: repr(v))
def test_completed_false_spellings(server, alice, value):
    assert_task(create(server, alice, {"title": "c", "completed": value}), 201, title="c", completed=False)


@pytest.mark.parametrize("value", INVALID_BOOLEANS, ids=lambda v: repr(v))
def test_completed_invalid(server, alice, value):
    r = create(server, alice, {"title": "c", "completed": value})
    assert_json(r, 400, {"completed": [NOT_BOOL]}, allow=ALLOW_LIST)


@pytest.mark.parametrize("value", ["true", "on", "1", "yes", "TRUE"])
def test_completed_form_true(server, alice, value):
    r = create(server, alice, "title=f&completed=" + value, ctype=FORM)
    assert_task(r, 201, title="f", completed=True)


def test_completed_form_invalid(server, alice):
    r = create(server, alice, "title=f&completed=maybe", ctype=FORM)
    assert_json(r, 400, {"completed": [NOT_BOOL]}, allow=ALLOW_LIST)


# ---------------------------------------------------------------- ignored keys / several errors
def test_owner_ignored(server, alice):
    assert_task(create(server, alice, {"title": "owner in body", "owner": 2}), 201, title="owner in body", owner=1)


def test_id_ignored(server, alice):
    r = create(server, alice, {"id": 999, "title": "id in body"})
    data = assert_task(r, 201, title="id in body")
    assert data["id"] != 999
    assert server.get("/api/tasks/999/", alice).status_code == 404


def test_timestamps_ignored(server, alice):
    r = create(server, alice, {"title": "ts", "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z"})
    data = assert_task(r, 201, title="ts")  # assert_task checks the datetimes are recent
    assert not data["created_at"].startswith("2000")


def test_unknown_keys_ignored(server, alice):
    assert_task(create(server, alice, {"title": "extra", "priority": 5, "tags": ["a"], "x": None}), 201, title="extra")


def test_several_errors_key_order(server, alice):
    expected = {"title": [BLANK], "description": [NULL], "completed": [NOT_BOOL]}
    r = create(server, alice, {"title": "", "description": None, "completed": "maybe"})
    assert_json(r, 400, expected, allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == "129"
    # the order follows the fields, not the body
    r = create(server, alice, '{"completed": "maybe", "description": null, "title": ""}')
    assert_json(r, 400, expected, allow=ALLOW_LIST)


def test_missing_title_with_other_errors(server, alice):
    r = create(server, alice, {"completed": 2, "description": []})
    assert_json(r, 400, {"title": [REQUIRED], "description": [NOT_STRING], "completed": [NOT_BOOL]}, allow=ALLOW_LIST)


# ---------------------------------------------------------------- body shapes
@pytest.mark.parametrize("body,expected", [
    ('[{"title": "in array"}]', expected_dict("list")),
    ("[]", expected_dict("list")),
    ('"just a string"', expected_dict("str")),
    ("5", expected_dict("int")),
    ("true", expected_dict("bool")),
    ("null", NO_DATA),
])
def test_non_object_json_bodies(server, alice, body, expected):
    assert_json(create(server, alice, body), 400, expected, allow=ALLOW_LIST)


def test_empty_json_body(server, alice):
    assert_json(create(server, alice, ""), 400, {"title": [REQUIRED]}, allow=ALLOW_LIST)


def test_empty_body_without_content_type(server, alice):
    assert_json(create(server, alice, None, ctype=None), 400, {"title": [REQUIRED]}, allow=ALLOW_LIST)


def test_body_without_content_type_is_415(server, alice):
    r = create(server, alice, b'{"title": "no ctype"}', ctype=None)
    assert_json(r, 415, unsupported_media(""), allow=ALLOW_LIST)
    assert r.headers["Content-Length"] == "52"


@pytest.mark.parametrize("ctype", ["text/plain", "application/vnd.api+json", "application/xml",
                                   "text/json", "application/octet-stream"])
def test_unsupported_content_types(server, alice, ctype):
    assert_json(create(server, alice, '{"title": "x"}', ctype=ctype), 415, unsupported_media(ctype), allow=ALLOW_LIST)


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "application/json;charset=UTF-8",
                                   "Application/JSON"])
def test_json_content_type_variants(server, alice, ctype):
    assert_task(create(server, alice, '{"title": "with charset"}', ctype=ctype), 201, title="with charset")


def test_form(server, alice):
    r = create(server, alice, "title=form+task&description=from+a+form", ctype=FORM)
    assert_task(r, 201, title="form task", description="from a form")


def test_form_percent_encoding_utf8(server, alice):
    r = create(server, alice, "title=caf%C3%A9+%E2%9C%93&description=a%26b%3Dc", ctype=FORM)
    assert_task(r, 201, title="caf\u00e9 \u2713", description="a&b=c")


def test_form_completed_on(server, alice):
    assert_task(create(server, alice, "title=form+on&completed=on", ctype=FORM), 201, title="form on", completed=True)


def test_form_duplicate_key_last_wins(server, alice):
    assert_task(create(server, alice, "title=a&title=b", ctype=FORM), 201, title="b")


def test_form_blank_title(server, alice):
    assert_json(create(server, alice, "title=", ctype=FORM), 400, {"title": [BLANK]}, allow=ALLOW_LIST)


def test_form_missing_title(server, alice):
    assert_json(create(server, alice, "description=x", ctype=FORM), 400, {"title": [REQUIRED]}, allow=ALLOW_LIST)


def test_multipart(server, alice):
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nmultipart task\r\n"
            "--XyZ--\r\n")
    r = create(server, alice, body, ctype="multipart/form-data; boundary=XyZ")
    assert_task(r, 201, title="multipart task")


def test_multipart_all_fields(server, alice):
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nmp\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nd\u00e9sc\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"completed\"\r\n\r\ntrue\r\n--XyZ--\r\n")
    r = create(server, alice, body, ctype="multipart/form-data; boundary=XyZ")
    assert_task(r, 201, title="mp", description="d\u00e9sc", completed=True)


@pytest.mark.parametrize("body", [
    '{"title": "x",',
    '{"title": "x",}',
    '{"title": "x", "completed": NaN}',
    '{"title": "x", "completed": Infinity}',
    "{'title': 'x'}",
    '{"title": "x"} trailing',
    "{",
    b'{"title": "\xff\xfe"}',
    b'\xef\xbb\xbf{"title": "bom"}',
])
def test_malformed_json(server, alice, body):
    assert_error_prefix(create(server, alice, body), 400, "JSON parse error - ", allow=ALLOW_LIST)


def test_duplicate_keys_last_wins(server, alice):
    assert_task(create(server, alice, '{"title": "first", "title": "second"}'), 201, title="second")


def test_whitespace_around_json(server, alice):
    assert_task(create(server, alice, ' \n {"title": "ws"} \n'), 201, title="ws")


def test_nested_unknown_key_is_ignored(server, alice):
    body = '{"title": "deep", "x": ' + "[" * 20 + "]" * 20 + ', "y": {"a": {"b": [1, 2.5, null, true]}}}'
    r = create(server, alice, body)
    assert_task(r, 201, title="deep")


# ---------------------------------------------------------------- validation on update
@pytest.fixture(scope="module")
def existing(server, alice):
    return server.create_task(alice, "existing", description="d")


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("body,expected", [
    ({"title": "x" * 256}, {"title": [MAX_255]}),
    ({"title": None}, {"title": [NULL]}),
    ({"title": "ok", "completed": "maybe"}, {"completed": [NOT_BOOL]}),
    ({"title": "ok", "description": None}, {"description": [NULL]}),
    ({"title": "a\u0000"}, {"title": [NUL_CHARS]}),
])
def test_update_invalid(server, alice, existing, method, body, expected):
    path = "/api/tasks/%d/" % existing["id"]
    assert_json(server.send(method, path, body, alice), 400, expected, allow=ALLOW_DETAIL)
    assert server.get(path, alice).json() == existing


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_trims_and_converts(server, alice, method):
    t = server.create_task(alice, "conv")
    r = server.send(method, "/api/tasks/%d/" % t["id"], {"title": "  7  ", "description": 8, "completed": "y"}, alice)
    assert_task(r, 200, id=t["id"], title="7", description="8", completed=True)
