#include "storage/postgres/pg_pool.hpp"

#include <string>

namespace taskapi::storage::postgres {

Lease::~Lease() {
    if (c_) pool_->give_back(std::move(c_));
}

Lease Pool::lease() {
    std::unique_lock lock(mutex_);
    for (;;) {
        const bool ready = returned_.wait_for(lock, options_.connect.statement_timeout, [this] {
            return !idle_.empty() || open_ < options_.size;
        });
        if (!ready) {
            throw UnavailableError("PostgreSQL: all " + std::to_string(options_.size) +
                                   " connections stayed busy (TASKAPI_DB_POOL_SIZE)");
        }
        if (idle_.empty()) break;
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (!c->is_broken()) return Lease(*this, std::move(c));
        --open_;
        lock.unlock();
        c.reset();
        lock.lock();
    }
    ++open_;
    lock.unlock();
    try {
        return Lease(*this, std::make_unique<Connection>(options_.connect));
    } catch (...) {
        lock.lock();
        --open_;
        returned_.notify_one();
        throw;
    }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
    std::vector<std::unique_ptr<Connection>> closing;
    {
        std::lock_guard lock(mutex_);
        if (c->is_broken()) {
            closing.swap(idle_);
            open_ -= static_cast<int>(closing.size()) + 1;
            closing.push_back(std::move(c));
        } else {
            idle_.push_back(std::move(c));
        }
    }
    returned_.notify_all();
    // `closing` ends its connections here, outside the lock.
}

}  // namespace taskapi::storage::postgres
