#include "storage/postgres/pg_task_repository.hpp"

#include <algorithm>
#include <string>

#include "core/text.hpp"

namespace taskapi::storage::postgres {
namespace {

// The columns every statement returns, in read_task's order:
// id, title, description, completed, owner_id, created_at, updated_at.
constexpr Statement kCreate{
    "tasks_create",
    "INSERT INTO tasks (owner_id, title, description, completed, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $5) RETURNING "
    "id, title, description, completed, owner_id, created_at, updated_at"};
// Up to $3 tasks after $2, each description cut to its first $4 characters (the eighth
// column is its whole length in bytes): libpq holds a whole result, and a page of 64 tasks with
// megabyte descriptions would be 64 MB. A cut description is read whole on its own
// (kDescription), one at a time. (Window functions summing the sizes to cut the page itself
// cost PostgreSQL half again as much per list of 20.)
constexpr Statement kPage{
    "tasks_page",
    "SELECT id, title, substr(description, 1, $4::integer), completed, owner_id, created_at, "
    "updated_at,"
    " octet_length(description) FROM tasks WHERE owner_id = $1 AND id > $2 ORDER BY id LIMIT $3"};
// The same with the owner's account in front (username, is_active, password_changed_at; the
// task columns from the fourth on): no row when the user does not exist, one row of NULL task
// columns when it has no task after $2.
constexpr Statement kPageWithAccount{
    "tasks_page_with_account",
    "SELECT u.username, u.is_active, u.password_changed_at, p.id, p.title,"
    " substr(p.description, 1, $4::integer), p.completed, p.owner_id, p.created_at, p.updated_at,"
    " octet_length(p.description) FROM users AS u LEFT JOIN LATERAL"
    " (SELECT * FROM tasks WHERE owner_id = u.id AND id > $2 ORDER BY id LIMIT $3) AS p ON true"
    " WHERE u.id = $1 ORDER BY p.id"};
constexpr Statement kDescription{"tasks_description",
                                 "SELECT description FROM tasks WHERE id = $1 AND owner_id = $2"};
// find with the account, as kPageWithAccount has it.
constexpr Statement kFindWithAccount{
    "tasks_find_with_account",
    "SELECT u.username, u.is_active, u.password_changed_at, t.id, t.title, t.description,"
    " t.completed, t.owner_id, t.created_at, t.updated_at"
    " FROM users AS u LEFT JOIN tasks AS t ON t.id = $1 AND t.owner_id = u.id WHERE u.id = $2"};
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
// A user's task counts (the task_counts table, kept by a trigger).
constexpr Statement kCounts{"tasks_counts",
                            "SELECT total, completed FROM task_counts WHERE owner_id = $1"};
constexpr Statement kRemove{"tasks_remove", "DELETE FROM tasks WHERE id = $1 AND owner_id = $2"};

// The task in columns `first` to `first` + 6.
void read_task(const Rows& rows, int row, tasks::Task& t, int first = 0) {
    t.id = core::TaskId{rows.int64(row, first)};
    t.title.assign(rows.text(row, first + 1));
    t.description.assign(rows.text(row, first + 2));
    t.completed = rows.boolean(row, first + 3);
    t.owner = core::UserId{rows.int64(row, first + 4)};
    t.created_at = rows.timestamp(row, first + 5);
    t.updated_at = rows.timestamp(row, first + 6);
}

// The account of the *WithAccount statements' first row (columns 0 to 2).
void read_account(const Rows& rows, core::UserId owner, core::AccountLookup& account) {
    account.looked_up = true;
    if (rows.empty()) {
        account.account.reset();
        return;
    }
    account.account = core::Account{.id = owner,
                                    .username = std::string(rows.text(0, 0)),
                                    .is_active = rows.boolean(0, 1),
                                    .password_changed_at = rows.timestamp(0, 2)};
}

constexpr int kTaskAfterAccount = 3;

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

namespace {

Params page_params(core::UserId owner, core::TaskId after) {
    return Params{}
        .add(owner.value)
        .add(after.value)
        .add(PgTaskRepository::kPageSize)
        .add(PgTaskRepository::kDescriptionPrefix);
}

// Visits the page's tasks (their columns from `first` on), each description whole, until
// `visit` says stop; `after` follows the last one visited. Returns whether the owner may have
// more tasks after it: the visitor did not stop and the page was full.
bool visit_page(Connection& c, const Rows& rows, int first, core::UserId owner, core::TaskId& after,
                const tasks::TaskVisitor& visit) {
    tasks::Task task;  // one, reused: its strings keep their capacity from row to row
    for (int i = 0; i < rows.size(); ++i) {
        read_task(rows, i, task, first);
        const auto bytes = static_cast<std::size_t>(rows.int32(i, first + 7));
        after = task.id;
        if (task.description.size() < bytes) {
            const Rows whole =
                c.execute(kDescription, Params{}.add(task.id.value).add(owner.value));
            if (whole.empty()) continue;  // deleted meanwhile
            task.description.assign(whole.text(0, 0));
        }
        if (!visit(task)) return false;
    }
    return rows.size() == PgTaskRepository::kPageSize;
}

}  // namespace

void PgTaskRepository::for_each(core::UserId owner, core::TaskId after,
                                const tasks::TaskVisitor& visit) {
    // A second attempt (the connection was lost) goes on after the last task visited.
    pool_.read([owner, &after, &visit](Connection& c) {
        for (;;) {
            const Rows rows = c.execute(kPage, page_params(owner, after));
            if (!visit_page(c, rows, 0, owner, after, visit)) return;
        }
    });
}

void PgTaskRepository::for_each_with_account(core::UserId owner, core::TaskId after,
                                             const tasks::TaskVisitor& visit,
                                             core::AccountLookup& account) {
    // The first page comes with the account; when there is more, the rest as for_each reads it.
    const bool more = pool_.read([&](Connection& c) {
        const Rows rows = c.execute(kPageWithAccount, page_params(owner, after));
        read_account(rows, owner, account);
        if (rows.empty() || rows.is_null(0, kTaskAfterAccount)) return false;
        return visit_page(c, rows, kTaskAfterAccount, owner, after, visit);
    });
    if (more) for_each(owner, after, visit);
}

namespace {

// The column of each orderable field: the only text of an ORDER BY clause (an allow-list; the
// client's words never reach the SQL). Titles in byte order (the "C" collation), as SQLite's
// BINARY orders them, whatever the database's default collation.
std::string_view order_column(tasks::TaskField field) {
    switch (field) {
        case tasks::TaskField::kId:
            return "id";
        case tasks::TaskField::kTitle:
            return "title COLLATE \"C\"";
        case tasks::TaskField::kCreatedAt:
            return "created_at";
        case tasks::TaskField::kUpdatedAt:
            return "updated_at";
        case tasks::TaskField::kCompleted:
            return "completed";
    }
    return "id";
}

// "$n" (appended, not "$" + std::to_string(n): GCC 12 warns falsely about that).
std::string placeholder(int n) {
    std::string s = "$";
    s += std::to_string(n);
    return s;
}

// A query's FROM and WHERE clauses with its parameters added to `params` in order ($1 the
// owner, then `after`, `completed` and one per search term as the query has them).
std::string where_clause(core::UserId owner, const tasks::TaskQuery& query, Params& params) {
    std::string s = " FROM tasks WHERE owner_id = $1";
    params.add(owner.value);
    const auto next = [&params] { return placeholder(params.size() + 1); };
    if (query.has_default_order()) {
        s += " AND id > " + next();
        params.add(query.after.value);
    }
    if (query.completed) {
        s += " AND completed = " + next();
        params.add(*query.completed);
    }
    // A literal substring, whatever its characters: strpos() knows no wildcards, so % and _ in
    // a term need no escaping. lower() under the "C" collation folds ASCII letters only, as
    // Django's icontains does on SQLite (the reference's database); the terms come lowered the
    // same way.
    for (const std::string& term : query.search_terms) {
        const std::string n = next();
        s += " AND (strpos(lower(title COLLATE \"C\"), ";
        s += n;
        s += ") > 0 OR strpos(lower(description COLLATE \"C\"), ";
        s += n;
        s += ") > 0)";
        params.add(std::string_view(core::ascii_lower(term)));
    }
    return s;
}

// The ORDER BY clause: the query's fields, then ascending id for ties.
std::string order_clause(const tasks::TaskQuery& query) {
    std::string s = " ORDER BY ";
    for (const tasks::TaskOrder& order : query.ordering) {
        s += order_column(order.field);
        if (order.descending) s += " DESC";
        if (order.field == tasks::TaskField::kId) return s;  // total from here on
        s += ", ";
    }
    return s + "id";
}

}  // namespace

void PgTaskRepository::for_each_matching(core::UserId owner, const tasks::TaskQuery& query,
                                         const tasks::TaskVisitor& visit) {
    Params filters;
    const std::string where = where_clause(owner, query, filters);
    // As kPage: descriptions cut to $n characters, the eighth column their whole length.
    std::string text = "SELECT id, title, substr(description, 1, ";
    text += placeholder(filters.size() + 1);
    text += "::integer), completed, owner_id, created_at, updated_at, octet_length(description)";
    text += where;
    text += order_clause(query);
    text += " LIMIT ";
    text += placeholder(filters.size() + 2);
    text += " OFFSET ";
    text += placeholder(filters.size() + 3);
    std::int64_t offset = query.offset;
    std::optional<std::int64_t> remaining = query.limit;
    // A second attempt (the connection was lost) goes on after the last task visited.
    pool_.read([&](Connection& c) {
        tasks::Task task;
        for (;;) {
            const std::int64_t wanted = remaining ? std::min(kPageSize, *remaining) : kPageSize;
            if (wanted <= 0) return;
            Params params = filters;
            params.add(kDescriptionPrefix).add(wanted).add(offset);
            const Rows rows = c.execute_once(text, params);
            for (int i = 0; i < rows.size(); ++i) {
                read_task(rows, i, task);
                const auto bytes = static_cast<std::size_t>(rows.int32(i, 7));
                ++offset;
                if (remaining) --*remaining;
                if (task.description.size() < bytes) {
                    const Rows whole =
                        c.execute(kDescription, Params{}.add(task.id.value).add(owner.value));
                    if (whole.empty()) continue;  // deleted meanwhile
                    task.description.assign(whole.text(0, 0));
                }
                if (!visit(task)) return;
            }
            if (rows.size() < wanted) return;
        }
    });
}

std::int64_t PgTaskRepository::count_matching(core::UserId owner, const tasks::TaskQuery& query) {
    if (query.search_terms.empty()) {
        // Without search terms, the counts the trigger of task_counts keeps (decision 009).
        const Rows rows = pool_.read(
            [owner](Connection& c) { return c.execute(kCounts, Params{}.add(owner.value)); });
        if (rows.empty()) return 0;
        const std::int64_t total = rows.int64(0, 0);
        const std::int64_t completed = rows.int64(0, 1);
        if (!query.completed) return total;
        return *query.completed ? completed : total - completed;
    }
    tasks::TaskQuery all = query;
    all.after = core::TaskId{0};
    Params params;
    const std::string text = "SELECT count(*)" + where_clause(owner, all, params);
    return pool_.read([&](Connection& c) { return c.execute_once(text, params).int64(0, 0); });
}

std::optional<tasks::Task> PgTaskRepository::find_with_account(core::UserId owner, core::TaskId id,
                                                               core::AccountLookup& account) {
    return pool_.read([&](Connection& c) -> std::optional<tasks::Task> {
        const Rows rows = c.execute(kFindWithAccount, Params{}.add(id.value).add(owner.value));
        read_account(rows, owner, account);
        if (rows.empty() || rows.is_null(0, kTaskAfterAccount)) return std::nullopt;
        tasks::Task task;
        read_task(rows, 0, task, kTaskAfterAccount);
        return task;
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
