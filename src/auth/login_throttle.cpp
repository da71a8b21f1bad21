#include "auth/login_throttle.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "core/text.hpp"

namespace taskapi::auth {

core::Result<std::optional<Rate>> parse_rate(std::string_view text) {
    const std::string lower = core::ascii_lower(text);
    if (lower == "off" || lower == "none") return std::optional<Rate>{};
    const auto slash = lower.find('/');
    const auto count = core::parse_int64(std::string_view(lower).substr(0, slash));
    if (slash == std::string::npos || !count || *count < 1 || *count > 1000000 ||
        slash + 1 >= lower.size()) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "expected a rate like 20/min (N/s, N/min, N/hour, N/day) or off, "
                                "got '" +
                                    std::string(text) + "'");
    }
    // DRF reads only the period's first letter ("10/month" would be per minute); here the period
    // must be one of its usual spellings.
    static constexpr std::pair<std::string_view, int> kPeriods[] = {
        {"s", 1},        {"sec", 1},     {"second", 1},   {"seconds", 1}, {"m", 60},
        {"min", 60},     {"minute", 60}, {"minutes", 60}, {"h", 3600},    {"hour", 3600},
        {"hours", 3600}, {"d", 86400},   {"day", 86400},  {"days", 86400}};
    const std::string_view unit = std::string_view(lower).substr(slash + 1);
    std::chrono::seconds period{0};
    for (const auto& [name, seconds] : kPeriods) {
        if (unit == name) period = std::chrono::seconds{seconds};
    }
    if (period.count() == 0) {
        return core::make_error(
            core::ErrorCode::kInvalidArgument,
            "the period must be s, min, hour or day, got '" + std::string(text) + "'");
    }
    return std::optional<Rate>{Rate{static_cast<int>(*count), period}};
}

namespace {

std::string_view bounded(std::string_view address) {
    // An X-Forwarded-For entry is the client's to choose when a proxy passes it on: a longer
    // one is no IP address, and cutting it keeps keys small (such entries share a count, and
    // never the count of a real address, which is shorter).
    return address.substr(0, kMaxAddressLength);
}

// A key naming an address and a username. Header values hold no line feed, so the first one
// ends the address.
std::string pair_key(std::string_view prefix, std::string_view address, std::string_view username) {
    std::string key(prefix);
    key += bounded(address);
    key += '\n';
    key += username;
    return key;
}

core::Error throttled(double wait) {
    // DRF rounds the wait up and says "second" for exactly one.
    const int seconds = std::max(1, static_cast<int>(std::ceil(wait)));
    core::Error e =
        core::make_error(core::ErrorCode::kRateLimited,
                         "Request was throttled. Expected available in " + std::to_string(seconds) +
                             (seconds == 1 ? " second." : " seconds."));
    e.retry_after_seconds = seconds;
    return e;
}

}  // namespace

LoginThrottle::LoginThrottle(ThrottleStore& store, LoginRates rates, const core::Clock& clock,
                             core::metrics::Registry* metrics)
    : store_(store), rates_(rates), clock_(clock) {
    if (metrics == nullptr) return;
    const auto counter = [metrics](std::string rate) {
        return &metrics->counter(
            "taskapi_login_throttled_total",
            "Login and registration attempts refused 429, by the rate that refused them.",
            {{"rate", std::move(rate)}});
    };
    refused_address_ = counter("per_address");
    refused_username_address_ = counter("failures_per_username_address");
    refused_username_ = counter("failures_per_username");
}

core::Status LoginThrottle::check_address(std::string_view address) {
    std::string key("login:address:");
    key += bounded(address);
    if (auto counted = hit(key, rates_.per_address, clock_.now(), refused_address_); !counted) {
        return std::move(counted).error();
    }
    return core::Ok{};
}

core::Result<FailureReservation> LoginThrottle::reserve_failure(std::string_view username,
                                                                std::string_view address) {
    const core::Timestamp now = clock_.now();
    FailureReservation r;
    r.pair_key = pair_key("login:failures:", address, username);
    r.trusted_key = pair_key("login:trusted:", address, username);
    r.username_key = "login:failures-by-username:";
    r.username_key += username;
    auto pair_hit =
        hit(r.pair_key, rates_.failures_per_username_address, now, refused_username_address_);
    if (!pair_hit) return std::move(pair_hit).error();
    r.pair_hit = *pair_hit;
    // The owner's usual address is exempt from the ceiling that guards against guessing from
    // many addresses, so such guessing cannot lock the owner out there.
    if (!rates_.failures_per_username || store_.remembers(r.trusted_key, now)) return r;
    auto username_hit = hit(r.username_key, rates_.failures_per_username, now, refused_username_);
    if (!username_hit) {
        if (r.pair_hit) store_.refund(r.pair_key, *r.pair_hit);
        return std::move(username_hit).error();
    }
    r.username_hit = *username_hit;
    return r;
}

void LoginThrottle::succeeded(const FailureReservation& reservation) {
    const core::Timestamp now = clock_.now();
    if (reservation.pair_hit) store_.refund(reservation.pair_key, *reservation.pair_hit);
    if (reservation.username_hit) {
        store_.refund(reservation.username_key, *reservation.username_hit);
    }
    if (rates_.failures_per_username) {
        store_.remember(reservation.trusted_key, now + rates_.trusted_address_period, now);
    }
}

core::Result<std::optional<core::Timestamp>> LoginThrottle::hit(const std::string& key,
                                                                const std::optional<Rate>& rate,
                                                                core::Timestamp now,
                                                                core::metrics::Counter* refused) {
    if (!rate) return std::optional<core::Timestamp>{};
    if (const auto wait = store_.hit(key, *rate, now)) {
        if (refused != nullptr) refused->add();
        return throttled(*wait);
    }
    return std::optional<core::Timestamp>{now};
}

}  // namespace taskapi::auth
