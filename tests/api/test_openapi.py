"""GET /api/schema/: the OpenAPI 3.1 document as HTTP serves it (content types, YAML, negotiation,
methods, access). Its validity and its agreement with the real answers: tests/browser/openapi_test.mjs;
its coverage of every route: tests/unit/app/openapi_test.cpp."""
import json

from apihelpers import (
    ALLOW_RO, assert_api_headers, assert_json, method_not_allowed, show, token_invalid,
)

JSON_TYPE = "application/vnd.oai.openapi+json"
YAML_TYPE = "application/vnd.oai.openapi; charset=utf-8"


def test_schema_is_openapi_31_json(server):
    r = server.get("/api/schema/")
    assert r.status_code == 200, show(r)
    assert_api_headers(r, ALLOW_RO, content_type=JSON_TYPE)
    assert r.headers["Content-Length"] == str(len(r.content))
    doc = r.json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] == "taskapi"
    assert doc["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert doc["security"] == [{"jwtAuth": []}]
    assert sorted(doc["paths"]["/api/tasks/{id}/"]) == ["delete", "get", "patch", "put"]
    assert sorted(doc["paths"]["/api/tasks/"]) == ["get", "post"]
    # drf-spectacular leaves HEAD and OPTIONS out; so does this document.
    assert not any(m in ("head", "options") for item in doc["paths"].values() for m in item)
    # The schema view documents itself, as drf-spectacular's does.
    assert "/api/schema/" in doc["paths"]


def test_schema_is_built_once_and_served_the_same(server):
    assert server.get("/api/schema/").content == server.get("/api/schema/").content


def test_schema_is_public_but_a_bad_token_is_refused(server, alice):
    anonymous = server.get("/api/schema/")
    assert anonymous.status_code == 200, show(anonymous)
    assert server.get("/api/schema/", alice).content == anonymous.content
    r = server.get("/api/schema/", headers={"Authorization": "Bearer garbage"})
    assert_json(r, 401, token_invalid(), allow=ALLOW_RO)


def test_routes_are_marked_with_who_may_call_them(server):
    paths = server.get("/api/schema/").json()["paths"]
    # IsAuthenticated: the document's default (no security of its own).
    assert "security" not in paths["/api/tasks/"]["get"]
    assert "401" in paths["/api/tasks/"]["get"]["responses"]
    # AllowAny: anonymous, or a token.
    assert paths["/api/health/"]["get"]["security"] == [{"jwtAuth": []}, {}]
    # No authentication at all: the token views and readiness.
    assert paths["/api/auth/token/"]["post"]["security"] == []
    assert paths["/api/ready/"]["get"]["security"] == []


def test_format_yaml(server):
    r = server.get("/api/schema/?format=yaml")
    assert r.status_code == 200, show(r)
    assert_api_headers(r, ALLOW_RO, content_type=YAML_TYPE)
    text = r.content.decode("utf-8")
    assert text.startswith('"openapi": "3.1.0"\n"info":\n  "title": "taskapi"\n'), text[:200]
    assert '\n  "/api/tasks/{id}/":\n    "get":\n' in text


def test_accept_selects_the_renderer_as_drf_spectacular(server):
    yaml = server.get("/api/schema/?format=yaml").content
    as_json = server.get("/api/schema/").content
    for accept, content_type, body in [
        ("application/vnd.oai.openapi", YAML_TYPE, yaml),
        ("application/vnd.oai.openapi+json", JSON_TYPE, as_json),
        ("application/json", JSON_TYPE, as_json),
        ("*/*", JSON_TYPE, as_json),
    ]:
        r = server.get("/api/schema/", headers={"Accept": accept})
        assert r.status_code == 200, show(r)
        assert r.headers["Content-Type"] == content_type, show(r)
        assert r.content == body, accept
    r = server.get("/api/schema/?format=json", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert (r.status_code, r.headers["Content-Type"]) == (200, JSON_TYPE), show(r)


def test_an_unsatisfiable_accept_is_406_and_an_unknown_format_404(server):
    r = server.get("/api/schema/?format=yaml", headers={"Accept": "application/json"})
    assert_json(r, 406, {"detail": "Could not satisfy the request Accept header."}, allow=ALLOW_RO)
    r = server.get("/api/schema/", headers={"Accept": "text/csv"})
    assert_json(r, 406, {"detail": "Could not satisfy the request Accept header."}, allow=ALLOW_RO)
    r = server.get("/api/schema/?format=xml")
    assert_json(r, 404, {"detail": "Not found."}, allow=ALLOW_RO)


def test_other_routes_do_not_take_format_yaml(server, alice):
    r = server.get("/api/tasks/?format=yaml", alice)
    assert r.status_code == 404, show(r)


def test_post_put_patch_delete_are_405(server):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        r = server.send(method, "/api/schema/", "{}")
        assert_json(r, 405, method_not_allowed(method), allow=ALLOW_RO)


def test_head_and_options(server):
    g = server.get("/api/schema/")
    h = server.head("/api/schema/")
    assert h.status_code == 200, show(h)
    assert h.content == b""
    assert h.headers["Content-Length"] == str(len(g.content))
    o = server.options("/api/schema/")
    assert o.status_code == 200, show(o)
    assert o.json()["name"] == "Schema"


def test_no_slash_redirects_as_other_routes(server):
    r = server.get("/api/schema", allow_redirects=False)
    assert r.status_code == 301, show(r)
    assert r.headers["Location"] == "/api/schema/"


def test_switches_change_the_document(server_factory):
    default = server_factory()
    doc = default.get("/api/schema/").json()
    assert "/api/auth/register/" not in doc["paths"]
    listed = doc["paths"]["/api/tasks/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"]["type"] == "array"
    assert doc["components"]["schemas"]["TokenRefresh"]["required"] == ["access"]

    on = server_factory(env={"TASKAPI_ALLOW_REGISTRATION": "true", "TASKAPI_PAGE_SIZE": "5",
                             "TASKAPI_ROTATE_REFRESH_TOKENS": "true"})
    doc = on.get("/api/schema/").json()
    assert doc["paths"]["/api/auth/register/"]["post"]["security"] == [{"jwtAuth": []}, {}]
    listed = doc["paths"]["/api/tasks/"]["get"]
    assert listed["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedTaskList"}
    assert [p["name"] for p in listed["parameters"]] == [
        "completed", "search", "ordering", "page", "page_size", "X-Request-ID"]
    assert sorted(doc["components"]["schemas"]["TokenRefresh"]["required"]) == ["access", "refresh"]
    # Nothing of the server's settings leaks into the document: no key, no database address.
    text = json.dumps(doc)
    for secret in (on.base_env().get("TASKAPI_SECRET_KEY", ""), "sqlite", "postgres"):
        assert secret and secret not in text, secret
