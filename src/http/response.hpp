// Our HTTP response: what handlers return. Security headers are added by the server for every
// answer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace taskapi::http {

// The rest of a body that is produced while it is sent, for answers that can be larger than is
// reasonable to hold (a task list): the server asks for the next piece once the previous one is
// on its way, so a client that reads slowly holds one piece, not the whole answer. next() runs
// where the answer's route ran (it may read the database): on the database executor when the
// server has one, else on the connection's I/O thread; never on two threads at once.
class BodyStream {
public:
    virtual ~BodyStream() = default;
    // Appends the next piece to `out`; false when it was the last one. Storage errors throw
    // (the server then aborts the connection: the status line has long been sent).
    virtual bool next(std::string& out) = 0;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";  // empty: no Content-Type header (204)
    std::string body;  // the whole body, or its first part when `rest` is set
    std::vector<std::pair<std::string, std::string>>
        headers;         // extra headers (Allow, Location, ...)
    bool close = false;  // close the connection after this answer
    // The remainder of the body, produced as it is sent; its length is not known in advance, so
    // the answer goes out with chunked transfer coding (to HTTP/1.0 clients: until the close).
    std::shared_ptr<BodyStream> rest;
    // Slow work still to be done (password hashing): when set, the server runs it on its hashing
    // pool, or answers 503 busy when that pool's queue is full, and sends the Response it
    // returns instead of this one. It runs on another thread: it must own what it uses.
    std::function<Response()> deferred;
    // The pattern of the route that answered (Route::pattern, set by the router and the server;
    // the metrics' route label); empty: no route matched.
    std::string_view route;

    // Appends a header line; it never replaces an earlier line of the same name.
    void add_header(std::string name, std::string value) {
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
