// Tasks in SQLite; every statement filters on owner_id.
#pragma once

#include "storage/sqlite/sqlite_db.hpp"
#include "tasks/task_repository.hpp"

namespace taskapi::storage::sqlite {

class SqliteTaskRepository final : public tasks::TaskRepository {
public:
    explicit SqliteTaskRepository(Database& db) : db_(db) {}

    tasks::Task create(core::UserId owner, const tasks::NewTask& task,
                       core::Timestamp now) override;
    void for_each(core::UserId owner, core::TaskId after, const tasks::TaskVisitor& visit) override;
    // One statement, built from fixed fragments (TaskQuery's fields map to column names here),
    // every value bound; statements of up to one ordering field and no search term are cached.
    // count_matching reads the counts the task_counts triggers keep unless there are search
    // terms (docs/decisions/009-task-list-queries.md).
    void for_each_matching(core::UserId owner, const tasks::TaskQuery& query,
                           const tasks::TaskVisitor& visit) override;
    std::int64_t count_matching(core::UserId owner, const tasks::TaskQuery& query) override;
    std::optional<tasks::Task> find(core::UserId owner, core::TaskId id) override;
    std::optional<tasks::Task> update(core::UserId owner, core::TaskId id,
                                      const tasks::TaskPatch& patch, core::Timestamp now) override;
    bool remove(core::UserId owner, core::TaskId id) override;
    // The account's statement (sqlite::find_account), then the tasks', on one connection.
    // find_with_account: one statement, the account joined with the task.
    void for_each_with_account(core::UserId owner, core::TaskId after,
                               const tasks::TaskVisitor& visit,
                               core::AccountLookup& account) override;
    std::optional<tasks::Task> find_with_account(core::UserId owner, core::TaskId id,
                                                 core::AccountLookup& account) override;

private:
    Database& db_;
};

}  // namespace taskapi::storage::sqlite
