// The refresh-token lifecycle's rows in SQLite.
#pragma once

#include "auth/refresh_token_repository.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace taskapi::storage::sqlite {

// Writes run in one IMMEDIATE transaction each, so a check and its write are atomic.
class SqliteRefreshTokenRepository final : public auth::RefreshTokenRepository {
public:
    explicit SqliteRefreshTokenRepository(Database& db) : db_(db) {}

    std::optional<auth::RefreshTokenRow> find(core::UserId user, std::string_view jti) override;
    std::optional<auth::RefreshTokenRow> blacklist(const auth::RefreshTokenId& token) override;
    std::optional<auth::RefreshTokenRow> rotate(const auth::RefreshTokenId& old,
                                                const auth::RefreshTokenId& replacement) override;
    int revoke_family(core::UserId user, std::string_view family) override;
    int revoke_user(core::UserId user) override;
    int purge_expired(core::Timestamp now) override;

private:
    Database& db_;
};

}  // namespace taskapi::storage::sqlite
