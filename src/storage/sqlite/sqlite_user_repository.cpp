#include "storage/sqlite/sqlite_user_repository.hpp"

#include "storage/sqlite/sqlite_errors.hpp"

namespace taskapi::storage::sqlite {
namespace {

constexpr const char* kSelect =
    "SELECT id, username, password_hash, is_active, is_superuser, date_joined, "
    "password_changed_at FROM users ";

users::User read_user(const Statement& s) {
    users::User u;
    u.id = core::UserId{s.column_int64(0)};
    u.username = s.column_text(1);
    u.password_hash = s.column_text(2);
    u.is_active = s.column_int64(3) != 0;
    u.is_superuser = s.column_int64(4) != 0;
    u.date_joined = core::Timestamp{std::chrono::microseconds{s.column_int64(5)}};
    u.password_changed_at = core::Timestamp{std::chrono::microseconds{s.column_int64(6)}};
    return u;
}

// Steps a statement that returns the id of the one row it changed, if any: true when it did.
bool changed_one(Statement& s) {
    const bool found = s.step();
    if (found) s.step();
    return found;
}

}  // namespace

std::optional<core::Account> find_account(Connection& c, core::UserId id) {
    static const std::string kSql =
        "SELECT username, is_active, password_changed_at FROM users WHERE id = ?1";
    StatementScope s(c.prepare(kSql));
    s->bind(1, id.value);
    if (!s->step()) return std::nullopt;
    return core::Account{
        .id = id,
        .username = s->column_text(0),
        .is_active = s->column_int64(1) != 0,
        .password_changed_at = core::Timestamp{std::chrono::microseconds{s->column_int64(2)}}};
}

core::Result<users::User> SqliteUserRepository::create(const users::NewUser& user) {
    users::User created;
    const bool inserted = db_.write([&](Connection& c) {
        StatementScope s(c.prepare(
            "INSERT INTO users (username, password_hash, is_active, is_superuser, date_joined) "
            "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id"));
        s->bind(1, user.username);
        s->bind(2, user.password_hash);
        s->bind(3, std::int64_t{user.is_active ? 1 : 0});
        s->bind(4, std::int64_t{user.is_superuser ? 1 : 0});
        s->bind(5, user.date_joined.time_since_epoch().count());
        try {
            s->step();
            created.id = core::UserId{s->column_int64(0)};
            s->step();
        } catch (const ConstraintViolation&) {
            return false;  // the statement failed alone; the transaction goes on
        }
        return true;
    });
    if (!inserted) {
        return core::make_error(core::ErrorCode::kConflict,
                                "a user named '" + user.username + "' already exists");
    }
    created.username = user.username;
    created.password_hash = user.password_hash;
    created.is_active = user.is_active;
    created.is_superuser = user.is_superuser;
    created.date_joined = user.date_joined;
    return created;
}

std::optional<users::User> SqliteUserRepository::find_by_id(core::UserId id) {
    static const std::string kSql = std::string(kSelect) + "WHERE id = ?1";
    auto c = db_.acquire();
    StatementScope s(c->prepare(kSql));
    s->bind(1, id.value);
    if (!s->step()) return std::nullopt;
    return read_user(*s);
}

std::optional<core::Account> SqliteUserRepository::find_account(core::UserId id) {
    auto c = db_.acquire();
    return sqlite::find_account(*c, id);
}

std::optional<users::User> SqliteUserRepository::find_by_username(std::string_view username) {
    static const std::string kSql = std::string(kSelect) + "WHERE username = ?1";
    auto c = db_.acquire();
    StatementScope s(c->prepare(kSql));
    s->bind(1, username);
    if (!s->step()) return std::nullopt;
    return read_user(*s);
}

bool SqliteUserRepository::replace_password_hash(core::UserId id, std::string_view expected,
                                                 std::string_view replacement) {
    return db_.write([&](Connection& c) {
        StatementScope s(c.prepare(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2 AND password_hash = ?3 RETURNING "
            "id"));
        s->bind(1, replacement);
        s->bind(2, id.value);
        s->bind(3, expected);
        return changed_one(*s);
    });
}

bool SqliteUserRepository::change_password(core::UserId id, std::string_view password_hash,
                                           core::Timestamp changed_at) {
    return db_.write([&](Connection& c) {
        StatementScope s(
            c.prepare("UPDATE users SET password_hash = ?1, password_changed_at = ?2 WHERE id = "
                      "?3 RETURNING id"));
        s->bind(1, password_hash);
        s->bind(2, changed_at.time_since_epoch().count());
        s->bind(3, id.value);
        return changed_one(*s);
    });
}

bool SqliteUserRepository::remove(core::UserId id) {
    // The tasks go with the user through ON DELETE CASCADE (foreign_keys is on for every
    // connection).
    return db_.write([&](Connection& c) {
        StatementScope s(c.prepare("DELETE FROM users WHERE id = ?1 RETURNING id"));
        s->bind(1, id.value);
        return changed_one(*s);
    });
}

}  // namespace taskapi::storage::sqlite
