// The two views without a model: the health check and the API root (DefaultRouter's index).
#pragma once

#include "http/request.hpp"
#include "http/response.hpp"

namespace taskapi::app {

// {"status":"ok"}
http::Response health(const http::Request& request);

// {"tasks":"http://<host>/api/tasks/"}: an absolute URL built from the Host header; a format
// suffix on the root (/api/.json) carries over to the link.
http::Response api_root(const http::Request& request);

}  // namespace taskapi::app
