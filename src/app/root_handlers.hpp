// The views without a model: the health and readiness checks and the API root (DefaultRouter's
// index).
#pragma once

#include <atomic>

#include "core/result.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "storage/open_storage.hpp"

namespace taskapi::app {

// {"status":"ok"}
http::Response health(const http::Request& request);

// The database cannot be reached: 503 {"detail":"Service temporarily unavailable."} with
// Retry-After (a database restart takes seconds).
core::Error database_unavailable();

// {"status":"ok"} when the database answers a trivial query (Storage::ping); otherwise 503
// {"detail":"Service temporarily unavailable."} with Retry-After. Also that 503, without asking
// the database, once `draining` is set: the process is about to stop (TASKAPI_DRAIN_SECONDS).
http::Response ready(storage::Storage& storage, const std::atomic<bool>& draining,
                     const http::Request& request);

// {"tasks":"http://<host>/api/tasks/"}: an absolute URL built from the Host header; a format
// suffix on the root (/api/.json) carries over to the link.
http::Response api_root(const http::Request& request);

}  // namespace taskapi::app
