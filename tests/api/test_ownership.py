"""Ownership: another user's task is invisible (404) to every method, and stays unchanged."""
import pytest

from apihelpers import (
    ALLOW_DETAIL, NOT_FOUND, OPTIONS_TASK_DETAIL, OPTIONS_TASK_DETAIL_NO_ACTIONS, assert_api_headers,
    assert_json, show,
)

L = "/api/tasks/"


@pytest.fixture(scope="module")
def alices_task(server, alice):
    return server.create_task(alice, "Alice's secret", description="only mine", completed=True)


@pytest.fixture(scope="module")
def bobs_task(server, bob):
    return server.create_task(bob, "Bob's own")


def path(task):
    return "/api/tasks/%d/" % task["id"]


def snapshot(server, alice, task):
    r = server.get(path(task), alice)
    assert r.status_code == 200, show(r)
    return r.content


ATTEMPTS = [
    ("GET", None, None),
    ("PUT", {"title": "hijack", "description": "x", "completed": False}, "application/json"),
    ("PUT", {"title": "hijack"}, "application/json"),
    ("PUT", "{}", "application/json"),                       # invalid body: 404 comes first
    ("PUT", {"title": ""}, "application/json"),
    ("PATCH", {"completed": False}, "application/json"),
    ("PATCH", {"title": ""}, "application/json"),             # invalid body
    ("PATCH", {"completed": "maybe"}, "application/json"),    # invalid body
    ("PATCH", "{", "application/json"),                      # malformed JSON
    ("PATCH", "null", "application/json"),
    ("PATCH", "x", "text/plain"),                            # unsupported media type
    ("PUT", "title=hijack", "application/x-www-form-urlencoded"),
    ("PATCH", {"owner": 2}, "application/json"),
    ("DELETE", None, None),
]


@pytest.mark.parametrize("method,body,ctype", ATTEMPTS, ids=lambda v: repr(v)[:30])
def test_bob_cannot_touch_alices_task(server, alice, bob, alices_task, method, body, ctype):
    before = snapshot(server, alice, alices_task)
    r = server.send(method, path(alices_task), body, bob, ctype=ctype)
    assert_json(r, 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert snapshot(server, alice, alices_task) == before


def test_bob_head_is_404(server, alice, bob, alices_task):
    before = snapshot(server, alice, alices_task)
    r = server.head(path(alices_task), bob)
    assert r.status_code == 404, show(r)
    assert r.content == b""
    assert_api_headers(r, ALLOW_DETAIL)
    assert r.headers["Content-Length"] == "23"
    assert snapshot(server, alice, alices_task) == before


def test_bob_options_has_no_actions(server, alice, bob, alices_task):
    assert_json(server.options(path(alices_task), bob), 200, OPTIONS_TASK_DETAIL_NO_ACTIONS, allow=ALLOW_DETAIL)
    assert_json(server.options(path(alices_task), alice), 200, OPTIONS_TASK_DETAIL, allow=ALLOW_DETAIL)


def test_after_all_attempts_alices_task_is_unchanged(server, alice, bob, alices_task):
    r = server.get(path(alices_task), alice)
    assert r.status_code == 200, show(r)
    assert r.json() == alices_task  # full JSON, timestamps included
    assert alices_task["id"] in [t["id"] for t in server.get(L, alice).json()]
    assert alices_task["id"] not in [t["id"] for t in server.get(L, bob).json()]


def test_alice_cannot_touch_bobs_task(server, alice, bob, bobs_task):
    for method, body in [("GET", None), ("PUT", {"title": "x"}), ("PATCH", {"title": "x"}), ("DELETE", None)]:
        r = server.send(method, path(bobs_task), body, alice, ctype="application/json" if body else None)
        assert_json(r, 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert server.get(path(bobs_task), bob).json() == bobs_task


def test_other_users_task_and_missing_task_answer_identically(server, alice, bobs_task):
    a = server.get(path(bobs_task), alice)
    b = server.get("/api/tasks/987654/", alice)
    assert (a.status_code, a.content) == (b.status_code, b.content) == (404, b'{"detail":"Not found."}')


def test_create_cannot_assign_another_owner(server, alice, bob):
    t = server.create_task(alice, "not bob's", owner=2)
    assert t["owner"] == 1
    assert t["id"] not in [x["id"] for x in server.get(L, bob).json()]


def test_lists_are_disjoint(server, alice, bob, alices_task, bobs_task):
    a = {t["id"] for t in server.get(L, alice).json()}
    b = {t["id"] for t in server.get(L, bob).json()}
    assert alices_task["id"] in a and bobs_task["id"] in b
    assert not a & b
