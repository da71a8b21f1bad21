#include "storage/sqlite/sqlite_task_repository.hpp"

namespace taskapi::storage::sqlite {
namespace {

constexpr std::string_view kColumns =
    "id, title, description, completed, owner_id, created_at, updated_at";

core::Timestamp from_micros(std::int64_t us) {
    return core::Timestamp{std::chrono::microseconds{us}};
}
std::int64_t to_micros(core::Timestamp t) { return t.time_since_epoch().count(); }

void read_task(const Statement& s, tasks::Task& t) {
    t.id = core::TaskId{s.column_int64(0)};
    s.column_text(1, t.title);
    s.column_text(2, t.description);
    t.completed = s.column_int64(3) != 0;
    t.owner = core::UserId{s.column_int64(4)};
    t.created_at = from_micros(s.column_int64(5));
    t.updated_at = from_micros(s.column_int64(6));
}

tasks::Task read_task(const Statement& s) {
    tasks::Task t;
    read_task(s, t);
    return t;
}

std::string sql(std::string_view head, std::string_view tail = {}) {
    std::string s(head);
    s += kColumns;
    s += tail;
    return s;
}

}  // namespace

tasks::Task SqliteTaskRepository::create(core::UserId owner, const tasks::NewTask& task,
                                         core::Timestamp now) {
    static const std::string kSql =
        sql("INSERT INTO tasks (owner_id, title, description, completed, created_at, updated_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING ");
    auto c = db_.acquire_writer();
    StatementScope s(c->prepare(kSql));
    s->bind(1, owner.value);
    s->bind(2, task.title);
    s->bind(3, task.description);
    s->bind(4, std::int64_t{task.completed ? 1 : 0});
    s->bind(5, to_micros(now));
    s->step();
    tasks::Task created = read_task(*s);
    s->step();  // completes the statement so the insert is committed now
    return created;
}

void SqliteTaskRepository::for_each(core::UserId owner, core::TaskId after,
                                    const tasks::TaskVisitor& visit) {
    static const std::string kSql =
        sql("SELECT ", " FROM tasks WHERE owner_id = ?1 AND id > ?2 ORDER BY id");
    auto c = db_.acquire();
    StatementScope s(c->prepare(kSql));
    s->bind(1, owner.value);
    s->bind(2, after.value);
    tasks::Task task;  // one, reused: its strings keep their capacity from row to row
    while (s->step()) {
        read_task(*s, task);
        if (!visit(task)) break;
    }
}

std::optional<tasks::Task> SqliteTaskRepository::find(core::UserId owner, core::TaskId id) {
    static const std::string kSql = sql("SELECT ", " FROM tasks WHERE id = ?1 AND owner_id = ?2");
    auto c = db_.acquire();
    StatementScope s(c->prepare(kSql));
    s->bind(1, id.value);
    s->bind(2, owner.value);
    if (!s->step()) return std::nullopt;
    return read_task(*s);
}

std::optional<tasks::Task> SqliteTaskRepository::update(core::UserId owner, core::TaskId id,
                                                        const tasks::TaskPatch& patch,
                                                        core::Timestamp now) {
    static const std::string kSql = sql(
        "UPDATE tasks SET title = coalesce(?1, title), description = coalesce(?2, description), "
        "completed = coalesce(?3, completed), updated_at = ?4 "
        "WHERE id = ?5 AND owner_id = ?6 RETURNING ");
    auto c = db_.acquire_writer();
    StatementScope s(c->prepare(kSql));
    if (patch.title)
        s->bind(1, *patch.title);
    else
        s->bind_null(1);
    if (patch.description)
        s->bind(2, *patch.description);
    else
        s->bind_null(2);
    if (patch.completed)
        s->bind(3, std::int64_t{*patch.completed ? 1 : 0});
    else
        s->bind_null(3);
    s->bind(4, to_micros(now));
    s->bind(5, id.value);
    s->bind(6, owner.value);
    if (!s->step()) return std::nullopt;
    tasks::Task updated = read_task(*s);
    s->step();
    return updated;
}

bool SqliteTaskRepository::remove(core::UserId owner, core::TaskId id) {
    static const std::string kSql =
        "DELETE FROM tasks WHERE id = ?1 AND owner_id = ?2 RETURNING id";
    auto c = db_.acquire_writer();
    StatementScope s(c->prepare(kSql));
    s->bind(1, id.value);
    s->bind(2, owner.value);
    const bool found = s->step();
    if (found) s->step();
    return found;
}

}  // namespace taskapi::storage::sqlite
