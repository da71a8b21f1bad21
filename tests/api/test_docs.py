"""The API documentation at /api/docs/: Swagger UI's page and files, served from the binary.

What a browser sees of it is tests/browser/swagger_test.mjs; here: the HTTP of each file (types,
ETag and 304, the gzip variant, HEAD), the errors, and that the page needs nothing from elsewhere.
"""
import gzip
import http.client
import os
import re

import pytest

from apihelpers import ALLOW_RO, NOT_FOUND, REPO, assert_json, method_not_allowed, show

VENDORED = os.path.join(REPO, "third_party", "swagger-ui")
OURS = os.path.join(REPO, "src", "app", "api_docs")
# Path under /api/docs/, the file it serves, its Content-Type.
FILES = [
    ("", os.path.join(OURS, "index.html"), "text/html; charset=utf-8"),
    ("swagger-initializer.js", os.path.join(OURS, "swagger-initializer.js"),
     "text/javascript; charset=utf-8"),
    ("swagger-ui.css", os.path.join(VENDORED, "swagger-ui.css"), "text/css; charset=utf-8"),
    ("swagger-ui-bundle.js", os.path.join(VENDORED, "swagger-ui-bundle.js"),
     "text/javascript; charset=utf-8"),
]
BIG = ["swagger-ui.css", "swagger-ui-bundle.js"]  # the files with a gzip variant


def read(path):
    with open(path, "rb") as f:
        return f.read()


def raw_get(server, path, headers=None, method="GET"):
    """A request whose answer is not decoded (requests would gunzip it): status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        conn.close()


@pytest.mark.parametrize("name,path,ctype", FILES)
def test_each_file_is_served_as_it_is_in_the_tree(server, name, path, ctype):
    status, headers, body = raw_get(server, "/api/docs/" + name)
    assert status == 200
    assert headers["Content-Type"] == ctype
    assert body == read(path)
    assert headers["Content-Length"] == str(len(body))
    assert headers.get("Content-Encoding") is None
    assert re.fullmatch(r'"[0-9a-f]{32}"', headers["ETag"]), headers["ETag"]
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_page_refers_to_its_own_files_only(server):
    r = server.get("/api/docs/")
    assert r.status_code == 200, show(r)
    page = r.text
    refs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sorted(refs) == sorted(["data:,", "swagger-ui.css", "swagger-ui-bundle.js",
                                   "swagger-initializer.js"]), refs
    # No inline script: each <script> element loads a file.
    assert len(re.findall(r"<script\b", page)) == len(re.findall(r"<script src=\"[^\"]+\"></script>", page))
    # Every reference resolves to a file this server has.
    for ref in refs:
        if not ref.startswith("data:"):
            assert server.get("/api/docs/" + ref).status_code == 200, ref
    # The initializer points Swagger UI at the schema by a relative URL (works behind a proxy).
    init = server.get("/api/docs/swagger-initializer.js").text
    assert "'../schema/'" in init and "validatorUrl: null" in init
    assert "http://" not in init and "https://" not in init


def test_page_has_a_strict_content_security_policy(server):
    r = server.get("/api/docs/")
    policy = dict(p.strip().split(" ", 1) for p in r.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert r.headers["X-Frame-Options"] == "DENY"
    # The other files are not documents: no policy needed.
    assert "Content-Security-Policy" not in server.get("/api/docs/swagger-ui.css").headers


def test_vendored_version_is_recorded(server):
    with open(os.path.join(VENDORED, "VERSION")) as f:
        version = f.read().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    for name in ("LICENSE", "NOTICE", "SHA256SUMS", "swagger-ui-bundle.js.LICENSE.txt"):
        assert os.path.getsize(os.path.join(VENDORED, name)) > 0, name


@pytest.mark.parametrize("name", BIG)
@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*", "x-gzip"])
def test_gzip_variant_when_accepted(server, name, accept):
    status, headers, body = raw_get(server, "/api/docs/" + name, {"Accept-Encoding": accept})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == read(os.path.join(VENDORED, name))
    assert len(body) < len(read(os.path.join(VENDORED, name))) / 3
    assert headers["Content-Length"] == str(len(body))
    assert re.fullmatch(r'"[0-9a-f]{32}-gzip"', headers["ETag"]), headers["ETag"]
    assert "Accept-Encoding" in headers.get_all("Vary")


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "gzip;q=0.000, deflate", "*;q=0", "br",
                                    "*, gzip;q=0", ""])
def test_identity_when_gzip_is_not_accepted(server, accept):
    status, headers, body = raw_get(server, "/api/docs/swagger-ui-bundle.js", {"Accept-Encoding": accept})
    assert status == 200
    assert headers.get("Content-Encoding") is None
    assert body == read(os.path.join(VENDORED, "swagger-ui-bundle.js"))
    assert "Accept-Encoding" in headers.get_all("Vary")


def test_small_files_have_no_gzip_variant(server):
    status, headers, _ = raw_get(server, "/api/docs/", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("Content-Encoding") is None
    assert "Accept-Encoding" not in (headers.get_all("Vary") or [])


@pytest.mark.parametrize("name", ["", "swagger-ui-bundle.js"])
def test_if_none_match_gives_304(server, name):
    _, headers, _ = raw_get(server, "/api/docs/" + name, {"Accept-Encoding": "identity"})
    etag = headers["ETag"]
    for condition in (etag, "W/" + etag, '"other", ' + etag, "*"):
        status, h304, body = raw_get(server, "/api/docs/" + name,
                                     {"If-None-Match": condition, "Accept-Encoding": "identity"})
        assert status == 304, condition
        assert body == b""
        assert h304["ETag"] == etag
        assert h304["Cache-Control"] == "no-cache"
        # RFC 9110 8.6: no Content-Length that differs from the 200's.
        assert h304.get("Content-Length") is None
    status, _, body = raw_get(server, "/api/docs/" + name,
                              {"If-None-Match": '"other"', "Accept-Encoding": "identity"})
    assert status == 200 and body


def test_each_variant_has_its_own_etag(server):
    path = "/api/docs/swagger-ui-bundle.js"
    _, plain, _ = raw_get(server, path, {"Accept-Encoding": "identity"})
    _, zipped, _ = raw_get(server, path, {"Accept-Encoding": "gzip"})
    assert plain["ETag"] != zipped["ETag"]
    # The gzip variant's tag does not validate the identity one, nor the other way round.
    assert raw_get(server, path, {"If-None-Match": zipped["ETag"], "Accept-Encoding": "identity"})[0] == 200
    assert raw_get(server, path, {"If-None-Match": plain["ETag"], "Accept-Encoding": "gzip"})[0] == 200
    assert raw_get(server, path, {"If-None-Match": zipped["ETag"], "Accept-Encoding": "gzip"})[0] == 304


def test_head_has_the_length_but_no_body(server):
    status, headers, body = raw_get(server, "/api/docs/swagger-ui-bundle.js",
                                    {"Accept-Encoding": "identity"}, method="HEAD")
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == str(len(read(os.path.join(VENDORED, "swagger-ui-bundle.js"))))
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"


def test_public_and_authorization_ignored(server):
    # No authentication at all: even a broken Authorization header does not stop the page.
    for value in ("Bearer garbage", "Bearer a b", "Basic x"):
        r = server.get("/api/docs/", headers={"Authorization": value})
        assert r.status_code == 200, show(r)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("name", ["", "swagger-ui.css"])
def test_other_methods_are_405(server, method, name):
    r = server.send(method, "/api/docs/" + name, "{}")
    assert_json(r, 405, method_not_allowed(method), allow=ALLOW_RO)


@pytest.mark.parametrize("path", ["/api/docs/nothing.js", "/api/docs/swagger-ui.css.map",
                                  "/api/docs/index.html", "/api/docs/swagger-ui.js",
                                  "/api/docs/swagger-ui.css/"])
def test_unknown_files_are_404(server, path):
    assert_json(server.get(path), 404, NOT_FOUND)


def test_without_trailing_slash_redirects(server):
    r = server.get("/api/docs")
    assert r.status_code == 301, show(r)
    assert r.headers["Location"] == "/api/docs/"
