// The OpenAPI 3.1 document of the API (GET /api/schema/), generated from the router's route table
// and the serializers' field tables that validation reads, so that it cannot drift from what the
// server answers (docs/decisions/010).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace taskapi::app {

// The switches that change what the routes answer, beyond which routes exist.
struct OpenApiSettings {
    std::optional<std::int64_t> page_size;  // set: the list answers DRF's pagination envelope
    std::int64_t max_page_size = 100;
    bool rotate_refresh_tokens = false;  // refresh also answers a new refresh token
    std::string auth_scheme = "Bearer";  // the first accepted Authorization scheme
};

// The document, rendered once: JSON and the same as YAML.
struct OpenApiDocument {
    std::string json;
    std::string yaml;
};

// Every route of `router` with in_schema, each method it offers but HEAD and OPTIONS (as
// drf-spectacular leaves them out). A route the generator has no description for is still
// documented, from its name and description, with an answer of any JSON.
[[nodiscard]] OpenApiDocument openapi_document(const http::Router& router,
                                               const OpenApiSettings& settings);

// "<METHOD> <pattern>" of each operation of `router` documented only by that default: a route
// added without its description (tests/unit/app/openapi_test.cpp wants none).
[[nodiscard]] std::vector<std::string> undescribed_operations(const http::Router& router);

// The JSON text `json` as YAML (block style; strings and keys quoted as JSON quotes them, which
// YAML reads as double-quoted scalars). `json` must be valid JSON.
[[nodiscard]] std::string json_to_yaml(std::string_view json);

// GET /api/schema/: `document` (which must outlive the route) as JSON, or as YAML for
// ?format=yaml or an Accept of application/vnd.oai.openapi (JSON also for application/json and
// application/vnd.oai.openapi+json). Public, as drf-spectacular's view.
[[nodiscard]] http::Route schema_route(const OpenApiDocument& document);

}  // namespace taskapi::app
