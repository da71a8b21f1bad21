// Maps core::Error to DRF-shaped JSON answers; the one place that knows status codes for errors.
#pragma once

#include <string_view>

#include "core/result.hpp"
#include "http/response.hpp"

namespace taskapi::http {

Response error_response(const core::Error& error);

// {"detail": "<detail>"} with the given status.
Response detail_response(int status, std::string_view detail);

// 404 {"detail":"Not found."}
Response not_found();

}  // namespace taskapi::http
