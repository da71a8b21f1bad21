// The HTTP/1.1 server: accepts connections, converts Beast messages to our Request/Response and
// back, and runs the router. The only component that sees Beast and Asio (a pimpl keeps them out).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/metrics.hpp"
#include "core/result.hpp"
#include "http/router.hpp"

namespace taskapi::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;         // 0: any free port
    int io_threads = 1;                // threads running network I/O and fast handlers
    int slow_threads = 1;              // threads for slow handlers (password hashing)
    std::size_t max_slow_queue = 256;  // slow requests waiting beyond this get 503
    // The database executor: threads that answer every request whose Work (Router::work_for) is
    // not kInline, authentication included, and produce the pieces of streamed answers
    // (Response::rest). 0: no executor, such requests are answered on the I/O threads (an
    // embedded database; docs/decisions/008-database-execution-model.md).
    int database_threads = 0;
    std::size_t max_database_queue = 1024;  // requests waiting or running beyond this get 503
    // Without an executor: threads for requests that write (POST, PUT, PATCH, DELETE whose Work
    // is kDatabase). Each waits there for its commit while the I/O threads go on serving, and
    // the writes waiting at the same time share one commit (the storage's group commit,
    // docs/decisions/011-group-commit.md). Bounded by max_database_queue. 0: writes run on the
    // I/O threads, one commit each.
    int write_threads = 0;
    // Turns an exception a handler threw into the error of an expected failure (the database
    // unreachable: kUnavailable, answered 503); nullopt, or unset: the generic 500. Called on
    // the thread that ran the handler; must not throw.
    std::function<std::optional<core::Error>(const std::exception&)> error_for_exception;
    std::size_t body_limit = std::size_t{1024} * 1024;  // bytes; larger bodies get 413
    // Bytes of request line and headers (larger get 431); also the most the read buffer holds
    // unparsed (a chunk-size line with extensions, a trailer section: larger get 400).
    std::size_t header_limit = std::size_t{16} * 1024;
    std::size_t max_connections = 10000;  // beyond: the longest-idle one is closed, or 503
    std::size_t max_connections_per_address = 256;  // likewise per client address; 0: no cap
    std::chrono::seconds first_byte_timeout{10};    // a new connection waiting for its first byte
    std::chrono::seconds idle_timeout{60};          // a kept-alive connection waiting for a request
    std::chrono::seconds read_timeout{30};          // one request, from its first byte to its last;
                                                    // also each write of an answer
    std::chrono::seconds shutdown_grace{30};        // in-flight requests may finish within this
    // After the first SIGINT or SIGTERM, requests are still served this long (every answer
    // closing its connection) before the shutdown begins; `on_drain` is called when it starts, so
    // that readiness can answer 503 and a load balancer stops sending. A second signal ends the
    // drain at once. 0: the shutdown begins at the first signal.
    std::chrono::seconds drain{0};
    std::function<void()> on_drain;
    // The access log: one info line per answered request (http/access_log.hpp); `num_proxies`
    // for the client address it names as the login throttle sees it.
    bool access_log = true;
    int num_proxies = 0;
    // Called once the socket listens, with "http://host:port" (port resolved when 0 was asked).
    std::function<void(const std::string& url)> on_listening;
    // Prometheus metrics: the server counts its requests, connections and pools there, and
    // answers GET /metrics with registry->render(). Null: no metrics, /metrics is unknown (404).
    core::metrics::Registry* metrics = nullptr;
    // /metrics on this listener, to loopback peers whose request came through no proxy (no
    // X-Forwarded-For, no Forwarded: a proxy on the same host would publish it); others get 404.
    bool metrics_on_main_port = false;
    // A listener of its own that answers only /metrics, to any peer that reaches it (port 0:
    // any free port); on_metrics_listening gets "http://host:port" once it listens.
    struct Listener {
        std::string host;
        std::uint16_t port = 0;
    };
    std::optional<Listener> metrics_listener;
    std::function<void(const std::string& url)> on_metrics_listening;
};

class Server {
public:
    Server(const Router& router, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Listens and serves until SIGINT or SIGTERM (and the drain after it), then stops accepting,
    // lets in-flight requests finish, and returns. Throws std::runtime_error when it cannot listen.
    void run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace taskapi::http
