"""The task list's query parameters: ?completed= (django-filter), ?search= (SearchFilter),
?ordering= (OrderingFilter) and, with TASKAPI_PAGE_SIZE, page-number pagination (?page=,
?page_size= up to TASKAPI_MAX_PAGE_SIZE) with DRF's envelope, absolute links and 404.

Every expected answer in the tables below is what the DRF reference answers with
DJANGO_FEATURES=1 (and DJANGO_PAGE_SIZE=3, DJANGO_MAX_PAGE_SIZE=5 for the paginated table) to
the same request, on the same seven tasks created in the same order: ids are the reference's
(1 to 7 in creation order) and the links its own with "http://<Host>" left out. Runs on SQLite
and, in api.postgres, on PostgreSQL.
"""
import http.client
import json

import pytest

from apihelpers import show

# (title, description, completed), created in this order by alice.
SEED = [
    ("Buy milk", "From the shop", False),
    ("buy BREAD", "", True),
    ("Caf\u00e9 au lait", "\u00c7a va", False),
    ("100% done", "a_b c", True),
    ("Write report", "milk, eggs", False),
    ("\u00c9COLE", "\u00e9cole", False),
    ("zeta", "", True),
]

# Without pagination: (query, status, the ids of the bare array in order).
REFERENCE_PLAIN = [
    ('?', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?completed=true', 200, [2, 4, 7]),
    ('?completed=True', 200, [2, 4, 7]),
    ('?completed=1', 200, [2, 4, 7]),
    ('?completed=yes', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?completed=', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?completed=0&completed=true', 200, [2, 4, 7]),
    ('?completed=false', 200, [1, 3, 5, 6]),
    ('?completed=FALSE', 200, [1, 3, 5, 6]),
    ('?completed=%20true', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?search=milk', 200, [1, 5]),
    ('?search=MILK', 200, [1, 5]),
    ('?search=caf%C3%A9', 200, [3]),
    ('?search=CAF%C3%89', 200, []),
    ('?search=%C3%A9cole', 200, [6]),
    ('?search=%C3%89COLE', 200, [6]),
    ('?search=100%25', 200, [4]),
    ('?search=a_b', 200, [4]),
    ('?search=_', 200, [4]),
    ('?search=%25', 200, [4]),
    ('?search=milk,shop', 200, [1]),
    ('?search=milk%20eggs', 200, [5]),
    ('?search=milk+report', 200, [5]),
    ('?search=,,%20', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?search=milk&search=zeta', 200, [7]),
    ('?search=a%5Cb', 200, []),
    ('?search=%00milk', 200, [1, 5]),
    ('?search=mi%00lk', 200, [1, 5]),
    ('?search=milk%E2%80%83eggs', 200, [5]),
    ('?search=milk%C2%A0eggs', 200, [5]),
    ('?search=milk%09eggs', 200, [5]),
    ('?search=%FF', 200, []),
    ('?ordering=completed', 200, [1, 3, 5, 6, 2, 4, 7]),
    ('?ordering=-completed', 200, [2, 4, 7, 1, 3, 5, 6]),
    ('?ordering=title', 200, [4, 1, 3, 5, 2, 7, 6]),
    ('?ordering=-title', 200, [6, 7, 2, 5, 3, 1, 4]),
    ('?ordering=-id', 200, [7, 6, 5, 4, 3, 2, 1]),
    ('?ordering=-created_at', 200, [7, 6, 5, 4, 3, 2, 1]),
    ('?ordering=created_at', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=updated_at', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=-updated_at', 200, [7, 6, 5, 4, 3, 2, 1]),
    ('?ordering=completed,-id', 200, [6, 5, 3, 1, 7, 4, 2]),
    ('?ordering=-completed,title', 200, [4, 2, 7, 1, 3, 5, 6]),
    ('?ordering=-completed,-title', 200, [7, 2, 4, 6, 5, 3, 1]),
    ('?ordering=completed,title,id', 200, [1, 3, 5, 6, 4, 2, 7]),
    ('?ordering=owner', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=owner,-id', 200, [7, 6, 5, 4, 3, 2, 1]),
    ('?ordering=%20-id%20', 200, [7, 6, 5, 4, 3, 2, 1]),
    ('?ordering=--id', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=id__x', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=-', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=-id&ordering=title', 200, [4, 1, 3, 5, 2, 7, 6]),
    ('?ordering=TITLE', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=title;drop', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=title%20desc', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=(select%201)', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=title,-title', 200, [4, 1, 3, 5, 2, 7, 6]),
    ('?completed=false&search=a&ordering=-title', 200, [3]),
    ('?completed=true&ordering=-id&search=%20', 200, [7, 4, 2]),
    ('/api/tasks.json?ordering=-id', 200, [7, 6, 5, 4, 3, 2, 1]),
    ('/api/tasks.json?ordering=-id&format=json', 200, [7, 6, 5, 4, 3, 2, 1]),
    ('?page=2', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?page_size=2', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?search=%27%20OR%201%3D1%20--', 200, []),
    ('?search=%25%27%20OR%20%271%27%3D%271', 200, []),
    ('?search=milk%27%29%3B%20DROP%20TABLE%20tasks%3B%20--', 200, []),
    ('?ordering=title%3B%20DROP%20TABLE%20tasks', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=id%20desc', 200, [1, 2, 3, 4, 5, 6, 7]),
    ('?ordering=-id%2C%28CASE%20WHEN%201%3D1%20THEN%20title%20END%29', 200, [7, 6, 5, 4, 3, 2, 1]),
    ('?ordering=-completed%2Cowner_id%2Cpassword', 200, [2, 4, 7, 1, 3, 5, 6]),
    ('?search=%5C%25', 200, []),
    ('?search=%25%25', 200, []),
    ('?search=O', 200, [1, 4, 5, 6]),
]

# TASKAPI_PAGE_SIZE=3, TASKAPI_MAX_PAGE_SIZE=5: (target, status, the envelope with the ids of
# its results, or the error body).
REFERENCE_PAGED = [
    ('?', 200, {'count': 7, 'next': '/api/tasks/?page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page=1', 200, {'count': 7, 'next': '/api/tasks/?page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page=2', 200, {'count': 7, 'next': '/api/tasks/?page=3', 'previous': '/api/tasks/', 'ids': [4, 5, 6]}),
    ('?page=3', 200, {'count': 7, 'next': None, 'previous': '/api/tasks/?page=2', 'ids': [7]}),
    ('?page=4', 404, {'detail': 'Invalid page.'}),
    ('?page=0', 404, {'detail': 'Invalid page.'}),
    ('?page=-1', 404, {'detail': 'Invalid page.'}),
    ('?page=abc', 404, {'detail': 'Invalid page.'}),
    ('?page=last', 200, {'count': 7, 'next': None, 'previous': '/api/tasks/?page=2', 'ids': [7]}),
    ('?page=LAST', 404, {'detail': 'Invalid page.'}),
    ('?page=%202%20', 200, {'count': 7, 'next': '/api/tasks/?page=3', 'previous': '/api/tasks/', 'ids': [4, 5, 6]}),
    ('?page=+2', 200, {'count': 7, 'next': '/api/tasks/?page=3', 'previous': '/api/tasks/', 'ids': [4, 5, 6]}),
    ('?page=2.0', 404, {'detail': 'Invalid page.'}),
    ('?page=1_0', 404, {'detail': 'Invalid page.'}),
    ('?page=1_', 404, {'detail': 'Invalid page.'}),
    ('?page=_1', 404, {'detail': 'Invalid page.'}),
    ('?page=1__0', 404, {'detail': 'Invalid page.'}),
    ('?page=', 404, {'detail': 'Invalid page.'}),
    ('?page=99999999999999999999999', 404, {'detail': 'Invalid page.'}),
    ('?page_size=2&page=2', 200, {'count': 7, 'next': '/api/tasks/?page=3&page_size=2', 'previous': '/api/tasks/?page_size=2', 'ids': [3, 4]}),
    ('?page_size=10', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=10', 'previous': None, 'ids': [1, 2, 3, 4, 5]}),
    ('?page_size=5', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=5', 'previous': None, 'ids': [1, 2, 3, 4, 5]}),
    ('?page_size=4&page=2', 200, {'count': 7, 'next': None, 'previous': '/api/tasks/?page_size=4', 'ids': [5, 6, 7]}),
    ('?page_size=0', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=0', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page_size=-1', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=-1', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page_size=x', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=x', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page_size=', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page_size=99999999999999999999999', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=99999999999999999999999', 'previous': None, 'ids': [1, 2, 3, 4, 5]}),
    ('?page_size=2_0', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=2_0', 'previous': None, 'ids': [1, 2, 3, 4, 5]}),
    ('?page_size=%202', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=+2', 'previous': None, 'ids': [1, 2]}),
    ('?page_size=+2', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=+2', 'previous': None, 'ids': [1, 2]}),
    ('?page_size=2&page=last', 200, {'count': 7, 'next': None, 'previous': '/api/tasks/?page=3&page_size=2', 'ids': [7]}),
    ('?page_size=2&page=4', 200, {'count': 7, 'next': None, 'previous': '/api/tasks/?page=3&page_size=2', 'ids': [7]}),
    ('?page_size=2&page=5', 404, {'detail': 'Invalid page.'}),
    ('?page=last&page_size=2&search=zzz', 200, {'count': 0, 'next': None, 'previous': None, 'ids': []}),
    ('?page=2&search=zzz', 404, {'detail': 'Invalid page.'}),
    ('?page=1&search=zzz', 200, {'count': 0, 'next': None, 'previous': None, 'ids': []}),
    ('?page=last&search=zzz', 200, {'count': 0, 'next': None, 'previous': None, 'ids': []}),
    ('?page=2&search=a&ordering=-id&zz=1&aa=%20+x&completed=false', 404, {'detail': 'Invalid page.'}),
    ('?page=1&search=a&ordering=-id&zz=1&aa=%20+x&completed=false&page_size=1', 200, {'count': 1, 'next': None, 'previous': None, 'ids': [3]}),
    ('?page=2&search=a&ordering=-id&zz=1&aa=%20+x&completed=false&page_size=1', 404, {'detail': 'Invalid page.'}),
    ('?page=2&search=a&ordering=-title&page_size=1&zz=1', 200, {'count': 4, 'next': '/api/tasks/?ordering=-title&page=3&page_size=1&search=a&zz=1', 'previous': '/api/tasks/?ordering=-title&page_size=1&search=a&zz=1', 'ids': [2]}),
    ('?page=2&format=json', 200, {'count': 7, 'next': '/api/tasks/?format=json&page=3', 'previous': '/api/tasks/?format=json', 'ids': [4, 5, 6]}),
    ('/api/tasks.json?page=2', 200, {'count': 7, 'next': '/api/tasks.json?page=3', 'previous': '/api/tasks.json', 'ids': [4, 5, 6]}),
    ('/api/tasks.json/?page=2', 200, {'count': 7, 'next': '/api/tasks.json/?page=3', 'previous': '/api/tasks.json/', 'ids': [4, 5, 6]}),
    ('?b=1&a=2&b=0&page=1', 200, {'count': 7, 'next': '/api/tasks/?a=2&b=1&b=0&page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?x&page=2', 200, {'count': 7, 'next': '/api/tasks/?page=3&x=', 'previous': '/api/tasks/?x=', 'ids': [4, 5, 6]}),
    ('?search=caf%C3%A9%2C%26=&page=1', 200, {'count': 0, 'next': None, 'previous': None, 'ids': []}),
    ('?q=%FF&page=2', 200, {'count': 7, 'next': '/api/tasks/?page=3&q=%EF%BF%BD', 'previous': '/api/tasks/?q=%EF%BF%BD', 'ids': [4, 5, 6]}),
    ('?q=%E2%82%AC~*!()%27&page=2', 200, {'count': 7, 'next': '/api/tasks/?page=3&q=%E2%82%AC~%2A%21%28%29%27', 'previous': '/api/tasks/?q=%E2%82%AC~%2A%21%28%29%27', 'ids': [4, 5, 6]}),
    ('?page=1&page=2', 200, {'count': 7, 'next': '/api/tasks/?page=3', 'previous': '/api/tasks/', 'ids': [4, 5, 6]}),
    ('?a=1;b=2&page=1', 200, {'count': 7, 'next': '/api/tasks/?a=1%3Bb%3D2&page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?a=%2B%26%3D%2F%3F%23&page=1', 200, {'count': 7, 'next': '/api/tasks/?a=%2B%26%3D%2F%3F%23&page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?=x&page=1', 200, {'count': 7, 'next': '/api/tasks/?=x&page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?a==b&page=1', 200, {'count': 7, 'next': '/api/tasks/?a=%3Db&page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?%26=1&page=1', 200, {'count': 7, 'next': '/api/tasks/?%26=1&page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page=1&&', 200, {'count': 7, 'next': '/api/tasks/?page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page=1&', 200, {'count': 7, 'next': '/api/tasks/?page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page=00002', 200, {'count': 7, 'next': '/api/tasks/?page=3', 'previous': '/api/tasks/', 'ids': [4, 5, 6]}),
    ('?page=-0', 404, {'detail': 'Invalid page.'}),
    ('?%C3%A9=%C3%A9&Z=1&_=2&page=2', 200, {'count': 7, 'next': '/api/tasks/?Z=1&_=2&page=3&%C3%A9=%C3%A9', 'previous': '/api/tasks/?Z=1&_=2&%C3%A9=%C3%A9', 'ids': [4, 5, 6]}),
    ('?search=%25&page=1', 200, {'count': 1, 'next': None, 'previous': None, 'ids': [4]}),
    ('?ordering=completed&page=2', 200, {'count': 7, 'next': '/api/tasks/?ordering=completed&page=3', 'previous': '/api/tasks/?ordering=completed', 'ids': [6, 2, 4]}),
    ('?ordering=-completed&page=3&page_size=2', 200, {'count': 7, 'next': '/api/tasks/?ordering=-completed&page=4&page_size=2', 'previous': '/api/tasks/?ordering=-completed&page=2&page_size=2', 'ids': [3, 5]}),
    ('?completed=1&page=1&page_size=2', 200, {'count': 3, 'next': '/api/tasks/?completed=1&page=2&page_size=2', 'previous': None, 'ids': [2, 4]}),
    ('?page=3&page=2&page=1', 200, {'count': 7, 'next': '/api/tasks/?page=2', 'previous': None, 'ids': [1, 2, 3]}),
    ('?page=1%3B%20DROP%20TABLE%20tasks', 404, {'detail': 'Invalid page.'}),
    ('?page_size=1%20OR%201%3D1', 200, {'count': 7, 'next': '/api/tasks/?page=2&page_size=1+OR+1%3D1', 'previous': None, 'ids': [1, 2, 3]}),
    ('?ordering=title%3BDROP&page=2', 200, {'count': 7, 'next': '/api/tasks/?ordering=title%3BDROP&page=3', 'previous': '/api/tasks/?ordering=title%3BDROP', 'ids': [4, 5, 6]}),
]


def seeded(env):
    from conftest import make_server
    srv = make_server(env=env)
    alice = srv.login("alice")["access"]
    bob = srv.login("bob")["access"]
    ids = [srv.create_task(alice, title=t, description=d, completed=c)["id"] for t, d, c in SEED]
    # Bob's tasks match every filter; they must never show in alice's list or count.
    for t, d, c in SEED:
        srv.create_task(bob, title=t, description=d, completed=c)
    srv.alice, srv.bob, srv.ids = alice, bob, ids
    return srv


@pytest.fixture(scope="module")
def plain():
    srv = seeded({})
    yield srv
    srv.stop()
    srv.cleanup()


@pytest.fixture(scope="module")
def paged():
    srv = seeded({"TASKAPI_PAGE_SIZE": "3", "TASKAPI_MAX_PAGE_SIZE": "5"})
    yield srv
    srv.stop()
    srv.cleanup()


def get(srv, target, token=None, host=None, method="GET"):
    """The answer to a request target sent exactly as written (no client re-encoding)."""
    if target.startswith("?"):
        target = "/api/tasks/" + target
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    headers = {"Authorization": "Bearer " + (token or srv.alice)}
    if host:
        headers["Host"] = host
    c.request(method, target, headers=headers)
    r = c.getresponse()
    body = r.read()
    headers = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, headers, body


def reference_ids(srv, ids):
    """The reference's ids (1..7 in creation order) as this server's ids."""
    return [srv.ids[i - 1] for i in ids]


@pytest.mark.parametrize("target,status,expected", REFERENCE_PLAIN)
def test_unpaginated_list_answers_as_the_reference(plain, target, status, expected):
    code, _, body = get(plain, target)
    assert code == status, body
    tasks = json.loads(body)
    assert isinstance(tasks, list), body
    assert [t["id"] for t in tasks] == reference_ids(plain, expected), body
    assert all(t["owner"] == tasks[0]["owner"] for t in tasks), body


@pytest.mark.parametrize("target,status,expected", REFERENCE_PAGED)
def test_paginated_list_answers_as_the_reference(paged, target, status, expected):
    code, _, body = get(paged, target)
    assert code == status, body
    answer = json.loads(body)
    if status == 404:
        assert body == b'{"detail":"Invalid page."}'
        return
    base = "http://127.0.0.1:%d" % paged.port
    assert list(answer) == ["count", "next", "previous", "results"], body
    got = {"count": answer["count"],
           "next": answer["next"] and answer["next"].replace(base, "", 1),
           "previous": answer["previous"] and answer["previous"].replace(base, "", 1),
           "ids": [t["id"] for t in answer["results"]]}
    want = dict(expected, ids=reference_ids(paged, expected["ids"]))
    assert got == want, body
    for link in (answer["next"], answer["previous"]):
        assert link is None or link.startswith(base + "/api/tasks"), body


def task_bytes(srv, task_id, token=None):
    code, _, body = get(srv, "/api/tasks/%d/" % task_id, token)
    assert code == 200, body
    return body


def test_the_bare_array_is_unchanged_byte_for_byte(plain):
    code, headers, body = get(plain, "/api/tasks/")
    assert code == 200
    assert body == b"[" + b",".join(task_bytes(plain, i) for i in plain.ids) + b"]"
    assert headers["content-length"] == str(len(body))


def test_the_envelope_byte_for_byte(paged):
    code, headers, body = get(paged, "/api/tasks/?page=2")
    assert code == 200
    base = b"http://127.0.0.1:%d" % paged.port
    assert body == (b'{"count":7,"next":"' + base + b'/api/tasks/?page=3","previous":"' + base +
                    b'/api/tasks/","results":[' +
                    b",".join(task_bytes(paged, i) for i in paged.ids[3:6]) + b"]}")
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(body))


def test_links_are_built_on_the_host_header(paged):
    """The reference's links for these Host headers (build_absolute_uri)."""
    for host in ("localhost:8000", "LOCALHOST", "[::1]:9"):
        code, _, body = get(paged, "/api/tasks/?page=2", host=host)
        assert code == 200, body
        answer = json.loads(body)
        assert answer["next"] == "http://%s/api/tasks/?page=3" % host
        assert answer["previous"] == "http://%s/api/tasks/" % host


def test_pages_never_show_another_users_tasks(paged):
    code, _, body = get(paged, "/api/tasks/?page_size=5&page=2", token=paged.bob)
    answer = json.loads(body)
    assert code == 200 and answer["count"] == 7, body
    assert [t["owner"] for t in answer["results"]] == [answer["results"][0]["owner"]] * 2
    assert not set(t["id"] for t in answer["results"]) & set(paged.ids)


def test_head_and_options_of_the_paginated_list(paged, plain):
    code, headers, body = get(paged, "/api/tasks/?page=2", method="HEAD")
    assert code == 200 and body == b""
    code, _, body = get(paged, "/api/tasks/?page=9", method="HEAD")
    assert code == 404 and body == b""
    # OPTIONS (DRF's metadata) does not change with pagination or query parameters.
    answers = [get(srv, "/api/tasks/?page=9&ordering=x", method="OPTIONS") for srv in (paged, plain)]
    assert answers[0][0] == answers[1][0] == 200
    assert answers[0][2] == answers[1][2]
    assert json.loads(answers[0][2])["name"] == "Task List"


def test_browsable_format_keeps_its_parameter_in_the_links(paged):
    """taskapi answers JSON to ?format=api (decision 001); the links keep ?format=api as DRF's
    replace_query_param keeps every other parameter."""
    code, _, body = get(paged, "/api/tasks/?format=api&page=2")
    assert code == 200, body
    answer = json.loads(body)
    base = "http://127.0.0.1:%d" % paged.port
    assert answer["next"] == base + "/api/tasks/?format=api&page=3"
    assert answer["previous"] == base + "/api/tasks/?format=api"


def test_injection_attempts_leave_the_tasks_table_whole(plain):
    for target in ("/api/tasks/?ordering=title%3B%20DROP%20TABLE%20tasks",
                   "/api/tasks/?search=%27%29%3B%20DROP%20TABLE%20tasks%3B%20--",
                   "/api/tasks/?completed=1%3B%20DROP%20TABLE%20tasks"):
        code, _, body = get(plain, target)
        assert code == 200, body
    code, _, body = get(plain, "/api/tasks/")
    assert [t["id"] for t in json.loads(body)] == plain.ids


def big_server(env):
    from conftest import make_server
    srv = make_server(env=env)
    srv.alice = srv.login("alice")["access"]
    return srv


@pytest.fixture(scope="module")
def big(request):
    """60 tasks of 40 000-character descriptions (2.4 MB together): more than the list holds
    whole, and each description longer than what PostgreSQL reads with a page."""
    srv = big_server({})
    srv.ids = []
    for i in range(60):
        task = srv.create_task(srv.alice, title="t%02d" % (i % 7), description=chr(0x61 + i % 26) * 40000,
                               completed=i % 3 == 0)
        srv.ids.append(task["id"])
    yield srv
    srv.stop()
    srv.cleanup()


def test_a_long_filtered_and_ordered_list_is_streamed_whole(big):
    code, headers, body = get(big, "/api/tasks/?completed=false&ordering=-title")
    assert code == 200
    assert headers.get("transfer-encoding") == "chunked"  # longer than one whole answer
    tasks = json.loads(body)
    expected = sorted((t for t in range(60) if t % 3 != 0), key=lambda i: (-(i % 7), i))
    assert [t["id"] for t in tasks] == [big.ids[i] for i in expected]
    assert all(t["description"] == chr(0x61 + big.ids.index(t["id"]) % 26) * 40000 for t in tasks)


def test_a_page_of_long_descriptions_is_whole(big):
    code, _, body = get(big, "/api/tasks/?search=t03&ordering=-id&page=2")
    # No pagination on this server: page is ignored; every t03 task, newest first.
    tasks = json.loads(body)
    assert code == 200
    assert [t["id"] for t in tasks] == [big.ids[i] for i in reversed(range(3, 60, 7))]
    assert all(len(t["description"]) == 40000 for t in tasks)


@pytest.fixture(scope="module")
def big_paged():
    srv = big_server({"TASKAPI_PAGE_SIZE": "30", "TASKAPI_MAX_PAGE_SIZE": "40"})
    srv.ids = [srv.create_task(srv.alice, title="t", description=chr(0x61 + i % 26) * 40000)["id"]
               for i in range(35)]
    yield srv
    srv.stop()
    srv.cleanup()


def test_a_page_longer_than_a_whole_answer_is_streamed_in_its_envelope(big_paged):
    code, headers, body = get(big_paged, "/api/tasks/?ordering=-id")
    assert code == 200
    assert headers.get("transfer-encoding") == "chunked"
    answer = json.loads(body)
    base = "http://127.0.0.1:%d" % big_paged.port
    assert answer["count"] == 35
    assert answer["next"] == base + "/api/tasks/?ordering=-id&page=2"
    assert answer["previous"] is None
    assert [t["id"] for t in answer["results"]] == big_paged.ids[::-1][:30]
    assert all(len(t["description"]) == 40000 for t in answer["results"])
    code, _, body = get(big_paged, "/api/tasks/?ordering=-id&page=2&page_size=40")
    assert code == 404 and json.loads(body) == {"detail": "Invalid page."}
    code, _, body = get(big_paged, "/api/tasks/?page=last&page_size=20")
    answer = json.loads(body)
    assert [t["id"] for t in answer["results"]] == big_paged.ids[20:]
    assert answer["previous"] == base + "/api/tasks/?page_size=20"
