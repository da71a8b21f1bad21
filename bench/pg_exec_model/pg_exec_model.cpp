// A prototype for docs/decisions/008: the same single-row SELECTs against PostgreSQL, issued by
// a fixed number of concurrent clients, through the two execution models of issue 10:
//   executor THREADS       (a) one I/O thread hands each query to a pool of THREADS threads,
//                              each with a blocking connection, and gets the result back
//                              (the hops taskapi's database executor makes);
//   async CONNS PIPELINE   (b) one I/O thread drives CONNS non-blocking connections with Asio
//                              (PQsocket + async_wait); PIPELINE 1: libpq pipeline mode, the
//                              clients' queries queued on the connections; 0: one query at a
//                              time per connection, the others wait in the client.
// Prints queries/s and this process's CPU (user+sys) per query; the PostgreSQL side is measured
// by the caller (bench/pg_exec_model/run). Not built by default: see run.
#include <libpq-fe.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;

constexpr const char* kQuery =
    "SELECT id, title, description, completed FROM tasks WHERE id = $1 AND owner_id = $2";
constexpr int kTasks = 100000;  // ids 1..kTasks, owner = id % 100 + 1
constexpr int kClients = 64;    // requests in flight at any time

struct Params {
    std::string id;
    std::string owner;
};

Params params_for(long n) {
    const long id = (n * 7919) % kTasks + 1;
    return {std::to_string(id), std::to_string(id % 100 + 1)};
}

PGconn* connect(const std::string& dsn) {
    PGconn* c = PQconnectdb(dsn.c_str());
    if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c));
    PGresult* r = PQprepare(c, "q", kQuery, 2, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) throw std::runtime_error(PQerrorMessage(c));
    PQclear(r);
    return c;
}

void check_row(PGresult* r) {
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        throw std::runtime_error(std::string("bad result: ") + PQresultErrorMessage(r));
    }
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// (a) Each client's query goes to the pool; the pool thread runs it on its own blocking
// connection and posts the completion back to the I/O thread, which sends the client's next one.
void run_executor(const std::string& dsn, int threads, long total) {
    std::vector<PGconn*> conns;
    for (int i = 0; i < threads; ++i) conns.push_back(connect(dsn));
    std::atomic<int> next_conn{0};
    asio::io_context io(1);
    auto guard = asio::make_work_guard(io);
    asio::thread_pool pool(static_cast<std::size_t>(threads));
    long issued = 0;
    long completed = 0;
    std::function<void()> submit = [&] {
        const Params p = params_for(issued++);
        asio::post(pool, [&, p] {
            thread_local PGconn* conn = conns[static_cast<std::size_t>(next_conn++)];
            const char* values[2] = {p.id.c_str(), p.owner.c_str()};
            PGresult* r = PQexecPrepared(conn, "q", 2, values, nullptr, nullptr, 0);
            check_row(r);
            PQclear(r);
            asio::post(io, [&] {
                ++completed;
                if (issued < total) submit();
                if (completed == total) guard.reset();
            });
        });
    };
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int c = 0; c < kClients; ++c) submit();
    io.run();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    pool.join();
    std::printf(
        "executor threads=%d queries=%ld seconds=%.3f qps=%.0f client_cpu_us_per_query=%.2f\n",
        threads, total, secs, static_cast<double>(total) / secs,
        cpu * 1e6 / static_cast<double>(total));
    for (PGconn* c : conns) PQfinish(c);
}

// (b) One thread, non-blocking connections driven by Asio.
class AsyncConn {
public:
    AsyncConn(asio::io_context& io, const std::string& dsn, bool pipeline,
              std::function<void(AsyncConn&)> on_done)
        : conn_(connect(dsn)),
          socket_(io, PQsocket(conn_)),
          pipeline_(pipeline),
          on_done_(std::move(on_done)) {
        if (PQsetnonblocking(conn_, 1) != 0) throw std::runtime_error("setnonblocking");
        if (pipeline_ && PQenterPipelineMode(conn_) != 1) throw std::runtime_error("pipeline");
    }
    ~AsyncConn() {
        socket_.release();  // libpq owns the descriptor
        PQfinish(conn_);
    }
    AsyncConn(const AsyncConn&) = delete;
    AsyncConn& operator=(const AsyncConn&) = delete;

    void send(const Params& p) {
        if (!pipeline_ && in_flight_ > 0) {  // one query at a time: the others wait here
            waiting_.push_back(p);
            return;
        }
        const char* values[2] = {p.id.c_str(), p.owner.c_str()};
        if (PQsendQueryPrepared(conn_, "q", 2, values, nullptr, nullptr, 0) != 1 ||
            (pipeline_ && PQpipelineSync(conn_) != 1)) {
            throw std::runtime_error(PQerrorMessage(conn_));
        }
        ++in_flight_;
        flush();
        if (!reading_) wait_readable();
    }

private:
    void flush() {
        const int r = PQflush(conn_);
        if (r < 0) throw std::runtime_error(PQerrorMessage(conn_));
        if (r == 1 && !writing_) {
            writing_ = true;
            socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                               [this](boost::system::error_code ec) {
                                   writing_ = false;
                                   if (ec) throw std::runtime_error(ec.message());
                                   flush();
                               });
        }
    }

    void wait_readable() {
        reading_ = true;
        socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [this](boost::system::error_code ec) {
                               reading_ = false;
                               if (ec) throw std::runtime_error(ec.message());
                               read();
                           });
    }

    // Per query: its result, the NULL that ends it, and (pipeline) the sync point's result.
    void read() {
        if (PQconsumeInput(conn_) != 1) throw std::runtime_error(PQerrorMessage(conn_));
        while (in_flight_ > 0 && PQisBusy(conn_) == 0) {
            PGresult* r = PQgetResult(conn_);
            switch (phase_) {
                case 0:
                    check_row(r);
                    phase_ = 1;
                    break;
                case 1:
                    if (r != nullptr) throw std::runtime_error("expected the end of a query");
                    phase_ = pipeline_ ? 2 : 0;
                    if (!pipeline_) finish();
                    break;
                default:
                    if (PQresultStatus(r) != PGRES_PIPELINE_SYNC) throw std::runtime_error("sync");
                    phase_ = 0;
                    finish();
                    break;
            }
            if (r != nullptr) PQclear(r);
        }
        flush();
        if (in_flight_ > 0 && !reading_) wait_readable();
    }

    void finish() {
        --in_flight_;
        if (!waiting_.empty()) {
            const Params next = waiting_.front();
            waiting_.pop_front();
            send(next);
        }
        on_done_(*this);
    }

    PGconn* conn_;
    asio::posix::stream_descriptor socket_;
    bool pipeline_;
    std::function<void(AsyncConn&)> on_done_;
    int in_flight_ = 0;
    int phase_ = 0;
    bool reading_ = false;
    bool writing_ = false;
    std::deque<Params> waiting_;  // without pipelining: queries behind the one in flight
};

void run_async(const std::string& dsn, int conn_count, bool pipeline, long total) {
    asio::io_context io(1);
    long issued = 0;
    long completed = 0;
    std::vector<std::unique_ptr<AsyncConn>> conns;
    const auto on_done = [&](AsyncConn& c) {
        ++completed;
        if (issued < total) c.send(params_for(issued++));
    };
    for (int i = 0; i < conn_count; ++i) {
        conns.push_back(std::make_unique<AsyncConn>(io, dsn, pipeline, on_done));
    }
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int c = 0; c < kClients; ++c) {
        conns[static_cast<std::size_t>(c % conn_count)]->send(params_for(issued++));
    }
    io.run();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    if (completed != total) throw std::runtime_error("lost queries");
    std::printf(
        "async conns=%d pipeline=%d queries=%ld seconds=%.3f qps=%.0f "
        "client_cpu_us_per_query=%.2f\n",
        conn_count, pipeline ? 1 : 0, total, secs, static_cast<double>(total) / secs,
        cpu * 1e6 / static_cast<double>(total));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) {
        std::fprintf(stderr,
                     "usage: %s DSN QUERIES executor THREADS | DSN QUERIES async CONNS PIPELINE\n",
                     argv[0]);
        return 2;
    }
    try {
        const std::string dsn = argv[1];
        const long total = std::atol(argv[2]);
        const std::string mode = argv[3];
        if (mode == "executor") {
            run_executor(dsn, std::atoi(argv[4]), total);
        } else {
            run_async(dsn, std::atoi(argv[4]), argc == 6 && std::atoi(argv[5]) != 0, total);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
