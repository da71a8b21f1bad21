#include "storage/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <bit>
#include <cerrno>
#include <memory>
#include <type_traits>

namespace taskapi::storage::postgres {
namespace {

// Type OIDs (pg_type.dat); fixed since PostgreSQL 7.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kTimestamptzOid = 1184;

constexpr int kBinary = 1;

// timestamptz travels as microseconds since 2000-01-01 00:00:00 UTC.
constexpr std::int64_t kPostgresEpochMicros = 946684800LL * 1000000;

template <typename T>
std::string big_endian(T value) {
    using U = std::make_unsigned_t<T>;
    auto bits = static_cast<U>(value);
    std::string out(sizeof(T), '\0');
    for (std::size_t i = sizeof(T); i-- > 0;) {
        out[i] = static_cast<char>(bits & 0xFFU);
        bits = static_cast<U>(bits >> 8U);
    }
    return out;
}

template <typename T>
T from_big_endian(std::string_view bytes) {
    using U = std::make_unsigned_t<T>;
    U bits = 0;
    for (const char c : bytes) {
        bits = static_cast<U>((bits << 8U) | static_cast<unsigned char>(c));
    }
    return static_cast<T>(bits);
}

bool is_unavailable_state(std::string_view state) {
    // 08: connection exceptions; 57P01..57P03: the server shuts down or is starting; 57014: the
    // statement was cancelled (statement_timeout); 53: out of resources (too many connections).
    return state.starts_with("08") || state.starts_with("57P") || state == "57014" ||
           state.starts_with("53");
}

// libpq's message on one line (it ends lines with "\n" and indents hints with a tab), for a
// log line or the command line's one-line reason.
std::string one_line(std::string_view message) {
    std::string out;
    bool blank = false;
    for (const char c : message) {
        if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
            blank = true;
            continue;
        }
        if (blank && !out.empty()) out += ' ';
        blank = false;
        out += c;
    }
    return out;
}

void ignore_notice(void* /*arg*/, const char* /*message*/) {
    // NOTICEs ("relation already exists, skipping") are expected chatter, not errors; libpq
    // would print them on stderr.
}

// The conninfo's keywords that are set (by the URI or key=value string).
std::unordered_set<std::string> keywords_set(const std::string& conninfo) {
    std::unordered_set<std::string> out;
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
    if (error != nullptr) PQfreemem(error);
    if (!options) return out;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val != nullptr) out.insert(o->keyword);
    }
    return out;
}

}  // namespace

// --- Params ----------------------------------------------------------------------------------

void Params::push(unsigned type, std::string_view bytes, bool is_null) {
    types_.push_back(type);
    data_.emplace_back(bytes);
    nulls_.push_back(is_null);
    lengths_.push_back(static_cast<int>(bytes.size()));
    formats_.push_back(kBinary);
}

Params& Params::add(std::int64_t value) {
    push(kInt8Oid, big_endian(value));
    return *this;
}

Params& Params::add(std::int32_t value) {
    push(kInt4Oid, big_endian(value));
    return *this;
}

Params& Params::add(bool value) {
    push(kBoolOid, std::string(1, value ? '\1' : '\0'));
    return *this;
}

Params& Params::add(std::string_view text) {
    push(kTextOid, text);
    return *this;
}

Params& Params::add_bytes(std::string_view bytes) {
    push(kByteaOid, bytes);
    return *this;
}

Params& Params::add(core::Timestamp value) {
    push(kTimestamptzOid, big_endian(value.time_since_epoch().count() - kPostgresEpochMicros));
    return *this;
}

Params& Params::add_null_text() {
    push(kTextOid, {}, true);
    return *this;
}

Params& Params::add_null_bool() {
    push(kBoolOid, {}, true);
    return *this;
}

std::vector<const char*> Params::values() const {
    std::vector<const char*> out;
    out.reserve(data_.size());
    for (std::size_t i = 0; i < data_.size(); ++i) {
        out.push_back(nulls_[i] ? nullptr : data_[i].data());
    }
    return out;
}

// --- Rows ------------------------------------------------------------------------------------

Rows::~Rows() {
    if (result_ != nullptr) PQclear(result_);
}

int Rows::size() const { return PQntuples(result_); }

std::int64_t Rows::affected() const {
    const char* count = PQcmdTuples(result_);
    return *count == '\0' ? 0 : std::stoll(count);
}

bool Rows::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view Rows::bytes(int row, int column, std::size_t expected_size) const {
    const auto length = static_cast<std::size_t>(PQgetlength(result_, row, column));
    if (expected_size != 0 && length != expected_size) {
        throw StorageError("PostgreSQL: column " + std::to_string(column) + " holds " +
                           std::to_string(length) + " bytes, expected " +
                           std::to_string(expected_size));
    }
    return {PQgetvalue(result_, row, column), length};
}

std::int64_t Rows::int64(int row, int column) const {
    return from_big_endian<std::int64_t>(bytes(row, column, 8));
}

std::int32_t Rows::int32(int row, int column) const {
    return from_big_endian<std::int32_t>(bytes(row, column, 4));
}

bool Rows::boolean(int row, int column) const { return bytes(row, column, 1)[0] != '\0'; }

double Rows::float64(int row, int column) const {
    return std::bit_cast<double>(from_big_endian<std::uint64_t>(bytes(row, column, 8)));
}

std::string_view Rows::text(int row, int column) const { return bytes(row, column, 0); }

core::Timestamp Rows::timestamp(int row, int column) const {
    if (is_null(row, column)) return core::Timestamp{};
    return core::Timestamp{std::chrono::microseconds{int64(row, column) + kPostgresEpochMicros}};
}

// --- Connection ------------------------------------------------------------------------------

Connection::Connection(const ConnectOptions& options)
    : answer_timeout_(options.statement_timeout + std::chrono::seconds(1)) {
    const auto set = keywords_set(options.conninfo);
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(options.statement_timeout);
    // libpq refuses a connect_timeout below 2 s.
    const std::string connect_timeout = std::to_string(std::max<std::int64_t>(2, seconds.count()));
    const std::string user_timeout = std::to_string(options.statement_timeout.count());
    // Later keywords win over the ones the expanded dbname (the whole conninfo) brings; the
    // defaults below are added only when the conninfo does not set them.
    std::vector<const char*> keys{"dbname", "client_encoding", "application_name"};
    std::vector<const char*> values{options.conninfo.c_str(), "UTF8", "taskapi"};
    if (set.count("application_name") != 0) {
        keys.pop_back();
        values.pop_back();
    }
    if (set.count("connect_timeout") == 0) {
        keys.push_back("connect_timeout");
        values.push_back(connect_timeout.c_str());
    }
    if (set.count("tcp_user_timeout") == 0) {
        keys.push_back("tcp_user_timeout");
        values.push_back(user_timeout.c_str());
    }
    // A peer that vanished without a word (a host down, a network cut) is noticed within about
    // 10 seconds instead of the system's two hours.
    for (const auto& [key, value] : std::array<std::pair<const char*, const char*>, 3>{
             {{"keepalives_idle", "5"}, {"keepalives_interval", "2"}, {"keepalives_count", "3"}}}) {
        if (set.count(key) == 0) {
            keys.push_back(key);
            values.push_back(value);
        }
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
    if (conn_ == nullptr) throw UnavailableError("PostgreSQL: out of memory while connecting");
    if (PQstatus(conn_) != CONNECTION_OK) {
        // libpq's message names the host and user, never the password.
        const std::string message = one_line(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw UnavailableError("cannot connect to PostgreSQL: " + message);
    }
    PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
    try {
        exec(("SET statement_timeout = " + std::to_string(options.statement_timeout.count()))
                 .c_str());
    } catch (...) {
        PQfinish(conn_);
        conn_ = nullptr;
        throw;
    }
}

Connection::~Connection() {
    if (conn_ != nullptr) PQfinish(conn_);
}

bool Connection::is_broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

pg_result* Connection::answer(int sent, const char* what, Wait wait) {
    if (sent == 0) return nullptr;
    const auto deadline = std::chrono::steady_clock::now() + answer_timeout_;
    pg_result* kept = nullptr;
    for (;;) {
        while (PQisBusy(conn_) != 0) {
            int timeout_ms = -1;
            if (wait == Wait::kBounded) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now());
                if (left.count() <= 0) {
                    PQclear(kept);
                    broken_ = true;
                    throw UnavailableError(std::string("PostgreSQL: ") + what +
                                           ": no answer within the statement timeout");
                }
                timeout_ms = static_cast<int>(left.count());
            }
            // On a failure here the connection is gone; PQgetResult then reports it at once.
            pollfd socket{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
            if (socket.fd < 0) break;
            if (poll(&socket, 1, timeout_ms) < 0 && errno != EINTR) break;
            if (PQconsumeInput(conn_) == 0) break;
        }
        pg_result* result = PQgetResult(conn_);
        if (result == nullptr) return kept;
        if (kept != nullptr && PQresultStatus(kept) == PGRES_FATAL_ERROR) {
            PQclear(result);
        } else {
            PQclear(kept);
            kept = result;
        }
    }
}

pg_result* Connection::check(pg_result* result, const char* what) {
    const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    std::string state;
    std::string message;
    if (result != nullptr) {
        if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE)) state = s;
        // The primary message only: DETAIL may quote row values (a password hash).
        if (const char* m = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) message = m;
        PQclear(result);
    }
    if (message.empty()) message = one_line(PQerrorMessage(conn_));
    const std::string text = std::string("PostgreSQL: ") + what + ": " + message +
                             (state.empty() ? "" : " (SQLSTATE " + state + ")");
    if (PQstatus(conn_) != CONNECTION_OK) {
        broken_ = true;
        throw ConnectionLost(text);
    }
    if (state == "57014") throw UnavailableError(text);  // statement_timeout; the session lives
    if (is_unavailable_state(state)) {
        broken_ = true;  // the server ends the session after these
        throw ConnectionLost(text);
    }
    throw SqlError(text, state);
}

Rows Connection::run(const Statement& statement, const Params& params) {
    if (prepared_.count(statement.name) == 0) {
        PQclear(check(answer(PQsendPrepare(conn_, statement.name, statement.sql, params.size(),
                                           params.types()),
                             statement.name),
                      statement.name));
        prepared_.insert(statement.name);
    }
    const auto values = params.values();
    return Rows(
        check(answer(PQsendQueryPrepared(conn_, statement.name, params.size(), values.data(),
                                         params.lengths(), params.formats(), kBinary),
                     statement.name),
              statement.name));
}

Rows Connection::execute(const Statement& statement, const Params& params) {
    try {
        return run(statement, params);
    } catch (const SqlError& e) {
        // The session lost its prepared statements (DISCARD ALL, which a pooler in front may
        // run between clients): prepare again, once.
        if (e.sqlstate() != kUndefinedPreparedStatement) throw;
    }
    prepared_.clear();
    return run(statement, params);
}

Rows Connection::execute_once(const std::string& sql, const Params& params) {
    const auto values = params.values();
    return Rows(
        check(answer(PQsendQueryParams(conn_, sql.c_str(), params.size(), params.types(),
                                       values.data(), params.lengths(), params.formats(), kBinary),
                     "query"),
              "query"));
}

void Connection::exec(const char* sql, Wait wait) {
    PQclear(check(answer(PQsendQuery(conn_, sql), "exec", wait), "exec"));
}

Transaction::~Transaction() {
    if (done_) return;
    try {
        c_.exec("ROLLBACK");
    } catch (const StorageError&) {
        // The connection is lost; the server rolls back by itself.
    }
}

}  // namespace taskapi::storage::postgres
