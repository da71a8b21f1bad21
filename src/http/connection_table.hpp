// Who is connected, and who makes room when the server is full: the cap on connections, the cap
// per client address, and the order in which idle connections are closed to admit new ones (as
// nginx reuses its idle keep-alive connections). Knows no sockets: the server acts on its answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace taskapi::http {

// Not thread-safe: the server calls it under its own lock.
class ConnectionTable {
public:
    using Id = std::uint64_t;

    struct Limits {
        std::size_t total = 10000;      // open connections at most
        std::size_t per_address = 256;  // open connections of one client address; 0: no cap
    };

    struct Admission {
        bool admitted = false;
        Id id = 0;                  // the new connection's, when admitted
        std::optional<Id> evicted;  // an idle connection that was removed to make room: close it
        bool address_full = false;  // when refused: its address was at its cap (else the total)
    };

    explicit ConnectionTable(Limits limits) : limits_(limits) {}

    // A new connection from `address` (a key that identifies the client's address). It is
    // admitted when both caps allow it, or when an idle connection makes room: at the address's
    // cap, that address's longest-idle connection; at the total cap, the longest-idle of all.
    // Otherwise it is refused. An admitted connection starts idle (it has sent nothing yet).
    Admission admit(std::string_view address);

    // The connection waits for the first byte of a request: it may be evicted from now on.
    void set_idle(Id id);
    // The connection has received bytes of a request. False when it was evicted meanwhile (it
    // must then close without answering).
    [[nodiscard]] bool set_busy(Id id);
    // The connection closed. An id that is no longer known (evicted) is ignored.
    void remove(Id id);

    // Removes up to `n` of the connections idle longest and returns their ids: the caller closes
    // them (to free file descriptors, or at shutdown).
    std::vector<Id> evict_idle(std::size_t n);

    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] std::size_t idle_count() const { return idle_.size; }
    [[nodiscard]] std::size_t count_of(std::string_view address) const;

private:
    struct Entry;
    struct Address;
    struct Links {
        Entry* prev = nullptr;
        Entry* next = nullptr;
    };
    // Idle connections, longest idle first; linked through one of Entry's Links.
    template <Links Entry::*kLinks>
    struct IdleList {
        Entry* head = nullptr;
        Entry* tail = nullptr;
        std::size_t size = 0;
        void push_back(Entry& e);
        void erase(Entry& e);
    };
    struct Entry {
        Id id = 0;
        Address* address = nullptr;
        bool idle = false;
        Links all;           // in idle_, while idle
        Links same_address;  // in address->idle, while idle
    };
    struct Address {
        std::string key;
        std::size_t count = 0;
        IdleList<&Entry::same_address> idle;
    };

    void unlink_idle(Entry& e);
    // Removes the entry and its share of its address's count.
    void erase(Entry& e);

    Limits limits_;
    Id next_id_ = 1;
    std::unordered_map<Id, Entry> entries_;  // node-based: an Entry never moves
    std::unordered_map<std::string, Address> addresses_;
    IdleList<&Entry::all> idle_;
};

}  // namespace taskapi::http
