#include "http/connection_table.hpp"

namespace taskapi::http {

template <ConnectionTable::Links ConnectionTable::Entry::*kLinks>
void ConnectionTable::IdleList<kLinks>::push_back(Entry& e) {
    (e.*kLinks).prev = tail;
    (e.*kLinks).next = nullptr;
    if (tail != nullptr) {
        (tail->*kLinks).next = &e;
    } else {
        head = &e;
    }
    tail = &e;
    ++size;
}

template <ConnectionTable::Links ConnectionTable::Entry::*kLinks>
void ConnectionTable::IdleList<kLinks>::erase(Entry& e) {
    Links& links = e.*kLinks;
    if (links.prev != nullptr) {
        (links.prev->*kLinks).next = links.next;
    } else {
        head = links.next;
    }
    if (links.next != nullptr) {
        (links.next->*kLinks).prev = links.prev;
    } else {
        tail = links.prev;
    }
    links = Links{};
    --size;
}

ConnectionTable::Admission ConnectionTable::admit(std::string_view address) {
    Admission result;
    auto found = addresses_.find(std::string(address));
    if (limits_.per_address > 0 && found != addresses_.end() &&
        found->second.count >= limits_.per_address) {
        Entry* oldest = found->second.idle.head;
        if (oldest == nullptr) {
            result.address_full = true;
            return result;
        }
        result.evicted = oldest->id;
        erase(*oldest);
        found = addresses_.find(std::string(address));  // erase() drops an address left empty
    }
    if (entries_.size() >= limits_.total) {
        Entry* oldest = idle_.head;
        if (oldest == nullptr) return result;
        result.evicted = oldest->id;
        erase(*oldest);
        found = addresses_.find(std::string(address));
    }
    if (found == addresses_.end()) {
        found = addresses_.emplace(std::string(address), Address{}).first;
        found->second.key = found->first;
    }
    Address& owner = found->second;
    const Id id = next_id_++;
    Entry& entry = entries_[id];
    entry.id = id;
    entry.address = &owner;
    ++owner.count;
    set_idle(id);
    result.admitted = true;
    result.id = id;
    return result;
}

void ConnectionTable::set_idle(Id id) {
    const auto it = entries_.find(id);
    if (it == entries_.end() || it->second.idle) return;
    Entry& e = it->second;
    e.idle = true;
    idle_.push_back(e);
    e.address->idle.push_back(e);
}

bool ConnectionTable::set_busy(Id id) {
    const auto it = entries_.find(id);
    if (it == entries_.end()) return false;
    unlink_idle(it->second);
    return true;
}

void ConnectionTable::remove(Id id) {
    const auto it = entries_.find(id);
    if (it != entries_.end()) erase(it->second);
}

std::vector<ConnectionTable::Id> ConnectionTable::evict_idle(std::size_t n) {
    std::vector<Id> evicted;
    while (evicted.size() < n && idle_.head != nullptr) {
        evicted.push_back(idle_.head->id);
        erase(*idle_.head);
    }
    return evicted;
}

std::size_t ConnectionTable::count_of(std::string_view address) const {
    const auto it = addresses_.find(std::string(address));
    return it == addresses_.end() ? 0 : it->second.count;
}

void ConnectionTable::unlink_idle(Entry& e) {
    if (!e.idle) return;
    e.idle = false;
    idle_.erase(e);
    e.address->idle.erase(e);
}

void ConnectionTable::erase(Entry& e) {
    unlink_idle(e);
    Address* address = e.address;
    entries_.erase(e.id);
    if (--address->count == 0) addresses_.erase(addresses_.find(address->key));
}

}  // namespace taskapi::http
