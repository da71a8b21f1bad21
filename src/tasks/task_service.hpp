// Business rules for tasks: ownership is part of every call; timestamps come from the clock.
#pragma once

#include <cstdint>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "tasks/task.hpp"
#include "tasks/task_repository.hpp"

namespace taskapi::tasks {

// Thread-safe when the repository is.
class TaskService {
public:
    TaskService(TaskRepository& repository, const core::Clock& clock)
        : repository_(repository), clock_(clock) {}

    Task create(core::UserId owner, const NewTask& task);
    std::vector<Task> list(core::UserId owner);
    // The owner's tasks above `after` in ascending id order, one at a time, until `visit` says
    // stop (TaskRepository::for_each).
    // With `account`, the read may also look the owner's account up for authentication
    // (TaskRepository::for_each_with_account).
    void for_each(core::UserId owner, core::TaskId after, const TaskVisitor& visit,
                  core::AccountLookup* account = nullptr);
    // The owner's tasks that `query` selects, in its order (TaskRepository::for_each_matching).
    void for_each_matching(core::UserId owner, const TaskQuery& query, const TaskVisitor& visit);
    // How many tasks `query` selects, its offset, limit and `after` aside.
    std::int64_t count_matching(core::UserId owner, const TaskQuery& query);
    // kNotFound when the task is missing or owned by another user. `account` as for for_each.
    core::Result<Task> get(core::UserId owner, core::TaskId id,
                           core::AccountLookup* account = nullptr);
    core::Result<Task> update(core::UserId owner, core::TaskId id, const TaskPatch& patch);
    core::Status remove(core::UserId owner, core::TaskId id);

private:
    TaskRepository& repository_;
    const core::Clock& clock_;
};

}  // namespace taskapi::tasks
