#include "tasks/task_service.hpp"

namespace taskapi::tasks {
namespace {

core::Error not_found() { return core::make_error(core::ErrorCode::kNotFound, "Not found."); }

}  // namespace

Task TaskService::create(core::UserId owner, const NewTask& task) {
    return repository_.create(owner, task, clock_.now());
}

std::vector<Task> TaskService::list(core::UserId owner) { return repository_.list(owner); }

void TaskService::for_each(core::UserId owner, core::TaskId after, const TaskVisitor& visit,
                           core::AccountLookup* account) {
    if (account != nullptr) {
        repository_.for_each_with_account(owner, after, visit, *account);
    } else {
        repository_.for_each(owner, after, visit);
    }
}

void TaskService::for_each_matching(core::UserId owner, const TaskQuery& query,
                                    const TaskVisitor& visit) {
    repository_.for_each_matching(owner, query, visit);
}

std::int64_t TaskService::count_matching(core::UserId owner, const TaskQuery& query) {
    return repository_.count_matching(owner, query);
}

core::Result<Task> TaskService::get(core::UserId owner, core::TaskId id,
                                    core::AccountLookup* account) {
    auto task = account != nullptr ? repository_.find_with_account(owner, id, *account)
                                   : repository_.find(owner, id);
    if (!task) return not_found();
    return std::move(*task);
}

core::Result<Task> TaskService::update(core::UserId owner, core::TaskId id,
                                       const TaskPatch& patch) {
    auto task = repository_.update(owner, id, patch, clock_.now());
    if (!task) return not_found();
    return std::move(*task);
}

core::Status TaskService::remove(core::UserId owner, core::TaskId id) {
    if (!repository_.remove(owner, id)) return not_found();
    return core::Ok{};
}

}  // namespace taskapi::tasks
