// A bounded, thread-safe pool of PostgreSQL connections: a caller leases one for the length of a
// repository call, so each calling thread (a database executor thread) uses one at a time.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/metrics.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace taskapi::storage::postgres {

struct PoolOptions {
    ConnectOptions connect;
    int size = 10;  // connections open at most, idle and leased together
    // Where the pool counts connections, waits and errors (null: nowhere); outlives the pool.
    core::metrics::Registry* metrics = nullptr;
};

class Pool;

// A connection borrowed from the pool; given back when the lease ends, or dropped when it was
// lost meanwhile.
class Lease {
public:
    Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
    ~Lease();
    Lease(Lease&&) = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    Connection* operator->() { return c_.get(); }
    Connection& operator*() { return *c_; }

private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
};

class Pool {
public:
    explicit Pool(PoolOptions options);

    // An idle connection, or a new one while fewer than `size` are open; otherwise waits for
    // one to come back, at most the statement timeout. Throws UnavailableError when none came
    // back in time or a new connection cannot be opened. Thread-safe.
    Lease lease();

    // Runs `read(Connection&)` on a leased connection; when that connection turns out lost
    // (a server restart ends every idle session; the pool then drops them all), runs it once
    // more on a new one. Only for calls that change nothing, which are safe to run twice.
    template <typename Read>
    auto read(const Read& read) {
        try {
            auto c = lease();
            return read(*c);
        } catch (const ConnectionLost&) {
            // The lease has gone back, and with it every idle connection: this one is new.
        }
        auto c = lease();
        return read(*c);
    }

    [[nodiscard]] const PoolOptions& options() const { return options_; }

private:
    friend class Lease;
    // Keeps `c` for the next lease; a lost one is closed, and so is every idle one (they most
    // likely went with it: a server restart ends every session).
    void give_back(std::unique_ptr<Connection> c);

    PoolOptions options_;
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int open_ = 0;  // idle and leased

    // Set with PoolOptions::metrics.
    struct Metrics {
        core::metrics::Gauge& open;
        core::metrics::Gauge& in_use;
        core::metrics::Histogram& wait;
        core::metrics::Counter& connect_errors;
        core::metrics::Counter& lost;
        core::metrics::Counter& timeouts;
    };
    std::unique_ptr<Metrics> metrics_;
};

}  // namespace taskapi::storage::postgres
