// libpq plumbing: a connection with its prepared statements, parameters in binary, results in
// binary, and libpq's errors turned into StorageError (UnavailableError for a lost connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "storage/storage_error.hpp"

struct pg_conn;
struct pg_result;

namespace taskapi::storage::postgres {

// A statement prepared once per connection, on its first use there, under `name`.
struct Statement {
    const char* name;
    const char* sql;
};

// The parameters of one execution, each with its type (the type is given to PQprepare, so one
// Statement must always be given the same types, nulls included).
class Params {
public:
    Params& add(std::int64_t value);
    Params& add(std::int32_t value);
    Params& add(bool value);
    Params& add(std::string_view text);         // text: UTF-8 without NUL
    Params& add_bytes(std::string_view bytes);  // bytea: any bytes
    Params& add(core::Timestamp value);         // timestamptz, to the microsecond
    Params& add_null_text();
    Params& add_null_bool();

    [[nodiscard]] int size() const { return static_cast<int>(types_.size()); }
    [[nodiscard]] const unsigned* types() const { return types_.data(); }
    // Pointers into this object: valid while it lives and nothing is added.
    [[nodiscard]] std::vector<const char*> values() const;
    [[nodiscard]] const int* lengths() const { return lengths_.data(); }
    [[nodiscard]] const int* formats() const { return formats_.data(); }

private:
    void push(unsigned type, std::string_view bytes, bool is_null = false);

    std::vector<unsigned> types_;
    std::vector<std::string> data_;
    std::vector<bool> nulls_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
};

// The rows a statement returned, in binary. Column accessors check the value's size and throw
// StorageError on a mismatch (a schema this code does not expect).
class Rows {
public:
    explicit Rows(pg_result* result) : result_(result) {}
    ~Rows();
    Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;
    Rows& operator=(Rows&&) = delete;

    [[nodiscard]] int size() const;
    [[nodiscard]] bool empty() const { return size() == 0; }
    // Rows an INSERT, UPDATE or DELETE changed.
    [[nodiscard]] std::int64_t affected() const;
    [[nodiscard]] bool is_null(int row, int column) const;
    [[nodiscard]] std::int64_t int64(int row, int column) const;
    [[nodiscard]] std::int32_t int32(int row, int column) const;
    [[nodiscard]] bool boolean(int row, int column) const;
    [[nodiscard]] double float64(int row, int column) const;
    [[nodiscard]] std::string_view text(int row, int column) const;
    // NULL reads as the epoch (Timestamp{}).
    [[nodiscard]] core::Timestamp timestamp(int row, int column) const;

private:
    [[nodiscard]] std::string_view bytes(int row, int column, std::size_t expected_size) const;

    pg_result* result_;
};

// Raised for an SQLSTATE the caller may expect (a unique violation); others are StorageError.
class SqlError : public StorageError {
public:
    SqlError(const std::string& what, std::string sqlstate)
        : StorageError(what), sqlstate_(std::move(sqlstate)) {}
    [[nodiscard]] const std::string& sqlstate() const { return sqlstate_; }

private:
    std::string sqlstate_;
};

// The connection broke under a statement (the server restarted or ended the session, the
// network failed). The connection is unusable; the server may or may not have run the statement.
class ConnectionLost : public UnavailableError {
public:
    using UnavailableError::UnavailableError;
};

inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kUndefinedPreparedStatement = "26000";

struct ConnectOptions {
    std::string conninfo;  // a URI or key=value string, already checked by PQconninfoParse
    // Set as statement_timeout on the connection; also bounds connecting (connect_timeout) and
    // unacknowledged sends (tcp_user_timeout) unless the conninfo sets those, and, one second
    // longer, the wait for any answer (a server that stopped answering altogether).
    std::chrono::milliseconds statement_timeout{5000};
};

// How long a call waits for the server's answer: bounded (statement_timeout plus a second), or
// for as long as it takes (a migration that waits for another migrator).
enum class Wait { kBounded, kUnbounded };

// One server connection. Not thread-safe: one thread uses it at a time (a Pool lease).
class Connection {
public:
    // Connects and sets the session up. Throws UnavailableError when the server cannot be
    // reached or refuses the connection.
    explicit Connection(const ConnectOptions& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs a prepared statement (preparing it first on this connection's first use) and returns
    // its rows. Throws SqlError for an error the server reports, ConnectionLost when the
    // connection is lost (it is then broken for good), UnavailableError when the statement ran
    // over the statement timeout, or no answer came a second after it (the connection is then
    // broken: the server may or may not run the statement later).
    Rows execute(const Statement& statement, const Params& params);
    // Runs `sql` as an unnamed statement, planned for this call only (for SQL whose shapes are
    // too many to keep prepared: a list query with any number of search terms); throws as
    // execute() does.
    Rows execute_once(const std::string& sql, const Params& params);
    // Runs one or more statements without parameters (BEGIN, COMMIT, migrations); throws as
    // execute() does.
    void exec(const char* sql, Wait wait = Wait::kBounded);
    // True once the connection is lost; a pool drops it instead of reusing it.
    [[nodiscard]] bool is_broken() const;

private:
    // execute() without the second attempt.
    Rows run(const Statement& statement, const Params& params);
    // The result of what was just sent (`sent`: what PQsend* returned), waiting for it as `wait`
    // says; the first error when there are several results. nullptr when nothing was sent.
    // Throws UnavailableError, and breaks the connection, when the answer is late.
    pg_result* answer(int sent, const char* what, Wait wait = Wait::kBounded);
    // Checks a result: throws (and frees it) unless it is a success.
    pg_result* check(pg_result* result, const char* what);

    pg_conn* conn_ = nullptr;
    // libpq's calls wait for an answer without a limit; statement_timeout ends a statement that
    // runs long, but not the wait on a server that stopped answering (a frozen process or host:
    // its kernel still acknowledges, so neither TCP timeouts nor keepalives fire).
    std::chrono::milliseconds answer_timeout_;
    std::unordered_set<std::string> prepared_;
    bool broken_ = false;
};

// Runs ROLLBACK unless commit() was called.
class Transaction {
public:
    explicit Transaction(Connection& c) : c_(c) { c_.exec("BEGIN"); }
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
        c_.exec("COMMIT");
        done_ = true;
    }

private:
    Connection& c_;
    bool done_ = false;
};

}  // namespace taskapi::storage::postgres
