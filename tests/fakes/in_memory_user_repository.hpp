// An in-memory UserRepository for unit tests. Given the task fake, remove() cascades to the
// user's tasks as the SQLite schema's ON DELETE CASCADE does.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "fakes/in_memory_task_repository.hpp"
#include "users/user_repository.hpp"

namespace taskapi::fakes {

// Thread-safe. Lock order: this repository's mutex, then the task fake's (never the reverse).
class InMemoryUserRepository final : public users::UserRepository {
public:
    // `tasks` may be null when a test has no tasks; otherwise it must outlive this repository.
    explicit InMemoryUserRepository(InMemoryTaskRepository* tasks = nullptr) : tasks_(tasks) {}

    core::Result<users::User> create(const users::NewUser& user) override {
        const std::lock_guard lock(mutex_);
        for (const auto& [id, existing] : users_) {
            if (existing.username == user.username) {
                return core::make_error(core::ErrorCode::kConflict,
                                        "a user named '" + user.username + "' already exists");
            }
        }
        users::User stored;
        stored.id = core::UserId{++last_id_};
        stored.username = user.username;
        stored.password_hash = user.password_hash;
        stored.is_active = user.is_active;
        stored.is_superuser = user.is_superuser;
        stored.date_joined = user.date_joined;
        users_.emplace(stored.id.value, stored);
        return stored;
    }

    [[nodiscard]] std::optional<users::User> find_by_id(core::UserId id) override {
        const std::lock_guard lock(mutex_);
        const auto it = users_.find(id.value);
        if (it == users_.end()) return std::nullopt;
        return it->second;
    }

    [[nodiscard]] std::optional<users::User> find_by_username(std::string_view username) override {
        const std::lock_guard lock(mutex_);
        for (const auto& [id, user] : users_) {
            if (user.username == username) return user;
        }
        return std::nullopt;
    }

    bool replace_password_hash(core::UserId id, std::string_view expected,
                               std::string_view replacement) override {
        const std::lock_guard lock(mutex_);
        const auto it = users_.find(id.value);
        if (it == users_.end() || it->second.password_hash != expected) return false;
        it->second.password_hash = std::string(replacement);
        return true;
    }

    bool change_password(core::UserId id, std::string_view password_hash,
                         core::Timestamp changed_at) override {
        const std::lock_guard lock(mutex_);
        const auto it = users_.find(id.value);
        if (it == users_.end()) return false;
        it->second.password_hash = std::string(password_hash);
        it->second.password_changed_at = changed_at;
        return true;
    }

    bool remove(core::UserId id) override {
        const std::lock_guard lock(mutex_);
        if (users_.erase(id.value) == 0) return false;
        if (tasks_ != nullptr) tasks_->remove_all_owned_by(id);
        return true;
    }

    // Test helper: what an administrator's deactivation would do. False when no such user exists.
    bool set_active(core::UserId id, bool is_active) {
        const std::lock_guard lock(mutex_);
        const auto it = users_.find(id.value);
        if (it == users_.end()) return false;
        it->second.is_active = is_active;
        return true;
    }

private:
    mutable std::mutex mutex_;
    InMemoryTaskRepository* tasks_;
    std::int64_t last_id_ = 0;
    std::map<std::int64_t, users::User> users_;
};

}  // namespace taskapi::fakes
