// Our HTTP response: what handlers return. Security headers are added by the server for every
// answer.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace taskapi::http {

struct Response {
    int status = 200;
    std::string content_type = "application/json";  // empty: no Content-Type header (204)
    std::string body;
    std::vector<std::pair<std::string, std::string>>
        headers;         // extra headers (Allow, Location, ...)
    bool close = false;  // close the connection after this answer
    // Slow work still to be done (password hashing): when set, the server runs it on its hashing
    // pool, or answers 503 busy when that pool's queue is full, and sends the Response it
    // returns instead of this one. It runs on another thread: it must own what it uses.
    std::function<Response()> deferred;

    void set_header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
    }
};

// A JSON answer with a pre-serialized body.
inline Response json_response(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

// An answer that is slow work still to be done (see Response::deferred).
inline Response defer(std::function<Response()> work) {
    Response r;
    r.deferred = std::move(work);
    return r;
}

inline Response no_content() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

}  // namespace taskapi::http
