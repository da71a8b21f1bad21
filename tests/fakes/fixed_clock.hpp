// A Clock for tests: now() returns a settable instant, so timestamps and token times are exact.
#pragma once

#include <chrono>
#include <mutex>

#include "core/clock.hpp"

namespace taskapi::fakes {

// The UTC instant y-m-d h:mi:s plus `micros` microseconds.
inline core::Timestamp make_timestamp(int y, unsigned mo, unsigned d, int h = 0, int mi = 0,
                                      int s = 0, int micros = 0) {
    using namespace std::chrono;
    const sys_days date{year{y} / month{mo} / day{d}};
    return core::Timestamp{date} + hours{h} + minutes{mi} + seconds{s} + microseconds{micros};
}

// Thread-safe: set() and advance() may race with now().
class FixedClock final : public core::Clock {
public:
    explicit FixedClock(core::Timestamp start = make_timestamp(2026, 11, 26, 17, 20, 5, 123456))
        : now_(start) {}

    [[nodiscard]] core::Timestamp now() const override {
        const std::lock_guard lock(mutex_);
        return now_;
    }

    // Moves the clock forward to `t` at once: tests never sleep.
    void sleep_until(core::Timestamp t) const override {
        const std::lock_guard lock(mutex_);
        if (now_ < t) now_ = t;
        ++sleeps_;
    }

    // How many times sleep_until() was called.
    [[nodiscard]] int sleeps() const {
        const std::lock_guard lock(mutex_);
        return sleeps_;
    }

    void set(core::Timestamp t) {
        const std::lock_guard lock(mutex_);
        now_ = t;
    }

    void advance(std::chrono::microseconds by) {
        const std::lock_guard lock(mutex_);
        now_ += by;
    }

private:
    mutable std::mutex mutex_;
    mutable core::Timestamp now_;  // sleep_until() moves even a const clock
    mutable int sleeps_ = 0;
};

}  // namespace taskapi::fakes
