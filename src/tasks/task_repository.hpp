// Storage of tasks. Every call carries the owner: another user's task does not exist for the
// caller.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/principal.hpp"
#include "tasks/task.hpp"
#include "tasks/task_query.hpp"

namespace taskapi::tasks {

// Receives tasks one at a time; returns false to stop.
using TaskVisitor = std::function<bool(const Task&)>;

// Implementations are thread-safe. Unexpected storage failures throw storage::StorageError.
class TaskRepository {
public:
    virtual ~TaskRepository() = default;

    // Stores a task with created_at = updated_at = now and returns it with its new id.
    virtual Task create(core::UserId owner, const NewTask& task, core::Timestamp now) = 0;
    // Calls `visit` with the owner's tasks whose id is above `after`, in ascending id order, until
    // it returns false or none is left; the task it gets lives only for the call. One read, so a
    // long list is taken in several calls. `visit` must not call the repository.
    virtual void for_each(core::UserId owner, core::TaskId after, const TaskVisitor& visit) = 0;
    // All of the owner's tasks in ascending id order.
    [[nodiscard]] std::vector<Task> list(core::UserId owner) {
        std::vector<Task> out;
        for_each(owner, core::TaskId{0}, [&out](const Task& task) {
            out.push_back(task);
            return true;
        });
        return out;
    }
    // Calls `visit` with the owner's tasks that `query` selects, in its order (TaskQuery), until
    // it returns false or none is left; the task it gets lives only for the call. `visit` must
    // not call the repository. A backend may read in several statements (each its own
    // snapshot), as for_each does.
    virtual void for_each_matching(core::UserId owner, const TaskQuery& query,
                                   const TaskVisitor& visit) = 0;
    // How many of the owner's tasks `query` selects, ignoring its offset, limit and `after`.
    [[nodiscard]] virtual std::int64_t count_matching(core::UserId owner,
                                                      const TaskQuery& query) = 0;
    [[nodiscard]] virtual std::optional<Task> find(core::UserId owner, core::TaskId id) = 0;
    // Applies the patch and sets updated_at = now; nullopt when missing or owned by another user.
    virtual std::optional<Task> update(core::UserId owner, core::TaskId id, const TaskPatch& patch,
                                       core::Timestamp now) = 0;
    // False when missing or owned by another user.
    virtual bool remove(core::UserId owner, core::TaskId id) = 0;

    // for_each and find that may also look the owner's account up, in the same statement, into
    // `account` (core::AccountLookup), so that authentication needs no query of its own. A
    // database server does (one round trip instead of two); the defaults leave `account` as it
    // is, and the authenticator looks the account up itself.
    virtual void for_each_with_account(core::UserId owner, core::TaskId after,
                                       const TaskVisitor& visit, core::AccountLookup& account) {
        (void)account;
        for_each(owner, after, visit);
    }
    [[nodiscard]] virtual std::optional<Task> find_with_account(core::UserId owner, core::TaskId id,
                                                                core::AccountLookup& account) {
        (void)account;
        return find(owner, id);
    }
};

}  // namespace taskapi::tasks
