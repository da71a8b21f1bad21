// The one way to build an error answer: maps core::Error to a status and a DRF-shaped JSON body.
// No other file knows which status an ErrorCode becomes.
#pragma once

#include "core/result.hpp"
#include "http/response.hpp"

namespace taskapi::http {

// What an ErrorCode becomes over HTTP (DRF's APIException subclasses and their status codes).
struct ErrorStatus {
    int status = 500;
    // The answer says Connection: close: after a request that could not be read (its framing
    // cannot be trusted), or when the server is at a capacity limit.
    bool closes_connection = false;
};
[[nodiscard]] ErrorStatus error_status(core::ErrorCode code);

// The answer to `error`, with the status of error_status(error.code):
//  - kInvalidArgument with field errors: {"<field>":["<message>",...],...} in field order;
//  - otherwise {"detail":"<message>"}, then "code":"<reason>" when there is a reason, then
//    "messages":[{"<name>":"<text>",...},...] when there are further messages.
// A 401 says WWW-Authenticate: Bearer realm="api"; retry_after_seconds > 0 becomes Retry-After.
Response error_response(const core::Error& error);

// 404 {"detail":"Not found."}
Response not_found();

}  // namespace taskapi::http
