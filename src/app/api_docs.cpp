#include "app/api_docs.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "core/text.hpp"

namespace taskapi::app {
namespace {

// Only this origin's scripts, styles, images (Swagger UI's icons are data: URIs) and requests;
// no inline script (the initializer is a file), no framing, no forms, no <base>.
constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Calls `each` with every comma-separated element of a header list, blanks trimmed, empty
// elements skipped (RFC 9110 5.6.1).
template <typename Each>
void for_each_element(std::string_view list, Each each) {
    std::size_t start = 0;
    while (start <= list.size()) {
        const std::size_t end = std::min(list.find(',', start), list.size());
        const std::string_view element = core::trim_blanks(list.substr(start, end - start));
        if (!element.empty()) each(element);
        start = end + 1;
    }
}

// A weight of 0 ("q=0", "q=0.000") refuses the coding (RFC 9110 12.4.2).
bool refused(std::string_view params) {
    std::size_t at = 0;
    while ((at = params.find(';', at)) != std::string_view::npos) {
        ++at;
        const auto next = params.find(';', at);
        const std::string_view param = core::trim_blanks(params.substr(at, next - at));
        if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
        const std::string_view q = core::trim_blanks(param.substr(2));
        return !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
    }
    return false;
}

// Accept-Encoding names gzip (or x-gzip), or "*" without naming it, with a weight above 0.
bool accepts_gzip(const std::optional<std::string>& accept_encoding) {
    if (!accept_encoding) return false;
    std::optional<bool> named;
    bool any = false;
    for_each_element(*accept_encoding, [&named, &any](std::string_view element) {
        const std::string_view coding = core::trim_blanks(element.substr(0, element.find(';')));
        const std::string_view params =
            element.find(';') == std::string_view::npos ? "" : element.substr(element.find(';'));
        if (core::ascii_iequals(coding, "gzip") || core::ascii_iequals(coding, "x-gzip")) {
            named = !refused(params);
        } else if (coding == "*") {
            any = !refused(params);
        }
    });
    return named.value_or(any);
}

// If-None-Match lists `etag` (weak comparison, RFC 9110 13.1.2), or is "*".
bool none_match_fails(const std::optional<std::string>& if_none_match, std::string_view etag) {
    if (!if_none_match) return false;
    bool found = false;
    for_each_element(*if_none_match, [&found, etag](std::string_view tag) {
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        if (tag == "*" || tag == etag) found = true;
    });
    return found;
}

}  // namespace

http::Response serve_docs_asset(const DocsAsset& asset, const http::Request& request) {
    const bool gzip = !asset.gzip_body.empty() && accepts_gzip(request.accept_encoding);
    const std::string_view etag = gzip ? asset.gzip_etag : asset.etag;
    http::Response r;
    r.content_type = std::string(asset.content_type);
    if (none_match_fails(request.if_none_match, etag)) {
        r.status = 304;
        r.content_type.clear();  // a 304 has no content (RFC 9110 15.4.5)
    } else {
        r.body = std::string(gzip ? asset.gzip_body : asset.body);
    }
    r.add_header("ETag", std::string(etag));
    // The URLs carry no version: a browser asks again each time, and an unchanged file costs a
    // 304 without a body.
    r.add_header("Cache-Control", "no-cache");
    if (!asset.gzip_body.empty()) r.add_header("Vary", "Accept-Encoding");
    if (gzip && r.status == 200) r.add_header("Content-Encoding", "gzip");
    if (asset.name.empty()) r.add_header("Content-Security-Policy", std::string(kPagePolicy));
    return r;
}

void add_docs_routes(http::Router& router) {
    for (const DocsAsset& asset : docs_assets()) {
        router.add({.pattern = "/api/docs/" + std::string(asset.name),
                    .name = asset.name.empty() ? "Api Docs" : "Api Docs File",
                    .access = http::Access::kNoAuthentication,
                    .in_schema = false,
                    .work = http::Work::kInline,
                    .get = [&asset](const http::Request& request) {
                        return serve_docs_asset(asset, request);
                    }});
    }
}

}  // namespace taskapi::app
