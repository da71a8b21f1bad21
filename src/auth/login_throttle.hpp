// Login throttling, DRF style: every attempt per client address; failed logins per (username,
// address) and per username (SECURITY.md, "Login throttling").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"

namespace taskapi::auth {

struct Rate {
    int requests = 0;
    std::chrono::seconds period{0};
    bool operator==(const Rate&) const = default;
};

// DRF's rate syntax "N/s", "N/min", "N/hour", "N/day" (only the period's first letter counts);
// "off" (or "none") is nullopt: no limit. kInvalidArgument for anything else.
core::Result<std::optional<Rate>> parse_rate(std::string_view text);

// Where throttle history lives. Thread-safe. The in-memory store serves one process; a shared
// store (a database table) lets several server processes throttle together.
class ThrottleStore {
public:
    virtual ~ThrottleStore() = default;
    // Records an attempt for `key` at `now` if the rate allows it and returns nullopt; otherwise
    // records nothing and returns how many seconds to wait (DRF's SimpleRateThrottle algorithm).
    virtual std::optional<double> hit(std::string_view key, const Rate& rate,
                                      core::Timestamp now) = 0;
    // Takes back one attempt recorded for `key` at `at` (a refunded reservation); nothing when
    // it is no longer held (aged out or forgotten).
    virtual void refund(std::string_view key, core::Timestamp at) = 0;
    // Remembers `key` until `until` (a later call may extend it).
    virtual void remember(std::string_view key, core::Timestamp until, core::Timestamp now) = 0;
    // True while `key` is remembered.
    [[nodiscard]] virtual bool remembers(std::string_view key, core::Timestamp now) = 0;
};

// The longest address a throttle key keeps: an IPv6 address with a zone fits.
inline constexpr std::size_t kMaxAddressLength = 64;

// What LoginThrottle counts; a nullopt rate is no limit. SECURITY.md explains the scheme.
struct LoginRates {
    std::optional<Rate> per_address;                    // every attempt, per client address
    std::optional<Rate> failures_per_username_address;  // failed logins per (username, address)
    std::optional<Rate> failures_per_username;          // failed logins per username, anywhere
    // How long a successful login exempts its address from failures_per_username.
    std::chrono::seconds trusted_address_period{30LL * 86400};
    bool operator==(const LoginRates&) const = default;
};

// Failed logins counted before the password is checked; given back when it was right.
struct FailureReservation {
    std::string pair_key;
    std::string username_key;
    std::string trusted_key;
    std::optional<core::Timestamp> pair_hit;      // when counted toward the (username, address)
    std::optional<core::Timestamp> username_hit;  // when counted toward the username
};

// DRF-style login throttling in three counts (LoginRates). Thread-safe.
class LoginThrottle {
public:
    // With `metrics`, counts the refusals by the rate that refused them (never who was refused).
    LoginThrottle(ThrottleStore& store, LoginRates rates, const core::Clock& clock,
                  core::metrics::Registry* metrics = nullptr);

    // Counts an attempt from `address` (its first kMaxAddressLength bytes). kRateLimited with
    // DRF's message and retry_after_seconds when over the rate.
    core::Status check_address(std::string_view address);

    // Counts a failed login of `username` from `address`, before the password is checked, so
    // that concurrent attempts cannot overshoot: toward the (username, address) rate and,
    // unless a login of this username from this address succeeded within the trusted period,
    // toward the username's rate. kRateLimited (nothing counted) when either is full.
    core::Result<FailureReservation> reserve_failure(std::string_view username,
                                                     std::string_view address);

    // The login succeeded: gives the reserved failures back and trusts the address for the
    // username (see LoginRates::trusted_address_period).
    void succeeded(const FailureReservation& reservation);

private:
    // Hits `key`; kRateLimited with DRF's answer when over `rate`.
    core::Result<std::optional<core::Timestamp>> hit(const std::string& key,
                                                     const std::optional<Rate>& rate,
                                                     core::Timestamp now,
                                                     core::metrics::Counter* refused);

    ThrottleStore& store_;
    LoginRates rates_;
    const core::Clock& clock_;
    // Refusals by rate (null without metrics).
    core::metrics::Counter* refused_address_ = nullptr;
    core::metrics::Counter* refused_username_address_ = nullptr;
    core::metrics::Counter* refused_username_ = nullptr;
};

}  // namespace taskapi::auth
