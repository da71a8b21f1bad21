// The API documentation at /api/docs/: Swagger UI (npm's swagger-ui-dist, vendored in
// third_party/swagger-ui/) on /api/schema/, its files embedded in the binary and served from memory.
#pragma once

#include "app/docs_assets.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace taskapi::app {

// 200 with the file (gzipped when Accept-Encoding takes gzip), or 304 when If-None-Match names
// the variant's ETag. Every answer carries the ETag and revalidates (Cache-Control: no-cache);
// the page also carries a Content-Security-Policy that allows only this origin's scripts and
// styles, and requests to it (the schema, "Try it out").
http::Response serve_docs_asset(const DocsAsset& asset, const http::Request& request);

// The page and its files, one route each: public, no authentication (the Authorization header
// is ignored), answered from memory, and not API operations (Route::in_schema false).
void add_docs_routes(http::Router& router);

}  // namespace taskapi::app
