// Applies the embedded SQLite migrations (src/storage/migrations/sqlite/*.sql) in version order.
#pragma once

#include <vector>

#include "storage/migration.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace taskapi::storage::sqlite {

// The embedded migrations, ascending by version (generated at build time).
const std::vector<Migration>& migrations();

// Applies every migration not yet recorded in schema_migrations, each in its own transaction,
// and returns how many were applied. Idempotent; safe when several processes start at once.
// Throws StorageError when the database has a version this binary does not know.
int apply_migrations(Connection& c);

}  // namespace taskapi::storage::sqlite
