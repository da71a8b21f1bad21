#include "storage/postgres/pg_throttle_store.hpp"

namespace taskapi::storage::postgres {
namespace {

constexpr Statement kHit{"throttle_hit", "SELECT login_throttle_hit($1, $2, $3, $4)"};
// Takes back one hit recorded at $2 (the first of equal ones), as the in-memory store does.
constexpr Statement kRefund{
    "throttle_refund",
    "UPDATE login_throttle SET hits = hits[:array_position(hits, $2) - 1] || "
    "hits[array_position(hits, $2) + 1:] WHERE key = $1 AND $2 = ANY (hits)"};
constexpr Statement kRemember{
    "throttle_remember",
    "INSERT INTO login_throttle (key, expires) VALUES ($1, $2) ON CONFLICT (key) "
    "DO UPDATE SET expires = greatest(login_throttle.expires, excluded.expires)"};
constexpr Statement kRemembers{"throttle_remembers",
                               "SELECT 1 FROM login_throttle WHERE key = $1 AND expires > $2"};
constexpr Statement kSweep{"throttle_sweep", "DELETE FROM login_throttle WHERE expires <= $1"};

}  // namespace

std::optional<double> PgThrottleStore::hit(std::string_view key, const auth::Rate& rate,
                                           core::Timestamp now) {
    auto c = pool_.lease();
    sweep_if_due(*c, now);
    const Rows rows = c->execute(kHit, Params{}
                                           .add_bytes(key)
                                           .add(std::int32_t{rate.requests})
                                           .add(std::int64_t{rate.period.count()})
                                           .add(now));
    if (rows.empty() || rows.is_null(0, 0)) return std::nullopt;
    return rows.float64(0, 0);
}

void PgThrottleStore::refund(std::string_view key, core::Timestamp at) {
    auto c = pool_.lease();
    c->execute(kRefund, Params{}.add_bytes(key).add(at));
}

void PgThrottleStore::remember(std::string_view key, core::Timestamp until, core::Timestamp now) {
    auto c = pool_.lease();
    sweep_if_due(*c, now);
    c->execute(kRemember, Params{}.add_bytes(key).add(until));
}

bool PgThrottleStore::remembers(std::string_view key, core::Timestamp now) {
    return pool_.read([key, now](Connection& c) {
        return !c.execute(kRemembers, Params{}.add_bytes(key).add(now)).empty();
    });
}

void PgThrottleStore::sweep_if_due(Connection& c, core::Timestamp now) {
    const std::int64_t now_us = now.time_since_epoch().count();
    std::int64_t due = next_sweep_.load();
    if (now_us < due) return;
    const std::int64_t next =
        now_us + std::chrono::duration_cast<std::chrono::microseconds>(sweep_interval_).count();
    // One thread of this process sweeps; the others go on.
    if (!next_sweep_.compare_exchange_strong(due, next)) return;
    c.execute(kSweep, Params{}.add(now));
}

}  // namespace taskapi::storage::postgres
