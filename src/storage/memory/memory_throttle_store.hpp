// Throttle history in this process's memory: right for one server process.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/login_throttle.hpp"

namespace taskapi::storage::memory {

class MemoryThrottleStore final : public auth::ThrottleStore {
public:
    std::optional<double> hit(std::string_view key, const auth::Rate& rate,
                              core::Timestamp now) override;

private:
    // Drops keys whose whole history has aged out, so memory stays bounded by recent traffic.
    void sweep(core::Timestamp now);

    struct History {
        std::deque<core::Timestamp> hits;  // newest first
        std::chrono::seconds period{0};
    };
    std::mutex mutex_;
    std::unordered_map<std::string, History> histories_;
    std::size_t hits_since_sweep_ = 0;
};

}  // namespace taskapi::storage::memory
