#include "auth/login_throttle.hpp"

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

core::Status LoginThrottle::check_address(std::string_view address) {
    // An X-Forwarded-For entry is the client's to choose when a proxy passes it on: a longer
    // one is no IP address, and cutting it keeps keys small (such entries share a count, and
    // never the count of a real address, which is shorter).
    return check("login:address:", address.substr(0, kMaxAddressLength), per_address_);
}

core::Status LoginThrottle::check_username(std::string_view username) {
    return check("login:username:", username, per_username_);
}

core::Status LoginThrottle::check(std::string_view prefix, std::string_view id,
                                  const std::optional<Rate>& rate) {
    if (!rate) return core::Ok{};
    std::string key(prefix);
    key += id;
    const auto wait = store_.hit(key, *rate, clock_.now());
    if (!wait) return core::Ok{};
    // DRF rounds the wait up and says "second" for exactly one.
    const int seconds = std::max(1, static_cast<int>(std::ceil(*wait)));
    core::Error e =
        core::make_error(core::ErrorCode::kRateLimited,
                         "Request was throttled. Expected available in " + std::to_string(seconds) +
                             (seconds == 1 ? " second." : " seconds."));
    e.retry_after_seconds = seconds;
    return e;
}

}  // namespace taskapi::auth
