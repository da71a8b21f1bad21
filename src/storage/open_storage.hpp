// Chooses and opens the storage backend named by the database URL.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "auth/login_throttle.hpp"
#include "auth/refresh_token_repository.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "tasks/task_repository.hpp"
#include "users/user_repository.hpp"

namespace taskapi::storage {

class Storage {
public:
    virtual ~Storage() = default;
    virtual users::UserRepository& users() = 0;
    virtual tasks::TaskRepository& tasks() = 0;
    // Login throttle history: this process's memory for SQLite, the database for PostgreSQL
    // (shared by every process on it).
    virtual auth::ThrottleStore& throttles() = 0;
    // Blacklisted, rotated and revoked refresh tokens (ids only), in the database.
    virtual auth::RefreshTokenRepository& refresh_tokens() = 0;
    // Applies pending schema migrations; returns how many were applied.
    virtual int migrate() = 0;
    // A description safe to log (no password).
    [[nodiscard]] virtual std::string describe() const = 0;
    // True when calls wait on the network (a database server): the HTTP server then never makes
    // them on an I/O thread (docs/decisions/008). An embedded database answers from local files.
    [[nodiscard]] virtual bool blocks_on_network() const = 0;
    // Runs a trivial query (readiness, GET /api/ready/): false when the database does not answer
    // it. Never throws. Thread-safe, like every call above.
    virtual bool ping() = 0;
};

struct StorageOptions {
    // SQLite: fsync the WAL on every commit, so commits survive power loss (docs/decisions/002).
    bool sqlite_synchronous_full = false;
    // PostgreSQL: statement_timeout of every connection; also bounds connecting, waiting for a
    // pooled connection, and (one second longer) waiting for any answer.
    std::chrono::milliseconds statement_timeout{5000};
    // PostgreSQL: connections open at most (idle and leased).
    int pool_size = 10;
    // Where the connection pool counts its use (null: nowhere); outlives the storage.
    core::metrics::Registry* metrics = nullptr;
};

// "sqlite:///relative/path.sqlite3" or "sqlite:////absolute/path.sqlite3"; PostgreSQL as a
// libpq URI ("postgresql://user:password@host:port/name?sslmode=require", "postgres://...",
// a socket directory as "postgresql:///name?host=/run/postgresql") or a libpq key=value string
// ("host=... dbname=..."). Returns kInvalidArgument for a URL it cannot serve (the message never
// repeats the URL, which may hold a password). Throws StorageError when the database cannot be
// opened (UnavailableError when the PostgreSQL server cannot be reached).
core::Result<std::unique_ptr<Storage>> open_storage(std::string_view url,
                                                    const StorageOptions& options = {});

struct MigratedStorage {
    std::unique_ptr<Storage> storage;
    int applied = 0;  // migrations applied just now
};

// open_storage, then the schema brought up to date: what every command that touches the
// database starts with.
core::Result<MigratedStorage> open_migrated(std::string_view url,
                                            const StorageOptions& options = {});

// True when the URL names a database server (PostgreSQL), whose storage blocks_on_network().
bool names_database_server(std::string_view url);

// Checks the URL's form without opening anything (the same errors as open_storage).
core::Status validate_database_url(std::string_view url);

}  // namespace taskapi::storage
