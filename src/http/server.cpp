#include "http/server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/status.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "http/access_log.hpp"
#include "http/connection_table.hpp"
#include "http/error_response.hpp"
#include "http/request_reader.hpp"

namespace taskapi::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using Tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);

constexpr std::size_t kFirstReadBytes = 4096;  // a request's first read; most fit in it
constexpr std::size_t kMaxHeaderFields = 100;
constexpr std::size_t kSmallBodyBytes = 4096;     // copied behind the head: one buffer, one send
constexpr std::size_t kEvictWhenOutOfFiles = 16;  // idle connections closed per failed accept
constexpr auto kAcceptPause = std::chrono::milliseconds{50};
constexpr auto kAcceptLogInterval = std::chrono::seconds{10};
// An I/O thread writes its access lines this long after the first of them (or once 16 KiB wait):
// one write(2) per request cost about a tenth of health's CPU when requests come one after
// another. A crash loses the lines of this last stretch.
constexpr auto kAccessLogDelay = std::chrono::milliseconds{20};
// An outage of the database fails every request: its log lines come one a second at most.
constexpr auto kExpectedFailureLogInterval = std::chrono::seconds{1};

// The key the connection caps count by: an IPv4 address, or the /64 prefix of an IPv6 one (a
// single host is usually given a whole /64, so its addresses count as one).
std::string address_key(const asio::ip::address& address) {
    if (address.is_v6()) {
        const auto v6 = address.to_v6();
        if (!v6.is_v4_mapped()) {
            const auto bytes = v6.to_bytes();
            return std::string(bytes.begin(), bytes.begin() + 8);
        }
        return address_key(asio::ip::make_address_v4(asio::ip::v4_mapped, v6));
    }
    const auto bytes = address.to_v4().to_bytes();
    return std::string(bytes.begin(), bytes.end());
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

// How the end of an answer's body is told: its length up front, chunked transfer coding (a body
// produced as it is sent, to HTTP/1.1 clients), or the close of the connection (to HTTP/1.0).
enum class Framing { kLength, kChunked, kUntilClose };

// The status line and headers of an answer, written by hand rather than through Beast's
// serializer: no per-field bookkeeping on the hottest path after the handlers. `request_id`, when
// not empty, is written as X-Request-ID after the answer's own headers.
std::string wire_head(const Response& r, unsigned version, bool keep_alive, Framing framing,
                      std::string_view request_id) {
    using namespace std::string_view_literals;
    std::string w;
    w.reserve(320 + (r.body.size() <= kSmallBodyBytes ? r.body.size() : 0));
    w += version == 10 ? "HTTP/1.0 "sv : "HTTP/1.1 "sv;
    w += std::to_string(r.status);
    w += ' ';
    w += bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    w += "\r\nServer: taskapi\r\nDate: "sv;
    w += http_date();
    if (!r.content_type.empty()) {
        w += "\r\nContent-Type: "sv;
        w += r.content_type;
    }
    for (const auto& [name, value] : r.headers) {
        w += "\r\n"sv;
        w += name;
        w += ": "sv;
        w += value;
    }
    if (!request_id.empty()) {
        w += "\r\nX-Request-ID: "sv;
        w += request_id;
    }
    // Django's SecurityMiddleware and XFrameOptionsMiddleware headers; like Django, its
    // APPEND_SLASH redirects carry no X-Frame-Options.
    w += "\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin"sv;
    if (r.status != 301 && r.status != 308) w += "\r\nX-Frame-Options: DENY"sv;
    if (version >= 11 && !keep_alive) w += "\r\nConnection: close"sv;
    if (version == 10 && keep_alive) w += "\r\nConnection: keep-alive"sv;
    switch (framing) {
        case Framing::kLength:
            // RFC 9110 8.6: a 304 may give only the length that a 200 would have had.
            if (r.status == 304) break;
            w += "\r\nContent-Length: "sv;
            w += std::to_string(r.body.size());
            break;
        case Framing::kChunked:
            w += "\r\nTransfer-Encoding: chunked"sv;
            break;
        case Framing::kUntilClose:
            break;
    }
    w += "\r\n\r\n"sv;
    return w;
}

// 503 with Retry-After: the server is at a capacity limit.
Response busy_response() {
    core::Error busy =
        core::make_error(core::ErrorCode::kUnavailable, "Server busy, try again later.");
    busy.retry_after_seconds = 1;
    return error_response(busy);
}

std::string busy_bytes(const std::string& request_id) {
    const Response busy = busy_response();
    return wire_head(busy, 11, false, Framing::kLength, request_id) + busy.body;
}

// A pool of worker threads whose queue is bounded: work beyond `max_queue` waiting or running is
// refused with busy_response() instead of waiting without end. The hashing pool and the database
// executor are two of these.
struct WorkerPool {
    WorkerPool(int thread_count, std::size_t max_queue_size)
        : threads(static_cast<std::size_t>(std::max(1, thread_count))), max_queue(max_queue_size) {}

    // A place in the queue, given back when it ends.
    class Place {
    public:
        explicit Place(WorkerPool* pool) : pool_(pool) {}
        ~Place() {
            if (pool_ != nullptr) pool_->in_flight.fetch_sub(1);
        }
        Place(Place&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)) {}
        Place(const Place&) = delete;
        Place& operator=(const Place&) = delete;
        Place& operator=(Place&&) = delete;
        explicit operator bool() const { return pool_ != nullptr; }

    private:
        WorkerPool* pool_;
    };

    // A place, or none (an empty Place) when max_queue are taken.
    Place enter() {
        if (in_flight.fetch_add(1) >= max_queue) {
            in_flight.fetch_sub(1);
            if (rejections != nullptr) rejections->add();
            return Place(nullptr);
        }
        return Place(this);
    }
    // A place whatever the count: for work that was admitted already and must go on (the next
    // piece of an answer whose status line is out). Each connection has one such job at most.
    Place enter_admitted() {
        in_flight.fetch_add(1);
        return Place(this);
    }

    asio::thread_pool threads;
    const std::size_t max_queue;
    std::atomic<std::size_t> in_flight{0};
    core::metrics::Counter* rejections = nullptr;  // counts refusals, when set
};

// Runs `fn` on `pool` and resumes the calling coroutine on its own thread with the result; an
// exception `fn` throws is rethrown there. `fn` is the caller's, named: GCC 12 destroys a
// temporary with a destructor in a co_await expression twice (a std::function crashed so).
// Not co_spawn: in Boost 1.81 a co_spawned coroutine that finishes on the pool posts its
// completion to the back of the pool's queue, so each finished login waited behind every hash
// queued after it and logins completed in batches. Here the pool thread hands the result back to
// the connection's thread at once, and a timer wakes the coroutine there. The locals live in this
// coroutine's frame, which stays suspended until the pool is done with them.
template <typename Fn>
awaitable<std::invoke_result_t<Fn&>> run_on(asio::thread_pool& pool, Fn& fn) {
    auto io_executor = co_await asio::this_coro::executor;
    asio::steady_timer done(io_executor, asio::steady_timer::time_point::max());
    std::optional<std::invoke_result_t<Fn&>> result;
    std::exception_ptr failure;
    asio::post(pool, [io_executor, &fn, &result, &failure, &done] {
        try {
            result.emplace(fn());
        } catch (...) {
            failure = std::current_exception();
        }
        asio::post(io_executor, [&done] { done.cancel(); });
    });
    co_await done.async_wait(kTuple);
    if (failure) std::rethrow_exception(failure);
    co_return std::move(*result);
}

// One non-blocking sendmsg of `parts`: how many bytes the socket took (0 when its buffer is
// full), or nullopt when the connection failed. An answer usually goes whole this way, and the
// coroutine goes on without a trip through the scheduler (asio's async_write sends at once too,
// but resumes the coroutine from the queue, after another round of the reactor).
template <std::size_t kCount>
std::optional<std::size_t> send_now(Tcp::socket& socket,
                                    const std::array<asio::const_buffer, kCount>& parts) {
    std::array<iovec, kCount> iov{};
    for (std::size_t i = 0; i < kCount; ++i) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): sendmsg only reads them
        iov[i] = {const_cast<void*>(parts[i].data()), parts[i].size()};
    }
    msghdr message{};
    message.msg_iov = iov.data();
    message.msg_iovlen = kCount;
    const ssize_t sent = ::sendmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) return static_cast<std::size_t>(sent);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    return std::nullopt;
}

// What send_now() left of `parts` after it sent `sent` bytes.
template <std::size_t kCount>
beast::buffers_suffix<std::array<asio::const_buffer, kCount>> unsent(
    const std::array<asio::const_buffer, kCount>& parts, std::size_t sent) {
    beast::buffers_suffix<std::array<asio::const_buffer, kCount>> rest(parts);
    rest.consume(sent);
    return rest;
}

std::string_view as_view(const beast::flat_buffer& buffer) {
    const auto data = buffer.data();
    return {static_cast<const char*>(data.data()), data.size()};
}

using Clock = std::chrono::steady_clock;
constexpr Clock::time_point kNoDeadline = Clock::time_point::max();
// Deadlines that come due within this of the one a sweep is armed for are enforced by that sweep
// or the next: a connection may outlive its deadline by this much at most.
constexpr auto kSweepSlack = std::chrono::milliseconds{10};

struct Deadlines;

struct Connection {
    Connection(Tcp::socket s, ConnectionTable::Id table_id, std::string address)
        : socket(std::move(s)), id(table_id), remote_address(std::move(address)) {}
    Tcp::socket socket;
    ConnectionTable::Id id;
    std::string remote_address;  // the peer's IP address, as text
    // When the I/O operation under way (a read or a write) must be over; kNoDeadline while the
    // session waits for anything else (a handler, the next piece of a streamed answer). Set
    // through Deadlines::set, on the connection's thread only.
    Clock::time_point deadline = kNoDeadline;
    std::size_t slot = 0;  // its index in Deadlines::connections
    Deadlines* deadlines = nullptr;           // its thread's
    asio::steady_timer* log_flush = nullptr;  // its thread's: writes the access lines
};

// The deadlines of one I/O thread's connections, enforced by one timer instead of one per
// connection and operation: a connection's deadline moves with each operation (a store), and
// the timer is re-armed only when a deadline comes before the one it is armed for. Beast's
// tcp_stream re-armed a timer before every read and every write, and asio's reactor changed the
// timerfd each time: two timerfd_settime calls per keep-alive request. When the timer fires it
// closes the connections whose deadline has passed (as tcp_stream did: the pending operation
// fails) and re-arms for the earliest left. Touched only from its thread.
struct Deadlines {
    explicit Deadlines(asio::io_context& context) : timer(context) {}

    void add(Connection& conn) {
        conn.slot = connections.size();
        connections.push_back(&conn);
    }
    void remove(Connection& conn) {
        Connection* last = connections.back();
        connections[conn.slot] = last;
        last->slot = conn.slot;
        connections.pop_back();
        // Nothing left to watch: the timer must not keep the thread's context running.
        if (connections.empty() && armed != kNoDeadline) {
            armed = kNoDeadline;
            timer.cancel();
        }
    }
    void set(Connection& conn, Clock::time_point deadline) {
        conn.deadline = deadline;
        if (deadline < armed) arm(deadline);
    }
    void arm(Clock::time_point when) {
        armed = when;
        timer.expires_at(when);
        timer.async_wait([this](beast::error_code ec) {
            if (!ec) sweep();
        });
    }
    void sweep() {
        armed = kNoDeadline;
        const auto now = Clock::now();
        auto next = kNoDeadline;
        for (Connection* conn : connections) {
            if (conn->deadline <= now) {
                conn->deadline = kNoDeadline;
                beast::error_code ignored;
                conn->socket.close(ignored);  // its pending read or write fails
            } else {
                next = std::min(next, conn->deadline);
            }
        }
        if (next != kNoDeadline) arm(std::max(next, now + kSweepSlack));
    }

    asio::steady_timer timer;
    std::vector<Connection*> connections;
    Clock::time_point armed = kNoDeadline;  // when the timer fires; kNoDeadline: not armed
};

// One request as read from a connection, and what its answer depends on.
struct Exchange {
    bool gone = false;                // nothing to answer: the peer left or was too slow
    std::optional<Response> failure;  // the request could not be read: send this, then close
    Request request;                  // with a failure: only its method and path, if read
    std::string request_id;           // X-Request-ID: the client's when sane, else ours
    unsigned version = 11;
    bool keep_alive = false;
    bool is_head = false;
};

constexpr std::string_view kMetricsPath = "/metrics";
constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kUnmatched = "unmatched";
// The method label: Method's enumerators in order; anything else is "other" (a fixed set).
constexpr std::array<std::string_view, 8> kMethodLabels{"GET",   "HEAD",   "POST",    "PUT",
                                                        "PATCH", "DELETE", "OPTIONS", "other"};
static_assert(static_cast<std::size_t>(Method::kOther) == kMethodLabels.size() - 1);
constexpr std::array<std::string_view, 5> kStatusClasses{"1xx", "2xx", "3xx", "4xx", "5xx"};

// What the server counts per request. Every series is registered up front (route pattern x
// method x status class; sparse, so a scrape shows the ones seen): the route label is a route's
// pattern, `/metrics` or "unmatched", never the path asked for, so clients cannot grow the set.
struct RequestMetrics {
    struct Route {
        std::array<core::metrics::Counter*, kMethodLabels.size() * kStatusClasses.size()>
            requests{};
        std::array<core::metrics::Histogram*, kStatusClasses.size()> seconds{};
    };

    RequestMetrics(core::metrics::Registry& registry, std::vector<std::string_view> patterns)
        : in_flight(registry.gauge("taskapi_http_requests_in_flight",
                                   "Requests being answered (read, not yet written).")) {
        patterns.push_back(kMetricsPath);
        patterns.emplace_back();  // no route: "unmatched"
        for (const auto pattern : patterns) {
            const std::string label(pattern.empty() ? kUnmatched : pattern);
            Route& route = routes[pattern];
            for (std::size_t c = 0; c < kStatusClasses.size(); ++c) {
                const std::string status(kStatusClasses[c]);
                for (std::size_t m = 0; m < kMethodLabels.size(); ++m) {
                    route.requests[m * kStatusClasses.size() + c] = &registry.counter(
                        "taskapi_http_requests_total",
                        "HTTP requests answered, by route pattern, method and status class.",
                        {{"route", label},
                         {"method", std::string(kMethodLabels[m])},
                         {"status", status}},
                        true);
                }
                route.seconds[c] = &registry.histogram(
                    "taskapi_http_request_duration_seconds",
                    "Time from a request read to its answer ready to send, by route pattern "
                    "and status class.",
                    {{"route", label}, {"status", status}}, core::metrics::kRequestSeconds, true);
            }
        }
    }

    void record(std::string_view route, Method method, int status,
                std::chrono::nanoseconds duration) {
        auto it = routes.find(route);
        if (it == routes.end()) it = routes.find(std::string_view());
        const auto c = static_cast<std::size_t>(std::clamp(status / 100, 1, 5) - 1);
        const auto m = static_cast<std::size_t>(method);
        it->second.requests[m * kStatusClasses.size() + c]->add();
        it->second.seconds[c]->observe(duration);
    }

    // A request that could not be read (400, 413, 431): no route, no method to trust, and no
    // answer time worth a histogram; counted all the same.
    void count_unread(int status) {
        const auto c = static_cast<std::size_t>(std::clamp(status / 100, 1, 5) - 1);
        const auto m = static_cast<std::size_t>(Method::kOther);
        routes.find(std::string_view())->second.requests[m * kStatusClasses.size() + c]->add();
    }

    core::metrics::Gauge& in_flight;
    std::unordered_map<std::string_view, Route> routes;  // by pattern; "": no route matched
};

// Ends a request in flight, whatever way its answer ends.
struct InFlight {
    explicit InFlight(core::metrics::Gauge& g) : gauge(g) { gauge.add(1); }
    ~InFlight() { gauge.add(-1); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    core::metrics::Gauge& gauge;
};

// 127.0.0.0/8, ::1, and 127.x mapped into IPv6.
bool is_loopback(const std::string& address) {
    beast::error_code ec;
    auto parsed = asio::ip::make_address(address, ec);
    if (ec) return false;
    if (parsed.is_v6() && parsed.to_v6().is_v4_mapped()) {
        parsed = asio::ip::make_address_v4(asio::ip::v4_mapped, parsed.to_v6());
    }
    return parsed.is_loopback();
}

// HEAD too: the server leaves the body out, and Content-Length says what GET would send.
Response metrics_response(const core::metrics::Registry& registry) {
    Response r;
    r.content_type = kMetricsType;
    r.body = registry.render();
    r.route = kMetricsPath;
    return r;
}

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
          read_limits{.header_bytes = options.header_limit,
                      .header_fields = kMaxHeaderFields,
                      .body_bytes = options.body_limit,
                      .buffered_bytes = options.header_limit},
          contexts(make_contexts(options.io_threads)),
          slow_pool(options.slow_threads, options.max_slow_queue),
          database_pool(options.database_threads > 0
                            ? std::make_unique<WorkerPool>(options.database_threads,
                                                           options.max_database_queue)
                            : nullptr),
          write_pool(
              options.database_threads == 0 && options.write_threads > 0
                  ? std::make_unique<WorkerPool>(options.write_threads, options.max_database_queue)
                  : nullptr),
          acceptor(*contexts.front()),
          signals(*contexts.front(), SIGINT, SIGTERM),
          grace_timer(*contexts.front()),
          drain_timer(*contexts.front()),
          accept_pause(*contexts.front()),
          table({.total = options.max_connections,
                 .per_address = options.max_connections_per_address}) {
        for (auto& context : contexts) {
            work_guards.emplace_back(context->get_executor());
            deadlines.push_back(std::make_unique<Deadlines>(*context));
            log_flush_timers.push_back(std::make_unique<asio::steady_timer>(*context));
        }
        if (options.metrics != nullptr) register_metrics(*options.metrics);
    }
    ~Impl() {
        if (reserve_fd >= 0) ::close(reserve_fd);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    const Router& router;
    ServerOptions options;
    ReadLimits read_limits;
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    std::vector<std::unique_ptr<Deadlines>> deadlines;  // one per context, in the same order
    std::vector<std::unique_ptr<asio::steady_timer>> log_flush_timers;  // likewise
    WorkerPool slow_pool;                       // deferred work (password hashing)
    std::unique_ptr<WorkerPool> database_pool;  // the database executor; null: inline
    std::unique_ptr<WorkerPool> write_pool;     // without an executor: writes; null: inline
    // The acceptor, the signals, the timers, the reserve descriptor and the work guards live on
    // the first context and are touched only from its thread.
    Tcp::acceptor acceptor;
    asio::signal_set signals;
    asio::steady_timer grace_timer;
    asio::steady_timer drain_timer;
    asio::steady_timer accept_pause;
    std::vector<WorkGuard> work_guards;  // keep idle contexts running until shutdown
    std::size_t next_context = 0;
    int reserve_fd = -1;  // held to answer 503 when the process is out of descriptors
    std::chrono::steady_clock::time_point last_accept_log{};
    // Expected failures (error_for_exception) since the last log line about them, and when it
    // was written (steady clock ticks); any thread.
    mutable std::atomic<std::size_t> expected_failures{0};
    mutable std::atomic<std::chrono::steady_clock::rep> last_expected_failure_log{0};
    std::size_t accept_failures = 0;  // since the last log line about them
    std::atomic<bool> stopping{false};
    std::atomic<bool> draining{false};  // answers close their connections (ServerOptions::drain)
    std::string listen_host;
    std::optional<RequestMetrics> request_metrics;  // set with ServerOptions::metrics
    std::optional<Tcp::acceptor> metrics_acceptor;  // ServerOptions::metrics_listener

    // Every live connection, by table id; the table says which are idle and who makes room.
    std::mutex connections_mutex;
    ConnectionTable table;
    std::unordered_map<ConnectionTable::Id, std::shared_ptr<Connection>> connections;

    void listen();
    awaitable<void> accept_loop();
    // Registers a new connection and starts its session (metrics_session on the metrics
    // listener), or refuses it (503) at the caps.
    void admit(Tcp::socket socket, bool metrics_only = false);
    // Answers 503 and closes: a cap is reached.
    awaitable<void> refuse(Tcp::socket socket);
    // After a failed accept: make room if descriptors ran out, then wait a little.
    awaitable<void> recover_from_accept_failure(beast::error_code ec);
    // Out of descriptors with nothing idle to close: answer waiting clients 503 (reserve fd).
    void refuse_waiting_clients();

    awaitable<void> session(std::shared_ptr<Connection> conn);
    // Waits (idle) for the first byte of the next request; false when the connection ends.
    awaitable<bool> await_request(Connection& conn, beast::flat_buffer& buffer,
                                  std::chrono::seconds timeout);
    // Reads the next request into `exchange` (a fresh one: filled in place, never moved, as its
    // Request is large).
    awaitable<void> read_request(Connection& conn, beast::flat_buffer& buffer, Exchange& exchange);
    // Sends the answer, adding the body bytes sent to `body_bytes`; false when the connection
    // must close afterwards.
    // `with_request_id`: the answer carries the exchange's X-Request-ID.
    awaitable<bool> write_answer(Connection& conn, Response& response, const Exchange& exchange,
                                 std::size_t& body_bytes, bool with_request_id);
    // Sends `parts` whole: at once when the socket takes them (send_now), the rest with
    // async_write under the write deadline (a client that does not read is let go). False when
    // the connection failed.
    template <std::size_t kCount>
    awaitable<bool> send(Connection& conn, const std::array<asio::const_buffer, kCount>& parts);
    // answer(), counted in the metrics from `started` (when the request was read: the session
    // already has the time, for the access log); or the metrics themselves (serves_metrics).
    // Both put the answer in `out` (constructed there: no default Response made and replaced).
    awaitable<void> respond(Request& request, std::chrono::steady_clock::time_point started,
                            std::optional<Response>& out);
    // The router's answer, on the I/O thread or on the database executor as the request's Work
    // says, then its deferred work (if any) on the hashing pool. The router fills in `request`
    // (the user id, for the access log); the caller keeps it alive until the answer is back.
    awaitable<void> answer(Request& request, std::optional<Response>& out);
    // The pool that answers `request`: the executor, the write threads, or none (inline).
    WorkerPool* pool_for(const Request& request) const;
    // The access line of an answered exchange (TASKAPI_ACCESS_LOG), written soon after by a
    // flush on the connection's thread kAccessLogDelay after its thread's first unwritten line.
    void log_exchange(Connection& conn, const Exchange& exchange, int status,
                      std::chrono::steady_clock::time_point started, std::size_t body_bytes) const;
    // The next piece of a streamed answer (Response::rest), where the route's storage calls run.
    awaitable<bool> next_piece(BodyStream& rest, std::string& piece);
    // The one catch site for handlers, wherever they run: an exception that error_for_exception
    // knows becomes its answer (a warning, at most one a second, counts them), any other is
    // logged with what was being answered (`describe()`) and the client gets the generic 500,
    // never the exception's text.
    template <typename Fn>
    Response answer_safely(Fn&& fn, const Request& request) const;
    // busy_response() for `request`, with its CORS headers.
    Response busy_for(const Request& request) const;
    Response dispatch_safely(Request& request) const;
    void log_expected_failure(const std::string& request_name, int status, const char* what) const;

    // Idle bookkeeping for the connection table; set_busy is false once the connection was
    // evicted (closed to make room).
    void set_idle(const Connection& conn);
    bool set_busy(const Connection& conn);
    // Cancels what the connections wait for, on their own threads: their sessions end.
    static void close_soon(const std::vector<std::shared_ptr<Connection>>& conns);
    std::vector<std::shared_ptr<Connection>> evict_idle(std::size_t n);
    // SIGINT or SIGTERM: the drain (if any) the first time, the shutdown after it or at once.
    void on_signal();
    void begin_shutdown();
    // On the first context: once shutdown has begun and no connection is left, let run() return.
    void finish_shutdown_if_drained();
    void forget(const Connection& conn);
    // Closes the connection at the end of its session (on its thread) and forgets it.
    void end_session(Connection& conn);

    // Metrics: the request series, the pools' refusals, and what a scrape reads (connections,
    // queues); the separate /metrics listener and its connections.
    void register_metrics(core::metrics::Registry& registry);
    void listen_for_metrics();
    awaitable<void> metrics_accept_loop();
    awaitable<void> metrics_session(std::shared_ptr<Connection> conn);
    [[nodiscard]] Response metrics_listener_answer(const Request& request) const;
    // GET /metrics on the main port from a loopback peer, through no proxy.
    [[nodiscard]] bool serves_metrics(const Request& request) const;

    // Last: destroyed first, so no scrape reads what the members above held.
    core::metrics::Registry::Collection metrics_collection;
};

template <typename Fn>
Response Server::Impl::answer_safely(Fn&& fn, const Request& request) const {
    const auto describe = [&request] { return request.method_name + " " + request.path; };
    const auto internal_error = [] {
        return error_response(
            core::make_error(core::ErrorCode::kInternal, "A server error occurred."));
    };
    std::optional<Response> answer;  // made only on failure
    try {
        return fn();
    } catch (const std::exception& e) {
        auto error = options.error_for_exception ? options.error_for_exception(e) : std::nullopt;
        if (error) {
            answer.emplace(error_response(*error));
            core::log_warning(describe() + " answered " + std::to_string(answer->status) + ": " +
                              e.what());
        } else {
            core::log_error("unhandled error on " + describe() + ": " + e.what());
            answer.emplace(internal_error());
        }
    } catch (...) {
        core::log_error("unhandled non-standard exception on " + describe());
        answer.emplace(internal_error());
    }
    // The router did not finish this answer: its CORS headers are added here.
    router.cors().add_headers(*answer, request);
    answer->route = request.route;
    return std::move(*answer);
}

Response Server::Impl::busy_for(const Request& request) const {
    Response busy = busy_response();
    router.cors().add_headers(busy, request);
    // Refused before the router ran (the database executor is full): the route is looked up.
    busy.route = request.route.empty() ? router.pattern_for(request.path) : request.route;
    return busy;
}

void Server::Impl::log_expected_failure(const std::string& request_name, int status,
                                        const char* what) const {
    const std::size_t count = expected_failures.fetch_add(1) + 1;
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = last_expected_failure_log.load();
    const auto interval =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(kExpectedFailureLogInterval)
            .count();
    if (now - last < interval || !last_expected_failure_log.compare_exchange_strong(last, now)) {
        return;  // counted in the next line
    }
    expected_failures.fetch_sub(count);
    core::log_warning(request_name + " answered " + std::to_string(status) + ": " + what +
                      (count > 1 ? " (" + std::to_string(count) +
                                       " requests answered so since the last such line)"
                                 : std::string()));
}

void Server::Impl::log_exchange(Connection& conn, const Exchange& exchange, int status,
                                std::chrono::steady_clock::time_point started,
                                std::size_t body_bytes) const {
    if (!options.access_log) return;
    const Request& request = exchange.request;
    const std::string client = options.num_proxies > 0 && request.forwarded_for
                                   ? client_address(request, options.num_proxies)
                                   : std::string();
    const bool first =
        log_access({.method = request.method_name,
                    .path = request.raw_path,
                    .status = status,
                    .duration = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started),
                    .bytes = body_bytes,
                    .user_id = request.user_id,
                    .remote_address = request.remote_address,
                    .client_address = client,
                    .request_id = exchange.request_id});
    // The thread's lines of the next kAccessLogDelay go out with this one, in one write.
    if (first) {
        conn.log_flush->expires_after(kAccessLogDelay);
        conn.log_flush->async_wait([](beast::error_code ec) {
            if (!ec) flush_access_log();
        });
    }
}

Response Server::Impl::dispatch_safely(Request& request) const {
    return answer_safely([this, &request] { return router.dispatch(request); }, request);
}

// The answer, measured: requests in flight, then one count and one duration by route, method
// and status class. GET /metrics is answered here when this listener serves it.
awaitable<void> Server::Impl::respond(Request& request,
                                      std::chrono::steady_clock::time_point started,
                                      std::optional<Response>& out) {
    if (!request_metrics) {
        co_await answer(request, out);
        co_return;
    }
    const Method method = request.method;
    {
        const InFlight in_flight(request_metrics->in_flight);
        if (serves_metrics(request)) {
            out.emplace(metrics_response(*options.metrics));
        } else {
            co_await answer(request, out);
        }
    }
    request_metrics->record(out->route, method, out->status,
                            std::chrono::steady_clock::now() - started);
}

awaitable<void> Server::Impl::answer(Request& request, std::optional<Response>& out) {
    // Storage calls may wait on a database server: with an executor, no I/O thread makes them.
    // The request goes whole (negotiation, authentication, the handler), so that its thread
    // waits once, and what needs nothing stored (health) never queues behind the database.
    // Without an executor, writes still leave the I/O thread: they wait for their commit on a
    // thread of their own, where those that wait together are committed together.
    if (WorkerPool* pool = pool_for(request)) {
        const auto place = pool->enter();
        if (!place) {
            out.emplace(busy_for(request));
            co_return;
        }
        auto dispatch = [this, &request] { return dispatch_safely(request); };
        Response dispatched = co_await run_on(pool->threads, dispatch);
        out.emplace(std::move(dispatched));
    } else {
        out.emplace(dispatch_safely(request));
    }
    if (!out->deferred) co_return;
    // Slow work (Argon2id) runs on its own bounded pool; the I/O thread keeps serving. Only work
    // that is left after the handler's quick checks (a throttled login is answered at once)
    // takes a place in the queue.
    const auto place = slow_pool.enter();
    if (!place) {
        out.emplace(busy_for(request));
        co_return;
    }
    auto finish = [this, &request, &out] { return answer_safely(out->deferred, request); };
    Response finished = co_await run_on(slow_pool.threads, finish);
    out.emplace(std::move(finished));
}

WorkerPool* Server::Impl::pool_for(const Request& request) const {
    if (database_pool) {
        return router.work_for(request) != Work::kInline ? database_pool.get() : nullptr;
    }
    // Reads never go to the write threads: no route lookup for them.
    const bool writes = request.method == Method::kPost || request.method == Method::kPut ||
                        request.method == Method::kPatch || request.method == Method::kDelete;
    if (!write_pool || !writes) return nullptr;
    return router.work_for(request) == Work::kDatabase ? write_pool.get() : nullptr;
}

awaitable<bool> Server::Impl::next_piece(BodyStream& rest, std::string& piece) {
    if (!database_pool) co_return rest.next(piece);
    const auto place = database_pool->enter_admitted();
    auto produce = [&rest, &piece] { return rest.next(piece); };
    const bool more = co_await run_on(database_pool->threads, produce);
    co_return more;
}

// A connection: wait for a request, read it, answer it, and again while it is kept alive.
awaitable<void> Server::Impl::session(std::shared_ptr<Connection> conn) {
    // Bounded: the reader never needs more than header_limit bytes unparsed at once.
    beast::flat_buffer buffer(options.header_limit);
    conn->deadlines->add(*conn);
    auto wait = options.first_byte_timeout;
    while (!stopping.load()) {
        if (buffer.size() == 0) {
            set_idle(*conn);
            if (buffer.capacity() > kFirstReadBytes) buffer.shrink_to_fit();
            if (!co_await await_request(*conn, buffer, wait)) break;
        }
        if (!set_busy(*conn)) break;
        wait = options.idle_timeout;
        Exchange exchange;
        co_await read_request(*conn, buffer, exchange);
        if (exchange.gone) break;
        conn->deadlines->set(*conn, kNoDeadline);  // the handler takes the time it takes
        // (No co_await inside ?: : GCC 12 miscompiles it.)
        const auto started = std::chrono::steady_clock::now();
        std::optional<Response> answered;
        if (!exchange.failure) co_await respond(exchange.request, started, answered);
        Response& response = exchange.failure ? *exchange.failure : *answered;
        std::size_t body_bytes = 0;
        const bool again = co_await write_answer(*conn, response, exchange, body_bytes, true);
        log_exchange(*conn, exchange, response.status, started, body_bytes);
        if (!again) break;
    }
    end_session(*conn);
}

awaitable<bool> Server::Impl::await_request(Connection& conn, beast::flat_buffer& buffer,
                                            std::chrono::seconds timeout) {
    conn.deadlines->set(conn, Clock::now() + timeout);
    auto [ec, n] = co_await conn.socket.async_read_some(
        buffer.prepare(std::min(kFirstReadBytes, buffer.max_size())), kTuple);
    if (ec) co_return false;
    buffer.commit(n);
    co_return true;
}

awaitable<void> Server::Impl::read_request(Connection& conn, beast::flat_buffer& buffer,
                                           Exchange& exchange) {
    RequestReader reader(read_limits);
    // From its first byte on, the whole request (headers and body) must arrive within the read
    // timeout: one deadline for all of it, so a client trickling bytes is cut off.
    conn.deadlines->set(conn, Clock::now() + options.read_timeout);
    while (true) {
        std::size_t consumed = 0;
        const auto progress = reader.feed(as_view(buffer), consumed);
        buffer.consume(consumed);
        switch (progress) {
            case RequestReader::Progress::kComplete:
                exchange.request_id = choose_request_id(reader.request_id());
                exchange.version = reader.version();
                exchange.keep_alive = reader.keep_alive();
                exchange.is_head = reader.is_head();
                exchange.request = reader.take_request(listen_host);
                exchange.request.remote_address = conn.remote_address;
                co_return;
            case RequestReader::Progress::kFailed: {
                exchange.failure = reader.failure();
                exchange.request_id = choose_request_id(reader.request_id());
                exchange.request = reader.failed_request();
                exchange.request.remote_address = conn.remote_address;
                if (request_metrics) request_metrics->count_unread(exchange.failure->status);
                // Answered outside the router: the CORS headers too, so that a browser's
                // script can read why (413 above all).
                const auto origin = reader.origin();
                router.cors().add_headers(
                    *exchange.failure,
                    origin ? std::optional<std::string_view>(*origin) : std::nullopt, false);
                co_return;
            }
            case RequestReader::Progress::kContinue: {
                static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                auto [ec, n] =
                    co_await asio::async_write(conn.socket, asio::buffer(kContinue), kTuple);
                exchange.gone = static_cast<bool>(ec);
                if (exchange.gone) co_return;
                break;
            }
            case RequestReader::Progress::kNeedMore: {
                // The reader leaves less than the buffer's maximum unparsed, so there is room.
                auto [ec, n] = co_await conn.socket.async_read_some(
                    buffer.prepare(buffer.max_size() - buffer.size()), kTuple);
                // A peer that closes or stalls mid-request gets no answer, only the close.
                exchange.gone = static_cast<bool>(ec);
                if (exchange.gone) co_return;
                buffer.commit(n);
                break;
            }
        }
    }
}

template <std::size_t kCount>
awaitable<bool> Server::Impl::send(Connection& conn,
                                   const std::array<asio::const_buffer, kCount>& parts) {
    const auto sent = send_now(conn.socket, parts);
    if (!sent) co_return false;
    if (*sent == asio::buffer_size(parts)) co_return true;
    conn.deadlines->set(conn, Clock::now() + options.read_timeout);
    auto [ec, n] = co_await asio::async_write(conn.socket, unsent(parts, *sent), kTuple);
    co_return !ec;
}

awaitable<bool> Server::Impl::write_answer(Connection& conn, Response& response,
                                           const Exchange& exchange, std::size_t& body_bytes,
                                           bool with_request_id) {
    const bool streamed = response.rest != nullptr;
    const Framing framing = !streamed                ? Framing::kLength
                            : exchange.version >= 11 ? Framing::kChunked
                                                     : Framing::kUntilClose;
    const bool keep_alive = exchange.keep_alive && !response.close && !stopping.load() &&
                            !draining.load() && framing != Framing::kUntilClose;
    std::string head =
        wire_head(response, exchange.version, keep_alive, framing,
                  with_request_id ? std::string_view(exchange.request_id) : std::string_view());

    if (!streamed || exchange.is_head) {
        const bool with_body = !exchange.is_head && !response.body.empty();
        if (with_body) body_bytes += response.body.size();
        // A small body is copied behind the head; a large one is sent from where it is (one
        // gathered write).
        const bool copied = with_body && response.body.size() <= kSmallBodyBytes;
        if (copied) head += response.body;
        const std::array<asio::const_buffer, 2> parts{
            asio::buffer(head),
            with_body && !copied ? asio::buffer(response.body) : asio::const_buffer()};
        const bool sent = co_await send(conn, parts);
        co_return sent && keep_alive;
    }

    // A body produced as it is sent: each piece is asked for once the previous one is written.
    std::string piece = std::move(response.body);
    bool more = true;
    while (true) {
        char size_line[24] = {};
        std::size_t size_length = 0;
        if (framing == Framing::kChunked && !piece.empty()) {
            const int written = std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
            size_length = static_cast<std::size_t>(written);
        }
        const bool chunk = size_length > 0;
        static constexpr std::string_view kCrlf = "\r\n";
        static constexpr std::string_view kLastChunk = "0\r\n\r\n";
        const std::array<asio::const_buffer, 5> parts{
            asio::buffer(head), asio::buffer(size_line, size_length), asio::buffer(piece),
            chunk ? asio::buffer(kCrlf) : asio::const_buffer(),
            !more && framing == Framing::kChunked ? asio::buffer(kLastChunk)
                                                  : asio::const_buffer()};
        const bool sent = co_await send(conn, parts);
        if (!sent) co_return false;
        body_bytes += piece.size();
        if (!more) co_return keep_alive;
        head.clear();
        piece.clear();
        conn.deadlines->set(conn, kNoDeadline);  // producing the piece is not the client's time
        try {
            more = co_await next_piece(*response.rest, piece);
        } catch (const std::exception& e) {
            // The status line is out: all that can tell the client is an incomplete body.
            core::log_error(std::string("error while sending an answer, connection aborted: ") +
                            e.what());
            co_return false;
        }
    }
}

awaitable<void> Server::Impl::refuse(Tcp::socket socket) {
    const std::string request_id = new_request_id();
    if (options.access_log) {
        beast::error_code ec;
        const auto peer = socket.remote_endpoint(ec);
        const std::string address = ec ? std::string() : peer.address().to_string();
        (void)log_access({.status = 503, .remote_address = address, .request_id = request_id});
        flush_access_log();
    }
    beast::tcp_stream stream(std::move(socket));
    const std::string bytes = busy_bytes(request_id);
    stream.expires_after(std::chrono::seconds{5});
    co_await asio::async_write(stream, asio::buffer(bytes), kTuple);
    beast::error_code ignored;
    stream.socket().shutdown(Tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
}

void Server::Impl::set_idle(const Connection& conn) {
    std::lock_guard lock(connections_mutex);
    table.set_idle(conn.id);
}

bool Server::Impl::set_busy(const Connection& conn) {
    std::lock_guard lock(connections_mutex);
    return table.set_busy(conn.id);
}

void Server::Impl::close_soon(const std::vector<std::shared_ptr<Connection>>& conns) {
    for (const auto& conn : conns) {
        asio::post(conn->socket.get_executor(), [conn] {
            beast::error_code ignored;
            conn->socket.cancel(ignored);
        });
    }
}

std::vector<std::shared_ptr<Connection>> Server::Impl::evict_idle(std::size_t n) {
    std::vector<std::shared_ptr<Connection>> evicted;
    std::lock_guard lock(connections_mutex);
    for (const auto id : table.evict_idle(n)) {
        if (const auto it = connections.find(id); it != connections.end()) {
            evicted.push_back(it->second);
        }
    }
    return evicted;
}

void Server::Impl::end_session(Connection& conn) {
    conn.deadlines->remove(conn);
    beast::error_code ignored;
    conn.socket.shutdown(Tcp::socket::shutdown_send, ignored);
    conn.socket.close(ignored);
    forget(conn);
}

void Server::Impl::forget(const Connection& conn) {
    std::lock_guard lock(connections_mutex);
    table.remove(conn.id);
    connections.erase(conn.id);
    if (stopping.load() && connections.empty()) {
        asio::post(contexts.front()->get_executor(), [this] { finish_shutdown_if_drained(); });
    }
}

void Server::Impl::admit(Tcp::socket socket, bool metrics_only) {
    beast::error_code ec;
    socket.set_option(Tcp::no_delay(true), ec);
    const auto peer = socket.remote_endpoint(ec);
    if (ec) return;  // already gone
    ConnectionTable::Admission admission;
    std::vector<std::shared_ptr<Connection>> evicted;
    {
        std::lock_guard lock(connections_mutex);
        admission = table.admit(address_key(peer.address()));
        if (admission.evicted) {
            if (const auto it = connections.find(*admission.evicted); it != connections.end()) {
                evicted.push_back(it->second);
            }
        }
    }
    close_soon(evicted);
    if (!admission.admitted) {
        auto executor = socket.get_executor();
        asio::co_spawn(executor, refuse(std::move(socket)), asio::detached);
        return;
    }
    auto conn =
        std::make_shared<Connection>(std::move(socket), admission.id, peer.address().to_string());
    for (std::size_t i = 0; i < contexts.size(); ++i) {
        if (&conn->socket.get_executor().context() == contexts[i].get()) {
            conn->deadlines = deadlines[i].get();
            conn->log_flush = log_flush_timers[i].get();
        }
    }
    {
        // Every eviction happens on this thread (admissions, accept failures, shutdown), so
        // none can pick this connection between the two locked sections.
        std::lock_guard lock(connections_mutex);
        connections.emplace(admission.id, conn);
    }
    auto executor = conn->socket.get_executor();
    if (metrics_only) {
        asio::co_spawn(executor, metrics_session(std::move(conn)), asio::detached);
    } else {
        asio::co_spawn(executor, session(std::move(conn)), asio::detached);
    }
}

awaitable<void> Server::Impl::accept_loop() {
    while (true) {
        auto& context = *contexts[next_context++ % contexts.size()];
        auto [ec, socket] = co_await acceptor.async_accept(context.get_executor(), kTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping.load()) co_return;
            co_await recover_from_accept_failure(ec);
            continue;
        }
        admit(std::move(socket));
    }
}

awaitable<void> Server::Impl::recover_from_accept_failure(beast::error_code ec) {
    // The connection that could not be accepted still waits in the backlog, so accepting again at
    // once fails again at once: a spinning core and a log line each time. Make room, answer who
    // can be answered, and pause.
    const bool out_of_files = ec == asio::error::no_descriptors ||
                              ec == boost::system::errc::too_many_files_open_in_system;
    ++accept_failures;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_accept_log >= kAcceptLogInterval) {
        core::log_warning(
            "accepting connections failed " + std::to_string(accept_failures) +
            " time(s) since the last message: " + ec.message() +
            (out_of_files ? "; closing idle connections, answering 503 and pausing" : "; pausing"));
        last_accept_log = now;
        accept_failures = 0;
    }
    if (out_of_files) {
        const auto idle = evict_idle(kEvictWhenOutOfFiles);
        close_soon(idle);
        if (idle.empty()) refuse_waiting_clients();
    }
    accept_pause.expires_after(kAcceptPause);
    co_await accept_pause.async_wait(kTuple);
}

void Server::Impl::refuse_waiting_clients() {
    if (reserve_fd < 0) return;
    ::close(reserve_fd);
    reserve_fd = -1;
    for (int i = 0; i < 64; ++i) {
        const int fd =
            ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        const std::string request_id = new_request_id();
        if (options.access_log) {
            (void)log_access({.status = 503, .request_id = request_id});
            flush_access_log();
        }
        const std::string busy = busy_bytes(request_id);
        // Best effort, never blocking: read what the client already sent, so that the close is
        // a FIN rather than a reset that could discard the answer at the client.
        (void)::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL);
        char discard[4096];
        for (int reads = 0; reads < 4 && ::recv(fd, discard, sizeof discard, 0) > 0; ++reads) {
        }
        ::close(fd);
    }
    reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void Server::Impl::on_signal() {
    if (draining.load() || options.drain.count() == 0) {
        draining.store(true);
        drain_timer.cancel();
        begin_shutdown();
        return;
    }
    draining.store(true);
    core::log_info("draining for " + std::to_string(options.drain.count()) +
                   " s: readiness answers 503, requests are still served (a second signal stops "
                   "at once)");
    if (options.on_drain) options.on_drain();
    drain_timer.expires_after(options.drain);
    drain_timer.async_wait([this](beast::error_code ec) {
        if (!ec) begin_shutdown();
    });
    // A second signal ends the drain.
    signals.async_wait([this](beast::error_code ec, int /*signal*/) {
        if (!ec) on_signal();
    });
}

void Server::Impl::begin_shutdown() {
    if (stopping.exchange(true)) return;
    core::log_info("shutting down: finishing in-flight requests");
    // A signal wait still pending (the one a drain arms) would keep the first context running.
    signals.cancel();
    asio::post(acceptor.get_executor(), [this] {
        beast::error_code ignored;
        acceptor.close(ignored);
        if (metrics_acceptor) metrics_acceptor->close(ignored);
        accept_pause.cancel();
    });
    // Idle connections are closed now; busy ones close after their current answer.
    close_soon(evict_idle(options.max_connections));
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
    const Tcp::endpoint endpoint{address, options.port};
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint, ec);
    if (ec) {
        throw std::runtime_error("cannot listen on " + options.host + ":" +
                                 std::to_string(options.port) + ": " + ec.message());
    }
    acceptor.listen(asio::socket_base::max_listen_connections);
    acceptor.native_non_blocking(true);  // refuse_waiting_clients() accepts by hand
    reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const auto bound = acceptor.local_endpoint();
    const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                     : bound.address().to_string();
    listen_host = host + ":" + std::to_string(bound.port());
    if (options.on_listening) options.on_listening("http://" + listen_host);
}

void Server::Impl::register_metrics(core::metrics::Registry& registry) {
    using core::metrics::Type;
    request_metrics.emplace(registry, router.patterns());
    slow_pool.rejections =
        &registry.counter("taskapi_hashing_pool_rejections_total",
                          "Logins refused 503 because the password hashing queue was full.");
    if (database_pool) {
        database_pool->rejections = &registry.counter(
            "taskapi_database_executor_rejections_total",
            "Requests refused 503 because the database executor's queue was full.");
    }
    if (write_pool) {
        write_pool->rejections =
            &registry.counter("taskapi_write_pool_rejections_total",
                              "Writes refused 503 because the write threads' queue was full.");
    }
    metrics_collection = registry.add_collector([this](core::metrics::Writer& out) {
        std::size_t open = 0;
        {
            std::lock_guard lock(connections_mutex);
            open = connections.size();
        }
        out.sample("taskapi_open_connections",
                   "Client connections open (the metrics listener's too).", Type::kGauge,
                   static_cast<double>(open));
        out.sample(
            "taskapi_hashing_pool_jobs",
            "Password hashing jobs (logins) waiting or running; beyond the queue's size: 503.",
            Type::kGauge, static_cast<double>(slow_pool.in_flight.load()));
        out.sample("taskapi_hashing_pool_queue_size", "Hashing jobs admitted at most.",
                   Type::kGauge, static_cast<double>(slow_pool.max_queue));
        if (database_pool) {
            out.sample("taskapi_database_executor_requests",
                       "Requests waiting for or running on the database executor.", Type::kGauge,
                       static_cast<double>(database_pool->in_flight.load()));
            out.sample("taskapi_database_executor_queue_size",
                       "Database executor requests admitted at most.", Type::kGauge,
                       static_cast<double>(database_pool->max_queue));
        }
        if (write_pool) {
            out.sample("taskapi_write_pool_requests",
                       "Writes waiting for or running on the write threads.", Type::kGauge,
                       static_cast<double>(write_pool->in_flight.load()));
        }
    });
}

bool Server::Impl::serves_metrics(const Request& request) const {
    // Behind a proxy on this host every request comes from loopback: a request that a proxy
    // forwarded (or any, when TASKAPI_NUM_PROXIES says proxies are in front) must not get them.
    // The Host check stays (the router answers 400 otherwise): a page whose name was rebound to
    // 127.0.0.1 must not read them from a browser on this host.
    return options.metrics_on_main_port && request.path == kMetricsPath &&
           (request.method == Method::kGet || request.method == Method::kHead) &&
           !request.forwarded_for && !request.forwarded && is_loopback(request.remote_address) &&
           router.allows_host(request.host);
}

Response Server::Impl::metrics_listener_answer(const Request& request) const {
    if (request.path != kMetricsPath) return not_found();
    if (request.method != Method::kGet && request.method != Method::kHead) {
        std::string method = request.method_name;
        Response refused = error_response(core::make_error(
            core::ErrorCode::kMethodNotAllowed, "Method \"" + method + "\" not allowed."));
        refused.add_header("Allow", "GET, HEAD");
        return refused;
    }
    return metrics_response(*options.metrics);
}

void Server::Impl::listen_for_metrics() {
    const auto& where = *options.metrics_listener;
    beast::error_code ec;
    const auto address = asio::ip::make_address(where.host, ec);
    if (ec) throw std::runtime_error("invalid metrics address '" + where.host + "'");
    const Tcp::endpoint endpoint{address, where.port};
    auto& metrics = metrics_acceptor.emplace(*contexts.front());
    metrics.open(endpoint.protocol());
    metrics.set_option(asio::socket_base::reuse_address(true));
    metrics.bind(endpoint, ec);
    if (ec) {
        throw std::runtime_error("cannot listen for metrics on " + where.host + ":" +
                                 std::to_string(where.port) + ": " + ec.message());
    }
    metrics.listen(asio::socket_base::max_listen_connections);
    const auto bound = metrics.local_endpoint();
    const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                     : bound.address().to_string();
    if (options.on_metrics_listening) {
        options.on_metrics_listening("http://" + host + ":" + std::to_string(bound.port()));
    }
}

awaitable<void> Server::Impl::metrics_accept_loop() {
    asio::steady_timer pause(*contexts.front());
    while (true) {
        auto& context = *contexts[next_context++ % contexts.size()];
        auto [ec, socket] = co_await metrics_acceptor->async_accept(context.get_executor(), kTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping.load()) co_return;
            // Out of descriptors, most likely: the main listener's recovery makes room; this one
            // only waits, so as not to spin.
            pause.expires_after(kAcceptPause);
            co_await pause.async_wait(kTuple);
            continue;
        }
        admit(std::move(socket), true);
    }
}

// A connection to the metrics listener: the session's steps, with every request answered by
// metrics_listener_answer() and not counted in the request metrics.
awaitable<void> Server::Impl::metrics_session(std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer(options.header_limit);
    conn->deadlines->add(*conn);
    auto wait = options.first_byte_timeout;
    while (!stopping.load()) {
        if (buffer.size() == 0) {
            set_idle(*conn);
            if (!co_await await_request(*conn, buffer, wait)) break;
        }
        if (!set_busy(*conn)) break;
        wait = options.idle_timeout;
        Exchange exchange;
        co_await read_request(*conn, buffer, exchange);
        if (exchange.gone) break;
        Response response = exchange.failure ? std::move(*exchange.failure)
                                             : metrics_listener_answer(exchange.request);
        std::size_t body_bytes = 0;
        if (!co_await write_answer(*conn, response, exchange, body_bytes, false)) break;
    }
    end_session(*conn);
}

Server::Server(const Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

Server::~Server() = default;

void Server::run() {
    Impl& s = *impl_;
    // The metrics listener first: "listening on" is said only once both listen.
    if (s.options.metrics_listener && s.options.metrics) s.listen_for_metrics();
    s.listen();
    s.signals.async_wait([&s](beast::error_code ec, int /*signal*/) {
        if (!ec) s.on_signal();
    });
    asio::co_spawn(s.acceptor.get_executor(), s.accept_loop(), asio::detached);
    if (s.metrics_acceptor) {
        asio::co_spawn(s.acceptor.get_executor(), s.metrics_accept_loop(), asio::detached);
    }

    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < s.contexts.size(); ++i) {
        threads.emplace_back([context = s.contexts[i].get()] { context->run(); });
    }
    s.contexts.front()->run();
    for (auto& t : threads) t.join();
    s.slow_pool.threads.join();
    if (s.database_pool) s.database_pool->threads.join();
    if (s.write_pool) s.write_pool->threads.join();
    flush_access_log();  // this thread's; the other I/O threads wrote theirs as they ended
    core::log_info("stopped");
}

}  // namespace taskapi::http
