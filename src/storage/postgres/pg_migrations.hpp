// Schema migrations for PostgreSQL, embedded from src/storage/migrations/postgres/.
#pragma once

#include <vector>

#include "storage/migration.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace taskapi::storage::postgres {

// Every migration, ascending by version (generated at build time).
const std::vector<Migration>& migrations();

// Applies the pending migrations in one transaction that holds an advisory lock first, so that
// processes migrating at once apply each migration exactly once (the later ones find nothing to
// do). Returns how many were applied. Throws StorageError when the schema is newer than this
// build or a migration fails (then nothing is applied).
int apply_migrations(Connection& c);

}  // namespace taskapi::storage::postgres
