// Reads one HTTP/1.1 request from the bytes a connection receives, with every limit applied
// (RFC 9112 framing): request line and header fields, their number, the body, chunk-size lines
// with their extensions, trailers. Knows nothing of sockets, so the server and the fuzzers drive
// the same code; Beast's parser stays inside request_reader.cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"

namespace taskapi::http {

struct ReadLimits {
    std::size_t header_bytes =
        std::size_t{16} * 1024;       // request line and header fields; beyond: 431
    std::size_t header_fields = 100;  // beyond: 431
    std::size_t body_bytes = std::size_t{1024} * 1024;  // declared or received; beyond: 413
    // Bytes the reader may need to hold unparsed at once: a header section, a chunk-size line
    // with its extensions, a trailer section. The caller's buffer never needs more than this:
    // a client that sends more of them gets 400 (431 while in the header section).
    std::size_t buffered_bytes = std::size_t{16} * 1024;
};

// One request; make a new reader for the next one. Not thread-safe (a connection's own).
class RequestReader {
public:
    enum class Progress {
        kNeedMore,  // feed more bytes (after compacting the buffer: see feed)
        kContinue,  // the header is valid and the client waits for "100 Continue" before the body
        kComplete,  // the request is read: take_request()
        kFailed,    // the request cannot be served: send failure(), then close the connection
    };

    explicit RequestReader(const ReadLimits& limits);
    ~RequestReader();
    RequestReader(const RequestReader&) = delete;
    RequestReader& operator=(const RequestReader&) = delete;

    // Parses what it can of `input`, which holds every byte received and not yet consumed, and
    // sets `consumed` to how many of them it used; the caller drops those before calling again.
    // kContinue is reported at most once; feed again afterwards (with no new bytes if need be).
    // When kNeedMore is returned, input.size() - consumed < limits.buffered_bytes.
    Progress feed(std::string_view input, std::size_t& consumed);

    // After kComplete: the request (HTTP types of our own). Its host is the authority of an
    // absolute-form target (RFC 9112 3.2.2), else the Host header, else `fallback_host` (HTTP/1.0
    // without Host). A target that is neither origin-form nor absolute-form becomes a path that
    // no route has. (An absolute-form target with userinfo or an invalid host fails with 400.)
    [[nodiscard]] Request take_request(std::string_view fallback_host);
    // After kComplete, before or after take_request().
    [[nodiscard]] unsigned version() const;  // 10 or 11
    [[nodiscard]] bool keep_alive() const;   // the client allows another request after it
    [[nodiscard]] bool is_head() const;      // a HEAD request: the answer has no body

    // After kFailed: the answer, a 4xx with Connection: close.
    [[nodiscard]] Response failure() const;
    // After kFailed: the Origin header, if its line was read before the failure (for the CORS
    // headers of the answer).
    [[nodiscard]] std::optional<std::string> origin() const;
    // After kComplete (before take_request()) or kFailed: the X-Request-ID header when it was
    // read and sent on one line; several lines are nullopt (which one would a proxy have kept?).
    [[nodiscard]] std::optional<std::string> request_id() const;
    // After kFailed: what the access log can say of the request: its method_name and raw_path
    // when the request line was read, else both empty.
    [[nodiscard]] Request failed_request() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace taskapi::http
