#include "storage/memory/memory_throttle_store.hpp"

#include <algorithm>

namespace taskapi::storage::memory {

std::optional<double> MemoryThrottleStore::hit(std::string_view key, const auth::Rate& rate,
                                               core::Timestamp now) {
    std::lock_guard lock(mutex_);
    Entry& entry = use(key, now);
    auto& hits = entry.hits;
    // A vector of exactly the live hits (8 bytes each) instead of a deque, which allocates a
    // 512-byte block for the first one: most keys hold one or two hits.
    const auto live = std::upper_bound(hits.begin(), hits.end(), now - rate.period);
    hits.erase(hits.begin(), live);
    if (hits.size() >= static_cast<std::size_t>(rate.requests)) {
        // DRF: the remaining time of the oldest hit in the window, spread over the free slots.
        const auto remaining = std::chrono::duration<double>(rate.period - (now - hits.front()));
        const auto available =
            static_cast<double>(rate.requests) - static_cast<double>(hits.size()) + 1.0;
        return remaining.count() / std::max(available, 1.0);
    }
    // Sorted even if the system clock steps back.
    hits.insert(std::upper_bound(hits.begin(), hits.end(), now), now);
    entry.expires = std::max(entry.expires, now + rate.period);
    return std::nullopt;
}

void MemoryThrottleStore::refund(std::string_view key, core::Timestamp at) {
    std::lock_guard lock(mutex_);
    Entry* entry = find(key);
    if (entry == nullptr) return;
    auto& hits = entry->hits;
    if (const auto it = std::lower_bound(hits.begin(), hits.end(), at);
        it != hits.end() && *it == at) {
        hits.erase(it);
    }
}

void MemoryThrottleStore::remember(std::string_view key, core::Timestamp until,
                                   core::Timestamp now) {
    std::lock_guard lock(mutex_);
    Entry& entry = use(key, now);
    entry.expires = std::max(entry.expires, until);
}

bool MemoryThrottleStore::remembers(std::string_view key, core::Timestamp now) {
    std::lock_guard lock(mutex_);
    const Entry* entry = find(key);
    return entry != nullptr && entry->expires > now;
}

std::size_t MemoryThrottleStore::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

MemoryThrottleStore::Entry* MemoryThrottleStore::find(std::string_view key) {
    const auto found = index_.find(key);
    if (found == index_.end()) return nullptr;
    entries_.splice(entries_.end(), entries_, found->second);
    return &*found->second;
}

MemoryThrottleStore::Entry& MemoryThrottleStore::use(std::string_view key, core::Timestamp now) {
    if (now >= next_sweep_) sweep(now);
    if (Entry* entry = find(key)) return *entry;
    if (entries_.size() >= options_.max_entries) sweep(now);
    if (entries_.size() >= options_.max_entries && !entries_.empty()) {
        // Full of live keys: forget the least recently used. Refusing new keys instead would let
        // whoever fills the store lock every newcomer out, and keeping every key would let them
        // grow memory without bound; a key under attack is used all the time and stays.
        index_.erase(entries_.front().key);
        entries_.pop_front();
    }
    entries_.push_back(Entry{std::string(key), {}, now});
    const auto it = std::prev(entries_.end());
    index_.emplace(it->key, it);
    return *it;
}

void MemoryThrottleStore::sweep(core::Timestamp now) {
    next_sweep_ = now + options_.sweep_interval;
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->expires <= now) {
            index_.erase(it->key);
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace taskapi::storage::memory
