#include "storage/postgres/pg_user_repository.hpp"

#include "core/text.hpp"

namespace taskapi::storage::postgres {
namespace {

// The columns both lookups return, in read_user's order.
constexpr Statement kFindById{
    "users_find_by_id",
    "SELECT id, username, password_hash, is_active, is_superuser, date_joined, "
    "password_changed_at FROM users WHERE id = $1"};
// What authentication checks (UserRepository::find_account).
constexpr Statement kFindAccount{
    "users_find_account",
    "SELECT username, is_active, password_changed_at FROM users WHERE id = $1"};
constexpr Statement kFindByUsername{
    "users_find_by_username",
    "SELECT id, username, password_hash, is_active, is_superuser, date_joined, "
    "password_changed_at FROM users WHERE username = $1"};
constexpr Statement kCreate{
    "users_create",
    "INSERT INTO users (username, password_hash, is_active, is_superuser, date_joined) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING id"};
constexpr Statement kReplaceHash{
    "users_replace_password_hash",
    "UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3"};
constexpr Statement kChangePassword{
    "users_change_password",
    "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3"};
// The tasks go with the user (ON DELETE CASCADE).
constexpr Statement kRemove{"users_remove", "DELETE FROM users WHERE id = $1"};

users::User read_user(const Rows& rows) {
    users::User u;
    u.id = core::UserId{rows.int64(0, 0)};
    u.username = rows.text(0, 1);
    u.password_hash = rows.text(0, 2);
    u.is_active = rows.boolean(0, 3);
    u.is_superuser = rows.boolean(0, 4);
    u.date_joined = rows.timestamp(0, 5);
    u.password_changed_at = rows.timestamp(0, 6);  // NULL (never) reads as the epoch
    return u;
}

// What a text column can hold.
bool storable(std::string_view text) {
    return core::is_valid_utf8(text) && text.find('\0') == std::string_view::npos;
}

}  // namespace

core::Result<users::User> PgUserRepository::create(const users::NewUser& user) {
    auto c = pool_.lease();
    users::User created;
    try {
        const Rows rows = c->execute(kCreate, Params{}
                                                  .add(user.username)
                                                  .add(user.password_hash)
                                                  .add(user.is_active)
                                                  .add(user.is_superuser)
                                                  .add(user.date_joined));
        created.id = core::UserId{rows.int64(0, 0)};
    } catch (const SqlError& e) {
        if (e.sqlstate() != kUniqueViolation) throw;
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

std::optional<users::User> PgUserRepository::find_by_id(core::UserId id) {
    return pool_.read([id](Connection& c) -> std::optional<users::User> {
        const Rows rows = c.execute(kFindById, Params{}.add(id.value));
        if (rows.empty()) return std::nullopt;
        return read_user(rows);
    });
}

std::optional<core::Account> PgUserRepository::find_account(core::UserId id) {
    return pool_.read([id](Connection& c) -> std::optional<core::Account> {
        const Rows rows = c.execute(kFindAccount, Params{}.add(id.value));
        if (rows.empty()) return std::nullopt;
        return core::Account{.id = id,
                             .username = std::string(rows.text(0, 0)),
                             .is_active = rows.boolean(0, 1),
                             .password_changed_at = rows.timestamp(0, 2)};
    });
}

std::optional<users::User> PgUserRepository::find_by_username(std::string_view username) {
    if (!storable(username)) return std::nullopt;
    return pool_.read([username](Connection& c) -> std::optional<users::User> {
        const Rows rows = c.execute(kFindByUsername, Params{}.add(username));
        if (rows.empty()) return std::nullopt;
        return read_user(rows);
    });
}

bool PgUserRepository::replace_password_hash(core::UserId id, std::string_view expected,
                                             std::string_view replacement) {
    if (!storable(expected)) return false;
    auto c = pool_.lease();
    return c->execute(kReplaceHash, Params{}.add(replacement).add(id.value).add(expected))
               .affected() > 0;
}

bool PgUserRepository::change_password(core::UserId id, std::string_view password_hash,
                                       core::Timestamp changed_at) {
    auto c = pool_.lease();
    return c->execute(kChangePassword, Params{}.add(password_hash).add(changed_at).add(id.value))
               .affected() > 0;
}

bool PgUserRepository::remove(core::UserId id) {
    auto c = pool_.lease();
    return c->execute(kRemove, Params{}.add(id.value)).affected() > 0;
}

}  // namespace taskapi::storage::postgres
