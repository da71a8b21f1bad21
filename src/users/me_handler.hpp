// GET /api/me/: the authenticated user's id and username.
#pragma once

#include "http/request.hpp"
#include "http/response.hpp"

namespace taskapi::users {

http::Response me(const http::Request& request);

}  // namespace taskapi::users
