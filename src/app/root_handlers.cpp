#include "app/root_handlers.hpp"

#include "core/text.hpp"
#include "http/error_response.hpp"
#include "http/query_string.hpp"

namespace taskapi::app {
http::Response health(const http::Request& /*request*/) {
    return http::json_response(200, R"({"status":"ok"})");
}

core::Error database_unavailable() {
    core::Error e =
        core::make_error(core::ErrorCode::kUnavailable, "Service temporarily unavailable.");
    e.retry_after_seconds = 5;
    return e;
}

http::Response ready(storage::Storage& storage, const std::atomic<bool>& draining,
                     const http::Request& /*request*/) {
    if (draining.load()) return http::error_response(database_unavailable());
    if (storage.ping()) return http::json_response(200, R"({"status":"ok"})");
    return http::error_response(database_unavailable());
}

http::Response api_root(const http::Request& request) {
    // reverse("task-list", format=...) made absolute.
    const std::string path =
        request.format.empty() ? "/api/tasks/" : "/api/tasks." + request.format;
    std::string body = "{\"tasks\":";
    core::append_json_string(body, http::absolute_url(request, path));
    body += '}';
    return http::json_response(200, std::move(body));
}

}  // namespace taskapi::app
