// Time as the application sees it: UTC with microsecond precision, and a clock that can be faked.
#pragma once

#include <chrono>
#include <string>

namespace taskapi::core {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual Timestamp now() const = 0;
    // Blocks the calling thread until now() >= t (a fake clock just moves to t).
    virtual void sleep_until(Timestamp t) const = 0;
};

class SystemClock final : public Clock {
public:
    [[nodiscard]] Timestamp now() const override;
    void sleep_until(Timestamp t) const override;
};

// "2026-11-26T17:20:05.123456Z"; the fraction is left out when it is zero (as Python's isoformat).
std::string format_iso8601(Timestamp t);
// The same, appended to `out` (no temporary string).
void append_iso8601(std::string& out, Timestamp t);

// Seconds since the epoch, for JWT claims.
std::int64_t to_unix_seconds(Timestamp t);

}  // namespace taskapi::core
