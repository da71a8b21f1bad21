#include "storage/postgres/pg_pool.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace taskapi::storage::postgres {

Pool::Pool(PoolOptions options) : options_(std::move(options)) {
    auto* registry = options_.metrics;
    if (registry == nullptr) return;
    const auto errors = [registry](std::string kind) -> core::metrics::Counter& {
        return registry->counter("taskapi_db_pool_errors_total",
                                 "PostgreSQL: connections that could not be opened (connect), were "
                                 "found lost (lost), and leases that waited in vain (timeout).",
                                 {{"error", std::move(kind)}});
    };
    // Set, not added to: start-up builds a pool on each attempt to reach the server.
    auto& size = registry->gauge("taskapi_db_pool_size",
                                 "PostgreSQL: connections open at most (TASKAPI_DB_POOL_SIZE).");
    size.add(options_.size - size.value());
    metrics_ = std::make_unique<Metrics>(Metrics{
        .open = registry->gauge("taskapi_db_pool_connections", "Database connections open."),
        .in_use = registry->gauge("taskapi_db_pool_connections_in_use",
                                  "Database connections leased by a request."),
        .wait = registry->histogram(
            "taskapi_db_pool_wait_seconds",
            "PostgreSQL: time a request waited for a pooled connection (opening one included).", {},
            core::metrics::kWaitSeconds),
        .connect_errors = errors("connect"),
        .lost = errors("lost"),
        .timeouts = errors("timeout")});
}

Lease::~Lease() {
    if (c_) pool_->give_back(std::move(c_));
}

Lease Pool::lease() {
    const auto started = std::chrono::steady_clock::now();
    // Counts a lease once it is held: in use, and how long it took to get.
    const auto leased = [this, started](Lease lease) {
        if (metrics_) {
            metrics_->in_use.add(1);
            metrics_->wait.observe(std::chrono::steady_clock::now() - started);
        }
        return lease;
    };
    std::unique_lock lock(mutex_);
    for (;;) {
        const bool ready = returned_.wait_for(lock, options_.connect.statement_timeout, [this] {
            return !idle_.empty() || open_ < options_.size;
        });
        if (!ready) {
            if (metrics_) metrics_->timeouts.add();
            throw UnavailableError("PostgreSQL: all " + std::to_string(options_.size) +
                                   " connections stayed busy (TASKAPI_DB_POOL_SIZE)");
        }
        if (idle_.empty()) break;
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (!c->is_broken()) return leased(Lease(*this, std::move(c)));
        --open_;
        if (metrics_) {
            metrics_->open.add(-1);
            metrics_->lost.add();
        }
        lock.unlock();
        c.reset();
        lock.lock();
    }
    ++open_;
    lock.unlock();
    try {
        auto c = std::make_unique<Connection>(options_.connect);
        if (metrics_) metrics_->open.add(1);
        return leased(Lease(*this, std::move(c)));
    } catch (...) {
        if (metrics_) metrics_->connect_errors.add();
        lock.lock();
        --open_;
        returned_.notify_one();
        throw;
    }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
    std::vector<std::unique_ptr<Connection>> closing;
    if (metrics_) metrics_->in_use.add(-1);
    {
        std::lock_guard lock(mutex_);
        if (c->is_broken()) {
            closing.swap(idle_);
            open_ -= static_cast<int>(closing.size()) + 1;
            if (metrics_) {
                metrics_->open.add(-static_cast<std::int64_t>(closing.size()) - 1);
                metrics_->lost.add();
            }
            closing.push_back(std::move(c));
        } else {
            idle_.push_back(std::move(c));
        }
    }
    returned_.notify_all();
    // `closing` ends its connections here, outside the lock.
}

}  // namespace taskapi::storage::postgres
