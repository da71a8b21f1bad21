#include "storage/sqlite/sqlite_migrations.hpp"

#include <set>
#include <string>

#include "core/clock.hpp"
#include "storage/storage_error.hpp"

namespace taskapi::storage::sqlite {
namespace {

void ensure_table(Connection& c) {
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
}

std::set<int> applied_versions(Connection& c) {
    std::set<int> out;
    StatementScope s(c.prepare("SELECT version FROM schema_migrations"));
    while (s->step()) out.insert(static_cast<int>(s->column_int64(0)));
    return out;
}

void check_known(const std::set<int>& applied) {
    const int newest = migrations().empty() ? 0 : migrations().back().version;
    if (!applied.empty() && *applied.rbegin() > newest) {
        throw StorageError("the database schema (version " + std::to_string(*applied.rbegin()) +
                           ") is newer than this taskapi (version " + std::to_string(newest) + ")");
    }
}

}  // namespace

int apply_migrations(Connection& c) {
    ensure_table(c);
    int applied_now = 0;
    for (const Migration& m : migrations()) {
        // BEGIN IMMEDIATE serializes concurrent migrators; re-check inside the transaction.
        Transaction tx(c);
        const auto applied = applied_versions(c);
        check_known(applied);
        if (applied.count(m.version) != 0) {
            tx.commit();
            continue;
        }
        c.exec(std::string(m.sql).c_str());
        {
            StatementScope s(c.prepare(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)"));
            s->bind(1, std::int64_t{m.version});
            s->bind(2, m.name);
            s->bind(3, core::SystemClock{}.now().time_since_epoch().count());
            s->step();
        }
        tx.commit();
        ++applied_now;
    }
    return applied_now;
}

}  // namespace taskapi::storage::sqlite
