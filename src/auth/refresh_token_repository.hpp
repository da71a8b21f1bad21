// Where the refresh-token lifecycle is remembered: token ids (jti), never tokens (SECURITY.md,
// "Logout, rotation and reuse detection"). A refresh token from a login has no row until it is
// rotated or blacklisted, so a login writes nothing here, and the access-token path never reads it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace taskapi::auth {

// What a row says about its token. A token without a row is live.
enum class RefreshTokenState {
    kIssued = 0,       // made by a rotation (its row carries the family); live
    kRotated = 1,      // replaced by a rotation: presenting it again is reuse
    kBlacklisted = 2,  // logged out (POST /api/auth/token/blacklist/)
    kRevoked = 3,      // its family was revoked (reuse), or its user's tokens were (CLI)
};

// One refresh token as the store keeps it. The family is the jti of the refresh token that the
// login issued; each rotation passes it on.
struct RefreshTokenRow {
    core::UserId user;
    std::string jti;
    std::string family;
    std::int64_t expires_at = 0;  // the token's exp, seconds since the epoch
    RefreshTokenState state = RefreshTokenState::kIssued;
    bool operator==(const RefreshTokenRow&) const = default;
};

// The token a call is about: who it names, its id and its exp.
struct RefreshTokenId {
    core::UserId user;
    std::string jti;
    std::int64_t expires_at = 0;
};

// Thread-safe; with PostgreSQL, safe across processes (each call is atomic in the database).
// Throws storage::StorageError when the database fails.
class RefreshTokenRepository {
public:
    virtual ~RefreshTokenRepository() = default;

    // The row of `jti` when it names `user`; nullopt when there is none (the token is live).
    virtual std::optional<RefreshTokenRow> find(core::UserId user, std::string_view jti) = 0;

    // Logout: marks the token kBlacklisted (a row in its own family when it had none). Returns
    // the row as it was before when the token was no longer live (nothing changed), nullopt when
    // it was blacklisted just now.
    virtual std::optional<RefreshTokenRow> blacklist(const RefreshTokenId& token) = 0;

    // Rotation, in one atomic step: marks `old` kRotated (a row in its own family when it had
    // none) and stores `replacement` as kIssued in old's family. Returns the row of `old` as it
    // was before when `old` was no longer live (nothing changed), nullopt when it rotated.
    virtual std::optional<RefreshTokenRow> rotate(const RefreshTokenId& old,
                                                  const RefreshTokenId& replacement) = 0;

    // Marks every live (kIssued) row of `user`'s `family` kRevoked; returns how many.
    virtual int revoke_family(core::UserId user, std::string_view family) = 0;

    // Marks every live (kIssued) row of `user` kRevoked; returns how many.
    virtual int revoke_user(core::UserId user) = 0;

    // Deletes the rows whose token has expired by `now` (exp <= now: the token itself is then
    // refused); returns how many.
    virtual int purge_expired(core::Timestamp now) = 0;
};

}  // namespace taskapi::auth
