#include "http/server.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/log.hpp"
#include "core/text.hpp"

namespace taskapi::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);
constexpr std::size_t kFirstReadBytes = 4096;
constexpr std::size_t kMaxHeaderFields = 100;

using BeastRequest = bhttp::request<bhttp::string_body>;

Method to_method(bhttp::verb verb) {
    switch (verb) {
        case bhttp::verb::get:
            return Method::kGet;
        case bhttp::verb::head:
            return Method::kHead;
        case bhttp::verb::post:
            return Method::kPost;
        case bhttp::verb::put:
            return Method::kPut;
        case bhttp::verb::patch:
            return Method::kPatch;
        case bhttp::verb::delete_:
            return Method::kDelete;
        case bhttp::verb::options:
            return Method::kOptions;
        default:
            return Method::kOther;
    }
}

template <typename Field>
std::optional<std::string> header(const BeastRequest& req, Field field) {
    const auto it = req.find(field);
    if (it == req.end()) return std::nullopt;
    return std::string(it->value());
}

Request to_request(BeastRequest&& req, const std::string& fallback_host) {
    Request r;
    r.method = to_method(req.method());
    r.method_name = std::string(req.method_string());
    const std::string_view target = req.target();
    const auto q = target.find('?');
    r.raw_path = std::string(target.substr(0, q));
    r.path = core::percent_decode(r.raw_path, false);
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    r.authorization = header(req, bhttp::field::authorization);
    r.content_type = header(req, bhttp::field::content_type);
    r.accept = header(req, bhttp::field::accept);
    r.host = header(req, bhttp::field::host).value_or(fallback_host);
    r.forwarded_for = header(req, "X-Forwarded-For");
    r.body = std::move(req.body());
    return r;
}

// "Thu, 26 Nov 2026 17:20:05 GMT", formatted once a second per thread.
const std::string& http_date() {
    thread_local std::time_t cached_second = 0;
    thread_local std::string cached;
    const std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        char buf[64];
        const auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached.assign(buf, n);
        cached_second = now;
    }
    return cached;
}

// The answer on the wire. Written by hand rather than through Beast's serializer: one buffer,
// one write, and no per-field bookkeeping (this is the hottest code after the handlers).
struct WireResponse {
    std::string bytes;
    bool keep_alive = false;
};

WireResponse to_wire(const Response& r, unsigned version, bool is_head, bool keep_alive) {
    WireResponse out;
    out.keep_alive = keep_alive && !r.close;
    std::string& w = out.bytes;
    w.reserve(320 + (is_head ? 0 : r.body.size()));
    w += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    w += std::to_string(r.status);
    w += ' ';
    w += bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    w += "\r\nServer: taskapi\r\nDate: ";
    w += http_date();
    if (!r.content_type.empty()) {
        w += "\r\nContent-Type: ";
        w += r.content_type;
    }
    for (const auto& [name, value] : r.headers) {
        w += "\r\n";
        w += name;
        w += ": ";
        w += value;
    }
    // Django's SecurityMiddleware and XFrameOptionsMiddleware headers; like Django, its
    // APPEND_SLASH redirects carry no X-Frame-Options.
    w += "\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin";
    if (r.status != 301 && r.status != 308) w += "\r\nX-Frame-Options: DENY";
    if (version >= 11 && !out.keep_alive) w += "\r\nConnection: close";
    if (version == 10 && out.keep_alive) w += "\r\nConnection: keep-alive";
    w += "\r\nContent-Length: ";
    w += std::to_string(r.body.size());
    w += "\r\n\r\n";
    if (!is_head) w += r.body;
    return out;
}

Response simple_error(int status, std::string_view detail) {
    std::string body = "{\"detail\":";
    core::append_json_string(body, detail);
    body += '}';
    Response r = json_response(status, std::move(body));
    r.close = true;
    return r;
}

// Checks Beast leaves to the application (RFC 9112): a framing it cannot read safely is refused
// outright, so no bytes of a body can be taken for the next request (request smuggling).
std::optional<Response> check_header(const bhttp::request_header<>& head) {
    std::size_t fields = 0;
    std::size_t hosts = 0;
    std::size_t transfer_encodings = 0;
    for (const auto& field : head) {
        ++fields;
        if (field.name() == bhttp::field::host) ++hosts;
        if (field.name() == bhttp::field::transfer_encoding) ++transfer_encodings;
    }
    if (fields > kMaxHeaderFields) return simple_error(431, "Request header fields too large.");
    if (hosts > 1 || (hosts == 0 && head.version() >= 11)) {
        return simple_error(400, "Malformed HTTP request.");
    }
    if (transfer_encodings > 0) {
        // Only a lone "chunked" is understood; anything else cannot be framed.
        const auto te = head[bhttp::field::transfer_encoding];
        const std::string_view value = core::trim_blanks(std::string_view(te.data(), te.size()));
        if (transfer_encodings > 1 || core::ascii_lower(value) != "chunked" ||
            head.find(bhttp::field::content_length) != head.end()) {
            return simple_error(400, "Malformed HTTP request.");
        }
    }
    return std::nullopt;
}

// 503 with Retry-After: the server is at a capacity limit.
Response busy_response() {
    Response busy = json_response(503, R"({"detail":"Server busy, try again later."})");
    busy.set_header("Retry-After", "1");
    return busy;
}

struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = true;  // touched only on the connection's strand
};

}  // namespace

// One io_context per I/O thread (concurrency hint 1): a connection lives on one thread for its
// whole life, so it needs no strand and its context no cross-thread locking; the acceptor hands
// connections out round-robin. Measured against one shared io_context on the same threads in
// docs/decisions/003-io-threading.md.
std::vector<std::unique_ptr<asio::io_context>> make_contexts(int threads) {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (int i = 0; i < std::max(1, threads); ++i) {
        contexts.push_back(std::make_unique<asio::io_context>(1));
    }
    return contexts;
}

using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

struct Server::Impl {
    Impl(const Router& r, ServerOptions o)
        : router(r),
          options(std::move(o)),
          contexts(make_contexts(options.io_threads)),
          slow_pool(static_cast<std::size_t>(std::max(1, options.slow_threads))),
          acceptor(*contexts.front()),
          signals(*contexts.front(), SIGINT, SIGTERM),
          grace_timer(*contexts.front()) {
        for (auto& context : contexts) work_guards.emplace_back(context->get_executor());
    }

    const Router& router;
    ServerOptions options;
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    asio::thread_pool slow_pool;
    // The acceptor, the signals, the grace timer and the work guards live on the first context
    // and are touched only from its thread.
    tcp::acceptor acceptor;
    asio::signal_set signals;
    asio::steady_timer grace_timer;
    std::vector<WorkGuard> work_guards;  // keep idle contexts running until shutdown
    std::size_t next_context = 0;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> slow_in_flight{0};
    std::string listen_host;

    std::mutex connections_mutex;
    std::unordered_set<std::shared_ptr<Connection>> connections;

    void listen();
    awaitable<void> accept_loop();
    // Answers 503 and closes: the connection cap is reached.
    awaitable<void> refuse(tcp::socket socket);
    awaitable<void> session(std::shared_ptr<Connection> conn);
    awaitable<Response> respond(Request request);
    Response dispatch_safely(Request& request);
    // Runs a handler's deferred work on the slow pool and resumes the caller on its own thread
    // with the answer; an exception becomes the generic 500, logged under the request's name.
    awaitable<Response> dispatch_on_slow_pool(std::function<Response()> work,
                                              std::string request_name);
    void begin_shutdown();
    // On the first context: once shutdown has begun and no connection is left, let run() return.
    void finish_shutdown_if_drained();
    void forget(const std::shared_ptr<Connection>& conn);
};

Response Server::Impl::dispatch_safely(Request& request) {
    try {
        return router.dispatch(request);
    } catch (const std::exception& e) {
        core::log_error(std::string("unhandled error on ") + request.method_name + " " +
                        request.path + ": " + e.what());
    } catch (...) {
        core::log_error("unhandled non-standard exception on " + request.method_name + " " +
                        request.path);
    }
    Response r = json_response(500, R"({"detail":"A server error occurred."})");
    return r;
}

awaitable<Response> Server::Impl::respond(Request request) {
    Response response = dispatch_safely(request);
    if (!response.deferred) co_return response;
    // Slow work (Argon2id) runs on its own bounded pool; the I/O thread keeps serving. Only work
    // that is left after the handler's quick checks (a throttled login is answered inline)
    // takes a place in the queue.
    if (slow_in_flight.fetch_add(1) >= options.max_slow_queue) {
        slow_in_flight.fetch_sub(1);
        co_return busy_response();
    }
    Response r = co_await dispatch_on_slow_pool(std::move(response.deferred),
                                                request.method_name + " " + request.path);
    slow_in_flight.fetch_sub(1);
    co_return r;
}

awaitable<Response> Server::Impl::dispatch_on_slow_pool(std::function<Response()> work,
                                                        std::string request_name) {
    // Not co_spawn: in Boost 1.81 a co_spawned coroutine that finishes on the pool posts its
    // completion to the back of the pool's queue, so each finished login waited behind every hash
    // queued after it and logins completed in batches. Here the pool thread hands the answer back
    // to this connection's thread at once, and a timer wakes the coroutine there. The locals live
    // in this coroutine's frame, which stays suspended until the pool is done with them.
    auto io_executor = co_await asio::this_coro::executor;
    asio::steady_timer done(io_executor, asio::steady_timer::time_point::max());
    std::optional<Response> answer;
    asio::post(slow_pool, [io_executor, &work, &request_name, &answer, &done] {
        // The second half of dispatch_safely's catch site: deferred work fails the same way.
        try {
            answer = work();
        } catch (const std::exception& e) {
            core::log_error("unhandled error on " + request_name + ": " + e.what());
        } catch (...) {
            core::log_error("unhandled non-standard exception on " + request_name);
        }
        if (!answer) answer = json_response(500, R"({"detail":"A server error occurred."})");
        asio::post(io_executor, [&done] { done.cancel(); });
    });
    co_await done.async_wait(kTuple);
    co_return std::move(*answer);
}

awaitable<void> Server::Impl::session(std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer;
    auto& stream = conn->stream;
    beast::error_code endpoint_error;
    const std::string remote_address =
        stream.socket().remote_endpoint(endpoint_error).address().to_string();
    while (!stopping.load()) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(options.body_limit);
        parser.header_limit(static_cast<std::uint32_t>(options.header_limit));

        conn->idle = true;
        if (buffer.size() == 0) {
            // Between requests the idle timeout applies, until the next request's first byte.
            stream.expires_after(options.idle_timeout);
            auto [rec, rn] =
                co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), kTuple);
            if (rec) break;
            buffer.commit(rn);
        }
        conn->idle = false;
        // From its first byte on, the whole request (headers and body) must arrive within the read
        // timeout: one deadline for all of it, so a client trickling bytes is cut off.
        stream.expires_after(options.read_timeout);
        auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
        std::optional<Response> failure;
        if (!ec) failure = check_header(parser.get());
        if (!ec && !failure) {
            auto& head = parser.get();
            if (head[bhttp::field::expect] == "100-continue" && !parser.is_done()) {
                const auto length = parser.content_length();
                if (length && *length > options.body_limit) {
                    failure = simple_error(413, "Request body too large.");
                } else {
                    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                    auto [wec, wn] =
                        co_await asio::async_write(stream, asio::buffer(kContinue), kTuple);
                    if (wec) break;
                }
            }
            if (!failure) {
                std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
            }
        }
        if (ec == bhttp::error::body_limit) {
            failure = simple_error(413, "Request body too large.");
        } else if (ec == bhttp::error::header_limit) {
            failure = simple_error(431, "Request header fields too large.");
        } else if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                   ec == beast::error::timeout || ec == asio::error::operation_aborted ||
                   ec == asio::error::connection_reset) {
            break;
        } else if (ec) {
            failure = simple_error(400, "Malformed HTTP request.");
        }

        Response response;
        unsigned version = 11;
        bool keep_alive = false;
        bool is_head = false;
        if (failure) {
            response = std::move(*failure);
        } else {
            BeastRequest req = parser.release();
            version = req.version();
            keep_alive = req.keep_alive();
            is_head = req.method() == bhttp::verb::head;
            Request request = to_request(std::move(req), listen_host);
            request.remote_address = remote_address;
            const auto started = std::chrono::steady_clock::now();
            const std::string method = request.method_name;
            const std::string path = request.raw_path;
            response = co_await respond(std::move(request));
            if (core::log_enabled(core::LogLevel::kDebug)) {
                const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count();
                core::log_debug(method + " " + path + " " + std::to_string(response.status) + " " +
                                std::to_string(us) + "us");
            }
        }
        if (stopping.load()) response.close = true;
        const WireResponse wire = to_wire(response, version, is_head, keep_alive);
        stream.expires_after(options.read_timeout);
        auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(wire.bytes), kTuple);
        if (wec || !wire.keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
    forget(conn);
}

awaitable<void> Server::Impl::refuse(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    Response busy = busy_response();
    busy.close = true;
    const WireResponse wire = to_wire(busy, 11, false, false);
    stream.expires_after(std::chrono::seconds{5});
    co_await asio::async_write(stream, asio::buffer(wire.bytes), kTuple);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
}

void Server::Impl::forget(const std::shared_ptr<Connection>& conn) {
    std::lock_guard lock(connections_mutex);
    connections.erase(conn);
    if (stopping.load() && connections.empty()) {
        asio::post(contexts.front()->get_executor(), [this] { finish_shutdown_if_drained(); });
    }
}

awaitable<void> Server::Impl::accept_loop() {
    while (true) {
        auto& context = *contexts[next_context++ % contexts.size()];
        auto [ec, socket] = co_await acceptor.async_accept(context.get_executor(), kTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping.load()) co_return;
            core::log_warning("accept failed: " + ec.message());
            continue;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        bool full = false;
        {
            std::lock_guard lock(connections_mutex);
            full = connections.size() >= options.max_connections;
        }
        if (full) {
            auto executor = socket.get_executor();
            asio::co_spawn(executor, refuse(std::move(socket)), asio::detached);
            continue;
        }
        auto conn = std::make_shared<Connection>(std::move(socket));
        {
            std::lock_guard lock(connections_mutex);
            connections.insert(conn);
        }
        auto executor = conn->stream.get_executor();
        asio::co_spawn(executor, session(std::move(conn)), asio::detached);
    }
}

void Server::Impl::begin_shutdown() {
    if (stopping.exchange(true)) return;
    core::log_info("shutting down: finishing in-flight requests");
    asio::post(acceptor.get_executor(), [this] {
        beast::error_code ignored;
        acceptor.close(ignored);
    });
    std::vector<std::shared_ptr<Connection>> open;
    {
        std::lock_guard lock(connections_mutex);
        open.assign(connections.begin(), connections.end());
    }
    // Idle connections are closed now; busy ones close after their current answer.
    for (auto& conn : open) {
        asio::post(conn->stream.get_executor(), [conn] {
            if (conn->idle) conn->stream.cancel();
        });
    }
    grace_timer.expires_after(options.shutdown_grace);
    grace_timer.async_wait([this](beast::error_code ec) {
        if (!ec) {
            core::log_warning("shutdown grace period over: closing remaining connections");
            for (auto& context : contexts) context->stop();
        }
    });
    finish_shutdown_if_drained();
}

void Server::Impl::finish_shutdown_if_drained() {
    {
        std::lock_guard lock(connections_mutex);
        if (!connections.empty()) return;
    }
    grace_timer.cancel();
    work_guards.clear();
}

void Server::Impl::listen() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(options.host, ec);
    if (ec) throw std::runtime_error("invalid listen address '" + options.host + "'");
    const tcp::endpoint endpoint{address, options.port};
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint, ec);
    if (ec) {
        throw std::runtime_error("cannot listen on " + options.host + ":" +
                                 std::to_string(options.port) + ": " + ec.message());
    }
    acceptor.listen(asio::socket_base::max_listen_connections);
    const auto bound = acceptor.local_endpoint();
    const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                     : bound.address().to_string();
    listen_host = host + ":" + std::to_string(bound.port());
    if (options.on_listening) options.on_listening("http://" + listen_host);
}

Server::Server(const Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

Server::~Server() = default;

void Server::run() {
    Impl& s = *impl_;
    s.listen();
    s.signals.async_wait([&s](beast::error_code ec, int /*signal*/) {
        if (!ec) s.begin_shutdown();
    });
    asio::co_spawn(s.acceptor.get_executor(), s.accept_loop(), asio::detached);

    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < s.contexts.size(); ++i) {
        threads.emplace_back([context = s.contexts[i].get()] { context->run(); });
    }
    s.contexts.front()->run();
    for (auto& t : threads) t.join();
    s.slow_pool.join();
    core::log_info("stopped");
}

}  // namespace taskapi::http
