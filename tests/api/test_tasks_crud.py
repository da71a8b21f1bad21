"""Task create / retrieve / update / delete / list flows (contract.txt [079]-[167], [205]-[206])."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from apihelpers import (
    ALLOW_DETAIL, ALLOW_LIST, BLANK, NO_DATA, NOT_FOUND, NOT_PROVIDED, REQUIRED, TASK_KEYS,
    assert_api_headers, assert_json, assert_task, compact, expected_dict, parse_dt, show,
    unsupported_media,
)

L = "/api/tasks/"
FORM = "application/x-www-form-urlencoded"


def D(task_id):
    return "/api/tasks/%s/" % task_id


@pytest.fixture(scope="module")
def bob_task(server, bob):
    r = server.post(L, {"title": "Bob's task", "description": "private"}, bob)
    return assert_task(r, 201, title="Bob's task", description="private", owner=2)


# ---------------------------------------------------------------- list / create
def test_lists_start_empty(server, alice, bob):
    assert_json(server.get(L, alice), 200, [], allow=ALLOW_LIST)
    assert_json(server.get(L, bob), 200, [], allow=ALLOW_LIST)


def test_create_full(server, alice):
    r = server.post(L, {"title": "Buy milk", "description": "2 litres, semi-skimmed", "completed": False}, alice)
    data = assert_task(r, 201, title="Buy milk", description="2 litres, semi-skimmed", allow=ALLOW_LIST)
    assert "Location" not in r.headers
    # the stored task reads back byte for byte
    g = server.get(D(data["id"]), alice)
    assert g.status_code == 200, show(g)
    assert g.content == r.content
    assert_api_headers(g, ALLOW_DETAIL)


def test_create_minimal(server, alice):
    assert_task(server.post(L, {"title": "Minimal"}, alice), 201, title="Minimal", allow=ALLOW_LIST)


def test_create_completed_true(server, alice):
    assert_task(server.post(L, {"title": "done", "completed": True}, alice), 201, title="done", completed=True)


def test_create_ids_increase(server, alice):
    a = server.create_task(alice, "first")
    b = server.create_task(alice, "second")
    assert b["id"] > a["id"]


def test_create_noauth_is_401(server):
    assert_json(server.post(L, {"title": "x"}), 401, NOT_PROVIDED, allow=ALLOW_LIST)


def test_create_with_bad_token_is_401_before_validation(server):
    r = server.post(L, "{not json", headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 401, show(r)
    assert r.json()["code"] == "token_not_valid"


def test_create_noauth_with_text_plain_is_401(server):
    # authentication runs before the body is parsed
    assert_json(server.post(L, "x", ctype="text/plain"), 401, NOT_PROVIDED, allow=ALLOW_LIST)


# ---------------------------------------------------------------- retrieve
def test_retrieve_own(server, alice):
    t = server.create_task(alice, "Retrieve me", description="d")
    r = server.get(D(t["id"]), alice)
    assert_task(r, 200, id=t["id"], title="Retrieve me", description="d", allow=ALLOW_DETAIL)
    assert r.json() == t


def test_retrieve_with_leading_zero(server, alice):
    t = server.create_task(alice, "zero padded")
    for path in ("/api/tasks/0%d/" % t["id"], "/api/tasks/00%d/" % t["id"]):
        r = server.get(path, alice)
        assert r.status_code == 200, show(r)
        assert r.json() == t


def test_retrieve_other_users_task_is_404(server, alice, bob_task):
    assert_json(server.get(D(bob_task["id"]), alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)


def test_retrieve_owner_bob(server, bob, bob_task):
    r = server.get(D(bob_task["id"]), bob)
    assert_task(r, 200, id=bob_task["id"], title="Bob's task", description="private", owner=2)


def test_retrieve_noauth_is_401(server, alice):
    t = server.create_task(alice, "noauth")
    assert_json(server.get(D(t["id"])), 401, NOT_PROVIDED, allow=ALLOW_DETAIL)


@pytest.mark.parametrize("pk", [
    "abc", "0", "-1", "100000", "9223372036854775807", "9223372036854775808",
    "99999999999999999999", "18446744073709551616", "1e3", "0x1",
])
def test_retrieve_not_found(server, alice, pk):
    assert_json(server.get(D(pk), alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("pk", ["9223372036854775808", "99999999999999999999", "abc"])
def test_write_out_of_range_ids_are_404(server, alice, method, pk):
    r = server.send(method, D(pk), {"title": "x"} if method != "DELETE" else None,
                    alice, ctype="application/json" if method != "DELETE" else None)
    assert_json(r, 404, NOT_FOUND, allow=ALLOW_DETAIL)


# ---------------------------------------------------------------- PUT
@pytest.fixture
def task(server, alice):
    return server.create_task(alice, "Buy milk", description="2 litres", completed=False)


def test_put_full(server, alice, task):
    time.sleep(0.002)
    r = server.put(D(task["id"]), {"title": "Buy oat milk", "description": "1 litre", "completed": True}, alice)
    data = assert_task(r, 200, id=task["id"], title="Buy oat milk", description="1 litre", completed=True,
                       allow=ALLOW_DETAIL)
    assert data["created_at"] == task["created_at"]
    assert parse_dt(data["updated_at"]) > parse_dt(task["updated_at"])
    assert server.get(D(task["id"]), alice).json() == data


def test_put_missing_title(server, alice, task):
    r = server.put(D(task["id"]), {"description": "no title", "completed": False}, alice)
    assert_json(r, 400, {"title": [REQUIRED]}, allow=ALLOW_DETAIL)
    assert server.get(D(task["id"]), alice).json() == task


def test_put_title_only_keeps_other_fields(server, alice):
    t = server.create_task(alice, "t", description="keep me", completed=True)
    r = server.put(D(t["id"]), {"title": "Buy milk again"}, alice)
    assert_task(r, 200, id=t["id"], title="Buy milk again", description="keep me", completed=True)


def test_put_owner_and_readonly_fields_ignored(server, alice, task):
    r = server.put(D(task["id"]), {"title": "mine", "owner": 2, "id": 999, "created_at": "2000-01-01T00:00:00Z",
                                   "updated_at": "2000-01-01T00:00:00Z"}, alice)
    data = assert_task(r, 200, id=task["id"], title="mine", description="2 litres", owner=1)
    assert data["created_at"] == task["created_at"]
    assert not data["updated_at"].startswith("2000")


def test_put_nonexistent_is_404(server, alice):
    assert_json(server.put(D(100000), {"title": "new"}, alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)


def test_put_other_users_task_is_404_before_validation(server, alice, bob, bob_task):
    assert_json(server.put(D(bob_task["id"]), {"title": "hijack"}, alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert_json(server.put(D(bob_task["id"]), "{}", alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert server.get(D(bob_task["id"]), bob).json() == bob_task


def test_put_invalid_body_several_errors(server, alice, task):
    r = server.put(D(task["id"]), {"title": "", "description": None, "completed": "maybe"}, alice)
    assert_json(r, 400, {"title": [BLANK], "description": ["This field may not be null."],
                         "completed": ["Must be a valid boolean."]}, allow=ALLOW_DETAIL)


def test_put_null_body(server, alice, task):
    assert_json(server.put(D(task["id"]), "null", alice), 400, NO_DATA, allow=ALLOW_DETAIL)


def test_put_empty_body(server, alice, task):
    assert_json(server.put(D(task["id"]), "", alice), 400, {"title": [REQUIRED]}, allow=ALLOW_DETAIL)


def test_put_form_absent_boolean_means_false(server, alice):
    # form input: an absent boolean is false for a full update
    t = server.create_task(alice, "form put", description="d", completed=True)
    r = server.put(D(t["id"]), "title=y", alice, ctype=FORM)
    assert_task(r, 200, id=t["id"], title="y", description="d", completed=False)


def test_put_text_plain_is_415(server, alice, task):
    r = server.put(D(task["id"]), "x", alice, ctype="text/plain")
    assert_json(r, 415, unsupported_media("text/plain"), allow=ALLOW_DETAIL)


# ---------------------------------------------------------------- PATCH
def test_patch_one_field(server, alice):
    t = server.create_task(alice, "patch me", description="d", completed=True)
    time.sleep(0.002)
    r = server.patch(D(t["id"]), {"completed": False}, alice)
    data = assert_task(r, 200, id=t["id"], title="patch me", description="d", completed=False,
                       allow=ALLOW_DETAIL)
    assert data["created_at"] == t["created_at"]
    assert parse_dt(data["updated_at"]) > parse_dt(t["updated_at"])


def test_patch_empty_object_saves(server, alice, task):
    time.sleep(0.002)
    r = server.patch(D(task["id"]), "{}", alice)
    data = assert_task(r, 200, id=task["id"], title="Buy milk", description="2 litres")
    assert data["created_at"] == task["created_at"]
    assert parse_dt(data["updated_at"]) > parse_dt(task["updated_at"])


def test_patch_empty_body(server, alice, task):
    assert_task(server.patch(D(task["id"]), "", alice), 200, id=task["id"], title="Buy milk",
                description="2 litres")


def test_patch_blank_title(server, alice, task):
    assert_json(server.patch(D(task["id"]), {"title": ""}, alice), 400, {"title": [BLANK]}, allow=ALLOW_DETAIL)
    assert server.get(D(task["id"]), alice).json() == task


def test_patch_readonly_fields_ignored(server, alice, task):
    r = server.patch(D(task["id"]), {"id": 12345, "owner": 2, "created_at": "2000-01-01T00:00:00Z"}, alice)
    data = assert_task(r, 200, id=task["id"], title="Buy milk", description="2 litres", owner=1)
    assert data["created_at"] == task["created_at"]
    assert server.get(D(12345), alice).status_code == 404


def test_patch_form(server, alice):
    t = server.create_task(alice, "form patch", description="d", completed=True)
    r = server.patch(D(t["id"]), "description=patched+by+form", alice, ctype=FORM)
    # a partial update leaves the absent boolean alone
    assert_task(r, 200, id=t["id"], title="form patch", description="patched by form", completed=True)


def test_patch_multipart(server, alice, task):
    body = "--B\r\nContent-Disposition: form-data; name=\"completed\"\r\n\r\ntrue\r\n--B--\r\n"
    r = server.patch(D(task["id"]), body, alice, ctype="multipart/form-data; boundary=B")
    assert_task(r, 200, id=task["id"], title="Buy milk", description="2 litres", completed=True)


def test_patch_text_plain_is_415(server, alice, task):
    r = server.patch(D(task["id"]), "x", alice, ctype="text/plain")
    assert_json(r, 415, unsupported_media("text/plain"), allow=ALLOW_DETAIL)


def test_patch_null_and_list_bodies(server, alice, task):
    assert_json(server.patch(D(task["id"]), "null", alice), 400, NO_DATA, allow=ALLOW_DETAIL)
    assert_json(server.patch(D(task["id"]), "[]", alice), 400, expected_dict("list"), allow=ALLOW_DETAIL)


def test_patch_malformed_json(server, alice, task):
    r = server.patch(D(task["id"]), "{", alice)
    assert r.status_code == 400, show(r)
    assert r.json()["detail"].startswith("JSON parse error - ")


def test_patch_other_users_task_is_404(server, alice, bob, bob_task):
    assert_json(server.patch(D(bob_task["id"]), {"completed": True}, alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert server.get(D(bob_task["id"]), bob).json() == bob_task


def test_patch_nonexistent_is_404(server, alice):
    assert_json(server.patch(D(100000), {"title": "x"}, alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)


def test_updates_advance_updated_at_only(server, alice):
    t = server.create_task(alice, "times")
    seen = [t]
    for body, method in [({"title": "t2"}, "PUT"), ({"description": "x"}, "PATCH"), ({}, "PATCH")]:
        time.sleep(0.002)
        r = server.send(method, D(t["id"]), body, alice)
        assert r.status_code == 200, show(r)
        seen.append(r.json())
    for prev, cur in zip(seen, seen[1:]):
        assert cur["created_at"] == t["created_at"]
        assert parse_dt(cur["updated_at"]) > parse_dt(prev["updated_at"])
    # a GET does not touch updated_at
    assert server.get(D(t["id"]), alice).json() == seen[-1]


# ---------------------------------------------------------------- DELETE
def test_delete_flow(server, alice):
    t = server.create_task(alice, "delete me")
    r = server.delete(D(t["id"]), alice)
    assert r.status_code == 204, show(r)
    assert r.content == b""
    assert "Content-Type" not in r.headers, show(r)
    assert r.headers.get("Content-Length", "0") == "0"
    assert_api_headers(r, ALLOW_DETAIL, content_type=None)
    assert_json(server.delete(D(t["id"]), alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert_json(server.get(D(t["id"]), alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert t["id"] not in [x["id"] for x in server.get(L, alice).json()]
    assert_json(server.patch(D(t["id"]), {"title": "back"}, alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)


def test_delete_other_users_task_is_404(server, alice, bob, bob_task):
    assert_json(server.delete(D(bob_task["id"]), alice), 404, NOT_FOUND, allow=ALLOW_DETAIL)
    assert server.get(D(bob_task["id"]), bob).json() == bob_task


def test_delete_noauth_is_401(server, alice):
    t = server.create_task(alice, "stay")
    assert_json(server.delete(D(t["id"])), 401, NOT_PROVIDED, allow=ALLOW_DETAIL)
    assert server.get(D(t["id"]), alice).json() == t


def test_delete_with_body_is_ignored(server, alice):
    t = server.create_task(alice, "delete with body")
    r = server.send("DELETE", D(t["id"]), {"x": 1}, alice)
    assert r.status_code == 204, show(r)


# ---------------------------------------------------------------- list
def test_list_order_and_ownership(server, alice, bob, bob_task):
    mine = [server.create_task(alice, "list %d" % i)["id"] for i in range(3)]
    theirs = server.create_task(bob, "bob list")["id"]
    r = server.get(L, alice)
    assert r.status_code == 200, show(r)
    assert_api_headers(r, ALLOW_LIST)
    items = r.json()
    assert r.content == compact(items)
    ids = [t["id"] for t in items]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert set(mine) <= set(ids)
    assert theirs not in ids and bob_task["id"] not in ids
    for t in items:
        assert list(t) == TASK_KEYS and t["owner"] == 1
    # every item equals its detail view
    for t in items[-3:]:
        assert server.get(D(t["id"]), alice).json() == t
    b = server.get(L, bob).json()
    assert [t["id"] for t in b] == sorted(t["id"] for t in b)
    assert {t["owner"] for t in b} == {2}
    assert bob_task["id"] in [t["id"] for t in b] and theirs in [t["id"] for t in b]


def test_list_query_parameters_it_does_not_know_are_ignored(server, bob, bob_task):
    """Without TASKAPI_PAGE_SIZE, ?page= and ?page_size= too (test_list_queries.py has the ones
    it knows)."""
    plain = server.get(L, bob)
    r = server.get(L + "?page=2&page_size=1&limit=1&offset=3&owner=1&pk=1", bob)
    assert r.status_code == 200, show(r)
    assert r.content == plain.content


def test_list_noauth_is_401(server):
    assert_json(server.get(L), 401, NOT_PROVIDED, allow=ALLOW_LIST)


def test_concurrent_creates(server, alice):
    def make(i):
        r = server.post(L, {"title": "concurrent %d" % i}, alice)
        assert r.status_code == 201, show(r)
        return r.json()["id"]

    with ThreadPoolExecutor(8) as ex:
        ids = list(ex.map(make, range(40)))
    assert len(set(ids)) == 40
    listed = [t["id"] for t in server.get(L, alice).json()]
    assert set(ids) <= set(listed)
