#include "storage/postgres/pg_task_repository.hpp"

namespace taskapi::storage::postgres {
namespace {

// The columns every statement returns, in read_task's order:
// id, title, description, completed, owner_id, created_at, updated_at.
constexpr Statement kCreate{
    "tasks_create",
    "INSERT INTO tasks (owner_id, title, description, completed, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $5) RETURNING "
    "id, title, description, completed, owner_id, created_at, updated_at"};
// Up to $3 tasks, cut after the one that brings the text past $4 bytes (the first always comes):
// libpq holds a whole result, and a page of 64 tasks with megabyte descriptions would be 64 MB.
// The eighth column is how many tasks the uncut page had: all of them, and fewer than $3, is
// the end.
constexpr Statement kPage{
    "tasks_page",
    "SELECT id, title, description, completed, owner_id, created_at, updated_at, in_page"
    " FROM (SELECT *, count(*) OVER () AS in_page,"
    "       sum(octet_length(title) + octet_length(description)) OVER (ORDER BY id) AS upto"
    "       FROM (SELECT * FROM tasks WHERE owner_id = $1 AND id > $2 ORDER BY id LIMIT $3)"
    "       AS page) AS sized"
    " WHERE upto - octet_length(title) - octet_length(description) < $4 ORDER BY id"};
constexpr Statement kFind{
    "tasks_find",
    "SELECT id, title, description, completed, owner_id, created_at, updated_at"
    " FROM tasks WHERE id = $1 AND owner_id = $2"};
// One statement: the row is locked while it is changed, so two processes updating one task at
// once each apply their patch to the other's result (no lost update).
constexpr Statement kUpdate{
    "tasks_update",
    "UPDATE tasks SET title = coalesce($1, title), description = coalesce($2, description), "
    "completed = coalesce($3, completed), updated_at = $4 "
    "WHERE id = $5 AND owner_id = $6 RETURNING "
    "id, title, description, completed, owner_id, created_at, updated_at"};
constexpr Statement kRemove{"tasks_remove", "DELETE FROM tasks WHERE id = $1 AND owner_id = $2"};

void read_task(const Rows& rows, int row, tasks::Task& t) {
    t.id = core::TaskId{rows.int64(row, 0)};
    t.title.assign(rows.text(row, 1));
    t.description.assign(rows.text(row, 2));
    t.completed = rows.boolean(row, 3);
    t.owner = core::UserId{rows.int64(row, 4)};
    t.created_at = rows.timestamp(row, 5);
    t.updated_at = rows.timestamp(row, 6);
}

tasks::Task read_task(const Rows& rows, int row) {
    tasks::Task t;
    read_task(rows, row, t);
    return t;
}

}  // namespace

tasks::Task PgTaskRepository::create(core::UserId owner, const tasks::NewTask& task,
                                     core::Timestamp now) {
    auto c = pool_.lease();
    const Rows rows = c->execute(kCreate, Params{}
                                              .add(owner.value)
                                              .add(task.title)
                                              .add(task.description)
                                              .add(task.completed)
                                              .add(now));
    if (rows.empty()) throw StorageError("PostgreSQL: INSERT INTO tasks returned no row");
    return read_task(rows, 0);
}

void PgTaskRepository::for_each(core::UserId owner, core::TaskId after,
                                const tasks::TaskVisitor& visit) {
    tasks::Task task;  // one, reused: its strings keep their capacity from row to row
    // A second attempt (the connection was lost) goes on after the last task visited.
    pool_.read([owner, &after, &visit, &task](Connection& c) {
        for (;;) {
            const Rows rows = c.execute(
                kPage, Params{}.add(owner.value).add(after.value).add(kPageSize).add(kPageBytes));
            for (int i = 0; i < rows.size(); ++i) {
                read_task(rows, i, task);
                after = task.id;
                if (!visit(task)) return;
            }
            // The end: the page was not cut (by bytes) and held fewer tasks than asked for.
            if (rows.empty()) return;
            const std::int64_t in_page = rows.int64(0, 7);
            if (rows.size() == in_page && in_page < kPageSize) return;
        }
    });
}

std::optional<tasks::Task> PgTaskRepository::find(core::UserId owner, core::TaskId id) {
    return pool_.read([owner, id](Connection& c) -> std::optional<tasks::Task> {
        const Rows rows = c.execute(kFind, Params{}.add(id.value).add(owner.value));
        if (rows.empty()) return std::nullopt;
        return read_task(rows, 0);
    });
}

std::optional<tasks::Task> PgTaskRepository::update(core::UserId owner, core::TaskId id,
                                                    const tasks::TaskPatch& patch,
                                                    core::Timestamp now) {
    Params params;
    if (patch.title) {
        params.add(*patch.title);
    } else {
        params.add_null_text();
    }
    if (patch.description) {
        params.add(*patch.description);
    } else {
        params.add_null_text();
    }
    if (patch.completed) {
        params.add(*patch.completed);
    } else {
        params.add_null_bool();
    }
    params.add(now).add(id.value).add(owner.value);
    auto c = pool_.lease();
    const Rows rows = c->execute(kUpdate, params);
    if (rows.empty()) return std::nullopt;
    return read_task(rows, 0);
}

bool PgTaskRepository::remove(core::UserId owner, core::TaskId id) {
    auto c = pool_.lease();
    return c->execute(kRemove, Params{}.add(id.value).add(owner.value)).affected() > 0;
}

}  // namespace taskapi::storage::postgres
