#include "storage/postgres/pg_migrations.hpp"

#include <set>
#include <string>

#include "storage/storage_error.hpp"

namespace taskapi::storage::postgres {
namespace {

// The advisory lock that serializes migrators of one database: "taskapi" in ASCII.
constexpr const char* kLock = "SELECT pg_advisory_xact_lock(32770348699511913)";

constexpr Statement kAppliedVersions{"migrations_applied", "SELECT version FROM schema_migrations"};
constexpr Statement kRecord{"migrations_record",
                            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"};

}  // namespace

int apply_migrations(Connection& c) {
    Transaction tx(c);
    // A migration may take longer than a request may; processes that wait for the lock wait
    // for the migrator, however long it takes.
    c.exec("SET LOCAL statement_timeout = 0");
    c.exec(kLock, Wait::kUnbounded);
    c.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    std::set<int> applied;
    const Rows rows = c.execute(kAppliedVersions, Params{});
    for (int i = 0; i < rows.size(); ++i) applied.insert(rows.int32(i, 0));
    const int newest = migrations().empty() ? 0 : migrations().back().version;
    if (!applied.empty() && *applied.rbegin() > newest) {
        throw StorageError("the database schema (version " + std::to_string(*applied.rbegin()) +
                           ") is newer than this taskapi (version " + std::to_string(newest) + ")");
    }
    int applied_now = 0;
    for (const Migration& m : migrations()) {
        if (applied.count(m.version) != 0) continue;
        c.exec(std::string(m.sql).c_str(), Wait::kUnbounded);
        c.execute(kRecord, Params{}.add(std::int32_t{m.version}).add(m.name));
        ++applied_now;
    }
    tx.commit();
    return applied_now;
}

}  // namespace taskapi::storage::postgres
