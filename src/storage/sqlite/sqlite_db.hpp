// SQLite plumbing: connections with cached prepared statements, handed out by a small pool.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/metrics.hpp"
#include "storage/sqlite/sqlite_checkpointer.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace taskapi::storage::sqlite {

// A prepared statement. Use through Connection::prepare and a StatementScope.
class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int index, std::int64_t value);
    void bind(int index, std::string_view value);
    void bind_null(int index);
    // Steps once: true while a row is available, false when done. Throws StorageError on failure;
    // a constraint violation throws ConstraintViolation.
    bool step();
    void reset() noexcept;

    [[nodiscard]] std::int64_t column_int64(int index) const;
    [[nodiscard]] std::string column_text(int index) const;
    // The same into `out`, reusing its capacity.
    void column_text(int index, std::string& out) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement (releasing its locks and bindings) when the scope ends.
class StatementScope {
public:
    explicit StatementScope(Statement& s) : s_(s) {}
    ~StatementScope() { s_.reset(); }
    StatementScope(const StatementScope&) = delete;
    StatementScope& operator=(const StatementScope&) = delete;
    Statement* operator->() { return &s_; }
    Statement& operator*() { return s_; }

private:
    Statement& s_;
};

class Connection {
public:
    // synchronous_full: PRAGMA synchronous=FULL instead of NORMAL.
    Connection(const std::string& path, bool synchronous_full);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Returns the cached statement for this SQL text, preparing it on first use.
    Statement& prepare(std::string_view sql);
    // A statement of its own, not cached: for SQL whose shapes are too many to keep (a list
    // query with any number of search terms).
    [[nodiscard]] std::unique_ptr<Statement> prepare_uncached(std::string_view sql);
    // Runs one or more statements without results (schema changes, BEGIN/COMMIT).
    void exec(const char* sql);
    // Reports commits to `checkpointer` instead of checkpointing inside them.
    void checkpoint_in_background(Checkpointer& checkpointer);
    // A PASSIVE checkpoint: copies committed pages from the WAL into the database file without
    // waiting for (or blocking) readers and writers.
    void checkpoint();

private:
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

// Runs `exec("ROLLBACK")` unless commit() was called.
class Transaction {
public:
    explicit Transaction(Connection& c);  // BEGIN IMMEDIATE: takes the write lock up front
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& c_;
    bool done_ = false;
};

class Database;

// A connection borrowed from the pool; returned when the lease ends. A writer's lease also holds
// the pool's write lock until then.
class Lease {
public:
    Lease(Database& db, std::unique_ptr<Connection> c, std::unique_lock<std::mutex> write_lock = {})
        : db_(&db), c_(std::move(c)), write_lock_(std::move(write_lock)) {}
    ~Lease();
    Lease(Lease&&) = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    Connection* operator->() { return c_.get(); }
    Connection& operator*() { return *c_; }

private:
    Database* db_;
    std::unique_ptr<Connection> c_;
    std::unique_lock<std::mutex> write_lock_;  // released after the connection went back
};

// Thread-safe pool: one connection per concurrent caller (in practice one per thread).
class Database {
public:
    // `metrics`: where the pool counts its connections and writers' waits (null: nowhere).
    explicit Database(std::string path, bool synchronous_full = false,
                      core::metrics::Registry* metrics = nullptr);
    // For reads: WAL lets any number of them run beside one writer.
    Lease acquire();
    // For statements that write. SQLite admits one writer at a time and makes the others poll
    // with sleeps of 1 to 100 ms (the busy handler), which stalls every connection of a waiting
    // I/O thread; writers of this process queue on a mutex instead and start the moment the
    // previous one commits. The busy timeout still covers writers of other processes.
    // Waits first while the WAL is far past its checkpoint threshold (see Checkpointer).
    Lease acquire_writer();
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    friend class Lease;
    std::unique_ptr<Connection> take();
    void give_back(std::unique_ptr<Connection> c);

    std::string path_;
    bool synchronous_full_;
    std::mutex mutex_;  // guards idle_
    std::vector<std::unique_ptr<Connection>> idle_;
    std::mutex write_mutex_;
    // Metrics (null without): connections opened (none closes early), leased, and how long
    // acquire_writer waited for write_mutex_.
    core::metrics::Gauge* open_ = nullptr;
    core::metrics::Gauge* in_use_ = nullptr;
    core::metrics::Histogram* write_wait_ = nullptr;
    Checkpointer checkpointer_;  // last: stops before the connections close
};

}  // namespace taskapi::storage::sqlite
