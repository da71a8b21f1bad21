#include "storage/sqlite/sqlite_task_repository.hpp"

#include <memory>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "storage/sqlite/sqlite_user_repository.hpp"

namespace taskapi::storage::sqlite {
namespace {

constexpr std::string_view kColumns =
    "id, title, description, completed, owner_id, created_at, updated_at";

core::Timestamp from_micros(std::int64_t us) {
    return core::Timestamp{std::chrono::microseconds{us}};
}
std::int64_t to_micros(core::Timestamp t) { return t.time_since_epoch().count(); }

// The task in columns `first` to `first` + 6.
void read_task(const Statement& s, tasks::Task& t, int first = 0) {
    t.id = core::TaskId{s.column_int64(first)};
    s.column_text(first + 1, t.title);
    s.column_text(first + 2, t.description);
    t.completed = s.column_int64(first + 3) != 0;
    t.owner = core::UserId{s.column_int64(first + 4)};
    t.created_at = from_micros(s.column_int64(first + 5));
    t.updated_at = from_micros(s.column_int64(first + 6));
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

// The column of each orderable field: the only text of an ORDER BY clause (an allow-list; the
// client's words never reach the SQL).
std::string_view order_column(tasks::TaskField field) {
    switch (field) {
        case tasks::TaskField::kId:
            return "id";
        case tasks::TaskField::kTitle:
            return "title";  // BINARY collation: byte order, as the reference's SQLite
        case tasks::TaskField::kCreatedAt:
            return "created_at";
        case tasks::TaskField::kUpdatedAt:
            return "updated_at";
        case tasks::TaskField::kCompleted:
            return "completed";
    }
    return "id";
}

// The WHERE clause of a query, numbering its parameters ?1 (owner), ?2 (after), ?3
// (completed), then one per search term from ?4 on; bind_filters binds them in that order.
std::string where_clause(const tasks::TaskQuery& query) {
    std::string s = " FROM tasks WHERE owner_id = ?1";
    if (query.has_default_order()) s += " AND id > ?2";
    if (query.completed) s += " AND completed = ?3";
    // A literal substring, whatever its characters: instr() knows no wildcards, so % and _ in a
    // term need no escaping. lower() folds ASCII letters only, as SQLite's LIKE (Django's
    // icontains on SQLite) does; the terms come lowered the same way.
    for (std::size_t i = 0; i < query.search_terms.size(); ++i) {
        const std::string n = std::to_string(i + 4);
        s += " AND (instr(lower(title), ?";
        s += n;
        s += ") > 0 OR instr(lower(description), ?";
        s += n;
        s += ") > 0)";
    }
    return s;
}

void bind_filters(Statement& s, core::UserId owner, const tasks::TaskQuery& query) {
    s.bind(1, owner.value);
    if (query.has_default_order()) s.bind(2, query.after.value);
    if (query.completed) s.bind(3, std::int64_t{*query.completed ? 1 : 0});
    int n = 4;
    for (const std::string& term : query.search_terms) s.bind(n++, core::ascii_lower(term));
}

// The last parameter numbers: LIMIT and OFFSET, after the filters' (above the terms').
int limit_parameter(const tasks::TaskQuery& query) {
    return static_cast<int>(query.search_terms.size()) + 4;
}

std::string select_matching(const tasks::TaskQuery& query) {
    std::string s = sql("SELECT ", where_clause(query));
    s += " ORDER BY ";
    bool has_id = false;
    for (const tasks::TaskOrder& order : query.ordering) {
        s += order_column(order.field);
        if (order.descending) s += " DESC";
        s += ", ";
        has_id = has_id || order.field == tasks::TaskField::kId;
        if (has_id) break;  // the order is total from here on
    }
    if (!has_id) {
        s += "id, ";  // ties: ascending id
    }
    s.resize(s.size() - 2);
    s += " LIMIT ?";
    s += std::to_string(limit_parameter(query));
    s += " OFFSET ?";
    s += std::to_string(limit_parameter(query) + 1);
    return s;
}

// Few enough shapes to keep prepared on every connection (at most 33).
bool is_cached_shape(const tasks::TaskQuery& query) {
    return query.search_terms.empty() && query.ordering.size() <= 1;
}

void visit_tasks(Connection& c, core::UserId owner, core::TaskId after,
                 const tasks::TaskVisitor& visit) {
    static const std::string kSql =
        sql("SELECT ", " FROM tasks WHERE owner_id = ?1 AND id > ?2 ORDER BY id");
    StatementScope s(c.prepare(kSql));
    s->bind(1, owner.value);
    s->bind(2, after.value);
    tasks::Task task;  // one, reused: its strings keep their capacity from row to row
    while (s->step()) {
        read_task(*s, task);
        if (!visit(task)) break;
    }
}

std::optional<tasks::Task> find_task(Connection& c, core::UserId owner, core::TaskId id) {
    static const std::string kSql = sql("SELECT ", " FROM tasks WHERE id = ?1 AND owner_id = ?2");
    StatementScope s(c.prepare(kSql));
    s->bind(1, id.value);
    s->bind(2, owner.value);
    if (!s->step()) return std::nullopt;
    return read_task(*s);
}

}  // namespace

tasks::Task SqliteTaskRepository::create(core::UserId owner, const tasks::NewTask& task,
                                         core::Timestamp now) {
    static const std::string kSql =
        sql("INSERT INTO tasks (owner_id, title, description, completed, created_at, updated_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING ");
    return db_.write([&](Connection& c) {
        StatementScope s(c.prepare(kSql));
        s->bind(1, owner.value);
        s->bind(2, task.title);
        s->bind(3, task.description);
        s->bind(4, std::int64_t{task.completed ? 1 : 0});
        s->bind(5, to_micros(now));
        s->step();
        tasks::Task created = read_task(*s);
        s->step();  // completes the statement
        return created;
    });
}

void SqliteTaskRepository::for_each(core::UserId owner, core::TaskId after,
                                    const tasks::TaskVisitor& visit) {
    auto c = db_.acquire();
    visit_tasks(*c, owner, after, visit);
}

void SqliteTaskRepository::for_each_matching(core::UserId owner, const tasks::TaskQuery& query,
                                             const tasks::TaskVisitor& visit) {
    const std::string text = select_matching(query);
    auto c = db_.acquire();
    std::unique_ptr<Statement> own;
    Statement& statement =
        is_cached_shape(query) ? c->prepare(text) : *(own = c->prepare_uncached(text));
    StatementScope s(statement);
    bind_filters(*s, owner, query);
    const int n = limit_parameter(query);
    s->bind(n, query.limit.value_or(-1));  // SQLite: a negative limit is none
    s->bind(n + 1, query.offset);
    tasks::Task task;
    while (s->step()) {
        read_task(*s, task);
        if (!visit(task)) break;
    }
}

std::int64_t SqliteTaskRepository::count_matching(core::UserId owner,
                                                  const tasks::TaskQuery& query) {
    auto c = db_.acquire();
    if (query.search_terms.empty()) {
        // Without search terms, the counts the triggers of task_counts keep (decision 009).
        static const std::string kCounts =
            "SELECT total, completed FROM task_counts WHERE owner_id = ?1";
        StatementScope s(c->prepare(kCounts));
        s->bind(1, owner.value);
        if (!s->step()) return 0;
        const std::int64_t total = s->column_int64(0);
        const std::int64_t completed = s->column_int64(1);
        if (!query.completed) return total;
        return *query.completed ? completed : total - completed;
    }
    tasks::TaskQuery all = query;
    all.after = core::TaskId{0};
    const std::string text = "SELECT count(*)" + where_clause(all);
    const std::unique_ptr<Statement> statement = c->prepare_uncached(text);
    StatementScope s(*statement);
    bind_filters(*s, owner, all);
    s->step();
    return s->column_int64(0);
}

std::optional<tasks::Task> SqliteTaskRepository::find(core::UserId owner, core::TaskId id) {
    auto c = db_.acquire();
    return find_task(*c, owner, id);
}

void SqliteTaskRepository::for_each_with_account(core::UserId owner, core::TaskId after,
                                                 const tasks::TaskVisitor& visit,
                                                 core::AccountLookup& account) {
    // Two statements on one connection: a join of the account with the tasks costs SQLite
    // more per row than the account's own statement costs once.
    auto c = db_.acquire();
    account.looked_up = true;
    account.account = find_account(*c, owner);
    if (!account.account) return;
    visit_tasks(*c, owner, after, visit);
}

std::optional<tasks::Task> SqliteTaskRepository::find_with_account(core::UserId owner,
                                                                   core::TaskId id,
                                                                   core::AccountLookup& account) {
    // One statement (one read transaction): the account (username, is_active,
    // password_changed_at), then the task's columns, NULL when the owner has no such task; no
    // row when the user does not exist.
    static const std::string kSql =
        "SELECT u.username, u.is_active, u.password_changed_at, t.id, t.title, t.description,"
        " t.completed, t.owner_id, t.created_at, t.updated_at FROM users AS u"
        " LEFT JOIN tasks AS t ON t.id = ?1 AND t.owner_id = u.id WHERE u.id = ?2";
    auto c = db_.acquire();
    StatementScope s(c->prepare(kSql));
    s->bind(1, id.value);
    s->bind(2, owner.value);
    account.looked_up = true;
    if (!s->step()) {
        account.account.reset();
        return std::nullopt;
    }
    account.account = core::Account{.id = owner,
                                    .username = s->column_text(0),
                                    .is_active = s->column_int64(1) != 0,
                                    .password_changed_at = from_micros(s->column_int64(2))};
    // NULL reads as 0, and task ids start at 1 (INTEGER PRIMARY KEY AUTOINCREMENT).
    constexpr int kFirst = 3;
    if (s->column_int64(kFirst) == 0) return std::nullopt;
    tasks::Task task;
    read_task(*s, task, kFirst);
    return task;
}

std::optional<tasks::Task> SqliteTaskRepository::update(core::UserId owner, core::TaskId id,
                                                        const tasks::TaskPatch& patch,
                                                        core::Timestamp now) {
    static const std::string kSql = sql(
        "UPDATE tasks SET title = coalesce(?1, title), description = coalesce(?2, description), "
        "completed = coalesce(?3, completed), updated_at = ?4 "
        "WHERE id = ?5 AND owner_id = ?6 RETURNING ");
    return db_.write([&](Connection& c) -> std::optional<tasks::Task> {
        StatementScope s(c.prepare(kSql));
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
    });
}

bool SqliteTaskRepository::remove(core::UserId owner, core::TaskId id) {
    static const std::string kSql =
        "DELETE FROM tasks WHERE id = ?1 AND owner_id = ?2 RETURNING id";
    return db_.write([&](Connection& c) {
        StatementScope s(c.prepare(kSql));
        s->bind(1, id.value);
        s->bind(2, owner.value);
        const bool found = s->step();
        if (found) s->step();
        return found;
    });
}

}  // namespace taskapi::storage::sqlite
