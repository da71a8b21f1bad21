// The refresh-token lifecycle's rows in PostgreSQL, shared by every taskapi process on the
// database: a token blacklisted through one process is refused by all.
#pragma once

#include "auth/refresh_token_repository.hpp"
#include "storage/postgres/pg_pool.hpp"

namespace taskapi::storage::postgres {

// Thread-safe, and safe across processes: each check-and-write is one statement (an upsert that
// changes only a live row), and a row that is no longer live never becomes live again. Throws
// UnavailableError when the database cannot be reached.
class PgRefreshTokenRepository final : public auth::RefreshTokenRepository {
public:
    explicit PgRefreshTokenRepository(Pool& pool) : pool_(pool) {}

    std::optional<auth::RefreshTokenRow> find(core::UserId user, std::string_view jti) override;
    std::optional<auth::RefreshTokenRow> blacklist(const auth::RefreshTokenId& token) override;
    std::optional<auth::RefreshTokenRow> rotate(const auth::RefreshTokenId& old,
                                                const auth::RefreshTokenId& replacement) override;
    int revoke_family(core::UserId user, std::string_view family) override;
    int revoke_user(core::UserId user) override;
    int purge_expired(core::Timestamp now) override;

private:
    // The row that made a write change nothing (no longer live).
    auth::RefreshTokenRow row_that_refused(Connection& c, const auth::RefreshTokenId& token);

    Pool& pool_;
};

}  // namespace taskapi::storage::postgres
