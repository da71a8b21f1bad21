// Storage of tasks. Every call carries the owner: another user's task does not exist for the
// caller.
#pragma once

#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "tasks/task.hpp"

namespace taskapi::tasks {

// Implementations are thread-safe. Unexpected storage failures throw storage::StorageError.
class TaskRepository {
public:
    virtual ~TaskRepository() = default;

    // Stores a task with created_at = updated_at = now and returns it with its new id.
    virtual Task create(core::UserId owner, const NewTask& task, core::Timestamp now) = 0;
    // The owner's tasks in ascending id order.
    [[nodiscard]] virtual std::vector<Task> list(core::UserId owner) = 0;
    [[nodiscard]] virtual std::optional<Task> find(core::UserId owner, core::TaskId id) = 0;
    // Applies the patch and sets updated_at = now; nullopt when missing or owned by another user.
    virtual std::optional<Task> update(core::UserId owner, core::TaskId id, const TaskPatch& patch,
                                       core::Timestamp now) = 0;
    // False when missing or owned by another user.
    virtual bool remove(core::UserId owner, core::TaskId id) = 0;
};

}  // namespace taskapi::tasks
