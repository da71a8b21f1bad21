// Mints and checks SimpleJWT-compatible access and refresh tokens. Knows nothing of users' storage.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"

namespace taskapi::auth {

struct TokenPair {
    std::string refresh;
    std::string access;
};

struct TokenSettings {
    std::string signing_key;
    std::chrono::seconds access_lifetime{300};
    std::chrono::seconds refresh_lifetime{86400};
};

// Reasons carried by kUnauthenticated errors. kTokenNotValid is SimpleJWT's code
// token_not_valid; kAccessTokenNotValid marks a token that is no valid access token, which the
// Authenticator reports in SimpleJWT's per-token-class shape (with code token_not_valid).
inline constexpr std::string_view kAccessTokenNotValid = "access_token_not_valid";
inline constexpr std::string_view kTokenNotValid = "token_not_valid";

// Thread-safe: immutable after construction.
class TokenService {
public:
    TokenService(TokenSettings settings, const core::Clock& clock);

    // Tokens whose iat is later than the second of `issued_after` (a password change): within
    // that second, it waits on the clock for the next one (on the hashing pool, never on an I/O
    // thread). The epoch (the default) never waits.
    [[nodiscard]] TokenPair issue_pair(core::UserId user,
                                       core::Timestamp issued_after = core::Timestamp{}) const;

    struct AccessClaims {
        core::UserId user;
        double iat = 0;  // seconds since the epoch, maybe with a fraction; 0 when it has none
    };
    // The user an access token names, and when it was issued. A token is fully verified once per
    // thread; later uses of the same token only re-check its expiry. Errors (kUnauthenticated):
    //  reason kAccessTokenNotValid with SimpleJWT's message ("Token is invalid or expired",
    //  "Token has wrong type", "Token has no type", "Token has no id", "Token has no 'exp' claim");
    //  reason kTokenNotValid, "Token contained no recognizable user identification".
    [[nodiscard]] core::Result<AccessClaims> verify_access(std::string_view token) const;

    struct Refreshable {
        core::UserId user;
        std::optional<NumericDate> iat;
        std::int64_t exp = 0;
        std::string jti;            // DecodedClaims::jti
        std::string copied_claims;  // DecodedClaims::copied_claims
    };
    // Checks a refresh token; errors are kUnauthenticated, reason kTokenNotValid.
    [[nodiscard]] core::Result<Refreshable> verify_refresh(std::string_view token) const;

    // A new access token for a verified refresh token, as SimpleJWT 5.2 makes it: a new exp and
    // jti, the refresh token's iat (now when it has none) and, after jti, every other claim of
    // the refresh token (user_id and any other) in its order, written as it came.
    [[nodiscard]] std::string access_from_refresh(const Refreshable& refresh) const;

    struct Minted {
        std::string token;
        std::string jti;
        std::int64_t exp = 0;
    };
    // The refresh token that replaces `refresh` when refresh tokens rotate, as SimpleJWT 5.2's
    // TokenRefreshSerializer makes it: the same claims with a new jti, exp (now + the refresh
    // lifetime) and iat (now).
    [[nodiscard]] Minted rotated_refresh(const Refreshable& refresh) const;

    struct Verified {
        std::optional<std::string> token_type;  // as written; any type passes
        std::string jti;
        std::optional<core::UserId> user;  // nullopt when the user_id claim is missing or unusable
    };
    // SimpleJWT's UntypedToken (POST /api/auth/token/verify/): signature, times, exp and jti
    // present; the type and the user are not checked. Errors are kUnauthenticated, reason
    // kTokenNotValid, with the messages of verify_refresh.
    [[nodiscard]] core::Result<Verified> verify_untyped(std::string_view token) const;

private:
    [[nodiscard]] std::string mint(std::string_view type, core::UserId user, std::int64_t now,
                                   std::chrono::seconds lifetime) const;
    [[nodiscard]] core::Result<Refreshable> check(std::string_view token,
                                                  std::string_view expected_type,
                                                  std::string_view reason) const;

    TokenSettings settings_;
    const core::Clock& clock_;
    std::uint64_t instance_;  // tells this service's cached verifications from another's
};

}  // namespace taskapi::auth
