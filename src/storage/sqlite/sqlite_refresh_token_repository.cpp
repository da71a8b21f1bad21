#include "storage/sqlite/sqlite_refresh_token_repository.hpp"

namespace taskapi::storage::sqlite {
namespace {

using auth::RefreshTokenState;

constexpr const char* kFind =
    "SELECT user_id, jti, family, expires_at, state FROM refresh_tokens WHERE jti = ?1";

// The row of `jti`, whoever it names (the primary key is the jti alone).
std::optional<auth::RefreshTokenRow> find_row(Connection& c, std::string_view jti) {
    StatementScope s(c.prepare(kFind));
    s->bind(1, jti);
    if (!s->step()) return std::nullopt;
    return auth::RefreshTokenRow{core::UserId{s->column_int64(0)}, s->column_text(1),
                                 s->column_text(2), s->column_int64(3),
                                 static_cast<RefreshTokenState>(s->column_int64(4))};
}

// Inserts the row, or sets its state when it exists.
void put_row(Connection& c, const auth::RefreshTokenId& token, std::string_view family,
             RefreshTokenState state) {
    StatementScope s(c.prepare(
        "INSERT INTO refresh_tokens (jti, user_id, family, expires_at, state) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (jti) DO UPDATE SET state = excluded.state"));
    s->bind(1, token.jti);
    s->bind(2, token.user.value);
    s->bind(3, family);
    s->bind(4, token.expires_at);
    s->bind(5, static_cast<std::int64_t>(state));
    s->step();
}

// Runs a statement that returns one row per row changed; returns how many.
int count_rows(Statement& s) {
    int count = 0;
    while (s.step()) ++count;
    return count;
}

}  // namespace

std::optional<auth::RefreshTokenRow> SqliteRefreshTokenRepository::find(core::UserId user,
                                                                        std::string_view jti) {
    auto c = db_.acquire();
    auto row = find_row(*c, jti);
    if (!row || row->user != user) return std::nullopt;
    return row;
}

std::optional<auth::RefreshTokenRow> SqliteRefreshTokenRepository::blacklist(
    const auth::RefreshTokenId& token) {
    return db_.write([&](Connection& c) -> std::optional<auth::RefreshTokenRow> {
        auto before = find_row(c, token.jti);
        if (before && before->state != RefreshTokenState::kIssued) return before;
        put_row(c, token, before ? before->family : token.jti, RefreshTokenState::kBlacklisted);
        return std::nullopt;
    });
}

std::optional<auth::RefreshTokenRow> SqliteRefreshTokenRepository::rotate(
    const auth::RefreshTokenId& old, const auth::RefreshTokenId& replacement) {
    return db_.write([&](Connection& c) -> std::optional<auth::RefreshTokenRow> {
        auto before = find_row(c, old.jti);
        if (before && before->state != RefreshTokenState::kIssued) return before;
        const std::string family = before ? before->family : old.jti;
        put_row(c, old, family, RefreshTokenState::kRotated);
        put_row(c, replacement, family, RefreshTokenState::kIssued);
        return std::nullopt;
    });
}

int SqliteRefreshTokenRepository::revoke_family(core::UserId user, std::string_view family) {
    return db_.write([&](Connection& c) {
        StatementScope s(
            c.prepare("UPDATE refresh_tokens SET state = 3 WHERE user_id = ?1 AND family = ?2 AND "
                      "state = 0 RETURNING 1"));
        s->bind(1, user.value);
        s->bind(2, family);
        return count_rows(*s);
    });
}

int SqliteRefreshTokenRepository::revoke_user(core::UserId user) {
    return db_.write([&](Connection& c) {
        StatementScope s(c.prepare(
            "UPDATE refresh_tokens SET state = 3 WHERE user_id = ?1 AND state = 0 RETURNING 1"));
        s->bind(1, user.value);
        return count_rows(*s);
    });
}

int SqliteRefreshTokenRepository::purge_expired(core::Timestamp now) {
    return db_.write([&](Connection& c) {
        StatementScope s(
            c.prepare("DELETE FROM refresh_tokens WHERE expires_at <= ?1 RETURNING 1"));
        s->bind(1, core::to_unix_seconds(now));
        return count_rows(*s);
    });
}

}  // namespace taskapi::storage::sqlite
