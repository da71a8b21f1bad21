#include "http/error_response.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace taskapi::http {
namespace {

namespace json = boost::json;

int status_for(core::ErrorCode code) {
    switch (code) {
        case core::ErrorCode::kInvalidArgument:
            return 400;
        case core::ErrorCode::kUnauthenticated:
            return 401;
        case core::ErrorCode::kPermissionDenied:
            return 403;
        case core::ErrorCode::kNotFound:
            return 404;
        case core::ErrorCode::kConflict:
            return 409;
        case core::ErrorCode::kUnsupportedFormat:
            return 415;
        case core::ErrorCode::kRateLimited:
            return 429;
        case core::ErrorCode::kUnavailable:
            return 503;
        case core::ErrorCode::kInternal:
            return 500;
    }
    return 500;
}

}  // namespace

Response detail_response(int status, std::string_view detail) {
    json::object body;
    body["detail"] = detail;
    return json_response(status, json::serialize(body));
}

Response not_found() { return json_response(404, R"({"detail":"Not found."})"); }

Response error_response(const core::Error& error) {
    const int status = status_for(error.code);
    json::object body;
    if (error.code == core::ErrorCode::kInvalidArgument && !error.field_errors.empty()) {
        for (const auto& field : error.field_errors) {
            json::array messages;
            for (const auto& m : field.messages) messages.emplace_back(m);
            body[field.field] = std::move(messages);
        }
    } else {
        body["detail"] = error.message;
        if (!error.reason.empty()) body["code"] = error.reason;
        if (!error.messages.empty()) {
            json::array messages;
            for (const auto& entry : error.messages) {
                json::object item;
                for (const auto& [name, text] : entry) item[name] = text;
                messages.emplace_back(std::move(item));
            }
            body["messages"] = std::move(messages);
        }
    }
    Response r = json_response(status, json::serialize(body));
    if (status == 401) r.set_header("WWW-Authenticate", "Bearer realm=\"api\"");
    if (error.code == core::ErrorCode::kRateLimited && error.retry_after_seconds > 0) {
        r.set_header("Retry-After", std::to_string(error.retry_after_seconds));
    }
    return r;
}

}  // namespace taskapi::http
