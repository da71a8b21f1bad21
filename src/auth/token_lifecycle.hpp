// SimpleJWT's optional refresh-token views and settings on top of TokenService: verify, blacklist
// (logout), rotation and blacklisting after rotation; beyond SimpleJWT, reuse detection and the
// revocation of a user's refresh tokens (SECURITY.md, "Logout, rotation and reuse detection").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/refresh_token_repository.hpp"
#include "auth/token_service.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "users/user_repository.hpp"

namespace taskapi::auth {

struct LifecycleSettings {
    // SimpleJWT's ROTATE_REFRESH_TOKENS: a refresh answers a new refresh token too.
    bool rotate_refresh_tokens = false;
    // SimpleJWT's BLACKLIST_AFTER_ROTATION: the replaced refresh token is blacklisted, and
    // presenting it again revokes its family (reuse detection). Without rotation it does nothing.
    bool blacklist_after_rotation = false;
};

// SimpleJWT's answer to a token found in the blacklist (kUnauthenticated, kTokenNotValid).
[[nodiscard]] core::Error token_blacklisted();

// Revokes every stored refresh token of `user` (taskapi changepassword, deleteuser): the live
// rows of the user's families, so that they stay refused whatever happens to the account later.
// Tokens without a row (from a login, never rotated) are refused by refresh's user check: issued
// before the password change, or naming no user. Purges expired rows first, as every write does.
// Returns how many rows were revoked.
int revoke_refresh_tokens(RefreshTokenRepository& store, core::UserId user, core::Timestamp now);

// Thread-safe: the settings are immutable, the repositories are thread-safe.
class TokenLifecycle {
public:
    TokenLifecycle(const TokenService& tokens, RefreshTokenRepository& store,
                   users::UserRepository& users, LifecycleSettings settings,
                   const core::Clock& clock)
        : tokens_(tokens), store_(store), users_(users), settings_(settings), clock_(clock) {}

    // POST /api/auth/token/verify/: any token (access or refresh, as SimpleJWT's UntypedToken)
    // that is well-formed, signed and unexpired; the store is read only for refresh tokens.
    // Errors: TokenService::verify_untyped's; for a refresh token that is no longer live,
    // kInvalidArgument with non_field_errors ["Token is blacklisted"] (SimpleJWT's answer with
    // BLACKLIST_AFTER_ROTATION, which taskapi gives in every mode: decision 001). Reads only:
    // presenting a rotated-away token here revokes nothing.
    core::Status verify(std::string_view token);

    struct Refreshed {
        std::string access;
        std::optional<std::string> refresh;  // with rotation
    };
    // POST /api/auth/token/refresh/. Errors (kUnauthenticated, kTokenNotValid): verify_refresh's;
    // "Token is blacklisted" for a token that is no longer live (a rotated-away token also
    // revokes its family); "Token is invalid or expired" when the user is gone, inactive or
    // changed the password after the token was issued.
    core::Result<Refreshed> refresh(std::string_view token);

    // POST /api/auth/token/blacklist/ (logout). Errors (kUnauthenticated, kTokenNotValid):
    // verify_refresh's; "Token is blacklisted" when it is no longer live (a rotated-away token
    // also revokes its family). The user is not looked up, as in SimpleJWT.
    core::Status blacklist(std::string_view token);

private:
    // Refuses a token the store no longer holds live; a rotated-away one revokes its family.
    core::Status check_live(const std::optional<RefreshTokenRow>& row);

    const TokenService& tokens_;
    RefreshTokenRepository& store_;
    users::UserRepository& users_;
    LifecycleSettings settings_;
    const core::Clock& clock_;
};

}  // namespace taskapi::auth
