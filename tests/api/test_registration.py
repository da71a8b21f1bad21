"""POST /api/auth/register/ (TASKAPI_ALLOW_REGISTRATION=1; off by default).

The DRF reference has no registration route, so the expected answers below are what Django 3.2
and DRF 3.14 answer for the view such projects write: a CreateAPIView (AllowAny) with

    class RegisterSerializer(serializers.ModelSerializer):
        class Meta:
            model = User
            fields = ("id", "username", "password")
            extra_kwargs = {"password": {"write_only": True}}

        def validate(self, attrs):
            try:
                validate_password(attrs["password"], User(username=attrs["username"]))
            except django.core.exceptions.ValidationError as e:
                raise serializers.ValidationError({"password": list(e.messages)})
            return attrs

        def create(self, validated_data):
            return User.objects.create_user(**validated_data)

and Django's four default AUTH_PASSWORD_VALIDATORS. Each body below was produced by that
serializer under Debian 12's python3-django and python3-djangorestframework for the same input
(docs/api.md, "Registration"; the differences are decision 001's).
"""
import threading

import pytest

from apihelpers import (ALLOW_TOKEN, BLANK, NOT_FOUND, NOT_STRING, NULL, NUL_CHARS, PARSES, RENDERS,
                        REQUIRED, assert_api_headers, assert_json, compact, method_not_allowed,
                        show)

SERVER_ENV = {"TASKAPI_ALLOW_REGISTRATION": "1"}
R = "/api/auth/register/"

INVALID_USERNAME = ("Enter a valid username. This value may contain only letters, numbers, and "
                    "@/./+/-/_ characters.")
TAKEN = "A user with that username already exists."
SIMILAR = "The password is too similar to the username."
SHORT = "This password is too short. It must contain at least 8 characters."
COMMON = "This password is too common."
NUMERIC = "This password is entirely numeric."


def register(srv, username, password, **kw):
    return srv.post(R, {"username": username, "password": password}, **kw)


def assert_created(r, username):
    """201 {"id": <new>, "username": <as stored>}, and the account can log in."""
    assert r.status_code == 201, show(r)
    body = r.json()
    assert list(body) == ["id", "username"] and isinstance(body["id"], int), show(r)
    assert r.content == compact({"id": body["id"], "username": username}), show(r)
    assert_api_headers(r, ALLOW_TOKEN)
    return body["id"]


# ---------------------------------------------------------------------------- success
def test_registration_creates_an_account_that_can_log_in(server):
    r = register(server, "carol", "correct-horse-battery")
    user_id = assert_created(r, "carol")
    assert user_id > 2  # alice and bob exist
    tokens = server.login("carol", "correct-horse-battery")
    me = server.get("/api/me/", tokens["access"])
    assert_json(me, 200, {"id": user_id, "username": "carol"})
    # the new account starts with no tasks, and only sees its own
    assert_json(server.get("/api/tasks/", tokens["access"]), 200, [])


def test_the_answer_has_no_password_and_no_token(server):
    r = register(server, "dave", "zebra-quilt-91")
    assert_created(r, "dave")
    assert b"password" not in r.content and b"access" not in r.content


def test_surrounding_whitespace_is_trimmed_as_drf_does(server):
    # CharField(trim_whitespace=True): the name and the password are stored trimmed
    assert_created(register(server, "  erin\t", "  zebra-quilt-92  "), "erin")
    server.login("erin", "zebra-quilt-92")


def test_the_username_is_stored_in_nfkc_form(server):
    # create_user() normalizes: fullwidth "ｆｒａｎｋ２" is stored and answered as "frank2"
    assert_created(register(server, "\uff46\uff52\uff41\uff4e\uff4b\uff12", "zebra-quilt-93"), "frank2")
    server.login("frank2", "zebra-quilt-93")


def test_numbers_are_strings(server):
    # CharField turns JSON numbers into strings; 45678901234 is then entirely numeric
    assert_json(server.post(R, {"username": 123, "password": 45678901234}), 400,
                {"password": [NUMERIC]}, allow=ALLOW_TOKEN)
    assert_created(server.post(R, {"username": 124, "password": "zebra-quilt-94"}), "124")


def test_form_encoded_body(server):
    r = server.send("POST", R, "username=grace&password=zebra-quilt-95",
                    ctype="application/x-www-form-urlencoded")
    assert_created(r, "grace")


# ---------------------------------------------------------------------------- field errors
@pytest.mark.parametrize("body,errors", [
    ({}, {"username": [REQUIRED], "password": [REQUIRED]}),
    ({"username": "", "password": ""}, {"username": [BLANK], "password": [BLANK]}),
    ({"username": "  ", "password": " \t"}, {"username": [BLANK], "password": [BLANK]}),
    ({"username": None, "password": None}, {"username": [NULL], "password": [NULL]}),
    ({"username": True, "password": ["x"]}, {"username": [NOT_STRING], "password": [NOT_STRING]}),
    ({"username": "a b", "password": "x"}, {"username": [INVALID_USERNAME]}),
    ({"username": "x" * 150 + "!", "password": "zebra-quilt-96"},
     {"username": [INVALID_USERNAME, "Ensure this field has no more than 150 characters."]}),
    ({"username": "hank", "password": "x" * 129},
     {"password": ["Ensure this field has no more than 128 characters."]}),
    ({"username": "dave\u0000", "password": "a\u0000bcdefghijk"},
     {"username": [INVALID_USERNAME, NUL_CHARS], "password": [NUL_CHARS]}),
    ({"username": "hank"}, {"password": [REQUIRED]}),
], ids=["empty", "blank", "whitespace", "null", "types", "bad-username", "too-long-username",
        "too-long-password", "nul", "no-password"])
def test_field_errors(server, body, errors):
    assert_json(server.post(R, body), 400, errors, allow=ALLOW_TOKEN)


def test_a_taken_username(server):
    # alice exists; her name's UniqueValidator error comes before the password's field errors,
    # and the password validators do not run (validate() needs every field valid)
    assert_json(register(server, "alice", "another-good-pass"), 400, {"username": [TAKEN]},
                allow=ALLOW_TOKEN)
    assert_json(register(server, "alice", "1"), 400, {"username": [TAKEN]})
    assert_json(register(server, "alice", ""), 400, {"username": [TAKEN], "password": [BLANK]})
    # usernames are case-sensitive, as Django's
    assert_created(register(server, "Alice", "another-good-pass"), "Alice")


def test_a_name_taken_in_another_spelling_of_its_nfkc_form(server):
    # Django's UniqueValidator looks the name up as sent, then create_user() stores its NFKC
    # form and the database refuses the duplicate (DRF: 500); taskapi answers the same 400 as
    # for the name itself (decision 001)
    assert_json(register(server, "\uff41\uff4c\uff49\uff43\uff45", "another-good-pass"), 400,
                {"username": [TAKEN]}, allow=ALLOW_TOKEN)


# ---------------------------------------------------------------------------- password validators
@pytest.mark.parametrize("username,password,messages", [
    ("bob2", "bob2", [SIMILAR, SHORT]),
    ("ivan", "12345678", [COMMON, NUMERIC]),
    ("ivan", "1234567", [SHORT, COMMON, NUMERIC]),
    ("ivan", "password", [COMMON]),
    ("ivan", "Password  ", [COMMON]),                      # trimmed, then lower-cased
    ("johnsmith", "johnsmith1", [SIMILAR]),
    ("john.smith@example.com", "smithjohn", [SIMILAR]),    # a part of the name, split on \W+
    ("ivan", "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", [NUMERIC]),  # Arabic-Indic digits
    ("ivan", "\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078", [NUMERIC]),  # superscripts
    ("ivan", "ivan", [SIMILAR, SHORT, COMMON]),             # "ivan" is on the list too
], ids=["similar-short", "common-numeric", "short-common-numeric", "common", "common-trimmed",
        "similar", "similar-part", "arabic-digits", "superscripts", "name-as-password"])
def test_password_validators(server, username, password, messages):
    assert_json(register(server, username, password), 400, {"password": messages}, allow=ALLOW_TOKEN)
    # nothing was created
    assert server.post("/api/auth/token/", {"username": username, "password": password}).status_code == 401


def test_a_password_that_passes_every_validator(server):
    assert_created(register(server, "judy", "judy12345"), "judy")


# ---------------------------------------------------------------------------- the route
def test_options_describes_the_serializer(server):
    r = server.options(R)
    assert_json(r, 200, {
        "name": "Register",
        "description": "Creates a user account: a username and a password that Django's "
                       "password validators accept.",
        "renders": RENDERS, "parses": PARSES,
        "actions": {"POST": {
            "id": {"type": "integer", "required": False, "read_only": True, "label": "ID"},
            "username": {"type": "string", "required": True, "read_only": False,
                         "label": "Username",
                         "help_text": "Required. 150 characters or fewer. Letters, digits and "
                                      "@/./+/-/_ only.",
                         "max_length": 150},
            "password": {"type": "string", "required": True, "read_only": False,
                         "label": "Password", "max_length": 128},
        }}}, allow=ALLOW_TOKEN)


def test_other_methods_are_405(server):
    r = server.get(R)
    assert_json(r, 405, {"detail": 'Method "GET" not allowed.'}, allow=ALLOW_TOKEN)


def test_anonymous_but_a_bad_token_is_refused(server):
    # DRF's default authentication runs before AllowAny: an invalid token is 401
    r = register(server, "kate", "zebra-quilt-97", token="not-a-token")
    assert r.status_code == 401, show(r)
    assert server.post("/api/auth/token/", {"username": "kate", "password": "zebra-quilt-97"}).status_code == 401


def test_off_by_default_the_route_does_not_exist(server_factory):
    srv = server_factory(env={})
    for r in (register(srv, "carol", "correct-horse-battery"), srv.options(R), srv.get(R)):
        assert r.status_code == 404, show(r)
        assert r.content == compact(NOT_FOUND), show(r)
    assert srv.post("/api/auth/token/", {"username": "carol", "password": "correct-horse-battery"}).status_code == 401


def test_invalid_setting_refuses_to_start(server_factory):
    srv = server_factory(env={"TASKAPI_ALLOW_REGISTRATION": "yes"}, start=False)
    res = srv.cli("serve", env={"TASKAPI_ALLOW_REGISTRATION": "yes"}, timeout=30)
    assert res.returncode != 0
    assert "TASKAPI_ALLOW_REGISTRATION" in res.stderr, res.stderr


# ---------------------------------------------------------------------------- concurrency
def test_concurrent_registrations_of_one_name_make_one_account(server):
    results = []
    barrier = threading.Barrier(8)

    def attempt(i):
        barrier.wait()
        results.append(register(server, "lena", "zebra-quilt-%02d" % i))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created = [r for r in results if r.status_code == 201]
    refused = [r for r in results if r.status_code != 201]
    assert len(created) == 1, [show(r) for r in results]
    for r in refused:
        assert_json(r, 400, {"username": [TAKEN]})
    password = "zebra-quilt-%02d" % next(i for i in range(8) if server.post(
        "/api/auth/token/", {"username": "lena", "password": "zebra-quilt-%02d" % i}).status_code == 200)
    assert server.login("lena", password)["access"]


# ---------------------------------------------------------------------------- throttling
def throttle_env(rate):
    return {"TASKAPI_ALLOW_REGISTRATION": "1", "TASKAPI_LOGIN_RATE_PER_ADDRESS": rate}


def test_registrations_count_as_login_attempts_of_the_address(server_factory):
    srv = server_factory(env=throttle_env("3/min"))
    assert_created(register(srv, "mia", "zebra-quilt-98"), "mia")
    assert register(srv, "mia", "zebra-quilt-98").status_code == 400  # taken: still counted
    assert srv.post("/api/auth/token/", {"username": "mia", "password": "zebra-quilt-98"}).status_code == 200
    # the 4th attempt from this address, a registration or a login, is refused before its body
    for r in (register(srv, "nina", "zebra-quilt-99"), srv.post(R, b"{", ctype="application/json"),
              srv.post("/api/auth/token/", {"username": "mia", "password": "zebra-quilt-98"})):
        assert r.status_code == 429, show(r)
        retry = int(r.headers["Retry-After"])
        assert 1 <= retry <= 60, show(r)
        assert r.content == compact(
            {"detail": "Request was throttled. Expected available in %d second%s."
                       % (retry, "" if retry == 1 else "s")}), show(r)
    assert srv.post("/api/auth/token/", {"username": "nina", "password": "zebra-quilt-99"}).status_code == 429
