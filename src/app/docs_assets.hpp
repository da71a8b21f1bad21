// The files of the API documentation page, embedded in the binary at build time
// (cmake/embed_docs.cmake generates the definitions). Kept apart from api_docs.hpp so that the
// generated file includes nothing heavy.
#pragma once

#include <string_view>
#include <vector>

namespace taskapi::app {

// One file of the page.
struct DocsAsset {
    std::string_view name;          // under /api/docs/; "" is the page itself
    std::string_view content_type;  // with its charset
    std::string_view body;
    std::string_view etag;       // quoted, from the content's SHA-256
    std::string_view gzip_body;  // the same bytes gzipped at build time; empty: none
    std::string_view gzip_etag;
};

// Every file of the page.
const std::vector<DocsAsset>& docs_assets();
// The vendored swagger-ui-dist's version, e.g. "5.35.0".
std::string_view swagger_ui_version();

}  // namespace taskapi::app
