#include "storage/sqlite/sqlite_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>

#include "storage/sqlite/sqlite_errors.hpp"
#include "storage/storage_error.hpp"

namespace taskapi::storage::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
    std::string message(what);
    message += ": ";
    message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if ((rc & 0xFF) == SQLITE_CONSTRAINT) throw ConstraintViolation(message);
    throw StorageError(message);
}

// Process-wide settings, applied once before the first connection opens. Memory statistics
// (on by default) take a global mutex around every allocation SQLite makes; taskapi never reads
// them.
void configure_sqlite_once() {
    static const bool kConfigured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)kConfigured;
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "prepare");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

void Statement::bind(int index, std::string_view value) {
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

void Statement::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "step");
}

void Statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
    std::string out;
    column_text(index, out);
    return out;
}

void Statement::column_text(int index, std::string& out) const {
    const auto* text = sqlite3_column_text(stmt_, index);
    const int size = sqlite3_column_bytes(stmt_, index);
    if (text == nullptr) {
        out.clear();
        return;
    }
    out.assign(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

Connection::Connection(const std::string& path, bool synchronous_full) {
    configure_sqlite_once();
    const int rc =
        sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = "cannot open SQLite database '" + path + "': ";
        message += db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw StorageError(message);
    }
    sqlite3_extended_result_codes(db_, 1);
    // Writers wait for each other instead of failing with SQLITE_BUSY.
    sqlite3_busy_timeout(db_, 5000);
    // WAL lets readers run while one writer commits. synchronous=NORMAL in WAL mode keeps every
    // committed transaction across a crash of the process (see
    // docs/decisions/002-sqlite-durability.md).
    exec(synchronous_full
             ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
             : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

Connection::~Connection() {
    statements_.clear();
    sqlite3_close(db_);
}

Statement& Connection::prepare(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        it = statements_.emplace(std::string(sql), std::make_unique<Statement>(db_, sql)).first;
    }
    return *it->second;
}

std::unique_ptr<Statement> Connection::prepare_uncached(std::string_view sql) {
    return std::make_unique<Statement>(db_, sql);
}

void Connection::exec(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error != nullptr ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        if ((rc & 0xFF) == SQLITE_CONSTRAINT) throw ConstraintViolation(message);
        throw StorageError("exec: " + message);
    }
}

void Connection::run(std::string_view sql) {
    StatementScope s(prepare(sql));
    while (s->step()) {
    }
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

namespace {

int on_wal_commit(void* checkpointer, sqlite3*, const char*, int wal_pages) {
    static_cast<Checkpointer*>(checkpointer)->on_commit(wal_pages);
    return SQLITE_OK;
}

}  // namespace

void Connection::checkpoint_in_background(Checkpointer& checkpointer) {
    // Replaces the automatic checkpoint, which is itself a WAL hook.
    sqlite3_wal_hook(db_, on_wal_commit, &checkpointer);
}

void Connection::checkpoint() {
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    // SQLITE_BUSY: another process is checkpointing; it does the work.
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) fail(db_, rc, "checkpoint");
}

Transaction::Transaction(Connection& c) : c_(c) { c_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
    if (!done_) {
        try {
            c_.exec("ROLLBACK");
        } catch (const StorageError&) {
            // The connection is broken; nothing more to undo.
        }
    }
}

void Transaction::commit() {
    c_.exec("COMMIT");
    done_ = true;
}

Lease::~Lease() {
    if (c_) db_->give_back(std::move(c_));
}

Database::Database(std::string path, bool synchronous_full, core::metrics::Registry* metrics)
    : path_(std::move(path)),
      synchronous_full_(synchronous_full),
      checkpointer_(path_, synchronous_full_, write_mutex_) {
    if (metrics == nullptr) return;
    open_ = &metrics->gauge("taskapi_db_pool_connections", "Database connections open.");
    in_use_ = &metrics->gauge("taskapi_db_pool_connections_in_use",
                              "Database connections leased by a request.");
    write_wait_ = &metrics->histogram(
        "taskapi_db_write_lock_wait_seconds",
        "SQLite: time a writer waited for the process's write lock (one writer at a time).", {},
        core::metrics::kWaitSeconds);
    commits_ = &metrics->counter("taskapi_db_group_commits_total",
                                 "SQLite: write transactions committed (each serves one or more "
                                 "writers: group commit).");
    batched_writes_ = &metrics->counter(
        "taskapi_db_group_commit_writers_total",
        "SQLite: writers served by those transactions (divided by the commits: the mean batch).");
}

std::unique_ptr<Connection> Database::take() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            if (in_use_ != nullptr) in_use_->add(1);
            return c;
        }
    }
    auto c = std::make_unique<Connection>(path_, synchronous_full_);
    c->checkpoint_in_background(checkpointer_);
    if (open_ != nullptr) {
        open_->add(1);
        in_use_->add(1);
    }
    return c;
}

Lease Database::acquire() { return Lease(*this, take()); }

Lease Database::acquire_writer() {
    checkpointer_.wait_for_room();
    const auto started = std::chrono::steady_clock::now();
    std::unique_lock write_lock(write_mutex_);
    if (write_wait_ != nullptr) write_wait_->observe(std::chrono::steady_clock::now() - started);
    return Lease(*this, take(), std::move(write_lock));
}

void Database::run_write(void* work, void (*call)(void* work, Connection& c)) {
    Writer self{.work = work, .call = call};
    std::unique_lock lock(writers_mutex_);
    writers_.push_back(&self);
    self.turn.wait(lock, [&] { return self.done || writers_.front() == &self; });
    if (!self.done) {
        // This writer leads: one transaction for itself and everyone queued behind it so far.
        // Those arriving from now on wait for the next one.
        std::array<Writer*, kMaxBatch> batch{};
        const std::size_t n = std::min(writers_.size(), kMaxBatch);
        std::copy_n(writers_.begin(), n, batch.begin());
        lock.unlock();
        commit_batch(std::span<Writer* const>(batch.data(), n));
        lock.lock();
        for (std::size_t i = 0; i < n; ++i) {
            writers_.pop_front();
            batch[i]->done = true;
            if (batch[i] != &self) batch[i]->turn.notify_one();
        }
        if (!writers_.empty()) writers_.front()->turn.notify_one();  // the next leader
    }
    lock.unlock();
    if (self.error) std::rethrow_exception(self.error);
}

std::size_t Database::queued_writers() {
    std::lock_guard lock(writers_mutex_);
    return writers_.size();
}

void Database::commit_batch(std::span<Writer* const> batch) {
    static constexpr std::string_view kSavepoint = "SAVEPOINT writer";
    static constexpr std::string_view kRelease = "RELEASE writer";
    static constexpr std::string_view kRollbackTo = "ROLLBACK TO writer";
    const bool alone = batch.size() == 1;  // no savepoint needed: the transaction is its own
    std::exception_ptr batch_error;
    try {
        auto c = acquire_writer();
        try {
            bool any_done = false;
            c->run("BEGIN IMMEDIATE");
            for (Writer* w : batch) {
                if (!alone) c->run(kSavepoint);
                try {
                    w->call(w->work, *c);
                    if (!alone) c->run(kRelease);
                    any_done = true;
                } catch (...) {
                    w->error = std::current_exception();
                    // Some errors (a full disk, an I/O error) make SQLite roll back the whole
                    // transaction: the writers before this one lost their statements too.
                    if (!c->in_transaction()) {
                        throw StorageError("the write transaction was rolled back");
                    }
                    if (!alone) {
                        c->run(kRollbackTo);
                        c->run(kRelease);
                    }
                }
            }
            c->run(any_done ? "COMMIT" : "ROLLBACK");
        } catch (...) {
            batch_error = std::current_exception();
            // The connection goes back to the pool: no transaction may stay open on it.
            if (c->in_transaction()) {
                try {
                    c->exec("ROLLBACK");
                } catch (const StorageError&) {
                }
            }
        }
    } catch (...) {
        batch_error = std::current_exception();  // no connection, or the write lock failed
    }
    if (batch_error) {
        // Nothing of this batch is durable: every writer that had not failed by itself fails
        // with the error that ended the batch.
        for (Writer* w : batch) {
            if (!w->error) w->error = batch_error;
        }
        return;
    }
    if (commits_ != nullptr) {
        commits_->add();
        batched_writes_->add(batch.size());
    }
}

void Database::give_back(std::unique_ptr<Connection> c) {
    if (in_use_ != nullptr) in_use_->add(-1);
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
}

}  // namespace taskapi::storage::sqlite
