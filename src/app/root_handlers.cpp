#include "app/root_handlers.hpp"

#include "core/text.hpp"
#include "http/error_response.hpp"

namespace taskapi::app {
namespace {

// A Host header is echoed into a URL: keep it to the characters a host and port can have.
bool is_plausible_host(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    for (const char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '[' ||
                        c == ']' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

http::Response health(const http::Request& /*request*/) {
    return http::json_response(200, R"({"status":"ok"})");
}

core::Error database_unavailable() {
    core::Error e =
        core::make_error(core::ErrorCode::kUnavailable, "Service temporarily unavailable.");
    e.retry_after_seconds = 5;
    return e;
}

http::Response ready(storage::Storage& storage, const http::Request& /*request*/) {
    if (storage.ping()) return http::json_response(200, R"({"status":"ok"})");
    return http::error_response(database_unavailable());
}

http::Response api_root(const http::Request& request) {
    std::string url = "http://";
    url += is_plausible_host(request.host) ? request.host : std::string("localhost");
    url += request.format.empty() ? "/api/tasks/" : "/api/tasks." + request.format;
    std::string body = "{\"tasks\":";
    core::append_json_string(body, url);
    body += '}';
    return http::json_response(200, std::move(body));
}

}  // namespace taskapi::app
