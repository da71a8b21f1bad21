#include "http/error_response.hpp"

#include <string>

#include "core/text.hpp"

namespace taskapi::http {
namespace {

// {"<name>":"<text>",...}
void append_entry(std::string& out, const core::ErrorEntry& entry) {
    out += '{';
    for (std::size_t i = 0; i < entry.size(); ++i) {
        if (i != 0) out += ',';
        core::append_json_string(out, entry[i].first);
        out += ':';
        core::append_json_string(out, entry[i].second);
    }
    out += '}';
}

// DRF's ValidationError: each field's list of messages.
void append_field_errors(std::string& out, const std::vector<core::FieldError>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i != 0) out += ',';
        core::append_json_string(out, fields[i].field);
        out += ":[";
        for (std::size_t j = 0; j < fields[i].messages.size(); ++j) {
            if (j != 0) out += ',';
            core::append_json_string(out, fields[i].messages[j]);
        }
        out += ']';
    }
}

void append_detail(std::string& out, const core::Error& error) {
    out += "\"detail\":";
    core::append_json_string(out, error.message);
    if (!error.reason.empty()) {
        out += ",\"code\":";
        core::append_json_string(out, error.reason);
    }
    if (!error.messages.empty()) {
        out += ",\"messages\":[";
        for (std::size_t i = 0; i < error.messages.size(); ++i) {
            if (i != 0) out += ',';
            append_entry(out, error.messages[i]);
        }
        out += ']';
    }
}

}  // namespace

ErrorStatus error_status(core::ErrorCode code) {
    using core::ErrorCode;
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return {.status = 400};
        case ErrorCode::kMalformedRequest:
            return {.status = 400, .closes_connection = true};
        case ErrorCode::kUnauthenticated:
            return {.status = 401};
        case ErrorCode::kPermissionDenied:
            return {.status = 403};
        case ErrorCode::kNotFound:
            return {.status = 404};
        case ErrorCode::kMethodNotAllowed:
            return {.status = 405};
        case ErrorCode::kNotAcceptable:
            return {.status = 406};
        case ErrorCode::kConflict:
            return {.status = 409};
        case ErrorCode::kPayloadTooLarge:
            return {.status = 413, .closes_connection = true};
        case ErrorCode::kUnsupportedFormat:
            return {.status = 415};
        case ErrorCode::kRateLimited:
            return {.status = 429};
        case ErrorCode::kHeadersTooLarge:
            return {.status = 431, .closes_connection = true};
        case ErrorCode::kInternal:
            return {.status = 500};
        case ErrorCode::kUnavailable:
            return {.status = 503, .closes_connection = true};
    }
    return {.status = 500};
}

Response error_response(const core::Error& error) {
    const ErrorStatus how = error_status(error.code);
    std::string body = "{";
    if (error.code == core::ErrorCode::kInvalidArgument && !error.field_errors.empty()) {
        append_field_errors(body, error.field_errors);
    } else {
        append_detail(body, error);
    }
    body += '}';
    Response r = json_response(how.status, std::move(body));
    r.close = how.closes_connection;
    if (how.status == 401) r.add_header("WWW-Authenticate", "Bearer realm=\"api\"");
    if (error.retry_after_seconds > 0) {
        r.add_header("Retry-After", std::to_string(error.retry_after_seconds));
    }
    return r;
}

Response not_found() {
    return error_response(core::make_error(core::ErrorCode::kNotFound, "Not found."));
}

}  // namespace taskapi::http
