#include "storage/postgres/pg_refresh_token_repository.hpp"

namespace taskapi::storage::postgres {
namespace {

using auth::RefreshTokenState;

constexpr Statement kFind{
    "refresh_tokens_find",
    "SELECT user_id, jti, family, expires_at, state FROM refresh_tokens WHERE jti = $1"};
// Inserts the row in its own family, or marks the existing one, only while it is live: two
// processes blacklisting or rotating the same token cannot both succeed.
constexpr Statement kBlacklist{
    "refresh_tokens_blacklist",
    "INSERT INTO refresh_tokens AS t (jti, user_id, family, expires_at, state) "
    "VALUES ($1, $2, $1, $3, 2) ON CONFLICT (jti) DO UPDATE SET state = 2 WHERE t.state = 0 "
    "RETURNING 1"};
// The same for the replaced token, then its replacement in its family, in one statement.
constexpr Statement kRotate{
    "refresh_tokens_rotate",
    "WITH old AS (INSERT INTO refresh_tokens AS t (jti, user_id, family, expires_at, state) "
    "VALUES ($1, $2, $1, $3, 1) ON CONFLICT (jti) DO UPDATE SET state = 1 WHERE t.state = 0 "
    "RETURNING t.family) "
    "INSERT INTO refresh_tokens (jti, user_id, family, expires_at, state) "
    "SELECT $4, $5, family, $6, 0 FROM old RETURNING 1"};
constexpr Statement kRevokeFamily{
    "refresh_tokens_revoke_family",
    "UPDATE refresh_tokens SET state = 3 WHERE user_id = $1 AND family = $2 AND state = 0"};
constexpr Statement kRevokeUser{
    "refresh_tokens_revoke_user",
    "UPDATE refresh_tokens SET state = 3 WHERE user_id = $1 AND state = 0"};
constexpr Statement kPurge{"refresh_tokens_purge",
                           "DELETE FROM refresh_tokens WHERE expires_at <= $1"};

auth::RefreshTokenRow read_row(const Rows& rows) {
    return auth::RefreshTokenRow{core::UserId{rows.int64(0, 0)}, std::string(rows.text(0, 1)),
                                 std::string(rows.text(0, 2)), rows.int64(0, 3),
                                 static_cast<RefreshTokenState>(rows.int32(0, 4))};
}

}  // namespace

std::optional<auth::RefreshTokenRow> PgRefreshTokenRepository::find(core::UserId user,
                                                                    std::string_view jti) {
    return pool_.read([user, jti](Connection& c) -> std::optional<auth::RefreshTokenRow> {
        const Rows rows = c.execute(kFind, Params{}.add(jti));
        if (rows.empty()) return std::nullopt;
        auto row = read_row(rows);
        if (row.user != user) return std::nullopt;
        return row;
    });
}

auth::RefreshTokenRow PgRefreshTokenRepository::row_that_refused(
    Connection& c, const auth::RefreshTokenId& token) {
    const Rows rows = c.execute(kFind, Params{}.add(token.jti));
    // A row that is not live stays so until it is purged, when its token has expired; one
    // purged in between was refused all the same.
    if (rows.empty()) {
        return auth::RefreshTokenRow{token.user, token.jti, token.jti, token.expires_at,
                                     RefreshTokenState::kBlacklisted};
    }
    return read_row(rows);
}

std::optional<auth::RefreshTokenRow> PgRefreshTokenRepository::blacklist(
    const auth::RefreshTokenId& token) {
    auto c = pool_.lease();
    const Rows rows =
        c->execute(kBlacklist, Params{}.add(token.jti).add(token.user.value).add(token.expires_at));
    if (!rows.empty()) return std::nullopt;
    return row_that_refused(*c, token);
}

std::optional<auth::RefreshTokenRow> PgRefreshTokenRepository::rotate(
    const auth::RefreshTokenId& old, const auth::RefreshTokenId& replacement) {
    auto c = pool_.lease();
    const Rows rows = c->execute(kRotate, Params{}
                                              .add(old.jti)
                                              .add(old.user.value)
                                              .add(old.expires_at)
                                              .add(replacement.jti)
                                              .add(replacement.user.value)
                                              .add(replacement.expires_at));
    if (!rows.empty()) return std::nullopt;
    return row_that_refused(*c, old);
}

int PgRefreshTokenRepository::revoke_family(core::UserId user, std::string_view family) {
    auto c = pool_.lease();
    return static_cast<int>(
        c->execute(kRevokeFamily, Params{}.add(user.value).add(family)).affected());
}

int PgRefreshTokenRepository::revoke_user(core::UserId user) {
    auto c = pool_.lease();
    return static_cast<int>(c->execute(kRevokeUser, Params{}.add(user.value)).affected());
}

int PgRefreshTokenRepository::purge_expired(core::Timestamp now) {
    auto c = pool_.lease();
    return static_cast<int>(
        c->execute(kPurge, Params{}.add(std::int64_t{core::to_unix_seconds(now)})).affected());
}

}  // namespace taskapi::storage::postgres
