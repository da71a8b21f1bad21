// tasks::TaskRepository on PostgreSQL: one statement per call, the owner in every WHERE clause.
#pragma once

#include "storage/postgres/pg_pool.hpp"
#include "tasks/task_repository.hpp"

namespace taskapi::storage::postgres {

// Thread-safe (each call leases a connection). Throws UnavailableError when the database
// cannot be reached, StorageError on anything else unexpected.
class PgTaskRepository final : public tasks::TaskRepository {
public:
    explicit PgTaskRepository(Pool& pool) : pool_(pool) {}

    tasks::Task create(core::UserId owner, const tasks::NewTask& task,
                       core::Timestamp now) override;
    // Reads in pages of kPageSize tasks by id, descriptions cut to kDescriptionPrefix characters
    // (a longer one is then read whole on its own), so a long list is never held whole; each
    // page is its own snapshot (a task created meanwhile with a higher id may appear, one
    // deleted meanwhile may be left out).
    void for_each(core::UserId owner, core::TaskId after, const tasks::TaskVisitor& visit) override;
    // One statement built from fixed fragments (TaskQuery's fields map to column names here),
    // every value bound, run unnamed; read kPageSize tasks at a time with descriptions cut as
    // for_each reads them, each page its own snapshot (a task created or deleted meanwhile can
    // shift the rest by one).
    void for_each_matching(core::UserId owner, const tasks::TaskQuery& query,
                           const tasks::TaskVisitor& visit) override;
    std::int64_t count_matching(core::UserId owner, const tasks::TaskQuery& query) override;
    [[nodiscard]] std::optional<tasks::Task> find(core::UserId owner, core::TaskId id) override;
    std::optional<tasks::Task> update(core::UserId owner, core::TaskId id,
                                      const tasks::TaskPatch& patch, core::Timestamp now) override;
    bool remove(core::UserId owner, core::TaskId id) override;
    // The account comes in the same statement as the first page or the task (one round trip).
    void for_each_with_account(core::UserId owner, core::TaskId after,
                               const tasks::TaskVisitor& visit,
                               core::AccountLookup& account) override;
    [[nodiscard]] std::optional<tasks::Task> find_with_account(
        core::UserId owner, core::TaskId id, core::AccountLookup& account) override;

    static constexpr std::int64_t kPageSize = 64;
    // Characters of each description read with its page; a longer one is read on its own.
    static constexpr std::int64_t kDescriptionPrefix = 2048;

private:
    Pool& pool_;
};

}  // namespace taskapi::storage::postgres
