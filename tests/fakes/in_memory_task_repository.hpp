// An in-memory TaskRepository for unit tests; the storage conformance suite proves it behaves
// like the SQLite one (owner filtering, ascending ids, ids never reused).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "tasks/task_repository.hpp"

namespace taskapi::fakes {

// Thread-safe.
class InMemoryTaskRepository final : public tasks::TaskRepository {
public:
    tasks::Task create(core::UserId owner, const tasks::NewTask& task,
                       core::Timestamp now) override {
        const std::lock_guard lock(mutex_);
        tasks::Task stored;
        stored.id = core::TaskId{++last_id_};
        stored.title = task.title;
        stored.description = task.description;
        stored.completed = task.completed;
        stored.owner = owner;
        stored.created_at = now;
        stored.updated_at = now;
        tasks_.emplace(stored.id.value, stored);
        return stored;
    }

    void for_each(core::UserId owner, core::TaskId after,
                  const tasks::TaskVisitor& visit) override {
        const std::lock_guard lock(mutex_);
        for (auto it = tasks_.upper_bound(after.value); it != tasks_.end(); ++it) {
            if (it->second.owner == owner && !visit(it->second)) break;
        }
    }

    [[nodiscard]] std::optional<tasks::Task> find(core::UserId owner, core::TaskId id) override {
        const std::lock_guard lock(mutex_);
        const auto it = tasks_.find(id.value);
        if (it == tasks_.end() || it->second.owner != owner) return std::nullopt;
        return it->second;
    }

    std::optional<tasks::Task> update(core::UserId owner, core::TaskId id,
                                      const tasks::TaskPatch& patch, core::Timestamp now) override {
        const std::lock_guard lock(mutex_);
        const auto it = tasks_.find(id.value);
        if (it == tasks_.end() || it->second.owner != owner) return std::nullopt;
        tasks::Task& task = it->second;
        if (patch.title) task.title = *patch.title;
        if (patch.description) task.description = *patch.description;
        if (patch.completed) task.completed = *patch.completed;
        task.updated_at = now;
        return task;
    }

    bool remove(core::UserId owner, core::TaskId id) override {
        const std::lock_guard lock(mutex_);
        const auto it = tasks_.find(id.value);
        if (it == tasks_.end() || it->second.owner != owner) return false;
        tasks_.erase(it);
        return true;
    }

    // What ON DELETE CASCADE does when a user is removed; returns how many tasks went.
    std::size_t remove_all_owned_by(core::UserId owner) {
        const std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(std::erase_if(
            tasks_, [owner](const auto& entry) { return entry.second.owner == owner; }));
    }

    // Every stored task, whoever owns it (for assertions).
    [[nodiscard]] std::size_t size() const {
        const std::lock_guard lock(mutex_);
        return tasks_.size();
    }

private:
    mutable std::mutex mutex_;
    std::int64_t last_id_ = 0;                   // AUTOINCREMENT: ids are never reused
    std::map<std::int64_t, tasks::Task> tasks_;  // ordered by id
};

}  // namespace taskapi::fakes
