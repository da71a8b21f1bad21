// auth::ThrottleStore in the database: every taskapi process on it counts login attempts
// together, so N processes allow what one allows.
#pragma once

#include <atomic>
#include <chrono>

#include "auth/login_throttle.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace taskapi::storage::postgres {

// Thread-safe, and safe across processes: each call is one statement on the key's row. Expired
// rows are deleted by the first hit after each sweep interval. Throws UnavailableError when the
// database cannot be reached.
class PgThrottleStore final : public auth::ThrottleStore {
public:
    explicit PgThrottleStore(Pool& pool,
                             std::chrono::seconds sweep_interval = std::chrono::seconds{60})
        : pool_(pool), sweep_interval_(sweep_interval) {}

    std::optional<double> hit(std::string_view key, const auth::Rate& rate,
                              core::Timestamp now) override;
    void refund(std::string_view key, core::Timestamp at) override;
    void remember(std::string_view key, core::Timestamp until, core::Timestamp now) override;
    [[nodiscard]] bool remembers(std::string_view key, core::Timestamp now) override;

private:
    void sweep_if_due(Connection& c, core::Timestamp now);

    Pool& pool_;
    std::chrono::seconds sweep_interval_;
    std::atomic<std::int64_t> next_sweep_{0};  // microseconds since the epoch
};

}  // namespace taskapi::storage::postgres
