// Throttle history in this process's memory: right for one server process. Bounded: expired
// windows are swept by time, and beyond a maximum number of keys the least recently used goes.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/login_throttle.hpp"

namespace taskapi::storage::memory {

struct MemoryThrottleOptions {
    // Keys held at most; when a new key finds the store full after a sweep, the least recently
    // used key is forgotten (docs: SECURITY.md, login throttling).
    std::size_t max_entries = 100000;
    // Expired keys are swept at most this often (and whenever the store is full).
    std::chrono::seconds sweep_interval{60};
};

// Thread-safe: one mutex around every call.
class MemoryThrottleStore final : public auth::ThrottleStore {
public:
    explicit MemoryThrottleStore(MemoryThrottleOptions options = {}) : options_(options) {}

    std::optional<double> hit(std::string_view key, const auth::Rate& rate,
                              core::Timestamp now) override;
    void refund(std::string_view key, core::Timestamp at) override;
    void remember(std::string_view key, core::Timestamp until, core::Timestamp now) override;
    [[nodiscard]] bool remembers(std::string_view key, core::Timestamp now) override;

    // Keys held now, expired ones not yet swept included (for tests and diagnostics).
    [[nodiscard]] std::size_t size() const;

private:
    struct Entry {
        std::string key;
        std::vector<core::Timestamp> hits;  // oldest first; exactly the hits still remembered
        core::Timestamp expires{};          // from then on the entry holds nothing that matters
    };
    using Entries = std::list<Entry>;  // least recently used first

    // The entry for `key` moved to the most recently used end, or null when there is none.
    Entry* find(std::string_view key);
    // The same, created when missing; sweeps first when a sweep is due.
    Entry& use(std::string_view key, core::Timestamp now);
    // Drops every expired entry.
    void sweep(core::Timestamp now);

    MemoryThrottleOptions options_;
    mutable std::mutex mutex_;
    Entries entries_;
    std::unordered_map<std::string_view, Entries::iterator> index_;  // views of Entry::key
    core::Timestamp next_sweep_{};
};

}  // namespace taskapi::storage::memory
