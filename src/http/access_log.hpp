// The access log (one `info` line per answered request) and request ids. No Beast, no Asio: the
// server hands over what it knows of an exchange, this file decides what a line says.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace taskapi::http {

// The longest X-Request-ID kept from a client (a UUID is 36 characters, a W3C trace parent 55).
constexpr std::size_t kMaxRequestIdLength = 128;

// A client's X-Request-ID is kept when it is 1 to kMaxRequestIdLength visible ASCII characters
// (0x21-0x7E): nothing in it can break a log line or an answer's header.
[[nodiscard]] bool is_sane_request_id(std::string_view id);

// A new request id: a random prefix drawn once per process, a dash and a counter, in hex
// ("9f86d081884c7d65-1a"). The counter makes ids unique within a process at the cost of an
// atomic increment (no random draw per request); the 64-bit prefix makes two processes (several
// servers behind one proxy, a restart) unlikely to share one.
[[nodiscard]] std::string new_request_id();

// The request id of an exchange: the client's X-Request-ID (sent once) when sane, else a new one.
[[nodiscard]] std::string choose_request_id(const std::optional<std::string>& sent);

// What one access line says. Only the path is logged, never the query: a query value can hold
// a secret, and so can a parameter name (`/api/tasks/?<token>`), so neither is written.
struct AccessRecord {
    std::string_view method;  // as sent; empty: the request line was not read
    std::string_view path;    // as sent, without the query; empty: not read
    int status = 0;
    std::chrono::microseconds duration{0};  // from the request read to the answer written
    std::size_t bytes = 0;                  // body bytes sent
    std::optional<core::UserId> user_id;    // the authenticated user
    std::string_view remote_address;        // the peer; empty: unknown
    std::string_view client_address;        // as the login throttle sees it (TASKAPI_NUM_PROXIES)
    std::string_view request_id;
};

// Formats the line (at info, text or JSON as TASKAPI_LOG_FORMAT says) into a buffer of the
// calling thread, written by flush_access_log(), when the buffer passes 16 KiB, or when the
// thread ends: a write(2) per line cost about a tenth of a detail request's throughput
// (README, Logs). True when the buffer was empty before: the caller then makes sure that
// flush_access_log() runs on this thread soon (the server, 20 ms later: the lines of that
// stretch go out in one write).
//   text: <time> info access method=GET path=/api/tasks/1/ status=200 duration_ms=0.213
//         bytes=87 user_id=1 remote=127.0.0.1 client=127.0.0.1 request_id=...
//   json: {"time":...,"level":"info","message":"access","method":"GET",...,"duration_ms":0.213,
//          "bytes":87,"user_id":1,...}
// user_id is left out for an anonymous request.
[[nodiscard]] bool log_access(const AccessRecord& record);

// Writes the calling thread's buffered access lines.
void flush_access_log();

}  // namespace taskapi::http
