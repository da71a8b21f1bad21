// Login throttling, DRF style: at most N attempts per period per client address and per username.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace taskapi::auth {

struct Rate {
    int requests = 0;
    std::chrono::seconds period{0};
};

// DRF's rate syntax "N/s", "N/min", "N/hour", "N/day" (only the period's first letter counts);
// "off" (or "none") is nullopt: no limit. kInvalidArgument for anything else.
core::Result<std::optional<Rate>> parse_rate(std::string_view text);

// Where throttle history lives. Thread-safe. The in-memory store serves one process; a shared
// store (a database table) lets several server processes throttle together.
class ThrottleStore {
public:
    virtual ~ThrottleStore() = default;
    // Records an attempt for `key` if the rate allows it and returns nullopt; otherwise records
    // nothing and returns how many seconds to wait (DRF's SimpleRateThrottle algorithm).
    virtual std::optional<double> hit(std::string_view key, const Rate& rate,
                                      core::Timestamp now) = 0;
};

// The longest address a throttle key keeps: an IPv6 address with a zone fits.
inline constexpr std::size_t kMaxAddressLength = 64;

class LoginThrottle {
public:
    LoginThrottle(ThrottleStore& store, std::optional<Rate> per_address,
                  std::optional<Rate> per_username, const core::Clock& clock)
        : store_(store), per_address_(per_address), per_username_(per_username), clock_(clock) {}

    // kRateLimited with DRF's message and retry_after_seconds when over the rate. Addresses are
    // counted by their first kMaxAddressLength bytes.
    core::Status check_address(std::string_view address);
    core::Status check_username(std::string_view username);

private:
    core::Status check(std::string_view prefix, std::string_view id,
                       const std::optional<Rate>& rate);

    ThrottleStore& store_;
    std::optional<Rate> per_address_;
    std::optional<Rate> per_username_;
    const core::Clock& clock_;
};

}  // namespace taskapi::auth
