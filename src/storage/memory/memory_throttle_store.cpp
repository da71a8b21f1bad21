#include "storage/memory/memory_throttle_store.hpp"

namespace taskapi::storage::memory {

std::optional<double> MemoryThrottleStore::hit(std::string_view key, const auth::Rate& rate,
                                               core::Timestamp now) {
    std::lock_guard lock(mutex_);
    if (++hits_since_sweep_ >= 10000) sweep(now);
    History& history = histories_[std::string(key)];
    history.period = rate.period;
    auto& hits = history.hits;
    while (!hits.empty() && hits.back() <= now - rate.period) hits.pop_back();
    if (hits.size() >= static_cast<std::size_t>(rate.requests)) {
        // DRF: the remaining time of the oldest hit in the window, spread over the free slots.
        const auto remaining = std::chrono::duration<double>(rate.period - (now - hits.back()));
        const auto available =
            static_cast<double>(rate.requests) - static_cast<double>(hits.size()) + 1.0;
        return remaining.count() / std::max(available, 1.0);
    }
    hits.push_front(now);
    return std::nullopt;
}

void MemoryThrottleStore::sweep(core::Timestamp now) {
    hits_since_sweep_ = 0;
    for (auto it = histories_.begin(); it != histories_.end();) {
        const auto& h = it->second;
        if (h.hits.empty() || h.hits.front() <= now - h.period) {
            it = histories_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace taskapi::storage::memory
