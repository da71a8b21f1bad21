// SQLite plumbing: connections with cached prepared statements, handed out by a small pool.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
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
    // Runs one statement without results through the statement cache (no parsing after the
    // first time): BEGIN, COMMIT, SAVEPOINT and RELEASE of every write.
    void run(std::string_view sql);
    // False when no transaction is open: never begun, committed, or rolled back by SQLite
    // itself after an error such as a full disk.
    [[nodiscard]] bool in_transaction() const;
    // Reports commits to `checkpointer` instead of checkpointing inside them.
    void checkpoint_in_background(Checkpointer& checkpointer);
    // A PASSIVE checkpoint: copies committed pages from the WAL into the database file without
    // waiting for (or blocking) readers and writers.
    void checkpoint();

private:
    sqlite3* db_ = nullptr;
    // Looked up by the SQL text as a string_view: no copy of the text per statement run.
    struct SqlHash {
        using is_transparent = void;  // NOLINT(readability-identifier-naming): the standard's name
        std::size_t operator()(std::string_view sql) const noexcept {
            return std::hash<std::string_view>{}(sql);
        }
    };
    std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>>
        statements_;
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

    // Runs `work` (a callable taking Connection&) inside a write transaction and returns its
    // result once that transaction has committed: group commit. The writers that queue while a
    // transaction commits share the next one, each in a savepoint of its own, so one commit (one
    // set of WAL frames and locks) serves them all: an exception from `work` undoes only that
    // writer's statements and is rethrown to it, and every caller returns only after the COMMIT
    // that made its statements durable (a failed COMMIT fails every writer of the batch). The
    // batch runs on the thread of the writer that leads it, so `work` must not depend on the
    // calling thread, nor open a transaction itself. See docs/decisions/011-group-commit.md.
    template <typename Work>
    std::invoke_result_t<Work&, Connection&> write(Work&& work) {
        using Result = std::invoke_result_t<Work&, Connection&>;
        if constexpr (std::is_void_v<Result>) {
            auto call = [](void* w, Connection& c) {
                (*static_cast<std::remove_reference_t<Work>*>(w))(c);
            };
            run_write(&work, call);
        } else {
            std::optional<Result> result;
            auto keep = [&work, &result](Connection& c) { result.emplace(work(c)); };
            run_write(&keep, [](void* k, Connection& c) { (*static_cast<decltype(keep)*>(k))(c); });
            return std::move(*result);
        }
    }

    // Callers of write() waiting or being served now (the leader included).
    [[nodiscard]] std::size_t queued_writers();

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    friend class Lease;
    // One caller of write(), waiting in the queue; it lives on the caller's stack.
    struct Writer {
        void* work;
        void (*call)(void* work, Connection& c);
        std::exception_ptr error;
        bool done = false;
        std::condition_variable turn;  // done, or first in the queue (this writer leads)
    };
    static constexpr std::size_t kMaxBatch = 64;  // writers per transaction, at most

    std::unique_ptr<Connection> take();
    void give_back(std::unique_ptr<Connection> c);
    void run_write(void* work, void (*call)(void* work, Connection& c));
    void commit_batch(std::span<Writer* const> batch);

    std::string path_;
    bool synchronous_full_;
    std::mutex mutex_;  // guards idle_
    std::vector<std::unique_ptr<Connection>> idle_;
    std::mutex write_mutex_;
    std::mutex writers_mutex_;     // guards writers_ and each Writer's `done`
    std::deque<Writer*> writers_;  // write() callers in arrival order; the first leads
    // Metrics (null without): connections opened (none closes early), leased, and how long
    // acquire_writer waited for write_mutex_.
    core::metrics::Gauge* open_ = nullptr;
    core::metrics::Gauge* in_use_ = nullptr;
    core::metrics::Histogram* write_wait_ = nullptr;
    core::metrics::Counter* commits_ = nullptr;         // group commits (transactions)
    core::metrics::Counter* batched_writes_ = nullptr;  // writers they served
    Checkpointer checkpointer_;                         // last: stops before the connections close
};

}  // namespace taskapi::storage::sqlite
